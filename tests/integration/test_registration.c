/*
 * tests/integration/test_registration.c: the real lwm2md registered to by
 * libcoap's coap-client, a CoAP stack that is not ours, with hand-made
 * Register, Update and De-register requests: proof that the registration
 * interface does not depend on our own client's habits. What the daemon did
 * is checked three ways: the CoAP answers (coap-client's -v 7 dump), the
 * daemon's log, and the events the example-eventlog plugin wrote to
 * state_dir/events.jsonl.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

static struct lwd d;

static const char *client(void)
{
	const char *c = getenv("LW_COAP_CLIENT");
	if (!c || !*c)
		cr_skip("LW_COAP_CLIENT is empty: configure found no coap-client "
		        "(install libcoap3-bin)");
	return c;
}

static void setup(void)
{
	client();
	cr_assert_eq(lwd_init(&d), 0);
}

static void teardown(void)
{
	lwd_cleanup(&d);
}

TestSuite(registration, .init = setup, .fini = teardown, .timeout = 30);

/*
 * Runs coap-client -m method on path?query (payload as link format when not
 * NULL) and returns its whole output (the PDU dump); the caller frees it.
 */
static char *coap(const char *method, const char *path_query, const char *payload)
{
	char uri[512];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d%s", d.port, path_query);
	const char *argv[16];
	int n = 0;
	argv[n++] = client();
	argv[n++] = "-v";
	argv[n++] = "7";
	argv[n++] = "-B";
	argv[n++] = "5";
	argv[n++] = "-m";
	argv[n++] = method;
	if (payload) {
		argv[n++] = "-t";
		argv[n++] = "40";
		argv[n++] = "-e";
		argv[n++] = payload;
	}
	argv[n++] = uri;
	argv[n] = NULL;
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	cr_assert_eq(rc, 0, "coap-client exited %d:\n%s%s", rc, out ? out : "", err ? err : "");
	size_t len = strlen(out) + strlen(err) + 1;
	char *all = malloc(len);
	cr_assert(all);
	snprintf(all, len, "%s%s", out, err);
	free(out);
	free(err);
	return all;
}

/* The second Location-Path segment of a 2.01 answer ("rd", then the id). */
static void location_id(const char *dump, char *id, size_t cap)
{
	const char *p = strstr(dump, "Location-Path:rd, Location-Path:");
	cr_assert_not_null(p, "no Location-Path rd/<id> in:\n%s", dump);
	p += strlen("Location-Path:rd, Location-Path:");
	size_t n = strcspn(p, " ,]");
	cr_assert(n > 0 && n < cap, "bad id in:\n%s", dump);
	memcpy(id, p, n);
	id[n] = '\0';
}

static void stop_cleanly(void)
{
	int status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "lwm2md did not exit 0 on SIGTERM (wait status 0x%x)", status);
}

/* The lines of events.jsonl with kind name ev that mention needle. */
static int count_event_lines(const char *log, const char *ev, const char *needle)
{
	char kind[64];
	snprintf(kind, sizeof(kind), "{\"event\":\"%s\"", ev);
	int n = 0;
	for (const char *line = log; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);
		cr_assert(copy);
		if (strncmp(copy, kind, strlen(kind)) == 0 && strstr(copy, needle))
			n++;
		free(copy);
		line = end ? end + 1 : NULL;
	}
	return n;
}

static char *events_log(void)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/events.jsonl", d.state);
	char *log = lw_slurp(path);
	cr_assert_not_null(log, "no %s", path);
	return log;
}

Test(registration, coap_client_registers_updates_and_deregisters)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);

	char *dump = coap("post", "/rd?ep=dev1&lt=60&lwm2m=1.1&b=U", "</1/0>,</3/0>");
	cr_assert(strstr(dump, "t:ACK c:2.01"), "no 2.01 Created:\n%s", dump);
	char id[64];
	location_id(dump, id, sizeof(id));
	free(dump);
	cr_assert_null(strstr(id, "dev1"), "the location leaks the endpoint: %s", id);
	char want[200];
	snprintf(want, sizeof(want), "registered: endpoint dev1, registration %s, from 127.0.0.1:",
	         id);
	cr_assert_eq(lw_wait_for_text(d.err, want, 5000), 0, "no log line \"%s\"", want);

	/* coap-client binds a new port each run: the daemon must follow (NAT). */
	char path[128];
	snprintf(path, sizeof(path), "/rd/%s?lt=120", id);
	dump = coap("post", path, NULL);
	cr_assert(strstr(dump, "t:ACK c:2.04"), "no 2.04 Changed for the Update:\n%s", dump);
	free(dump);
	snprintf(want, sizeof(want), "registration updated: endpoint dev1, registration %s", id);
	cr_assert_eq(lw_wait_for_text(d.err, want, 5000), 0, "no log line \"%s\"", want);

	snprintf(path, sizeof(path), "/rd/%s", id);
	dump = coap("delete", path, NULL);
	cr_assert(strstr(dump, "t:ACK c:2.02"), "no 2.02 Deleted:\n%s", dump);
	free(dump);
	snprintf(want, sizeof(want), "deregistered: endpoint dev1, registration %s", id);
	cr_assert_eq(lw_wait_for_text(d.err, want, 5000), 0, "no log line \"%s\"", want);

	/* Gone: a second De-register finds nothing. */
	dump = coap("delete", path, NULL);
	cr_assert(strstr(dump, "t:ACK c:4.04"), "no 4.04 for a deleted registration:\n%s",
	          dump);
	free(dump);

	stop_cleanly();
	char *log = events_log();
	snprintf(want, sizeof(want), "\"registrationId\":\"%s\"", id);
	cr_expect_eq(count_event_lines(log, "registration", want), 1, "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "update", want), 1, "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "deregistration", want), 1, "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "registration", "\"objects\":[\"/1/0\",\"/3/0\"]"), 1,
	             "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "update", "\"lifetime\":120"), 1, "events.jsonl:\n%s",
	             log);
	cr_expect_eq(count_event_lines(log, "registration", "\"endpoint\":\"dev1\""), 1,
	             "events.jsonl:\n%s", log);
	free(log);
}

Test(registration, refusals_carry_the_right_code)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char *dump = coap("post", "/rd?ep=future&lwm2m=1.3", "</1/0>");
	cr_expect(strstr(dump, "t:ACK c:4.12"), "no 4.12 for LwM2M 1.3:\n%s", dump);
	free(dump);
	dump = coap("post", "/rd?lt=60&lwm2m=1.1", "</1/0>");
	cr_expect(strstr(dump, "t:ACK c:4.00"), "no 4.00 without ep:\n%s", dump);
	cr_expect(strstr(dump, "ep="), "no diagnostic naming ep:\n%s", dump);
	free(dump);
	/* Parameters in another order, an unknown one, version 1.0.0. */
	dump = coap("post", "/rd?x-vendor=1&b=UQ&lwm2m=1.0.0&ep=old", "</>;rt=\"oma.lwm2m\",</3/0>");
	cr_expect(strstr(dump, "t:ACK c:2.01"), "no 2.01 for a 1.0.0 client:\n%s", dump);
	free(dump);
	stop_cleanly();
	char *log = events_log();
	cr_expect_eq(count_event_lines(log, "registration", "\"endpoint\":\"old\""), 1,
	             "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "registration", "\"queueMode\":true"), 1,
	             "events.jsonl:\n%s", log);
	cr_expect_eq(count_event_lines(log, "registration", "future"), 0, "events.jsonl:\n%s", log);
	free(log);
}

Test(registration, lifetime_runs_out)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char *dump = coap("post", "/rd?ep=brief&lt=1", "</3/0>");
	cr_assert(strstr(dump, "t:ACK c:2.01"), "no 2.01 Created:\n%s", dump);
	free(dump);
	cr_assert_eq(lw_wait_for_text(d.err, "registration expired: endpoint brief", 5000), 0,
	             "no expiry logged within 5 s of a 1 s lifetime");
	stop_cleanly();
	char *log = events_log();
	cr_expect_eq(count_event_lines(log, "expired", "\"endpoint\":\"brief\""), 1,
	             "events.jsonl:\n%s", log);
	free(log);
}
