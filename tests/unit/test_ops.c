/*
 * tests/unit/test_ops.c: the operation API and the per-client queue
 * (core/lwm2m/ops.c) and the content-format choice (formats.c), against a
 * real engine, registry and bus (tests/unit/ops_harness.c). Each test plays
 * the device: it registers, reads the request the engine sent, checks its
 * method, path and options, answers with bytes made by the real codecs, and
 * checks the result the callback got and the `operation` event.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "events.h"
#include "lwm2m/error.h"
#include "lwm2m/formats.h"
#include "lwm2m/observe.h"
#include "ops_harness.h"

TestSuite(ops, .init = oh_start, .fini = oh_stop, .timeout = 30);

static const char LINKS_10[] = "</1/0>,</3/0>,</3303/0>";
static const char LINKS_11_CBOR[] = "</>;rt=\"oma.lwm2m\";ct=112,</1/0>,</3/0>,</3303/0>";
static const char LINKS_12[] = "</>;rt=\"oma.lwm2m\";ct=11544,</1/0>,</3/0>,</3303/0>";

static char id_a[LW_REG_ID_LEN + 1];

static void reg10(void)
{
	oh_register(OH_PORT_A, "dev10", NULL, LINKS_10, id_a);
}

static void add_int(lw_records *r, const char *path, int64_t v)
{
	lw_record *rec = lw_records_add(r);
	cr_assert_not_null(rec);
	rec->path = oh_path(path);
	rec->type = LW_TYPE_INTEGER;
	rec->v.i = v;
}

static void add_str(lw_records *r, const char *path, const char *s)
{
	lw_record *rec = lw_records_add(r);
	cr_assert_not_null(rec);
	rec->path = oh_path(path);
	rec->type = LW_TYPE_STRING;
	cr_assert_eq(lw_records_set_bytes(r, rec, s, strlen(s)), 0);
}

static void add_float(lw_records *r, const char *path, double v)
{
	lw_record *rec = lw_records_add(r);
	cr_assert_not_null(rec);
	rec->path = oh_path(path);
	rec->type = LW_TYPE_FLOAT;
	rec->v.f = v;
}

/* Submits one operation on one path; asserts it was accepted. */
static uint64_t submit(const char *ep, int kind, const char *path, const lw_records *recs,
                       int format, uint32_t timeout_ms)
{
	lw_path p = oh_path(path);
	struct lw_op_request req = {
		.endpoint = ep, .kind = kind, .paths = &p, .n_paths = 1, .records = recs,
		.format = format, .timeout_ms = timeout_ms,
	};
	uint64_t id = 0;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, &id), 0);
	cr_assert_gt(id, 0);
	return id;
}

static void assert_uri(const struct lw_coap_msg *m, uint8_t code, const char *uri)
{
	char got[256], c1[5], c2[5];
	oh_uri(m, got, sizeof(got), 1);
	cr_assert_eq(m->type, LW_COAP_CON);
	cr_assert_eq(m->code, code, "method %s, wanted %s", lw_coap_code_str(m->code, c1),
	             lw_coap_code_str(code, c2));
	cr_assert_str_eq(got, uri);
}

/* The last operation event, which must be about id. */
static const struct oh_event *op_event(uint64_t id)
{
	size_t n = oh_count_events(LW_EVENT_OPERATION);
	cr_assert_gt(n, 0, "no operation event");
	const struct oh_event *e = oh_event_of(LW_EVENT_OPERATION, n - 1);
	char want[48];
	snprintf(want, sizeof(want), "\"id\":%llu,", (unsigned long long)id);
	cr_assert_not_null(strstr(e->json, want), "event %s is not about %s", e->json, want);
	return e;
}

static void assert_has(const char *hay, const char *needle)
{
	cr_assert_not_null(strstr(hay, needle), "\"%s\" lacks \"%s\"", hay, needle);
}

/* ---- each operation kind ---- */

Test(ops, read_tlv_of_a_1_0_client)
{
	reg10();
	size_t before = oh_n_sent;
	uint64_t id = submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 0);
	cr_assert_eq(oh_n_sent, before + 1, "a non-queue client gets the request at once");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_TLV);
	cr_assert_eq(m.token_len, 8);

	lw_records recs;
	lw_records_init(&recs);
	add_str(&recs, "/3/0/0", "ACME");
	add_int(&recs, "/3/0/9", 87);
	uint8_t pl[256];
	lw_path base = oh_path("/3/0");
	size_t n = oh_encode(LW_CF_TLV, &base, &recs, pl, sizeof(pl));
	lw_records_free(&recs);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TLV, -1, NULL, pl, n);

	cr_assert_eq(oh_n_results, 1);
	struct oh_result *r = &oh_results[0];
	cr_assert_eq(r->id, id);
	cr_assert_eq(r->status, 0);
	cr_assert_eq(r->code, LW_COAP_CONTENT);
	cr_assert_eq(r->cf, LW_CF_TLV);
	cr_assert_str_eq(r->path, "/3/0");
	assert_has(r->records, "{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"ACME\"}");
	assert_has(r->records, "{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":87}");
	const struct oh_event *e = op_event(id);
	cr_assert_str_eq(e->ep, "dev10");
	assert_has(e->json, "\"kind\":\"read\"");
	assert_has(e->json, "\"path\":\"/3/0\"");
	assert_has(e->json, "\"status\":\"2.05\"");
	assert_has(e->json, "\"records\":[{\"path\":\"/3/0/0\"");
	cr_assert_eq(lw_ops_pending(lw_registry_find_ep(&oh_reg, "dev10")), 0);
	cr_assert_null(lw_registry_find_ep(&oh_reg, "dev10")->ops,
	               "an idle client keeps no operation state");
}

Test(ops, read_single_resource_1_0_text_answer)
{
	reg10();
	submit("dev10", LW_OP_READ, "/3/0/9", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0/9");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), -1, "1.0 single resources: client's choice");
	/* No Content-Format at all: text, as 1.0 clients do. */
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, -1, -1, NULL, "87", 2);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, 0);
	assert_has(oh_results[0].records, "\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":87");
}

Test(ops, read_senml_cbor_of_a_1_1_client_and_override)
{
	char id[LW_REG_ID_LEN + 1];
	const char *q[] = {"lwm2m=1.1", NULL};
	oh_register(OH_PORT_B, "dev11", q, LINKS_11_CBOR, id);
	submit("dev11", LW_OP_READ, "/3303/0", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3303/0");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_CBOR);
	lw_records recs;
	lw_records_init(&recs);
	add_float(&recs, "/3303/0/5700", 23.5);
	uint8_t pl[256];
	size_t n = oh_encode(LW_CF_SENML_CBOR, &LW_PATH_ROOT, &recs, pl, sizeof(pl));
	oh_answer(OH_PORT_B, &m, LW_COAP_CONTENT, LW_CF_SENML_CBOR, -1, NULL, pl, n);
	cr_assert_eq(oh_n_results, 1);
	assert_has(oh_results[0].records,
	           "{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":23.5}");

	/* The operator's format wins over the client's preference. */
	submit("dev11", LW_OP_READ, "/3303/0", NULL, LW_CF_SENML_JSON, 0);
	oh_parse_sent(-1, &m);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_JSON);
	n = oh_encode(LW_CF_SENML_JSON, &LW_PATH_ROOT, &recs, pl, sizeof(pl));
	lw_records_free(&recs);
	oh_answer(OH_PORT_B, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, -1, NULL, pl, n);
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[1].cf, LW_CF_SENML_JSON);
	assert_has(oh_results[1].records, "\"value\":23.5");
}

Test(ops, write_replace_and_update_lwm2m_cbor_1_2)
{
	char id[LW_REG_ID_LEN + 1];
	const char *q[] = {"lwm2m=1.2", NULL};
	oh_register(OH_PORT_C, "dev12", q, LINKS_12, id);
	lw_records recs;
	lw_records_init(&recs);
	add_str(&recs, "/3/0/14", "+02:00");
	uint64_t id1 = submit("dev12", LW_OP_WRITE, "/3/0/14", &recs, -1, 0);
	uint64_t id2 = submit("dev12", LW_OP_WRITE_UPDATE, "/3/0", &recs, -1, 0);
	lw_records_free(&recs);
	cr_assert_neq(id1, id2);

	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_PUT, "/3/0/14");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_LWM2M_CBOR);
	/* The payload reads back as what was written. */
	lw_records back;
	lw_records_init(&back);
	char why[200];
	lw_path base = oh_path("/3/0/14");
	cr_assert_eq(lw_format_decode(NULL, LW_CF_LWM2M_CBOR, &base, m.payload, m.payload_len,
	                              &back, why, sizeof(why)),
	             0, "%s", why);
	cr_assert_eq(back.n, 1);
	cr_assert_eq(back.items[0].type, LW_TYPE_STRING);
	cr_assert_eq(back.items[0].v.s.len, 6);
	cr_assert(memcmp(back.items[0].v.s.data, "+02:00", 6) == 0);
	lw_records_free(&back);
	oh_answer(OH_PORT_C, &m, LW_COAP_CHANGED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].code, LW_COAP_CHANGED);
	assert_has(op_event(id1)->json, "\"kind\":\"write\"");

	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_POST, "/3/0");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_LWM2M_CBOR);
	oh_answer(OH_PORT_C, &m, LW_COAP_CHANGED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[1].id, id2);
	assert_has(op_event(id2)->json, "\"kind\":\"write-update\",\"path\":\"/3/0\","
	                                "\"status\":\"2.04\"");
}

Test(ops, write_single_resource_1_0_as_text)
{
	reg10();
	lw_records recs;
	lw_records_init(&recs);
	add_int(&recs, "/1/0/1", 300);
	submit("dev10", LW_OP_WRITE, "/1/0/1", &recs, -1, 0);
	lw_records_free(&recs);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_PUT, "/1/0/1");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_TEXT);
	cr_assert_eq(m.payload_len, 3);
	cr_assert(memcmp(m.payload, "300", 3) == 0);
}

Test(ops, execute_create_delete)
{
	reg10();
	lw_path p = oh_path("/3/0/4");
	struct lw_op_request req = {.endpoint = "dev10", .kind = LW_OP_EXECUTE, .paths = &p,
	                            .n_paths = 1, .args = "0='now'", .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_POST, "/3/0/4");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_TEXT);
	cr_assert_eq(m.payload_len, 7);
	cr_assert(memcmp(m.payload, "0='now'", 7) == 0);
	oh_answer(OH_PORT_A, &m, LW_COAP_CHANGED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[0].code, LW_COAP_CHANGED);

	lw_records recs;
	lw_records_init(&recs);
	add_float(&recs, "/3303/1/5700", 19.0);
	uint64_t cid = submit("dev10", LW_OP_CREATE, "/3303", &recs, -1, 0);
	lw_records_free(&recs);
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_POST, "/3303");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_TLV);
	cr_assert_gt(m.payload_len, 0);
	oh_answer(OH_PORT_A, &m, LW_COAP_CREATED, -1, -1, "/3303/1", NULL, 0);
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[1].code, LW_COAP_CREATED);
	cr_assert_str_eq(oh_results[1].location, "/3303/1");
	assert_has(op_event(cid)->json, "\"location\":\"/3303/1\"");

	submit("dev10", LW_OP_DELETE, "/3303/1", NULL, -1, 0);
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_DELETE, "/3303/1");
	cr_assert_eq(m.payload_len, 0);
	oh_answer(OH_PORT_A, &m, LW_COAP_DELETED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[2].code, LW_COAP_DELETED);
}

Test(ops, discover_gives_links)
{
	reg10();
	uint64_t id = submit("dev10", LW_OP_DISCOVER, "/3/0", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_LINK);
	const char pl[] = "</3/0>;pmin=10,</3/0/1>,</3/0/6>;dim=2";
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_LINK, -1, NULL, pl, sizeof(pl) - 1);
	cr_assert_eq(oh_results[0].status, 0);
	assert_has(oh_results[0].links, "{\"path\":\"/3/0/6\",\"attributes\":{\"dim\":2}}");
	assert_has(op_event(id)->json, "\"links\":[{\"path\":\"/3/0\"");
}

Test(ops, write_attributes_query)
{
	reg10();
	lw_path p = oh_path("/3303/0/5700");
	struct lw_attrs a = {0};
	a.set = 1u << LW_ATTR_PMIN | 1u << LW_ATTR_PMAX | 1u << LW_ATTR_GT | 1u << LW_ATTR_ST |
	        1u << LW_ATTR_EDGE;
	a.clear = 1u << LW_ATTR_LT;
	a.v[LW_ATTR_PMIN] = 5;
	a.v[LW_ATTR_PMAX] = 60;
	a.v[LW_ATTR_GT] = 30.5;
	a.v[LW_ATTR_ST] = 0.1;
	a.v[LW_ATTR_EDGE] = 1;
	struct lw_op_request req = {.endpoint = "dev10", .kind = LW_OP_WRITE_ATTRS, .paths = &p,
	                            .n_paths = 1, .attrs = &a, .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_PUT, "/3303/0/5700?pmin=5&pmax=60&gt=30.5&lt&st=0.1&edge=1");
	cr_assert_eq(m.payload_len, 0);
	oh_answer(OH_PORT_A, &m, LW_COAP_CHANGED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[0].code, LW_COAP_CHANGED);
}

Test(ops, composite_read_and_write)
{
	char id[LW_REG_ID_LEN + 1];
	const char *q[] = {"lwm2m=1.1", NULL};
	oh_register(OH_PORT_B, "dev11", q, LINKS_11_CBOR, id);
	lw_path ps[2] = {oh_path("/3/0/9"), oh_path("/3303/0/5700")};
	struct lw_op_request req = {.endpoint = "dev11", .kind = LW_OP_READ_COMPOSITE, .paths = ps,
	                            .n_paths = 2, .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_FETCH, "/");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_SENML_CBOR);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_CBOR);
	/* The body names both paths. */
	lw_records names;
	lw_records_init(&names);
	char why[200];
	cr_assert_eq(lw_format_decode(NULL, LW_CF_SENML_CBOR, &LW_PATH_ROOT, m.payload,
	                              m.payload_len, &names, why, sizeof(why)),
	             0, "%s", why);
	cr_assert_eq(names.n, 2);
	cr_assert(lw_path_equal(&names.items[0].path, &ps[0]));
	cr_assert(lw_path_equal(&names.items[1].path, &ps[1]));
	lw_records_free(&names);

	lw_records recs;
	lw_records_init(&recs);
	add_int(&recs, "/3/0/9", 50);
	add_float(&recs, "/3303/0/5700", 21.25);
	uint8_t pl[256];
	size_t n = oh_encode(LW_CF_SENML_CBOR, &LW_PATH_ROOT, &recs, pl, sizeof(pl));
	oh_answer(OH_PORT_B, &m, LW_COAP_CONTENT, LW_CF_SENML_CBOR, -1, NULL, pl, n);
	cr_assert_eq(oh_results[0].status, 0);
	assert_has(oh_results[0].records, "\"value\":50");
	assert_has(oh_results[0].records, "\"value\":21.25");

	req.kind = LW_OP_WRITE_COMPOSITE;
	req.records = &recs;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), 0);
	lw_records_free(&recs);
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_IPATCH, "/");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_CONTENT_FORMAT), LW_CF_SENML_CBOR);
	oh_answer(OH_PORT_B, &m, LW_COAP_CHANGED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[1].code, LW_COAP_CHANGED);
}

Test(ops, alternate_root_path_prefixes_requests)
{
	oh_register(OH_PORT_A, "alt", NULL, "</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/3/0>", id_a);
	submit("alt", LW_OP_READ, "/3/0/9", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/lwm2m/3/0/9");
}

/* ---- errors ---- */

Test(ops, error_answers_are_results)
{
	reg10();
	uint64_t id = submit("dev10", LW_OP_READ, "/5/0", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_NOT_FOUND, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[0].status, 0);
	cr_assert_eq(oh_results[0].code, LW_COAP_NOT_FOUND);
	cr_assert_str_eq(oh_results[0].records, "");
	assert_has(op_event(id)->json, "\"status\":\"4.04\"");

	id = submit("dev10", LW_OP_DELETE, "/3/0", NULL, -1, 0);
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_METHOD_NOT_ALLOWED, -1, -1, NULL, NULL, 0);
	cr_assert_eq(oh_results[1].code, LW_COAP_METHOD_NOT_ALLOWED);
	assert_has(op_event(id)->json, "\"status\":\"4.05\"");

	/* An answer in a format nobody can read is an error of its own. */
	id = submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 0);
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, 9999, -1, NULL, "x", 1);
	cr_assert_eq(oh_results[2].status, LW_ENOTSUP);
	assert_has(op_event(id)->json, "\"status\":\"unsupported-format\"");

	/* Bytes that do not decode. */
	id = submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 0);
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TLV, -1, NULL, "\xff\xff", 2);
	cr_assert_eq(oh_results[3].status, LW_EINVAL);
	cr_assert_eq(oh_results[3].code, LW_COAP_CONTENT);
	assert_has(op_event(id)->json, "\"status\":\"bad-answer\"");
}

Test(ops, unknown_endpoint_and_bad_requests_fail_at_once)
{
	lw_path p = oh_path("/3/0");
	struct lw_op_request req = {.endpoint = "nobody", .kind = LW_OP_READ, .paths = &p,
	                            .n_paths = 1, .format = -1};
	uint64_t id = 0;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, &id), LW_ENOENT);
	cr_assert_eq(oh_n_results, 1, "the callback ran during submit");
	cr_assert_eq(oh_results[0].status, LW_ENOENT);
	cr_assert_eq(oh_results[0].id, id);
	assert_has(op_event(id)->json, "\"status\":\"not-registered\"");

	reg10();
	req.endpoint = "dev10";
	req.kind = LW_OP_DELETE; /* needs an instance */
	p = oh_path("/3");
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), LW_EINVAL);
	req.kind = LW_OP_WRITE; /* needs records */
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), LW_EINVAL);
	req.kind = LW_OP_CANCEL_OBSERVE; /* nothing observed */
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, NULL), LW_ENOENT);
	cr_assert_eq(oh_n_results, 4);
}

Test(ops, timeout_covers_the_wait)
{
	reg10();
	uint64_t id = submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 10000);
	oh_advance(9999);
	cr_assert_eq(oh_n_results, 0);
	oh_advance(1);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, LW_ETIMEDOUT);
	assert_has(op_event(id)->json, "\"status\":\"timeout\"");
	/* A late answer is not taken for anything: no second result, and the
	 * engine has no exchange left to match it. */
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "x", 1);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_null(lw_registry_find_ep(&oh_reg, "dev10")->ops);
}

Test(ops, default_timeout_is_sixty_seconds)
{
	reg10();
	/* Answer the CON with an empty ACK so that only the timeout can end it. */
	submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	uint8_t ack[4] = {0x60, 0, (uint8_t)(m.mid >> 8), (uint8_t)m.mid};
	oh_input(OH_PORT_A, ack, 4);
	oh_advance(LW_OP_DEFAULT_TIMEOUT_MS - 1);
	cr_assert_eq(oh_n_results, 0);
	oh_advance(1);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, LW_ETIMEDOUT);
}

Test(ops, queue_is_bounded)
{
	reg10();
	for (int i = 0; i < LW_OPQ_MAX; i++)
		submit("dev10", LW_OP_READ, "/3/0", NULL, -1, 0);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev10");
	cr_assert_eq(lw_ops_pending(c), LW_OPQ_MAX);
	lw_path p = oh_path("/3/0");
	struct lw_op_request req = {.endpoint = "dev10", .kind = LW_OP_READ, .paths = &p,
	                            .n_paths = 1, .format = -1};
	uint64_t id;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, &id), LW_ENOSPC);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, LW_ENOSPC);
	assert_has(op_event(id)->json, "\"status\":\"queue-full\"");
	cr_assert_eq(lw_ops_pending(c), LW_OPQ_MAX);
}

Test(ops, one_in_flight_in_order)
{
	reg10();
	size_t before = oh_n_sent;
	uint64_t ids[3];
	const char *paths[3] = {"/3/0/0", "/3/0/1", "/3/0/2"};
	for (int i = 0; i < 3; i++)
		ids[i] = submit("dev10", LW_OP_READ, paths[i], NULL, -1, 0);
	cr_assert_eq(oh_n_sent, before + 1, "only the first goes out");
	for (int i = 0; i < 3; i++) {
		struct lw_coap_msg m;
		oh_parse_sent(-1, &m);
		char uri[64];
		oh_uri(&m, uri, sizeof(uri), 0);
		cr_assert_str_eq(uri, paths[i]);
		oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "x", 1);
		cr_assert_eq(oh_n_results, (size_t)i + 1);
		cr_assert_eq(oh_results[i].id, ids[i]);
	}
	cr_assert_eq(oh_n_sent, before + 3);
}

Test(ops, cancel_by_id)
{
	reg10();
	uint64_t a = submit("dev10", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	uint64_t b = submit("dev10", LW_OP_READ, "/3/0/1", NULL, -1, 0);
	cr_assert_eq(lw_ops_cancel(&oh_ops, b), 0);
	cr_assert_eq(oh_results[0].status, LW_ECANCELED);
	cr_assert_eq(oh_results[0].id, b);
	cr_assert_eq(lw_ops_cancel(&oh_ops, b), LW_ENOENT);
	cr_assert_eq(lw_ops_cancel(&oh_ops, a), 0);
	assert_has(op_event(a)->json, "\"status\":\"cancelled\"");
	cr_assert_null(lw_registry_find_ep(&oh_reg, "dev10")->ops);
}

Test(ops, reset_answer_and_detached_callback)
{
	reg10();
	uint64_t a = submit("dev10", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	uint8_t rst[4] = {0x70, 0, (uint8_t)(m.mid >> 8), (uint8_t)m.mid};
	oh_input(OH_PORT_A, rst, 4);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].id, a);
	cr_assert_eq(oh_results[0].status, LW_EPROTO);
	assert_has(op_event(a)->json, "\"status\":\"reset\"");

	/* A detached operation still ends, with its event only. */
	uint64_t b = submit("dev10", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	cr_assert_eq(lw_ops_detach(&oh_ops, b), 0);
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "ACME", 4);
	cr_assert_eq(oh_n_results, 1, "no callback after detach");
	assert_has(op_event(b)->json, "\"value\":\"ACME\"");
	cr_assert_eq(lw_ops_detach(&oh_ops, b), LW_ENOENT);
}

Test(ops, queue_mode_waits_for_an_update)
{
	const char *q[] = {"b=UQ", NULL};
	oh_register(OH_PORT_A, "sleepy", q, LINKS_10, id_a);
	oh_advance((LW_OP_AWAKE_S + 7) * 1000);
	size_t before = oh_n_sent;
	uint64_t id = submit("sleepy", LW_OP_READ, "/3/0", NULL, -1, 0);
	submit("sleepy", LW_OP_READ, "/3/0/9", NULL, -1, 0);
	oh_advance(30000);
	cr_assert_eq(oh_n_sent, before, "nothing goes to a sleeping client");
	oh_update(OH_PORT_A, id_a);
	size_t after_update = oh_n_sent;
	/* The Update's answer goes out first; the request right after. */
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.type, LW_COAP_ACK);
	oh_advance(0);
	cr_assert_eq(oh_n_sent, after_update + 1);
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0");
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "x", 1);
	cr_assert_eq(oh_results[0].id, id);
	/* Still awake: the second goes at once. */
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0/9");
}

Test(ops, queue_mode_timeout_counts_waiting_time)
{
	const char *q[] = {"b=UQ", NULL};
	oh_register(OH_PORT_A, "sleepy", q, LINKS_10, id_a);
	oh_advance((LW_OP_AWAKE_S + 1) * 1000);
	submit("sleepy", LW_OP_READ, "/3/0", NULL, -1, 5000);
	oh_advance(5000);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, LW_ETIMEDOUT);
}

Test(ops, deregistration_cancels_pending)
{
	reg10();
	uint64_t a = submit("dev10", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	uint64_t b = submit("dev10", LW_OP_READ, "/3/0/1", NULL, -1, 0);
	oh_deregister(OH_PORT_A, id_a);
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[0].id, a);
	cr_assert_eq(oh_results[0].status, LW_ECANCELED);
	cr_assert_eq(oh_results[1].id, b);
	cr_assert_eq(oh_results[1].status, LW_ECANCELED);
	assert_has(op_event(b)->json, "\"status\":\"cancelled\"");
}

Test(ops, expiry_cancels_pending)
{
	const char *q[] = {"lt=30", NULL};
	oh_register(OH_PORT_A, "short", q, LINKS_10, id_a);
	submit("short", LW_OP_READ, "/3/0", NULL, -1, 120000);
	oh_advance(31000);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].status, LW_ECANCELED);
	cr_assert_null(lw_registry_find_ep(&oh_reg, "short"));
}

Test(ops, reregistration_keeps_waiting_operations)
{
	const char *q[] = {"b=UQ", NULL};
	oh_register(OH_PORT_A, "sleepy", q, LINKS_10, id_a);
	oh_advance((LW_OP_AWAKE_S + 1) * 1000);
	uint64_t id = submit("sleepy", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	/* The device rebooted and registers again, from a new port. */
	char id2[LW_REG_ID_LEN + 1];
	oh_register(OH_PORT_B, "sleepy", q, LINKS_10, id2);
	oh_advance(0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	assert_uri(&m, LW_COAP_GET, "/3/0/0");
	cr_assert_eq(oh_sent[oh_n_sent - 1].port, OH_PORT_B);
	oh_answer(OH_PORT_B, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "ACME", 4);
	cr_assert_eq(oh_n_results, 1);
	cr_assert_eq(oh_results[0].id, id);
	cr_assert_eq(oh_results[0].status, 0, "%s", oh_results[0].message);
	cr_assert_str_eq(oh_results[0].records,
	                 "[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"ACME\"}]");
}

Test(ops, shutdown_cancels_everything)
{
	reg10();
	submit("dev10", LW_OP_READ, "/3/0/0", NULL, -1, 0);
	submit("dev10", LW_OP_READ, "/3/0/1", NULL, -1, 0);
	oh_stop();
	cr_assert_eq(oh_n_results, 2);
	cr_assert_eq(oh_results[0].status, LW_ECANCELED);
	cr_assert_eq(oh_results[1].status, LW_ECANCELED);
}

/* ---- the content-format choice ---- */

static struct lw_client *fake_client(uint8_t minor, uint16_t ct)
{
	static struct lw_client c;
	memset(&c, 0, sizeof(c));
	c.ver_major = 1;
	c.ver_minor = minor;
	c.objects.ct = ct;
	return &c;
}

Test(formats, choice_table)
{
	lw_path obj = oh_path("/3/0"), res = oh_path("/3/0/9"), root = LW_PATH_ROOT;
	const struct {
		uint8_t minor;
		uint16_t ct;
		int use;
		const lw_path *p;
		int type, override, want;
	} rows[] = {
		{0, LW_REG_NO_CT, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_TLV},
		{0, LW_REG_NO_CT, LW_FMT_READ, &res, LW_TYPE_INTEGER, -1, LW_FMT_NONE},
		{0, LW_REG_NO_CT, LW_FMT_WRITE, &res, LW_TYPE_INTEGER, -1, LW_CF_TEXT},
		{0, LW_REG_NO_CT, LW_FMT_WRITE, &res, LW_TYPE_OPAQUE, -1, LW_CF_OPAQUE},
		{0, LW_REG_NO_CT, LW_FMT_WRITE, &obj, LW_TYPE_NONE, -1, LW_CF_TLV},
		{0, LW_CF_TLV_LEGACY, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_TLV_LEGACY},
		{0, LW_CF_SENML_CBOR, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_TLV},
		{1, LW_CF_SENML_CBOR, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_SENML_CBOR},
		{1, LW_CF_SENML_CBOR, LW_FMT_WRITE, &res, LW_TYPE_INTEGER, -1, LW_CF_SENML_CBOR},
		{1, LW_CF_SENML_JSON, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_SENML_JSON},
		{1, LW_REG_NO_CT, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_TLV},
		{1, LW_CF_LWM2M_CBOR, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_TLV},
		{2, LW_CF_LWM2M_CBOR, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_LWM2M_CBOR},
		{2, LW_CF_SENML_CBOR, LW_FMT_READ, &obj, LW_TYPE_NONE, -1, LW_CF_SENML_CBOR},
		{1, LW_REG_NO_CT, LW_FMT_COMPOSITE, &root, LW_TYPE_NONE, -1, LW_CF_SENML_JSON},
		{1, LW_CF_SENML_CBOR, LW_FMT_COMPOSITE, &root, LW_TYPE_NONE, -1, LW_CF_SENML_CBOR},
		{2, LW_CF_LWM2M_CBOR, LW_FMT_COMPOSITE, &root, LW_TYPE_NONE, -1, LW_CF_LWM2M_CBOR},
		{0, LW_REG_NO_CT, LW_FMT_READ, &obj, LW_TYPE_NONE, LW_CF_SENML_JSON,
		 LW_CF_SENML_JSON},
		{2, LW_CF_LWM2M_CBOR, LW_FMT_WRITE, &res, LW_TYPE_NONE, LW_CF_TEXT, LW_CF_TEXT},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct lw_client *c = fake_client(rows[i].minor, rows[i].ct);
		int got = lw_format_choose(c, rows[i].use, rows[i].p, rows[i].type,
		                           rows[i].override);
		cr_assert_eq(got, rows[i].want, "row %zu: got %d, wanted %d", i, got, rows[i].want);
	}
}
