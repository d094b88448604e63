/*
 * tests/unit/ops_harness.c: the shared rig of the operation tests (see
 * ops_harness.h).
 */
#include "ops_harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/peer.h"
#include "events.h"
#include "helpers.h"
#include "lwm2m/codecs.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registration.h"
#include "lwm2m/send.h"
#include "timer.h"

#include "engine_rig.h"

/* The plugins' codec structs, compiled into the test. */
extern const struct lw_codec lw_codec_link, lw_codec_tlv, lw_codec_tlv_legacy,
	lw_codec_senml_json, lw_codec_senml_cbor, lw_codec_lwm2m_cbor, lw_codec_text,
	lw_codec_opaque;

#define T_START 7000000u
#define WALL_BASE 1763750000

uint64_t oh_now;
struct lw_timers oh_timers;
struct lw_coap_engine oh_eng;
struct lw_registry oh_reg;
struct lw_operations oh_ops;
struct oh_dgram oh_sent[OH_MAX_SENT];
size_t oh_n_sent;
struct oh_event oh_events[OH_MAX_EVENTS];
size_t oh_n_events;
struct oh_result oh_results[OH_MAX_RESULTS];
size_t oh_n_results;

static struct lw_coap_endpoint cep;
static struct lw_events bus;
static lw_model *model;
static int running;
static uint16_t next_mid = 0x100;

static const struct engine_rig rig = {
	.now = &oh_now, .timers = &oh_timers, .eng = &oh_eng, .ep = &cep, .max_runs = 10000000ul,
};

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return WALL_BASE + (int64_t)(oh_now / 1000);
}

static int capture_send(struct lw_coap_endpoint *e, const struct lw_coap_addr *to,
                        const uint8_t *buf, size_t len)
{
	(void)e;
	cr_assert_lt(oh_n_sent, OH_MAX_SENT, "too many datagrams for the capture");
	cr_assert_leq(len, sizeof(oh_sent[0].buf));
	memcpy(oh_sent[oh_n_sent].buf, buf, len);
	oh_sent[oh_n_sent].len = len;
	oh_sent[oh_n_sent].port = ntohs(to->u.in.sin_port);
	oh_n_sent++;
	return 0;
}

static void on_event(const lw_event *ev, void *ctx)
{
	(void)ctx;
	if (oh_n_events == OH_MAX_EVENTS)
		return;
	struct oh_event *e = &oh_events[oh_n_events++];
	e->kind = lw_event_kind(ev);
	snprintf(e->ep, sizeof(e->ep), "%s", lw_event_endpoint(ev) ? lw_event_endpoint(ev) : "");
	snprintf(e->json, sizeof(e->json), "%s", lw_event_json(ev));
}

void oh_result_cb(void *arg, const struct lw_op_result *r)
{
	(void)arg;
	cr_assert_lt(oh_n_results, OH_MAX_RESULTS);
	struct oh_result *o = &oh_results[oh_n_results++];
	memset(o, 0, sizeof(*o));
	o->id = r->id;
	o->kind = r->kind;
	o->status = r->status;
	o->code = r->code;
	o->cf = r->content_format;
	lw_path_format(&r->path, o->path, sizeof(o->path));
	json_t *j = NULL;
	if (r->records && lw_records_to_json(r->records, &j) == 0) {
		char *s = lw_json_dumps(j, 0);
		snprintf(o->records, sizeof(o->records), "%s", s ? s : "");
		free(s);
		json_decref(j);
	}
	j = NULL;
	if (r->links && lw_links_to_json(r->links, &j) == 0) {
		char *s = lw_json_dumps(j, 0);
		snprintf(o->links, sizeof(o->links), "%s", s ? s : "");
		free(s);
		json_decref(j);
	}
	snprintf(o->location, sizeof(o->location), "%s", r->location ? r->location : "");
	snprintf(o->message, sizeof(o->message), "%s", r->message ? r->message : "");
}

void oh_start(void)
{
	oh_n_sent = oh_n_events = oh_n_results = 0;
	struct lw_coap_params params;
	lw_coap_params_default(&params);
	er_start(&rig, T_START, capture_send, &params);
	lw_events_init(&bus);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, on_event, NULL), 0);
	cr_assert_eq(lw_registry_init(&oh_reg, &oh_timers, &bus), 0);
	oh_reg.wall = fake_wall;
	const struct lw_codec *all[] = {
		&lw_codec_link, &lw_codec_tlv, &lw_codec_tlv_legacy, &lw_codec_senml_json,
		&lw_codec_senml_cbor, &lw_codec_lwm2m_cbor, &lw_codec_text, &lw_codec_opaque,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		cr_assert_eq(lw_codecs_add(NULL, all[i]), 0);
	model = lw_model_new();
	cr_assert_not_null(model);
	cr_assert_eq(lw_model_add_builtin(model), 0);
	cr_assert_eq(lw_registration_attach(&oh_eng, &oh_reg), 0);
	cr_assert_eq(lw_ops_init(&oh_ops, &oh_eng, &oh_reg, &bus, model), 0);
	cr_assert_eq(lw_send_attach(&oh_eng, &oh_ops), 0);
	running = 1;
}

void oh_stop(void)
{
	if (running) {
		running = 0;
		lw_send_detach(&oh_eng);
		lw_ops_free(&oh_ops);
		lw_registration_detach(&oh_eng, &oh_reg);
		lw_registry_free(&oh_reg);
		er_stop(&rig);
		lw_events_free(&bus);
		lw_codecs_unregister_owner(NULL);
		lw_model_free(model);
		model = NULL;
	}
	th_check_leaks();
}

void oh_advance_to(uint64_t t)
{
	er_advance_to(&rig, t);
}

void oh_advance(uint64_t ms)
{
	oh_advance_to(oh_now + ms);
}

void oh_input(uint16_t port, const uint8_t *buf, size_t len)
{
	er_input(&rig, port, buf, len);
}

void oh_parse_sent(long i, struct lw_coap_msg *m)
{
	if (i < 0)
		i += (long)oh_n_sent;
	cr_assert(i >= 0 && (size_t)i < oh_n_sent, "no datagram %ld (sent %zu)", i, oh_n_sent);
	cr_assert_eq(lw_coap_parse(m, oh_sent[i].buf, oh_sent[i].len), 0);
}

void oh_uri(const struct lw_coap_msg *m, char *out, size_t cap, int with_query)
{
	cr_assert_geq(lw_coap_uri_path(m, out, cap), 0);
	if (!with_query)
		return;
	size_t len = strlen(out);
	char sep = '?';
	for (const struct lw_coap_option *o = lw_coap_find(m, LW_COAP_OPT_URI_QUERY); o;
	     o = lw_coap_find_next(m, o)) {
		len += (size_t)snprintf(out + len, cap - len, "%c%.*s", sep, (int)o->len,
		                        (const char *)o->value);
		sep = '&';
	}
}

long oh_opt(const struct lw_coap_msg *m, uint16_t number)
{
	const struct lw_coap_option *o = lw_coap_find(m, number);
	uint32_t v;
	if (!o || lw_coap_opt_uint(o, &v) != 0)
		return -1;
	return (long)v;
}

/* A CON request from port; the answer is the last datagram sent. */
static void request(uint16_t port, uint8_t code, const char *path, const char *const *query,
                    int cf, const char *payload, struct lw_coap_msg *ans)
{
	uint8_t wire[1024];
	struct lw_coap_builder b;
	uint8_t token[4] = {0xa0, 0xb0, (uint8_t)(next_mid >> 8), (uint8_t)next_mid};
	uint16_t mid = next_mid++;
	lw_coap_build_start(&b, wire, sizeof(wire), LW_COAP_CON, code, mid, token, sizeof(token));
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	if (cf >= 0)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	for (size_t i = 0; query && query[i]; i++)
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, query[i]);
	if (payload)
		lw_coap_build_payload(&b, payload, strlen(payload));
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	size_t before = oh_n_sent;
	oh_input(port, wire, len);
	cr_assert_gt(oh_n_sent, before, "no answer to %s", path);
	/* The answer is the ACK with our mid (requests the engine sends in the
	 * meantime may follow it). */
	for (size_t i = before; i < oh_n_sent; i++) {
		oh_parse_sent((long)i, ans);
		if (ans->type == LW_COAP_ACK && ans->mid == mid)
			return;
	}
	cr_assert_fail("no ACK for mid %u", mid);
}

void oh_register(uint16_t port, const char *ep, const char *const *query, const char *links,
                 char *id)
{
	const char *q[16];
	char qep[80];
	snprintf(qep, sizeof(qep), "ep=%s", ep);
	size_t n = 0;
	q[n++] = qep;
	for (size_t i = 0; query && query[i] && n < 15; i++)
		q[n++] = query[i];
	q[n] = NULL;
	struct lw_coap_msg ans;
	request(port, LW_COAP_POST, "/rd", q, LW_CF_LINK, links, &ans);
	char code[5];
	cr_assert_eq(ans.code, LW_COAP_CREATED, "Register answered %s",
	             lw_coap_code_str(ans.code, code));
	const struct lw_coap_option *o = lw_coap_find(&ans, LW_COAP_OPT_LOCATION_PATH);
	cr_assert_not_null(o);
	o = lw_coap_find_next(&ans, o);
	cr_assert_not_null(o);
	cr_assert_eq(o->len, LW_REG_ID_LEN);
	memcpy(id, o->value, o->len);
	id[o->len] = '\0';
}

void oh_update(uint16_t port, const char *id)
{
	char path[32];
	snprintf(path, sizeof(path), "/rd/%s", id);
	struct lw_coap_msg ans;
	request(port, LW_COAP_POST, path, NULL, -1, NULL, &ans);
	cr_assert_eq(ans.code, LW_COAP_CHANGED);
}

void oh_deregister(uint16_t port, const char *id)
{
	char path[32];
	snprintf(path, sizeof(path), "/rd/%s", id);
	struct lw_coap_msg ans;
	request(port, LW_COAP_DELETE, path, NULL, -1, NULL, &ans);
	cr_assert_eq(ans.code, LW_COAP_DELETED);
}

static void respond(uint16_t port, uint8_t type, uint16_t mid, const struct lw_coap_msg *req,
                    uint8_t code, int cf, long obs, const char *location, const void *payload,
                    size_t len)
{
	uint8_t wire[1500];
	struct lw_coap_builder b;
	lw_coap_build_start(&b, wire, sizeof(wire), type, code, mid, req->token, req->token_len);
	if (obs >= 0)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_OBSERVE, (uint32_t)obs);
	if (location)
		lw_coap_build_opt_path(&b, LW_COAP_OPT_LOCATION_PATH, location);
	if (cf >= 0)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	lw_coap_build_payload(&b, payload, len);
	size_t n;
	cr_assert_eq(lw_coap_build_end(&b, &n), 0);
	oh_input(port, wire, n);
}

void oh_answer(uint16_t port, const struct lw_coap_msg *req, uint8_t code, int cf, long obs,
               const char *location, const void *payload, size_t len)
{
	respond(port, LW_COAP_ACK, req->mid, req, code, cf, obs, location, payload, len);
}

void oh_notify(uint16_t port, const struct lw_coap_msg *req, int con, uint16_t mid, long seq,
               int cf, const void *payload, size_t len)
{
	respond(port, con ? LW_COAP_CON : LW_COAP_NON, mid, req, LW_COAP_CONTENT, cf, seq, NULL,
	        payload, len);
}

size_t oh_encode(int cf, const lw_path *base, const lw_records *recs, uint8_t *out, size_t cap)
{
	const struct lw_codec *c = lw_codec_by_format((uint16_t)cf);
	cr_assert_not_null(c);
	lw_buf b;
	lw_buf_init(&b);
	struct lw_codec_error err = {0};
	cr_assert_eq(c->encode(model, base, recs, &b, &err), 0, "encode: %s", err.message);
	cr_assert_leq(b.len, cap);
	memcpy(out, b.data, b.len);
	size_t n = b.len;
	lw_buf_free(&b);
	return n;
}

lw_path oh_path(const char *s)
{
	lw_path p;
	cr_assert_eq(lw_path_parse(s, strlen(s), &p, NULL), 0, "bad path %s", s);
	return p;
}

size_t oh_count_events(int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < oh_n_events; i++)
		n += oh_events[i].kind == kind;
	return n;
}

const struct oh_event *oh_event_of(int kind, size_t n)
{
	for (size_t i = 0; i < oh_n_events; i++)
		if (oh_events[i].kind == kind && n-- == 0)
			return &oh_events[i];
	return NULL;
}
