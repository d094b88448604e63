/*
 * tests/unit/test_observe.c: observations and notifications
 * (core/lwm2m/observe.c, with the engine's hook for responses that match no
 * exchange) and the Send resource /dp (send.c), on the rig of
 * tests/unit/ops_harness.c: the device's notifications and Sends are
 * datagrams built here, the server's answers the datagrams it sent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "lwm2m/error.h"
#include "lwm2m/observe.h"
#include "ops_harness.h"

TestSuite(observe, .init = oh_start, .fini = oh_stop, .timeout = 30);
TestSuite(send, .init = oh_start, .fini = oh_stop, .timeout = 30);

static const char LINKS_11[] = "</>;rt=\"oma.lwm2m\";ct=110,</3/0>,</3303/0>";
static char reg_id[LW_REG_ID_LEN + 1];

static void reg11(void)
{
	const char *q[] = {"lwm2m=1.1", NULL};
	oh_register(OH_PORT_A, "obs", q, LINKS_11, reg_id);
}

static void assert_has(const char *hay, const char *needle)
{
	cr_assert_not_null(strstr(hay, needle), "\"%s\" lacks \"%s\"", hay, needle);
}

/* A SenML JSON payload with one float value at path. */
static size_t temp_payload(const char *path, double v, uint8_t *out, size_t cap)
{
	lw_records r;
	lw_records_init(&r);
	lw_record *rec = lw_records_add(&r);
	rec->path = oh_path(path);
	rec->type = LW_TYPE_FLOAT;
	rec->v.f = v;
	size_t n = oh_encode(LW_CF_SENML_JSON, &LW_PATH_ROOT, &r, out, cap);
	lw_records_free(&r);
	return n;
}

static uint64_t submit1(int kind, const char *path)
{
	lw_path p = oh_path(path);
	struct lw_op_request req = {.endpoint = "obs", .kind = kind, .paths = &p, .n_paths = 1,
	                            .format = -1};
	uint64_t id;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, &id), 0);
	return id;
}

/* Observes /3303/0/5700, answers with seq 5 and 20.5; returns the request. */
static void observe_temp(struct lw_coap_msg *req, uint8_t *store, size_t cap)
{
	submit1(LW_OP_OBSERVE, "/3303/0/5700");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	char uri[64];
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5700");
	cr_assert_eq(m.code, LW_COAP_GET);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 0);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_JSON);
	/* Keep the request (its token) beyond the capture's next datagrams. */
	cr_assert_leq(oh_sent[oh_n_sent - 1].len, cap);
	memcpy(store, oh_sent[oh_n_sent - 1].buf, oh_sent[oh_n_sent - 1].len);
	cr_assert_eq(lw_coap_parse(req, store, oh_sent[oh_n_sent - 1].len), 0);
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.5, pl, sizeof(pl));
	oh_answer(OH_PORT_A, req, LW_COAP_CONTENT, LW_CF_SENML_JSON, 5, NULL, pl, n);
}

Test(observe, first_answer_then_notifications)
{
	reg11();
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, 0);
	cr_assert_eq(oh_results[0].code, LW_COAP_CONTENT);
	assert_has(oh_results[0].records, "\"value\":20.5");
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "obs");
	cr_assert_eq(lw_observe_count(c), 1);
	char *list = lw_observe_list_json(c);
	cr_assert_not_null(list);
	assert_has(list, "\"paths\":[\"/3303/0/5700\"],\"composite\":false,\"format\":110");
	free(list);

	/* A CON notification: ACKed, published. */
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 21.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 1, 0x7001, 6, LW_CF_SENML_JSON, pl, n);
	struct lw_coap_msg ack;
	oh_parse_sent(-1, &ack);
	cr_assert_eq(ack.type, LW_COAP_ACK);
	cr_assert_eq(ack.mid, 0x7001);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 1);
	const struct oh_event *e = oh_event_of(LW_EVENT_NOTIFICATION, 0);
	cr_assert_str_eq(e->ep, "obs");
	assert_has(e->json, "\"path\":\"/3303/0/5700\"");
	assert_has(e->json, "\"seq\":6");
	assert_has(e->json, "\"records\":[{\"path\":\"/3303/0/5700\",\"type\":\"float\","
	                    "\"value\":21");

	/* A NON one with the next number. */
	size_t sent = oh_n_sent;
	n = temp_payload("/3303/0/5700", 22.25, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 0, 0x7002, 7, LW_CF_SENML_JSON, pl, n);
	cr_assert_eq(oh_n_sent, sent, "a NON notification gets no answer");
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 2);
	assert_has(oh_event_of(LW_EVENT_NOTIFICATION, 1)->json, "\"value\":22.25");

	/* The same NON again (a network duplicate: same message id and number):
	 * the engine keeps no copy of NON responses, the Observe number tells;
	 * no second event, and no RST that would end the observation. */
	oh_notify(OH_PORT_A, &req, 0, 0x7002, 7, LW_CF_SENML_JSON, pl, n);
	cr_assert_eq(oh_n_sent, sent, "a duplicate NON notification gets no answer");
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 2);
	cr_assert_eq(lw_observe_count(c), 1);

	/* One that arrives late (older number): dropped, yet ACKed. */
	n = temp_payload("/3303/0/5700", 99.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 1, 0x7003, 6, LW_CF_SENML_JSON, pl, n);
	oh_parse_sent(-1, &ack);
	cr_assert_eq(ack.type, LW_COAP_ACK);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 2);

	/* After 128 s any number is news again (RFC 7641 3.4). */
	oh_advance(129000);
	oh_notify(OH_PORT_A, &req, 0, 0x7004, 3, LW_CF_SENML_JSON, pl, n);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 3);
	assert_has(oh_event_of(LW_EVENT_NOTIFICATION, 2)->json, "\"seq\":3");
}

Test(observe, sequence_rule)
{
	cr_assert(lw_observe_is_fresh(5, 0, 6, 0));
	cr_assert_not(lw_observe_is_fresh(6, 0, 5, 0));
	cr_assert_not(lw_observe_is_fresh(6, 0, 6, 0));
	/* Wrap-around: 2^24 - 1 is older than 1. */
	cr_assert(lw_observe_is_fresh(0xffffff, 0, 1, 0));
	cr_assert_not(lw_observe_is_fresh(1, 0, 0xffffff, 0));
	cr_assert(lw_observe_is_fresh(6, 0, 5, 128001));
	cr_assert_not(lw_observe_is_fresh(6, 0, 5, 128000));
}

Test(observe, reactive_cancel)
{
	reg11();
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	uint64_t id = submit1(LW_OP_CANCEL_OBSERVE, "/3303/0/5700");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.code, LW_COAP_GET);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 1);
	cr_assert_eq(m.token_len, req.token_len);
	cr_assert(memcmp(m.token, req.token, req.token_len) == 0, "the observation's token");
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.0, pl, sizeof(pl));
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, -1, NULL, pl, n);
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[1].id, id);
	cr_assert_eq(oh_results[1].code, LW_COAP_CONTENT);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "obs");
	cr_assert_eq(lw_observe_count(c), 0);
	cr_assert_null(c->ops, "nothing left for the client");

	/* A notification still on its way gets RST. */
	oh_notify(OH_PORT_A, &req, 1, 0x7101, 9, LW_CF_SENML_JSON, pl, n);
	struct lw_coap_msg rst;
	oh_parse_sent(-1, &rst);
	cr_assert_eq(rst.type, LW_COAP_RST);
	cr_assert_eq(rst.mid, 0x7101);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 0);
}

Test(observe, passive_cancel)
{
	reg11();
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	lw_path p = oh_path("/3303/0/5700");
	cr_assert_eq(lw_observe_forget(&oh_ops, "obs", &p), 0);
	cr_assert_eq(lw_observe_forget(&oh_ops, "obs", &p), LW_ENOENT);
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 0, 0x7201, 6, LW_CF_SENML_JSON, pl, n);
	struct lw_coap_msg rst;
	oh_parse_sent(-1, &rst);
	cr_assert_eq(rst.type, LW_COAP_RST, "a NON notification of a forgotten token gets RST");
	cr_assert_eq(rst.mid, 0x7201);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 0);
}

Test(observe, error_notification_ends_it)
{
	reg11();
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	/* 4.04 with the token and no Observe: the resource went away. */
	uint8_t wire[64];
	struct lw_coap_builder b;
	lw_coap_build_start(&b, wire, sizeof(wire), LW_COAP_CON, LW_COAP_NOT_FOUND, 0x7301,
	                    req.token, req.token_len);
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	oh_input(OH_PORT_A, wire, len);
	struct lw_coap_msg ack;
	oh_parse_sent(-1, &ack);
	cr_assert_eq(ack.type, LW_COAP_ACK);
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "obs")), 0);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 1);
	assert_has(oh_event_of(LW_EVENT_NOTIFICATION, 0)->json, "\"status\":\"4.04\"");
}

Test(observe, answer_without_observe_keeps_nothing)
{
	reg11();
	submit1(LW_OP_OBSERVE, "/3/0/9");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "40", 2);
	cr_assert_eq(oh_results[0].status, 0);
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "obs")), 0);
}

Test(observe, update_keeps_reregistration_drops)
{
	reg11();
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	oh_update(OH_PORT_A, reg_id);
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "obs")), 1);
	reg11();
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "obs");
	cr_assert_eq(lw_observe_count(c), 0);
	cr_assert_null(c->ops);
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 1, 0x7401, 8, LW_CF_SENML_JSON, pl, n);
	struct lw_coap_msg rst;
	oh_parse_sent(-1, &rst);
	cr_assert_eq(rst.type, LW_COAP_RST);
}

Test(observe, notification_wakes_a_queue_mode_client)
{
	const char *q[] = {"lwm2m=1.1", "b=U", "Q", NULL};
	oh_register(OH_PORT_A, "obs", q, LINKS_11, reg_id);
	uint8_t store[256];
	struct lw_coap_msg req;
	observe_temp(&req, store, sizeof(store));
	oh_advance((LW_OP_AWAKE_S + 1) * 1000);
	size_t sent = oh_n_sent;
	submit1(LW_OP_READ, "/3/0/9");
	cr_assert_eq(oh_n_sent, sent, "asleep");
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &req, 0, 0x7501, 6, LW_CF_SENML_JSON, pl, n);
	oh_advance(0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	char uri[32];
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3/0/9");
	cr_assert_eq(m.code, LW_COAP_GET);
}

Test(observe, composite)
{
	reg11();
	lw_path ps[2] = {oh_path("/3/0/9"), oh_path("/3303/0/5700")};
	struct lw_op_request r = {.endpoint = "obs", .kind = LW_OP_OBSERVE_COMPOSITE, .paths = ps,
	                          .n_paths = 2, .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &r, oh_result_cb, NULL, NULL), 0);
	static uint8_t store[512];
	struct lw_coap_msg req;
	memcpy(store, oh_sent[oh_n_sent - 1].buf, oh_sent[oh_n_sent - 1].len);
	cr_assert_eq(lw_coap_parse(&req, store, oh_sent[oh_n_sent - 1].len), 0);
	cr_assert_eq(req.code, LW_COAP_FETCH);
	cr_assert_eq(oh_opt(&req, LW_COAP_OPT_OBSERVE), 0);
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 20.0, pl, sizeof(pl));
	oh_answer(OH_PORT_A, &req, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, pl, n);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "obs");
	cr_assert_eq(lw_observe_count(c), 1);
	oh_notify(OH_PORT_A, &req, 0, 0x7601, 2, LW_CF_SENML_JSON, pl, n);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), 1);
	assert_has(oh_event_of(LW_EVENT_NOTIFICATION, 0)->json,
	           "\"paths\":[\"/3/0/9\",\"/3303/0/5700\"]");
	r.kind = LW_OP_CANCEL_OBSERVE_COMPOSITE;
	cr_assert_eq(lw_ops_submit(&oh_ops, &r, oh_result_cb, NULL, NULL), 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.code, LW_COAP_FETCH);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 1);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, -1, NULL, pl, n);
	cr_assert_eq(lw_observe_count(c), 0);
}

/* ---- Send ---- */

static void post_dp(uint16_t port, int cf, const void *payload, size_t len,
                    struct lw_coap_msg *ans)
{
	uint8_t wire[512];
	struct lw_coap_builder b;
	static uint16_t mid = 0x9000;
	uint8_t tok[2] = {0x5e, (uint8_t)mid};
	lw_coap_build_start(&b, wire, sizeof(wire), LW_COAP_CON, LW_COAP_POST, mid++, tok, 2);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, "/dp");
	if (cf >= 0)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	lw_coap_build_payload(&b, payload, len);
	size_t n;
	cr_assert_eq(lw_coap_build_end(&b, &n), 0);
	oh_input(port, wire, n);
	oh_parse_sent(-1, ans);
	cr_assert_eq(ans->type, LW_COAP_ACK);
}

Test(send, registered_client_reports)
{
	reg11();
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 18.5, pl, sizeof(pl));
	struct lw_coap_msg ans;
	post_dp(OH_PORT_A, LW_CF_SENML_JSON, pl, n, &ans);
	cr_assert_eq(ans.code, LW_COAP_CHANGED);
	cr_assert_eq(oh_count_events(LW_EVENT_SEND), 1);
	const struct oh_event *e = oh_event_of(LW_EVENT_SEND, 0);
	cr_assert_str_eq(e->ep, "obs");
	assert_has(e->json, "\"records\":[{\"path\":\"/3303/0/5700\",\"type\":\"float\","
	                    "\"value\":18.5}]");
}

Test(send, errors)
{
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 18.5, pl, sizeof(pl));
	struct lw_coap_msg ans;
	post_dp(OH_PORT_B, LW_CF_SENML_JSON, pl, n, &ans);
	cr_assert_eq(ans.code, LW_COAP_NOT_FOUND, "an unregistered sender is refused");

	reg11();
	post_dp(OH_PORT_A, LW_CF_SENML_JSON, "[{\"n\":", 6, &ans);
	cr_assert_eq(ans.code, LW_COAP_BAD_REQUEST);
	post_dp(OH_PORT_A, LW_CF_TEXT, "12", 2, &ans);
	cr_assert_eq(ans.code, LW_COAP_UNSUPPORTED_CONTENT_FORMAT);
	post_dp(OH_PORT_A, -1, pl, n, &ans);
	cr_assert_eq(ans.code, LW_COAP_BAD_REQUEST);
	cr_assert_eq(oh_count_events(LW_EVENT_SEND), 0);
}

/* The engine's side: a request with the caller's token needs one. */
static void never(void *arg, int status, const struct lw_coap_msg *resp)
{
	(void)arg;
	(void)status;
	(void)resp;
	cr_assert_fail("no callback expected");
}

Test(observe, request_token_needs_a_token)
{
	reg11();
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "obs");
	struct lw_coap_msg m;
	memset(&m, 0, sizeof(m));
	m.type = LW_COAP_CON;
	m.code = LW_COAP_GET;
	cr_assert_eq(lw_coap_request_token(&oh_eng, c->peer, &m, 1000, never, NULL, NULL),
	             LW_EINVAL);
	m.type = LW_COAP_ACK;
	m.token_len = 2;
	cr_assert_eq(lw_coap_request_token(&oh_eng, c->peer, &m, 1000, never, NULL, NULL),
	             LW_EINVAL);
	/* With a token, it goes out with exactly that token. */
	m.type = LW_COAP_CON;
	m.token[0] = 0xbe;
	m.token[1] = 0xef;
	struct lw_coap_exchange *x = NULL;
	cr_assert_eq(lw_coap_request_token(&oh_eng, c->peer, &m, 1000, never, NULL, &x), 0);
	struct lw_coap_msg sent;
	oh_parse_sent(-1, &sent);
	cr_assert_eq(sent.token_len, 2);
	cr_assert_eq(sent.token[0], 0xbe);
	cr_assert_eq(sent.token[1], 0xef);
	lw_coap_cancel(&oh_eng, x);
}
