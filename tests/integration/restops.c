/*
 * tests/integration/restops.c: what the end-to-end REST tests share (the
 * device-management routes in test_rest_ops.c, the reference client's
 * operations in test_client_ops.c): the real daemon with its HTTP API on,
 * the real lwm2m-client registered to it, and raw HTTP (httpc.c).
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

struct lwd d;
int http_port;
pid_t client_pid;
char client_out[300], client_err[300];

void stop_client(void)
{
	if (client_pid <= 0)
		return;
	kill(client_pid, SIGTERM);
	if (lw_wait_timeout(client_pid, 5000) < 0) {
		kill(client_pid, SIGKILL);
		lw_wait_timeout(client_pid, 5000);
	}
	client_pid = 0;
}

void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	snprintf(client_out, sizeof(client_out), "%s/client.out", d.dir);
	snprintf(client_err, sizeof(client_err), "%s/client.err", d.dir);
}

void teardown(void)
{
	stop_client();
	lwd_cleanup(&d);
}

/* conf: more config text (e.g. a [coap] section), or "". */
void start_daemon_with(const char *conf)
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

void start_daemon(void)
{
	start_daemon_with("");
}

void http(struct httpc_resp *r, const char *method, const char *target, const char *body)
{
	int rc = httpc_request(r, http_port, method, target, AUTH, NULL, body, 15000);
	cr_assert_eq(rc, 0, "%s %s: no whole answer:\n%s", method, target, r->raw);
}

json_t *json_body(const struct httpc_resp *r)
{
	json_error_t e;
	json_t *j = json_loads(r->body, 0, &e);
	cr_assert(j, "not JSON (%s): %s", e.text, r->body);
	return j;
}

/* Starts lwm2m-client as ep (extra: more arguments) and waits for the list. */
void start_client(const char *ep, const char *const *extra)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[24] = {bin, "-u", uri, "-n", ep};
	int n = 5;
	for (; extra && *extra && n < 22; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	client_pid = lw_spawn(argv, client_out, client_err);
	cr_assert_gt(client_pid, 0);
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

/* The record at path in an answer's "records", or NULL. */
json_t *record(json_t *answer, const char *path)
{
	size_t i;
	json_t *rec;
	json_array_foreach(json_object_get(answer, "records"), i, rec) {
		if (strcmp(json_string_value(json_object_get(rec, "path")), path) == 0)
			return rec;
	}
	return NULL;
}

void expect_error(const struct httpc_resp *r, int status, const char *code)
{
	cr_expect_eq(r->status, status, "status %d, wanted %d: %s", r->status, status, r->body);
	json_t *j = json_body(r);
	cr_expect_str_eq(json_string_value(json_object_get(j, "error")), code, "%s", r->body);
	cr_expect(json_is_string(json_object_get(j, "message")), "%s", r->body);
	json_decref(j);
}

/* Reads SSE frames from fd until n notification events for path arrived. */
int notifications(int fd, char *buf, size_t cap, size_t *len, int n, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		int count = 0;
		for (const char *p = buf; (p = strstr(p, "event: notification\n")); p++)
			count++;
		if (count >= n)
			return count;
		if (lw_now_ms() >= end)
			return count;
		httpc_read_until(fd, buf, cap, len, NULL, 200);
	}
}

