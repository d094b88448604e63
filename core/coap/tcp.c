/*
 * coap/tcp.c: CoAP over TCP and TLS listeners (RFC 8323; see tcp.h).
 *
 * All socket I/O goes through two evbuffers per connection: what was read
 * (ciphertext for TLS, frames otherwise) and what waits to be written. GnuTLS
 * pulls from and pushes to those buffers, so a TLS write never blocks and
 * never has to be retried with the same arguments.
 */
#include "coap/tcp.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coap/dtls_auth.h"
#include "coap/engine.h"
#include "coap/tcp_frame.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "timer.h"
#include "util/hash.h"

/* TLS 1.2 and 1.3 with the suites LwM2M clients use (as for DTLS). */
static const char TLS_PRIORITIES[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:+PSK:"
                                     "+ECDHE-PSK:+AES-128-CCM-8:+AES-128-CCM:+SHA256:+CTYPE-ALL";

/* A peer that does not read its answers is cut off past this much output. */
#define MAX_PENDING_OUT (4u << 20)

struct conn {
	struct lw_hnode node;
	struct conn *prev, *next;
	struct lw_coap_tcp *t;
	int fd;
	struct event *rev, *wev;
	struct lw_coap_addr addr;
	struct evbuffer *raw; /* TLS: ciphertext read, not yet decrypted */
	struct evbuffer *in;  /* frames (plaintext) not yet processed */
	struct evbuffer *out; /* bytes waiting for the socket */
	gnutls_session_t tls;
	int handshaken; /* TLS done (always 1 for plain) */
	int auth_ready; /* TLS: credentials chosen (after the first record came) */
	int csm_seen;
	int closing;    /* no more input; close once out is written */
	int close_reason; /* enum lw_coap_tcp_close, once closing */
	char *identity; /* TLS: the endpoint the session proved */
	size_t peer_mms;
	uint64_t opened, last_active;
	struct lw_timer timer;
};

struct lw_coap_tcp {
	struct lw_coap_endpoint ep; /* first: the engine hands this back */
	struct lw_coap_tcp_config cfg;
	struct lw_coap_engine *e;
	struct event_base *base;
	int fd;
	struct event *ev;
	int port;
	struct lw_htable conns; /* by remote address */
	struct conn *head;
	size_t count;
	struct lw_dtls_auth auth;
	int have_auth;
	struct lw_coap_tcp_stats stats;
	struct lw_timer resume; /* accepting again after running out of fds */
	uint8_t *scratch; /* one parsed frame (max_message + 4) */
	uint8_t *txbuf;   /* one frame to encrypt (max_message) */
};

static const char *proto(const struct lw_coap_tcp *t)
{
	return t->cfg.tls ? "coaps+tcp" : "coap+tcp";
}

static uint64_t addr_hash(const struct lw_coap_addr *a)
{
	return lw_hash(&a->u, a->len < sizeof(a->u) ? a->len : sizeof(a->u), 0x7c9);
}

static struct conn *find_conn(struct lw_coap_tcp *t, const struct lw_coap_addr *a)
{
	uint64_t h = addr_hash(a);
	for (struct lw_hnode *n = lw_htable_bucket(&t->conns, h); n; n = n->next) {
		struct conn *c = LW_CONTAINER_OF(n, struct conn, node);
		if (n->hash == h && c->addr.len == a->len && memcmp(&c->addr.u, &a->u, a->len) == 0)
			return c;
	}
	return NULL;
}

static void conn_free(struct conn *c, int reason, const char *why)
{
	struct lw_coap_tcp *t = c->t;
	char a[64];
	lw_log(LW_LOG_DEBUG, "%s %s: connection closed (%s)", proto(t),
	       lw_coap_addr_str(&c->addr, a, sizeof(a)), why);
	t->stats.closed[reason]++;
	lw_timer_cancel(t->e->timers, &c->timer);
	lw_htable_remove(&t->conns, &c->node);
	/* Nothing will answer what waits on this connection. */
	if (c->handshaken)
		lw_coap_engine_peer_closed(t->e, &t->ep, &c->addr);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->count--;
	if (c->rev)
		event_free(c->rev);
	if (c->wev)
		event_free(c->wev);
	if (c->tls)
		gnutls_deinit(c->tls);
	if (c->raw)
		evbuffer_free(c->raw);
	if (c->in)
		evbuffer_free(c->in);
	if (c->out)
		evbuffer_free(c->out);
	close(c->fd);
	free(c->identity);
	free(c);
}

static void want_write(struct conn *c)
{
	if (evbuffer_get_length(c->out) && !event_pending(c->wev, EV_WRITE, NULL))
		event_add(c->wev, NULL);
}

/* Queues bytes of one frame (encrypting them for TLS). */
static int put_bytes(struct conn *c, const uint8_t *b, size_t len)
{
	if (evbuffer_get_length(c->out) + len > MAX_PENDING_OUT)
		return LW_ENOSPC;
	if (!c->tls)
		return evbuffer_add(c->out, b, len) == 0 ? 0 : LW_ENOMEM;
	while (len) {
		ssize_t n = gnutls_record_send(c->tls, b, len);
		if (n < 0)
			return LW_EIO;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int put_frame(struct conn *c, const uint8_t *hdr, size_t hlen, const uint8_t *body,
                     size_t blen)
{
	int rc;
	if (c->tls) {
		/* One TLS record per frame where it fits. */
		uint8_t *tx = c->t->txbuf;
		if (hlen + blen > c->t->cfg.max_message + LW_COAP_TCP_MAX_HEADER)
			return LW_ENOSPC;
		memcpy(tx, hdr, hlen);
		if (blen)
			memcpy(tx + hlen, body, blen);
		rc = put_bytes(c, tx, hlen + blen);
	} else {
		rc = put_bytes(c, hdr, hlen);
		if (!rc && blen)
			rc = put_bytes(c, body, blen);
	}
	want_write(c);
	return rc;
}

/* The signal counter of a 7.xx code. */
static int signal_index(uint8_t code)
{
	switch (code) {
	case LW_COAP_CSM: return LW_TCP_SIG_CSM;
	case LW_COAP_PING: return LW_TCP_SIG_PING;
	case LW_COAP_PONG: return LW_TCP_SIG_PONG;
	case LW_COAP_RELEASE: return LW_TCP_SIG_RELEASE;
	case LW_COAP_ABORT: return LW_TCP_SIG_ABORT;
	default: return -1;
	}
}

static void send_signal(struct conn *c, uint8_t code, const uint8_t *token, size_t tkl,
                        uint16_t opt, uint32_t optval, int with_opt, const char *diag)
{
	int sig = signal_index(code);
	if (sig >= 0)
		c->t->stats.signals_out[sig]++;
	struct lw_coap_msg m = {.type = LW_COAP_NON, .code = code, .token_len = (uint8_t)tkl};
	if (tkl)
		memcpy(m.token, token, tkl);
	uint8_t v[4];
	size_t vl = optval > 0xffffff ? 4 : optval > 0xffff ? 3 : optval > 0xff ? 2 : optval ? 1 : 0;
	for (size_t i = 0; i < vl; i++)
		v[i] = (uint8_t)(optval >> (8 * (vl - 1 - i)));
	if (with_opt) {
		m.opts[0] = (struct lw_coap_option){.number = opt, .len = (uint16_t)vl, .value = v};
		m.n_opts = 1;
	}
	if (diag) {
		m.payload = (const uint8_t *)diag;
		m.payload_len = strlen(diag);
	}
	uint8_t buf[256];
	size_t len;
	if (lw_coap_tcp_encode(&m, buf, sizeof(buf), &len) == 0)
		put_frame(c, buf, len, NULL, 0);
}

/* RFC 8323 5.6: tells the peer why, then closes once that is written. */
static void conn_abort(struct conn *c, uint16_t bad_csm_opt, const char *why)
{
	char a[64];
	lw_log(LW_LOG_WARN, "%s %s: aborting the connection: %s", proto(c->t),
	       lw_coap_addr_str(&c->addr, a, sizeof(a)), why);
	if (c->handshaken)
		send_signal(c, LW_COAP_ABORT, NULL, 0, LW_COAP_SIG_BAD_CSM_OPTION, bad_csm_opt,
		            bad_csm_opt != 0, why);
	c->closing = 1;
	c->close_reason = LW_TCP_CLOSED_ABORT_OUT;
	want_write(c);
}

static void send_csm(struct conn *c)
{
	send_signal(c, LW_COAP_CSM, NULL, 0, LW_COAP_SIG_MAX_MESSAGE_SIZE,
	            (uint32_t)c->t->cfg.max_message, 1, NULL);
}

static void on_signal(struct conn *c, const struct lw_coap_msg *m)
{
	/* Signalling options are per code; every one we know is elective, so
	 * any critical (odd) one is unknown to us (RFC 8323 5.3.2 for CSM). */
	for (uint16_t i = 0; i < m->n_opts; i++) {
		if (LW_COAP_OPT_IS_CRITICAL(m->opts[i].number)) {
			conn_abort(c, m->code == LW_COAP_CSM ? m->opts[i].number : 0,
			           "unknown critical option in a signal");
			return;
		}
	}
	char a[64];
	int sig = signal_index(m->code);
	if (sig >= 0)
		c->t->stats.signals_in[sig]++;
	switch (m->code) {
	case LW_COAP_CSM: {
		const struct lw_coap_option *o = lw_coap_find(m, LW_COAP_SIG_MAX_MESSAGE_SIZE);
		uint32_t mms;
		if (o && lw_coap_opt_uint(o, &mms) == 0)
			c->peer_mms = mms;
		c->csm_seen = 1;
		break;
	}
	case LW_COAP_PING:
		send_signal(c, LW_COAP_PONG, m->token, m->token_len, 0, 0, 0, NULL);
		break;
	case LW_COAP_PONG:
		break;
	case LW_COAP_RELEASE:
		lw_log(LW_LOG_DEBUG, "%s %s: Release", proto(c->t),
		       lw_coap_addr_str(&c->addr, a, sizeof(a)));
		c->closing = 1;
		c->close_reason = LW_TCP_CLOSED_RELEASE;
		break;
	case LW_COAP_ABORT:
		lw_log(LW_LOG_INFO, "%s %s: the peer aborted the connection: %.*s", proto(c->t),
		       lw_coap_addr_str(&c->addr, a, sizeof(a)), (int)(m->payload_len > 200 ? 200 : m->payload_len),
		       m->payload ? (const char *)m->payload : "");
		c->closing = 1;
		c->close_reason = LW_TCP_CLOSED_ABORT_IN;
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
		break;
	default:
		break; /* RFC 8323 5.1: unknown signals are ignored */
	}
}

static void on_frame(struct conn *c, const uint8_t *frame, size_t len)
{
	struct lw_coap_tcp *t = c->t;
	struct lw_coap_msg m;
	if (lw_coap_tcp_parse(&m, frame, len, t->scratch, t->cfg.max_message + 4) != 0) {
		conn_abort(c, 0, "malformed message");
		return;
	}
	if (LW_COAP_CLASS(m.code) == 7) {
		on_signal(c, &m);
		return;
	}
	if (!c->csm_seen) {
		conn_abort(c, 0, "the first message must be a CSM");
		return;
	}
	lw_coap_engine_input_msg(t->e, &t->ep, &c->addr, &m);
}

/* Cuts whole frames off the input buffer. */
static void process_input(struct conn *c)
{
	struct lw_coap_tcp *t = c->t;
	while (!c->closing) {
		size_t avail = evbuffer_get_length(c->in);
		uint8_t head[5];
		size_t n = avail < sizeof(head) ? avail : sizeof(head);
		if (n == 0)
			return;
		evbuffer_copyout(c->in, head, n);
		size_t flen;
		int rc = lw_coap_tcp_frame_size(head, n, &flen);
		if (rc == LW_EAGAIN)
			return;
		if (rc) {
			conn_abort(c, 0, "token length over 8");
			return;
		}
		if (flen > t->cfg.max_message) {
			conn_abort(c, 0, "message larger than our Max-Message-Size");
			return;
		}
		if (avail < flen)
			return;
		const uint8_t *f = evbuffer_pullup(c->in, (ssize_t)flen);
		if (!f) {
			conn_abort(c, 0, "out of memory");
			return;
		}
		on_frame(c, f, flen);
		evbuffer_drain(c->in, flen);
	}
}

/* TLS: handshake, then decrypt whatever arrived. 0, or the reason the
 * connection is finished (LW_TCP_CLOSED_*, + 1 so that 0 stays "go on"). */
static int tls_input(struct conn *c)
{
	struct lw_coap_tcp *t = c->t;
	char a[64];
	if (!c->auth_ready) {
		/* The credentials are chosen with the ClientHello in hand, as for
		 * DTLS: an RPK-only client gets the server's raw key. */
		size_t avail = evbuffer_get_length(c->raw);
		uint8_t h[5];
		if (avail < sizeof(h))
			return 0;
		evbuffer_copyout(c->raw, h, sizeof(h));
		size_t need = sizeof(h) + ((size_t)h[3] << 8 | h[4]);
		if (h[0] == 22 && avail < need && need <= sizeof(h) + 16384)
			return 0; /* the rest of the ClientHello is on its way */
		size_t n = avail < need ? avail : need;
		const uint8_t *rec = evbuffer_pullup(c->raw, (ssize_t)n);
		if (!rec || lw_tls_auth_session(&t->auth, c->tls, rec, n) != 0)
			return LW_TCP_CLOSED_ERROR + 1;
		c->auth_ready = 1;
	}
	if (!c->handshaken) {
		int g = gnutls_handshake(c->tls);
		if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED)
			return 0;
		if (g < 0) {
			t->stats.handshakes_failed++;
			lw_log(LW_LOG_INFO, "%s %s: TLS handshake failed: %s", proto(t),
			       lw_coap_addr_str(&c->addr, a, sizeof(a)), gnutls_strerror(g));
			return LW_TCP_CLOSED_HANDSHAKE + 1;
		}
		t->stats.handshakes_ok++;
		const char *mode = "?";
		c->identity = lw_dtls_auth_identity(&t->auth, c->tls, &mode);
		c->handshaken = 1;
		lw_log(LW_LOG_DEBUG, "%s %s: TLS session up (%s%s%s)", proto(t),
		       lw_coap_addr_str(&c->addr, a, sizeof(a)), mode, c->identity ? ", " : "",
		       c->identity ? c->identity : "");
		send_csm(c);
	}
	uint8_t buf[16384];
	for (;;) {
		ssize_t n = gnutls_record_recv(c->tls, buf, sizeof(buf));
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			return 0;
		if (n == 0)
			return LW_TCP_CLOSED_TLS + 1; /* close_notify */
		if (n < 0) {
			if (!gnutls_error_is_fatal((int)n))
				continue;
			return LW_TCP_CLOSED_TLS + 1;
		}
		if (evbuffer_add(c->in, buf, (size_t)n) != 0)
			return LW_TCP_CLOSED_ERROR + 1;
	}
}

static void rearm(struct conn *c)
{
	struct lw_coap_tcp *t = c->t;
	uint64_t due = c->handshaken ? c->last_active + t->cfg.idle_ms
	                             : c->opened + t->cfg.handshake_timeout_ms;
	lw_timer_at(t->e->timers, &c->timer, due);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct conn *c = arg;
	struct lw_coap_tcp *t = c->t;
	int eof = 0;
	for (;;) {
		int n = evbuffer_read(c->tls ? c->raw : c->in, fd, 65536);
		if (n > 0)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			eof = 1;
		break;
	}
	c->last_active = lw_timers_now(t->e->timers);
	int ended = c->tls ? tls_input(c) : 0;
	if (ended) {
		conn_free(c, ended - 1,
		          ended - 1 == LW_TCP_CLOSED_HANDSHAKE ? "TLS handshake failed"
		                                               : "TLS session ended");
		return;
	}
	process_input(c);
	if (eof) {
		/* Answers to what came before the EOF are lost anyway. */
		conn_free(c, c->closing ? c->close_reason : LW_TCP_CLOSED_PEER,
		          "closed by the peer");
		return;
	}
	if (c->closing) {
		event_del(c->rev);
		if (evbuffer_get_length(c->out) == 0) {
			conn_free(c, c->close_reason, "closing");
			return;
		}
	}
	want_write(c);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct conn *c = arg;
	while (evbuffer_get_length(c->out)) {
		int n = evbuffer_write(c->out, fd);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			conn_free(c, LW_TCP_CLOSED_ERROR, "write failed");
			return;
		}
	}
	if (evbuffer_get_length(c->out)) {
		event_add(c->wev, NULL);
		return;
	}
	if (c->closing)
		conn_free(c, c->close_reason, "closing");
}

static void on_timer(struct lw_timer *tm, void *arg)
{
	(void)tm;
	struct conn *c = arg;
	struct lw_coap_tcp *t = c->t;
	uint64_t now = lw_timers_now(t->e->timers);
	if (!c->handshaken && now >= c->opened + t->cfg.handshake_timeout_ms) {
		t->stats.handshakes_timeout++;
		conn_free(c, LW_TCP_CLOSED_HANDSHAKE, "TLS handshake timed out");
		return;
	}
	if (c->handshaken && now >= c->last_active + t->cfg.idle_ms) {
		conn_free(c, LW_TCP_CLOSED_IDLE, "idle");
		return;
	}
	rearm(c);
}

static ssize_t tls_pull(gnutls_transport_ptr_t p, void *data, size_t size)
{
	struct conn *c = p;
	int n = evbuffer_remove(c->raw, data, size);
	if (n <= 0) {
		gnutls_transport_set_errno(c->tls, EAGAIN);
		return -1;
	}
	return n;
}

static ssize_t tls_push(gnutls_transport_ptr_t p, const void *data, size_t size)
{
	struct conn *c = p;
	if (evbuffer_add(c->out, data, size) != 0) {
		gnutls_transport_set_errno(c->tls, ENOMEM);
		return -1;
	}
	want_write(c);
	return (ssize_t)size;
}

static void conn_new(struct lw_coap_tcp *t, int fd, const struct lw_coap_addr *from)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->t = t;
	c->fd = fd;
	c->addr = *from;
	c->peer_mms = LW_COAP_TCP_DEFAULT_MMS;
	c->handshaken = !t->cfg.tls;
	c->opened = c->last_active = lw_timers_now(t->e->timers);
	lw_timer_init(&c->timer, on_timer, c);
	lw_htable_insert(&t->conns, &c->node, addr_hash(from));
	c->next = t->head;
	if (t->head)
		t->head->prev = c;
	t->head = c;
	t->count++;
	t->stats.accepted++;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->rev = event_new(t->base, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->wev = event_new(t->base, fd, EV_WRITE, on_writable, c);
	int ok = c->in && c->out && c->rev && c->wev && event_add(c->rev, NULL) == 0;
	if (ok && t->cfg.tls) {
		c->raw = evbuffer_new();
		unsigned flags = GNUTLS_SERVER | GNUTLS_NONBLOCK;
		if (t->auth.cert)
			flags |= GNUTLS_ENABLE_RAWPK; /* RFC 7250 over TLS too */
		ok = c->raw && gnutls_init(&c->tls, flags) >= 0;
		if (ok) {
			gnutls_transport_set_ptr(c->tls, c);
			gnutls_transport_set_pull_function(c->tls, tls_pull);
			gnutls_transport_set_push_function(c->tls, tls_push);
		}
	}
	if (!ok) {
		conn_free(c, LW_TCP_CLOSED_ERROR, "out of memory");
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!t->cfg.tls)
		send_csm(c); /* RFC 8323 5.3: each side opens with a CSM */
	rearm(c);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	(void)what;
	struct lw_coap_tcp *t = arg;
	for (int i = 0; i < 64; i++) {
		struct lw_coap_addr a = {.len = sizeof(a.u)};
		int fd = accept4(lfd, &a.u.sa, &a.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* Out of descriptors the listener stays readable: without a
			 * pause the loop would spin on it. */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				lw_log(LW_LOG_WARN, "%s: cannot accept: %s; not accepting for 1 s",
				       proto(t), strerror(errno));
				event_del(t->ev);
				lw_timer_in(t->e->timers, &t->resume, 1000);
			}
			return;
		}
		if (t->count >= t->cfg.max_connections) {
			t->stats.refused++;
			close(fd);
			continue;
		}
		conn_new(t, fd, &a);
	}
}

static void on_resume(struct lw_timer *tm, void *arg)
{
	(void)tm;
	struct lw_coap_tcp *t = arg;
	event_add(t->ev, NULL);
}

static int tcp_send(struct lw_coap_endpoint *ep, const struct lw_coap_addr *to, const uint8_t *buf,
                    size_t len)
{
	struct lw_coap_tcp *t = (struct lw_coap_tcp *)ep;
	struct conn *c = find_conn(t, to);
	if (!c || c->closing || !c->handshaken)
		return LW_EIO; /* the engine fails the request at once */
	uint8_t hdr[LW_COAP_TCP_MAX_HEADER];
	size_t hlen, off;
	if (lw_coap_tcp_reframe(buf, len, hdr, &hlen, &off) != 0)
		return LW_EINVAL;
	if (hlen + len - off > c->peer_mms) {
		char a[64];
		lw_log(LW_LOG_WARN, "%s %s: %zu-byte message dropped: over the peer's Max-Message-Size %zu",
		       proto(t), lw_coap_addr_str(&c->addr, a, sizeof(a)), hlen + len - off, c->peer_mms);
		return LW_ENOSPC;
	}
	return put_frame(c, hdr, hlen, buf + off, len - off);
}

static const char *tcp_identity(struct lw_coap_endpoint *ep, const struct lw_coap_addr *addr)
{
	struct conn *c = find_conn((struct lw_coap_tcp *)ep, addr);
	return c ? c->identity : NULL;
}

int lw_coap_tcp_open(struct lw_coap_tcp **out, struct lw_coap_engine *e, struct event_base *base,
                     const struct lw_coap_tcp_config *cfg, const struct lw_credentials *creds,
                     char *err, size_t errlen)
{
	*out = NULL;
	struct lw_coap_tcp *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return LW_ENOMEM;
	}
	t->cfg = *cfg;
	if (!t->cfg.max_message)
		t->cfg.max_message = 65536;
	if (t->cfg.max_message < LW_COAP_TCP_DEFAULT_MMS)
		t->cfg.max_message = LW_COAP_TCP_DEFAULT_MMS;
	if (!t->cfg.max_connections)
		t->cfg.max_connections = 1;
	t->e = e;
	t->base = base;
	t->fd = -1;
	lw_timer_init(&t->resume, on_resume, t);
	t->ep.name = cfg->tls ? "tls" : "tcp";
	t->ep.secure = cfg->tls;
	t->ep.reliable = 1;
	t->ep.send = tcp_send;
	t->ep.engine = e;
	if (cfg->tls) {
		t->ep.peer_identity = tcp_identity;
	} else {
		t->ep.unsecured_ok = cfg->unsecured_ok;
		t->ep.unsecured_ctx = cfg->unsecured_ctx;
	}
	t->scratch = malloc(t->cfg.max_message + 4);
	t->txbuf = malloc(t->cfg.max_message + LW_COAP_TCP_MAX_HEADER);
	if (!t->scratch || !t->txbuf || lw_htable_init(&t->conns, 64) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail_nomem;
	}
	if (cfg->tls) {
		if (lw_dtls_auth_init(&t->auth, creds, cfg->certificate, cfg->private_key,
		                      cfg->ca_file, err, errlen) != 0)
			goto fail_inval;
		t->have_auth = 1;
		/* Same credentials and rules as DTLS, stream TLS versions. */
		gnutls_priority_deinit(t->auth.prio);
		t->auth.prio = NULL;
		if (gnutls_priority_init(&t->auth.prio, TLS_PRIORITIES, NULL) < 0) {
			snprintf(err, errlen, "cannot set the TLS priorities");
			goto fail_inval;
		}
	}

	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%d", cfg->port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(cfg->bind, portstr, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve bind address %s: %s", cfg->bind,
		         gai_strerror(gai));
		goto fail_inval;
	}
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a TCP socket: %s", strerror(errno));
		freeaddrinfo(ai);
		lw_coap_tcp_close(t);
		return LW_EIO;
	}
	int one = 1, zero = 0;
	/* Unlike UDP, a restart must not wait for TIME_WAIT connections. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 256) != 0) {
		int inuse = errno == EADDRINUSE;
		snprintf(err, errlen, "cannot listen on TCP %s port %d: %s", cfg->bind, cfg->port,
		         strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		lw_coap_tcp_close(t);
		return inuse ? LW_EEXIST : LW_EIO;
	}
	freeaddrinfo(ai);
	t->fd = fd;
	struct lw_coap_addr local = {.len = sizeof(local.u)};
	getsockname(fd, &local.u.sa, &local.len);
	t->port = ntohs(local.u.sa.sa_family == AF_INET ? local.u.in.sin_port : local.u.in6.sin6_port);
	t->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_accept, t);
	if (!t->ev || event_add(t->ev, NULL) != 0) {
		snprintf(err, errlen, "cannot watch the TCP socket");
		goto fail_nomem;
	}
	*out = t;
	return 0;
fail_nomem:
	lw_coap_tcp_close(t);
	return LW_ENOMEM;
fail_inval:
	lw_coap_tcp_close(t);
	return LW_EINVAL;
}

void lw_coap_tcp_close(struct lw_coap_tcp *t)
{
	if (!t)
		return;
	while (t->head) {
		struct conn *c = t->head;
		/* Best effort: tell the peer, without waiting for the socket. */
		if (c->handshaken && !c->closing) {
			send_signal(c, LW_COAP_RELEASE, NULL, 0, 0, 0, 0, NULL);
			evbuffer_write(c->out, c->fd);
		}
		conn_free(c, LW_TCP_CLOSED_SHUTDOWN, "shutdown");
	}
	lw_timer_cancel(t->e->timers, &t->resume);
	if (t->ev)
		event_free(t->ev);
	if (t->fd >= 0)
		close(t->fd);
	if (t->have_auth)
		lw_dtls_auth_free(&t->auth);
	if (t->conns.buckets)
		lw_htable_free(&t->conns);
	free(t->scratch);
	free(t->txbuf);
	free(t);
}

int lw_coap_tcp_port(const struct lw_coap_tcp *t)
{
	return t->port;
}

size_t lw_coap_tcp_connections(const struct lw_coap_tcp *t)
{
	return t->count;
}

const struct lw_coap_tcp_stats *lw_coap_tcp_stats(const struct lw_coap_tcp *t)
{
	return &t->stats;
}

unsigned long long lw_coap_tcp_closed_total(const struct lw_coap_tcp *t)
{
	unsigned long long n = 0;
	for (int i = 0; i < LW_TCP_CLOSED_REASONS; i++)
		n += t->stats.closed[i];
	return n;
}

/* ---- metrics ---- */

static const char *const close_names[LW_TCP_CLOSED_REASONS] = {
	[LW_TCP_CLOSED_PEER] = "peer",           [LW_TCP_CLOSED_RELEASE] = "release",
	[LW_TCP_CLOSED_ABORT_IN] = "abort_received", [LW_TCP_CLOSED_ABORT_OUT] = "abort_sent",
	[LW_TCP_CLOSED_IDLE] = "idle",           [LW_TCP_CLOSED_TLS] = "tls",
	[LW_TCP_CLOSED_HANDSHAKE] = "handshake", [LW_TCP_CLOSED_ERROR] = "error",
	[LW_TCP_CLOSED_SHUTDOWN] = "shutdown",
};
static const char *const signal_names[LW_TCP_SIGNALS] = {"csm", "ping", "pong", "release",
                                                         "abort"};

/* One metric's HELP, TYPE and a line per listener that is on. */
static void per_listener(FILE *f, const struct lw_coap_tcp *const l[2], const char *name,
                         const char *type, const char *help,
                         unsigned long long (*value)(const struct lw_coap_tcp *t))
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (int i = 0; i < 2; i++)
		if (l[i])
			fprintf(f, "%s{transport=\"%s\"} %llu\n", name, l[i]->ep.name, value(l[i]));
}

static unsigned long long v_open(const struct lw_coap_tcp *t)
{
	return t->count;
}

static unsigned long long v_accepted(const struct lw_coap_tcp *t)
{
	return t->stats.accepted;
}

static unsigned long long v_refused(const struct lw_coap_tcp *t)
{
	return t->stats.refused;
}

void lw_coap_tcp_metrics(FILE *f, const struct lw_coap_tcp *tcp, const struct lw_coap_tcp *tls)
{
	const struct lw_coap_tcp *const l[2] = {tcp, tls};
	if (!tcp && !tls)
		return;
	per_listener(f, l, "lwm2md_tcp_connections", "gauge",
	             "CoAP over TCP/TLS connections open now.", v_open);
	per_listener(f, l, "lwm2md_tcp_connections_accepted_total", "counter",
	             "CoAP over TCP/TLS connections accepted.", v_accepted);
	per_listener(f, l, "lwm2md_tcp_connections_refused_total", "counter",
	             "CoAP over TCP/TLS connections refused at once: max_connections reached.",
	             v_refused);
	fprintf(f, "# HELP lwm2md_tcp_connections_closed_total CoAP over TCP/TLS connections "
	           "closed, by reason.\n# TYPE lwm2md_tcp_connections_closed_total counter\n");
	for (int i = 0; i < 2; i++)
		for (int r = 0; l[i] && r < LW_TCP_CLOSED_REASONS; r++)
			fprintf(f, "lwm2md_tcp_connections_closed_total{transport=\"%s\",reason=\"%s\"} "
			        "%llu\n", l[i]->ep.name, close_names[r], l[i]->stats.closed[r]);
	fprintf(f, "# HELP lwm2md_tcp_signals_total RFC 8323 signalling messages (CSM, Ping, "
	           "Pong, Release, Abort), by direction.\n"
	           "# TYPE lwm2md_tcp_signals_total counter\n");
	for (int i = 0; i < 2; i++)
		for (int sgn = 0; l[i] && sgn < LW_TCP_SIGNALS; sgn++)
			fprintf(f, "lwm2md_tcp_signals_total{transport=\"%s\",signal=\"%s\","
			        "direction=\"in\"} %llu\n"
			        "lwm2md_tcp_signals_total{transport=\"%s\",signal=\"%s\","
			        "direction=\"out\"} %llu\n",
			        l[i]->ep.name, signal_names[sgn], l[i]->stats.signals_in[sgn],
			        l[i]->ep.name, signal_names[sgn], l[i]->stats.signals_out[sgn]);
	if (tls)
		fprintf(f, "# HELP lwm2md_tls_handshakes_total TLS handshakes (CoAP over TLS) that "
		           "ended, by result.\n# TYPE lwm2md_tls_handshakes_total counter\n"
		           "lwm2md_tls_handshakes_total{result=\"ok\"} %llu\n"
		           "lwm2md_tls_handshakes_total{result=\"failed\"} %llu\n"
		           "lwm2md_tls_handshakes_total{result=\"timeout\"} %llu\n",
		        tls->stats.handshakes_ok, tls->stats.handshakes_failed,
		        tls->stats.handshakes_timeout);
}
