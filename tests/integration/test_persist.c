/*
 * tests/integration/test_persist.c: the daemon's store end to end, with the
 * real lwm2md, the real reference client (lwm2m-client) and, for the
 * PostgreSQL cases, throwaway clusters (tests/storage/pg-cluster.sh).
 * Everything is checked the way an operator sees it: REST, the event stream,
 * /metrics and the daemon's log.
 *
 * - kill -9 (or SIGTERM) and a restart on the same state: the registration,
 *   its observation (the client keeps notifying with the old token) and every
 *   stored point are still there, with SQLite and with PostgreSQL;
 * - an operation queued for a sleeping device survives kill -9 and is
 *   carried out when the device wakes;
 * - PostgreSQL going away for a few seconds under load loses nothing;
 * - two nodes on one PostgreSQL: one node reaches a device registered on
 *   the other through the store;
 * - a stop while the store still works on a De-register (cluster mode);
 * - [storage] plugin = none works without time series; an unknown backend
 *   stops the start with the list of those offered.
 *
 * A note on durability: a store answers a read after the writes queued
 * before it have been committed (storage.h: order; both plugins run a read
 * in the batch of the writes before it or a later one, and callbacks run
 * after the commit). So an answered GET /data is a barrier: whatever the
 * daemon handed the store before it is on disk, and a kill -9 after it must
 * not lose it.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "restops.h"

/* The second daemon of the two-node test (the first is restops' d). */
static struct lwd d2;
static int http_port2;
/* A throwaway PostgreSQL cluster: its folder, "" when none runs. */
static char pg_dir[320];
static char conninfo[160];

static void pg_stop(void);
static void pg_resume(void);

static void kill_daemon(struct lwd *x)
{
	if (x->pid > 0) {
		kill(x->pid, SIGKILL);
		waitpid(x->pid, NULL, 0);
		x->pid = 0;
	}
}

/* The cluster lives in d's folder: it stops before the folder goes, or its
 * postmaster.pid could be gone and the server left running. */
static void persist_teardown(void)
{
	stop_client();
	kill_daemon(&d);
	kill_daemon(&d2);
	pg_resume();
	pg_stop();
	teardown();
	lwd_cleanup(&d2);
}

TestSuite(persist, .init = setup, .fini = persist_teardown, .timeout = 40);

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms)
{
	usleep((useconds_t)ms * 1000u);
}

/* ---- daemons that keep their state folder across restarts ---- */

/*
 * Writes x's config for the given ports and starts it; 0 once it answers a
 * CoAP ping and the HTTP health check. The log of an earlier run of x is
 * kept beside (stderr.log.N) so that a failure can show both.
 */
static int boot_on(struct lwd *x, int coap_port, int hport, const char *conf)
{
	static int runs;
	char extra[2048], old[340];
	snprintf(extra, sizeof(extra),
	         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
	         "sse_keepalive_ms = 200\n%s",
	         hport, conf);
	if (lwd_write_config(x, coap_port, extra) != 0)
		return -1;
	snprintf(old, sizeof(old), "%s.%d", x->err, ++runs);
	rename(x->err, old);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", x->conf, NULL};
	x->pid = lw_spawn(argv, x->out, x->err);
	if (x->pid <= 0) {
		x->pid = 0;
		return -1;
	}
	uint64_t end = lw_now_ms() + 15000;
	while (lw_now_ms() < end) {
		if (lw_wait_timeout(x->pid, 0) != -1) {
			x->pid = 0;
			return -1; /* it ended: its log says why */
		}
		if (lw_coap_ping(coap_port, 100) != 0)
			continue;
		struct httpc_resp r;
		if (httpc_request(&r, hport, "GET", "/api/v1/health", NULL, NULL, NULL, 2000) == 0 &&
		    r.status == 200)
			return 0;
		sleep_ms(20);
	}
	return -1;
}

/* First start of x on free ports; puts its HTTP port in *hport. */
static void boot(struct lwd *x, int *hport, const char *conf)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		int cp = lw_free_udp_port(), hp = httpc_free_port();
		cr_assert(cp > 0 && hp > 0);
		if (boot_on(x, cp, hp, conf) == 0) {
			*hport = hp;
			return;
		}
		if (x->pid > 0) {
			kill(x->pid, SIGKILL);
			waitpid(x->pid, NULL, 0);
			x->pid = 0;
		}
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(x->err));
}

/* The same daemon again on its own ports and state folder. */
static void reboot(struct lwd *x, int hport, const char *conf)
{
	cr_assert_eq(boot_on(x, x->port, hport, conf), 0, "lwm2md did not start again:\n%s",
	             lw_slurp(x->err));
}

/* Whether the file at path (a log) holds needle. */
static int log_has(const char *path, const char *needle)
{
	char *s = lw_slurp(path);
	int found = s && strstr(s, needle);
	free(s);
	return found;
}

/* SIGTERM; the daemon must end cleanly (under ASan: without a leak). */
static void stop_clean(struct lwd *x)
{
	int st = lwd_stop(x);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "lwm2md ended with %d:\n%s",
	          st, lw_slurp(x->err));
	/* UBSan reports and goes on: its word is only in the log. */
	cr_expect(!log_has(x->err, "runtime error: "), "%s", lw_slurp(x->err));
}

/* ---- HTTP ---- */

/* A JSON string's text, "" for anything else (assertions compare it). */
static const char *str(const json_t *j)
{
	const char *s = json_string_value(j);
	return s ? s : "";
}

static void req(int port, struct httpc_resp *r, const char *method, const char *target,
                const char *body)
{
	int rc = httpc_request(r, port, method, target, AUTH, NULL, body, 15000);
	cr_assert_eq(rc, 0, "%s %s: no whole answer:\n%s", method, target, r->raw);
}

/* The stored points of ep under path (NULL: all) from 'from' to 'to' (< 0:
 * no end): the "records" array (a new reference). */
static json_t *stored_between(int port, const char *ep, const char *path, double from,
                              double to)
{
	char target[256], end[48] = "";
	if (to >= 0)
		snprintf(end, sizeof(end), "&to=%.3f", to);
	snprintf(target, sizeof(target), "/api/v1/clients/%s/data?limit=10000%s%s&from=%.3f%s",
	         ep, path ? "&path=" : "", path ? path : "", from, end);
	struct httpc_resp r;
	req(port, &r, "GET", target, NULL);
	cr_assert_eq(r.status, 200, "GET %s: %s", target, r.body);
	json_t *j = json_body(&r);
	json_t *recs = json_incref(json_object_get(j, "records"));
	json_decref(j);
	cr_assert(json_is_array(recs), "GET %s: no records: %s", target, r.body);
	return recs;
}

static json_t *stored(int port, const char *ep, const char *path, double from)
{
	return stored_between(port, ep, path, from, -1);
}

/* Waits until at least n points of ep under path (from 'from' on) are
 * stored; returns them. */
static json_t *wait_stored(int port, const char *ep, const char *path, double from, size_t n,
                           int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		json_t *recs = stored(port, ep, path, from);
		if (json_array_size(recs) >= n)
			return recs;
		if (lw_now_ms() >= end) {
			char *s = json_dumps(recs, 0);
			cr_assert_fail("%zu of %zu points of %s stored after %d ms: %s\n%s",
			               json_array_size(recs), n, path ? path : "/", timeout_ms, s,
			               lw_slurp(d.err));
		}
		json_decref(recs);
		sleep_ms(100);
	}
}

/* The value of one sample line of a /metrics page, -1 when absent. */
static long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	return -1;
}

static long long metric(int port, const char *series)
{
	struct httpc_resp r;
	req(port, &r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	return sample(r.body, series);
}

/* Every notification of path every second: pmin = pmax = 1, then Observe.
 * Returns the observation's id. */
static long long observe_every_second(int port, const char *ep, const char *path)
{
	char target[160];
	struct httpc_resp r;
	snprintf(target, sizeof(target), "/api/v1/clients/%s%s/attributes", ep, path);
	req(port, &r, "PUT", target, "{\"pmin\": 1, \"pmax\": 1}");
	cr_assert_eq(r.status, 200, "PUT %s: %s", target, r.body);
	snprintf(target, sizeof(target), "/api/v1/clients/%s%s/observe", ep, path);
	req(port, &r, "POST", target, NULL);
	cr_assert_eq(r.status, 200, "POST %s: %s", target, r.body);
	json_t *j = json_body(&r);
	long long id = json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	cr_assert_gt(id, 0, "no observation id: %s", r.body);
	return id;
}

/* GET /api/v1/clients/{ep}: the client as JSON (a new reference). */
static json_t *client_doc(int port, const char *ep)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	struct httpc_resp r;
	req(port, &r, "GET", target, NULL);
	cr_assert_eq(r.status, 200, "GET %s: %s\n%s", target, r.body, lw_slurp(d.err));
	return json_body(&r);
}

/* The value of the single record a Read of path answered. */
static json_t *read_value(int port, const char *ep, const char *path, const char *query)
{
	char target[160];
	snprintf(target, sizeof(target), "/api/v1/clients/%s%s%s", ep, path, query);
	struct httpc_resp r;
	req(port, &r, "GET", target, NULL);
	cr_assert_eq(r.status, 200, "GET %s: %s", target, r.body);
	json_t *j = json_body(&r);
	json_t *rec = record(j, path);
	cr_assert(rec, "GET %s: no record of %s: %s", target, path, r.body);
	json_t *v = json_incref(json_object_get(rec, "value"));
	json_decref(j);
	return v;
}

/*
 * Starts lwm2m-client as ep against d (extra: more arguments) and waits until
 * GET /api/v1/clients/{ep} knows it. Not restops' start_client: that polls
 * GET /api/v1/clients, whose empty answer trips UBSan in the daemon today
 * (qsort of a NULL array in core/http/clients.c reply_sorted, reported);
 * the client's own route says the same here.
 */
static void run_client(const char *ep, const char *const *extra)
{
	char bin[1024], uri[64], target[128];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[24] = {bin, "-u", uri, "-n", ep};
	int n = 5;
	for (; extra && *extra && n < 22; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	client_pid = lw_spawn(argv, client_out, client_err);
	cr_assert_gt(client_pid, 0);
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	uint64_t end = lw_now_ms() + 10000;
	struct httpc_resp r;
	do {
		req(http_port, &r, "GET", target, NULL);
		if (r.status == 200)
			return;
		sleep_ms(50);
	} while (lw_now_ms() < end);
	cr_assert_fail("%s never registered:\n%s\n%s\n%s", ep, lw_slurp(client_err), r.body,
	               lw_slurp(d.err));
}

/*
 * The client leaves (De-register), then d stops cleanly. In between, an
 * answered GET /data waits out what the De-register set off in the store:
 * a stop in the middle of that is postgres_stop_during_deregistration's
 * subject, not the other tests'.
 */
static void stop_all(void)
{
	stop_client();
	json_decref(stored(http_port, "dev1", NULL, 0));
	stop_clean(&d);
}

/* ---- the event stream ---- */

static int open_events(int port, const char *ep, char *buf, size_t cap, size_t *len)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/events?ep=%s", ep);
	int fd = httpc_send(port, "GET", target, AUTH, NULL, NULL);
	cr_assert_geq(fd, 0);
	*len = 0;
	cr_assert_eq(httpc_read_until(fd, buf, cap, len, "event stream\n\n", 5000), 0,
	             "no event stream: %.*s", (int)*len, buf);
	return fd;
}

/* Reads the stream until an event of kind whose data line holds every
 * needle arrives: its data line (in buf), or NULL after timeout_ms. */
static const char *wait_event(int fd, char *buf, size_t cap, size_t *len, const char *kind,
                              const char *const *needles, int timeout_ms)
{
	char head[64];
	snprintf(head, sizeof(head), "event: %s\n", kind);
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		for (const char *p = buf; (p = strstr(p, head)); p++) {
			const char *data = strstr(p, "data: ");
			const char *eol = data ? strchr(data, '\n') : NULL;
			if (!eol)
				break;
			int all = 1;
			for (const char *const *n = needles; *n && all; n++) {
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

/* ---- PostgreSQL ---- */

static const char *pg_script(void)
{
	static char path[1024];
	const char *src = getenv("LW_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/storage/pg-cluster.sh", src && *src ? src : ".");
	return path;
}

/* A fresh cluster in d's folder; skips the test without PostgreSQL. Sets
 * conninfo (its default database: the cluster is this test's alone). */
static void pg_start(void)
{
	const char *bindir[] = {"sh", pg_script(), "bindir", NULL};
	if (lw_run(bindir, 10000, NULL, NULL) != 0)
		cr_skip("no PostgreSQL server binaries (install the postgresql package)");
	/* As root the server runs as postgres, which must reach its folder. */
	cr_assert_eq(chmod(d.dir, 0755), 0);
	snprintf(pg_dir, sizeof(pg_dir), "%s/pg", d.dir);
	char *err = NULL;
	for (int attempt = 0; attempt < 3; attempt++) {
		int port = httpc_free_port();
		char port_s[16];
		snprintf(port_s, sizeof(port_s), "%d", port);
		const char *start[] = {"sh", pg_script(), "start", pg_dir, port_s, NULL};
		free(err);
		err = NULL;
		int rc = lw_run(start, 60000, NULL, &err);
		if (rc == 0) {
			free(err);
			snprintf(conninfo, sizeof(conninfo),
			         "host=127.0.0.1 port=%d user=postgres dbname=postgres", port);
			return;
		}
		const char *stop[] = {"sh", pg_script(), "stop", pg_dir, NULL};
		lw_run(stop, 30000, NULL, NULL);
	}
	pg_dir[0] = '\0';
	cr_assert_fail("PostgreSQL did not start:\n%s", err);
}

/* kill (immediate stop, a crash) or restart the running cluster. */
static void pg_ctl(const char *what)
{
	const char *argv[] = {"sh", pg_script(), what, pg_dir, NULL};
	char *err = NULL;
	int rc = lw_run(argv, 60000, NULL, &err);
	cr_assert_eq(rc, 0, "pg-cluster.sh %s: %s", what, err);
	free(err);
}

static void pg_stop(void)
{
	if (!pg_dir[0])
		return;
	const char *argv[] = {"sh", pg_script(), "stop", pg_dir, NULL};
	lw_run(argv, 30000, NULL, NULL);
	pg_dir[0] = '\0';
}

/*
 * Pausing the server (SIGSTOP to the postmaster and its children) holds
 * whatever the daemon asks of it in flight, however long the test needs:
 * timing without sleeps and guesses. The pids are kept so that teardown
 * wakes them even when a test fails while they sleep.
 */
static pid_t pg_paused[64];
static size_t n_paused;

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	/* "pid (comm) state ppid": comm may hold anything, even ')'. */
	const char *p = strrchr(buf, ')');
	int ppid = 0;
	return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? (pid_t)ppid : 0;
}

static void pg_pause(void)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/data/postmaster.pid", pg_dir);
	char *text = lw_slurp(path);
	pid_t master = text ? (pid_t)atoi(text) : 0;
	free(text);
	cr_assert_gt(master, 0, "no postmaster.pid in %s", pg_dir);
	n_paused = 0;
	pg_paused[n_paused++] = master;
	DIR *proc = opendir("/proc");
	cr_assert(proc);
	struct dirent *e;
	while ((e = readdir(proc)) && n_paused < sizeof(pg_paused) / sizeof(pg_paused[0])) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && parent_of(pid) == master)
			pg_paused[n_paused++] = pid;
	}
	closedir(proc);
	for (size_t i = 0; i < n_paused; i++)
		kill(pg_paused[i], SIGSTOP);
}

static void pg_resume(void)
{
	for (size_t i = 0; i < n_paused; i++)
		kill(pg_paused[i], SIGCONT);
	n_paused = 0;
}

/* [storage] for the cluster, with node_id when node is not NULL. */
static const char *pg_conf(const char *node)
{
	static char conf[512];
	snprintf(conf, sizeof(conf),
	         "[storage]\nplugin = postgres\nconninfo = %s\n%s%s%s"
	         /* Reconnect within half a second once the server is back. */
	         "[storage-postgres]\nreconnect_max_ms = 500\n",
	         conninfo, node ? "node_id = " : "", node ? node : "", node ? "\n" : "");
	return conf;
}

/* ---- restart survival ---- */

/*
 * dev1 registers, /3303/0/5700 is observed every second and a few points are
 * stored; the daemon gets sig, starts again on the same store and ports, and
 * must still know the registration (same id and time), the observation, and
 * every point; the client, which never noticed, keeps notifying with its old
 * token, and those notifications are stored again without any REST call.
 */
static void survives_restart(const char *conf, int sig)
{
	static const char temp[] = "/3303/0/5700";
	boot(&d, &http_port, conf);
	const char *const args[] = {"-l", "300", NULL};
	run_client("dev1", args);
	json_t *c0 = client_doc(http_port, "dev1");
	long long obs_id = observe_every_second(http_port, "dev1", temp);
	json_t *before = wait_stored(http_port, "dev1", temp, 0, 3, 10000);

	int st = lwd_signal_wait(&d, sig, 10000);
	if (sig == SIGKILL)
		cr_assert(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %d", st);
	else
		cr_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		          "a clean stop ended with %d:\n%s", st, lw_slurp(d.err));
	double restarted = wall_now();
	reboot(&d, http_port, conf);

	json_t *c1 = client_doc(http_port, "dev1");
	static const char *const same[] = {"registrationId", "registeredAt", "lifetime",
	                                   "address", "objects"};
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
		cr_expect(json_equal(json_object_get(c0, same[i]), json_object_get(c1, same[i])),
		          "%s changed: %s -> %s", same[i], json_dumps(c0, 0), json_dumps(c1, 0));
	json_decref(c0);
	json_decref(c1);

	struct httpc_resp r;
	req(http_port, &r, "GET", "/api/v1/clients/dev1/observations", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *j = json_body(&r);
	json_t *list = json_is_array(j) ? j : json_object_get(j, "observations");
	cr_assert_eq(json_array_size(list), 1, "observations after the restart: %s", r.body);
	json_t *ob = json_array_get(list, 0);
	cr_expect_eq(json_integer_value(json_object_get(ob, "id")), obs_id, "%s", r.body);
	cr_expect_str_eq(str(json_array_get(json_object_get(ob, "paths"), 0)), temp,
	                 "%s", r.body);
	json_decref(j);

	/* No REST call from here on: notifications of the old token. */
	json_t *fresh = wait_stored(http_port, "dev1", temp, restarted, 2, 10000);
	json_decref(fresh);

	json_t *after = stored(http_port, "dev1", temp, 0);
	size_t i, k;
	json_t *p, *q;
	json_array_foreach(before, i, p) {
		int found = 0;
		json_array_foreach(after, k, q) {
			if (json_equal(json_object_get(p, "time"), json_object_get(q, "time")) &&
			    json_equal(json_object_get(p, "value"), json_object_get(q, "value")))
				found = 1;
		}
		cr_expect(found, "point %s stored before the restart is gone: %s", json_dumps(p, 0),
		          json_dumps(after, 0));
	}
	cr_expect_gt(json_array_size(after), json_array_size(before));
	json_decref(before);
	json_decref(after);
	req(http_port, &r, "GET", "/metrics", NULL);
	cr_expect_eq(sample(r.body, "lwm2md_store_write_failures_total"), 0, "%s", r.body);
	stop_all();
}

Test(persist, sqlite_kill9_restart)
{
	survives_restart("", SIGKILL);
}

Test(persist, sqlite_graceful_restart)
{
	survives_restart("", SIGTERM);
}

Test(persist, postgres_kill9_restart)
{
	pg_start();
	survives_restart(pg_conf(NULL), SIGKILL);
}

/*
 * A queue-mode client sleeps; a Write for it is queued (202); the daemon is
 * killed and started again; when the client wakes for its Update the Write
 * is carried out: the operation event says 2.04 and a Read shows the value.
 *
 * Timing: the client stays awake 2 s after its last message and updates
 * every 6 s (lifetime 8); the daemon takes it for asleep after 1 s of
 * silence, so once the client logs that it sleeps, the daemon agrees.
 */
Test(persist, sqlite_queued_operation_survives)
{
	static const char conf[] = "[coap]\nqueue_awake = 1\n";
	boot(&d, &http_port, conf);
	const char *const args[] = {"-q", "--awake", "2", "-l", "8", NULL};
	run_client("dev1", args);
	cr_assert_eq(lw_wait_for_text(client_err, "sleeping until the next update", 6000), 0,
	             "the client never slept:\n%s", lw_slurp(client_err));

	struct httpc_resp r;
	req(http_port, &r, "PUT", "/api/v1/clients/dev1/3/0/14", "{\"value\": \"+02:00\"}");
	cr_assert_eq(r.status, 202, "a Write for a sleeping client: %s", r.body);
	cr_assert(strstr(r.body, "\"queued\""), "%s", r.body);
	/* The barrier (see the top): the queued operation is on disk. */
	json_decref(stored(http_port, "dev1", NULL, 0));

	int st = lwd_signal_wait(&d, SIGKILL, 10000);
	cr_assert(st >= 0 && WIFSIGNALED(st), "status %d", st);
	reboot(&d, http_port, conf);
	cr_assert(log_has(d.err, "queued operations waiting again"),
	          "the log does not say the operation waits again:\n%s", lw_slurp(d.err));

	static char buf[262144];
	size_t len;
	int ev = open_events(http_port, "dev1", buf, sizeof(buf), &len);
	const char *const done[] = {"\"kind\":\"write\"", "\"/3/0/14\"", "\"status\":\"2.04\"",
	                            NULL};
	cr_assert(wait_event(ev, buf, sizeof(buf), &len, "operation", done, 12000),
	          "the queued Write was not carried out after the restart:\n%s\n%s\n%s", buf,
	          lw_slurp(d.err), lw_slurp(client_err));
	close(ev);
	/* The client may be asleep again: wait for it rather than queue. */
	json_t *v = read_value(http_port, "dev1", "/3/0/14", "?wait=10");
	cr_expect_str_eq(str(v), "+02:00");
	json_decref(v);
	stop_all();
}

/*
 * PostgreSQL crashes for about 3 s while dev1 notifies four resources every
 * second; the daemon spools and reconnects. Nothing acknowledged may be lost
 * or refused: once the client is gone and the spool drained, the store holds
 * exactly the points the daemon handed it.
 */
Test(persist, postgres_outage_under_load)
{
	pg_start();
	const char *conf = pg_conf(NULL);
	boot(&d, &http_port, conf);
	run_client("dev1", NULL);
	static const char *const paths[] = {"/3303/0/5700", "/3313/0/5702", "/3313/0/5703",
	                                    "/3/0/13"};
	for (size_t i = 0; i < 4; i++)
		observe_every_second(http_port, "dev1", paths[i]);
	json_decref(wait_stored(http_port, "dev1", "/3313/0/5702", 0, 2, 10000));

	pg_ctl("kill");
	double down = wall_now();
	sleep_ms(3000);
	pg_ctl("restart");
	/* Points keep coming after the server is back. */
	json_decref(wait_stored(http_port, "dev1", "/3303/0/5700", down + 3.5, 1, 15000));
	stop_client();

	long long handed = -1, kept = -1;
	uint64_t end = lw_now_ms() + 15000;
	do {
		handed = metric(http_port, "lwm2md_store_points_total");
		json_t *all = stored(http_port, "dev1", NULL, 0);
		kept = (long long)json_array_size(all);
		json_decref(all);
		if (kept == handed)
			break;
		sleep_ms(200);
	} while (lw_now_ms() < end);
	cr_expect_eq(kept, handed, "the store holds %lld points, the daemon handed it %lld", kept,
	             handed);
	cr_expect_gt(handed, 4 * 3, "too few points for a test under load: %lld", handed);
	/* Some of them came while the server was down: the spool kept them. */
	json_t *spooled = stored_between(http_port, "dev1", NULL, down + 0.5, down + 2.5);
	cr_expect_geq(json_array_size(spooled), 4, "points of the outage: %s",
	              json_dumps(spooled, 0));
	json_decref(spooled);

	struct httpc_resp r;
	req(http_port, &r, "GET", "/metrics", NULL);
	cr_expect_eq(sample(r.body, "lwm2md_store_points_refused_total"), 0, "%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_store_write_failures_total"), 0, "%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_store_refused_total"), 0, "%s", r.body);
	cr_expect(log_has(d.err, "connection lost: ") && log_has(d.err, "reconnected after"),
	          "the log does not tell the outage:\n%s", lw_slurp(d.err));
	stop_clean(&d);
}

/*
 * Nodes a (d2) and b (d) share one PostgreSQL; dev1 registers with b. Node a
 * lists it, reads it and writes it through b (LISTEN/NOTIFY); b sees the
 * write. An endpoint registered nowhere is 404 on a.
 */
Test(persist, two_nodes_share_postgres)
{
	pg_start();
	cr_assert_eq(lwd_init(&d2), 0);
	char conf_b[512];
	snprintf(conf_b, sizeof(conf_b), "%s", pg_conf("b"));
	boot(&d, &http_port, conf_b);
	boot(&d2, &http_port2, pg_conf("a"));
	run_client("dev1", NULL);
	/* The barrier (see the top): b's registration document is committed. */
	json_decref(stored(http_port, "dev1", NULL, 0));

	/* Node a shows the fleet: dev1 from the store, held by b, the same
	 * registration b shows. */
	json_t *on_b = client_doc(http_port, "dev1");
	struct httpc_resp r;
	req(http_port2, &r, "GET", "/api/v1/clients", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_t *list = json_body(&r);
	cr_assert(json_is_array(list), "%s", r.body);
	cr_expect_eq(json_array_size(list), 1, "node a lists: %s", r.body);
	json_t *on_a = json_array_get(list, 0);
	cr_expect_str_eq(str(json_object_get(on_a, "endpoint")), "dev1", "%s", r.body);
	cr_expect_str_eq(str(json_object_get(on_a, "node")), "b", "%s", r.body);
	cr_expect_str_eq(str(json_object_get(on_a, "registrationId")),
	                 str(json_object_get(on_b, "registrationId")), "%s", r.body);
	json_decref(list);
	json_t *one = client_doc(http_port2, "dev1");
	cr_expect_str_eq(str(json_object_get(one, "registrationId")),
	                 str(json_object_get(on_b, "registrationId")), "%s", json_dumps(one, 0));
	json_decref(one);
	json_decref(on_b);

	req(http_port2, &r, "GET", "/api/v1/clients/dev1/3/0", NULL);
	cr_assert_eq(r.status, 200, "a Read on node a of a device of node b: %s\n%s\n%s", r.body,
	             lw_slurp(d2.err), lw_slurp(d.err));
	json_t *j = json_body(&r);
	json_t *serial = record(j, "/3/0/2");
	cr_expect(serial && strcmp(str(json_object_get(serial, "value")), "dev1") == 0,
	          "no serial number dev1: %s", r.body);
	cr_expect(record(j, "/3/0/0"), "no manufacturer: %s", r.body);
	json_decref(j);

	req(http_port2, &r, "PUT", "/api/v1/clients/dev1/3/0/14", "{\"value\": \"+05:30\"}");
	cr_assert_eq(r.status, 200, "a Write on node a: %s", r.body);
	cr_expect(strstr(r.body, "\"status\":\"2.04\""), "%s", r.body);
	json_t *v = read_value(http_port, "dev1", "/3/0/14", "");
	cr_expect_str_eq(str(v), "+05:30", "node b reads what node a wrote");
	json_decref(v);

	req(http_port2, &r, "GET", "/api/v1/clients/nobody/3/0", NULL);
	expect_error(&r, 404, "not-registered");

	req(http_port2, &r, "GET", "/metrics", NULL);
	cr_expect_geq(sample(r.body, "lwm2md_cluster_messages_sent_total"), 2, "%s", r.body);
	cr_expect_geq(sample(r.body, "lwm2md_cluster_messages_received_total"), 2, "%s", r.body);
	stop_client();
	json_decref(stored(http_port, "dev1", NULL, 0)); /* see stop_all */
	stop_clean(&d2);
	stop_clean(&d);
}

/*
 * In a cluster a De-register ends with a look-up of the registration
 * document (is it still this node's?). A stop while that look-up is in
 * flight must neither touch the freed registry when the store answers it
 * during close, nor leave the document behind: after a restart on the same
 * store, the device that left must not be back. The server is paused so
 * that the look-up is surely in flight when SIGTERM comes.
 *
 * DAEMON BUG (reported, this test fails until it is fixed): under ASan the
 * stop ends in heap-use-after-free in on_drop_check (core/storage/persist.c)
 * reading the registry lw_server_stop() freed, called from pg_close()
 * answering the look-up; the plain build may crash (status 11) there.
 */
Test(persist, postgres_stop_during_deregistration)
{
	pg_start();
	const char *conf = pg_conf("n1");
	boot(&d, &http_port, conf);
	run_client("dev1", NULL);
	/* The registration document is committed (the barrier, see the top). */
	json_decref(stored(http_port, "dev1", NULL, 0));

	pg_pause();
	stop_client(); /* De-register: answered at once, the store's part waits */
	kill(d.pid, SIGTERM);
	cr_assert_eq(lw_wait_for_text(d.err, "shutting down", 10000), 0, "%s", lw_slurp(d.err));
	/* Let the stop reach the store's close, which waits for the pause. */
	sleep_ms(500);
	pg_resume();
	int st = lw_wait_timeout(d.pid, 15000);
	if (st == -1) {
		kill(d.pid, SIGKILL);
		waitpid(d.pid, NULL, 0);
	}
	d.pid = 0;
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "a stop during a De-register ended with %d:\n%s", st, lw_slurp(d.err));
	cr_expect(!log_has(d.err, "runtime error: "), "%s", lw_slurp(d.err));

	reboot(&d, http_port, conf);
	struct httpc_resp r;
	req(http_port, &r, "GET", "/api/v1/clients/dev1", NULL);
	cr_expect_eq(r.status, 404, "dev1 de-registered before the stop, yet: %s\n%s", r.body,
	             lw_slurp(d.err));
	stop_clean(&d);
}

/* No store: registrations and operations work, time series answer 503. */
Test(persist, storage_none_works_without_data)
{
	boot(&d, &http_port, "[storage]\nplugin = none\n");
	run_client("dev1", NULL);
	json_t *v = read_value(http_port, "dev1", "/3/0/2", "");
	cr_expect_str_eq(str(v), "dev1");
	json_decref(v);
	struct httpc_resp r;
	req(http_port, &r, "GET", "/api/v1/clients/dev1/data", NULL);
	expect_error(&r, 503, "no-storage");
	req(http_port, &r, "GET", "/metrics", NULL);
	cr_expect(!strstr(r.body, "lwm2md_store_writes_total"), "store metrics without a store");
	cr_expect(log_has(d.err, "kept in memory only"), "%s", lw_slurp(d.err));
	stop_client();
	stop_clean(&d);
}

/* An unknown backend stops the start (status 2, a config error) with the
 * names of the backends the loaded plugins offer. */
Test(persist, unknown_backend_refused)
{
	int port = lw_free_udp_port();
	cr_assert_gt(port, 0);
	cr_assert_eq(lwd_write_config(&d, port, "[storage]\nplugin = nosuch\n"), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", d.conf, NULL};
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	cr_expect_eq(rc, 2, "exit status %d:\n%s", rc, err);
	cr_expect(err && strstr(err, "nosuch") && strstr(err, "offered") &&
	                  strstr(err, "sqlite") && strstr(err, "postgres"),
	          "the message names the offered backends:\n%s", err);
	cr_expect(err && !strstr(err, " ready: "), "it must not get ready:\n%s", err);
	free(out);
	free(err);
}
