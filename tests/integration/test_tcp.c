/*
 * tests/integration/test_tcp.c: CoAP over TCP and TLS (RFC 8323) end to end:
 * the real daemon with its [coap_tcp] and [coaps_tcp] listeners on free
 * loopback ports, talked to with frames written out byte by byte here (so a
 * framing mistake of the daemon cannot cancel out against the same mistake
 * in a shared codec) and with libcoap's coap-client (coap+tcp://, and
 * coaps+tcp:// with a PSK set through the REST API).
 *
 * What is checked: both sides open with a CSM; a Register gets 2.01 and
 * shows in GET /api/v1/clients with binding T (secure over TLS); a REST Read
 * goes to the device on its own connection and its answer comes back; once
 * the connection is gone, requests fail at once while the registration
 * stays, and an Update on a new connection brings it back; Ping gets Pong
 * with the same token; a malformed frame gets an Abort, a log line and a
 * closed connection, and the daemon goes on.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"
#include "lwm2m/base64.h"

#define TOKEN "tcp-test-token"
#define AUTH "Bearer " TOKEN
#define PSK "secretkey0123456"
#define PSK_HEX "7365637265746b657930313233343536"

struct srv {
	struct lwd d;
	int tcp, tls, http;
};

static const char *coap_client(void)
{
	const char *c = getenv("LW_COAP_CLIENT");
	return c && strstr(c, "gnutls") ? c : "coap-client-gnutls";
}

static void srv_start_with(struct srv *s, const char *more)
{
	memset(s, 0, sizeof(*s));
	cr_assert_eq(lwd_init(&s->d), 0);
	for (int attempt = 0; attempt < 4; attempt++) {
		s->tcp = httpc_free_port();
		s->tls = httpc_free_port();
		s->http = httpc_free_port();
		cr_assert(s->tcp > 0 && s->tls > 0 && s->http > 0);
		if (s->tcp == s->tls || s->tcp == s->http || s->tls == s->http)
			continue;
		char extra[1024];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "[coaps]\nport = 0\n"
		         "[coap_tcp]\nbind = 127.0.0.1\nport = %d\n"
		         "%s"
		         "[coaps_tcp]\nbind = 127.0.0.1\nport = %d\n",
		         s->http, s->tcp, more, s->tls);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&s->d, &o) == 0)
			return;
		char *log = lw_slurp(s->d.err);
		int taken = log && strstr(log, "in use");
		free(log);
		if (!taken)
			break;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(s->d.err));
}

static void srv_start(struct srv *s)
{
	srv_start_with(s, "");
}

/* SIGTERM: a clean exit (no leak under ASan), no UBSan report, no key logged. */
static void srv_stop(struct srv *s)
{
	int st = lwd_stop(&s->d);
	char *log = lw_slurp(s->d.err);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "lwm2md ended with %d:\n%s",
	          st, log);
	cr_expect(!log || !strstr(log, "runtime error: "), "%s", log);
	cr_expect(!log || (!strstr(log, PSK) && !strstr(log, PSK_HEX)), "a key in the log");
	free(log);
	lwd_cleanup(&s->d);
}

static void req(const struct srv *s, struct httpc_resp *r, const char *method, const char *target,
                const char *body)
{
	cr_assert_eq(httpc_request(r, s->http, method, target, AUTH, NULL, body, 10000), 0,
	             "%s %s: no answer", method, target);
}

/* GET /api/v1/clients/ep: the document, or NULL when not registered. */
static json_t *client_doc(const struct srv *s, const char *ep)
{
	char target[256];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	struct httpc_resp r;
	req(s, &r, "GET", target, NULL);
	if (r.status == 404)
		return NULL;
	cr_assert_eq(r.status, 200, "GET %s: %d %s", target, r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "%s", r.body);
	return j;
}

/* ---- frames by hand (RFC 8323 3.2) ---- */

struct frame {
	uint8_t code;
	uint8_t tkl;
	uint8_t token[8];
	uint8_t body[4096]; /* options and payload */
	size_t body_len;
};

/* Len/TKL, extended length, code, token, body. Returns the size. */
static size_t frame_put(uint8_t *out, uint8_t code, const uint8_t *tok, uint8_t tkl,
                        const uint8_t *body, size_t blen)
{
	size_t n = 0;
	if (blen < 13) {
		out[n++] = (uint8_t)(blen << 4 | tkl);
	} else if (blen < 269) {
		out[n++] = (uint8_t)(13 << 4 | tkl);
		out[n++] = (uint8_t)(blen - 13);
	} else {
		out[n++] = (uint8_t)(14 << 4 | tkl);
		out[n++] = (uint8_t)((blen - 269) >> 8);
		out[n++] = (uint8_t)(blen - 269);
	}
	out[n++] = code;
	if (tkl)
		memcpy(out + n, tok, tkl);
	n += tkl;
	if (blen)
		memcpy(out + n, body, blen);
	return n + blen;
}

/* One option (values under 13 bytes, deltas under 13) after the previous one. */
static size_t opt_put(uint8_t *b, uint16_t *last, uint16_t num, const void *v, size_t len)
{
	uint16_t delta = (uint16_t)(num - *last);
	cr_assert(delta < 13 && len < 13);
	b[0] = (uint8_t)(delta << 4 | len);
	memcpy(b + 1, v, len);
	*last = num;
	return 1 + len;
}

static void send_bytes(int fd, const uint8_t *b, size_t n)
{
	cr_assert_eq(send(fd, b, n, MSG_NOSIGNAL), (ssize_t)n, "send: %s", strerror(errno));
}

static void send_frame(int fd, uint8_t code, const uint8_t *tok, uint8_t tkl, const uint8_t *body,
                       size_t blen)
{
	uint8_t buf[8192];
	send_bytes(fd, buf, frame_put(buf, code, tok, tkl, body, blen));
}

/* Reads exactly n bytes within the deadline. 0, or -1 (timeout or EOF). */
static int read_n(int fd, uint8_t *b, size_t n, uint64_t deadline)
{
	while (n) {
		int left = (int)(deadline > lw_now_ms() ? deadline - lw_now_ms() : 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, left) <= 0)
			return -1;
		ssize_t r = recv(fd, b, n, 0);
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

/* One frame, parsed by hand. 0, or -1 (nothing whole within timeout_ms). */
static int read_frame(int fd, struct frame *f, int timeout_ms)
{
	uint64_t deadline = lw_now_ms() + (uint64_t)timeout_ms;
	uint8_t h[6];
	if (read_n(fd, h, 1, deadline) != 0)
		return -1;
	size_t len = h[0] >> 4, ext = len == 13 ? 1 : len == 14 ? 2 : len == 15 ? 4 : 0;
	f->tkl = h[0] & 15;
	cr_assert(f->tkl <= 8, "TKL %u from the daemon", f->tkl);
	if (read_n(fd, h + 1, ext + 1, deadline) != 0)
		return -1;
	if (ext == 1)
		len = 13 + h[1];
	else if (ext == 2)
		len = 269 + ((size_t)h[1] << 8 | h[2]);
	cr_assert(ext < 4, "a frame of over 64 KiB from the daemon");
	f->code = h[1 + ext];
	cr_assert(len <= sizeof(f->body));
	f->body_len = len;
	if (read_n(fd, f->token, f->tkl, deadline) != 0 || read_n(fd, f->body, len, deadline) != 0)
		return -1;
	return 0;
}

/* The value of option num in a frame's body (first one), its length, or -1. */
static int frame_opt(const struct frame *f, uint16_t num, uint8_t *val, size_t cap)
{
	size_t i = 0;
	uint16_t cur = 0;
	while (i < f->body_len && f->body[i] != 0xff) {
		unsigned d = f->body[i] >> 4, l = f->body[i] & 15;
		i++;
		if (d == 13)
			d = 13 + f->body[i++];
		else if (d == 14) {
			d = 269 + (f->body[i] << 8 | f->body[i + 1]);
			i += 2;
		}
		if (l == 13)
			l = 13 + f->body[i++];
		else if (l == 14) {
			l = 269 + (f->body[i] << 8 | f->body[i + 1]);
			i += 2;
		}
		cur = (uint16_t)(cur + d);
		if (cur == num) {
			size_t n = l < cap ? l : cap;
			memcpy(val, f->body + i, n);
			return (int)l;
		}
		i += l;
	}
	return -1;
}

/* Uri-Path of a request frame as "/a/b". */
static void frame_path(const struct frame *f, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	uint16_t cur = 0;
	out[0] = '\0';
	while (i < f->body_len && f->body[i] != 0xff) {
		unsigned d = f->body[i] >> 4, l = f->body[i] & 15;
		i++;
		cr_assert(d < 13 && l < 13, "unexpected long option in a request");
		cur = (uint16_t)(cur + d);
		if (cur == 11 && o + l + 2 < cap) {
			out[o++] = '/';
			memcpy(out + o, f->body + i, l);
			o += l;
			out[o] = '\0';
		}
		i += l;
	}
}

static int tcp_connect(int port)
{
	int fd = httpc_connect(port);
	cr_assert(fd >= 0, "cannot connect to port %d", port);
	return fd;
}

/* Connects, sends our CSM and checks the daemon's: Max-Message-Size set. */
static int open_session(int port)
{
	int fd = tcp_connect(port);
	/* CSM (7.01) with Max-Message-Size 1152: option 2, two bytes. */
	static const uint8_t mms[] = {0x22, 0x04, 0x80};
	send_frame(fd, 0xe1, NULL, 0, mms, sizeof(mms));
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 5000), 0, "no CSM from the daemon");
	cr_assert_eq(f.code, 0xe1, "first frame %d.%02d, expected the CSM 7.01", f.code >> 5,
	             f.code & 31);
	uint8_t v[4] = {0};
	int n = frame_opt(&f, 2, v, sizeof(v));
	cr_assert(n >= 1 && n <= 4, "the CSM has no Max-Message-Size");
	uint32_t size = 0;
	for (int i = 0; i < n; i++)
		size = size << 8 | v[i];
	cr_expect_geq(size, 1152, "Max-Message-Size %u under the RFC 8323 default", size);
	return fd;
}

/* POST /rd?ep=..&b=T&lt=300 with a link-format body; the Location (rd/x) into loc. */
static void do_register(int fd, const char *ep, char *loc, size_t cap)
{
	uint8_t body[512];
	size_t n = 0;
	uint16_t last = 0;
	char q[64];
	n += opt_put(body + n, &last, 11, "rd", 2);
	uint8_t cf = 40;
	n += opt_put(body + n, &last, 12, &cf, 1);
	snprintf(q, sizeof(q), "ep=%s", ep);
	n += opt_put(body + n, &last, 15, q, strlen(q));
	n += opt_put(body + n, &last, 15, "b=T", 3);
	n += opt_put(body + n, &last, 15, "lt=300", 6);
	static const char links[] = "</1/0>,</3/0>";
	body[n++] = 0xff;
	memcpy(body + n, links, sizeof(links) - 1);
	n += sizeof(links) - 1;
	static const uint8_t tok[] = {0x5a, 0xa5, 0x01};
	send_frame(fd, 0x02, tok, sizeof(tok), body, n);
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 5000), 0, "no answer to the Register");
	cr_assert_eq(f.code, 0x41, "Register answered %d.%02d, expected 2.01", f.code >> 5,
	             f.code & 31);
	cr_assert_eq(f.tkl, sizeof(tok));
	cr_expect_eq(memcmp(f.token, tok, sizeof(tok)), 0, "the answer has another token");
	/* Location-Path: "rd" then the registration id. */
	size_t i = 0, o = 0;
	uint16_t cur = 0;
	while (i < f.body_len && f.body[i] != 0xff) {
		unsigned d = f.body[i] >> 4, l = f.body[i] & 15;
		i++;
		cur = (uint16_t)(cur + d);
		if (cur == 8 && o + l + 2 < cap) {
			if (o)
				loc[o++] = '/';
			memcpy(loc + o, f.body + i, l);
			o += l;
		}
		i += l;
	}
	loc[o] = '\0';
	cr_assert(strncmp(loc, "rd/", 3) == 0, "Location-Path %s", loc);
}

/* Sends a 2.05 with text (Observe obs unless negative) for token. */
static void send_content(int fd, const uint8_t *tok, uint8_t tkl, int obs, const char *value)
{
	uint8_t body[128];
	size_t n = 0;
	uint16_t last = 0;
	uint8_t o = (uint8_t)obs, cf = 0; /* text/plain: the empty uint */
	if (obs >= 0)
		n += opt_put(body + n, &last, 6, &o, obs ? 1 : 0);
	n += opt_put(body + n, &last, 12, &cf, 0);
	body[n++] = 0xff;
	memcpy(body + n, value, strlen(value));
	n += strlen(value);
	send_frame(fd, 0x45, tok, tkl, body, n);
}

/*
 * Takes the next request on fd, which must be GET path with Observe want_obs
 * (or none when negative), answers it with text, and gives back its token.
 */
static void answer_get(int fd, const char *path_want, int want_obs, const char *value,
                       struct frame *f)
{
	cr_assert_eq(read_frame(fd, f, 5000), 0, "the daemon sent no request");
	cr_assert_eq(f->code, 0x01, "request %d.%02d, expected GET", f->code >> 5, f->code & 31);
	cr_assert_geq(f->tkl, 1, "a request without a token cannot be matched over TCP");
	char path[64];
	frame_path(f, path, sizeof(path));
	cr_assert_str_eq(path, path_want);
	uint8_t v[4] = {0};
	int n = frame_opt(f, 6, v, sizeof(v));
	if (want_obs < 0) {
		cr_assert_eq(n, -1, "an Observe option in a plain Read");
	} else {
		cr_assert(n >= 0 && n <= 1, "no Observe option");
		cr_assert_eq(n ? v[0] : 0, want_obs, "Observe %d, expected %d", n ? v[0] : 0, want_obs);
	}
	send_content(fd, f->token, f->tkl, want_obs == 0 ? 1 : -1, value);
}

static void answer_read(int fd, const char *value)
{
	struct frame f;
	answer_get(fd, "/3/0/0", -1, value, &f);
}

/* Starts GET /api/v1/clients/ep/3/0/0 without waiting: the socket. */
static int rest_read_start(const struct srv *s, const char *ep)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s/3/0/0", ep);
	int h = httpc_send(s->http, "GET", target, AUTH, NULL, NULL);
	cr_assert(h >= 0);
	return h;
}

static int rest_read_finish(int h, char *buf, size_t cap)
{
	size_t len = 0;
	int rc = httpc_read_until(h, buf, cap - 1, &len, NULL, 10000);
	close(h);
	buf[len] = '\0';
	cr_assert_eq(rc, 0, "no HTTP answer");
	int status = 0;
	sscanf(buf, "HTTP/1.%*d %d", &status);
	return status;
}

/* ---- tests ---- */

TestSuite(tcp, .timeout = 60);

Test(tcp, register_read_ping_over_tcp)
{
	struct srv s;
	srv_start(&s);
	int fd = open_session(s.tcp);
	char loc[64];
	do_register(fd, "tcp-dev", loc, sizeof(loc));

	json_t *doc = client_doc(&s, "tcp-dev");
	cr_assert_not_null(doc, "not registered:\n%s", lw_slurp(s.d.err));
	cr_expect_str_eq(json_string_value(json_object_get(doc, "binding")), "T");
	cr_expect(json_is_false(json_object_get(doc, "secure")), "plain TCP shown secure");
	json_decref(doc);
	struct httpc_resp r;
	req(&s, &r, "GET", "/api/v1/clients", NULL);
	cr_expect_eq(r.status, 200);
	cr_expect(strstr(r.body, "\"tcp-dev\""), "not in the list: %s", r.body);

	/* The operator's Read travels down the device's own connection. */
	int h = rest_read_start(&s, "tcp-dev");
	answer_read(fd, "over-tcp");
	char buf[8192];
	int st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect_eq(st, 200, "%s", buf);
	cr_expect(strstr(buf, "over-tcp"), "the device's value is not in %s", buf);

	/* RFC 8323 5.4: a Ping gets a Pong with its token. */
	static const uint8_t tok[] = {0xc0, 0xff, 0xee};
	send_frame(fd, 0xe2, tok, sizeof(tok), NULL, 0);
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Pong");
	cr_expect_eq(f.code, 0xe3, "answer %d.%02d, expected Pong 7.03", f.code >> 5, f.code & 31);
	cr_expect(f.tkl == sizeof(tok) && memcmp(f.token, tok, sizeof(tok)) == 0,
	          "the Pong does not echo the token");

	/* The connection goes away while a Read waits for its answer: the Read
	 * ends at once, not at its timeout. */
	uint64_t t0 = lw_now_ms();
	h = rest_read_start(&s, "tcp-dev");
	cr_assert_eq(read_frame(fd, &f, 5000), 0, "the daemon sent no request");
	close(fd);
	st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect(st >= 400, "a Read cut off answered %d: %s", st, buf);
	cr_expect_lt(lw_now_ms() - t0, 3000, "the Read waited for its timeout");

	/* The registration stays; a new Read fails fast too. */
	usleep(200 * 1000);
	doc = client_doc(&s, "tcp-dev");
	cr_expect_not_null(doc, "the registration went with the connection");
	json_decref(doc);
	t0 = lw_now_ms();
	h = rest_read_start(&s, "tcp-dev");
	st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect(st >= 400, "a Read with no connection answered %d: %s", st, buf);
	cr_expect_lt(lw_now_ms() - t0, 3000, "the Read waited instead of failing at once");

	/* The device comes back and Updates: it is reachable again. */
	fd = open_session(s.tcp);
	uint8_t body[64];
	size_t n = 0;
	uint16_t last = 0;
	n += opt_put(body + n, &last, 11, "rd", 2);
	n += opt_put(body + n, &last, 11, loc + 3, strlen(loc + 3));
	static const uint8_t utok[] = {7};
	send_frame(fd, 0x02, utok, 1, body, n);
	cr_assert_eq(read_frame(fd, &f, 5000), 0, "no answer to the Update");
	cr_expect_eq(f.code, 0x44, "Update answered %d.%02d, expected 2.04", f.code >> 5,
	             f.code & 31);
	h = rest_read_start(&s, "tcp-dev");
	answer_read(fd, "back-again");
	st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect_eq(st, 200, "%s", buf);
	cr_expect(strstr(buf, "back-again"), "%s", buf);

	/* Release: the daemon closes its side. */
	send_frame(fd, 0xe4, NULL, 0, NULL, 0);
	cr_expect_neq(read_frame(fd, &f, 3000), 0, "a frame after Release");
	close(fd);
	srv_stop(&s);
}

Test(tcp, malformed_frame_gets_abort)
{
	struct srv s;
	srv_start(&s);
	int fd = open_session(s.tcp);
	/* TKL 9 is reserved: a message format error. */
	static const uint8_t bad[] = {0x09, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	send_bytes(fd, bad, sizeof(bad));
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Abort");
	cr_expect_eq(f.code, 0xe5, "answer %d.%02d, expected Abort 7.05", f.code >> 5, f.code & 31);
	cr_expect_neq(read_frame(fd, &f, 3000), 0, "the connection stayed open after Abort");
	close(fd);
	cr_expect_eq(lw_wait_for_text(s.d.err, "aborting the connection", 2000), 0,
	             "no log line:\n%s", lw_slurp(s.d.err));

	/* Options that run past the frame, after a good CSM. */
	fd = open_session(s.tcp);
	static const uint8_t longopt[] = {0x20, 0x01, 0xb5, 'a'};
	send_bytes(fd, longopt, sizeof(longopt));
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Abort");
	cr_expect_eq(f.code, 0xe5);
	close(fd);

	/* A request before any CSM. */
	fd = tcp_connect(s.tcp);
	static const uint8_t get[] = {0x21, 0x01, 1, 0xb1, 'x'};
	send_bytes(fd, get, sizeof(get));
	cr_assert_eq(read_frame(fd, &f, 3000), 0);
	cr_expect_eq(f.code, 0xe1, "the daemon's CSM comes first");
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Abort");
	cr_expect_eq(f.code, 0xe5);
	close(fd);

	/* The daemon goes on: a new connection is served. */
	fd = open_session(s.tcp);
	static const uint8_t tok[] = {1};
	send_frame(fd, 0xe2, tok, 1, NULL, 0);
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Pong after the aborts");
	cr_expect_eq(f.code, 0xe3);
	close(fd);
	srv_stop(&s);
}

Test(tcp, observe_notify_cancel_deregister)
{
	struct srv s;
	srv_start(&s);
	int fd = open_session(s.tcp);
	char loc[64];
	do_register(fd, "tcp-obs", loc, sizeof(loc));
	int ev = httpc_send(s.http, "GET", "/api/v1/events?ep=tcp-obs", AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	static char evbuf[65536];
	size_t evlen = 0;
	cr_assert_eq(httpc_read_until(ev, evbuf, sizeof(evbuf) - 1, &evlen, "event stream\n\n", 3000),
	             0, "no event stream");

	/* Observe: a GET with Observe 0; its answer carries the first value. */
	int h = httpc_send(s.http, "POST", "/api/v1/clients/tcp-obs/3/0/0/observe", AUTH, NULL, NULL);
	cr_assert_geq(h, 0);
	struct frame obs;
	answer_get(fd, "/3/0/0", 0, "first", &obs);
	char buf[8192];
	int st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect_eq(st, 200, "%s", buf);
	cr_expect(strstr(buf, "first"), "%s", buf);

	/* A notification: the same token, a higher Observe, no message id. */
	send_content(fd, obs.token, obs.tkl, 2, "second");
	cr_expect_eq(httpc_read_until(ev, evbuf, sizeof(evbuf) - 1, &evlen, "second", 5000), 0,
	             "the notification did not reach the event stream:\n%.*s", (int)evlen, evbuf);
	close(ev);

	/* Cancel: a GET with Observe 1 and the observation's token. */
	h = httpc_send(s.http, "DELETE", "/api/v1/clients/tcp-obs/3/0/0/observe", AUTH, NULL, NULL);
	cr_assert_geq(h, 0);
	struct frame cancel;
	answer_get(fd, "/3/0/0", 1, "last", &cancel);
	cr_expect(cancel.tkl == obs.tkl && memcmp(cancel.token, obs.token, obs.tkl) == 0,
	          "the cancel does not carry the observation's token");
	st = rest_read_finish(h, buf, sizeof(buf));
	cr_expect_eq(st, 200, "%s", buf);

	/* De-register: DELETE /rd/id gets 2.02 and the client is gone. */
	uint8_t body[64];
	size_t n = 0;
	uint16_t last = 0;
	n += opt_put(body + n, &last, 11, "rd", 2);
	n += opt_put(body + n, &last, 11, loc + 3, strlen(loc + 3));
	static const uint8_t tok[] = {9, 9};
	send_frame(fd, 0x04, tok, sizeof(tok), body, n);
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 5000), 0, "no answer to the De-register");
	cr_expect_eq(f.code, 0x42, "De-register answered %d.%02d, expected 2.02", f.code >> 5,
	             f.code & 31);
	cr_expect_null(client_doc(&s, "tcp-obs"), "still registered");
	close(fd);
	srv_stop(&s);
}

/* Whether the daemon closed fd (EOF) within timeout_ms, frames aside. */
static int closed_within(int fd, int timeout_ms)
{
	uint64_t deadline = lw_now_ms() + (uint64_t)timeout_ms;
	uint8_t b[256];
	for (;;) {
		int left = (int)(deadline > lw_now_ms() ? deadline - lw_now_ms() : 0);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, left) <= 0)
			return 0;
		if (recv(fd, b, sizeof(b), 0) <= 0)
			return 1;
	}
}

Test(tcp, connection_limit_and_idle_timeout)
{
	struct srv s;
	srv_start_with(&s, "max_connections = 2\nidle_timeout = 1\n");
	int a = open_session(s.tcp);
	int b = open_session(s.tcp);
	/* A third one is over the limit: closed before any CSM. */
	int c = tcp_connect(s.tcp);
	cr_expect(closed_within(c, 2000), "a connection over max_connections stayed open");
	close(c);
	/* b keeps talking, a stays silent: a goes after about a second. */
	uint64_t t0 = lw_now_ms();
	static const uint8_t tok[] = {3};
	struct frame f;
	for (int i = 0; i < 5; i++) {
		usleep(400 * 1000);
		send_frame(b, 0xe2, tok, 1, NULL, 0);
		cr_assert_eq(read_frame(b, &f, 2000), 0, "no Pong on the busy connection");
		cr_expect_eq(f.code, 0xe3);
	}
	cr_expect(closed_within(a, 1500), "the silent connection is still open after %llu ms",
	          (unsigned long long)(lw_now_ms() - t0));
	close(a);
	/* A slot is free again. */
	c = open_session(s.tcp);
	close(c);
	close(b);
	srv_stop(&s);
}

/* coap-client: POST to uri with sec arguments; what it printed. */
static char *coap_post(const char *uri, const char *const *sec)
{
	const char *argv[24];
	size_t n = 0;
	argv[n++] = coap_client();
	argv[n++] = "-B";
	argv[n++] = "3";
	argv[n++] = "-m";
	argv[n++] = "post";
	argv[n++] = "-t";
	argv[n++] = "40";
	argv[n++] = "-e";
	argv[n++] = "</1/0>,</3/0>";
	for (; sec && *sec && n < 20; sec++)
		argv[n++] = *sec;
	argv[n++] = uri;
	argv[n] = NULL;
	/* The answer's code and diagnostic go to stdout or stderr by version. */
	char *all = lw_run_joined(argv, 15000);
	cr_assert_not_null(all, "%s did not end", argv[0]);
	return all;
}

Test(tcp, libcoap_registers_over_tcp_and_tls_psk)
{
	struct srv s;
	srv_start(&s);
	char uri[256];
	snprintf(uri, sizeof(uri), "coap+tcp://127.0.0.1:%d/rd?ep=lc-plain&b=T&lt=300", s.tcp);
	free(coap_post(uri, NULL));
	json_t *doc = client_doc(&s, "lc-plain");
	cr_assert_not_null(doc, "coap+tcp Register missing:\n%s", lw_slurp(s.d.err));
	cr_expect_str_eq(json_string_value(json_object_get(doc, "binding")), "T");
	cr_expect(json_is_false(json_object_get(doc, "secure")));
	json_decref(doc);

	struct httpc_resp r;
	req(&s, &r, "PUT", "/api/v1/security/lc-psk",
	    "{\"mode\":\"psk\",\"identity\":\"id-t\",\"key\":\"" PSK_HEX "\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	/* Its credential pins it to a secure transport: plain TCP is refused. */
	snprintf(uri, sizeof(uri), "coap+tcp://127.0.0.1:%d/rd?ep=lc-psk&b=T&lt=300", s.tcp);
	free(coap_post(uri, NULL));
	cr_expect_null(client_doc(&s, "lc-psk"), "registered without its PSK");

	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d/rd?ep=lc-psk&b=T&lt=300", s.tls);
	static const char *const sec[] = {"-u", "id-t", "-k", PSK, NULL};
	char *out = coap_post(uri, sec);
	doc = client_doc(&s, "lc-psk");
	cr_assert_not_null(doc, "coaps+tcp Register missing:\n%s\n%s", out, lw_slurp(s.d.err));
	cr_expect(json_is_true(json_object_get(doc, "secure")), "secure is not true");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "binding")), "T");
	json_decref(doc);
	free(out);

	/* A wrong key: no session, no registration. */
	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d/rd?ep=lc-bad&b=T&lt=300", s.tls);
	static const char *const badsec[] = {"-u", "id-t", "-k", "wrongkey01234567", NULL};
	free(coap_post(uri, badsec));
	cr_expect_null(client_doc(&s, "lc-bad"));
	srv_stop(&s);
}

/* ---- the reference client (lwm2m-client over libcoap's TCP and TLS) ---- */

static pid_t ref_client(const struct srv *s, const char *uri, const char *ep, const char *id,
                        const char *key_hex, char *err_path, size_t cap)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(err_path, cap, "%s/%s.err", s->d.dir, ep);
	const char *argv[16] = {bin, "-u", uri, "-n", ep, "-l", "60", "--give-up", "1"};
	size_t n = 9;
	if (id) {
		argv[n++] = "-i";
		argv[n++] = id;
		argv[n++] = "-k";
		argv[n++] = key_hex;
	}
	argv[n] = NULL;
	pid_t pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	return pid;
}

/* Waits until ep is registered (want 1) or not (want 0): its document or NULL. */
static json_t *wait_client(const struct srv *s, const char *ep, int want, const char *err_path)
{
	uint64_t end = lw_now_ms() + 8000;
	for (;;) {
		json_t *doc = client_doc(s, ep);
		if ((doc != NULL) == want)
			return doc;
		json_decref(doc);
		if (lw_now_ms() > end)
			cr_assert_fail("%s is %s registered:\n%s\n%s", ep, want ? "not" : "still",
			               lw_slurp(err_path), lw_slurp(s->d.err));
		usleep(50000);
	}
}

/* Registers over uri, answers a REST Read, de-registers on SIGTERM. */
static void ref_client_round(const struct srv *s, const char *uri, const char *ep, const char *id,
                             int secure)
{
	char err_path[400], target[256];
	pid_t pid = ref_client(s, uri, ep, id, PSK_HEX, err_path, sizeof(err_path));
	json_t *doc = wait_client(s, ep, 1, err_path);
	cr_expect_str_eq(json_string_value(json_object_get(doc, "binding")), "T");
	cr_expect(json_is_boolean(json_object_get(doc, "secure")) &&
	                  json_is_true(json_object_get(doc, "secure")) == secure,
	          "secure should be %d", secure);
	json_decref(doc);
	struct httpc_resp r;
	snprintf(target, sizeof(target), "/api/v1/clients/%s/3/0/0", ep);
	req(s, &r, "GET", target, NULL);
	cr_expect_eq(r.status, 200, "Read over %s: %d %s", uri, r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	json_t *rec = json_array_get(json_object_get(j, "records"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(rec, "path")), "/3/0/0", "%s", r.body);
	json_decref(j);
	/* SIGTERM: the client de-registers over the same connection. */
	kill(pid, SIGTERM);
	int st = lw_wait_timeout(pid, 5000);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "client status 0x%x:\n%s", st,
	          lw_slurp(err_path));
	if (st < 0)
		lw_stop_child(pid, 1000);
	wait_client(s, ep, 0, err_path);
	char *clog = lw_slurp(err_path);
	cr_expect(clog && strstr(clog, secure ? "(TLS)" : "(TCP)"), "%s", clog);
	free(clog);
}

Test(tcp, reference_client_over_tcp_and_tls_psk)
{
	struct srv s;
	srv_start(&s);
	char uri[128];
	snprintf(uri, sizeof(uri), "coap+tcp://127.0.0.1:%d", s.tcp);
	ref_client_round(&s, uri, "ref-tcp", NULL, 0);

	struct httpc_resp r;
	req(&s, &r, "PUT", "/api/v1/security/ref-tls",
	    "{\"mode\":\"psk\",\"identity\":\"ref-tls-id\",\"key\":\"" PSK_HEX "\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d", s.tls);
	ref_client_round(&s, uri, "ref-tls", "ref-tls-id", 1);

	/* A wrong key: the TLS handshake fails, the client says so and gives up. */
	char err_path[400];
	pid_t pid = ref_client(&s, uri, "ref-tls", "ref-tls-id", "000102030405060708090a0b0c0d0e0f",
	                       err_path, sizeof(err_path));
	int st = lw_wait_timeout(pid, 10000);
	char *clog = lw_slurp(err_path);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x:\n%s", st, clog);
	cr_expect(clog && strstr(clog, "TLS handshake failed"), "%s", clog);
	free(clog);
	if (st < 0)
		lw_stop_child(pid, 1000);
	cr_expect_null(client_doc(&s, "ref-tls"));
	srv_stop(&s);
}

/* ---- GET /metrics ---- */

/* The value of the series "name{labels}" in the exposition text, or -1. */
static long long metric_value(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

static char *metrics(const struct srv *s)
{
	struct httpc_resp r;
	req(s, &r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	return strdup(r.body);
}

#define TCP_SERIES(name, extra) name "{transport=\"tcp\"" extra "}"
#define TLS_SERIES(name, extra) name "{transport=\"tls\"" extra "}"

/* Waits until the series has the value (closes are seen by the loop a
 * moment after the socket). */
static void expect_metric(const struct srv *s, const char *series, long long want)
{
	long long v = -1;
	char *m = NULL;
	for (uint64_t end = lw_now_ms() + 3000; lw_now_ms() < end; usleep(20000)) {
		free(m);
		m = metrics(s);
		if ((v = metric_value(m, series)) == want)
			break;
	}
	cr_expect_eq(v, want, "%s is %lld, expected %lld:\n%s", series, v, want, m);
	free(m);
}

Test(tcp, metrics_count_connections_signals_and_handshakes)
{
	struct srv s;
	srv_start(&s);
	char *m = metrics(&s);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_connections", "")), 0, "%s", m);
	cr_expect_eq(metric_value(m, TLS_SERIES("lwm2md_tcp_connections", "")), 0, "%s", m);
	cr_expect_eq(metric_value(m, "lwm2md_tls_handshakes_total{result=\"ok\"}"), 0, "%s", m);
	cr_expect(strstr(m, "# TYPE lwm2md_tcp_connections_closed_total counter"), "%s", m);
	free(m);

	/* One connection: CSM each way, a Ping answered by a Pong. */
	int fd = open_session(s.tcp);
	static const uint8_t tok[] = {1};
	send_frame(fd, 0xe2, tok, 1, NULL, 0);
	struct frame f;
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Pong");
	m = metrics(&s);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_connections", "")), 1, "%s", m);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_connections_accepted_total", "")), 1);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_signals_total",
	                                        ",signal=\"csm\",direction=\"in\"")), 1, "%s", m);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_signals_total",
	                                        ",signal=\"csm\",direction=\"out\"")), 1);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_signals_total",
	                                        ",signal=\"ping\",direction=\"in\"")), 1);
	cr_expect_eq(metric_value(m, TCP_SERIES("lwm2md_tcp_signals_total",
	                                        ",signal=\"pong\",direction=\"out\"")), 1);
	free(m);
	close(fd);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_connections_closed_total", ",reason=\"peer\""), 1);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_connections", ""), 0);

	/* A malformed frame: we abort; Release: the peer ends it. */
	fd = open_session(s.tcp);
	static const uint8_t bad[] = {0x09, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	send_bytes(fd, bad, sizeof(bad));
	cr_assert_eq(read_frame(fd, &f, 3000), 0, "no Abort");
	close(fd);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_connections_closed_total",
	                             ",reason=\"abort_sent\""), 1);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_signals_total",
	                             ",signal=\"abort\",direction=\"out\""), 1);
	fd = open_session(s.tcp);
	send_frame(fd, 0xe4, NULL, 0, NULL, 0);
	cr_expect_neq(read_frame(fd, &f, 3000), 0, "a frame after Release");
	close(fd);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_connections_closed_total", ",reason=\"release\""),
	              1);
	expect_metric(&s, TCP_SERIES("lwm2md_tcp_connections_accepted_total", ""), 3);

	/* TLS: a wrong key fails the handshake, the right one passes. */
	struct httpc_resp r;
	req(&s, &r, "PUT", "/api/v1/security/m-psk",
	    "{\"mode\":\"psk\",\"identity\":\"id-m\",\"key\":\"" PSK_HEX "\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	char uri[256];
	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d/rd?ep=m-psk&b=T&lt=300", s.tls);
	static const char *const badsec[] = {"-u", "id-m", "-k", "wrongkey01234567", NULL};
	free(coap_post(uri, badsec));
	expect_metric(&s, "lwm2md_tls_handshakes_total{result=\"failed\"}", 1);
	expect_metric(&s, TLS_SERIES("lwm2md_tcp_connections_closed_total",
	                             ",reason=\"handshake\""), 1);
	static const char *const sec[] = {"-u", "id-m", "-k", PSK, NULL};
	free(coap_post(uri, sec));
	expect_metric(&s, "lwm2md_tls_handshakes_total{result=\"ok\"}", 1);
	expect_metric(&s, TLS_SERIES("lwm2md_tcp_connections_accepted_total", ""), 2);
	expect_metric(&s, TLS_SERIES("lwm2md_tcp_connections", ""), 0);
	srv_stop(&s);
}

/* ---- X.509 over TLS (the reference client with certificates) ---- */

/* certtool with args; asserts it worked. */
static void certtool_run(const char *const *args)
{
	const char *argv[20] = {"certtool"};
	size_t n = 1;
	for (; *args && n < 19; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	char *err = NULL;
	int st = lw_run(argv, 20000, NULL, &err);
	cr_assert_eq(st, 0, "certtool %s: %s", argv[1], err ? err : "");
	free(err);
}

/* dir/NAME-key.pem (EC P-256) and dir/NAME.pem for template tmpl, signed
 * by dir/ca (ca NULL: self-signed). */
static void make_cert(const char *dir, const char *name, const char *ca, const char *tmpl)
{
	char key[400], crt[400], t[400], cacrt[400], cakey[400];
	snprintf(key, sizeof(key), "%s/%s-key.pem", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
	snprintf(t, sizeof(t), "%s/%s.tmpl", dir, name);
	cr_assert_eq(lw_write_file(t, tmpl), 0);
	certtool_run((const char *[]){"--generate-privkey", "--key-type", "ecdsa", "--curve",
	                              "secp256r1", "--outfile", key, NULL});
	if (!ca) {
		certtool_run((const char *[]){"--generate-self-signed", "--load-privkey", key,
		                              "--template", t, "--outfile", crt, NULL});
		return;
	}
	snprintf(cacrt, sizeof(cacrt), "%s/%s.pem", dir, ca);
	snprintf(cakey, sizeof(cakey), "%s/%s-key.pem", dir, ca);
	certtool_run((const char *[]){"--generate-certificate", "--load-privkey", key,
	                              "--load-ca-certificate", cacrt, "--load-ca-privkey", cakey,
	                              "--template", t, "--outfile", crt, NULL});
}

/* The keys' folder of the test under way, removed even when it failed. */
static char pki[64];

static void pki_new(void)
{
	snprintf(pki, sizeof(pki), "/tmp/lw-tls-pki-XXXXXX");
	cr_assert_not_null(mkdtemp(pki));
}

static void pki_remove(void)
{
	if (!pki[0])
		return;
	const char *rm[] = {"rm", "-rf", pki, NULL};
	lw_run(rm, 5000, NULL, NULL);
	pki[0] = '\0';
}

Test(tcp, reference_client_over_tls_x509, .fini = pki_remove)
{
	pki_new();
	const char *dir = pki;
	make_cert(dir, "ca", NULL, "cn = \"tls test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n");
	make_cert(dir, "srv", "ca", "cn = \"lwm2md\"\ndns_name = \"localhost\"\ntls_www_server\n"
	                            "signing_key\nexpiration_days = 2\n");
	make_cert(dir, "x509dev", "ca", "cn = \"x509dev\"\ntls_www_client\nsigning_key\n"
	                                "expiration_days = 2\n");
	char conf[1400];
	snprintf(conf, sizeof(conf),
	         "[coaps]\ncertificate = %s/srv.pem\nprivate_key = %s/srv-key.pem\n"
	         "ca_file = %s/ca.pem\n",
	         dir, dir, dir);
	struct srv s;
	srv_start_with(&s, conf);
	struct httpc_resp r;
	req(&s, &r, "PUT", "/api/v1/security/x509dev", "{\"mode\":\"x509\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);

	char bin[1024], uri[128], crt[400], key[400], ca[400], err_path[400];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d", s.tls);
	snprintf(crt, sizeof(crt), "%s/x509dev.pem", dir);
	snprintf(key, sizeof(key), "%s/x509dev-key.pem", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(err_path, sizeof(err_path), "%s/x509dev.err", s.d.dir);
	const char *argv[] = {bin, "-u", uri, "-n", "x509dev", "--cert", crt, "--key-file", key,
	                      "--ca", ca, "--give-up", "1", NULL};
	pid_t pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	json_t *doc = wait_client(&s, "x509dev", 1, err_path);
	cr_expect(json_is_true(json_object_get(doc, "secure")), "secure is not true");
	cr_expect_str_eq(json_string_value(json_object_get(doc, "binding")), "T");
	json_decref(doc);
	req(&s, &r, "GET", "/api/v1/clients/x509dev/3/0/2", NULL);
	cr_expect_eq(r.status, 200, "Read over TLS with X.509: %s", r.body);
	cr_expect(strstr(r.body, "x509dev"), "the serial number is the endpoint: %s", r.body);
	kill(pid, SIGTERM);
	cr_expect_eq(lw_wait_timeout(pid, 5000), 0, "%s", lw_slurp(err_path));
	wait_client(&s, "x509dev", 0, err_path);
	srv_stop(&s);
}

/* ---- raw public keys over TLS (RFC 7250) ---- */

Test(tcp, reference_client_over_tls_rpk, .fini = pki_remove)
{
	pki_new();
	const char *dir = pki;
	make_cert(dir, "ca", NULL, "cn = \"tls test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n");
	make_cert(dir, "srv", "ca", "cn = \"lwm2md\"\ntls_www_server\nsigning_key\n"
	                            "expiration_days = 2\n");
	/* The device's key pair: the private key for the client, the public
	 * key (DER SubjectPublicKeyInfo, Base64) for the credential, and the
	 * server's public key (PEM) for the client to pin. */
	char key[400], der[400], srvkey[400], srvpub[400];
	snprintf(key, sizeof(key), "%s/dev-key.pem", dir);
	snprintf(der, sizeof(der), "%s/dev.der", dir);
	snprintf(srvkey, sizeof(srvkey), "%s/srv-key.pem", dir);
	snprintf(srvpub, sizeof(srvpub), "%s/srv.pub", dir);
	certtool_run((const char *[]){"--generate-privkey", "--key-type", "ecdsa", "--curve",
	                              "secp256r1", "--no-text", "--outfile", key, NULL});
	certtool_run((const char *[]){"--load-privkey", key, "--pubkey-info", "--outder",
	                              "--outfile", der, NULL});
	certtool_run((const char *[]){"--load-privkey", srvkey, "--pubkey-info", "--no-text",
	                              "--outfile", srvpub, NULL});
	FILE *f = fopen(der, "rb");
	cr_assert_not_null(f);
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	char b64[1024], body[1200];
	cr_assert(n > 0 && lw_base64_encoded_len(n, 0) < sizeof(b64));
	lw_base64_encode(buf, n, b64, 0);

	char conf[1400];
	snprintf(conf, sizeof(conf),
	         "[coaps]\ncertificate = %s/srv.pem\nprivate_key = %s/srv-key.pem\n", dir, dir);
	struct srv s;
	srv_start_with(&s, conf);
	struct httpc_resp r;
	snprintf(body, sizeof(body), "{\"mode\":\"rpk\",\"publicKey\":\"%s\"}", b64);
	req(&s, &r, "PUT", "/api/v1/security/rpkdev", body);
	cr_assert_eq(r.status, 200, "%s", r.body);

	char bin[1024], uri[128], err_path[400];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coaps+tcp://127.0.0.1:%d", s.tls);
	snprintf(err_path, sizeof(err_path), "%s/rpkdev.err", s.d.dir);
	const char *argv[] = {bin, "-u", uri, "-n", "rpkdev", "--rpk-key", key, "--server-key",
	                      srvpub, "--give-up", "1", NULL};
	pid_t pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	json_t *doc = wait_client(&s, "rpkdev", 1, err_path);
	cr_expect(json_is_true(json_object_get(doc, "secure")), "secure is not true");
	json_decref(doc);
	req(&s, &r, "GET", "/api/v1/clients/rpkdev/3/0/2", NULL);
	cr_expect_eq(r.status, 200, "Read over TLS with RPK: %s", r.body);
	kill(pid, SIGTERM);
	cr_expect_eq(lw_wait_timeout(pid, 5000), 0, "%s", lw_slurp(err_path));
	wait_client(&s, "rpkdev", 0, err_path);

	/* A key the server does not know: refused, no registration. */
	char other[400];
	snprintf(other, sizeof(other), "%s/other-key.pem", dir);
	certtool_run((const char *[]){"--generate-privkey", "--key-type", "ecdsa", "--curve",
	                              "secp256r1", "--no-text", "--outfile", other, NULL});
	argv[6] = other;
	pid = lw_spawn(argv, NULL, err_path);
	cr_assert_gt(pid, 0);
	int st = lw_wait_timeout(pid, 10000);
	char *clog = lw_slurp(err_path);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x:\n%s", st, clog);
	free(clog);
	if (st < 0)
		lw_stop_child(pid, 1000);
	cr_expect_null(client_doc(&s, "rpkdev"));
	srv_stop(&s);
}
