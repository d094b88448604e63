/*
 * tests/unit/test_http_rest.c: the parts of the HTTP server that are plain
 * functions (token compare, route patterns, error bodies, JSON parse errors)
 * and the loop bridge, run against a real libevent loop on its own thread:
 * a job runs on the loop thread, a job the loop never takes times out and is
 * forgotten, and stopping fails the jobs still queued.
 */
#include <criterion/criterion.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "http/http.h"
#include "lwm2m/error.h"

Test(http_auth, constant_time_compare)
{
	cr_expect(lw_http_ct_equal("abc", 3, "abc", 3));
	cr_expect_not(lw_http_ct_equal("abd", 3, "abc", 3));
	cr_expect_not(lw_http_ct_equal("ab", 2, "abc", 3));
	cr_expect_not(lw_http_ct_equal("abcd", 4, "abc", 3));
	cr_expect_not(lw_http_ct_equal("", 0, "abc", 3));
	cr_expect(lw_http_ct_equal("", 0, "", 0));
}

Test(http_auth, bearer_header)
{
	struct lw_http h;
	memset(&h, 0, sizeof(h));
	strcpy(h.token, "tok-123");
	h.token_len = 7;
	cr_expect(lw_http_authorized(&h, "Bearer tok-123"));
	cr_expect(lw_http_authorized(&h, "bearer tok-123"));
	cr_expect(lw_http_authorized(&h, "Bearer  tok-123 "));
	cr_expect_not(lw_http_authorized(&h, "Bearer tok-12"));
	cr_expect_not(lw_http_authorized(&h, "Bearer tok-1234"));
	cr_expect_not(lw_http_authorized(&h, "Basic tok-123"));
	cr_expect_not(lw_http_authorized(&h, "tok-123"));
	cr_expect_not(lw_http_authorized(&h, NULL));
	h.token_len = 0;
	h.token[0] = '\0';
	cr_expect_not(lw_http_authorized(&h, "Bearer "), "an empty token never matches");
}

Test(http_rest, route_patterns)
{
	struct lw_http_req r;
	memset(&r, 0, sizeof(r));
	cr_expect(lw_http_match("/api/v1/clients", "/api/v1/clients", &r));
	cr_expect_eq(r.n_params, 0);
	cr_expect(lw_http_match("/api/v1/clients", "/api/v1/clients/", NULL));
	cr_expect_not(lw_http_match("/api/v1/clients", "/api/v1/clientsx", NULL));
	cr_expect_not(lw_http_match("/api/v1/clients", "/api/v1/client", NULL));
	cr_expect(lw_http_match("/api/v1/clients/{}", "/api/v1/clients/dev-1", &r));
	cr_expect_eq(r.n_params, 1);
	cr_expect_str_eq(r.params[0], "dev-1");
	cr_expect_not(lw_http_match("/api/v1/clients/{}", "/api/v1/clients/", NULL));
	cr_expect_not(lw_http_match("/api/v1/clients/{}", "/api/v1/clients/a/b", NULL));
	cr_expect(lw_http_match("/a/{}/b/{}", "/a/x/b/y", &r));
	cr_expect_eq(r.n_params, 2);
	cr_expect_str_eq(r.params[1], "y");
	char longseg[400] = "/a/";
	memset(longseg + 3, 'x', 300);
	cr_expect_not(lw_http_match("/a/{}", longseg, &r), "a segment over the buffer is refused");
}

Test(http_rest, every_route_pattern_is_reachable)
{
	for (size_t i = 0; i < lw_http_n_routes; i++) {
		char path[256];
		const char *p = lw_http_routes[i].pattern;
		size_t n = 0;
		for (; *p && n + 2 < sizeof(path); p++) {
			if (p[0] == '{' && p[1] == '}') {
				path[n++] = 'x';
				p++;
			} else {
				path[n++] = *p;
			}
		}
		path[n] = '\0';
		cr_expect(lw_http_match(lw_http_routes[i].pattern, path, NULL), "%s", path);
		cr_expect(lw_http_routes[i].loop || lw_http_routes[i].direct);
	}
}

Test(http_rest, error_body_shape)
{
	char *s = lw_http_error_json("not-found", "no \"x\" here");
	json_t *o = json_loads(s, 0, NULL);
	cr_assert(o, "%s", s);
	cr_expect_eq(json_object_size(o), 2);
	cr_expect_str_eq(json_string_value(json_object_get(o, "error")), "not-found");
	cr_expect_str_eq(json_string_value(json_object_get(o, "message")), "no \"x\" here");
	json_decref(o);
	free(s);
}

Test(http_rest, json_errors_say_where)
{
	json_t *o = NULL;
	char msg[300];
	const char bad[] = "{\"a\": 1,\n \"b\": }";
	cr_expect_eq(lw_http_parse_json(bad, sizeof(bad) - 1, &o, msg, sizeof(msg)), -1);
	cr_expect_null(o);
	cr_expect(strstr(msg, "malformed JSON at line 2, column"), "%s", msg);
	const char dup[] = "{\"a\": 1, \"a\": 2}";
	cr_expect_eq(lw_http_parse_json(dup, sizeof(dup) - 1, &o, msg, sizeof(msg)), -1,
	             "duplicate keys are refused");
	const char good[] = "{\"value\": 3}";
	cr_assert_eq(lw_http_parse_json(good, sizeof(good) - 1, &o, msg, sizeof(msg)), 0);
	cr_expect_eq(json_integer_value(json_object_get(o, "value")), 3);
	json_decref(o);
}

/* ---- the bridge, with a real loop ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct lw_daemon dmn;
static struct lw_http hb;
static pthread_t loop_thread;
static int loop_running;

static void bridge_setup(void)
{
	memset(&dmn, 0, sizeof(dmn));
	memset(&hb, 0, sizeof(hb));
	dmn.loop.base = event_base_new();
	cr_assert(dmn.loop.base);
	hb.d = &dmn;
	hb.bridge_ms = 200;
	pthread_mutex_init(&hb.mu, NULL);
	cr_assert_eq(lw_http_bridge_init(&hb), 0);
}

static void *run_loop(void *arg)
{
	(void)arg;
	event_base_loop(dmn.loop.base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Runs on the loop thread: libevent here is not set up for cross-thread breaks. */
static void stop_loop(struct lw_http_req *r)
{
	event_base_loopbreak(dmn.loop.base);
	lw_http_reply_error(r, 200, "ok", "stopped");
}

static void bridge_teardown(void)
{
	if (loop_running) {
		struct lw_http_req r;
		memset(&r, 0, sizeof(r));
		r.h = &hb;
		lw_http_bridge_call(&hb, stop_loop, &r);
		free(r.out);
		pthread_join(loop_thread, NULL);
		loop_running = 0;
	}
	lw_http_bridge_free(&hb);
	pthread_mutex_destroy(&hb.mu);
	event_base_free(dmn.loop.base);
}

TestSuite(http_bridge, .init = bridge_setup, .fini = bridge_teardown, .timeout = 10);

static pthread_t ran_on;
static int runs;

static void job(struct lw_http_req *r)
{
	ran_on = pthread_self();
	runs++;
	lw_http_reply_error(r, 418, "teapot", "ran");
}

Test(http_bridge, runs_on_the_loop_thread)
{
	cr_assert_eq(pthread_create(&loop_thread, NULL, run_loop, NULL), 0);
	loop_running = 1;
	for (int i = 0; i < 3; i++) {
		struct lw_http_req r;
		memset(&r, 0, sizeof(r));
		r.h = &hb;
		cr_assert_eq(lw_http_bridge_call(&hb, job, &r), 0);
		cr_expect_eq(r.status, 418);
		cr_expect(pthread_equal(ran_on, loop_thread));
		free(r.out);
	}
	cr_expect_eq(runs, 3);
}

Test(http_bridge, a_stalled_loop_times_out_and_forgets_the_job)
{
	struct lw_http_req r;
	memset(&r, 0, sizeof(r));
	r.h = &hb;
	runs = 0;
	uint64_t t0 = now_ms();
	cr_expect_eq(lw_http_bridge_call(&hb, job, &r), LW_ETIMEDOUT);
	uint64_t took = now_ms() - t0;
	cr_expect(took >= 190 && took < 2000, "took %llu ms", (unsigned long long)took);
	cr_expect_null(hb.q_head, "the job is still queued");
	cr_expect_eq(atomic_load(&hb.bridge_timeouts), 1);
	/* The loop wakes later: nothing runs on the dead job. */
	event_base_loop(dmn.loop.base, EVLOOP_NONBLOCK);
	cr_expect_eq(runs, 0);
}

static void *call_in_thread(void *arg)
{
	struct lw_http_req *r = arg;
	return (void *)(intptr_t)lw_http_bridge_call(&hb, job, r);
}

Test(http_bridge, stopping_fails_queued_jobs)
{
	hb.bridge_ms = 5000;
	struct lw_http_req r;
	memset(&r, 0, sizeof(r));
	r.h = &hb;
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, call_in_thread, &r), 0);
	/* Wait until it is queued, then stop as lw_http_stop does. */
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&hb.mu);
		int queued = hb.q_head != NULL;
		pthread_mutex_unlock(&hb.mu);
		if (queued)
			break;
		usleep(5000);
	}
	pthread_mutex_lock(&hb.mu);
	cr_assert(hb.q_head);
	hb.stopping = 1;
	lw_http_bridge_fail_all(&hb);
	pthread_mutex_unlock(&hb.mu);
	void *rc;
	pthread_join(t, &rc);
	cr_expect_eq((int)(intptr_t)rc, LW_ECANCELED);
	/* And later callers do not even queue. */
	cr_expect_eq(lw_http_bridge_call(&hb, job, &r), LW_ECANCELED);
	cr_expect_eq(runs, 0);
}
