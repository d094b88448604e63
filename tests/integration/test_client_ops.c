/*
 * tests/integration/test_client_ops.c: the reference client's answers to
 * every operation the server runs, end to end: the real daemon, the real
 * lwm2m-client, and the REST API (restops.c). Composite operations in the
 * three composite formats, resource-instance paths, replace semantics,
 * the evaluation periods, Delete then Create, and a 20 KiB opaque value
 * moved block-wise both ways. Each test reads back what it changed.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwm2m/base64.h"
#include "restops.h"

TestSuite(client_ops, .init = setup, .fini = teardown, .timeout = 30);

/* The string value of the record at path in answer, or "(none)". */
static const char *str_at(json_t *answer, const char *path)
{
	const char *s = json_string_value(json_object_get(record(answer, path), "value"));
	return s ? s : "(none)";
}

static json_int_t int_at(json_t *answer, const char *path)
{
	return json_integer_value(json_object_get(record(answer, path), "value"));
}

/* A Read and its answer as JSON; the test fails unless it is 200. */
static json_t *read_json(const char *target)
{
	struct httpc_resp r;
	http(&r, "GET", target, NULL);
	cr_assert_eq(r.status, 200, "GET %s: %s", target, r.body);
	return json_body(&r);
}

/* Opens the event stream of ep, past its opening comment. */
static int open_events(const char *ep, char *buf, size_t cap, size_t *len)
{
	char target[96];
	snprintf(target, sizeof(target), "/api/v1/events?ep=%s", ep);
	int ev = httpc_send(http_port, "GET", target, AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	*len = 0;
	cr_assert_eq(httpc_read_until(ev, buf, cap, len, "event stream\n\n", 3000), 0);
	return ev;
}

/* The n-th (0-based) notification event of buf, up to its blank line. */
static int nth_event(const char *buf, int n, const char **start, size_t *elen)
{
	const char *p = buf;
	for (int i = 0; (p = strstr(p, "event: notification\n")); i++, p++) {
		if (i < n)
			continue;
		const char *end = strstr(p, "\n\n");
		if (!end)
			return -1;
		*start = p;
		*elen = (size_t)(end - p);
		return 0;
	}
	return -1;
}

Test(client_ops, read_composite_in_each_format)
{
	start_daemon();
	start_client("dev1", NULL);
	static const char *const fmts[] = {"senml-json", "senml-cbor", "lwm2m-cbor"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char target[128];
		struct httpc_resp r;
		snprintf(target, sizeof(target), "/api/v1/clients/dev1/composite?format=%s",
		         fmts[i]);
		http(&r, "POST", target,
		     "{\"op\": \"read\", \"paths\": [\"/3/0/0\", \"/1/0/1\", \"/3303/0/5701\", "
		     "\"/3/0/7\"]}");
		cr_assert_eq(r.status, 200, "%s: %s", fmts[i], r.body);
		json_t *j = json_body(&r);
		cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.05", "%s",
		                 fmts[i]);
		cr_expect_str_eq(str_at(j, "/3/0/0"), "lwm2md", "%s: %s", fmts[i], r.body);
		cr_expect_eq(int_at(j, "/1/0/1"), 300, "%s: %s", fmts[i], r.body);
		cr_expect_str_eq(str_at(j, "/3303/0/5701"), "Cel", "%s: %s", fmts[i], r.body);
		/* A multiple resource brings all its instances. */
		cr_expect_eq(int_at(j, "/3/0/7/0"), 3800, "%s: %s", fmts[i], r.body);
		cr_expect_eq(int_at(j, "/3/0/7/1"), 5000, "%s: %s", fmts[i], r.body);
		cr_expect_eq(json_array_size(json_object_get(j, "records")), 5, "%s: %s", fmts[i],
		             r.body);
		json_decref(j);
	}
	stop_client();
}

Test(client_ops, write_composite_is_all_or_nothing)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"write\", \"records\": ["
	     "{\"path\": \"/3/0/14\", \"type\": \"string\", \"value\": \"+02:00\"},"
	     "{\"path\": \"/1/0/1\", \"type\": \"integer\", \"value\": 222}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	json_t *j = read_json("/api/v1/clients/dev1/3/0/14");
	cr_expect_str_eq(str_at(j, "/3/0/14"), "+02:00");
	json_decref(j);
	j = read_json("/api/v1/clients/dev1/1/0/1");
	cr_expect_eq(int_at(j, "/1/0/1"), 222);
	json_decref(j);

	/* The same in each composite format. */
	static const char *const fmts[] = {"senml-json", "senml-cbor", "lwm2m-cbor"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char target[96], body[256];
		snprintf(target, sizeof(target), "/api/v1/clients/dev1/composite?format=%s",
		         fmts[i]);
		snprintf(body, sizeof(body),
		         "{\"op\": \"write\", \"records\": ["
		         "{\"path\": \"/3/0/14\", \"type\": \"string\", \"value\": \"+0%zu:00\"},"
		         "{\"path\": \"/1/0/25/1\", \"type\": \"string\", \"value\": \"%s\"}]}",
		         i + 3, fmts[i]);
		http(&r, "POST", target, body);
		cr_expect_eq(r.status, 200, "%s: %s", fmts[i], r.body);
		http(&r, "POST", "/api/v1/clients/dev1/composite",
		     "{\"op\": \"read\", \"paths\": [\"/3/0/14\", \"/1/0/25\"]}");
		cr_assert_eq(r.status, 200, "%s", r.body);
		j = json_body(&r);
		char want[16];
		snprintf(want, sizeof(want), "+0%zu:00", i + 3);
		cr_expect_str_eq(str_at(j, "/3/0/14"), want, "%s", fmts[i]);
		cr_expect_str_eq(str_at(j, "/1/0/25/1"), fmts[i]);
		cr_expect_str_eq(str_at(j, "/1/0/25/0"), "1.1", "%s", fmts[i]);
		json_decref(j);
	}

	/* A read-only value among writable ones: refused, nothing changes. */
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"write\", \"records\": ["
	     "{\"path\": \"/3/0/15\", \"type\": \"string\", \"value\": \"Mars/Olympus\"},"
	     "{\"path\": \"/1/0/1\", \"type\": \"integer\", \"value\": 333},"
	     "{\"path\": \"/3/0/0\", \"type\": \"string\", \"value\": \"hacked\"}]}");
	cr_expect_eq(r.status, 405, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"4.05\""), "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"read\", \"paths\": [\"/3/0/0\", \"/3/0/15\", \"/1/0/1\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_body(&r);
	cr_expect_str_eq(str_at(j, "/3/0/0"), "lwm2md");
	cr_expect_str_eq(str_at(j, "/3/0/15"), "UTC");
	cr_expect_eq(int_at(j, "/1/0/1"), 222, "%s", r.body);
	json_decref(j);
	stop_client();
}

Test(client_ops, observe_composite_notifies_every_path)
{
	start_daemon();
	start_client("dev1", NULL);
	static char buf[65536];
	size_t len;
	int ev = open_events("dev1", buf, sizeof(buf), &len);
	struct httpc_resp r;
	/* /3/0/13 (the clock) changes every second. */
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"observe\", \"paths\": [\"/3/0/13\", \"/3303/0/5701\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	cr_expect(json_is_integer(json_object_get(record(j, "/3/0/13"), "value")), "%s", r.body);
	cr_expect_str_eq(str_at(j, "/3303/0/5701"), "Cel");
	json_decref(j);
	http(&r, "GET", "/api/v1/clients/dev1/observations", NULL);
	cr_expect(strstr(r.body, "\"composite\":true"), "%s", r.body);

	int n = notifications(ev, buf, sizeof(buf), &len, 2, 6000);
	cr_assert_geq(n, 2, "composite notifications: %d\n%s", n, buf);
	for (int i = 0; i < 2; i++) {
		const char *e;
		size_t el;
		cr_assert_eq(nth_event(buf, i, &e, &el), 0);
		cr_expect(memmem(e, el, "\"/3/0/13\"", 9) && memmem(e, el, "\"/3303/0/5701\"", 14),
		          "a notification without every path: %.*s", (int)el, e);
	}
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"cancel-observe\", \"paths\": [\"/3/0/13\", \"/3303/0/5701\"]}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	/* Cancelled on the device too: no more notifications. */
	usleep(300000);
	n = notifications(ev, buf, sizeof(buf), &len, 1000, 300);
	int after = notifications(ev, buf, sizeof(buf), &len, 1000, 1500);
	cr_expect_eq(after, n, "notifications after the cancel:\n%s", buf);
	close(ev);
	stop_client();
}

Test(client_ops, resource_instances)
{
	start_daemon();
	start_client("dev1", NULL);
	static char buf[65536];
	size_t len;
	int ev = open_events("dev1", buf, sizeof(buf), &len);
	struct httpc_resp r;

	json_t *j = read_json("/api/v1/clients/dev1/3/0/7/1");
	cr_expect_eq(int_at(j, "/3/0/7/1"), 5000);
	cr_expect_eq(json_array_size(json_object_get(j, "records")), 1);
	json_decref(j);
	j = read_json("/api/v1/clients/dev1/3/0/6");
	cr_expect_eq(int_at(j, "/3/0/6/0"), 1);
	cr_expect_eq(int_at(j, "/3/0/6/1"), 5);
	json_decref(j);
	http(&r, "GET", "/api/v1/clients/dev1/3/0/7/9", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
	http(&r, "PUT", "/api/v1/clients/dev1/3/0/7/1", "{\"value\": 1}");
	cr_expect_eq(r.status, 405, "a read-only voltage: %s", r.body);

	/* Observe one instance; writing it notifies, its sibling stays. */
	http(&r, "POST", "/api/v1/clients/dev1/1/0/25/1/observe", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_body(&r);
	cr_expect_str_eq(str_at(j, "/1/0/25/1"), "1.2");
	json_decref(j);
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/25/1", "{\"value\": \"2.0\"}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	len = 0;
	cr_expect_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "\"value\":\"2.0\"", 3000), 0,
	             "no notification of the new value:\n%s", buf);
	j = read_json("/api/v1/clients/dev1/1/0/25");
	cr_expect_str_eq(str_at(j, "/1/0/25/0"), "1.1");
	cr_expect_str_eq(str_at(j, "/1/0/25/1"), "2.0");
	json_decref(j);
	close(ev);
	stop_client();
}

Test(client_ops, replace_resets_what_the_payload_omits)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/clients/dev1/3/0/14", "{\"value\": \"+09:00\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);

	/* Partial update: the other writable values stay. */
	http(&r, "PUT", "/api/v1/clients/dev1/3/0?mode=update",
	     "{\"records\": [{\"path\": \"/3/0/15\", \"type\": \"string\", \"value\": \"Asia/Tokyo\"}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = read_json("/api/v1/clients/dev1/3/0");
	cr_expect_str_eq(str_at(j, "/3/0/14"), "+09:00");
	cr_expect_str_eq(str_at(j, "/3/0/15"), "Asia/Tokyo");
	json_decref(j);

	/* Replace: writable values left out are reset, read-only ones stay. */
	http(&r, "PUT", "/api/v1/clients/dev1/3/0",
	     "{\"records\": [{\"path\": \"/3/0/15\", \"type\": \"string\", \"value\": \"Europe/Paris\"}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = read_json("/api/v1/clients/dev1/3/0");
	cr_expect_str_eq(str_at(j, "/3/0/14"), "", "the offset was not reset");
	cr_expect_str_eq(str_at(j, "/3/0/15"), "Europe/Paris");
	cr_expect_str_eq(str_at(j, "/3/0/0"), "lwm2md");
	json_decref(j);

	/* Mandatory writable resources keep their value: a replace of the
	 * Server instance leaves the lifetime and binding, clears the
	 * optional default pmax. */
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/3", "{\"value\": 77}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "PUT", "/api/v1/clients/dev1/1/0",
	     "{\"records\": [{\"path\": \"/1/0/2\", \"type\": \"integer\", \"value\": 1}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = read_json("/api/v1/clients/dev1/1/0");
	cr_expect_eq(int_at(j, "/1/0/2"), 1);
	cr_expect(record(j, "/1/0/3") && int_at(j, "/1/0/3") == 0, "pmax not reset");
	cr_expect_eq(int_at(j, "/1/0/1"), 300, "the lifetime changed");
	cr_expect_str_eq(str_at(j, "/1/0/7"), "U");
	json_decref(j);

	/* Replace on a multiple resource: its instances are the payload's. */
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/25",
	     "{\"records\": [{\"path\": \"/1/0/25/5\", \"type\": \"string\", \"value\": \"1.2\"}]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = read_json("/api/v1/clients/dev1/1/0/25");
	cr_expect_eq(json_array_size(json_object_get(j, "records")), 1);
	cr_expect_str_eq(str_at(j, "/1/0/25/5"), "1.2");
	json_decref(j);
	http(&r, "GET", "/api/v1/clients/dev1/1/0/25/0", NULL);
	cr_expect_eq(r.status, 404, "a replaced instance: %s", r.body);
	stop_client();
}

/* When each of the next n notifications arrives (ms). */
static int arrivals(int ev, char *buf, size_t cap, uint64_t *at, int n, int timeout_ms)
{
	size_t len = 0;
	buf[0] = 0;
	int seen = 0;
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	while (seen < n && lw_now_ms() < end) {
		httpc_read_until(ev, buf, cap, &len, NULL, 40);
		int count = 0;
		for (const char *p = buf; (p = strstr(p, "event: notification\n")); p++)
			count++;
		while (seen < count && seen < n)
			at[seen++] = lw_now_ms();
	}
	return seen;
}

/*
 * epmin: the clock (changing every second) is sampled no more often than
 * every 2 s, so notifications come 2 s apart, not 1 s; epmax alone: the
 * client samples lazily, as late as epmax allows, and never later (the
 * periods are whole seconds on the wire).
 */
Test(client_ops, evaluation_periods)
{
	start_daemon();
	start_client("dev1", NULL);
	static char buf[65536];
	size_t len;
	int ev = open_events("dev1", buf, sizeof(buf), &len);
	struct httpc_resp r;
	uint64_t at[3];

	http(&r, "PUT", "/api/v1/clients/dev1/3/0/13/attributes", "{\"epmin\": 2}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/3/0/13/observe", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(arrivals(ev, buf, sizeof(buf), at, 3, 7000), 3, "%s", buf);
	for (int i = 1; i < 3; i++) {
		uint64_t gap = at[i] - at[i - 1];
		cr_expect(gap >= 1700 && gap <= 2800, "epmin 2: a gap of %llu ms",
		          (unsigned long long)gap);
	}
	http(&r, "DELETE", "/api/v1/clients/dev1/3/0/13/observe", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);

	http(&r, "PUT", "/api/v1/clients/dev1/3/0/13/attributes",
	     "{\"epmin\": null, \"epmax\": 2}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/3/0/13/observe", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(arrivals(ev, buf, sizeof(buf), at, 3, 7000), 3, "%s", buf);
	for (int i = 1; i < 3; i++) {
		uint64_t gap = at[i] - at[i - 1];
		cr_expect(gap >= 1700 && gap <= 2800, "epmax 2: a gap of %llu ms",
		          (unsigned long long)gap);
	}
	close(ev);
	stop_client();
}

Test(client_ops, delete_then_create_again)
{
	start_daemon();
	start_client("dev1", NULL);
	static char buf[65536];
	size_t len;
	int ev = open_events("dev1", buf, sizeof(buf), &len);
	struct httpc_resp r;
	const char *create =
		"{\"records\": [{\"path\": \"/3303/1/5750\", \"type\": \"string\", \"value\": \"attic\"}]}";
	http(&r, "POST", "/api/v1/clients/dev1/3303", create);
	cr_assert_eq(r.status, 201, "%s", r.body);
	cr_expect(strstr(r.body, "\"location\":\"/3303/1\""), "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/3303/1/5700/observe", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);

	http(&r, "DELETE", "/api/v1/clients/dev1/3303/1", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	/* The deleted resource takes its observer with it: the server hears
	 * of it (a 4.04 notification ends the observation). */
	cr_expect_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "\"status\":\"4.04\"", 3000), 0,
	             "the observation did not end:\n%s", buf);
	http(&r, "GET", "/api/v1/clients/dev1/3303/1/5750", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);

	http(&r, "POST", "/api/v1/clients/dev1/3303",
	     "{\"records\": [{\"path\": \"/3303/1/5750\", \"type\": \"string\", \"value\": \"cellar\"}]}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	json_t *j = read_json("/api/v1/clients/dev1/3303/1");
	cr_expect_str_eq(str_at(j, "/3303/1/5750"), "cellar");
	cr_expect(json_is_number(json_object_get(record(j, "/3303/1/5700"), "value")), "no value");
	json_decref(j);
	http(&r, "POST", "/api/v1/clients/dev1/3303/1/5700/observe", NULL);
	cr_expect_eq(r.status, 200, "observe the new instance: %s", r.body);
	close(ev);
	stop_client();
}

/* The value of a counter in the daemon's /metrics. */
static unsigned long long metric(const char *name)
{
	struct httpc_resp r;
	http(&r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	char want[128];
	snprintf(want, sizeof(want), "\n%s ", name);
	const char *p = strstr(r.body, want);
	cr_assert(p, "no %s in /metrics", name);
	return strtoull(p + strlen(want), NULL, 10);
}

/*
 * A 20 KiB opaque value through /19/0/0/0 (object 19 from the OMA DDF
 * files, loaded by both sides): written block-wise (Block1, 1 KiB blocks),
 * read back block-wise (Block2), and identical.
 */
Test(client_ops, big_opaque_blockwise_both_ways)
{
	const char *models = getenv("LW_OMA_MODELS");
	char ddf[512];
	snprintf(ddf, sizeof(ddf), "%s/19.xml", models ? models : "");
	if (!models || !*models || access(ddf, R_OK))
		cr_skip_test("no OMA models (LW_OMA_MODELS) with 19.xml");
	char conf[700];
	snprintf(conf, sizeof(conf), "[server]\nmodel_dirs = %s\n", models);
	start_daemon_with(conf);
	const char *extra[] = {"-m", ddf, NULL};
	start_client("big", extra);

	enum { N = 20 * 1024 + 357 };
	static uint8_t data[N], back[N + 16];
	uint32_t x = 0x2545f491u;
	for (size_t i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (uint8_t)x;
	}
	static char body[40000];
	int n = snprintf(body, sizeof(body), "{\"value\": \"");
	n += (int)lw_base64_encode(data, N, body + n, 0);
	snprintf(body + n, sizeof(body) - (size_t)n, "\"}");

	struct httpc_resp r;
	unsigned long long before = metric("lwm2md_coap_requests_out_total");
	http(&r, "PUT", "/api/v1/clients/big/19/0/0/0?timeout=20", body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	unsigned long long mid = metric("lwm2md_coap_requests_out_total");
	/* One request per 1 KiB block: the write went block-wise. */
	cr_expect_geq(mid - before, N / 1024, "requests for the write: %llu", mid - before);

	http(&r, "GET", "/api/v1/clients/big/19/0/0/0?timeout=20", NULL);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	unsigned long long after = metric("lwm2md_coap_requests_out_total");
	cr_expect_geq(after - mid, N / 1024, "requests for the read: %llu", after - mid);
	json_t *j = json_body(&r);
	json_t *rec = record(j, "/19/0/0/0");
	cr_assert(rec, "%.300s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(rec, "type")), "opaque");
	const char *b64 = json_string_value(json_object_get(rec, "value"));
	cr_assert(b64);
	size_t got = 0;
	cr_assert(lw_base64_decoded_max(strlen(b64)) <= sizeof(back));
	cr_assert_eq(lw_base64_decode(b64, strlen(b64), back, &got, 0, NULL), 0);
	cr_expect_eq(got, (size_t)N);
	cr_expect(got == N && !memcmp(back, data, N), "the value came back different");
	json_decref(j);
	stop_client();
}
