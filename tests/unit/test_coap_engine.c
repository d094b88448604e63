/*
 * tests/unit/test_coap_engine.c: the CoAP engine (core/coap/engine.c and the
 * files behind it) driven end to end without a socket.
 *
 * The engine does no I/O and reads time only from its timer heap, so each
 * test runs a real engine against a fake clock that only moves when the test
 * says so, and a capture endpoint that keeps every datagram the engine sends
 * with the fake time it was sent at. Requests are built with the message
 * builder and what comes out is parsed back with lw_coap_parse(), so every
 * check is on bytes on the wire and on exact fake-clock times: retransmission
 * back-off, deduplication windows and idle expiry are tested to the
 * millisecond instead of by sleeping.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "coap/dedup.h"
#include "coap/engine.h"
#include "coap/message.h"
#include "coap/peer.h"
#include "coap/resource.h"
#include "lwm2m/error.h"
#include "timer.h"

#include "engine_rig.h"

/* Not 0, so that a "0 means unset" slip in the engine shows. */
#define T_START 1000000u
#define PORT_A 5683
#define PORT_B 5684
#define MAX_SENT 256

/* ---- fake clock, capture endpoint, engine ---- */

struct sent {
	uint64_t at;
	struct lw_coap_addr to;
	size_t len;
	uint8_t buf[2048];
};

static uint64_t now_ms;
static struct lw_timers timers;
static struct lw_coap_engine eng; /* 80 KiB of scratch: keep it off the stack */
static struct lw_coap_endpoint ep;
static struct sent sent[MAX_SENT];
static size_t n_sent;
static int running;

static const struct engine_rig rig = {
	.now = &now_ms, .timers = &timers, .eng = &eng, .ep = &ep, .max_runs = 10000000ul,
};

static int capture_send(struct lw_coap_endpoint *e, const struct lw_coap_addr *to,
			const uint8_t *buf, size_t len)
{
	cr_assert_eq(e, &ep);
	cr_assert_lt(n_sent, MAX_SENT, "the engine sent too many datagrams");
	cr_assert_leq(len, sizeof(sent[0].buf));
	struct sent *s = &sent[n_sent++];
	s->at = now_ms;
	s->to = *to;
	s->len = len;
	memcpy(s->buf, buf, len);
	return 0;
}

static void start(const struct lw_coap_params *params)
{
	n_sent = 0;
	er_start(&rig, T_START, capture_send, params);
	running = 1;
}

static void stop(void)
{
	if (!running)
		return;
	running = 0;
	er_stop(&rig);
}

/* Ends a test: frees the engine, and under ASan asserts nothing leaked. */
static void end_clean(void)
{
	stop();
	er_check_leaks();
}

static void advance_to(uint64_t t)
{
	er_advance_to(&rig, t);
}

static void advance(uint64_t ms)
{
	advance_to(now_ms + ms);
}

static uint16_t addr_port(const struct lw_coap_addr *a)
{
	cr_assert_eq(a->u.sa.sa_family, AF_INET);
	cr_assert_eq(a->u.in.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	return ntohs(a->u.in.sin_port);
}

static void input_from(uint16_t port, const uint8_t *buf, size_t len)
{
	er_input(&rig, port, buf, len);
}

static struct lw_coap_peer *peer_of(uint16_t port)
{
	return er_peer_of(&rig, port);
}

/* Parses captured datagram i, which must be well formed. */
static void parse_sent(size_t i, struct lw_coap_msg *m)
{
	cr_assert_lt(i, n_sent, "datagram %zu was never sent (%zu sent)", i, n_sent);
	cr_assert_eq(lw_coap_parse(m, sent[i].buf, sent[i].len), 0, "datagram %zu is malformed", i);
}

static void assert_sent_bytes(size_t i, const uint8_t *want, size_t len)
{
	cr_assert_lt(i, n_sent, "datagram %zu was never sent (%zu sent)", i, n_sent);
	cr_assert_eq(sent[i].len, len, "datagram %zu: %zu bytes, want %zu", i, sent[i].len, len);
	cr_assert_arr_eq(sent[i].buf, want, len);
}

static void assert_empty_sent(size_t i, uint8_t type, uint16_t mid)
{
	const uint8_t want[4] = { (uint8_t)(0x40 | type << 4), 0, (uint8_t)(mid >> 8),
				  (uint8_t)mid };

	assert_sent_bytes(i, want, sizeof(want));
}

/* ---- request and response bytes ---- */

static uint8_t wire[2048];

/* A message with an optional Uri-Path ("/a/b"), extra option and payload. */
static size_t build(uint8_t type, uint8_t code, uint16_t mid, const void *token, size_t tkl,
		    const char *path, uint16_t extra_opt, const char *payload)
{
	struct lw_coap_builder b;
	size_t len = 0;

	lw_coap_build_start(&b, wire, sizeof(wire), type, code, mid, token, tkl);
	if (path)
		lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	if (extra_opt)
		lw_coap_build_opt(&b, extra_opt, "x", 1);
	if (payload)
		lw_coap_build_payload(&b, payload, strlen(payload));
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	return len;
}

static void send_req(uint16_t port, uint8_t type, uint8_t code, uint16_t mid, const char *token,
		     const char *path)
{
	size_t len = build(type, code, mid, token, strlen(token), path, 0, NULL);

	input_from(port, wire, len);
}

/* An empty ACK or RST from a peer. */
static void send_empty(uint16_t port, uint8_t type, uint16_t mid)
{
	const uint8_t m[4] = { (uint8_t)(0x40 | type << 4), 0, (uint8_t)(mid >> 8), (uint8_t)mid };

	input_from(port, m, sizeof(m));
}

static void assert_payload(const struct lw_coap_msg *m, const char *text)
{
	cr_assert_eq(m->payload_len, strlen(text), "payload of %zu bytes, want \"%s\"",
		     m->payload_len, text);
	cr_assert_arr_eq(m->payload, text, m->payload_len);
}

static void assert_token(const struct lw_coap_msg *m, const void *tok, size_t len)
{
	cr_assert_eq(m->token_len, len);
	cr_assert_arr_eq(m->token, tok, len);
}

/* ---- server-role handlers ---- */

struct handler_state {
	int calls;
	uint16_t last_mid;
	char text[32]; /* the payload answered: differs per call */
};

static struct handler_state hs;

/* Answers 2.05 "call N", so a repeated answer is told apart from a new one. */
static void counting_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			     const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	struct handler_state *s = arg;

	(void)e;
	(void)peer;
	s->calls++;
	s->last_mid = req->mid;
	snprintf(s->text, sizeof(s->text), "call %d", s->calls);
	resp->msg.code = LW_COAP_CONTENT;
	lw_coap_resp_opt_uint(resp, LW_COAP_OPT_CONTENT_FORMAT, 0);
	resp->msg.payload = (const uint8_t *)s->text;
	resp->msg.payload_len = strlen(s->text);
}

static void add_test_resource(uint32_t methods)
{
	memset(&hs, 0, sizeof(hs));
	cr_assert_eq(lw_coap_resource_add(&eng, "/test", NULL, methods, counting_handler, &hs), 0);
}

/*
 * ---- client-role callbacks ----
 * Tests keep their records in statics: after a failed assertion the .fini
 * frees the engine, which calls back into records whose frame is gone.
 */

struct cb_rec {
	int calls;
	int status;
	uint64_t at;
	uint8_t type, code;
	uint16_t mid;
	uint8_t token[LW_COAP_MAX_TOKEN];
	uint8_t token_len;
	char payload[64];
	size_t payload_len;
};

static void on_response(void *arg, int status, const struct lw_coap_msg *m)
{
	struct cb_rec *r = arg;

	r->calls++;
	r->status = status;
	r->at = now_ms;
	if (!m)
		return;
	r->type = m->type;
	r->code = m->code;
	r->mid = m->mid;
	r->token_len = m->token_len;
	memcpy(r->token, m->token, m->token_len);
	r->payload_len = m->payload_len < sizeof(r->payload) ? m->payload_len : sizeof(r->payload);
	memcpy(r->payload, m->payload, r->payload_len);
}

static struct lw_coap_peer *client_peer(uint16_t port)
{
	struct lw_coap_addr a = er_addr4(port);
	struct lw_coap_peer *p = lw_coap_peer_get(&eng.peers, &ep, &a, now_ms);

	cr_assert_not_null(p);
	return p;
}

/* Sends GET /obj to peer through the client role (type CON or NON). */
static void client_get(struct lw_coap_peer *p, uint8_t type, uint32_t timeout_ms,
		       struct cb_rec *rec, struct lw_coap_exchange **handle)
{
	struct lw_coap_msg req;
	static const char seg[] = "obj";

	memset(&req, 0, sizeof(req));
	req.type = type;
	req.code = LW_COAP_GET;
	req.n_opts = 1;
	req.opts[0].number = LW_COAP_OPT_URI_PATH;
	req.opts[0].len = sizeof(seg) - 1;
	req.opts[0].value = (const uint8_t *)seg;
	cr_assert_eq(lw_coap_request(&eng, p, &req, timeout_ms, on_response, rec, handle), 0);
}

/* Checks datagram i is our GET /obj request and returns its mid and token. */
static void sent_request(size_t i, uint8_t type, uint16_t *mid, uint8_t token[8])
{
	struct lw_coap_msg m;
	char path[32];

	parse_sent(i, &m);
	cr_assert_eq(m.type, type);
	cr_assert_eq(m.code, LW_COAP_GET);
	cr_assert_eq(m.token_len, 8, "requests carry an 8-byte token, got %u", m.token_len);
	cr_assert_eq(lw_coap_uri_path(&m, path, sizeof(path)), 4);
	cr_assert_str_eq(path, "/obj");
	*mid = m.mid;
	memcpy(token, m.token, 8);
}

TestSuite(server, .fini = stop);
TestSuite(dedup, .fini = stop);
TestSuite(deferred, .fini = stop);
TestSuite(client, .fini = stop);
TestSuite(peers, .fini = stop);

/* ==== server role ==== */

Test(server, well_known_core_lists_resources)
{
	struct lw_coap_msg m;
	static const char want[] = "</rd>;rt=\"core.rd\",</bs>,</dp>;ct=40";

	start(NULL);
	cr_assert_eq(lw_coap_resource_add(&eng, "/rd", ";rt=\"core.rd\"",
					  LW_COAP_METHOD(LW_COAP_POST), counting_handler, &hs),
		     0);
	cr_assert_eq(lw_coap_resource_add(&eng, "/bs", NULL, LW_COAP_METHOD(LW_COAP_POST),
					  counting_handler, &hs),
		     0);
	cr_assert_eq(lw_coap_resource_add(&eng, "/dp", ";ct=40", LW_COAP_METHOD(LW_COAP_GET),
					  counting_handler, &hs),
		     0);
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x2a01, "wk", "/.well-known/core");

	cr_assert_eq(n_sent, 1);
	cr_assert_eq(addr_port(&sent[0].to), PORT_A);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_CONTENT);
	cr_assert_eq(m.mid, 0x2a01);
	assert_token(&m, "wk", 2);
	const struct lw_coap_option *cf = lw_coap_find(&m, LW_COAP_OPT_CONTENT_FORMAT);
	cr_assert_not_null(cf, "no Content-Format");
	cr_assert_eq(cf->len, 1);
	cr_assert_eq(cf->value[0], 40);
	assert_payload(&m, want);
	cr_assert_eq(hs.calls, 0, "/.well-known/core must not reach a handler");

	/* Only GET is served there. */
	send_req(PORT_A, LW_COAP_CON, LW_COAP_POST, 0x2a02, "wk", "/.well-known/core");
	parse_sent(1, &m);
	cr_assert_eq(m.code, LW_COAP_METHOD_NOT_ALLOWED);
	end_clean();
}

Test(server, con_request_gets_piggybacked_ack)
{
	static const uint8_t tok[] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t want[64];
	struct lw_coap_builder b;
	size_t want_len;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	size_t len = build(LW_COAP_CON, LW_COAP_GET, 0x1234, tok, sizeof(tok), "/test", 0, NULL);
	input_from(PORT_A, wire, len);

	cr_assert_eq(hs.calls, 1);
	cr_assert_eq(hs.last_mid, 0x1234);
	/* ACK 2.05, same MID and token, Content-Format 0 (empty uint), payload. */
	lw_coap_build_start(&b, want, sizeof(want), LW_COAP_ACK, LW_COAP_CONTENT, 0x1234, tok,
			    sizeof(tok));
	lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, 0);
	lw_coap_build_payload(&b, "call 1", 6);
	cr_assert_eq(lw_coap_build_end(&b, &want_len), 0);
	cr_assert_eq(n_sent, 1);
	assert_sent_bytes(0, want, want_len);
	cr_assert_eq(addr_port(&sent[0].to), PORT_A);
	cr_assert_eq(sent[0].at, T_START);
	cr_assert_eq(eng.stats.requests_in, 1);
	cr_assert_eq(eng.stats.rx, 1);
	cr_assert_eq(eng.stats.tx, 1);
	end_clean();
}

Test(server, non_request_gets_non_response)
{
	struct lw_coap_msg m1, m2;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_NON, LW_COAP_GET, 0x0100, "n1", "/test");
	send_req(PORT_A, LW_COAP_NON, LW_COAP_GET, 0x0101, "n2", "/test");

	cr_assert_eq(hs.calls, 2);
	cr_assert_eq(n_sent, 2);
	parse_sent(0, &m1);
	parse_sent(1, &m2);
	cr_assert_eq(m1.type, LW_COAP_NON);
	cr_assert_eq(m1.code, LW_COAP_CONTENT);
	assert_token(&m1, "n1", 2);
	assert_payload(&m1, "call 1");
	cr_assert_eq(m2.type, LW_COAP_NON);
	assert_token(&m2, "n2", 2);
	/* Our NONs carry our own message ids: two responses, two ids. */
	cr_assert_neq(m1.mid, m2.mid);
	end_clean();
}

Test(server, unknown_path_is_not_found)
{
	struct lw_coap_msg m;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0200, "t", "/nothing/here");
	/* "/test" is a prefix resource: "/testing" is not under it. */
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0201, "t", "/testing");

	cr_assert_eq(hs.calls, 0);
	cr_assert_eq(n_sent, 2);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_NOT_FOUND);
	cr_assert_eq(m.mid, 0x0200);
	assert_token(&m, "t", 1);
	parse_sent(1, &m);
	cr_assert_eq(m.code, LW_COAP_NOT_FOUND);
	cr_assert_eq(m.mid, 0x0201);
	end_clean();
}

Test(server, wrong_method_is_not_allowed)
{
	struct lw_coap_msg m;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_CON, LW_COAP_POST, 0x0300, "t", "/test");

	cr_assert_eq(hs.calls, 0);
	cr_assert_eq(n_sent, 1);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_METHOD_NOT_ALLOWED);
	cr_assert_eq(m.mid, 0x0300);
	end_clean();
}

Test(server, unknown_critical_option_is_bad_option)
{
	struct lw_coap_msg m;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	size_t len = build(LW_COAP_CON, LW_COAP_GET, 0x0400, "c", 1, "/test", 2049, NULL);
	input_from(PORT_A, wire, len);

	cr_assert_eq(hs.calls, 0, "a request with an unknown critical option must not run");
	cr_assert_eq(n_sent, 1);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_BAD_OPTION);
	cr_assert_eq(m.mid, 0x0400);
	assert_token(&m, "c", 1);
	cr_assert_eq(eng.stats.bad_option, 1);
	end_clean();
}

Test(server, unknown_elective_option_is_ignored)
{
	struct lw_coap_msg m;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	size_t len = build(LW_COAP_CON, LW_COAP_GET, 0x0500, "e", 1, "/test", 2048, NULL);
	input_from(PORT_A, wire, len);

	cr_assert_eq(hs.calls, 1);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_CONTENT);
	assert_payload(&m, "call 1");
	cr_assert_eq(eng.stats.bad_option, 0);
	end_clean();
}

Test(server, ping_gets_rst)
{
	start(NULL);
	send_empty(PORT_A, LW_COAP_CON, 0xbeef);

	cr_assert_eq(n_sent, 1);
	assert_empty_sent(0, LW_COAP_RST, 0xbeef);
	cr_assert_eq(addr_port(&sent[0].to), PORT_A);
	cr_assert_eq(eng.stats.rst_out, 1);
	end_clean();
}

Test(server, malformed_con_gets_rst)
{
	/* Token length 9 is a message format error (RFC 7252 3). */
	static const uint8_t bad_tkl[] = { 0x49, 0x01, 0x0c, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	/* Option delta nibble 15 that is not the payload marker. */
	static const uint8_t bad_opt[] = { 0x40, 0x01, 0x0c, 0x0e, 0xf1, 'x' };

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	input_from(PORT_A, bad_tkl, sizeof(bad_tkl));
	input_from(PORT_A, bad_opt, sizeof(bad_opt));

	cr_assert_eq(n_sent, 2);
	assert_empty_sent(0, LW_COAP_RST, 0x0c0d);
	assert_empty_sent(1, LW_COAP_RST, 0x0c0e);
	cr_assert_eq(eng.stats.rx_malformed, 2);
	cr_assert_eq(hs.calls, 0);
	end_clean();
}

Test(server, malformed_non_is_ignored)
{
	static const uint8_t bad_tkl[] = { 0x59, 0x01, 0x0c, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	/* Payload marker with no payload after it. */
	static const uint8_t bad_marker[] = { 0x50, 0x01, 0x0c, 0x0e, 0xff };
	/* Too short to carry a header, and a wrong version: dropped whatever the type. */
	static const uint8_t short_con[] = { 0x40, 0x01, 0x0c };
	static const uint8_t v2_con[] = { 0x80, 0x01, 0x0c, 0x0f };

	start(NULL);
	input_from(PORT_A, bad_tkl, sizeof(bad_tkl));
	input_from(PORT_A, bad_marker, sizeof(bad_marker));
	input_from(PORT_A, short_con, sizeof(short_con));
	input_from(PORT_A, v2_con, sizeof(v2_con));

	cr_assert_eq(n_sent, 0);
	cr_assert_eq(eng.stats.rx_malformed, 4);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 0, "garbage must not create peer state");
	end_clean();
}

Test(server, empty_non_is_ignored)
{
	start(NULL);
	send_empty(PORT_A, LW_COAP_NON, 0x0600);

	cr_assert_eq(n_sent, 0);
	cr_assert_eq(eng.stats.rst_out, 0);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 0);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 0);
	end_clean();
}

Test(server, reserved_class_gets_rst_for_con)
{
	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	/* Classes 1, 6 and 7 are reserved. */
	size_t len = build(LW_COAP_CON, LW_COAP_CODE(1, 0), 0x0700, "r", 1, "/test", 0, NULL);
	input_from(PORT_A, wire, len);
	len = build(LW_COAP_CON, LW_COAP_CODE(7, 31), 0x0701, "r", 1, "/test", 0, NULL);
	input_from(PORT_A, wire, len);
	len = build(LW_COAP_NON, LW_COAP_CODE(6, 1), 0x0702, "r", 1, "/test", 0, NULL);
	input_from(PORT_A, wire, len);

	cr_assert_eq(n_sent, 2, "the NON must be dropped silently");
	assert_empty_sent(0, LW_COAP_RST, 0x0700);
	assert_empty_sent(1, LW_COAP_RST, 0x0701);
	cr_assert_eq(hs.calls, 0);
	end_clean();
}

/* ==== deduplication ==== */

Test(dedup, duplicate_con_gets_same_bytes_handler_once)
{
	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0800, "dd", "/test");
	advance(2500); /* the client's first retransmission */
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0800, "dd", "/test");

	cr_assert_eq(hs.calls, 1, "the handler ran %d times", hs.calls);
	cr_assert_eq(n_sent, 2);
	cr_assert_eq(sent[1].len, sent[0].len);
	cr_assert_arr_eq(sent[1].buf, sent[0].buf, sent[0].len);
	cr_assert_eq(addr_port(&sent[1].to), PORT_A);
	cr_assert_eq(sent[1].at, T_START + 2500);
	cr_assert_eq(eng.stats.duplicates, 1);
	cr_assert_eq(eng.stats.requests_in, 1);
	end_clean();
}

Test(dedup, same_mid_is_new_after_exchange_lifetime)
{
	struct lw_coap_msg m;

	start(NULL);
	cr_assert_eq(eng.params.exchange_lifetime_ms, 247000);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0900, "x", "/test");
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 1);

	/* Still remembered one millisecond before EXCHANGE_LIFETIME. */
	advance_to(T_START + 247000 - 1);
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0900, "x", "/test");
	cr_assert_eq(hs.calls, 1);
	cr_assert_eq(n_sent, 2);
	cr_assert_arr_eq(sent[1].buf, sent[0].buf, sent[0].len);

	/* Forgotten by the housekeeping tick (every 1 s) after it. */
	advance_to(T_START + 247000 + 1000);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 0);
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0900, "x", "/test");
	cr_assert_eq(hs.calls, 2, "the same MID after EXCHANGE_LIFETIME is a new request");
	cr_assert_eq(n_sent, 3);
	parse_sent(2, &m);
	cr_assert_eq(m.mid, 0x0900);
	assert_payload(&m, "call 2");
	end_clean();
}

Test(dedup, duplicate_non_is_dropped)
{
	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_NON, LW_COAP_GET, 0x0a00, "nn", "/test");
	advance(1000);
	send_req(PORT_A, LW_COAP_NON, LW_COAP_GET, 0x0a00, "nn", "/test");

	cr_assert_eq(hs.calls, 1);
	cr_assert_eq(n_sent, 1, "a duplicate NON gets nothing");
	cr_assert_eq(eng.stats.duplicates, 1);
	end_clean();
}

Test(dedup, same_mid_from_other_port_is_other_peer)
{
	struct lw_coap_msg m;

	start(NULL);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 0x0b00, "p", "/test");
	send_req(PORT_B, LW_COAP_CON, LW_COAP_GET, 0x0b00, "p", "/test");

	cr_assert_eq(hs.calls, 2);
	cr_assert_eq(n_sent, 2);
	cr_assert_eq(addr_port(&sent[0].to), PORT_A);
	cr_assert_eq(addr_port(&sent[1].to), PORT_B);
	parse_sent(1, &m);
	cr_assert_eq(m.mid, 0x0b00);
	assert_payload(&m, "call 2");
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 2);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 2);
	cr_assert_eq(eng.stats.duplicates, 0);
	end_clean();
}

Test(dedup, bounded_by_dedup_max)
{
	struct lw_coap_params p;
	struct lw_coap_msg m;

	lw_coap_params_default(&p);
	p.dedup_max = 10;
	start(&p);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	for (uint16_t mid = 100; mid <= 110; mid++) {
		send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, mid, "b", "/test");
		cr_assert_leq(lw_coap_dedup_count(&eng.dedup), 10);
	}
	cr_assert_eq(hs.calls, 11);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 10);

	/* The newest is still remembered... */
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 110, "b", "/test");
	cr_assert_eq(hs.calls, 11);
	cr_assert_arr_eq(sent[n_sent - 1].buf, sent[10].buf, sent[10].len);
	/* ...the oldest was evicted, so its duplicate runs again. */
	send_req(PORT_A, LW_COAP_CON, LW_COAP_GET, 100, "b", "/test");
	cr_assert_eq(hs.calls, 12);
	parse_sent(n_sent - 1, &m);
	cr_assert_eq(m.mid, 100);
	assert_payload(&m, "call 12");
	cr_assert_leq(lw_coap_dedup_count(&eng.dedup), 10);
	cr_assert_eq(eng.dedup.evicted, 2);
	end_clean();
}

/* ==== deferred (separate) responses ==== */

static struct lw_coap_deferred *deferred;

static void deferring_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			      const struct lw_coap_msg *req, struct lw_coap_response *resp,
			      void *arg)
{
	struct handler_state *s = arg;

	s->calls++;
	deferred = lw_coap_defer(e, peer, req, resp);
	cr_assert_not_null(deferred);
}

Test(deferred, empty_ack_then_con_response_until_acked)
{
	struct lw_coap_msg m, out;
	static const uint8_t tok[] = { 9, 8, 7, 6, 5 };

	start(NULL);
	memset(&hs, 0, sizeof(hs));
	deferred = NULL;
	cr_assert_eq(lw_coap_resource_add(&eng, "/slow", NULL, LW_COAP_METHOD(LW_COAP_POST),
					  deferring_handler, &hs),
		     0);
	/* Know the engine's next MID for this peer, and pick the request's far from it. */
	struct lw_coap_peer *peer = client_peer(PORT_A);
	uint16_t our_mid = peer->next_mid;
	uint16_t req_mid = (uint16_t)(our_mid ^ 0x8000);

	size_t len = build(LW_COAP_CON, LW_COAP_POST, req_mid, tok, sizeof(tok), "/slow", 0, "v");
	input_from(PORT_A, wire, len);
	cr_assert_eq(hs.calls, 1);
	cr_assert_not_null(deferred);
	cr_assert_eq(n_sent, 1);
	assert_empty_sent(0, LW_COAP_ACK, req_mid);
	cr_assert_eq(sent[0].at, T_START);
	cr_assert_eq(peer->refs, 1, "a deferred response holds its peer");

	/* The client lost our ACK and retransmits: same empty ACK, no second call. */
	advance(2000);
	input_from(PORT_A, wire, len);
	cr_assert_eq(hs.calls, 1);
	cr_assert_eq(n_sent, 2);
	assert_empty_sent(1, LW_COAP_ACK, req_mid);

	/* The answer is ready later: a CON with the request's token and our MID. */
	advance(1000);
	uint64_t t_resp = now_ms;
	memset(&out, 0, sizeof(out));
	out.code = LW_COAP_CHANGED;
	out.payload = (const uint8_t *)"done";
	out.payload_len = 4;
	cr_assert_eq(lw_coap_respond(&eng, deferred, &out), 0);
	deferred = NULL;
	cr_assert_eq(n_sent, 3);
	parse_sent(2, &m);
	cr_assert_eq(m.type, LW_COAP_CON);
	cr_assert_eq(m.code, LW_COAP_CHANGED);
	cr_assert_eq(m.mid, our_mid);
	cr_assert_neq(m.mid, req_mid);
	assert_token(&m, tok, sizeof(tok));
	assert_payload(&m, "done");
	cr_assert_eq(sent[2].at, t_resp);

	/* Not ACKed: retransmitted, same bytes, after ACK_TIMEOUT..x1.5. */
	advance(3000);
	cr_assert_eq(n_sent, 4);
	cr_assert_eq(sent[3].len, sent[2].len);
	cr_assert_arr_eq(sent[3].buf, sent[2].buf, sent[2].len);
	cr_assert_geq(sent[3].at - t_resp, 2000);
	cr_assert_leq(sent[3].at - t_resp, 3000);
	cr_assert_eq(eng.stats.retransmits, 1);

	/* The ACK ends it: nothing more, and the peer is no longer held. */
	send_empty(PORT_A, LW_COAP_ACK, our_mid);
	advance(120000);
	cr_assert_eq(n_sent, 4, "retransmitted after its ACK");
	cr_assert_eq(eng.stats.retransmits, 1);
	cr_assert_eq(eng.stats.timeouts, 0);
	cr_assert_eq(peer->refs, 0);
	cr_assert_eq(peer->in_flight, 0);
	cr_assert_null(eng.ex_head);
	end_clean();
}

Test(deferred, non_request_gets_non_separate_response)
{
	struct lw_coap_msg m;

	start(NULL);
	memset(&hs, 0, sizeof(hs));
	deferred = NULL;
	cr_assert_eq(lw_coap_resource_add(&eng, "/slow", NULL, LW_COAP_METHOD(LW_COAP_POST),
					  deferring_handler, &hs),
		     0);
	size_t len = build(LW_COAP_NON, LW_COAP_POST, 0x5150, "nd", 2, "/slow", 0, "v");
	input_from(PORT_A, wire, len);
	cr_assert_eq(hs.calls, 1);
	cr_assert_not_null(deferred);
	cr_assert_eq(n_sent, 0, "a NON request gets no ACK");
	struct lw_coap_peer *peer = peer_of(PORT_A);
	cr_assert_not_null(peer);

	struct lw_coap_msg out;
	memset(&out, 0, sizeof(out));
	out.code = LW_COAP_CHANGED;
	cr_assert_eq(lw_coap_respond(&eng, deferred, &out), 0);
	deferred = NULL;
	cr_assert_eq(n_sent, 1);
	parse_sent(0, &m);
	cr_assert_eq(m.type, LW_COAP_NON);
	cr_assert_eq(m.code, LW_COAP_CHANGED);
	assert_token(&m, "nd", 2);

	/* A NON is sent once and forgotten: nothing may stay behind holding the peer. */
	advance(120000);
	cr_assert_eq(n_sent, 1);
	cr_assert_null(eng.ex_head, "the NON separate response is still tracked as an exchange");
	cr_assert_eq(peer->refs, 0, "the NON separate response still holds its peer");
	end_clean();
}

/* ==== client role ==== */

Test(client, con_retransmission_backoff_then_timeout)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_params *pr = &eng.params;
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	cr_assert_eq(n_sent, 1, "the CON goes out at once");
	cr_assert_eq(sent[0].at, T_START);
	cr_assert_eq(addr_port(&sent[0].to), PORT_A);
	sent_request(0, LW_COAP_CON, &mid, tok);

	/* RFC 7252 4.8.2: MAX_TRANSMIT_WAIT = ACK_TIMEOUT * (2^(MAX_RETRANSMIT+1) - 1) * factor. */
	uint64_t max_wait = (uint64_t)pr->ack_timeout_ms * ((1u << (pr->max_retransmit + 1)) - 1) *
			    pr->ack_random_permille / 1000;
	cr_assert_eq(max_wait, 93000);
	advance(max_wait + 10000);

	cr_assert_eq(n_sent, 1 + pr->max_retransmit, "%zu datagrams sent", n_sent);
	for (size_t i = 1; i < n_sent; i++) {
		cr_assert_eq(sent[i].len, sent[0].len);
		cr_assert_arr_eq(sent[i].buf, sent[0].buf, sent[0].len,
				 "retransmission %zu differs", i);
	}
	uint64_t first = sent[1].at - sent[0].at;
	cr_assert_geq(first, pr->ack_timeout_ms);
	cr_assert_leq(first, (uint64_t)pr->ack_timeout_ms * pr->ack_random_permille / 1000);
	for (size_t i = 2; i < n_sent; i++)
		cr_assert_eq(sent[i].at - sent[i - 1].at, 2 * (sent[i - 1].at - sent[i - 2].at),
			     "gap %zu is not double the previous", i);

	/* Gives up one more doubled timeout after the last retransmission. */
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, LW_ETIMEDOUT);
	uint64_t last_gap = sent[n_sent - 1].at - sent[n_sent - 2].at;
	cr_assert_eq(rec.at, sent[n_sent - 1].at + 2 * last_gap);
	uint64_t span = rec.at - T_START;
	cr_assert_eq(span, first * ((1u << (pr->max_retransmit + 1)) - 1));
	cr_assert_geq(span, (uint64_t)pr->ack_timeout_ms * ((1u << (pr->max_retransmit + 1)) - 1));
	cr_assert_leq(span, max_wait);
	cr_assert_eq(eng.stats.retransmits, pr->max_retransmit);
	cr_assert_eq(eng.stats.timeouts, 1);
	cr_assert_eq(p->refs, 0);
	cr_assert_eq(p->in_flight, 0);
	end_clean();
}

Test(client, piggybacked_response_completes)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);
	cr_assert_eq(p->in_flight, 1);

	advance(500);
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid, tok, 8, NULL, 0, "22.5");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.at, T_START + 500);
	cr_assert_eq(rec.type, LW_COAP_ACK);
	cr_assert_eq(rec.code, LW_COAP_CONTENT);
	cr_assert_eq(rec.token_len, 8);
	cr_assert_arr_eq(rec.token, tok, 8);
	cr_assert_eq(rec.payload_len, 4);
	cr_assert_arr_eq(rec.payload, "22.5", 4);

	advance(200000);
	cr_assert_eq(n_sent, 1, "retransmitted after the response");
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(eng.stats.retransmits, 0);
	cr_assert_eq(p->in_flight, 0);
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, empty_ack_then_separate_response)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);

	send_empty(PORT_A, LW_COAP_ACK, mid);
	cr_assert_eq(rec.calls, 0, "an empty ACK is not the response");
	cr_assert_eq(p->in_flight, 0);
	advance(60000);
	cr_assert_eq(n_sent, 1, "retransmitted after an empty ACK");

	/* The separate response: a CON of the device's own MID with our token. */
	uint16_t smid = (uint16_t)(mid + 0x4321);
	size_t len = build(LW_COAP_CON, LW_COAP_CONTENT, smid, tok, 8, NULL, 0, "late");
	uint8_t copy[64];
	memcpy(copy, wire, len);
	input_from(PORT_A, copy, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.type, LW_COAP_CON);
	cr_assert_eq(rec.code, LW_COAP_CONTENT);
	cr_assert_arr_eq(rec.payload, "late", 4);
	cr_assert_eq(n_sent, 2);
	assert_empty_sent(1, LW_COAP_ACK, smid);

	/* Our ACK was lost: the copy is ACKed again and not delivered twice. */
	advance(2000);
	input_from(PORT_A, copy, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(n_sent, 3);
	assert_empty_sent(2, LW_COAP_ACK, smid);
	cr_assert_eq(eng.stats.duplicates, 1);
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, non_response_matches_token)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_NON, 0, &rec, NULL);
	sent_request(0, LW_COAP_NON, &mid, tok);
	advance(30000);
	cr_assert_eq(n_sent, 1, "a NON is never retransmitted");

	size_t len = build(LW_COAP_NON, LW_COAP_CONTENT, 0x7777, tok, 8, NULL, 0, "non");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.type, LW_COAP_NON);
	cr_assert_eq(rec.mid, 0x7777);
	cr_assert_arr_eq(rec.payload, "non", 3);
	cr_assert_eq(n_sent, 1, "a matched NON needs no answer");
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, rst_completes_with_eproto)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);

	advance(100);
	send_empty(PORT_A, LW_COAP_RST, mid);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, LW_EPROTO);
	cr_assert_eq(rec.at, T_START + 100);
	cr_assert_eq(eng.stats.rst_in, 1);
	advance(200000);
	cr_assert_eq(n_sent, 1);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(p->in_flight, 0);
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, wrong_token_does_not_match)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8], other[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);
	memcpy(other, tok, 8);
	other[7] ^= 0x5a;

	/* A piggybacked answer for our MID but another token is not ours. */
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid, other, 8, NULL, 0, "bad");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 0);
	cr_assert_eq(p->in_flight, 1);

	/* A CON answer with an unknown token is rejected with RST. */
	len = build(LW_COAP_CON, LW_COAP_CONTENT, 0x3131, other, 8, NULL, 0, "bad");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 0);
	cr_assert_eq(n_sent, 2);
	assert_empty_sent(1, LW_COAP_RST, 0x3131);
	/* So is a shorter token that is a prefix of ours. */
	len = build(LW_COAP_CON, LW_COAP_CONTENT, 0x3132, tok, 4, NULL, 0, "bad");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 0);
	assert_empty_sent(2, LW_COAP_RST, 0x3132);
	cr_assert_eq(eng.stats.unmatched, 3);

	/* The exchange is still alive: it retransmits, and the right answer ends it. */
	advance(3000);
	cr_assert_eq(n_sent, 4);
	cr_assert_arr_eq(sent[3].buf, sent[0].buf, sent[0].len);
	len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid, tok, 8, NULL, 0, "good");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_arr_eq(rec.payload, "good", 4);
	end_clean();
}

Test(client, timeout_ms_shorter_than_retransmission)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	/* First retransmission at 2..3 s, the next at 6..9 s: 5 s ends between them. */
	client_get(p, LW_COAP_CON, 5000, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);

	advance_to(T_START + 4999);
	cr_assert_eq(rec.calls, 0);
	advance_to(T_START + 5000);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, LW_ETIMEDOUT);
	cr_assert_eq(rec.at, T_START + 5000);
	cr_assert_eq(n_sent, 2);
	cr_assert_eq(eng.stats.timeouts, 1);
	advance(200000);
	cr_assert_eq(n_sent, 2);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(p->in_flight, 0);
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, nstart_holds_second_con_per_peer)
{
	static struct cb_rec r1, r2, r3;
	uint16_t mid1, mid2, mid3;
	uint8_t tok1[8], tok2[8], tok3[8];

	start(NULL);
	cr_assert_eq(eng.params.nstart, 1);
	struct lw_coap_peer *a = client_peer(PORT_A);
	struct lw_coap_peer *b = client_peer(PORT_B);
	client_get(a, LW_COAP_CON, 0, &r1, NULL);
	client_get(a, LW_COAP_CON, 0, &r2, NULL);
	cr_assert_eq(n_sent, 1, "NSTART=1: the second CON to a peer must wait");
	client_get(b, LW_COAP_CON, 0, &r3, NULL);
	cr_assert_eq(n_sent, 2, "another peer is not held back");
	cr_assert_eq(addr_port(&sent[1].to), PORT_B);
	sent_request(0, LW_COAP_CON, &mid1, tok1);
	sent_request(1, LW_COAP_CON, &mid3, tok3);

	/* The first is retransmitted alone while unacknowledged. */
	advance(3000);
	cr_assert_eq(n_sent, 4);
	for (size_t i = 2; i < 4; i++) {
		struct lw_coap_msg m;
		parse_sent(i, &m);
		cr_assert(m.mid == mid1 || m.mid == mid3, "datagram %zu is the held CON", i);
	}

	advance(200);
	uint64_t t_ack = now_ms;
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid1, tok1, 8, NULL, 0, "1");
	input_from(PORT_A, wire, len);
	cr_assert_eq(r1.calls, 1);
	cr_assert_eq(n_sent, 5, "the held CON goes out when the first is ACKed");
	cr_assert_eq(sent[4].at, t_ack);
	cr_assert_eq(addr_port(&sent[4].to), PORT_A);
	sent_request(4, LW_COAP_CON, &mid2, tok2);
	cr_assert_neq(mid2, mid1);
	cr_assert(memcmp(tok2, tok1, 8) != 0);
	cr_assert_eq(a->in_flight, 1);

	len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid2, tok2, 8, NULL, 0, "2");
	input_from(PORT_A, wire, len);
	cr_assert_eq(r2.calls, 1);
	cr_assert_eq(r2.status, 0);
	cr_assert_arr_eq(r2.payload, "2", 1);
	cr_assert_eq(r3.calls, 0);
	end_clean();
}

Test(client, nstart_releases_on_empty_ack)
{
	static struct cb_rec r1, r2;
	uint16_t mid1, mid2;
	uint8_t tok1[8], tok2[8];

	start(NULL);
	struct lw_coap_peer *a = client_peer(PORT_A);
	client_get(a, LW_COAP_CON, 0, &r1, NULL);
	client_get(a, LW_COAP_CON, 0, &r2, NULL);
	cr_assert_eq(n_sent, 1);
	sent_request(0, LW_COAP_CON, &mid1, tok1);
	send_empty(PORT_A, LW_COAP_ACK, mid1);
	cr_assert_eq(n_sent, 2, "an empty ACK frees the NSTART slot");
	sent_request(1, LW_COAP_CON, &mid2, tok2);
	cr_assert_eq(r1.calls, 0);
	cr_assert_eq(r2.calls, 0);
	end_clean();
}

Test(client, cancel_stops_without_callback)
{
	static struct cb_rec r1, r2, r3;
	struct lw_coap_exchange *h1, *h2;
	uint16_t mid1, mid3;
	uint8_t tok1[8], tok3[8];

	start(NULL);
	struct lw_coap_peer *a = client_peer(PORT_A);
	client_get(a, LW_COAP_CON, 0, &r1, &h1);
	client_get(a, LW_COAP_CON, 0, &r2, &h2); /* held by NSTART */
	client_get(a, LW_COAP_CON, 0, &r3, NULL); /* held behind it */
	cr_assert_eq(n_sent, 1);
	sent_request(0, LW_COAP_CON, &mid1, tok1);

	/* Cancelling a held request: it never goes out. */
	lw_coap_cancel(&eng, h2);
	cr_assert_eq(n_sent, 1);

	advance(1000);
	lw_coap_cancel(&eng, h1);
	cr_assert_eq(r1.calls, 0);
	cr_assert_eq(r2.calls, 0);
	/* The slot it freed goes to the next held request, not the cancelled one. */
	cr_assert_eq(n_sent, 2);
	sent_request(1, LW_COAP_CON, &mid3, tok3);
	cr_assert(memcmp(tok3, tok1, 8) != 0);
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid3, tok3, 8, NULL, 0, "3");
	input_from(PORT_A, wire, len);
	cr_assert_eq(r3.calls, 1);

	/* A late answer to the cancelled one matches nothing. */
	len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid1, tok1, 8, NULL, 0, "1");
	input_from(PORT_A, wire, len);
	advance(200000);
	cr_assert_eq(n_sent, 2, "a cancelled CON was retransmitted");
	cr_assert_eq(r1.calls, 0);
	cr_assert_eq(r2.calls, 0);
	cr_assert_eq(eng.stats.retransmits, 0);
	cr_assert_eq(eng.stats.timeouts, 0);
	cr_assert_eq(a->refs, 0);
	cr_assert_eq(a->in_flight, 0);
	cr_assert_null(a->wait_head);
	cr_assert_null(eng.ex_head);
	end_clean();
}

/* An engine with state of every kind, for the shutdown test. */
static void busy_engine(struct cb_rec *rec)
{
	struct lw_coap_peer *a = client_peer(PORT_A);
	struct lw_coap_peer *b = client_peer(PORT_B);

	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));
	client_get(a, LW_COAP_CON, 0, &rec[0], NULL);
	client_get(a, LW_COAP_CON, 10000, &rec[1], NULL); /* held by NSTART */
	client_get(b, LW_COAP_NON, 0, &rec[2], NULL);
	send_req(PORT_B, LW_COAP_CON, LW_COAP_GET, 0x1000, "s", "/test");
	send_req(PORT_B, LW_COAP_NON, LW_COAP_GET, 0x1001, "s", "/test");
	lw_coap_peer_hold(a);
	advance(2500);
}

Test(client, engine_free_cancels_pending_and_frees_all)
{
	static struct cb_rec rec[3];

	memset(rec, 0, sizeof(rec));
	start(NULL);
	busy_engine(rec);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 2);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 2);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(rec[i].calls, 0);
	size_t sent_before = n_sent;

	/* Leaks are checked by end_clean() under ASan, and by valgrind. */
	end_clean();
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(rec[i].calls, 1, "callback %d ran %d times", i, rec[i].calls);
		cr_assert_eq(rec[i].status, LW_ECANCELED);
	}
	cr_assert_eq(n_sent, sent_before, "the held CON went out during shutdown");
	cr_assert_eq(timers.n, 0, "a timer is left in the heap");
	cr_assert_null(timers.heap);
}

Test(client, held_request_times_out_unsent)
{
	static struct cb_rec r1, r2;
	uint16_t mid1;
	uint8_t tok1[8];

	start(NULL);
	struct lw_coap_peer *a = client_peer(PORT_A);
	client_get(a, LW_COAP_CON, 0, &r1, NULL);
	client_get(a, LW_COAP_CON, 1500, &r2, NULL); /* held by NSTART */
	sent_request(0, LW_COAP_CON, &mid1, tok1);

	/* Its deadline runs while it waits: it ends unsent at exactly 1.5 s. */
	advance_to(T_START + 1500);
	cr_assert_eq(r2.calls, 1);
	cr_assert_eq(r2.status, LW_ETIMEDOUT);
	cr_assert_eq(r2.at, T_START + 1500);
	cr_assert_eq(n_sent, 1);

	/* Nothing goes out for it once the first completes. */
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid1, tok1, 8, NULL, 0, "1");
	input_from(PORT_A, wire, len);
	cr_assert_eq(r1.calls, 1);
	advance(10000);
	cr_assert_eq(n_sent, 1);
	cr_assert_eq(a->refs, 0);
	end_clean();
}

Test(client, rst_to_non_request_completes_with_eproto)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_NON, 0, &rec, NULL);
	sent_request(0, LW_COAP_NON, &mid, tok);

	/* RFC 7252 4.3: a NON may be rejected with an RST of its MID. */
	advance(100);
	send_empty(PORT_A, LW_COAP_RST, mid);
	cr_assert_eq(rec.calls, 1, "an RST to our NON request did not end it");
	cr_assert_eq(rec.status, LW_EPROTO);
	cr_assert_eq(rec.at, T_START + 100);
	cr_assert_eq(p->refs, 0);
	end_clean();
}

Test(client, response_with_unknown_critical_option_is_rejected)
{
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	start(NULL);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);

	/*
	 * RFC 7252 5.4.1: an unrecognised critical option in a piggybacked
	 * response rejects it (an ACK is rejected by ignoring it, 4.2)...
	 */
	size_t len = build(LW_COAP_ACK, LW_COAP_CONTENT, mid, tok, 8, NULL, 2049, "bad");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 0, "a piggybacked response with option 2049 was delivered");
	cr_assert_eq(n_sent, 1);

	/* ...and in a CON response it is rejected with an RST. */
	send_empty(PORT_A, LW_COAP_ACK, mid);
	len = build(LW_COAP_CON, LW_COAP_CONTENT, 0x6001, tok, 8, NULL, 2049, "bad");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 0, "a CON response with option 2049 was delivered");
	cr_assert_eq(n_sent, 2);
	assert_empty_sent(1, LW_COAP_RST, 0x6001);

	/* A clean response still completes the exchange. */
	len = build(LW_COAP_CON, LW_COAP_CONTENT, 0x6002, tok, 8, NULL, 0, "good");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_arr_eq(rec.payload, "good", 4);
	assert_empty_sent(2, LW_COAP_ACK, 0x6002);
	end_clean();
}

/* ==== peers ==== */

Test(peers, idle_peers_forgotten_unless_held_or_deduped)
{
	struct lw_coap_params prm;

	lw_coap_params_default(&prm);
	prm.peer_idle_ms = 5000;
	prm.exchange_lifetime_ms = 20000;
	start(&prm);
	add_test_resource(LW_COAP_METHOD(LW_COAP_GET));

	struct lw_coap_peer *idle = client_peer(PORT_A);
	struct lw_coap_peer *held = client_peer(PORT_B);
	lw_coap_peer_hold(held);
	/* The third peer only sent a request: it has a dedup entry. */
	send_req(5685, LW_COAP_CON, LW_COAP_GET, 0x2000, "q", "/test");
	cr_assert_eq(hs.calls, 1);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 3);
	cr_assert_eq(peer_of(PORT_A), idle);

	advance_to(T_START + 5000 - 1);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 3, "forgotten before peer_idle_ms");
	advance_to(T_START + 5000 + 1000);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 2);
	cr_assert_null(peer_of(PORT_A));
	cr_assert_eq(peer_of(PORT_B), held);
	cr_assert_not_null(peer_of(5685));

	/* Released, the held one goes after a further idle period. */
	lw_coap_peer_release(held);
	advance(2 * 5000 + 1000);
	cr_assert_null(peer_of(PORT_B));
	cr_assert_not_null(peer_of(5685), "a peer with a live dedup entry was dropped");
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 1);

	/* Once its dedup entry expires, the requester goes too. */
	advance_to(T_START + 20000 + 2 * 5000 + 1000);
	cr_assert_eq(lw_coap_dedup_count(&eng.dedup), 0);
	cr_assert_null(peer_of(5685));
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 0);

	/* A peer that comes back is a new record that answers as before. */
	send_req(5685, LW_COAP_CON, LW_COAP_GET, 0x2000, "q", "/test");
	cr_assert_eq(hs.calls, 2);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 1);
	end_clean();
}

Test(peers, exchange_keeps_peer)
{
	struct lw_coap_params prm;
	static struct cb_rec rec;
	uint16_t mid;
	uint8_t tok[8];

	lw_coap_params_default(&prm);
	prm.peer_idle_ms = 5000;
	start(&prm);
	struct lw_coap_peer *p = client_peer(PORT_A);
	client_get(p, LW_COAP_CON, 0, &rec, NULL);
	sent_request(0, LW_COAP_CON, &mid, tok);
	send_empty(PORT_A, LW_COAP_ACK, mid);

	/* Waiting for a separate response long past the idle time. */
	advance(60000);
	cr_assert_eq(peer_of(PORT_A), p, "a peer with a live exchange was dropped");
	size_t len = build(LW_COAP_NON, LW_COAP_CONTENT, 0x4444, tok, 8, NULL, 0, "ok");
	input_from(PORT_A, wire, len);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	/* 145 s NON_LIFETIME for the response's dedup entry, then idle. */
	advance(eng.params.non_lifetime_ms + 5000 + 2000);
	cr_assert_eq(lw_coap_peers_count(&eng.peers), 0);
	end_clean();
}
