/*
 * tests/unit/test_events.c: the event bus (core/events.c): who hears what
 * (masks, order, owners), the JSON text every subscriber and the REST event
 * stream get, and the refusal of kinds this daemon does not know.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "helpers.h"
#include "lwm2m/error.h"

static struct lw_events bus;

static void setup(void)
{
	lw_events_init(&bus);
}

static void teardown(void)
{
	lw_events_free(&bus);
	th_cleanup();
	th_check_leaks();
}

TestSuite(events, .init = setup, .fini = teardown);

/* What one subscriber heard. */
struct heard {
	int count;
	int kinds[64];
	char json[4096];
	char endpoint[1024];
	int had_endpoint;
	double time;
};

static void hear(const lw_event *ev, void *ctx)
{
	struct heard *h = ctx;
	const char *ep = lw_event_endpoint(ev);

	if (h->count < 64)
		h->kinds[h->count] = lw_event_kind(ev);
	h->count++;
	snprintf(h->json, sizeof(h->json), "%s", lw_event_json(ev));
	h->had_endpoint = ep != NULL;
	snprintf(h->endpoint, sizeof(h->endpoint), "%s", ep ? ep : "");
	h->time = lw_event_time(ev);
}

static void assert_has(const char *json, const char *part)
{
	cr_assert_not_null(strstr(json, part), "%s lacks %s", json, part);
}

Test(events, masks_pick_kinds)
{
	struct heard reg = {0}, two = {0}, all = {0};
	int owner = 0;

	cr_assert_eq(lw_events_subscribe(&bus, &owner, LW_EVENT_MASK(LW_EVENT_REGISTRATION), hear,
	                                 &reg),
	             0);
	cr_assert_eq(lw_events_subscribe(&bus, &owner,
	                                 LW_EVENT_MASK(LW_EVENT_UPDATE) |
	                                         LW_EVENT_MASK(LW_EVENT_CAMPAIGN),
	                                 hear, &two),
	             0);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &all), 0);

	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++)
		lw_events_publish(&bus, k, "ep", NULL);
	cr_assert_eq(reg.count, 1);
	cr_assert_eq(reg.kinds[0], LW_EVENT_REGISTRATION);
	cr_assert_eq(two.count, 2);
	cr_assert_eq(two.kinds[0], LW_EVENT_UPDATE);
	cr_assert_eq(two.kinds[1], LW_EVENT_CAMPAIGN);
	cr_assert_eq(all.count, LW_EVENT_KIND_COUNT - 1);
	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++) {
		cr_assert_eq(all.kinds[k - 1], k);
		cr_assert_eq(bus.published[k], 1);
	}
}

Test(events, empty_mask_hears_nothing)
{
	struct heard h = {0};

	cr_assert_eq(lw_events_subscribe(&bus, NULL, 0, hear, &h), 0);
	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++)
		lw_events_publish(&bus, k, NULL, NULL);
	cr_assert_eq(h.count, 0);
}

/* Each subscriber appends its own letter: the string is the delivery order. */
static char seen[64];
static void note_a(const lw_event *ev, void *ctx)
{
	strcat(seen, "a");
}
static void note_b(const lw_event *ev, void *ctx)
{
	strcat(seen, "b");
}
static void note_c(const lw_event *ev, void *ctx)
{
	strcat(seen, "c");
}

Test(events, delivery_order_is_subscription_order)
{
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, note_c, NULL), 0);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, note_a, NULL), 0);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK(LW_EVENT_EXPIRED), note_b, NULL),
	             0);
	lw_events_publish(&bus, LW_EVENT_EXPIRED, "e", NULL);
	lw_events_publish(&bus, LW_EVENT_UPDATE, "e", NULL);
	cr_assert_str_eq(seen, "cabca");
}

Test(events, json_of_a_registration)
{
	struct heard h = {0};
	struct timespec ts;

	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	double before = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	lw_events_publish(&bus, LW_EVENT_REGISTRATION, "ep1", "\"lifetime\":300,\"binding\":\"UQ\"");
	clock_gettime(CLOCK_REALTIME, &ts);
	double after = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;

	cr_assert_eq(h.count, 1);
	cr_assert_eq(h.kinds[0], LW_EVENT_REGISTRATION);
	cr_assert_str_eq(h.endpoint, "ep1");
	cr_assert(h.time >= before - 0.001 && h.time <= after + 0.001, "time %f not in [%f, %f]",
	          h.time, before, after);
	/* One object, "event" first, then the members, then the caller's fields. */
	cr_assert_eq(strncmp(h.json, "{\"event\":\"registration\",", 24), 0, "%s", h.json);
	assert_has(h.json, "\"endpoint\":\"ep1\"");
	assert_has(h.json, "\"time\":");
	const char *tail = ",\"lifetime\":300,\"binding\":\"UQ\"}";
	size_t n = strlen(h.json);
	cr_assert(n > strlen(tail) && strcmp(h.json + n - strlen(tail), tail) == 0, "%s", h.json);
	/* The time member carries the same instant as lw_event_time. */
	double t = 0;
	const char *tp = strstr(h.json, "\"time\":");
	cr_assert_eq(sscanf(tp + 7, "%lf", &t), 1);
	cr_assert(t > h.time - 0.002 && t < h.time + 0.002, "%f vs %f", t, h.time);
}

Test(events, json_without_endpoint_or_fields)
{
	struct heard h = {0};

	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	lw_events_publish(&bus, LW_EVENT_STARTED, NULL, NULL);
	cr_assert_eq(h.had_endpoint, 0);
	cr_assert_eq(strncmp(h.json, "{\"event\":\"started\",\"time\":", 26), 0, "%s", h.json);
	cr_assert_null(strstr(h.json, "endpoint"), "%s", h.json);
	cr_assert_eq(h.json[strlen(h.json) - 1], '}');
	cr_assert_null(strstr(h.json, ",}"), "%s", h.json);

	lw_events_publish(&bus, LW_EVENT_STOPPING, NULL, "");
	cr_assert_eq(strncmp(h.json, "{\"event\":\"stopping\",", 20), 0, "%s", h.json);
	cr_assert_null(strstr(h.json, ",}"), "empty fields add no comma: %s", h.json);
}

Test(events, endpoint_is_escaped_in_json)
{
	struct heard h = {0};

	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	lw_events_publish(&bus, LW_EVENT_UPDATE, "we\"ird\\ep\n", NULL);
	/* The accessor gives the raw name, the JSON a valid string. */
	cr_assert_str_eq(h.endpoint, "we\"ird\\ep\n");
	assert_has(h.json, "\"endpoint\":\"we\\\"ird\\\\ep\\u000a\"");
	cr_assert_eq(strncmp(h.json, "{\"event\":\"update\",", 18), 0, "%s", h.json);
	cr_assert_eq(h.json[strlen(h.json) - 1], '}', "%s", h.json);
}

/* Endpoint names have no length limit in LwM2M; the JSON must stay whole. */
Test(events, long_endpoint_is_not_cut)
{
	static struct heard h;
	char ep[900];

	memset(ep, 'e', sizeof(ep) - 1);
	ep[sizeof(ep) - 1] = '\0';
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	lw_events_publish(&bus, LW_EVENT_REGISTRATION, ep, "\"lifetime\":1");
	cr_assert_str_eq(h.endpoint, ep);
	char *want = NULL;
	cr_assert_geq(asprintf(&want, "\"endpoint\":\"%s\",\"lifetime\":1}", ep), 0);
	int whole = strstr(h.json, want) != NULL;
	free(want);
	TH_FAIL_IF_BUG(!whole, "core/events.c lw_events_publish() escapes the endpoint "
	                  "into a 600-byte buffer and cuts it, closing quote included");
	cr_assert(whole, "%s", h.json);
}

Test(events, large_fields_are_kept_whole)
{
	static struct heard h;
	char fields[3000];

	size_t n = (size_t)snprintf(fields, sizeof(fields), "\"records\":\"");
	memset(fields + n, 'r', 2500);
	n += 2500;
	snprintf(fields + n, sizeof(fields) - n, "\"");
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	lw_events_publish(&bus, LW_EVENT_SEND, "dev", fields);
	size_t len = strlen(h.json);
	cr_assert_gt(len, 2500);
	cr_assert_eq(h.json[len - 1], '}');
	cr_assert_eq(h.json[len - 2], '"');
	assert_has(h.json, "\"endpoint\":\"dev\",\"records\":\"rrr");
}

Test(events, unknown_kinds_in_mask_are_refused)
{
	struct heard h = {0};

	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK(LW_EVENT_KIND_COUNT), hear, &h),
	             LW_ENOTSUP);
	cr_assert_eq(lw_events_subscribe(&bus, NULL,
	                                 LW_EVENT_MASK(LW_EVENT_SEND) | LW_EVENT_MASK(31), hear,
	                                 &h),
	             LW_ENOTSUP, "one unknown kind among known ones");
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK(0), hear, &h), LW_ENOTSUP,
	             "kind 0 is not a kind");
	cr_assert_null(bus.subs, "a refused subscription is not kept");
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK(LW_EVENT_SEND), NULL, NULL),
	             LW_EINVAL);
	cr_assert_null(bus.subs);
	/* Every kind this daemon knows is fine. */
	cr_assert_eq(lw_events_subscribe(&bus, NULL,
	                                 LW_EVENT_MASK(LW_EVENT_KIND_COUNT - 1) |
	                                         LW_EVENT_MASK(LW_EVENT_STARTED),
	                                 hear, &h),
	             0);
}

Test(events, unknown_kinds_are_not_published)
{
	struct heard h = {0};

	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &h), 0);
	lw_events_publish(&bus, 0, "x", NULL);
	lw_events_publish(&bus, LW_EVENT_KIND_COUNT, "x", NULL);
	lw_events_publish(&bus, -3, "x", NULL);
	cr_assert_eq(h.count, 0);
	cr_assert_eq(bus.published[0], 0);
}

Test(events, unsubscribe_owner_drops_only_that_owner)
{
	struct heard p1 = {0}, p2 = {0}, core = {0};
	int owner1 = 1, owner2 = 2;

	cr_assert_eq(lw_events_subscribe(&bus, &owner1, LW_EVENT_MASK_ALL, hear, &p1), 0);
	cr_assert_eq(lw_events_subscribe(&bus, &owner2, LW_EVENT_MASK_ALL, hear, &p2), 0);
	cr_assert_eq(lw_events_subscribe(&bus, &owner1, LW_EVENT_MASK(LW_EVENT_SEND), hear, &p1), 0);
	cr_assert_eq(lw_events_subscribe(&bus, NULL, LW_EVENT_MASK_ALL, hear, &core), 0);
	lw_events_publish(&bus, LW_EVENT_SEND, "a", NULL);
	cr_assert_eq(p1.count, 2, "two subscriptions of one owner");
	cr_assert_eq(p2.count, 1);

	lw_events_unsubscribe_owner(&bus, &owner1);
	lw_events_publish(&bus, LW_EVENT_SEND, "b", NULL);
	cr_assert_eq(p1.count, 2, "owner1 hears nothing more");
	cr_assert_eq(p2.count, 2);
	cr_assert_eq(core.count, 2);

	lw_events_unsubscribe_owner(&bus, &owner1); /* again: nothing to drop */
	lw_events_unsubscribe_owner(&bus, &owner2);
	lw_events_publish(&bus, LW_EVENT_SEND, "c", NULL);
	cr_assert_eq(p2.count, 2);
	cr_assert_eq(core.count, 3, "core subscribers (owner NULL) stay");
	lw_events_unsubscribe_owner(&bus, NULL);
	cr_assert_null(bus.subs);
}

Test(events, kind_names)
{
	static const char *const names[] = {
		NULL, "started", "stopping", "registration", "update", "deregistration", "expired",
		"notification", "send", "operation", "firmware", "campaign", "bootstrap",
	};
	cr_assert_eq(sizeof(names) / sizeof(names[0]), LW_EVENT_KIND_COUNT);
	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++)
		cr_assert_str_eq(lw_event_kind_name(k), names[k]);
	cr_assert_str_eq(lw_event_kind_name(0), "unknown");
	cr_assert_str_eq(lw_event_kind_name(LW_EVENT_KIND_COUNT), "unknown");
	cr_assert_str_eq(lw_event_kind_name(-1), "unknown");
}
