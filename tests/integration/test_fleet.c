/*
 * tests/integration/test_fleet.c: lwm2m-fleet against the real lwm2md, seen
 * from the daemon's REST API: a fleet registers (the client list holds every
 * device), its devices answer Reads with their own values, an observation
 * brings notifications, queue-mode devices answer a queued Read after they
 * wake, SIGTERM deregisters everyone, and a sharded fleet adds up to the
 * same totals.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"

#define TOKEN "fleet-token"
#define AUTH "Bearer " TOKEN

static struct lwd d;
static int http_port;
static pid_t fleet_pid;
static char fleet_err[300], fleet_json[300];

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	snprintf(fleet_err, sizeof(fleet_err), "%s/fleet.err", d.dir);
	snprintf(fleet_json, sizeof(fleet_json), "%s/fleet.json", d.dir);
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = httpc_free_port();
		cr_assert_gt(http_port, 0);
		char extra[512];
		/* queue_awake 1: the daemon thinks a queue-mode device asleep a
		 * second after its last message, as the fleet's do. */
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "sse_keepalive_ms = 200\n[coap]\nqueue_awake = 1\n",
		         http_port);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(d.err));
}

static void teardown(void)
{
	if (fleet_pid > 0)
		lw_stop_child(fleet_pid, 5000);
	fleet_pid = 0;
	lwd_cleanup(&d);
}

TestSuite(fleet, .init = setup, .fini = teardown, .timeout = 40);

static void start_fleet(const char *const *extra)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-fleet");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[40] = {bin, "-u", uri, "--json", fleet_json};
	int n = 5;
	for (; extra && *extra && n < 38; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	fleet_pid = lw_spawn(argv, NULL, fleet_err);
	cr_assert_gt(fleet_pid, 0);
}

/* The status code, and the body as JSON (NULL when it is none). The client
 * list of a fleet outgrows httpc_request's buffer, hence a bigger one. */
static int get_json(const char *method, const char *target, const char *body, json_t **out)
{
	static char buf[1 << 20];
	size_t len = 0;
	*out = NULL;
	int fd = httpc_send(http_port, method, target, AUTH, NULL, body);
	cr_assert_geq(fd, 0);
	httpc_read_until(fd, buf, sizeof(buf) - 1, &len, NULL, 20000);
	close(fd);
	buf[len] = 0;
	int status = 0;
	sscanf(buf, "HTTP/1.%*d %d", &status);
	const char *b = strstr(buf, "\r\n\r\n");
	if (b)
		*out = json_loads(b + 4, 0, NULL);
	return status;
}

static size_t clients_with(const char *prefix)
{
	json_t *j;
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients?q=%s", prefix);
	cr_assert_eq(get_json("GET", target, NULL, &j), 200);
	cr_assert(json_is_array(j));
	size_t n = json_array_size(j);
	json_decref(j);
	return n;
}

static void wait_clients(const char *prefix, size_t want, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	size_t n;
	while ((n = clients_with(prefix)) != want && lw_now_ms() < end)
		usleep(100000);
	cr_assert_eq(n, want, "%zu clients %s-*, wanted %zu\n%s", n, prefix, want,
	             lw_slurp(fleet_err));
}

/* The value of the record at path in a Read answer. */
static json_t *value_at(json_t *answer, const char *path)
{
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(answer, "records"), i, rec) {
		if (!strcmp(json_string_value(json_object_get(rec, "path")), path))
			return json_object_get(rec, "value");
	}
	return NULL;
}

static json_t *read_json(const char *ep, const char *path, const char *query)
{
	char target[256];
	json_t *j;
	snprintf(target, sizeof(target), "/api/v1/clients/%s%s%s", ep, path, query ? query : "");
	int st = get_json("GET", target, NULL, &j);
	cr_assert_eq(st, 200, "GET %s: %d", target, st);
	cr_assert(j);
	cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "2.05");
	return j;
}

static int stop_fleet(void)
{
	kill(fleet_pid, SIGTERM);
	int st = lw_wait_timeout(fleet_pid, 15000);
	cr_assert_geq(st, 0, "the fleet did not end after SIGTERM");
	fleet_pid = 0;
	return st;
}

static json_t *summary(void)
{
	json_error_t e;
	json_t *j = json_load_file(fleet_json, 0, &e);
	cr_assert(j, "no JSON summary (%s):\n%s", e.text, lw_slurp(fleet_err));
	return j;
}

static long long field(json_t *j, const char *name)
{
	return (long long)json_integer_value(json_object_get(j, name));
}

Test(fleet, registers_answers_observes_deregisters)
{
	start_fleet((const char *const[]){"-c", "200", "-r", "2000", "-n", "fl",
	                                  "--notify-interval", "0.5", "-l", "60", NULL});
	wait_clients("fl-", 200, 15000);

	/* Each device its own serial number, its own port; the shared tree
	 * holds the rest. */
	json_t *list;
	cr_assert_eq(get_json("GET", "/api/v1/clients?q=fl-", NULL, &list), 200);
	const char *a0 = json_string_value(json_object_get(json_array_get(list, 0), "address"));
	const char *a1 = json_string_value(json_object_get(json_array_get(list, 1), "address"));
	cr_assert(a0 && a1);
	cr_expect_str_neq(a0, a1);
	json_decref(list);

	const char *eps[] = {"fl-000001", "fl-000077", "fl-000200"};
	for (int i = 0; i < 3; i++) {
		json_t *j = read_json(eps[i], "/3/0", NULL);
		cr_expect_str_eq(json_string_value(value_at(j, "/3/0/2")), eps[i]);
		cr_expect_str_eq(json_string_value(value_at(j, "/3/0/0")), "lwm2md");
		json_decref(j);
		j = read_json(eps[i], "/3303/0/5700", "?format=senml-json");
		json_t *v = value_at(j, "/3303/0/5700");
		cr_assert(json_is_number(v));
		double t = json_number_value(v);
		cr_expect(t > 17.0 && t < 25.0, "temperature %g", t);
		json_decref(j);
	}
	/* Another format, a Discover. */
	json_t *j = read_json("fl-000002", "/3303/0", "?format=tlv");
	cr_expect(json_is_string(value_at(j, "/3303/0/5701")));
	json_decref(j);

	/* An observation: notifications with changing values. */
	int ev = httpc_send(http_port, "GET", "/api/v1/events?ep=fl-000003", AUTH, NULL, NULL);
	cr_assert_geq(ev, 0);
	static char sse[1 << 16];
	size_t len = 0;
	cr_assert_eq(httpc_read_until(ev, sse, sizeof(sse) - 1, &len, "\r\n\r\n", 5000), 0);
	cr_assert_eq(get_json("POST", "/api/v1/clients/fl-000003/3303/0/5700/observe", NULL, &j),
	             200);
	json_decref(j);
	uint64_t end = lw_now_ms() + 6000;
	int count = 0;
	while (lw_now_ms() < end && count < 3) {
		httpc_read_until(ev, sse, sizeof(sse) - 1, &len, NULL, 200);
		sse[len] = 0;
		count = 0;
		for (const char *p = sse; (p = strstr(p, "event: notification")); p++)
			count++;
	}
	close(ev);
	cr_expect_geq(count, 3, "notifications: %d\n%s", count, sse);
	cr_expect(strstr(sse, "/3303/0/5700"), "%s", sse);

	int st = stop_fleet();
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	cr_expect_eq(clients_with("fl-"), 0, "devices left registered");
	json_t *s = summary();
	cr_expect_eq(field(s, "registrations"), 200);
	cr_expect_eq(field(s, "deregistered"), 200);
	cr_expect_geq(field(s, "notifications"), 3);
	cr_expect_geq(field(s, "requests"), 8);
	json_decref(s);
}

Test(fleet, queue_mode_devices_answer_after_waking)
{
	start_fleet((const char *const[]){"-c", "4", "-n", "qm", "--queue-share", "1", "--awake",
	                                  "0.5", "--sleep", "2", NULL});
	wait_clients("qm-", 4, 10000);
	json_t *c;
	cr_assert_eq(get_json("GET", "/api/v1/clients/qm-000002", NULL, &c), 200);
	cr_expect(json_is_true(json_object_get(c, "queueMode")));
	json_decref(c);
	usleep(1200000); /* past both awake times: asleep */

	/* Without wait: queued for the sleeper. */
	json_t *j;
	int st = get_json("GET", "/api/v1/clients/qm-000002/3/0/2", NULL, &j);
	cr_expect_eq(st, 202);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "queued");
	json_decref(j);
	/* With wait: the answer comes once the device wakes (its Update). */
	uint64_t t0 = lw_now_ms();
	j = read_json("qm-000003", "/3/0/2", "?wait=10");
	cr_expect_str_eq(json_string_value(value_at(j, "/3/0/2")), "qm-000003");
	json_decref(j);
	cr_expect_lt(lw_now_ms() - t0, 8000);

	stop_fleet();
	cr_expect_eq(clients_with("qm-"), 0);
	json_t *s = summary();
	cr_expect_eq(field(s, "deregistered"), 4);
	cr_expect_geq(field(s, "updates"), 4, "the waking Updates");
	json_decref(s);
}

Test(fleet, sharded_fleet_gives_the_same_totals)
{
	/* -d 8: long enough for the Read below on a loaded machine under
	 * sanitizers (the devices deregister when it ends). */
	start_fleet((const char *const[]){"-c", "200", "-r", "2000", "-n", "sh", "--shard-size",
	                                  "50", "-d", "8", NULL});
	wait_clients("sh-", 200, 15000);
	json_t *j = read_json("sh-000123", "/3/0/2", NULL);
	cr_expect_str_eq(json_string_value(value_at(j, "/3/0/2")), "sh-000123");
	json_decref(j);
	int st = lw_wait_timeout(fleet_pid, 20000);
	cr_assert_geq(st, 0, "the fleet did not end after its duration");
	fleet_pid = 0;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	char *err = lw_slurp(fleet_err);
	cr_expect(strstr(err, "in 4 shard processes"), "%s", err);
	cr_expect(strstr(err, "registered=200/200"), "%s", err);
	free(err);
	cr_expect_eq(clients_with("sh-"), 0);
	json_t *s = summary();
	cr_expect_eq(field(s, "devices"), 200);
	cr_expect_eq(field(s, "registrations"), 200);
	cr_expect_eq(field(s, "deregistered"), 200);
	cr_expect_eq(field(s, "errors"), 0);
	cr_expect_geq(field(s, "requests"), 1);
	json_decref(s);
}
