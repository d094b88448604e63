/*
 * tests/unit/test_server_ops.c: what core/lwm2m/ops.c and observe.c do
 * beyond single operations: observations re-established after a new
 * Register of the same endpoint (lw_operations.reobserve), and the metric
 * counters (struct lw_op_stats), and the [server] reobserve_on_register key
 * that turns the former on and off. The device is played by hand on the rig of
 * tests/unit/ops_harness.c (real engine on a fake clock, real registry, bus
 * and codecs), so every request the server sends is checked on the wire.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "events.h"
#include "lwm2m/error.h"
#include "lwm2m/observe.h"
#include "ops_harness.h"

static void start_reobserve(void)
{
	oh_start();
	oh_ops.reobserve = 1;
}

TestSuite(reobserve, .init = start_reobserve, .fini = oh_stop, .timeout = 30);
TestSuite(opstats, .init = oh_start, .fini = oh_stop, .timeout = 30);

static const char LINKS[] = "</>;rt=\"oma.lwm2m\";ct=110,</3/0>,</3303/0>";
static const char LINKS_NO_3303[] = "</>;rt=\"oma.lwm2m\";ct=110,</3/0>";
static char reg_id[LW_REG_ID_LEN + 1];

static void reg(const char *links, int queue)
{
	const char *q[] = {"lwm2m=1.1", queue ? "b=UQ" : NULL, NULL};
	oh_register(OH_PORT_A, "dev", q, links, reg_id);
}

static void assert_has(const char *hay, const char *needle)
{
	cr_assert_not_null(strstr(hay, needle), "\"%s\" lacks \"%s\"", hay, needle);
}

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

static uint64_t submit_paths(int kind, const lw_path *p, size_t n, int format)
{
	struct lw_op_request req = {.endpoint = "dev", .kind = kind, .paths = p, .n_paths = n,
	                            .format = format, .timeout_ms = 5000};
	uint64_t id = 0;
	cr_assert_eq(lw_ops_submit(&oh_ops, &req, oh_result_cb, NULL, &id), 0);
	return id;
}

/* Copies the last sent datagram into store and parses it (the capture's
 * buffer is reused by the next send). */
static void keep_last(struct lw_coap_msg *m, uint8_t *store, size_t cap)
{
	const struct oh_dgram *g = &oh_sent[oh_n_sent - 1];
	cr_assert_leq(g->len, cap);
	memcpy(store, g->buf, g->len);
	cr_assert_eq(lw_coap_parse(m, store, g->len), 0);
}

/* Observes path (format override or -1) and accepts it with seq 3. */
static uint64_t observe(const char *path, int format, struct lw_coap_msg *req, uint8_t *store,
                        size_t cap)
{
	lw_path p = oh_path(path);
	uint64_t id = submit_paths(LW_OP_OBSERVE, &p, 1, format);
	keep_last(req, store, cap);
	cr_assert_eq(oh_opt(req, LW_COAP_OPT_OBSERVE), 0);
	uint8_t pl[128];
	size_t n = temp_payload(path, 20.5, pl, sizeof(pl));
	oh_answer(OH_PORT_A, req, LW_COAP_CONTENT, LW_CF_SENML_JSON, 3, NULL, pl, n);
	return id;
}

static const struct oh_event *last_event(int kind)
{
	size_t n = oh_count_events(kind);
	cr_assert_gt(n, 0);
	return oh_event_of(kind, n - 1);
}

Test(reobserve, new_register_observes_again_with_a_new_token)
{
	reg(LINKS, 0);
	uint8_t s1[256], s2[256];
	struct lw_coap_msg old_req, new_req;
	uint64_t old_id = observe("/3303/0/5700", -1, &old_req, s1, sizeof(s1));
	oh_update(OH_PORT_A, reg_id);
	size_t sent = oh_n_sent;
	reg(LINKS, 0);
	/* The Register's answer goes first; the Observe follows at once. */
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.code, LW_COAP_CREATED);
	cr_assert_eq(oh_n_sent, sent + 1, "nothing before the 2.01");
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent + 2);
	keep_last(&new_req, s2, sizeof(s2));
	char uri[64];
	oh_uri(&new_req, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5700");
	cr_assert_eq(new_req.code, LW_COAP_GET);
	cr_assert_eq(oh_opt(&new_req, LW_COAP_OPT_OBSERVE), 0);
	cr_assert_eq(oh_opt(&new_req, LW_COAP_OPT_ACCEPT), LW_CF_SENML_JSON);
	cr_assert(new_req.token_len != old_req.token_len ||
	          memcmp(new_req.token, old_req.token, old_req.token_len) != 0,
	          "the re-issued Observe has a new token");
	cr_assert_eq(oh_ops.stats.reobserved, 1);

	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 21.0, pl, sizeof(pl));
	oh_answer(OH_PORT_A, &new_req, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, pl, n);
	const struct oh_event *e = last_event(LW_EVENT_OPERATION);
	char want[64];
	snprintf(want, sizeof(want), "\"replaces\":%llu", (unsigned long long)old_id);
	assert_has(e->json, want);
	assert_has(e->json, "\"kind\":\"observe\"");
	assert_has(e->json, "\"status\":\"2.05\"");

	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev");
	cr_assert_eq(lw_observe_count(c), 1);
	char *list = lw_observe_list_json(c);
	assert_has(list, want);
	assert_has(list, "\"/3303/0/5700\"");
	free(list);

	/* Notifications of the new token flow and carry the link too. */
	size_t notes = oh_count_events(LW_EVENT_NOTIFICATION);
	n = temp_payload("/3303/0/5700", 22.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &new_req, 0, 0x7101, 2, LW_CF_SENML_JSON, pl, n);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), notes + 1);
	assert_has(last_event(LW_EVENT_NOTIFICATION)->json, want);
	/* The old token is dead: RST. */
	oh_notify(OH_PORT_A, &old_req, 1, 0x7102, 9, LW_CF_SENML_JSON, pl, n);
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.type, LW_COAP_RST);
	cr_assert_eq(oh_count_events(LW_EVENT_NOTIFICATION), notes + 1);
}

Test(reobserve, keeps_the_requested_format_and_order)
{
	reg(LINKS, 0);
	uint8_t s1[256], s2[256];
	struct lw_coap_msg r1, r2;
	observe("/3303/0/5700", LW_CF_SENML_CBOR, &r1, s1, sizeof(s1));
	observe("/3303/0/5601", -1, &r2, s2, sizeof(s2));
	reg(LINKS, 0);
	size_t sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent + 1, "one in flight at a time");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	char uri[64];
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5700", "the oldest observation first");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_CBOR);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, NULL, 0);
	oh_parse_sent(-1, &m);
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5601");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_ACCEPT), LW_CF_SENML_JSON);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, NULL, 0);
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "dev")), 2);
	cr_assert_eq(oh_ops.stats.reobserved, 2);
}

Test(reobserve, object_gone_is_skipped_and_composite_shrinks)
{
	reg(LINKS, 0);
	uint8_t s1[256], s2[512];
	struct lw_coap_msg r1, r2;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	lw_path ps[2] = {oh_path("/3/0/9"), oh_path("/3303/0/5700")};
	uint64_t comp = submit_paths(LW_OP_OBSERVE_COMPOSITE, ps, 2, -1);
	keep_last(&r2, s2, sizeof(s2));
	oh_answer(OH_PORT_A, &r2, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, NULL, 0);
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "dev")), 2);

	reg(LINKS_NO_3303, 0);
	size_t sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent + 1, "only the composite goes out again");
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(m.code, LW_COAP_FETCH);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 0);
	/* The body names /3/0/9 alone. */
	cr_assert_not_null(memmem(m.payload, m.payload_len, "/3/0/9", 6));
	cr_assert_null(memmem(m.payload, m.payload_len, "3303", 4));
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, NULL, 0);
	cr_assert_eq(oh_ops.stats.reobserved, 1);
	cr_assert_eq(oh_ops.stats.reobserve_skipped, 1);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev");
	char *list = lw_observe_list_json(c);
	char want[64];
	snprintf(want, sizeof(want), "\"replaces\":%llu", (unsigned long long)comp);
	assert_has(list, want);
	assert_has(list, "\"composite\":true");
	free(list);

	/* Nothing observable left at all: no state stays behind. */
	lw_path p9 = oh_path("/3/0/9");
	struct lw_op_request cancel = {.endpoint = "dev", .kind = LW_OP_CANCEL_OBSERVE_COMPOSITE,
	                               .paths = &p9, .n_paths = 1, .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &cancel, oh_result_cb, NULL, NULL), 0);
	oh_parse_sent(-1, &m);
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, -1, NULL, NULL, 0);
	cr_assert_eq(lw_observe_count(c), 0);
	cr_assert_null(c->ops);
	reg("</>;rt=\"oma.lwm2m\";ct=110,</1/0>", 0);
	cr_assert_null(lw_registry_find_ep(&oh_reg, "dev")->ops);
}

Test(reobserve, all_objects_gone_leaves_no_state)
{
	reg(LINKS, 0);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	reg(LINKS_NO_3303, 0);
	size_t sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev");
	cr_assert_null(c->ops);
	cr_assert_eq(oh_ops.stats.reobserve_skipped, 1);
	cr_assert_eq(oh_ops.stats.pending, 0);
}

Test(reobserve, off_drops_them)
{
	oh_ops.reobserve = 0;
	reg(LINKS, 0);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	reg(LINKS, 0);
	size_t sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev");
	cr_assert_eq(lw_observe_count(c), 0);
	cr_assert_null(c->ops);
}

Test(reobserve, update_and_deregistration_do_not)
{
	reg(LINKS, 0);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	size_t sent = oh_n_sent;
	oh_update(OH_PORT_A, reg_id);
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent + 1, "the Update's answer only");
	cr_assert_eq(lw_observe_count(lw_registry_find_ep(&oh_reg, "dev")), 1);
	oh_deregister(OH_PORT_A, reg_id);
	reg(LINKS, 0);
	sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent, "a de-registered client's observations are gone");
	cr_assert_eq(oh_ops.stats.reobserved, 0);
}

Test(reobserve, queue_mode_goes_through_the_queue)
{
	reg(LINKS, 1);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	/* Asleep long enough that only the new Register wakes it. */
	oh_advance(200000);
	reg(LINKS, 1);
	struct lw_client *c = lw_registry_find_ep(&oh_reg, "dev");
	cr_assert_eq(lw_ops_pending(c), 1, "the Observe waits in the client's queue");
	size_t sent = oh_n_sent;
	oh_advance(0);
	cr_assert_eq(oh_n_sent, sent + 1);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 0);
}

Test(reobserve, waiting_operations_keep_their_place)
{
	reg(LINKS, 0);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	/* A read in flight (cancelled by the new Register) and one waiting
	 * (moved): the waiting one goes out before the re-issued Observe. */
	lw_path p = oh_path("/3/0/0");
	submit_paths(LW_OP_READ, &p, 1, -1);
	p = oh_path("/3/0/1");
	submit_paths(LW_OP_READ, &p, 1, -1);
	reg(LINKS, 0);
	oh_advance(0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	char uri[64];
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3/0/1");
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "x", 1);
	oh_parse_sent(-1, &m);
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5700");
	cr_assert_eq(oh_opt(&m, LW_COAP_OPT_OBSERVE), 0);
}

Test(reobserve, a_waiting_cancel_is_honoured)
{
	reg(LINKS, 0);
	uint8_t s1[256], s2[256];
	struct lw_coap_msg r1, r2;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	observe("/3303/0/5601", -1, &r2, s2, sizeof(s2));
	/* A read in flight holds the queue; the cancel of 5700 waits. */
	lw_path p = oh_path("/3/0/0");
	submit_paths(LW_OP_READ, &p, 1, -1);
	p = oh_path("/3303/0/5700");
	submit_paths(LW_OP_CANCEL_OBSERVE, &p, 1, -1);
	reg(LINKS, 0);
	oh_advance(0);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	char uri[64];
	oh_uri(&m, uri, sizeof(uri), 0);
	cr_assert_str_eq(uri, "/3303/0/5601", "only the observation not cancelled comes back");
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_SENML_JSON, 1, NULL, NULL, 0);
	cr_assert_eq(oh_ops.stats.reobserved, 1);
	cr_assert_eq(lw_ops_pending(lw_registry_find_ep(&oh_reg, "dev")), 0);
}

/* ---- metrics ---- */

static unsigned long long stat_of(int kind, const char *status)
{
	for (size_t i = 0; i < LW_OPSTAT_SLOTS; i++) {
		const struct lw_opstat *e = &oh_ops.stats.by_status[i];
		char b[5];
		if (e->n && e->kind == kind && strcmp(lw_op_stat_status(e->status, b), status) == 0)
			return e->n;
	}
	return 0;
}

Test(opstats, status_names)
{
	char b[5];
	cr_assert_str_eq(lw_op_status_text(0, LW_COAP_CONTENT, b), "2.05");
	cr_assert_str_eq(lw_op_status_text(0, LW_COAP_NOT_FOUND, b), "4.04");
	cr_assert_str_eq(lw_op_status_text(LW_ETIMEDOUT, 0, b), "timeout");
	cr_assert_str_eq(lw_op_status_text(LW_ECANCELED, 0, b), "cancelled");
	cr_assert_str_eq(lw_op_status_text(LW_ENOSPC, 0, b), "queue-full");
	cr_assert_str_eq(lw_op_status_text(LW_ENOENT, 0, b), "not-registered");
	cr_assert_str_eq(lw_op_status_text(LW_ENOTSUP, 0, b), "unsupported-format");
	cr_assert_str_eq(lw_op_status_text(LW_EPROTO, 0, b), "reset");
	cr_assert_str_eq(lw_op_status_text(LW_EINVAL, 0, b), "bad-request");
	cr_assert_str_eq(lw_op_status_text(LW_EINVAL, LW_COAP_CONTENT, b), "bad-answer");
	cr_assert_str_eq(lw_op_status_text(LW_ENOMEM, 0, b), "error");
}

Test(opstats, counts_by_kind_status_and_duration)
{
	reg(LINKS, 0);
	lw_path p = oh_path("/3/0/0");
	submit_paths(LW_OP_READ, &p, 1, -1);
	cr_assert_eq(oh_ops.stats.pending, 1);
	struct lw_coap_msg m;
	oh_parse_sent(-1, &m);
	oh_advance(3); /* 3 ms: the 0.005 bucket */
	oh_answer(OH_PORT_A, &m, LW_COAP_CONTENT, LW_CF_TEXT, -1, NULL, "x", 1);
	cr_assert_eq(oh_ops.stats.pending, 0);
	p = oh_path("/3/0/77");
	submit_paths(LW_OP_READ, &p, 1, -1);
	oh_parse_sent(-1, &m);
	oh_advance(700); /* the 1 s bucket */
	oh_answer(OH_PORT_A, &m, LW_COAP_NOT_FOUND, -1, -1, NULL, NULL, 0);
	p = oh_path("/3/0/1");
	submit_paths(LW_OP_READ, &p, 1, -1);
	oh_advance(6000); /* never answered: its 5 s timeout */
	p = oh_path("/3303/0");
	struct lw_op_request bad = {.endpoint = "nobody", .kind = LW_OP_DELETE, .paths = &p,
	                            .n_paths = 1, .format = -1};
	cr_assert_eq(lw_ops_submit(&oh_ops, &bad, NULL, NULL, NULL), LW_ENOENT);

	cr_assert_eq(stat_of(LW_OP_READ, "2.05"), 1);
	cr_assert_eq(stat_of(LW_OP_READ, "4.04"), 1);
	cr_assert_eq(stat_of(LW_OP_READ, "timeout"), 1);
	cr_assert_eq(stat_of(LW_OP_DELETE, "not-registered"), 1);
	cr_assert_eq(stat_of(LW_OP_WRITE, "2.04"), 0);
	cr_assert_eq(oh_ops.stats.by_status_lost, 0);
	const unsigned long long *b = oh_ops.stats.dur_bucket[LW_OP_READ];
	cr_assert_eq(lw_op_duration_le_ms[1], 5);
	cr_assert_eq(b[1], 1, "3 ms in (1, 5] ms");
	cr_assert_eq(lw_op_duration_le_ms[8], 1000);
	cr_assert_eq(b[8], 1, "700 ms in (500, 1000] ms");
	cr_assert_eq(lw_op_duration_le_ms[10], 5000);
	cr_assert_eq(b[10], 1, "the timeout, 5 s after its submit, in (2.5, 5] s");
	cr_assert_eq(b[0] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7] + b[9] + b[11] + b[12] +
	             b[13] + b[14], 0);
	cr_assert_eq(oh_ops.stats.dur_count[LW_OP_READ], 3);
	cr_assert_eq(oh_ops.stats.dur_sum_ms[LW_OP_READ], 3 + 700 + 5000);
	cr_assert_eq(oh_ops.stats.pending, 0);
}

Test(opstats, notifications_counted)
{
	reg(LINKS, 0);
	uint8_t s1[256];
	struct lw_coap_msg r1;
	observe("/3303/0/5700", -1, &r1, s1, sizeof(s1));
	uint8_t pl[128];
	size_t n = temp_payload("/3303/0/5700", 22.0, pl, sizeof(pl));
	oh_notify(OH_PORT_A, &r1, 0, 0x7201, 4, LW_CF_SENML_JSON, pl, n);
	oh_notify(OH_PORT_A, &r1, 0, 0x7202, 4, LW_CF_SENML_JSON, pl, n); /* stale */
	oh_notify(OH_PORT_A, &r1, 0, 0x7203, 5, LW_CF_SENML_JSON, "garbage", 7);
	cr_assert_eq(oh_ops.stats.notifications, 3);
	cr_assert_eq(oh_ops.stats.notifications_dropped, 2);
	cr_assert_eq(stat_of(LW_OP_OBSERVE, "2.05"), 1);
}

/* ---- the config key ---- */

static int load_text(struct lw_config *cfg, const char *text, char *err, size_t errlen)
{
	char path[] = "/tmp/lw-server-ops-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	lw_config_defaults(cfg);
	int rc = lw_config_load(cfg, path, err, errlen);
	unlink(path);
	return rc;
}

Test(reobserve_config, default_on_and_bool_values)
{
	struct lw_config cfg;
	char err[512] = "";
	lw_config_defaults(&cfg);
	cr_assert_eq(cfg.reobserve_on_register, 1);
	lw_config_free(&cfg);
	cr_assert_eq(load_text(&cfg, "[server]\nreobserve_on_register = off\n", err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(cfg.reobserve_on_register, 0);
	lw_config_free(&cfg);
	cr_assert_eq(load_text(&cfg, "[server]\nreobserve_on_register = YES\n", err, sizeof(err)),
	             0, "%s", err);
	cr_assert_eq(cfg.reobserve_on_register, 1);
	lw_config_free(&cfg);
	cr_assert_eq(load_text(&cfg, "\n[server]\nreobserve_on_register = maybe\n", err,
	                       sizeof(err)), LW_EINVAL);
	cr_assert_not_null(strstr(err, ":3: [server] reobserve_on_register = \"maybe\": "
	                               "expected true or false"), "%s", err);
	lw_config_free(&cfg);
}
