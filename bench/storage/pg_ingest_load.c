/*
 * bench/storage/pg_ingest_load.c: sustained time-series ingest through the
 * storage-postgres plugin, loaded by the storage harness as the daemon loads
 * it. Run by bench/storage/pg-ingest, which starts a throwaway cluster and
 * sets LW_STORAGE_CONF; alone it needs LW_STORAGE=postgres and a conninfo.
 *
 * The load is what the core sends: calls of a few values each (a Notify of a
 * few resources), many devices, kept coming as fast as the backend accepts
 * them (LW_EAGAIN: the loop turns, then the call is retried). A value counts
 * when its callback said durable. The figure is acknowledged values per
 * second over the whole run, and the rows are counted in the database after.
 *
 * With --compare, it first times the two ways to insert a batch that the
 * plugin could use, on raw libpq: COPY FROM STDIN, and INSERT ... SELECT FROM
 * unnest() of arrays, 10,000 rows per transaction each.
 *
 *   pg-ingest-load [--values N] [--per-call K] [--devices D] [--conf "k = v"]
 *                  [--compare] [--docs N]
 *
 * --docs N also times N doc_put calls (registrations of N devices), the
 * other write the core makes in bulk.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tests/storage/harness.h"
#include "log.h"

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t acked, failed;

static void on_done(void *arg, int status)
{
	size_t n = (size_t)(uintptr_t)arg;
	if (status == 0)
		acked += n;
	else
		failed += n;
}

static PGconn *raw(const struct lw_sh *h)
{
	char ci[700];
	snprintf(ci, sizeof(ci), "%s dbname=%s", h->conninfo, h->dbname);
	PGconn *c = PQconnectdb(ci);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

static void must(PGconn *c, PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fprintf(stderr, "sql: %s", PQerrorMessage(c));
		exit(1);
	}
	PQclear(r);
}

/* The same rows two ways, in a table shaped like lwm2md_points. */
static void compare(const struct lw_sh *h)
{
	enum { ROWS = 10000, ROUNDS = 20 };
	PGconn *c = raw(h);
	must(c, PQexec(c, "CREATE TABLE cmp (endpoint text, oid int, iid int, rid int, riid int, "
	                  "time float8, seq bigserial, type smallint, vi bigint, vf float8, "
	                  "vb bytea) PARTITION BY RANGE (time); "
	                  "CREATE TABLE cmp_d PARTITION OF cmp DEFAULT; "
	                  "CREATE INDEX ON cmp (endpoint, time)"));
	size_t cap = (size_t)ROWS * 96;
	char *copy = malloc(cap), *eps = malloc(cap), *ts = malloc(cap), *vs = malloc(cap);
	double t_copy = 0, t_unnest = 0;
	for (int round = 0; round < ROUNDS; round++) {
		size_t o = 0, oe = 0, ot = 0, ov = 0;
		eps[oe++] = '{';
		ts[ot++] = '{';
		vs[ov++] = '{';
		for (int i = 0; i < ROWS; i++) {
			double t = 1.7e9 + round * ROWS + i, v = i * 0.5;
			o += (size_t)snprintf(copy + o, cap - o,
			                      "dev-%d\t3303\t%d\t5700\t65535\t%.17g\t4\t\\N\t%.17g\t\\N\n",
			                      i % 1000, i % 4, t, v);
			oe += (size_t)snprintf(eps + oe, cap - oe, "%sdev-%d", i ? "," : "", i % 1000);
			ot += (size_t)snprintf(ts + ot, cap - ot, "%s%.17g", i ? "," : "", t);
			ov += (size_t)snprintf(vs + ov, cap - ov, "%s%.17g", i ? "," : "", v);
		}
		eps[oe++] = '}';
		eps[oe] = '\0';
		ts[ot++] = '}';
		ts[ot] = '\0';
		vs[ov++] = '}';
		vs[ov] = '\0';
		double t0 = mono();
		must(c, PQexec(c, "BEGIN"));
		PGresult *r = PQexec(c, "COPY cmp (endpoint, oid, iid, rid, riid, time, type, vi, "
		                        "vf, vb) FROM STDIN");
		PQclear(r);
		PQputCopyData(c, copy, (int)o);
		PQputCopyEnd(c, NULL);
		while ((r = PQgetResult(c)) != NULL)
			must(c, r);
		must(c, PQexec(c, "COMMIT"));
		double t1 = mono();
		const char *v[3] = {eps, ts, vs};
		must(c, PQexec(c, "BEGIN"));
		must(c, PQexecParams(c,
		                     "INSERT INTO cmp (endpoint, oid, iid, rid, riid, time, type, vf) "
		                     "SELECT e, 3303, 0, 5700, 65535, t, 4, v FROM "
		                     "unnest($1::text[], $2::float8[], $3::float8[]) AS u(e, t, v)",
		                     3, NULL, v, NULL, NULL, 0));
		must(c, PQexec(c, "COMMIT"));
		double t2 = mono();
		if (round > 0) { /* the first round warms the caches */
			t_copy += t1 - t0;
			t_unnest += t2 - t1;
		}
	}
	printf("compare: %d transactions of %d rows (text formatting excluded)\n", ROUNDS - 1,
	       ROWS);
	printf("  COPY FROM STDIN          %10.0f rows/s\n", (ROUNDS - 1) * ROWS / t_copy);
	printf("  INSERT SELECT unnest()   %10.0f rows/s\n", (ROUNDS - 1) * ROWS / t_unnest);
	free(copy);
	free(eps);
	free(ts);
	free(vs);
	must(c, PQexec(c, "DROP TABLE cmp"));
	PQfinish(c);
}

int main(int argc, char **argv)
{
	size_t values = 1000000, per = 4, devices = 10000;
	const char *conf = NULL;
	int cmp = 0;
	size_t docs = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--values") == 0 && i + 1 < argc)
			values = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--per-call") == 0 && i + 1 < argc)
			per = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--devices") == 0 && i + 1 < argc)
			devices = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--conf") == 0 && i + 1 < argc)
			conf = argv[++i];
		else if (strcmp(argv[i], "--compare") == 0)
			cmp = 1;
		else if (strcmp(argv[i], "--docs") == 0 && i + 1 < argc)
			docs = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: %s [--values N] [--per-call K] [--devices D] "
			                "[--conf \"k = v\"] [--compare]\n", argv[0]);
			return 2;
		}
	}
	if (per == 0 || devices == 0)
		return 2;
	lw_log_set_level(LW_LOG_WARN);
	struct lw_sh h;
	if (lw_sh_create(&h) != 0 || lw_sh_start(&h, conf) != 0) {
		fprintf(stderr, "cannot start the backend: %s\n", h.err);
		lw_sh_destroy(&h);
		return 1;
	}
	if (cmp)
		compare(&h);
	const struct lw_storage_ops *ops = lw_sh_ops(&h);
	struct lw_st_point *pts = calloc(per, sizeof(*pts));
	char (*names)[32] = calloc(devices, sizeof(*names));
	for (size_t d = 0; d < devices; d++)
		snprintf(names[d], sizeof(names[d]), "dev-%zu", d);
	const double t_base = (double)time(NULL) - 3600;
	size_t sent = 0, calls = 0, refused = 0;
	double t0 = mono();
	while (acked + failed < values) {
		while (sent < values) {
			size_t n = values - sent < per ? values - sent : per;
			const char *ep = names[calls % devices];
			for (size_t i = 0; i < n; i++) {
				memset(&pts[i], 0, sizeof(pts[i]));
				pts[i].endpoint = ep;
				pts[i].rec.path = lw_path_make(3, 3303, (uint16_t)i, 5700, 0);
				pts[i].rec.type = LW_TYPE_FLOAT;
				pts[i].rec.has_time = 1;
				pts[i].rec.time = t_base + (double)(sent + i) * 0.001;
				pts[i].rec.v.f = (double)(sent + i) * 0.25;
			}
			int rc = ops->ts_append(h.store.be, pts, n, on_done, (void *)(uintptr_t)n);
			if (rc == LW_EAGAIN) {
				refused++;
				break;
			}
			if (rc != 0) {
				fprintf(stderr, "ts_append: %s\n", lw_strerror(rc));
				return 1;
			}
			sent += n;
			calls++;
			if (calls % 256 == 0)
				break; /* let completions in */
		}
		lw_sh_pump(&h, sent < values ? 0 : 5);
	}
	double dt = mono() - t0;
	PGconn *c = raw(&h);
	PGresult *r = PQexec(c, "SELECT count(*) FROM lwm2md_points");
	long long rows = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	printf("ingest: %zu values in %zu calls of %zu, %zu devices, %.2f s\n", values, calls, per,
	       devices, dt);
	printf("  acknowledged %zu (failed %zu), rows in the table %lld, back-pressure %zu\n",
	       acked, failed, rows, refused);
	printf("  %.0f values/s persisted\n", (double)acked / dt);
	if (docs) {
		size_t before = acked;
		char key[32], json[160];
		size_t put = 0;
		double d0 = mono();
		while (acked - before < docs) {
			while (put < docs) {
				snprintf(key, sizeof(key), "dev-%zu", put);
				int n = snprintf(json, sizeof(json),
				                 "{\"ep\":\"%s\",\"lt\":86400,\"b\":\"U\","
				                 "\"addr\":\"127.0.0.1:%zu\"}",
				                 key, 1024 + put % 60000);
				int rc = ops->doc_put(h.store.be, LW_ST_REGISTRATIONS, key, NULL, json,
				                      (size_t)n, on_done, (void *)(uintptr_t)1);
				if (rc == LW_EAGAIN)
					break;
				if (rc != 0)
					return 1;
				if (++put % 256 == 0)
					break;
			}
			lw_sh_pump(&h, put < docs ? 0 : 5);
		}
		double ddt = mono() - d0;
		printf("docs: %zu doc_put in %.2f s, %.0f documents/s persisted\n", docs, ddt,
		       (double)docs / ddt);
	}
	free(pts);
	free(names);
	lw_sh_destroy(&h);
	return failed || rows != (long long)values ? 1 : 0;
}
