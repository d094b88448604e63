/*
 * tests/unit/test_registry.c: the registry of clients (core/lwm2m/registry.c)
 * and the registration interface (core/lwm2m/registration.c), driven as a
 * device would drive them: CoAP requests fed to a real engine, answers read
 * back from the bytes the engine sends through a capture endpoint.
 *
 * Time is a fake clock under both the engine and the timer heap, so lifetime
 * expiry is checked to the millisecond without sleeping; events are caught
 * by subscribing to a real event bus. The link-format codec is the plugin's
 * own code, compiled in and registered as the plugin would.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "coap/message.h"
#include "coap/peer.h"
#include "events.h"
#include "log.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/error.h"
#include "lwm2m/registration.h"
#include "lwm2m/registry.h"
#include "timer.h"

#include "engine_rig.h"

/* plugins/codec-link/link.c, linked into this test. */
extern const struct lw_codec lw_codec_link;

#define T_START 5000000u
#define WALL_BASE 1763750000
#define PORT_A 40001
#define PORT_B 40002

/* ---- fake clock, capture endpoint, engine, registry, bus ---- */

static uint64_t now_ms;
static struct lw_timers timers;
static struct lw_coap_engine eng;
static struct lw_coap_endpoint cep;
static struct lw_registry reg;
static struct lw_events bus;
static int running;

/* The last datagram the engine sent. */
static uint8_t last_buf[2048];
static size_t last_len;
static unsigned long n_sent;

#define MAX_EVENTS 64
static struct {
	int kind;
	char ep[64];
	char json[1024];
} events[MAX_EVENTS];
static size_t n_events;

static const struct engine_rig rig = {
	.now = &now_ms, .timers = &timers, .eng = &eng, .ep = &cep, .max_runs = 10000000ul,
};

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return WALL_BASE + (int64_t)(now_ms / 1000);
}

static int capture_send(struct lw_coap_endpoint *e, const struct lw_coap_addr *to,
                        const uint8_t *buf, size_t len)
{
	(void)e;
	(void)to;
	cr_assert_leq(len, sizeof(last_buf));
	memcpy(last_buf, buf, len);
	last_len = len;
	n_sent++;
	return 0;
}

static void on_event(const lw_event *ev, void *ctx)
{
	(void)ctx;
	if (n_events == MAX_EVENTS)
		return;
	events[n_events].kind = lw_event_kind(ev);
	snprintf(events[n_events].ep, sizeof(events[0].ep), "%s",
	         lw_event_endpoint(ev) ? lw_event_endpoint(ev) : "");
	snprintf(events[n_events].json, sizeof(events[0].json), "%s", lw_event_json(ev));
	n_events++;
}

static void start(void)
{
	n_sent = 0;
	n_events = 0;
	struct lw_coap_params params;
	lw_coap_params_default(&params);
	er_start(&rig, T_START, capture_send, &params);
	lw_events_init(&bus);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, on_event, NULL), 0);
	cr_assert_eq(lw_registry_init(&reg, &timers, &bus), 0);
	reg.wall = fake_wall;
	cr_assert_eq(lw_codecs_add(NULL, &lw_codec_link), 0);
	cr_assert_eq(lw_registration_attach(&eng, &reg), 0);
	running = 1;
}

static void stop(void)
{
	if (!running)
		return;
	running = 0;
	lw_registration_detach(&eng, &reg);
	lw_registry_free(&reg);
	er_stop(&rig);
	lw_events_free(&bus);
	lw_codecs_unregister_owner(NULL);
	memset(&reg, 0, sizeof(reg));
}

static void end_clean(void)
{
	stop();
	er_check_leaks();
}

TestSuite(registry, .init = start, .fini = end_clean, .timeout = 30);

/* Moves the fake clock to t, firing each timer at exactly its due time. */
static void advance_to(uint64_t t)
{
	er_advance_to(&rig, t);
}

static struct lw_coap_peer *peer_of(uint16_t port)
{
	return er_peer_of(&rig, port);
}

/* ---- requests and answers ---- */

#define NO_CF (-1)

struct answer {
	uint8_t code;
	int n_loc;
	char loc[4][64];
	char payload[256];
	char location[128]; /* "/rd/<id>" joined */
};

static uint16_t next_mid = 1;

/*
 * Sends a CON request from 127.0.0.1:port with Uri-Path path, the query
 * parameters q (NULL-terminated, may be NULL), Content-Format cf (or NO_CF)
 * and payload (or NULL), and returns the piggybacked answer.
 */
static struct answer request(uint16_t port, uint8_t code, const char *path,
                             const char *const *q, int cf, const char *payload)
{
	uint8_t wire[2048];
	struct lw_coap_builder b;
	uint16_t mid = next_mid++;
	uint8_t token[4] = {0xa5, (uint8_t)(mid >> 8), (uint8_t)mid, 0x5a};
	lw_coap_build_start(&b, wire, sizeof(wire), LW_COAP_CON, code, mid, token, sizeof(token));
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	if (cf != NO_CF)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
	for (size_t i = 0; q && q[i]; i++)
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q[i]);
	if (payload)
		lw_coap_build_payload(&b, payload, strlen(payload));
	size_t len;
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);

	unsigned long before = n_sent;
	er_input(&rig, port, wire, len);
	cr_assert_eq(n_sent, before + 1, "no answer to a request on %s", path);

	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_parse(&m, last_buf, last_len), 0);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.mid, mid);
	cr_assert_eq(m.token_len, sizeof(token));
	cr_assert_arr_eq(m.token, token, sizeof(token));
	struct answer ans;
	memset(&ans, 0, sizeof(ans));
	ans.code = m.code;
	for (const struct lw_coap_option *o = lw_coap_find(&m, LW_COAP_OPT_LOCATION_PATH);
	     o && ans.n_loc < 4; o = lw_coap_find_next(&m, o)) {
		snprintf(ans.loc[ans.n_loc], sizeof(ans.loc[0]), "%.*s", (int)o->len,
		         (const char *)o->value);
		size_t n = strlen(ans.location);
		snprintf(ans.location + n, sizeof(ans.location) - n, "/%s", ans.loc[ans.n_loc]);
		ans.n_loc++;
	}
	snprintf(ans.payload, sizeof(ans.payload), "%.*s", (int)m.payload_len,
	         m.payload ? (const char *)m.payload : "");
	return ans;
}

static const char *code_str(uint8_t code)
{
	static char buf[5];
	return lw_coap_code_str(code, buf);
}

#define assert_code(ans, want)                                                                \
	cr_assert_eq((ans).code, (want), "answer %s, want %s (payload: %s)",                 \
	             code_str((ans).code), code_str(want), (ans).payload)

static const char *const OBJ_PAYLOAD = "</1/0>,</3/0>";

/* A Register from port with the given query; asserts 2.01 and returns the client. */
static struct lw_client *register_ok(uint16_t port, const char *const *q, const char *payload,
                                     struct answer *out)
{
	struct answer ans = request(port, LW_COAP_POST, "/rd", q, 40, payload);
	assert_code(ans, LW_COAP_CREATED);
	cr_assert_eq(ans.n_loc, 2, "Location-Path has %d segments", ans.n_loc);
	cr_assert_str_eq(ans.loc[0], "rd");
	struct lw_client *c = lw_registry_find_id(&reg, ans.loc[1], strlen(ans.loc[1]));
	cr_assert_not_null(c, "the location %s names no registration", ans.location);
	if (out)
		*out = ans;
	return c;
}

static size_t count_events(int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < n_events; i++)
		n += events[i].kind == kind;
	return n;
}

static const char *last_event_json(int kind)
{
	for (size_t i = n_events; i-- > 0;)
		if (events[i].kind == kind)
			return events[i].json;
	cr_assert_fail("no event of kind %d", kind);
	return NULL;
}

#define assert_has(hay, needle)                                                               \
	cr_assert(strstr((hay), (needle)), "\"%s\" not in: %s", (needle), (hay))

/* ---- Register ---- */

Test(registry, register_answers_created_with_location)
{
	const char *q[] = {"ep=urn:dev:ACME-0001", "lt=60", "lwm2m=1.1", "b=U", NULL};
	struct answer ans;
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, &ans);
	cr_assert_str_eq(c->endpoint, "urn:dev:ACME-0001");
	cr_assert_eq(strlen(ans.loc[1]), LW_REG_ID_LEN);
	cr_assert_str_eq(c->id, ans.loc[1]);
	cr_assert_eq(c->lifetime, 60);
	cr_assert_eq(c->ver_major, 1);
	cr_assert_eq(c->ver_minor, 1);
	cr_assert_str_eq(c->binding, "U");
	cr_assert_eq(c->queue_mode, 0);
	cr_assert_eq(c->objects.n, 2);
	cr_assert_eq(c->objects.links[0].oid, 1);
	cr_assert_eq(c->objects.links[0].iid, 0);
	cr_assert_eq(c->objects.links[1].oid, 3);
	cr_assert_eq(c->registered_at, WALL_BASE + T_START / 1000);
	cr_assert_eq(reg.count, 1);
	cr_assert_eq(lw_registry_find_ep(&reg, "urn:dev:ACME-0001"), c);
	/* The registration holds the peer and the peer points back. */
	struct lw_coap_peer *p = peer_of(PORT_A);
	cr_assert_not_null(p);
	cr_assert_eq(c->peer, p);
	cr_assert_eq(p->user, c);
	cr_assert_eq(p->refs, 1);
}

Test(registry, location_never_leaks_the_endpoint)
{
	char seen[200][LW_REG_ID_LEN + 1];
	for (int i = 0; i < 200; i++) {
		char ep[64], qep[80];
		snprintf(ep, sizeof(ep), "dev%d", i);
		snprintf(qep, sizeof(qep), "ep=%s", ep);
		const char *q[] = {qep, NULL};
		struct answer ans;
		register_ok((uint16_t)(PORT_A + i), q, OBJ_PAYLOAD, &ans);
		cr_assert_null(strstr(ans.location, ep), "location %s holds the endpoint %s",
		               ans.location, ep);
		for (const char *s = ans.loc[1]; *s; s++)
			cr_assert((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'),
			          "id %s has a character outside [a-z0-9]", ans.loc[1]);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(seen[j], ans.loc[1], "id %s given twice", ans.loc[1]);
		snprintf(seen[i], sizeof(seen[i]), "%.*s", LW_REG_ID_LEN, ans.loc[1]);
	}
	cr_assert_eq(reg.count, 200);
}

Test(registry, parameters_in_any_order_and_unknown_ones_ignored)
{
	const char *q[] = {"Q", "vendor=x=y", "b=U", "lt=300", "lwm2m=1.1", "flag",
	                   "sms=+15551234", "ep=dev-q", "ept=whatever", NULL};
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, NULL);
	cr_assert_str_eq(c->endpoint, "dev-q");
	cr_assert_eq(c->lifetime, 300);
	cr_assert_str_eq(c->binding, "U");
	cr_assert_eq(c->queue_mode, 1, "Q parameter of 1.1 not taken");
	cr_assert_str_eq(c->sms, "+15551234");
}

Test(registry, lifetime_defaults_and_1_0_queue_binding)
{
	const char *q[] = {"ep=old-client", "b=UQ", NULL};
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, NULL);
	cr_assert_eq(c->lifetime, LW_REG_DEFAULT_LIFETIME);
	cr_assert_eq(c->ver_major, 1);
	cr_assert_eq(c->ver_minor, 0, "no lwm2m parameter means 1.0");
	cr_assert_str_eq(c->binding, "UQ");
	cr_assert_eq(c->queue_mode, 1, "UQ binding of 1.0 not queue mode");
}

Test(registry, supported_versions_and_4_12_for_others)
{
	static const struct {
		const char *v;
		uint8_t code, minor;
	} cases[] = {
		{"1.0", LW_COAP_CREATED, 0},  {"1.0.0", LW_COAP_CREATED, 0},
		{"1.1", LW_COAP_CREATED, 1},  {"1.1.0", LW_COAP_CREATED, 1},
		{"1.2", LW_COAP_CREATED, 2},  {"1.2.1", LW_COAP_CREATED, 2},
		{"1.3", LW_COAP_PRECONDITION_FAILED, 0},
		{"2.0", LW_COAP_PRECONDITION_FAILED, 0},
		{"0.9", LW_COAP_PRECONDITION_FAILED, 0},
		{"abc", LW_COAP_BAD_REQUEST, 0},
		{"1", LW_COAP_BAD_REQUEST, 0},
		{"1.", LW_COAP_BAD_REQUEST, 0},
		{"", LW_COAP_BAD_REQUEST, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char qep[32], qv[32];
		snprintf(qep, sizeof(qep), "ep=v%zu", i);
		snprintf(qv, sizeof(qv), "lwm2m=%s", cases[i].v);
		const char *q[] = {qv, qep, NULL};
		struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", q, 40, OBJ_PAYLOAD);
		cr_assert_eq(ans.code, cases[i].code, "lwm2m=%s: %s", cases[i].v,
		             code_str(ans.code));
		struct lw_client *c = lw_registry_find_ep(&reg, qep + 3);
		if (cases[i].code == LW_COAP_CREATED) {
			cr_assert_not_null(c);
			cr_assert_eq(c->ver_minor, cases[i].minor, "lwm2m=%s", cases[i].v);
		} else {
			cr_assert_null(c, "lwm2m=%s registered", cases[i].v);
			cr_assert_eq(ans.n_loc, 0);
			cr_assert_neq(ans.payload[0], '\0', "no diagnostic for lwm2m=%s",
			              cases[i].v);
		}
	}
	cr_assert_eq(count_events(LW_EVENT_REGISTRATION), 6);
}

Test(registry, missing_endpoint_is_bad_request_with_diagnostic)
{
	const char *q[] = {"lt=60", "lwm2m=1.1", NULL};
	struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", q, 40, OBJ_PAYLOAD);
	assert_code(ans, LW_COAP_BAD_REQUEST);
	assert_has(ans.payload, "ep=");
	const char *q2[] = {"ep=", NULL};
	ans = request(PORT_A, LW_COAP_POST, "/rd", q2, 40, OBJ_PAYLOAD);
	assert_code(ans, LW_COAP_BAD_REQUEST);
	cr_assert_eq(reg.count, 0);
	cr_assert_eq(n_events, 0);
	/* The peer is not held by a refused Register. */
	cr_assert_eq(peer_of(PORT_A)->refs, 0);
}

Test(registry, bad_parameters_are_bad_request)
{
	const char *bad[][3] = {
		{"ep=a", "lt=0", NULL},     {"ep=a", "lt=-5", NULL},
		{"ep=a", "lt=12x", NULL},   {"ep=a", "lt=99999999999", NULL},
		{"ep=a", "b=X", NULL},      {"ep=a", "b=UUUUUUUU", NULL},
		{"ep=a", "sms=abc", NULL},  {"ep=a\x01", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", bad[i], 40, OBJ_PAYLOAD);
		cr_assert_eq(ans.code, LW_COAP_BAD_REQUEST, "case %zu (%s): %s", i,
		             bad[i][1] ? bad[i][1] : bad[i][0], code_str(ans.code));
		cr_assert_neq(ans.payload[0], '\0');
	}
	cr_assert_eq(reg.count, 0);
}

Test(registry, no_content_format_is_accepted_other_formats_are_not)
{
	const char *q[] = {"ep=bare", NULL};
	struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", q, NO_CF, "</3/0>,</4/0>");
	assert_code(ans, LW_COAP_CREATED);
	struct lw_client *c = lw_registry_find_ep(&reg, "bare");
	cr_assert_not_null(c);
	cr_assert_eq(c->objects.n, 2);
	cr_assert_eq(c->objects.links[1].oid, 4);

	const char *q2[] = {"ep=texty", NULL};
	ans = request(PORT_A, LW_COAP_POST, "/rd", q2, 0, "</3/0>");
	assert_code(ans, LW_COAP_UNSUPPORTED_CONTENT_FORMAT);
	cr_assert_null(lw_registry_find_ep(&reg, "texty"));

	/* No payload at all: registered with an empty object list. */
	const char *q3[] = {"ep=empty", NULL};
	ans = request(PORT_A, LW_COAP_POST, "/rd", q3, NO_CF, NULL);
	assert_code(ans, LW_COAP_CREATED);
	cr_assert_eq(lw_registry_find_ep(&reg, "empty")->objects.n, 0);
}

Test(registry, object_list_with_root_versions_and_vendor_objects)
{
	const char *q[] = {"ep=rich", "lwm2m=1.1", NULL};
	const char *payload = "</>;rt=\"oma.lwm2m\";ct=110,</1/0>,</3/0>,</3303>;ver=1.1,"
	                      "</3303/0>,</3303/7>,</10241/0>,</26241/3>";
	struct lw_client *c = register_ok(PORT_A, q, payload, NULL);
	cr_assert_eq(c->objects.ct, 110);
	cr_assert_null(c->objects.root);
	cr_assert_eq(c->objects.n, 7);
	const uint16_t want[7][2] = {{1, 0},    {3, 0},     {3303, LW_ID_NONE}, {3303, 0},
	                             {3303, 7}, {10241, 0}, {26241, 3}};
	for (int i = 0; i < 7; i++) {
		cr_assert_eq(c->objects.links[i].oid, want[i][0], "link %d", i);
		cr_assert_eq(c->objects.links[i].iid, want[i][1], "link %d", i);
	}
	cr_assert_eq(c->objects.links[2].ver_major, 1);
	cr_assert_eq(c->objects.links[2].ver_minor, 1);
	cr_assert_eq(c->objects.links[0].ver_major, 0, "version where none was given");
	const char *json = last_event_json(LW_EVENT_REGISTRATION);
	assert_has(json, "\"objects\":[\"/1/0\",\"/3/0\",\"/3303\",\"/3303/0\",\"/3303/7\","
	                 "\"/10241/0\",\"/26241/3\"]");
	assert_has(json, "\"contentFormat\":110");
}

Test(registry, alternate_root_path_prefixes_object_links)
{
	const char *q[] = {"ep=alt", NULL};
	const char *payload = "</lwm2m/1/0>,</lwm2m>;rt=\"oma.lwm2m\";ct=\"60 110\",</lwm2m/3/0>";
	struct lw_client *c = register_ok(PORT_A, q, payload, NULL);
	cr_assert_str_eq(c->objects.root, "/lwm2m");
	cr_assert_eq(c->objects.ct, 60);
	cr_assert_eq(c->objects.n, 2);
	cr_assert_eq(c->objects.links[0].oid, 1);
	cr_assert_eq(c->objects.links[1].oid, 3);
}

Test(registry, malformed_link_format_is_bad_request)
{
	const char *q[] = {"ep=broken", NULL};
	struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", q, 40, "</3/0,</4/0>");
	assert_code(ans, LW_COAP_BAD_REQUEST);
	assert_has(ans.payload, "link format");
	/* A root path that would need escaping in logs and JSON. */
	ans = request(PORT_A, LW_COAP_POST, "/rd", q, 40, "</a\"b>;rt=\"oma.lwm2m\",</3/0>");
	assert_code(ans, LW_COAP_BAD_REQUEST);
	assert_has(ans.payload, "root path");
	cr_assert_eq(reg.count, 0);
	cr_assert_eq(n_events, 0);
}

Test(registry, reregistration_replaces_the_old_one)
{
	const char *q[] = {"ep=dev1", "lt=60", NULL};
	struct answer first, second;
	register_ok(PORT_A, q, OBJ_PAYLOAD, &first);
	advance_to(T_START + 10000);
	const char *q2[] = {"ep=dev1", "lt=120", NULL};
	struct lw_client *c = register_ok(PORT_B, q2, "</3/0>", &second);
	cr_assert_str_neq(first.loc[1], second.loc[1], "re-registration kept the id");
	cr_assert_eq(reg.count, 1);
	cr_assert_null(lw_registry_find_id(&reg, first.loc[1], strlen(first.loc[1])));
	cr_assert_eq(lw_registry_find_ep(&reg, "dev1"), c);
	cr_assert_eq(c->lifetime, 120);
	/* The old registration's peer is released and forgets it. */
	cr_assert_eq(peer_of(PORT_A)->refs, 0);
	cr_assert_null(peer_of(PORT_A)->user);
	/* The old location is gone for good. */
	struct answer ans = request(PORT_A, LW_COAP_POST, first.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
	cr_assert_eq(count_events(LW_EVENT_REGISTRATION), 2);
	cr_assert_eq(count_events(LW_EVENT_DEREGISTRATION), 0);
	char want[64];
	snprintf(want, sizeof(want), "\"replaced\":\"%.*s\"", LW_REG_ID_LEN, first.loc[1]);
	assert_has(last_event_json(LW_EVENT_REGISTRATION), want);
	/* Only the new lifetime counts: nothing expires at the old deadline. */
	advance_to(T_START + 60000);
	cr_assert_eq(reg.count, 1);
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 0);
}

/* ---- lifetime ---- */

Test(registry, expires_exactly_at_the_end_of_its_lifetime)
{
	const char *q[] = {"ep=short", "lt=60", NULL};
	struct answer ans;
	register_ok(PORT_A, q, OBJ_PAYLOAD, &ans);
	advance_to(T_START + 60000 - 1);
	cr_assert_eq(reg.count, 1, "expired before its lifetime");
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 0);
	advance_to(T_START + 60000);
	cr_assert_eq(reg.count, 0, "still registered after its lifetime");
	cr_assert_null(lw_registry_find_ep(&reg, "short"));
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 1);
	const char *json = last_event_json(LW_EVENT_EXPIRED);
	assert_has(json, "\"event\":\"expired\"");
	assert_has(json, "\"endpoint\":\"short\"");
	char want[64];
	snprintf(want, sizeof(want), "\"registrationId\":\"%.*s\"", LW_REG_ID_LEN, ans.loc[1]);
	assert_has(json, want);
	cr_assert_eq(peer_of(PORT_A)->refs, 0);
	cr_assert_null(peer_of(PORT_A)->user);
	/* An Update after expiry finds nothing: the client must register again. */
	ans = request(PORT_A, LW_COAP_POST, ans.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
}

Test(registry, update_restarts_and_changes_the_lifetime)
{
	const char *q[] = {"ep=upd", "lt=60", NULL};
	struct answer reg_ans;
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, &reg_ans);
	advance_to(T_START + 50000);
	struct answer ans = request(PORT_A, LW_COAP_POST, reg_ans.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_CHANGED);
	cr_assert_eq(c->last_seen, WALL_BASE + (T_START + 50000) / 1000);
	/* The first deadline passes: the Update restarted the lifetime. */
	advance_to(T_START + 110000 - 1);
	cr_assert_eq(reg.count, 1);
	/* Now a longer lifetime. */
	const char *q2[] = {"lt=300", NULL};
	ans = request(PORT_A, LW_COAP_POST, reg_ans.location, q2, NO_CF, NULL);
	assert_code(ans, LW_COAP_CHANGED);
	cr_assert_eq(c->lifetime, 300);
	uint64_t t = now_ms;
	advance_to(t + 300000 - 1);
	cr_assert_eq(reg.count, 1);
	advance_to(t + 300000);
	cr_assert_eq(reg.count, 0);
	cr_assert_eq(count_events(LW_EVENT_UPDATE), 2);
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 1);
}

/* ---- Update ---- */

Test(registry, update_changes_binding_sms_and_objects)
{
	const char *q[] = {"ep=chg", "lwm2m=1.0", "b=U", NULL};
	struct answer ra;
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, &ra);
	cr_assert_eq(c->queue_mode, 0);
	const char *q2[] = {"sms=123", "b=UQ", "junk=1", NULL};
	struct answer ans = request(PORT_A, LW_COAP_POST, ra.location, q2, 40,
	                            "</1/0>,</3/0>,</5/0>,</3303/0>");
	assert_code(ans, LW_COAP_CHANGED);
	cr_assert_str_eq(c->binding, "UQ");
	cr_assert_eq(c->queue_mode, 1);
	cr_assert_str_eq(c->sms, "123");
	cr_assert_eq(c->objects.n, 4);
	cr_assert_eq(c->objects.links[3].oid, 3303);
	/* An Update without payload keeps the list. */
	ans = request(PORT_A, LW_COAP_POST, ra.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_CHANGED);
	cr_assert_eq(c->objects.n, 4);
	const char *json = last_event_json(LW_EVENT_UPDATE);
	assert_has(json, "\"binding\":\"UQ\"");
	assert_has(json, "\"queueMode\":true");
	assert_has(json, "\"sms\":\"123\"");
	/* A bad parameter changes nothing. */
	const char *q3[] = {"lt=abc", "b=U", NULL};
	ans = request(PORT_A, LW_COAP_POST, ra.location, q3, NO_CF, NULL);
	assert_code(ans, LW_COAP_BAD_REQUEST);
	cr_assert_str_eq(c->binding, "UQ");
	cr_assert_eq(count_events(LW_EVENT_UPDATE), 2);
}

Test(registry, update_of_unknown_registration_is_not_found)
{
	struct answer ans = request(PORT_A, LW_COAP_POST, "/rd/abcdefghij", NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
	ans = request(PORT_A, LW_COAP_POST, "/rd/x", NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
	ans = request(PORT_A, LW_COAP_DELETE, "/rd/abcdefghij", NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
	ans = request(PORT_A, LW_COAP_GET, "/rd", NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_METHOD_NOT_ALLOWED);
	cr_assert_eq(n_events, 0);
}

Test(registry, update_from_a_new_address_moves_the_client)
{
	const char *q[] = {"ep=nat", "lt=60", NULL};
	struct answer ra;
	struct lw_client *c = register_ok(PORT_A, q, OBJ_PAYLOAD, &ra);
	struct lw_coap_peer *a = peer_of(PORT_A);
	cr_assert_eq(c->peer, a);
	/* The NAT gave the device a new port: its Update comes from there. */
	struct answer ans = request(PORT_B, LW_COAP_POST, ra.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_CHANGED);
	struct lw_coap_peer *b = peer_of(PORT_B);
	cr_assert_not_null(b);
	cr_assert_eq(c->peer, b);
	cr_assert_eq(b->user, c);
	cr_assert_eq(b->refs, 1);
	cr_assert_eq(a->refs, 0, "the old address is still held");
	cr_assert_null(a->user);
	assert_has(last_event_json(LW_EVENT_UPDATE), "\"address\":\"127.0.0.1:40002\"");
	char buf[64];
	cr_assert_str_eq(lw_client_address(c, buf, sizeof(buf)), "127.0.0.1:40002");
}

/* ---- De-register ---- */

Test(registry, deregister_deletes_and_releases)
{
	const char *q[] = {"ep=bye", NULL};
	struct answer ra;
	register_ok(PORT_A, q, OBJ_PAYLOAD, &ra);
	struct answer ans = request(PORT_A, LW_COAP_DELETE, ra.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_DELETED);
	cr_assert_eq(reg.count, 0);
	cr_assert_null(lw_registry_find_ep(&reg, "bye"));
	cr_assert_eq(peer_of(PORT_A)->refs, 0);
	cr_assert_null(peer_of(PORT_A)->user);
	cr_assert_eq(count_events(LW_EVENT_DEREGISTRATION), 1);
	const char *json = last_event_json(LW_EVENT_DEREGISTRATION);
	assert_has(json, "\"event\":\"deregistration\"");
	assert_has(json, "\"endpoint\":\"bye\"");
	ans = request(PORT_A, LW_COAP_DELETE, ra.location, NULL, NO_CF, NULL);
	assert_code(ans, LW_COAP_NOT_FOUND);
	/* Its lifetime timer went with it (a stale one would fire on freed
	 * memory, which AddressSanitizer reports). */
	advance_to(T_START + 86400000ull + 1);
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 0);
}

/* ---- events ---- */

Test(registry, registration_event_carries_the_client)
{
	const char *q[] = {"ep=evt", "lt=90", "lwm2m=1.2", "b=UQ", NULL};
	struct answer ra;
	register_ok(PORT_A, q, OBJ_PAYLOAD, &ra);
	cr_assert_eq(n_events, 1);
	cr_assert_eq(events[0].kind, LW_EVENT_REGISTRATION);
	cr_assert_str_eq(events[0].ep, "evt");
	const char *json = events[0].json;
	assert_has(json, "\"event\":\"registration\"");
	assert_has(json, "\"endpoint\":\"evt\"");
	char want[64];
	snprintf(want, sizeof(want), "\"registrationId\":\"%.*s\"", LW_REG_ID_LEN, ra.loc[1]);
	assert_has(json, want);
	assert_has(json, "\"lwm2mVersion\":\"1.2\"");
	assert_has(json, "\"binding\":\"UQ\"");
	assert_has(json, "\"lifetime\":90");
	assert_has(json, "\"queueMode\":true");
	assert_has(json, "\"address\":\"127.0.0.1:40001\"");
	assert_has(json, "\"objects\":[\"/1/0\",\"/3/0\"]");
	snprintf(want, sizeof(want), "\"registeredAt\":%lld", (long long)(WALL_BASE + T_START / 1000));
	assert_has(json, want);
}

/* ---- shutdown ---- */

Test(registry, detached_resource_is_gone)
{
	const char *q[] = {"ep=late", NULL};
	register_ok(PORT_A, q, OBJ_PAYLOAD, NULL);
	lw_registration_detach(&eng, &reg);
	struct answer ans = request(PORT_A, LW_COAP_POST, "/rd", q, 40, OBJ_PAYLOAD);
	assert_code(ans, LW_COAP_NOT_FOUND);
	/* Freeing the registry releases every peer and cancels every timer. */
	lw_registry_free(&reg);
	cr_assert_eq(peer_of(PORT_A)->refs, 0);
	cr_assert_null(peer_of(PORT_A)->user);
	cr_assert_eq(reg.count, 0);
	advance_to(T_START + 86400000ull + 1);
	cr_assert_eq(count_events(LW_EVENT_EXPIRED), 0);
	cr_assert_eq(lw_registry_init(&reg, &timers, &bus), 0);
}

/* ---- memory ---- */

/*
 * DESIGN.md budgets under 1 KiB of memory per registered client. Measured
 * with the heap's own count of bytes in use, over 10,000 clients registered
 * through the engine with a typical 10-object list: this counts the client
 * record, its object list, its share of both hash tables, the timer heap slot
 * and the engine's peer. The engine's deduplication entries (each Register's
 * cached answer, kept for EXCHANGE_LIFETIME) are let expire first: they are
 * the engine's transient cost, not the registration's.
 */
Test(registry, memory_per_client_is_under_1_kib)
{
	enum { N = 10000 };
	const char *payload = "</>;rt=\"oma.lwm2m\";ct=110,</0/0>,</1/0>,</2/0>,</3/0>,</4/0>,"
	                      "</5/0>,</6/0>,</7/0>,</3303/0>;ver=1.1,</3313/0>";
	/* Warm up the allocator and the tables' first allocations. */
	struct mallinfo2 before = mallinfo2();
	if (before.uordblks == 0)
		cr_skip("mallinfo2() counts nothing here (sanitizer allocator)");
	lw_log_set_level(LW_LOG_WARN); /* 10,000 "registered" lines say nothing */
	for (int i = 0; i < N; i++) {
		char qep[48];
		snprintf(qep, sizeof(qep), "ep=urn:imei:35%013d", i);
		const char *q[] = {qep, "lt=86400", "lwm2m=1.1", "b=U", NULL};
		struct answer ans = request((uint16_t)(10000 + i), LW_COAP_POST, "/rd", q, 40,
		                            payload);
		cr_assert_eq(ans.code, LW_COAP_CREATED);
	}
	cr_assert_eq(reg.count, N);
	/* Past EXCHANGE_LIFETIME (247 s): dedup entries go, registrations stay. */
	advance_to(now_ms + 600000);
	cr_assert_eq(reg.count, N);
	struct mallinfo2 after = mallinfo2();
	double per = ((double)after.uordblks - (double)before.uordblks) / N;
	cr_log_info("memory per registered client: %.0f bytes (10-object list, peer included)",
	            per);
	fprintf(stderr, "memory per registered client: %.0f bytes\n", per);
	cr_assert_lt(per, 1024.0, "%.0f bytes per client", per);
	cr_assert_gt(per, 0.0);
}
