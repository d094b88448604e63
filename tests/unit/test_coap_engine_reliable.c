/*
 * tests/unit/test_coap_engine_reliable.c: the engine's reliable mode (an
 * endpoint with reliable = 1, as the RFC 8323 TCP/TLS transport sets it)
 * driven with the fake clock and a capture endpoint of engine_rig.h.
 *
 * What must hold on a stream: nothing is retransmitted however long the
 * answer takes, NSTART does not hold requests back, responses match by token
 * alone (whatever type and mid they carry), no ACK or RST ever goes out, the
 * same request twice is handled twice (no deduplication), a deferred answer
 * sends no empty ACK first, and a request whose send() fails, or whose
 * connection closes while it waits, ends with LW_EIO on the next timer tick,
 * never inside the call that caused it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "coap/engine.h"
#include "coap/message.h"
#include "coap/resource.h"
#include "lwm2m/error.h"
#include "timer.h"

#include "engine_rig.h"

#define T_START 5000000u
#define PORT 40000
#define MAX_SENT 32

struct sent {
	size_t len;
	uint8_t buf[512];
};

static uint64_t now_ms;
static struct lw_timers timers;
static struct lw_coap_engine eng;
static struct lw_coap_endpoint ep;
static struct sent sent[MAX_SENT];
static size_t n_sent;
static int fail_sends;

static const struct engine_rig rig = {
	.now = &now_ms, .timers = &timers, .eng = &eng, .ep = &ep, .max_runs = 1000000ul,
};

static int capture(struct lw_coap_endpoint *e, const struct lw_coap_addr *to, const uint8_t *buf,
                   size_t len)
{
	(void)e;
	(void)to;
	if (fail_sends)
		return LW_EIO;
	cr_assert_lt(n_sent, MAX_SENT);
	cr_assert_leq(len, sizeof(sent[0].buf));
	sent[n_sent].len = len;
	memcpy(sent[n_sent].buf, buf, len);
	n_sent++;
	return 0;
}

static void setup(void)
{
	n_sent = 0;
	fail_sends = 0;
	er_start(&rig, T_START, capture, NULL);
	ep.reliable = 1;
}

static void teardown(void)
{
	er_stop(&rig);
	er_check_leaks();
}

TestSuite(reliable, .init = setup, .fini = teardown);

struct result {
	int calls, status;
	uint8_t code;
};

static void on_resp(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct result *r = arg;
	r->calls++;
	r->status = status;
	r->code = resp ? resp->code : 0;
}

static struct lw_coap_peer *peer(void)
{
	struct lw_coap_addr a = er_addr4(PORT);
	struct lw_coap_peer *p = lw_coap_peer_get(&eng.peers, &ep, &a, now_ms);
	cr_assert_not_null(p);
	return p;
}

static void send_get(struct lw_coap_peer *p, struct result *r, uint32_t timeout_ms)
{
	struct lw_coap_msg req = {.type = LW_COAP_CON, .code = LW_COAP_GET};
	cr_assert_eq(lw_coap_request(&eng, p, &req, timeout_ms, on_resp, r, NULL), 0);
}

/* A response as the transport hands it over: parsed, any type and mid. */
static void feed_response(const uint8_t *token, uint8_t tkl, uint8_t type, uint16_t mid)
{
	struct lw_coap_msg m = {.type = type, .code = LW_COAP_CONTENT, .mid = mid, .token_len = tkl};
	memcpy(m.token, token, tkl);
	struct lw_coap_addr a = er_addr4(PORT);
	lw_coap_engine_input_msg(&eng, &ep, &a, &m);
}

Test(reliable, no_retransmission_no_nstart_token_match)
{
	struct lw_coap_peer *p = peer();
	struct result r1 = {0}, r2 = {0};
	send_get(p, &r1, 120000);
	send_get(p, &r2, 120000);
	/* NSTART 1 would hold the second CON back until the first is ACKed. */
	cr_assert_eq(n_sent, 2, "both requests go out at once, %zu sent", n_sent);
	er_advance_to(&rig, T_START + 100000);
	cr_expect_eq(n_sent, 2, "retransmitted on a stream (%zu sends)", n_sent);
	cr_expect_eq(eng.stats.retransmits, 0);
	cr_expect_eq(r1.calls + r2.calls, 0);

	/* The second answer first, with a type and mid that match nothing. */
	struct lw_coap_msg sent2;
	cr_assert_eq(lw_coap_parse(&sent2, sent[1].buf, sent[1].len), 0);
	feed_response(sent2.token, sent2.token_len, LW_COAP_NON, 0x4242);
	cr_expect_eq(r2.calls, 1);
	cr_expect_eq(r2.status, 0);
	cr_expect_eq(r2.code, LW_COAP_CONTENT);
	cr_expect_eq(r1.calls, 0);
	struct lw_coap_msg sent1;
	cr_assert_eq(lw_coap_parse(&sent1, sent[0].buf, sent[0].len), 0);
	feed_response(sent1.token, sent1.token_len, LW_COAP_CON, 0);
	cr_expect_eq(r1.calls, 1);
	cr_expect_eq(r1.status, 0);
	cr_expect_eq(n_sent, 2, "an ACK went out on a stream");
}

Test(reliable, timeout_still_applies)
{
	struct result r = {0};
	send_get(peer(), &r, 3000);
	er_advance_to(&rig, T_START + 2999);
	cr_expect_eq(r.calls, 0);
	er_advance_to(&rig, T_START + 3000);
	cr_expect_eq(r.calls, 1);
	cr_expect_eq(r.status, LW_ETIMEDOUT);
	cr_expect_eq(n_sent, 1);
}

Test(reliable, unmatched_response_gets_no_rst)
{
	static const uint8_t tok[] = {1, 2, 3};
	peer();
	feed_response(tok, sizeof(tok), LW_COAP_CON, 7);
	feed_response(tok, sizeof(tok), LW_COAP_NON, 8);
	cr_expect_eq(n_sent, 0, "RST or ACK sent on a stream");
	cr_expect_eq(eng.stats.unmatched, 2);
	cr_expect_eq(eng.stats.rst_out, 0);
}

static int handled;

static void hello(struct lw_coap_engine *e, struct lw_coap_peer *p, const struct lw_coap_msg *req,
                  struct lw_coap_response *resp, void *arg)
{
	(void)e;
	(void)p;
	(void)req;
	(void)arg;
	handled++;
	resp->msg.code = LW_COAP_CONTENT;
	resp->msg.payload = (const uint8_t *)"hi";
	resp->msg.payload_len = 2;
}

static struct lw_coap_deferred *later;

static void slow(struct lw_coap_engine *e, struct lw_coap_peer *p, const struct lw_coap_msg *req,
                 struct lw_coap_response *resp, void *arg)
{
	(void)arg;
	later = lw_coap_defer(e, p, req, resp);
}

static void feed_get(const char *path, const uint8_t *tok, uint8_t tkl, uint16_t mid)
{
	uint8_t buf[128];
	struct lw_coap_builder b;
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, mid, tok, tkl);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	struct lw_coap_addr a = er_addr4(PORT);
	lw_coap_engine_input_msg(&eng, &ep, &a, &m);
}

Test(reliable, requests_answered_by_token_without_dedup)
{
	cr_assert_eq(lw_coap_resource_add(&eng, "/hello", NULL, LW_COAP_METHOD(LW_COAP_GET), hello,
	                                  NULL),
	             0);
	static const uint8_t tok[] = {0xaa, 0xbb};
	handled = 0;
	/* The same mid twice: over UDP the second is a duplicate, not here. */
	feed_get("/hello", tok, sizeof(tok), 1);
	feed_get("/hello", tok, sizeof(tok), 1);
	cr_expect_eq(handled, 2, "the handler ran %d times", handled);
	cr_expect_eq(eng.stats.duplicates, 0);
	cr_assert_eq(n_sent, 2);
	struct lw_coap_msg a;
	cr_assert_eq(lw_coap_parse(&a, sent[1].buf, sent[1].len), 0);
	cr_expect_eq(a.code, LW_COAP_CONTENT);
	cr_expect_eq(a.token_len, sizeof(tok));
	cr_expect_eq(memcmp(a.token, tok, sizeof(tok)), 0);
	cr_expect_eq(a.payload_len, 2);
}

Test(reliable, deferred_answer_has_no_empty_ack)
{
	cr_assert_eq(lw_coap_resource_add(&eng, "/slow", NULL, LW_COAP_METHOD(LW_COAP_GET), slow,
	                                  NULL),
	             0);
	static const uint8_t tok[] = {5};
	later = NULL;
	feed_get("/slow", tok, 1, 9);
	cr_assert_not_null(later);
	cr_expect_eq(n_sent, 0, "an empty ACK went out on a stream");
	struct lw_coap_msg m = {.code = LW_COAP_CHANGED};
	cr_assert_eq(lw_coap_respond(&eng, later, &m), 0);
	cr_assert_eq(n_sent, 1);
	struct lw_coap_msg a;
	cr_assert_eq(lw_coap_parse(&a, sent[0].buf, sent[0].len), 0);
	cr_expect_eq(a.code, LW_COAP_CHANGED);
	cr_expect(a.token_len == 1 && a.token[0] == 5);
	er_advance_to(&rig, T_START + 60000);
	cr_expect_eq(n_sent, 1, "the separate answer was retransmitted");
}

Test(reliable, send_failure_fails_fast_but_not_synchronously)
{
	struct result r = {0};
	fail_sends = 1;
	send_get(peer(), &r, 60000);
	cr_expect_eq(r.calls, 0, "the callback ran inside lw_coap_request()");
	er_advance_to(&rig, T_START + 1);
	cr_expect_eq(r.calls, 1, "the request did not fail at once");
	cr_expect_eq(r.status, LW_EIO);
	cr_expect_eq(eng.stats.timeouts, 0);
}

Test(reliable, closed_connection_fails_waiting_requests)
{
	struct result r = {0}, other = {0};
	send_get(peer(), &r, 60000);
	/* Another peer's request is not touched. */
	struct lw_coap_addr b = er_addr4(PORT + 1);
	struct lw_coap_peer *pb = lw_coap_peer_get(&eng.peers, &ep, &b, now_ms);
	cr_assert_not_null(pb);
	send_get(pb, &other, 60000);
	struct lw_coap_addr a = er_addr4(PORT);
	lw_coap_engine_peer_closed(&eng, &ep, &a);
	cr_expect_eq(r.calls, 0, "the callback ran inside lw_coap_engine_peer_closed()");
	er_advance_to(&rig, T_START + 1);
	cr_expect_eq(r.calls, 1);
	cr_expect_eq(r.status, LW_EIO);
	cr_expect_eq(other.calls, 0, "the other peer's request failed too");
	er_advance_to(&rig, T_START + 60000);
	cr_expect_eq(other.calls, 1);
	cr_expect_eq(other.status, LW_ETIMEDOUT);
}
