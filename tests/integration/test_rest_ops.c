/*
 * tests/integration/test_rest_ops.c: the device-management routes of the
 * REST API end to end: the real daemon, the real reference client
 * (lwm2m-client) registered to it, and raw HTTP requests (httpc.c). Each test
 * checks what the device really holds, by reading back what it wrote.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "restops.h"

TestSuite(rest_ops, .init = setup, .fini = teardown, .timeout = 30);

Test(rest_ops, read_write_execute)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;

	http(&r, "GET", "/api/v1/clients/dev1/3/0", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.05");
	json_t *rec = record(j, "/3/0/0");
	cr_assert(rec, "no /3/0/0 in %s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(rec, "value")), "lwm2md");
	cr_expect_str_eq(json_string_value(json_object_get(rec, "type")), "string");
	rec = record(j, "/3/0/2");
	cr_expect(rec && strcmp(json_string_value(json_object_get(rec, "value")), "dev1") == 0,
	          "serial number: %s", r.body);
	json_decref(j);

	/* Every format the client writes gives the same records. */
	static const char *const fmts[] = {"tlv", "senml-json", "senml-cbor", "lwm2m-cbor"};
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char target[128];
		snprintf(target, sizeof(target), "/api/v1/clients/dev1/3/0?format=%s&timeout=5",
		         fmts[i]);
		http(&r, "GET", target, NULL);
		cr_assert_eq(r.status, 200, "%s: %s", fmts[i], r.body);
		j = json_body(&r);
		rec = record(j, "/3/0/1");
		cr_expect(rec && strcmp(json_string_value(json_object_get(rec, "value")),
		                        "lwm2m-client") == 0,
		          "%s: %s", fmts[i], r.body);
		json_decref(j);
	}
	http(&r, "GET", "/api/v1/clients/dev1/3/0/0?format=text", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"value\":\"lwm2md\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/3/0?format=klingon", NULL);
	expect_error(&r, 400, "bad-request");

	/* Write the lifetime, read it back. */
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/1", "{\"value\": 120}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/1/0/1", NULL);
	j = json_body(&r);
	rec = record(j, "/1/0/1");
	cr_expect(rec && json_integer_value(json_object_get(rec, "value")) == 120, "%s", r.body);
	json_decref(j);
	/* Partial update with records. */
	http(&r, "PUT", "/api/v1/clients/dev1/1/0?mode=update",
	     "{\"records\": [{\"path\": \"/1/0/1\", \"type\": \"integer\", \"value\": 150}]}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/1/0/1", NULL);
	cr_expect(strstr(r.body, "\"value\":150"), "%s", r.body);

	/* Bad requests never reach the device. */
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/1", "{\"value\": \"soon\"}");
	expect_error(&r, 400, "bad-value");
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/1", "{\"value\": 12");
	expect_error(&r, 400, "bad-request");
	http(&r, "PUT", "/api/v1/clients/dev1/1/0/1?mode=sideways", "{\"value\": 12}");
	expect_error(&r, 400, "bad-request");
	http(&r, "GET", "/api/v1/clients/dev1/3/x", NULL);
	expect_error(&r, 400, "bad-path");

	/* Execute: Reboot logs on the client. */
	http(&r, "POST", "/api/v1/clients/dev1/3/0/4", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);

	/* Errors of the device keep its code. */
	http(&r, "GET", "/api/v1/clients/dev1/3/7", NULL);
	cr_expect_eq(r.status, 404, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"4.04\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/0/0", NULL);
	cr_expect_eq(r.status, 403, "Security from a DM server: %s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"4.01\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/nobody/3/0", NULL);
	expect_error(&r, 404, "not-registered");

	/* The reads above went into the default store's time series. */
	http(&r, "GET", "/api/v1/clients/dev1/data?path=/3/0/0", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	json_t *stored = json_body(&r);
	cr_expect(record(stored, "/3/0/0") != NULL, "no stored /3/0/0: %s", r.body);
	json_decref(stored);
	http(&r, "GET", "/api/v1/clients/dev1/data?from=5&to=4", NULL);
	expect_error(&r, 400, "bad-request");
	stop_client();
}

Test(rest_ops, create_delete_discover_attributes)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;

	http(&r, "POST", "/api/v1/clients/dev1/3303",
	     "{\"records\": [{\"path\": \"/3303/1/5701\", \"type\": \"string\", \"value\": \"K\"}]}");
	cr_assert_eq(r.status, 201, "%s", r.body);
	json_t *j = json_body(&r);
	const char *loc = json_string_value(json_object_get(j, "location"));
	cr_assert(loc && strncmp(loc, "/3303/", 6) == 0 && strcmp(loc, "/3303/0") != 0, "%s",
	          r.body);
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/dev1%s", loc);
	json_decref(j);
	http(&r, "GET", target, NULL);
	cr_expect_eq(r.status, 200, "the new instance: %s", r.body);
	http(&r, "DELETE", target, NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.02\""), "%s", r.body);
	http(&r, "GET", target, NULL);
	cr_expect_eq(r.status, 404, "deleted: %s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/3303", "{}");
	expect_error(&r, 400, "bad-request");

	http(&r, "GET", "/api/v1/clients/dev1/3/0/discover", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	j = json_body(&r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.05");
	size_t i;
	json_t *l;
	int seen = 0;
	json_array_foreach(json_object_get(j, "links"), i, l) {
		const char *p = json_string_value(json_object_get(l, "path"));
		cr_expect(json_is_object(json_object_get(l, "attributes")), "%s", r.body);
		if (p && strcmp(p, "/3/0/0") == 0)
			seen = 1;
	}
	cr_expect(seen, "no /3/0/0 link: %s", r.body);
	json_decref(j);

	http(&r, "PUT", "/api/v1/clients/dev1/3303/0/5700/attributes",
	     "{\"pmin\": 1, \"pmax\": 30, \"st\": 0.5}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/3303/0/5700/discover", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"pmax\":30"), "the attribute was not stored: %s", r.body);
	http(&r, "PUT", "/api/v1/clients/dev1/3303/0/5700/attributes", "{\"often\": 1}");
	expect_error(&r, 400, "bad-request");
	stop_client();
}

Test(rest_ops, observe_and_events)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;
	int ev = httpc_send(http_port, "GET", "/api/v1/events?ep=dev1", AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	static char buf[65536];
	size_t len = 0;
	cr_assert_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "event stream\n\n", 3000), 0);

	http(&r, "PUT", "/api/v1/clients/dev1/3303/0/5700/attributes", "{\"pmin\": 0, \"pmax\": 1}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/3303/0/5700/observe", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	cr_expect(json_is_number(json_object_get(record(j, "/3303/0/5700"), "value")), "%s",
	          r.body);
	json_decref(j);

	http(&r, "GET", "/api/v1/clients/dev1/observations", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "/3303/0/5700"), "%s", r.body);

	int n = notifications(ev, buf, sizeof(buf), &len, 3, 8000);
	cr_expect_geq(n, 2, "notifications on the stream: %d\n%s", n, buf);
	/* The values change over time: two of them differ. */
	double first = 0;
	int differ = 0, values = 0;
	for (const char *p = buf; (p = strstr(p, "event: notification\n")); p++) {
		const char *v = strstr(p, "\"value\":");
		if (!v)
			continue;
		double x = strtod(v + 8, NULL);
		if (values++ == 0)
			first = x;
		else if (x != first)
			differ = 1;
	}
	cr_expect(differ, "the values never changed:\n%s", buf);

	http(&r, "DELETE", "/api/v1/clients/dev1/3303/0/5700/observe", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/observations", NULL);
	cr_expect(!strstr(r.body, "/3303/0/5700"), "still observed: %s", r.body);
	http(&r, "DELETE", "/api/v1/clients/dev1/3303/0/5700/observe", NULL);
	cr_expect_eq(r.status, 404, "no observation left: %s", r.body);

	/* The operations went to the stream too. */
	len = strlen(buf);
	cr_expect_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "event: operation\n", 2000), 0,
	             "no operation event:\n%s", buf);
	close(ev);
	stop_client();
}

/*
 * Composite operations through the REST route: a Read-Composite across two
 * objects, a Write-Composite read back, and the route's own refusals (the
 * reference client's side is covered in test_client_ops.c).
 */
Test(rest_ops, composite)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"read\", \"paths\": [\"/3/0/0\", \"/1/0/1\"]}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.05");
	json_t *rec = record(j, "/3/0/0");
	cr_expect(rec && strcmp(json_string_value(json_object_get(rec, "value")), "lwm2md") == 0,
	          "%s", r.body);
	cr_expect(json_is_integer(json_object_get(record(j, "/1/0/1"), "value")), "%s", r.body);
	json_decref(j);
	http(&r, "POST", "/api/v1/clients/dev1/composite",
	     "{\"op\": \"write\", \"records\": [{\"path\": \"/1/0/1\", \"type\": \"integer\", "
	     "\"value\": 200}]}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/dev1/1/0/1", NULL);
	cr_expect(r.status == 200 && strstr(r.body, "\"value\":200"), "%s", r.body);
	http(&r, "POST", "/api/v1/clients/dev1/composite", "{\"op\": \"dance\"}");
	expect_error(&r, 400, "bad-request");
	http(&r, "POST", "/api/v1/clients/dev1/composite", "{\"op\": \"write\"}");
	expect_error(&r, 400, "bad-request");
	stop_client();
}

/*
 * A device that does not answer: the operation's timeout answers 504; a
 * request still waiting when the daemon stops answers 503, and the daemon
 * stops cleanly (the operation is detached before the request goes).
 */
Test(rest_ops, timeout_and_shutdown)
{
	start_daemon();
	start_client("dev1", NULL);
	struct httpc_resp r;
	cr_assert_eq(kill(client_pid, SIGSTOP), 0);
	uint64_t t0 = lw_now_ms();
	http(&r, "GET", "/api/v1/clients/dev1/3/0?timeout=1", NULL);
	expect_error(&r, 504, "timeout");
	cr_expect_lt(lw_now_ms() - t0, 4000, "the timeout was not kept");

	int fd = httpc_send(http_port, "GET", "/api/v1/clients/dev1/3/0?timeout=60", AUTH, NULL,
	                    NULL);
	cr_assert_geq(fd, 0);
	usleep(500000); /* it is waiting for the device now */
	int status = lwd_stop(&d);
	cr_expect(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not stop cleanly (0x%x):\n%s", status, lw_slurp(d.err));
	static char buf[8192];
	size_t len = 0;
	httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 3000);
	close(fd);
	cr_expect(strncmp(buf, "HTTP/1.1 503", 12) == 0, "the waiting request got:\n%s", buf);
	kill(client_pid, SIGCONT);
	stop_client();
}

/*
 * A queue-mode client that has just talked to the server is awake: its
 * operations are answered at once, not queued.
 */
Test(rest_ops, queue_mode_awake)
{
	start_daemon();
	const char *extra[] = {"-q", "--awake", "5", NULL};
	start_client("sleepy", extra);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/sleepy", NULL);
	cr_expect(strstr(r.body, "\"queueMode\":true"), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/sleepy/3/0/0?wait=5", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	cr_expect(strstr(r.body, "\"value\":\"lwm2md\""), "%s", r.body);
	http(&r, "GET", "/api/v1/clients/sleepy/3/0/0?wait=soon", NULL);
	expect_error(&r, 400, "bad-request");
	http(&r, "GET", "/api/v1/clients/sleepy/3/0/0?timeout=0", NULL);
	expect_error(&r, 400, "bad-request");
	stop_client();
}

/*
 * A queue-mode client silent for longer than [coap] queue_awake is asleep:
 * a Read answers 202 queued with an id at once, and the result arrives on the
 * event stream as an `operation` event once the client wakes (its next
 * Update, here a few seconds later: lifetime 6 s, Update at 3/4 of it).
 */
Test(rest_ops, queue_mode_asleep_answers_202_then_event)
{
	start_daemon_with("[coap]\nqueue_awake = 1\n");
	const char *extra[] = {"-q", "--awake", "1", "-l", "6", NULL};
	start_client("sleeper", extra);
	int ev = httpc_send(http_port, "GET", "/api/v1/events?ep=sleeper", AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	static char buf[65536];
	size_t len = 0;
	cr_assert_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "event stream\n\n", 3000), 0);
	usleep(2000000); /* past queue_awake: the server takes it as asleep */
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/sleeper/3/0/0", NULL);
	cr_assert_eq(r.status, 202, "%s", r.body);
	json_t *j = json_body(&r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "queued");
	json_int_t id = json_integer_value(json_object_get(j, "id"));
	cr_expect_gt(id, 0, "%s", r.body);
	json_decref(j);
	char want[64];
	snprintf(want, sizeof(want), "\"id\":%lld", (long long)id);
	uint64_t end = lw_now_ms() + 12000;
	const char *hit = NULL;
	while (!hit && lw_now_ms() < end) {
		httpc_read_until(ev, buf, sizeof(buf), &len, "event: operation\n", 500);
		for (const char *p = buf; !hit && (p = strstr(p, "event: operation\n")); p++)
			if (strstr(p, want) && (!strstr(p + 1, "event: ") || strstr(p, want) < strstr(p + 1, "event: ")))
				hit = p;
	}
	cr_assert(hit, "no operation event with %s:\n%s", want, buf);
	cr_expect(strstr(hit, "lwm2md"), "the queued Read's result: %s", hit);
	close(ev);
	stop_client();
}

/*
 * LwM2M Send end to end: the real client posts its temperature to /dp every
 * second (SenML CBOR, time-stamped) and each one reaches the event stream as
 * a `send` event with the records.
 */
Test(rest_ops, send_reaches_the_event_stream)
{
	start_daemon();
	const char *extra[] = {"--send-interval", "1", NULL};
	start_client("sender", extra);
	int ev = httpc_send(http_port, "GET", "/api/v1/events?ep=sender", AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	static char buf[65536];
	size_t len = 0;
	cr_assert_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "event stream\n\n", 3000), 0);
	cr_assert_eq(httpc_read_until(ev, buf, sizeof(buf), &len, "event: send\n", 8000), 0,
	             "no send event:\n%s\n%s", buf, lw_slurp(client_err));
	const char *hit = strstr(buf, "event: send\n");
	cr_assert(hit);
	const char *next = strstr(hit + 1, "\n\n");
	cr_assert(next, "an incomplete event: %s", hit);
	cr_expect(memmem(hit, (size_t)(next - hit), "/3303/0/5700", 12),
	          "the temperature is not in the send event: %.*s", (int)(next - hit), hit);
	cr_expect(memmem(hit, (size_t)(next - hit), "\"time\"", 6),
	          "the sent value carries no time: %.*s", (int)(next - hit), hit);
	close(ev);
	stop_client();
}
