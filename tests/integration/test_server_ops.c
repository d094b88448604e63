/*
 * tests/integration/test_server_ops.c: server-side behaviour end to end, with
 * the real daemon and the real reference client (lwm2m-client), seen the way
 * an integrator sees it: REST calls, the SSE event stream and /metrics.
 *
 * - a client that reboots (killed, started again with the same endpoint)
 *   registers anew and forgets its observations; lwm2md observes again by
 *   itself and links the new observation to the old one ("replaces");
 *   with [server] reobserve_on_register = false it does not;
 * - operation counters by kind and status at GET /metrics;
 * - a daemon without a link-format codec refuses to start.
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

#define TOKEN "server-ops-token"
#define AUTH "Bearer " TOKEN

static struct lwd d;
static int http_port;
static pid_t client_pid;
static char client_out[300], client_err[300];

static void kill_client(int sig)
{
	if (client_pid <= 0)
		return;
	kill(client_pid, sig);
	if (lw_wait_timeout(client_pid, 5000) < 0) {
		kill(client_pid, SIGKILL);
		lw_wait_timeout(client_pid, 5000);
	}
	client_pid = 0;
}

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	snprintf(client_out, sizeof(client_out), "%s/client.out", d.dir);
	snprintf(client_err, sizeof(client_err), "%s/client.err", d.dir);
}

static void teardown(void)
{
	kill_client(SIGTERM);
	lwd_cleanup(&d);
}

TestSuite(server_ops, .init = setup, .fini = teardown, .timeout = 30);

/* conf: more config text (e.g. a [server] section), or "". */
static void start_daemon_with(const char *conf)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = httpc_free_port();
		cr_assert_gt(http_port, 0);
		char extra[512];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "sse_keepalive_ms = 200\n%s",
		         http_port, conf);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(d.err));
}

static void http(struct httpc_resp *r, const char *method, const char *target, const char *body)
{
	int rc = httpc_request(r, http_port, method, target, AUTH, NULL, body, 15000);
	cr_assert_eq(rc, 0, "%s %s: no whole answer:\n%s", method, target, r->raw);
}

static json_t *json_body(const struct httpc_resp *r)
{
	json_error_t e;
	json_t *j = json_loads(r->body, 0, &e);
	cr_assert(j, "not JSON (%s): %s", e.text, r->body);
	return j;
}

/* Stops the client, then the daemon: a clean exit (no leak under ASan). */
static void stop_all(void)
{
	kill_client(SIGTERM);
	int st = lwd_stop(&d);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "lwm2md ended with %d:\n%s",
	          st, lw_slurp(d.err));
}

/* Starts lwm2m-client as ep; does not wait. */
static void spawn_client(const char *ep)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[] = {bin, "-u", uri, "-n", ep, NULL};
	client_pid = lw_spawn(argv, client_out, client_err);
	cr_assert_gt(client_pid, 0);
}

/* Starts lwm2m-client as ep and waits until it is in the client list. */
static void start_client(const char *ep)
{
	spawn_client(ep);
	char want[128];
	snprintf(want, sizeof(want), "\"endpoint\":\"%s\"", ep);
	uint64_t end = lw_now_ms() + 10000;
	struct httpc_resp r;
	do {
		http(&r, "GET", "/api/v1/clients", NULL);
		if (strstr(r.body, want))
			return;
		usleep(50000);
	} while (lw_now_ms() < end);
	cr_assert_fail("%s never registered:\n%s\n%s\n%s", ep, lw_slurp(client_err), r.body,
	               lw_slurp(d.err));
}

/* The event stream of ep, open and past its greeting. */
static int open_events(const char *ep, char *buf, size_t cap, size_t *len)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/events?ep=%s", ep);
	int fd = httpc_send(http_port, "GET", target, AUTH, NULL, NULL);
	cr_assert_geq(fd, 0);
	*len = 0;
	cr_assert_eq(httpc_read_until(fd, buf, cap, len, "event stream\n\n", 3000), 0);
	return fd;
}

/*
 * Reads the stream until an event of kind whose data line holds every one
 * of the needles (NULL-terminated) arrives after buf[from]; returns its data
 * line (in buf), or NULL after timeout_ms.
 */
static const char *wait_event(int fd, char *buf, size_t cap, size_t *len, size_t from,
                              const char *kind, const char *const *needles, int timeout_ms)
{
	char head[64];
	snprintf(head, sizeof(head), "event: %s\n", kind);
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		for (const char *p = buf + from; (p = strstr(p, head)); p++) {
			const char *data = strstr(p, "data: ");
			const char *eol = data ? strchr(data, '\n') : NULL;
			if (!eol)
				break; /* not whole yet */
			int all = 1;
			for (const char *const *n = needles; n && *n && all; n++) {
				const char *hit = strstr(data, *n);
				all = hit && hit < eol;
			}
			if (all)
				return data;
		}
		if (lw_now_ms() >= end)
			return NULL;
		httpc_read_until(fd, buf, cap, len, NULL, 200);
	}
}

/* Observes /3303/0/5700 of ep over REST; returns the operation id. */
static long long observe_temperature(const char *ep)
{
	char target[128];
	struct httpc_resp r;
	snprintf(target, sizeof(target), "/api/v1/clients/%s/3303/0/5700/observe", ep);
	http(&r, "POST", target, NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	long long id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	cr_assert_gt(id, 0, "no operation id: %s", r.body);
	return id;
}

/* A client reboots: killed (no De-register), started again, registers. */
static void reboot_client(const char *ep, int fd, char *buf, size_t cap, size_t *len)
{
	kill_client(SIGKILL);
	size_t from = *len;
	spawn_client(ep);
	const char *const replaced[] = {"\"replaced\":\"", NULL};
	cr_assert(wait_event(fd, buf, cap, len, from, "registration", replaced, 10000),
	          "no new registration:\n%s\n%s", buf, lw_slurp(client_err));
}

Test(server_ops, observations_come_back_after_a_reboot)
{
	start_daemon_with("");
	start_client("rb1");
	static char buf[262144];
	size_t len;
	int ev = open_events("rb1", buf, sizeof(buf), &len);
	long long old_id = observe_temperature("rb1");
	char id_old[48], replaces[48], id_new[48];
	snprintf(id_old, sizeof(id_old), "\"id\":%lld,", old_id);
	const char *const first[] = {id_old, NULL};
	cr_assert(wait_event(ev, buf, sizeof(buf), &len, 0, "notification", first, 10000),
	          "no notification before the reboot:\n%s", buf);

	reboot_client("rb1", ev, buf, sizeof(buf), &len);
	/* No REST call from here on: lwm2md observes again by itself. */
	snprintf(replaces, sizeof(replaces), "\"replaces\":%lld", old_id);
	const char *const reop[] = {"\"kind\":\"observe\"", "\"status\":\"2.05\"", replaces, NULL};
	const char *op = wait_event(ev, buf, sizeof(buf), &len, 0, "operation", reop, 10000);
	cr_assert(op, "no re-issued Observe:\n%s\n%s", buf, lw_slurp(d.err));
	const char *idp = strstr(op, "\"id\":");
	cr_assert(idp);
	long long new_id = strtoll(idp + 5, NULL, 10);
	cr_assert_gt(new_id, old_id);
	snprintf(id_new, sizeof(id_new), "\"id\":%lld,", new_id);
	size_t after = (size_t)(op - buf);
	const char *const note[] = {id_new, replaces, "/3303/0/5700", NULL};
	cr_assert(wait_event(ev, buf, sizeof(buf), &len, after, "notification", note, 10000),
	          "no notification of the re-established observation:\n%s", buf + after);

	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/rb1/observations", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	json_t *list = json_is_array(j) ? j : json_object_get(j, "observations");
	cr_assert(json_is_array(list), "%s", r.body);
	cr_assert_eq(json_array_size(list), 1, "%s", r.body);
	json_t *ob = json_array_get(list, 0);
	cr_expect_eq(json_integer_value(json_object_get(ob, "id")), new_id, "%s", r.body);
	cr_expect_eq(json_integer_value(json_object_get(ob, "replaces")), old_id, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(ob, "paths"), 0)),
	                 "/3303/0/5700");
	json_decref(j);

	http(&r, "GET", "/metrics", NULL);
	cr_expect(strstr(r.body, "\nlwm2md_reobservations_total 1\n"), "%s", r.body);
	close(ev);
	stop_all();
}

Test(server_ops, reobserve_off_leaves_them_dropped)
{
	start_daemon_with("[server]\nreobserve_on_register = false\n");
	start_client("rb2");
	static char buf[262144];
	size_t len;
	int ev = open_events("rb2", buf, sizeof(buf), &len);
	long long old_id = observe_temperature("rb2");
	char id_old[48];
	snprintf(id_old, sizeof(id_old), "\"id\":%lld,", old_id);
	const char *const first[] = {id_old, NULL};
	cr_assert(wait_event(ev, buf, sizeof(buf), &len, 0, "notification", first, 10000),
	          "no notification before the reboot:\n%s", buf);

	reboot_client("rb2", ev, buf, sizeof(buf), &len);
	size_t from = len;
	/* The sensor moves every 2 s: 5 s would show notifications if it
	 * were observed again. */
	cr_assert_null(wait_event(ev, buf, sizeof(buf), &len, from, "notification", NULL, 5000),
	               "notified after the reboot:\n%s", buf + from);
	cr_assert_null(wait_event(ev, buf, sizeof(buf), &len, from, "operation", NULL, 1),
	               "an operation after the reboot:\n%s", buf + from);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients/rb2/observations", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_expect(!strstr(r.body, "/3303/0/5700"), "still listed: %s", r.body);
	close(ev);
	stop_all();
}

/* The value of one sample line of a /metrics text, 0 when absent. */
static unsigned long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoull(p + n + 1, NULL, 10);
	return 0;
}

Test(server_ops, operation_metrics)
{
	start_daemon_with("");
	start_client("met1");
	struct httpc_resp r;
	static char before[65536];
	http(&r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	snprintf(before, sizeof(before), "%s", r.body);
	static const char ok[] = "lwm2md_operations_total{kind=\"read\",status=\"2.05\"}";
	static const char nf[] = "lwm2md_operations_total{kind=\"read\",status=\"4.04\"}";
	static const char cnt[] = "lwm2md_operation_duration_seconds_count{kind=\"read\"}";

	http(&r, "GET", "/api/v1/clients/met1/3/0/0", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	http(&r, "GET", "/api/v1/clients/met1/3/0/77", NULL);
	cr_assert(strstr(r.body, "\"status\":\"4.04\""), "%s", r.body);

	http(&r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	cr_expect_eq(sample(r.body, ok), sample(before, ok) + 1, "%s", r.body);
	cr_expect_eq(sample(r.body, nf), sample(before, nf) + 1, "%s", r.body);
	cr_expect_eq(sample(r.body, cnt), sample(before, cnt) + 2, "%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_operation_duration_seconds_bucket{kind=\"read\","
	                            "le=\"+Inf\"}"),
	             sample(r.body, cnt), "%s", r.body);
	cr_expect(strstr(r.body, "# TYPE lwm2md_operation_duration_seconds histogram\n"), "%s",
	          r.body);
	cr_expect(strstr(r.body, "\nlwm2md_operations_pending 0\n"), "%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_registrations_total"), 1, "%s", r.body);
	stop_all();
}

Test(server_ops, refuses_to_start_without_a_link_codec)
{
	int port = lw_free_udp_port();
	cr_assert_gt(port, 0);
	cr_assert_eq(lwd_write_config(&d, port, "[server]\nplugins = codec-tlv codec-text\n"), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", d.conf, NULL};
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	cr_expect_eq(rc, 2, "exit status %d:\n%s", rc, err);
	char where[400];
	snprintf(where, sizeof(where), "%s:11: [server] plugins: no codec for content format 40",
	         d.conf);
	cr_expect(strstr(err, where) && strstr(err, "load plugin codec-link"),
	          "the reason names the config line and the missing plugin:\n%s", err);
	cr_expect(!strstr(err, " ready: "), "it must not get ready:\n%s", err);
	free(out);
	free(err);

	/* The link codec alone is enough to start (with no store: no plugin of
	 * storage is loaded either). */
	start_daemon_with("[server]\nplugins = codec-link\n[storage]\nplugin = none\n");
	stop_all();
}
