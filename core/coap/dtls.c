/*
 * coap/dtls.c: the DTLS endpoint (see dtls.h): socket, stateless cookies,
 * the session table and the record layer between the socket and the engine.
 * What a session may prove and how is in dtls_auth.c.
 */
#include "coap/dtls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <gnutls/dtls.h>
#include <gnutls/gnutls.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coap/dtls_auth.h"
#include "coap/engine.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "timer.h"

#define BATCH 32
#define MAX_DATAGRAM 4096
#define MAX_PER_WAKE 1024
/* Path MTU assumed for records we send (IPv6 minimum 1280 leaves room for
 * the CoAP engine's 1024-byte blocks plus headers). */
#define DTLS_MTU 1280
/* A new cookie secret this often; the previous one stays valid, so a cookie
 * lives between one and two periods (RFC 6347 4.2.1 asks for rotation). */
#define COOKIE_ROTATE_MS 60000
/* Where a ClientHello's random starts: record 13 + handshake 12 + version 2. */
#define HELLO_RANDOM 27

enum { S_HANDSHAKE, S_ESTABLISHED };

struct session {
	struct lw_hnode node;
	struct lw_coap_dtls *d;
	gnutls_session_t tls;
	struct lw_timer timer; /* handshake retransmission and deadline, then idle expiry */
	uint64_t started;      /* handshake start, ms */
	uint64_t last_rx;      /* last record received, ms */
	const uint8_t *in;     /* the datagram in hand for the pull function */
	size_t in_len;
	char *endpoint; /* what the handshake proved; NULL until established */
	uint32_t discarded;      /* records GnuTLS dropped, as of the last step */
	uint8_t hello_random[8]; /* of the ClientHello that opened it */
	uint8_t state;
	struct lw_coap_addr addr;
};

struct lw_coap_dtls {
	struct lw_coap_endpoint ep; /* first: the engine hands this back */
	struct lw_coap_dtls_config cfg;
	struct lw_dtls_auth auth;
	struct lw_timers *timers;
	struct lw_htable table;
	int fd;
	struct event *ev;
	struct lw_coap_addr local;
	gnutls_datum_t cookie_key, cookie_prev;
	struct lw_timer cookie_timer;
	struct lw_coap_dtls_stats stats;
	struct mmsghdr rx[BATCH];
	struct iovec rx_iov[BATCH];
	struct sockaddr_storage rx_addr[BATCH];
	uint8_t rx_buf[BATCH][MAX_DATAGRAM];
	uint8_t plain[16384]; /* one decrypted record */
};

/* Family, address and port: what identifies a peer, also the cookie's input. */
static size_t addr_key(const struct lw_coap_addr *a, uint8_t k[24])
{
	if (a->u.sa.sa_family == AF_INET) {
		k[0] = 4;
		memcpy(k + 1, &a->u.in.sin_addr, 4);
		memcpy(k + 5, &a->u.in.sin_port, 2);
		return 7;
	}
	k[0] = 6;
	memcpy(k + 1, &a->u.in6.sin6_addr, 16);
	memcpy(k + 17, &a->u.in6.sin6_port, 2);
	memcpy(k + 19, &a->u.in6.sin6_scope_id, 4);
	return 23;
}

static uint64_t addr_hash(const struct lw_coap_addr *a)
{
	uint8_t k[24];
	return lw_hash(k, addr_key(a, k), 0x64746c73);
}

static struct session *find(struct lw_coap_dtls *d, const struct lw_coap_addr *a)
{
	uint8_t k[24], k2[24];
	size_t n = addr_key(a, k);
	uint64_t h = lw_hash(k, n, 0x64746c73);
	for (struct lw_hnode *x = lw_htable_bucket(&d->table, h); x; x = x->next) {
		if (x->hash != h)
			continue;
		struct session *s = LW_CONTAINER_OF(x, struct session, node);
		if (addr_key(&s->addr, k2) == n && memcmp(k, k2, n) == 0)
			return s;
	}
	return NULL;
}

static void destroy(struct lw_coap_dtls *d, struct session *s)
{
	lw_timer_cancel(d->timers, &s->timer);
	lw_htable_remove(&d->table, &s->node);
	gnutls_deinit(s->tls);
	free(s->endpoint);
	free(s);
}

/* ---- transport functions GnuTLS calls ---- */

static ssize_t push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	struct session *s = p;
	ssize_t n = sendto(s->d->fd, buf, len, 0, &s->addr.u.sa, s->addr.len);
	if (n < 0)
		gnutls_transport_set_errno(s->tls, errno == EWOULDBLOCK ? EAGAIN : errno);
	return n;
}

/* A whole flight (several records) in one datagram: GnuTLS gathers the
 * records of a flight into one vector call only when it has this one;
 * otherwise each record would leave in its own datagram, and some clients
 * wait between the pieces of a flight. */
static ssize_t vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct session *s = p;
	struct msghdr m = {.msg_name = &s->addr.u.sa, .msg_namelen = s->addr.len,
	                   .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(s->d->fd, &m, 0);
	if (n < 0)
		gnutls_transport_set_errno(s->tls, errno == EWOULDBLOCK ? EAGAIN : errno);
	return n;
}

/* Hands GnuTLS the datagram in hand once; after that it would block. */
static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct session *s = p;
	if (!s->in) {
		gnutls_transport_set_errno(s->tls, EAGAIN);
		return -1;
	}
	size_t n = s->in_len < len ? s->in_len : len;
	memcpy(buf, s->in, n);
	s->in = NULL;
	return (ssize_t)n;
}

static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
	(void)ms;
	struct session *s = p;
	return s->in ? 1 : 0;
}

struct cookie_dest {
	int fd;
	const struct lw_coap_addr *to;
};

static ssize_t cookie_push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	struct cookie_dest *c = p;
	return sendto(c->fd, buf, len, 0, &c->to->u.sa, c->to->len);
}

/* ---- sessions ---- */

static void on_timer(struct lw_timer *t, void *arg);

/* "dtls: ADDR: " (the listener's name: "dtls", "bootstrap dtls") and the
 * rest, at level; d is the listener in scope. */
#define LOG_PEER(level, a, fmt, ...)                                                   \
	do {                                                                           \
		char addr_[64];                                                        \
		lw_log(level, "%s: %s: " fmt, d->ep.name,                              \
		       lw_coap_addr_str(a, addr_, sizeof(addr_)), __VA_ARGS__);        \
	} while (0)

static void established(struct lw_coap_dtls *d, struct session *s, uint64_t now)
{
	const char *mode = "?";
	s->endpoint = lw_dtls_auth_identity(&d->auth, s->tls, &mode);
	if (!s->endpoint) {
		d->stats.handshakes_failed++;
		LOG_PEER(LW_LOG_INFO, &s->addr, "%s handshake proved no endpoint we know", mode);
		gnutls_alert_send(s->tls, GNUTLS_AL_FATAL, GNUTLS_A_ACCESS_DENIED);
		destroy(d, s);
		return;
	}
	int resumed = gnutls_session_is_resumed(s->tls) != 0;
	d->stats.handshakes_ok++;
	d->stats.resumed += (unsigned)resumed;
	const char *suite = gnutls_cipher_suite_get_name(
		gnutls_kx_get(s->tls), gnutls_cipher_get(s->tls), gnutls_mac_get(s->tls));
	LOG_PEER(LW_LOG_INFO, &s->addr, "authenticated as endpoint \"%s\" (%s%s, %s)",
	         s->endpoint, mode, resumed ? ", resumed" : "", suite ? suite : "?");
	s->state = S_ESTABLISHED;
	s->last_rx = now;
	lw_timer_at(d->timers, &s->timer, now + d->cfg.idle_ms);
}

/* One handshake step with whatever is in hand (nothing: a retransmission). */
static void handshake(struct lw_coap_dtls *d, struct session *s, uint64_t now)
{
	int rc = gnutls_handshake(s->tls);
	s->in = NULL;
	if (rc == 0) {
		established(d, s, now);
		return;
	}
	/*
	 * DTLS drops a record it cannot decrypt instead of failing (RFC 6347
	 * 4.1.2.7), so a wrong PSK (or an unknown identity, for which GnuTLS
	 * makes up a key) would leave the handshake hanging until its
	 * deadline, and the device waiting. A record dropped in this very
	 * step, right after the client's key exchange (or certificate
	 * verify), is its Finished under another key: fail at once. (A
	 * Finished that overtook the key exchange leaves last_in at the
	 * ClientHello and waits; a replayed record dropped earlier does not
	 * count.)
	 */
	gnutls_handshake_description_t last = gnutls_handshake_get_last_in(s->tls);
	uint32_t discarded = gnutls_record_get_discarded(s->tls);
	int dropped_now = discarded > s->discarded;
	s->discarded = discarded;
	if (rc == GNUTLS_E_AGAIN && dropped_now &&
	    (last == GNUTLS_HANDSHAKE_CLIENT_KEY_EXCHANGE ||
	     last == GNUTLS_HANDSHAKE_CERTIFICATE_VERIFY)) {
		d->stats.handshakes_failed++;
		LOG_PEER(LW_LOG_INFO, &s->addr, "handshake failed: %s",
		         "the client's Finished does not decrypt (wrong key or unknown identity)");
		gnutls_alert_send(s->tls, GNUTLS_AL_FATAL, GNUTLS_A_BAD_RECORD_MAC);
		destroy(d, s);
		return;
	}
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED || !gnutls_error_is_fatal(rc)) {
		uint64_t due = now + gnutls_dtls_get_timeout(s->tls);
		uint64_t deadline = s->started + d->cfg.handshake_timeout_ms;
		lw_timer_at(d->timers, &s->timer, due < deadline ? due : deadline);
		return;
	}
	if (rc == GNUTLS_E_TIMEDOUT) {
		d->stats.handshakes_timeout++;
	} else {
		d->stats.handshakes_failed++;
		gnutls_alert_send_appropriate(s->tls, rc); /* the device stops waiting */
	}
	LOG_PEER(LW_LOG_INFO, &s->addr, "handshake failed: %s", gnutls_strerror(rc));
	destroy(d, s);
}

static void on_timer(struct lw_timer *t, void *arg)
{
	struct session *s = arg;
	struct lw_coap_dtls *d = s->d;
	uint64_t now = lw_timers_now(d->timers);
	(void)t;
	if (s->state == S_HANDSHAKE) {
		if (now >= s->started + d->cfg.handshake_timeout_ms) {
			d->stats.handshakes_timeout++;
			LOG_PEER(LW_LOG_INFO, &s->addr, "handshake timed out after %u ms",
			         (unsigned)d->cfg.handshake_timeout_ms);
			destroy(d, s);
			return;
		}
		handshake(d, s, now); /* GnuTLS retransmits its flight when due */
		return;
	}
	/* Re-armed lazily: records only move last_rx, the timer catches up. */
	if (now < s->last_rx + d->cfg.idle_ms) {
		lw_timer_at(d->timers, &s->timer, s->last_rx + d->cfg.idle_ms);
		return;
	}
	d->stats.idle_closed++;
	LOG_PEER(LW_LOG_DEBUG, &s->addr, "idle session of \"%s\" closed", s->endpoint);
	gnutls_alert_send(s->tls, GNUTLS_AL_WARNING, GNUTLS_A_CLOSE_NOTIFY);
	destroy(d, s);
}

/* After a verified cookie only: the first per-peer state. */
static struct session *create(struct lw_coap_dtls *d, const struct lw_coap_addr *from,
                              gnutls_dtls_prestate_st *pre, const uint8_t *hello,
                              size_t hello_len, uint64_t now)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	unsigned flags = GNUTLS_SERVER | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL;
	if (d->auth.cert)
		flags |= GNUTLS_ENABLE_RAWPK;
	if (gnutls_init(&s->tls, flags) < 0) {
		free(s);
		return NULL;
	}
	if (lw_dtls_auth_session(&d->auth, s->tls, hello, hello_len) != 0) {
		gnutls_deinit(s->tls);
		free(s);
		return NULL;
	}
	s->d = d;
	s->addr = *from;
	memcpy(s->hello_random, hello + HELLO_RANDOM, sizeof(s->hello_random));
	s->started = now;
	s->state = S_HANDSHAKE;
	gnutls_transport_set_ptr(s->tls, s);
	gnutls_transport_set_push_function(s->tls, push);
	gnutls_transport_set_vec_push_function(s->tls, vec_push);
	gnutls_transport_set_pull_function(s->tls, pull);
	gnutls_transport_set_pull_timeout_function(s->tls, pull_timeout);
	gnutls_dtls_set_mtu(s->tls, DTLS_MTU);
	gnutls_dtls_set_timeouts(s->tls, 1000, d->cfg.handshake_timeout_ms);
	gnutls_dtls_prestate_set(s->tls, pre);
	lw_timer_init(&s->timer, on_timer, s);
	lw_htable_insert(&d->table, &s->node, addr_hash(from));
	return s;
}

/* A DTLS 1.2 record of epoch 0 carrying a ClientHello: the only datagram
 * that may come from an address without a session. */
static int is_client_hello(const uint8_t *b, size_t len)
{
	return len >= 13 + 12 && b[0] == 22 && b[1] == 0xfe && b[3] == 0 && b[4] == 0 &&
	       b[13] == 1;
}

/* The cookie exchange. 1 with *pre set when the ClientHello carries a
 * cookie of ours; 0 after answering HelloVerifyRequest (nothing kept). */
static int cookie_ok(struct lw_coap_dtls *d, const struct lw_coap_addr *from, const uint8_t *buf,
                     size_t len, gnutls_dtls_prestate_st *pre)
{
	uint8_t k[24];
	size_t n = addr_key(from, k);
	memset(pre, 0, sizeof(*pre));
	if (gnutls_dtls_cookie_verify(&d->cookie_key, k, n, (void *)buf, len, pre) == 0)
		return 1;
	if (d->cookie_prev.data &&
	    gnutls_dtls_cookie_verify(&d->cookie_prev, k, n, (void *)buf, len, pre) == 0)
		return 1;
	struct cookie_dest dest = {d->fd, from};
	memset(pre, 0, sizeof(*pre));
	if (gnutls_dtls_cookie_send(&d->cookie_key, k, n, pre, &dest, cookie_push) >= 0)
		d->stats.cookies_sent++;
	return 0;
}

static void on_datagram(struct lw_coap_dtls *d, const struct lw_coap_addr *from,
                        const uint8_t *buf, size_t len, uint64_t now)
{
	struct session *s = find(d, from);
	if (!s || (s->state == S_ESTABLISHED && is_client_hello(buf, len))) {
		/* New peer, or a known address starting over (a rebooted client
		 * behind the same NAT binding, RFC 6347 4.2.8): the old session
		 * stays until the new one proved the address is reachable. */
		gnutls_dtls_prestate_st pre;
		if (!is_client_hello(buf, len) || len < HELLO_RANDOM + sizeof(s->hello_random)) {
			d->stats.records_dropped++;
			return;
		}
		/* The network may deliver the ClientHello that opened this
		 * session twice: a copy must not tear the session down. */
		if (s && memcmp(s->hello_random, buf + HELLO_RANDOM, sizeof(s->hello_random)) == 0) {
			d->stats.records_dropped++;
			return;
		}
		if (!cookie_ok(d, from, buf, len, &pre))
			return;
		if (s) {
			LOG_PEER(LW_LOG_DEBUG, &s->addr, "new handshake replaces the session of \"%s\"",
			         s->endpoint);
			destroy(d, s);
		}
		if (d->table.count >= d->cfg.max_sessions) {
			d->stats.records_dropped++;
			return;
		}
		s = create(d, from, &pre, buf, len, now);
		if (!s) {
			d->stats.records_dropped++;
			return;
		}
	}
	s->in = buf;
	s->in_len = len;
	if (s->state == S_HANDSHAKE) {
		handshake(d, s, now);
		return;
	}
	/* A datagram may hold several records: one call each. */
	for (int guard = 0; guard < 64; guard++) {
		ssize_t n = gnutls_record_recv(s->tls, d->plain, sizeof(d->plain));
		if (n > 0) {
			s->last_rx = now;
			lw_coap_engine_input(d->ep.engine, &d->ep, &s->addr, d->plain, (size_t)n);
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n == 0 || gnutls_error_is_fatal((int)n)) {
			/* close_notify, or a fatal alert */
			LOG_PEER(LW_LOG_DEBUG, &s->addr, "session of \"%s\" ended: %s", s->endpoint,
			         n == 0 ? "close_notify" : gnutls_strerror((int)n));
			destroy(d, s);
			return;
		}
		d->stats.records_dropped++; /* e.g. a renegotiation request: ignored */
	}
	s->in = NULL;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct lw_coap_dtls *d = arg;
	size_t handled = 0;
	while (handled < MAX_PER_WAKE) {
		for (int i = 0; i < BATCH; i++) {
			d->rx[i].msg_hdr.msg_namelen = sizeof(d->rx_addr[i]);
			d->rx[i].msg_hdr.msg_flags = 0;
		}
		int n = recvmmsg(fd, d->rx, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		uint64_t now = lw_timers_now(d->timers);
		for (int i = 0; i < n; i++) {
			struct lw_coap_addr from;
			from.len = d->rx[i].msg_hdr.msg_namelen;
			if ((d->rx[i].msg_hdr.msg_flags & MSG_TRUNC) || from.len > sizeof(from.u)) {
				d->stats.records_dropped++;
				continue;
			}
			memcpy(&from.u, &d->rx_addr[i], from.len);
			on_datagram(d, &from, d->rx_buf[i], d->rx[i].msg_len, now);
		}
		handled += (size_t)n;
		if (n < BATCH)
			break;
	}
}

/* ---- the endpoint the engine sees ---- */

static int dtls_send(struct lw_coap_endpoint *ep, const struct lw_coap_addr *to,
                     const uint8_t *buf, size_t len)
{
	struct lw_coap_dtls *d = (struct lw_coap_dtls *)ep;
	struct session *s = find(d, to);
	if (!s || s->state != S_ESTABLISHED)
		return LW_EIO; /* gone: the device has to handshake again */
	ssize_t n = gnutls_record_send(s->tls, buf, len);
	return n == (ssize_t)len ? 0 : LW_EIO;
}

static const char *dtls_peer_identity(struct lw_coap_endpoint *ep, const struct lw_coap_addr *a)
{
	struct session *s = find((struct lw_coap_dtls *)ep, a);
	return s && s->state == S_ESTABLISHED ? s->endpoint : NULL;
}

static void rotate_cookie(struct lw_timer *t, void *arg)
{
	struct lw_coap_dtls *d = arg;
	gnutls_datum_t fresh;
	if (gnutls_key_generate(&fresh, GNUTLS_COOKIE_KEY_SIZE) == 0) {
		gnutls_free(d->cookie_prev.data);
		d->cookie_prev = d->cookie_key;
		d->cookie_key = fresh;
	}
	lw_timer_in(d->timers, t, COOKIE_ROTATE_MS);
}

static int bind_socket(struct lw_coap_dtls *d, const struct lw_coap_dtls_config *c, char *err,
                       size_t errlen)
{
	char portstr[8];
	snprintf(portstr, sizeof(portstr), "%d", c->port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int gai = getaddrinfo(c->bind, portstr, &hints, &ai);
	if (gai != 0) {
		snprintf(err, errlen, "cannot resolve DTLS bind address %s: %s", c->bind,
		         gai_strerror(gai));
		return LW_EINVAL;
	}
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create UDP socket: %s", strerror(errno));
		freeaddrinfo(ai);
		return LW_EIO;
	}
	int zero = 0;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (c->rcvbuf > 0) {
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &c->rcvbuf, sizeof(c->rcvbuf)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf, sizeof(c->rcvbuf));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &c->rcvbuf, sizeof(c->rcvbuf));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		int in_use = errno == EADDRINUSE;
		snprintf(err, errlen, "cannot bind DTLS %s port %d: %s", c->bind, c->port,
		         strerror(errno));
		close(fd);
		freeaddrinfo(ai);
		return in_use ? LW_EEXIST : LW_EIO;
	}
	freeaddrinfo(ai);
	d->local.len = sizeof(d->local.u);
	getsockname(fd, &d->local.u.sa, &d->local.len);
	d->fd = fd;
	return 0;
}

int lw_coap_dtls_open(struct lw_coap_dtls **out, struct lw_coap_engine *e,
                      struct event_base *base, const struct lw_coap_dtls_config *cfg,
                      const struct lw_credentials *creds, char *err, size_t errlen)
{
	*out = NULL;
	struct lw_coap_dtls *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return LW_ENOMEM;
	}
	d->fd = -1;
	d->cfg = *cfg;
	d->ep.name = cfg->name ? cfg->name : "dtls";
	d->ep.secure = 1;
	d->ep.send = dtls_send;
	d->ep.peer_identity = dtls_peer_identity;
	d->ep.engine = e;
	d->timers = e->timers;
	lw_timer_init(&d->cookie_timer, rotate_cookie, d);
	for (int i = 0; i < BATCH; i++) {
		d->rx_iov[i].iov_base = d->rx_buf[i];
		d->rx_iov[i].iov_len = sizeof(d->rx_buf[i]);
		d->rx[i].msg_hdr.msg_name = &d->rx_addr[i];
		d->rx[i].msg_hdr.msg_iov = &d->rx_iov[i];
		d->rx[i].msg_hdr.msg_iovlen = 1;
	}
	int rc = lw_htable_init(&d->table, 1024);
	if (rc) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	rc = lw_dtls_auth_init(&d->auth, creds, cfg->certificate, cfg->private_key, cfg->ca_file,
	                       err, errlen);
	if (rc) {
		lw_htable_free(&d->table);
		free(d);
		return rc;
	}
	if (gnutls_key_generate(&d->cookie_key, GNUTLS_COOKIE_KEY_SIZE) < 0) {
		snprintf(err, errlen, "cannot make a DTLS cookie key");
		lw_coap_dtls_close(d);
		return LW_ENOMEM;
	}
	rc = bind_socket(d, cfg, err, errlen);
	if (rc) {
		lw_coap_dtls_close(d);
		return rc;
	}
	d->ev = event_new(base, d->fd, EV_READ | EV_PERSIST, on_readable, d);
	if (!d->ev || event_add(d->ev, NULL) != 0) {
		snprintf(err, errlen, "cannot watch the DTLS socket");
		lw_coap_dtls_close(d);
		return LW_ENOMEM;
	}
	lw_timer_in(d->timers, &d->cookie_timer, COOKIE_ROTATE_MS);
	*out = d;
	return 0;
}

void lw_coap_dtls_close(struct lw_coap_dtls *d)
{
	if (!d)
		return;
	if (d->ev)
		event_free(d->ev);
	for (size_t i = 0; d->table.buckets && i <= d->table.mask; i++) {
		while (d->table.buckets[i]) {
			struct session *s = LW_CONTAINER_OF(d->table.buckets[i], struct session, node);
			if (s->state == S_ESTABLISHED)
				gnutls_alert_send(s->tls, GNUTLS_AL_WARNING, GNUTLS_A_CLOSE_NOTIFY);
			destroy(d, s);
		}
	}
	lw_htable_free(&d->table);
	lw_timer_cancel(d->timers, &d->cookie_timer);
	if (d->fd >= 0)
		close(d->fd);
	gnutls_free(d->cookie_key.data);
	gnutls_free(d->cookie_prev.data);
	lw_dtls_auth_free(&d->auth);
	free(d);
}

int lw_coap_dtls_pause(struct lw_coap_dtls *d, int paused)
{
	if (!d || !d->ev)
		return LW_EINVAL;
	return (paused ? event_del(d->ev) : event_add(d->ev, NULL)) == 0 ? 0 : LW_EIO;
}

int lw_coap_dtls_port(const struct lw_coap_dtls *d)
{
	if (d->local.u.sa.sa_family == AF_INET)
		return ntohs(d->local.u.in.sin_port);
	return ntohs(d->local.u.in6.sin6_port);
}

size_t lw_coap_dtls_sessions(const struct lw_coap_dtls *d)
{
	return d->table.count;
}

const struct lw_coap_dtls_stats *lw_coap_dtls_stats(const struct lw_coap_dtls *d)
{
	return &d->stats;
}
