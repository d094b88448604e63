/*
 * tests/unit/test_registry_status.c: what the registry keeps for the
 * console beside the registrations (registry.h): the firmware version of a
 * client, made safe for JSON (valid UTF-8, no control bytes, at most
 * LW_REG_FIRMWARE_MAX bytes, quotes escaped), and the offline clients
 * (expired or de-registered) with their cap, their age limit and their
 * return at a new Register. A real registry on a fake clock, no network.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "coap/peer.h"
#include "events.h"
#include "lwm2m/registry.h"
#include "timer.h"

static struct lw_timers timers;
static struct lw_registry reg;
static struct lw_events bus;
static struct lw_coap_peers peers;
static struct lw_coap_peer *peer;
static uint64_t now_ms = 1000000;

static uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return now_ms;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return (int64_t)(now_ms / 1000);
}

static void setup(void)
{
	lw_timers_init(&timers, fake_clock, NULL);
	lw_events_init(&bus);
	cr_assert_eq(lw_registry_init(&reg, &timers, &bus), 0);
	reg.wall = fake_wall;
	/* Every client "comes from" one loopback peer (the registry holds one). */
	cr_assert_eq(lw_coap_peers_init(&peers, 60000), 0);
	struct lw_coap_addr a = {.len = sizeof(struct sockaddr_in)};
	a.u.in.sin_family = AF_INET;
	a.u.in.sin_port = htons(5683);
	a.u.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer = lw_coap_peer_get(&peers, NULL, &a, now_ms);
	cr_assert(peer);
}

static void teardown(void)
{
	lw_registry_free(&reg);
	lw_coap_peers_free(&peers);
	lw_events_free(&bus);
	lw_timers_free(&timers);
}

TestSuite(registry_status, .init = setup, .fini = teardown);

static struct lw_client *reg_one(const char *ep, uint32_t lifetime)
{
	struct lw_reg_params p = {.endpoint = ep, .lifetime = lifetime, .ver_major = 1,
	                          .ver_minor = 1};
	struct lw_client *c = NULL;
	cr_assert_eq(lw_registry_register(&reg, &p, peer, &c), 0);
	return c;
}

/* Runs the timers that are due at now_ms. */
static void advance(uint64_t ms)
{
	now_ms += ms;
	lw_timers_run(&timers, now_ms);
}

/* The client's JSON members parsed, to check they are valid JSON. */
static json_t *fields(const struct lw_client *c)
{
	char *f = lw_client_json_fields(c);
	cr_assert(f);
	char *text = malloc(strlen(f) + 3);
	sprintf(text, "{%s}", f);
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	cr_assert(o, "not JSON (%s): %s", e.text, text);
	free(text);
	free(f);
	return o;
}

Test(registry_status, firmware_is_made_safe_for_json)
{
	struct lw_client *c = reg_one("fw", 60);
	json_t *o = fields(c);
	cr_expect_null(json_object_get(o, "firmwareVersion"));
	json_decref(o);

	const char quoted[] = "v\"2\\x\"";
	cr_assert_eq(lw_client_set_firmware(c, quoted, strlen(quoted)), 0);
	o = fields(c);
	cr_expect_str_eq(json_string_value(json_object_get(o, "firmwareVersion")), quoted);
	json_decref(o);

	/* A control byte, a lone continuation byte, a surrogate, an overlong
	 * form: each becomes '?'; real UTF-8 ("é", "€") stays. */
	const char bad[] = "a\nb\x80" "c\xed\xa0\x80" "d\xc0\xaf" "\xc3\xa9\xe2\x82\xac";
	cr_assert_eq(lw_client_set_firmware(c, bad, sizeof(bad) - 1), 0);
	o = fields(c);
	cr_expect_str_eq(json_string_value(json_object_get(o, "firmwareVersion")),
	                 "a?b?c???d??\xc3\xa9\xe2\x82\xac");
	json_decref(o);

	/* Cut at the limit, never inside a character. */
	char longv[200];
	memset(longv, 'x', sizeof(longv));
	memcpy(longv + LW_REG_FIRMWARE_MAX - 1, "\xc3\xa9", 2);
	cr_assert_eq(lw_client_set_firmware(c, longv, sizeof(longv)), 0);
	cr_expect_eq(strlen(c->firmware), LW_REG_FIRMWARE_MAX - 1);

	/* Empty: forgotten. */
	cr_assert_eq(lw_client_set_firmware(c, "", 0), 0);
	cr_expect_null(c->firmware);
}

Test(registry_status, firmware_comes_from_data_events)
{
	struct lw_client *c = reg_one("dev", 60);
	lw_records recs;
	lw_records_init(&recs);
	lw_record *r = lw_records_add(&recs);
	r->path = lw_path_make(3, 3, 0, 0, 0);
	r->type = LW_TYPE_STRING;
	cr_assert_eq(lw_records_set_bytes(&recs, r, "maker", 5), 0);
	r = lw_records_add(&recs);
	r->path = lw_path_make(3, 3, 0, 3, 0);
	r->type = LW_TYPE_STRING;
	cr_assert_eq(lw_records_set_bytes(&recs, r, "2.4.1", 5), 0);
	/* Another endpoint's data, or another kind of event: nothing. */
	lw_events_publish_records(&bus, LW_EVENT_NOTIFICATION, "other", NULL, &recs);
	lw_events_publish_records(&bus, LW_EVENT_UPDATE, "dev", NULL, &recs);
	cr_expect_null(c->firmware);
	lw_events_publish_records(&bus, LW_EVENT_SEND, "dev", NULL, &recs);
	cr_expect_str_eq(c->firmware, "2.4.1");
	lw_records_free(&recs);
}

Test(registry_status, gone_clients_are_remembered_and_come_back)
{
	struct lw_client *a = reg_one("a", 10);
	struct lw_client *b = reg_one("b", 100);
	cr_assert_eq(lw_client_set_firmware(a, "1.0", 3), 0);
	lw_registry_deregister(&reg, b);
	advance(10001); /* a expires */
	cr_expect_eq(reg.count, 0);
	cr_assert_eq(reg.gone_count, 2);
	const struct lw_gone *ga = lw_registry_find_gone(&reg, "a");
	cr_assert(ga);
	cr_expect_eq(ga->reason, LW_GONE_EXPIRED);
	cr_expect_str_eq(ga->firmware, "1.0");
	cr_expect_eq(lw_registry_find_gone(&reg, "b")->reason, LW_GONE_DEREGISTERED);
	char *f = lw_gone_json_fields(ga);
	cr_expect(strstr(f, "\"offlineReason\":\"expired\"") &&
	          strstr(f, "\"firmwareVersion\":\"1.0\""), "%s", f);
	free(f);

	/* a registers again: not offline any more, its version kept. */
	a = reg_one("a", 10);
	cr_expect_str_eq(a->firmware, "1.0");
	cr_expect_null(lw_registry_find_gone(&reg, "a"));
	cr_expect_eq(reg.gone_count, 1);

	/* Too old: forgotten. */
	advance((uint64_t)reg.gone_ttl_s * 1000 + 1000);
	lw_registry_gone_purge(&reg);
	cr_expect_null(lw_registry_find_gone(&reg, "b"));
}

Test(registry_status, gone_clients_are_capped_oldest_first)
{
	reg.gone_max = 3;
	char ep[16];
	for (int i = 0; i < 5; i++) {
		snprintf(ep, sizeof(ep), "d%d", i);
		lw_registry_deregister(&reg, reg_one(ep, 60));
		advance(1000);
	}
	cr_expect_eq(reg.gone_count, 3);
	cr_expect_null(lw_registry_find_gone(&reg, "d0"));
	cr_expect_null(lw_registry_find_gone(&reg, "d1"));
	cr_expect_str_eq(reg.gone_oldest->endpoint, "d2");
	cr_expect_str_eq(reg.gone_newest->endpoint, "d4");
}
