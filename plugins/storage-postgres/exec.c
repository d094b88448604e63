/*
 * exec.c: runs one batch of queued storage operations on a blocking libpq
 * connection, in one transaction, plus the schema migrations and the daily
 * partitions of the time series. Runs on a worker thread (or on the thread
 * that closes the backend), so it calls no ABI function but lw_plugin_log().
 *
 * Idempotent retries: every batch transaction first inserts its batch id into
 * lwm2md_batches. When the connection breaks, the loop puts the batch back at
 * the head of the queue and the retry uses the same id: a duplicate key means
 * the COMMIT went through before the break (only its answer was lost), so the
 * writes are acknowledged without being applied twice.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrations.h"
#include "pg.h"

/* Advisory lock keys: migrations, and partition creation/dropping. */
#define LOCK_MIGRATE INT64_C(0x6c776d326d640001)
#define LOCK_PARTITION INT64_C(0x6c776d326d640002)

void pg_errline(PGconn *conn, char *out, size_t cap)
{
	const char *m = conn ? PQerrorMessage(conn) : "out of memory";
	snprintf(out, cap, "%s", m && *m ? m : "unknown error");
	/* libpq messages span lines; a log line must not */
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	/* squeeze the runs of blanks that made */
	char *w = out;
	for (char *r = out; *r; r++)
		if (*r != ' ' || (w > out && w[-1] != ' '))
			*w++ = *r;
	while (w > out && w[-1] == ' ')
		w--;
	*w = '\0';
}

static int lost(PGconn *conn)
{
	return PQstatus(conn) == CONNECTION_BAD;
}

/* Runs a statement without parameters; 0, -1 (SQL error) or -2 (lost). */
static int exec_simple(PGconn *conn, const char *sql, PGresult **keep)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (keep && ok)
		*keep = r;
	else
		PQclear(r);
	if (ok)
		return 0;
	return lost(conn) ? -2 : -1;
}

static const struct {
	const char *name, *sql;
	int n;
} statements[] = {
	{"put",
	 "INSERT INTO lwm2md_docs (coll, key, owner, json, updated) VALUES ($1, $2, $3, $4, $5) "
	 "ON CONFLICT (coll, key) DO UPDATE SET owner = excluded.owner, json = excluded.json, "
	 "updated = excluded.updated",
	 5},
	{"del", "DELETE FROM lwm2md_docs WHERE coll = $1 AND key = $2", 2},
	{"del_owner", "DELETE FROM lwm2md_docs WHERE coll = $1 AND owner = $2", 2},
	{"get", "SELECT key, owner, json, updated FROM lwm2md_docs WHERE coll = $1 AND key = $2", 2},
	{"audit",
	 "INSERT INTO lwm2md_audit (time, actor, endpoint, action, detail) "
	 "VALUES ($1, $2, $3, $4, $5)",
	 5},
	{"notify", "SELECT pg_notify($1, $2)", 2},
	{"mark", "INSERT INTO lwm2md_batches (id) VALUES ($1)", 1},
};

/* Server notices (IF NOT EXISTS skipping, ...) are not ours to print. */
static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

PGconn *pg_connect(const char *conninfo, int timeout_s, int prepare, char *err, size_t errlen)
{
	/* expand_dbname turns the conninfo into its parts, whatever form
	 * (key=value or URI) it has; what it says overrides our defaults before
	 * it: a timeout, and keepalives so that a dead peer (no RST) breaks a
	 * blocking call instead of hanging it. */
	char to[16];
	snprintf(to, sizeof(to), "%d", timeout_s);
	const char *keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval",
	                      "keepalives_count", "tcp_user_timeout", "application_name",
	                      "dbname", NULL};
	const char *vals[] = {to, "10", "5", "3", "30000", "lwm2md", conninfo, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_errline(c, err, errlen);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	/* Times in the schema are plain doubles: no session setting matters but
	 * the float output, which must round-trip. */
	if (exec_simple(c, "SET extra_float_digits = 3", NULL) != 0)
		goto fail;
	for (size_t i = 0; prepare && i < sizeof(statements) / sizeof(statements[0]); i++) {
		PGresult *r = PQprepare(c, statements[i].name, statements[i].sql, statements[i].n,
		                        NULL);
		int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
		if (!ok)
			goto fail;
	}
	return c;
fail:
	pg_errline(c, err, errlen);
	PQfinish(c);
	return NULL;
}

/* ---- migrations ---- */

int pg_migrate(const lw_plugin *self, PGconn *conn)
{
	char q[160], err[256];
	PGresult *r = NULL;
	int have = 0;
	/* Several nodes may start at once: the lock makes them take turns, and
	 * the second finds the work done. */
	snprintf(q, sizeof(q), "BEGIN; SELECT pg_advisory_xact_lock(%" PRId64 ")", LOCK_MIGRATE);
	if (exec_simple(conn, q, NULL) != 0 ||
	    exec_simple(conn,
	                "CREATE TABLE IF NOT EXISTS lwm2md_schema (version integer PRIMARY KEY, "
	                "applied timestamptz NOT NULL DEFAULT now())",
	                NULL) != 0 ||
	    exec_simple(conn, "SELECT coalesce(max(version), 0) FROM lwm2md_schema", &r) != 0)
		goto fail;
	have = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	int known = pg_n_migrations;
	if (have > known) {
		exec_simple(conn, "ROLLBACK", NULL);
		lw_plugin_log(self, LW_LOG_ERROR,
		              "database schema version %d is newer than this lwm2md knows (%d): "
		              "upgrade lwm2md",
		              have, known);
		return LW_ENOTSUP;
	}
	for (int i = have; i < known; i++) {
		if (exec_simple(conn, pg_migrations[i].sql, NULL) != 0) {
			pg_errline(conn, err, sizeof(err));
			exec_simple(conn, "ROLLBACK", NULL);
			lw_plugin_log(self, LW_LOG_ERROR, "migration %s failed: %s",
			              pg_migrations[i].name, err);
			return LW_EIO;
		}
		snprintf(q, sizeof(q), "INSERT INTO lwm2md_schema (version) VALUES (%d)",
		         pg_migrations[i].version);
		if (exec_simple(conn, q, NULL) != 0)
			goto fail;
	}
	if (exec_simple(conn, "COMMIT", NULL) != 0)
		goto fail;
	if (have < known)
		lw_plugin_log(self, LW_LOG_INFO, "schema migrated from version %d to %d", have,
		              known);
	return 0;
fail:
	pg_errline(conn, err, sizeof(err));
	exec_simple(conn, "ROLLBACK", NULL);
	lw_plugin_log(self, LW_LOG_ERROR, "schema check failed: %s", err);
	return LW_EIO;
}

/* ---- partitions ---- */

int64_t pg_day_of(double t)
{
	return (int64_t)floor(t / 86400.0);
}

int pg_partition_name(int64_t day, char *out, size_t cap)
{
	/* gmtime_r covers any year; the name keeps four digits of it */
	if (day < -719162 || day > 2932896)
		return -1;
	time_t s = (time_t)(day * 86400);
	struct tm tm;
	if (!gmtime_r(&s, &tm))
		return -1;
	snprintf(out, cap, "lwm2md_points_p%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);
	return 0;
}

static int day_known(struct pg_exec *x, int64_t day)
{
	for (size_t i = 0; i < *x->n_days; i++)
		if ((*x->days)[i] == day)
			return 1;
	return 0;
}

static void day_add(struct pg_exec *x, int64_t day)
{
	if (*x->n_days == *x->cap_days) {
		size_t cap = *x->cap_days ? *x->cap_days * 2 : 16;
		int64_t *d = realloc(*x->days, cap * sizeof(*d));
		if (!d)
			return; /* only a cache: it will be asked again */
		*x->days = d;
		*x->cap_days = cap;
	}
	(*x->days)[(*x->n_days)++] = day;
}

static void day_forget(struct pg_exec *x, int64_t day)
{
	for (size_t i = 0; i < *x->n_days; i++)
		if ((*x->days)[i] == day) {
			(*x->days)[i] = (*x->days)[--*x->n_days];
			return;
		}
}

/* Creates the day's partition in its own short transaction, so that a batch
 * never holds the partition lock for long; other nodes may race for the same
 * day, hence the lock and IF NOT EXISTS. A partition that cannot be created
 * (the default partition already holds rows of that day) is not retried:
 * rows of that day keep going to the default partition. */
static int ensure_day(struct pg_exec *x, int64_t day)
{
	char name[64], q[384];
	if (pg_partition_name(day, name, sizeof(name)) != 0) {
		day_add(x, day);
		return 0;
	}
	snprintf(q, sizeof(q),
	         "BEGIN; SELECT pg_advisory_xact_lock(%" PRId64 "); "
	         "CREATE TABLE IF NOT EXISTS %s PARTITION OF lwm2md_points "
	         "FOR VALUES FROM (%" PRId64 ") TO (%" PRId64 "); COMMIT",
	         LOCK_PARTITION, name, day * 86400, (day + 1) * 86400);
	int rc = exec_simple(x->conn, q, NULL);
	if (rc == -2)
		return -2;
	if (rc == -1) {
		char err[256];
		pg_errline(x->conn, err, sizeof(err));
		exec_simple(x->conn, "ROLLBACK", NULL);
		lw_plugin_log(x->self, LW_LOG_WARN,
		              "cannot create partition %s (its points go to the default "
		              "partition): %s",
		              name, err);
		if (lost(x->conn))
			return -2;
	}
	day_add(x, day);
	return 0;
}

static int ensure_partitions(struct pg_exec *x)
{
	for (struct pg_op *op = x->ops; op; op = op->next)
		for (size_t i = 0; i < op->n_days; i++)
			if (!day_known(x, op->days[i]) && ensure_day(x, op->days[i]) == -2)
				return -2;
	return 0;
}

/* Drops the daily partitions that end at or before cutoff, then deletes the
 * older rows that sit elsewhere (default partition, the cut-off day). */
static int drop_before(struct pg_exec *x, double cutoff, int delete_rest)
{
	char q[256];
	PGresult *r = NULL;
	snprintf(q, sizeof(q), "SELECT pg_advisory_xact_lock(%" PRId64 ")", LOCK_PARTITION);
	int rc = exec_simple(x->conn, q, NULL);
	if (rc)
		return rc;
	rc = exec_simple(x->conn,
	                 "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
	                 "i.inhrelid WHERE i.inhparent = 'lwm2md_points'::regclass",
	                 &r);
	if (rc)
		return rc;
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		int y, m, d;
		const char *name = PQgetvalue(r, i, 0);
		if (sscanf(name, "lwm2md_points_p%4d%2d%2d", &y, &m, &d) != 3)
			continue;
		struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
		int64_t day = (int64_t)timegm(&tm) / 86400;
		if ((double)((day + 1) * 86400) > cutoff)
			continue;
		snprintf(q, sizeof(q), "DROP TABLE IF EXISTS %s", name);
		rc = exec_simple(x->conn, q, NULL);
		if (rc == 0)
			day_forget(x, day);
	}
	PQclear(r);
	if (rc || !delete_rest)
		return rc;
	char t[40];
	snprintf(t, sizeof(t), "%.17g", cutoff);
	const char *v[] = {t};
	r = PQexecParams(x->conn, "DELETE FROM lwm2md_points WHERE time < $1", 1, NULL, v, NULL,
	                 NULL, 0);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : lost(x->conn) ? -2 : -1;
	PQclear(r);
	return rc;
}

/* ---- the operations ---- */

static int result_rc(PGconn *conn, PGresult *r, PGresult **keep)
{
	ExecStatusType st = PQresultStatus(r);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (ok && keep)
		*keep = r;
	else
		PQclear(r);
	return ok ? 0 : lost(conn) ? -2 : -1;
}

static int prepared(PGconn *conn, const char *name, int n, const char *const *v, PGresult **keep)
{
	return result_rc(conn, PQexecPrepared(conn, name, n, v, NULL, NULL, 0), keep);
}

/* COPY of the points of ops[0..n) (consecutive ts_append calls), one stream. */
static int copy_points(PGconn *conn, struct pg_op *first, size_t n)
{
	PGresult *r = PQexec(conn, "COPY lwm2md_points (endpoint, oid, iid, rid, riid, time, "
	                           "type, vi, vf, vb) FROM STDIN");
	if (PQresultStatus(r) != PGRES_COPY_IN)
		return result_rc(conn, r, NULL);
	PQclear(r);
	struct pg_op *op = first;
	for (size_t i = 0; i < n; i++, op = op->next)
		if (op->copy_len && PQputCopyData(conn, op->copy, (int)op->copy_len) != 1)
			return lost(conn) ? -2 : -1;
	if (PQputCopyEnd(conn, NULL) != 1)
		return lost(conn) ? -2 : -1;
	int rc = 0;
	while ((r = PQgetResult(conn)) != NULL) {
		int one = result_rc(conn, r, NULL);
		if (one && !rc)
			rc = one;
	}
	return rc ? rc : lost(conn) ? -2 : 0;
}

static int ts_query(PGconn *conn, struct pg_op *op)
{
	char sql[640], p[4][8], t1[40], t2[40], lim[24];
	int depth = lw_path_depth(&op->path);
	const char *v[8] = {op->s[0], t1, t2};
	int n = 3;
	size_t off = 0;
	uint16_t ids[4] = {op->path.oid, op->path.iid, op->path.rid, op->path.riid};
	static const char *const col[4] = {"oid", "iid", "rid", "riid"};
	char cond[160] = "";
	for (int i = 0; i < depth; i++) {
		snprintf(p[i], sizeof(p[i]), "%u", ids[i]);
		v[n++] = p[i];
		off += (size_t)snprintf(cond + off, sizeof(cond) - off, " AND %s = $%d", col[i], n);
	}
	snprintf(t1, sizeof(t1), "%.17g", op->d1);
	snprintf(t2, sizeof(t2), "%.17g", op->d2);
	snprintf(lim, sizeof(lim), "%zu", op->limit);
	v[n++] = lim;
	snprintf(sql, sizeof(sql),
	         "SELECT oid, iid, rid, riid, time, type, vi, vf, vb FROM (SELECT * FROM "
	         "lwm2md_points WHERE endpoint = $1 AND time >= $2 AND time <= $3%s "
	         "ORDER BY time DESC, seq DESC LIMIT $%d) s ORDER BY time, seq",
	         cond, n);
	return result_rc(conn, PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0), &op->res);
}

static int doc_list(PGconn *conn, struct pg_op *op)
{
	char sql[320], coll[8], lim[24];
	snprintf(coll, sizeof(coll), "%d", op->coll);
	snprintf(lim, sizeof(lim), "%zu", op->limit);
	const char *v[4] = {coll, lim};
	int n = 2;
	char cond[96] = "";
	size_t off = 0;
	if (op->s[1]) {
		v[n++] = op->s[1];
		off += (size_t)snprintf(cond + off, sizeof(cond) - off, " AND owner = $%d", n);
	}
	if (op->s[3]) {
		v[n++] = op->s[3];
		off += (size_t)snprintf(cond + off, sizeof(cond) - off, " AND key > $%d", n);
	}
	snprintf(sql, sizeof(sql),
	         "SELECT key, owner, json, updated FROM lwm2md_docs WHERE coll = $1%s "
	         "ORDER BY key LIMIT $2",
	         cond);
	return result_rc(conn, PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0), &op->res);
}

static int audit_query(PGconn *conn, struct pg_op *op)
{
	char sql[400], t1[40], t2[40], lim[24];
	snprintf(t1, sizeof(t1), "%.17g", op->d1);
	snprintf(t2, sizeof(t2), "%.17g", op->d2);
	snprintf(lim, sizeof(lim), "%zu", op->limit);
	const char *v[4] = {t1, t2, lim, op->s[0]};
	snprintf(sql, sizeof(sql),
	         "SELECT time, actor, endpoint, action, detail FROM (SELECT * FROM lwm2md_audit "
	         "WHERE time >= $1 AND time <= $2%s ORDER BY time DESC, id DESC LIMIT $3) s "
	         "ORDER BY time, id",
	         op->s[0] ? " AND endpoint = $4" : "");
	return result_rc(conn, PQexecParams(conn, sql, op->s[0] ? 4 : 3, NULL, v, NULL, NULL, 0),
	                 &op->res);
}

/* The prepared statement and parameters of a plain write (the ones that can
 * be pipelined); NULL name for the others. buf holds the numbers' text. */
struct stmt_args {
	const char *name;
	int n;
	const char *v[5];
	char coll[8], num[40];
};

static void set_args(struct stmt_args *a, const char *name, int n, const char *v0,
                     const char *v1, const char *v2, const char *v3, const char *v4)
{
	a->name = name;
	a->n = n;
	a->v[0] = v0;
	a->v[1] = v1;
	a->v[2] = v2;
	a->v[3] = v3;
	a->v[4] = v4;
}

static int write_args(const struct pg_op *op, struct stmt_args *a)
{
	snprintf(a->coll, sizeof(a->coll), "%d", op->coll);
	snprintf(a->num, sizeof(a->num), "%.17g", op->d1);
	switch (op->kind) {
	case OP_PUT:
		set_args(a, "put", 5, a->coll, op->s[0], op->s[1], op->s[2], a->num);
		return 1;
	case OP_DEL:
		set_args(a, "del", 2, a->coll, op->s[0], NULL, NULL, NULL);
		return 1;
	case OP_DEL_OWNER:
		set_args(a, "del_owner", 2, a->coll, op->s[1], NULL, NULL, NULL);
		return 1;
	case OP_AUDIT_APPEND:
		set_args(a, "audit", 5, a->num, op->s[0], op->s[1], op->s[2], op->s[3]);
		return 1;
	case OP_NODE_SEND:
		set_args(a, "notify", 2, op->s[0], op->s[2], NULL, NULL, NULL);
		return 1;
	default:
		a->name = NULL;
		return 0;
	}
}

/* One operation (ts_append too, alone); 0, -1 or -2 as exec_simple. */
static int exec_op(struct pg_exec *x, struct pg_op *op)
{
	PGconn *c = x->conn;
	char coll[8], num[40];
	struct stmt_args a;
	if (write_args(op, &a))
		return prepared(c, a.name, a.n, a.v, NULL);
	snprintf(coll, sizeof(coll), "%d", op->coll);
	switch (op->kind) {
	case OP_GET: {
		const char *v[] = {coll, op->s[0]};
		return prepared(c, "get", 2, v, &op->res);
	}
	case OP_LIST:
		return doc_list(c, op);
	case OP_TS_APPEND:
		return copy_points(c, op, 1);
	case OP_TS_QUERY:
		return ts_query(c, op);
	case OP_TS_PRUNE:
		return drop_before(x, op->d1, 1);
	case OP_AUDIT_QUERY:
		return audit_query(c, op);
	case OP_MAINT: {
		int rc = op->d1 > 0 ? drop_before(x, op->d1, 0) : 0;
		if (rc == 0 && op->d1 > 0) {
			snprintf(num, sizeof(num), "%.17g", op->d1);
			const char *v[] = {num};
			rc = result_rc(c,
			               PQexecParams(c, "DELETE FROM lwm2md_points_default WHERE time < $1",
			                            1, NULL, v, NULL, NULL, 0),
			               NULL);
		}
		if (rc == 0)
			rc = exec_simple(c,
			                 "DELETE FROM lwm2md_batches WHERE at < now() - interval '1 day'",
			                 NULL);
		return rc;
	}
	case OP_FLUSH:
	default:
		return 0;
	}
}

#ifdef LIBPQ_HAS_PIPELINING
/* Most statements in flight at once: their answers (a few dozen bytes each)
 * must fit the socket buffers, or the server, blocked writing answers,
 * would stop reading while we are blocked writing statements. */
#define PIPELINE_CHUNK 256

/* Plain writes ops[0..n) sent without waiting for each answer: one round
 * trip per chunk instead of one per statement. 0, -1 or -2. */
static int pipeline(PGconn *c, struct pg_op *op, size_t n)
{
	int rc = 0;
	while (n && rc == 0) {
		size_t k = n < PIPELINE_CHUNK ? n : PIPELINE_CHUNK;
		if (PQenterPipelineMode(c) != 1)
			return lost(c) ? -2 : -1;
		size_t sent = 0;
		struct pg_op *o = op;
		for (; sent < k; sent++, o = o->next) {
			struct stmt_args a;
			write_args(o, &a);
			if (!PQsendQueryPrepared(c, a.name, a.n, a.v, NULL, NULL, 0))
				break;
		}
		if (sent < k || PQpipelineSync(c) != 1)
			return -2; /* a send failed: the connection is no good */
		/* each statement's result then NULL; then the sync's */
		for (size_t i = 0; i < sent; i++) {
			PGresult *r = PQgetResult(c);
			if (!r)
				return -2;
			ExecStatusType st = PQresultStatus(r);
			if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && rc == 0)
				rc = -1;
			PQclear(r);
			while ((r = PQgetResult(c)) != NULL)
				PQclear(r);
		}
		PGresult *r = PQgetResult(c);
		int synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
		PQclear(r);
		if (!synced || PQexitPipelineMode(c) != 1)
			return -2;
		if (lost(c))
			return -2;
		op = o;
		n -= k;
	}
	return rc;
}
#endif

static void clear_results(struct pg_exec *x)
{
	for (struct pg_op *op = x->ops; op; op = op->next) {
		PQclear(op->res);
		op->res = NULL;
		op->status = 0;
	}
}

/* The batch's operations in the open transaction. With savepoints, each op
 * is fenced so that one failing statement fails only its own call. */
static int exec_ops(struct pg_exec *x, int savepoints)
{
	struct pg_op *op = x->ops;
	while (op) {
		if (!savepoints && op->kind == OP_TS_APPEND) {
			/* consecutive appends share one COPY stream */
			size_t n = 1;
			struct pg_op *end = op->next;
			while (end && end->kind == OP_TS_APPEND) {
				n++;
				end = end->next;
			}
			int rc = copy_points(x->conn, op, n);
			if (rc)
				return rc;
			op = end;
			continue;
		}
#ifdef LIBPQ_HAS_PIPELINING
		struct stmt_args a;
		if (!savepoints && write_args(op, &a) && op->next && write_args(op->next, &a)) {
			size_t n = 0;
			struct pg_op *end = op;
			while (end && write_args(end, &a)) {
				n++;
				end = end->next;
			}
			int rc = pipeline(x->conn, op, n);
			if (rc)
				return rc;
			op = end;
			continue;
		}
#endif
		if (savepoints && exec_simple(x->conn, "SAVEPOINT op", NULL) != 0)
			return lost(x->conn) ? -2 : -1;
		int rc = exec_op(x, op);
		if (rc == -2 || (rc == -1 && !savepoints))
			return rc;
		if (rc == -1) {
			char err[256];
			pg_errline(x->conn, err, sizeof(err));
			lw_plugin_log(x->self, LW_LOG_ERROR, "operation failed: %s", err);
			op->status = LW_EIO;
			PQclear(op->res);
			op->res = NULL;
			rc = exec_simple(x->conn, "ROLLBACK TO SAVEPOINT op", NULL);
		} else if (savepoints) {
			rc = exec_simple(x->conn, "RELEASE SAVEPOINT op", NULL);
		}
		if (rc)
			return lost(x->conn) ? -2 : -1;
		op = op->next;
	}
	return 0;
}

static int set_lost(struct pg_exec *x)
{
	pg_errline(x->conn, x->err, sizeof(x->err));
	clear_results(x);
	x->result = PG_RES_LOST;
	return PG_RES_LOST;
}

/* Inserts the batch id: 0; 1 when a retried batch's id is there already (its
 * first attempt committed); -1 or -2 as exec_simple. */
static int mark(struct pg_exec *x, const char *const *idv)
{
	PGresult *r = PQexecPrepared(x->conn, "mark", 1, idv, NULL, NULL, 0);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	int dup = state && strcmp(state, "23505") == 0;
	int rc = result_rc(x->conn, r, NULL);
	if (rc == -1 && dup && x->check_marker)
		return 1;
	return rc;
}

/* The first attempt of this batch committed and only its answer was lost:
 * the writes are acknowledged as they are. A batch ends at its first read,
 * so a read (last) sees now the state it would have seen then. */
static int committed_before(struct pg_exec *x)
{
	lw_plugin_log(x->self, LW_LOG_INFO,
	              "a batch of %zu operations had committed before the connection broke",
	              x->n_ops);
	for (struct pg_op *op = x->ops; op; op = op->next) {
		op->status = 0;
		if (!pg_op_is_read(op))
			continue;
		int rc = exec_op(x, op);
		if (rc == -2)
			return set_lost(x);
		if (rc)
			op->status = LW_EIO;
	}
	return PG_RES_OK;
}

int pg_run_batch(struct pg_exec *x)
{
	char id[24];
	snprintf(id, sizeof(id), "%" PRId64, (int64_t)x->batch_id);
	const char *idv[] = {id};
	x->result = PG_RES_OK;
	clear_results(x);
	if (ensure_partitions(x) == -2)
		return set_lost(x);
	for (int savepoints = 0; savepoints < 2; savepoints++) {
		if (exec_simple(x->conn, "BEGIN", NULL) != 0)
			return set_lost(x);
		/* The batch id first: on a retry, this waits for the attempt
		 * that may still be finishing on the server, and fails as a
		 * duplicate if that attempt committed. */
		int rc = mark(x, idv);
		if (rc == 1) {
			if (exec_simple(x->conn, "ROLLBACK", NULL) == -2)
				return set_lost(x);
			return committed_before(x);
		}
		if (rc == 0)
			rc = exec_ops(x, savepoints);
		if (rc == -2)
			return set_lost(x);
		if (rc == -1) {
			char err[256];
			pg_errline(x->conn, err, sizeof(err));
			if (exec_simple(x->conn, "ROLLBACK", NULL) == -2)
				return set_lost(x);
			clear_results(x);
			if (!savepoints) {
				lw_plugin_log(x->self, LW_LOG_WARN,
				              "batch of %zu operations failed (%s): retrying each alone",
				              x->n_ops, err);
				continue;
			}
			lw_plugin_log(x->self, LW_LOG_ERROR, "batch failed: %s", err);
			for (struct pg_op *op = x->ops; op; op = op->next)
				op->status = LW_EIO;
			return PG_RES_OK;
		}
		rc = exec_simple(x->conn, "COMMIT", NULL);
		if (rc == -2)
			return set_lost(x);
		if (rc == -1) {
			char err[256];
			pg_errline(x->conn, err, sizeof(err));
			lw_plugin_log(x->self, LW_LOG_ERROR, "commit failed: %s", err);
			clear_results(x);
			for (struct pg_op *op = x->ops; op; op = op->next)
				op->status = LW_EIO;
		}
		return PG_RES_OK;
	}
	return PG_RES_OK;
}
