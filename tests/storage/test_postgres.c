/*
 * tests/storage/test_postgres.c: what only the PostgreSQL backend does, on a
 * throwaway cluster that postgres-only.sh starts (pg-cluster.sh run): the
 * server crashing and coming back while points are appended (the spool, and
 * no point lost or doubled), the spool's bound, the schema guard, daily
 * partitions and retention, and cluster messages over LISTEN/NOTIFY. The
 * plugin is loaded through the storage harness, as the daemon loads it; the
 * other side of the checks is raw libpq. Tests stop the shared server, so
 * the wrapper runs them one at a time (--jobs 1).
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "plugin_loop.h"

#define WAIT_MS 20000

static struct lw_sh H;

#define OPS lw_sh_ops(&H)
#define BE H.store.be

static void setup(void)
{
	lw_log_set_level(getenv("LW_TEST_VERBOSE") ? LW_LOG_DEBUG : LW_LOG_ERROR);
	cr_assert_str_eq(lw_sh_backend(), "postgres", "run through postgres-only.sh");
	cr_assert_eq(lw_sh_create(&H), 0, "creating the store: %s", H.err);
}

static int sync_rep_set; /* a test asked for a standby that does not exist */

static void reset_sync_rep(void)
{
	char ci[700];
	snprintf(ci, sizeof(ci), "%s dbname=postgres", H.conninfo);
	PGconn *c = PQconnectdb(ci);
	PQclear(PQexec(c, "ALTER SYSTEM RESET synchronous_standby_names"));
	PQclear(PQexec(c, "SELECT pg_reload_conf()"));
	PQfinish(c);
	sync_rep_set = 0;
}

static void teardown(void)
{
	if (sync_rep_set)
		reset_sync_rep();
	lw_sh_destroy(&H);
	lw_storage_configure(NULL, NULL, NULL, NULL);
}

static void start_or_fail(const char *conf)
{
	int rc = lw_sh_start(&H, conf);
	cr_assert_eq(rc, 0, "starting: %s (%s)", H.err, lw_strerror(rc));
}

static void cluster(const char *what)
{
	const char *sh = getenv("LW_PG_CLUSTER_SH"), *dir = getenv("LW_PG_CLUSTER_DIR");
	cr_assert(sh && dir, "LW_PG_CLUSTER_SH and LW_PG_CLUSTER_DIR are set by the wrapper");
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "'%s' %s '%s'", sh, what, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A raw connection to this test's database. */
static PGconn *raw(void)
{
	char ci[700];
	snprintf(ci, sizeof(ci), "%s dbname=%s", H.conninfo, H.dbname);
	PGconn *c = PQconnectdb(ci);
	cr_assert_eq(PQstatus(c), CONNECTION_OK, "%s", PQerrorMessage(c));
	return c;
}

static long long raw_int(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
	long long v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

static void raw_exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	cr_assert(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK,
	          "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}

/* The value of one plugin metric, from the Prometheus text. */
static double metric(const char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	lw_plugin_metrics_write(f);
	fclose(f);
	double v = NAN;
	size_t nl = strlen(name);
	for (char *line = text; line && *line;) {
		char *end = strchr(line, '\n');
		if (strncmp(line, name, nl) == 0 && line[nl] == ' ')
			v = strtod(line + nl + 1, NULL);
		line = end ? end + 1 : NULL;
	}
	free(text);
	return v;
}

static long long partitions(PGconn *c, const char *name);
static void day_name(double t, char *out, size_t cap);

struct ack {
	int fired, status;
	size_t n;
	lw_records recs;
};

static void on_done(void *arg, int status)
{
	struct ack *a = arg;
	cr_assert_eq(a->fired, 0, "a callback ran twice");
	a->fired = 1;
	a->status = status;
}

static void on_points(void *arg, int status, const lw_records *pts)
{
	struct ack *a = arg;
	a->fired = 1;
	a->status = status;
	lw_records_init(&a->recs);
	for (size_t i = 0; pts && i < pts->n; i++)
		cr_assert_eq(lw_records_append_copy(&a->recs, &pts->items[i]), 0);
	a->n = a->recs.n;
}

static void wait_ack(struct ack *a)
{
	cr_assert_eq(lw_sh_wait(&H, &a->fired, WAIT_MS), 0, "no callback in %d ms", WAIT_MS);
}

static void flush_ok(void)
{
	struct ack a = {0};
	cr_assert_eq(OPS->flush(BE, on_done, &a), 0);
	wait_ack(&a);
	cr_assert_eq(a.status, 0);
}

static struct lw_st_point point(const char *ep, double t, int64_t v)
{
	struct lw_st_point p;
	memset(&p, 0, sizeof(p));
	p.endpoint = ep;
	p.rec.path = lw_path_make(3, 3303, 0, 5700, 0);
	p.rec.type = LW_TYPE_INTEGER;
	p.rec.has_time = 1;
	p.rec.time = t;
	p.rec.v.i = v;
	return p;
}

/* Every point of ep, oldest first. */
static void query_all(const char *ep, size_t limit, struct ack *out)
{
	memset(out, 0, sizeof(*out));
	struct lw_st_ts_query q = {ep, LW_PATH_ROOT, -1e12, 1e12, limit};
	cr_assert_eq(OPS->ts_query(BE, &q, on_points, out), 0);
	wait_ack(out);
	cr_assert_eq(out->status, 0);
}

TestSuite(postgres, .init = setup, .fini = teardown, .timeout = 90);

/* The server crashes while points stream in, and comes back: calls keep being
 * accepted meanwhile, every call is acknowledged once the server is back, and
 * every point is stored exactly once (a retried batch is not applied twice). */
Test(postgres, server_crash_while_appending)
{
	start_or_fail("reconnect_max_ms = 200\nbatch_max = 500");
	enum { CALLS = 400, PER = 25 };
	struct ack *acks = calloc(CALLS, sizeof(*acks));
	struct lw_st_point pts[PER];
	const double t0 = 1.7e9;
	int killed = 0, restarted = 0;
	for (int c = 0; c < CALLS; c++) {
		for (int i = 0; i < PER; i++)
			pts[i] = point("ep", t0 + c * PER + i, c * PER + i);
		int rc = OPS->ts_append(BE, pts, PER, on_done, &acks[c]);
		cr_assert_eq(rc, 0, "call %d refused (%s): the spool must take it", c,
		             lw_strerror(rc));
		lw_sh_pump(&H, 1);
		if (c == CALLS / 4) {
			cluster("kill");
			killed = 1;
		}
		if (killed && !restarted && c == CALLS / 2) {
			/* the plugin noticed, and kept the calls */
			for (int k = 0; k < 50 && metric("lwm2md_storage_connected") != 0; k++)
				lw_sh_pump(&H, 20);
			cr_assert_eq(metric("lwm2md_storage_connected"), 0);
			cr_assert_gt(metric("lwm2md_storage_queued"), 0);
			cr_assert_eq(acks[c].fired, 0, "acknowledged while the server was down");
			cluster("restart");
			restarted = 1;
		}
	}
	for (int c = 0; c < CALLS; c++) {
		wait_ack(&acks[c]);
		cr_assert_eq(acks[c].status, 0, "call %d: %s", c, lw_strerror(acks[c].status));
	}
	free(acks);
	cr_assert_eq(metric("lwm2md_storage_connected"), 1);
	cr_assert_eq(metric("lwm2md_storage_queued"), 0);
	cr_assert_geq(metric("lwm2md_storage_errors_total"), 1);
	cr_assert_eq(metric("lwm2md_storage_points_total"), CALLS * PER);
	struct ack r;
	query_all("ep", CALLS * PER + 10, &r);
	cr_assert_eq(r.n, CALLS * PER, "%zu points stored for %d acknowledged", r.n, CALLS * PER);
	for (size_t i = 0; i < r.n; i++)
		cr_assert_eq(r.recs.items[i].v.i, (int64_t)i, "point %zu missing or doubled", i);
	lw_records_free(&r.recs);
	/* and the raw count agrees: nothing doubled in another partition */
	PGconn *c = raw();
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points"), CALLS * PER);
	PQfinish(c);
}

/* The worst moment: the server commits a batch and the connection breaks
 * before its answer arrives. The retry must find the batch committed and
 * not apply it again. To stop a COMMIT right there, synchronous replication
 * is required of a standby that does not exist: the commit is durable
 * locally, then waits; the test then kills that session. */
Test(postgres, commit_answer_lost_is_not_applied_twice)
{
	start_or_fail("reconnect_max_ms = 100");
	static struct ack a[3]; /* static: a failed test's teardown may still call back */
	memset(a, 0, sizeof(a));
	/* the day's partition exists before (creating it would wait too) */
	struct lw_st_point p0 = point("ep", 100, -1);
	cr_assert_eq(OPS->ts_append(BE, &p0, 1, on_done, &a[0]), 0);
	wait_ack(&a[0]);
	cr_assert_eq(a[0].status, 0);
	memset(a, 0, sizeof(a));
	PGconn *c = raw();
	sync_rep_set = 1;
	raw_exec(c, "ALTER SYSTEM SET synchronous_standby_names = 'lw_nobody'");
	raw_exec(c, "SELECT pg_reload_conf()");
	struct timespec pause = {0, 200 * 1000 * 1000};
	nanosleep(&pause, NULL);
	struct lw_st_point pts[10];
	for (int i = 0; i < 10; i++)
		pts[i] = point("ep", 200 + i, i);
	struct lw_st_audit e = {7, "admin", "ep", "write", "{}"};
	cr_assert_eq(OPS->ts_append(BE, pts, 10, on_done, &a[0]), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "b", NULL, "{}", 2, on_done, &a[1]), 0);
	cr_assert_eq(OPS->audit_append(BE, &e, on_done, &a[2]), 0);
	long long pid = 0;
	for (int i = 0; i < 100 && !pid; i++) {
		lw_sh_pump(&H, 20);
		pid = raw_int(c, "SELECT coalesce(max(pid), 0) FROM pg_stat_activity "
		                 "WHERE wait_event = 'SyncRep' AND application_name = 'lwm2md'");
	}
	cr_assert_neq(pid, 0, "the batch's COMMIT never waited");
	cr_assert_eq(a[0].fired, 0);
	char q[96];
	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%lld)", pid);
	raw_exec(c, q);
	/* the points went alone (the queue was empty): they are the batch
	 * killed in its COMMIT; the next batch waits the same way until the
	 * setting goes */
	wait_ack(&a[0]);
	reset_sync_rep();
	for (int i = 1; i < 3; i++)
		wait_ack(&a[i]);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(a[i].status, 0, "call %d: %s", i, lw_strerror(a[i].status));
	cr_assert_geq(metric("lwm2md_storage_errors_total"), 1, "the connection was not lost");
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points WHERE time >= 200"), 10);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_audit"), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_docs WHERE key = 'b'"), 1);
	PQfinish(c);
	flush_ok();
}

/* Past spool_max, calls answer LW_EAGAIN and count; once the server is back
 * every accepted call is acknowledged and calls are accepted again. */
Test(postgres, spool_full_is_eagain_and_counted)
{
	start_or_fail("reconnect_max_ms = 100\nspool_max = 60");
	flush_ok();
	cluster("kill");
	struct ack acks[100] = {{0}};
	struct lw_st_point pts[10];
	int accepted = 0, refused = 0;
	for (int c = 0; c < 10; c++) {
		for (int i = 0; i < 10; i++)
			pts[i] = point("ep", 1000 + c * 10 + i, c * 10 + i);
		int rc = OPS->ts_append(BE, pts, 10, on_done, &acks[c]);
		if (rc == LW_EAGAIN) {
			refused++;
			continue;
		}
		cr_assert_eq(rc, 0);
		cr_assert_eq(refused, 0, "accepted after a refusal with nothing drained");
		accepted++;
		lw_sh_pump(&H, 5);
	}
	cr_assert_eq(accepted, 6, "spool_max 60 holds six calls of ten points");
	cr_assert_eq(refused, 4);
	cr_assert_eq(metric("lwm2md_storage_spool_full_total"), 4);
	cr_assert_eq(metric("lwm2md_storage_queued"), 60);
	cluster("restart");
	for (int c = 0; c < accepted; c++) {
		wait_ack(&acks[c]);
		cr_assert_eq(acks[c].status, 0);
	}
	cr_assert_eq(metric("lwm2md_storage_queued"), 0);
	struct ack more = {0};
	cr_assert_eq(OPS->ts_append(BE, pts, 10, on_done, &more), 0, "drained: accepted again");
	wait_ack(&more);
	struct ack r;
	query_all("ep", 1000, &r);
	cr_assert_eq(r.n, 70);
	lw_records_free(&r.recs);
	for (int c = 0; c < 10; c++)
		cr_assert(c < accepted || !acks[c].fired, "a refused call's callback ran");
}

/* A call the server refuses fails alone: the calls batched with it are
 * stored, in order, and the next batches are not affected. */
Test(postgres, one_bad_call_fails_alone)
{
	start_or_fail(NULL);
	struct ack a[5];
	memset(a, 0, sizeof(a));
	/* not UTF-8: the server refuses the text (in the middle of a run of
	 * writes that are pipelined together) */
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "u1", NULL, "{}", 2, on_done, &a[0]), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "u2", NULL, "{\"\xff\"}", 5, on_done, &a[1]),
	             0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "u3", NULL, "{}", 2, on_done, &a[2]), 0);
	struct lw_st_point p = point("ep", 5, 5);
	cr_assert_eq(OPS->ts_append(BE, &p, 1, on_done, &a[3]), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "u4", NULL, "{}", 2, on_done, &a[4]), 0);
	for (int i = 0; i < 5; i++)
		wait_ack(&a[i]);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(a[i].status, i == 1 ? LW_EIO : 0, "call %d: %s", i,
		             lw_strerror(a[i].status));
	PGconn *c = raw();
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_docs"), 3);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points"), 1);
	PQfinish(c);
	cr_assert_eq(metric("lwm2md_storage_errors_total"), 1);
	/* and the next batches run as usual */
	memset(a, 0, sizeof(a));
	for (int i = 0; i < 5; i++) {
		char key[16];
		snprintf(key, sizeof(key), "v%d", i);
		cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, key, NULL, "{}", 2, on_done, &a[i]), 0);
	}
	for (int i = 0; i < 5; i++) {
		wait_ack(&a[i]);
		cr_assert_eq(a[i].status, 0);
	}
	flush_ok();
}

/* close() without a server: it tries for close_timeout_ms, then answers every
 * call still queued with LW_EIO (nothing is left without its callback). */
Test(postgres, close_without_server_gives_up)
{
	start_or_fail("reconnect_max_ms = 100\nclose_timeout_ms = 1000");
	flush_ok();
	cluster("kill");
	struct ack a[3];
	memset(a, 0, sizeof(a));
	struct lw_st_point p = point("ep", 5, 5);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(OPS->ts_append(BE, &p, 1, on_done, &a[i]), 0);
	lw_sh_pump(&H, 50);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	lw_sh_stop(&H);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_lt(took, 4, "close took %.1f s", took);
	for (int i = 0; i < 3; i++) {
		cr_assert(a[i].fired, "call %d: no callback by close", i);
		cr_assert_eq(a[i].status, LW_EIO);
	}
	cluster("restart");
	PGconn *c = raw();
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points"), 0);
	PQfinish(c);
}

/* Nodes starting at once on an empty database: the migrations run once, and
 * their first points of a new day all land in the one partition of it. */
Test(postgres, nodes_starting_at_once)
{
	enum { NODES = 4, PER = 100 };
	const double day = 1.8e9; /* a day nobody wrote before */
	pid_t kids[NODES];
	for (int k = 0; k < NODES; k++) {
		kids[k] = fork();
		cr_assert_geq(kids[k], 0);
		if (kids[k] == 0) {
			struct lw_sh node = H; /* same database; never drops it */
			node.created = 0;
			if (lw_sh_start(&node, NULL) != 0)
				_exit(10);
			static struct ack a;
			struct lw_st_point pts[PER];
			for (int i = 0; i < PER; i++)
				pts[i] = point("ep", day + k * PER + i, k * PER + i);
			if (lw_sh_ops(&node)->ts_append(node.store.be, pts, PER, on_done, &a) != 0)
				_exit(11);
			if (lw_sh_wait(&node, &a.fired, WAIT_MS) != 0 || a.status != 0)
				_exit(12);
			lw_sh_stop(&node);
			_exit(0);
		}
	}
	for (int k = 0; k < NODES; k++) {
		int st = 0;
		cr_assert_eq(waitpid(kids[k], &st, 0), kids[k]);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "node %d: status %d", k, st);
	}
	PGconn *c = raw();
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_schema"),
	             raw_int(c, "SELECT max(version) FROM lwm2md_schema"));
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points"), NODES * PER);
	char name[64];
	day_name(day, name, sizeof(name));
	cr_assert_eq(partitions(c, name), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points_default"), 0);
	PQfinish(c);
}

/* A database migrated by a newer lwm2md is refused, and left as it is. */
Test(postgres, newer_schema_refused)
{
	start_or_fail(NULL);
	lw_sh_stop(&H);
	PGconn *c = raw();
	long long v = raw_int(c, "SELECT max(version) FROM lwm2md_schema");
	cr_assert_geq(v, 1, "the migrations recorded their version");
	raw_exec(c, "INSERT INTO lwm2md_schema (version) VALUES (9999)");
	int rc = lw_sh_start(&H, NULL);
	cr_assert_neq(rc, 0, "a schema newer than the plugin's was opened");
	cr_assert(strstr(H.err, "could not open"), "err: %s", H.err);
	cr_assert_eq(raw_int(c, "SELECT max(version) FROM lwm2md_schema"), 9999);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_schema"), v + 1);
	/* an up-to-date database opens without migrating again */
	raw_exec(c, "DELETE FROM lwm2md_schema WHERE version = 9999");
	start_or_fail(NULL);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_schema"), v);
	PQfinish(c);
}

/* Without conninfo, open fails with a reason (and init did not). */
Test(postgres, no_conninfo_refused)
{
	setenv("LW_STORAGE_CONF", "batch_max = 10", 1);
	char db[sizeof(H.dbname)];
	memcpy(db, H.dbname, sizeof(db));
	H.dbname[0] = '\0'; /* the harness then passes no conninfo of its own */
	int rc = lw_sh_start(&H, NULL);
	memcpy(H.dbname, db, sizeof(db));
	cr_assert_eq(rc, LW_EINVAL, "%s", lw_strerror(rc));
	cr_assert(strstr(H.err, "could not open"), "err: %s", H.err);
}

static long long partitions(PGconn *c, const char *name)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
	         "SELECT count(*) FROM pg_inherits i JOIN pg_class k ON k.oid = i.inhrelid "
	         "WHERE i.inhparent = 'lwm2md_points'::regclass AND k.relname %s",
	         name);
	return raw_int(c, sql);
}

static void day_name(double t, char *out, size_t cap)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, cap, "= 'lwm2md_points_p%Y%m%d'", &tm);
}

/* Points of new days get a partition of their own before they go in; the
 * default partition stays empty; retention drops whole old partitions. */
Test(postgres, daily_partitions_and_retention)
{
	start_or_fail(NULL);
	double now = (double)time(NULL);
	const double ages[] = {0, 1, 3, 10, 40}; /* days ago */
	struct lw_st_point pts[5];
	for (int i = 0; i < 5; i++)
		pts[i] = point("ep", now - ages[i] * 86400, i);
	struct ack a = {0};
	cr_assert_eq(OPS->ts_append(BE, pts, 5, on_done, &a), 0);
	wait_ack(&a);
	cr_assert_eq(a.status, 0);
	PGconn *c = raw();
	char name[64];
	for (int i = 0; i < 5; i++) {
		day_name(pts[i].rec.time, name, sizeof(name));
		cr_assert_eq(partitions(c, name), 1, "no partition %s", name);
	}
	cr_assert_eq(partitions(c, "LIKE 'lwm2md_points_p%'"), 5);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM lwm2md_points_default"), 0);
	/* a second day's points, later: its partition appears then */
	struct lw_st_point later = point("ep", now + 2 * 86400, 9);
	memset(&a, 0, sizeof(a));
	cr_assert_eq(OPS->ts_append(BE, &later, 1, on_done, &a), 0);
	wait_ack(&a);
	cr_assert_eq(partitions(c, "LIKE 'lwm2md_points_p%'"), 6);
	lw_sh_stop(&H);
	/* retention of 5 days, checked at start: 10 and 40 days ago go */
	start_or_fail("retention_days = 5");
	flush_ok();
	cr_assert_eq(partitions(c, "LIKE 'lwm2md_points_p%'"), 4);
	for (int i = 0; i < 5; i++) {
		day_name(pts[i].rec.time, name, sizeof(name));
		cr_assert_eq(partitions(c, name), ages[i] < 5, "%s", name);
	}
	struct ack r;
	query_all("ep", 100, &r);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(r.recs.items[0].v.i, 2, "oldest left: 3 days ago");
	lw_records_free(&r.recs);
	/* ts_prune drops what is older, partitions included */
	memset(&a, 0, sizeof(a));
	cr_assert_eq(OPS->ts_prune(BE, now - 2 * 86400, on_done, &a), 0);
	wait_ack(&a);
	cr_assert_eq(a.status, 0);
	day_name(pts[2].rec.time, name, sizeof(name));
	cr_assert_eq(partitions(c, name), 0, "3 days ago: dropped by prune");
	query_all("ep", 100, &r);
	cr_assert_eq(r.n, 3);
	lw_records_free(&r.recs);
	PQfinish(c);
}

/* ---- cluster messages ---- */

struct inbox {
	int n;
	char msg[8][LW_ST_MSG_MAX + 1];
};

static void on_node_message(void *ctx, const char *msg, size_t len)
{
	struct inbox *in = ctx;
	if (in->n < 8)
		snprintf(in->msg[in->n++], sizeof(in->msg[0]), "%.*s", (int)len, msg);
}

static int wait_inbox(struct inbox *in, int n)
{
	for (int i = 0; i < 200 && in->n < n; i++)
		lw_sh_pump(&H, 20);
	return in->n >= n;
}

/* A raw listener on another node's channel. */
static int raw_receive(PGconn *c, char *out, size_t cap)
{
	for (int i = 0; i < 100; i++) {
		PQconsumeInput(c);
		PGnotify *n = PQnotifies(c);
		if (n) {
			snprintf(out, cap, "%s|%s", n->relname, n->extra);
			PQfreemem(n);
			return 1;
		}
		struct pollfd p = {PQsocket(c), POLLIN, 0};
		poll(&p, 1, 50);
	}
	return 0;
}

Test(postgres, node_messages_over_listen_notify)
{
	static struct inbox in;
	memset(&in, 0, sizeof(in));
	lw_storage_configure("node-a", NULL, on_node_message, &in);
	start_or_fail("reconnect_max_ms = 100");
	cr_assert_not_null(OPS->node_send);
	/* another node (raw libpq) speaks to this one */
	PGconn *other = raw();
	raw_exec(other, "LISTEN \"lwm2md_node_node-b.2\"");
	raw_exec(other, "SELECT pg_notify('lwm2md_node_node-a', 'hello a')");
	cr_assert(wait_inbox(&in, 1), "the message to node-a did not arrive");
	cr_assert_str_eq(in.msg[0], "hello a");
	/* this one speaks to the other: quoting is no issue */
	const char *msg = "{\"op\":\"it's \\\"x\\\"\"; DROP TABLE x; --}";
	struct ack a = {0};
	cr_assert_eq(OPS->node_send(BE, "node-b.2", msg, strlen(msg), on_done, &a), 0);
	wait_ack(&a);
	cr_assert_eq(a.status, 0);
	char got[LW_ST_MSG_MAX + 64];
	cr_assert(raw_receive(other, got, sizeof(got)), "node-b.2 got nothing");
	char want[LW_ST_MSG_MAX + 64];
	snprintf(want, sizeof(want), "lwm2md_node_node-b.2|%s", msg);
	cr_assert_str_eq(got, want);
	/* bad node ids and sizes */
	cr_assert_eq(OPS->node_send(BE, "a b", "x", 1, on_done, &a), LW_EINVAL);
	cr_assert_eq(OPS->node_send(BE, "", "x", 1, on_done, &a), LW_EINVAL);
	cr_assert_eq(OPS->node_send(BE, "x\"; DROP", "x", 1, on_done, &a), LW_EINVAL);
	static char big[LW_ST_MSG_MAX + 2];
	memset(big, 'm', sizeof(big) - 1);
	cr_assert_eq(OPS->node_send(BE, "node-a", big, LW_ST_MSG_MAX + 1, on_done, &a), LW_EINVAL);
	/* the largest message goes through, to this node itself */
	memset(&a, 0, sizeof(a));
	cr_assert_eq(OPS->node_send(BE, "node-a", big, LW_ST_MSG_MAX, on_done, &a), 0);
	wait_ack(&a);
	cr_assert(wait_inbox(&in, 2), "the message to itself did not arrive");
	cr_assert_eq(strlen(in.msg[1]), LW_ST_MSG_MAX);
	PQfinish(other);
	/* the listener comes back after a server crash */
	cluster("kill");
	cluster("restart");
	/* sends until one arrives: those sent before the listener is back
	 * are lost, as NOTIFY to nobody is */
	struct ack b[10];
	memset(b, 0, sizeof(b));
	int sent = 0;
	for (int i = 0; i < 100 && in.n < 3; i++) {
		if (i % 10 == 0 && sent < 10)
			cr_assert_eq(OPS->node_send(BE, "node-a", "again", 5, on_done, &b[sent++]), 0);
		lw_sh_pump(&H, 50);
	}
	cr_assert_geq(in.n, 3, "no message after the listener's reconnection");
	cr_assert_str_eq(in.msg[2], "again");
	flush_ok();
	for (int i = 0; i < sent; i++)
		cr_assert(b[i].fired);
}
