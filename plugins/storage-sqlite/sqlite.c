/*
 * storage-sqlite: the default store of lwm2md (lwm2m/storage.h) in one SQLite
 * file, WAL mode.
 *
 * Every call copies its arguments into an operation and appends it to one
 * in-memory queue, then returns. One job at a time runs on the worker pool:
 * it takes the queue's head (up to batch_max operations, a ts_append counting
 * one per point), runs all of it in one transaction with prepared statements
 * and commits; its completion, back on the loop thread, runs each callback
 * with its status and starts the next batch. One job at a time keeps the
 * calls' order (a read runs after the writes queued before it, in the same
 * transaction or a later one), and the queue turns load into bigger batches
 * rather than more commits.
 */
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwm2m/loop.h"
#include "lwm2m/metrics.h"
#include "lwm2m/plugin.h"
#include "lwm2m/storage.h"
#include "migrations.h"

#define TS_DEFAULT_LIMIT 10000
#define PRUNE_EVERY_MS (3600 * 1000)
#define RETRY_MS 10

enum op_kind {
	OP_PUT,
	OP_DEL,
	OP_DEL_OWNER,
	OP_GET,
	OP_LIST,
	OP_TS_APPEND,
	OP_TS_QUERY,
	OP_TS_PRUNE,
	OP_AUDIT_APPEND,
	OP_AUDIT_QUERY,
	OP_FLUSH,
};

/* One call, with copies of everything it was given and room for its answer. */
struct op {
	struct op *next;
	int kind;
	int coll;
	int status;
	size_t cost; /* what it counts against batch_max and queue_max */
	lw_st_done_fn done;
	lw_st_docs_fn docs_cb;
	lw_st_points_fn points_cb;
	lw_st_audit_fn audit_cb;
	void *arg;
	/* arguments (one allocation with the op for strings and points) */
	const char *key, *owner, *after, *json;
	size_t json_len, limit;
	double from, to;
	struct lw_st_point *points;
	size_t n_points;
	lw_path path;
	struct lw_st_audit audit;
	/* answers, filled by the worker, freed after the callback */
	struct lw_st_doc *docs;
	size_t n_docs;
	lw_records recs;
	struct lw_st_audit *entries;
	size_t n_entries;
};

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_ROLLBACK_TO,
	S_PUT,
	S_DEL,
	S_DEL_OWNER,
	S_GET,
	S_LIST,
	S_LIST_AFTER,
	S_LIST_OWNER,
	S_LIST_OWNER_AFTER,
	S_TS_INSERT,
	S_TS_Q,  /* a path prefix of depth 0 to 3: a range of path */
	S_TS_Q4, /* a resource instance */
	S_EP_GET,
	S_EP_ADD,
	S_TS_PRUNE,
	S_AUDIT_INSERT,
	S_AUDIT_Q,
	S_AUDIT_Q_EP,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT op",
	[S_RELEASE] = "RELEASE op",
	[S_ROLLBACK_TO] = "ROLLBACK TO op",
	[S_PUT] = "INSERT OR REPLACE INTO documents (coll, key, owner, json, updated) "
	          "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_DEL] = "DELETE FROM documents WHERE coll = ?1 AND key = ?2",
	[S_DEL_OWNER] = "DELETE FROM documents WHERE coll = ?1 AND owner = ?2",
	[S_GET] = "SELECT key, owner, json, updated FROM documents WHERE coll = ?1 AND key = ?2",
	[S_LIST] = "SELECT key, owner, json, updated FROM documents WHERE coll = ?1 "
	           "ORDER BY key LIMIT ?4",
	[S_LIST_AFTER] = "SELECT key, owner, json, updated FROM documents WHERE coll = ?1 "
	                 "AND key > ?2 ORDER BY key LIMIT ?4",
	[S_LIST_OWNER] = "SELECT key, owner, json, updated FROM documents WHERE coll = ?1 "
	                 "AND owner = ?3 ORDER BY key LIMIT ?4",
	[S_LIST_OWNER_AFTER] = "SELECT key, owner, json, updated FROM documents WHERE coll = ?1 "
	                       "AND owner = ?3 AND key > ?2 ORDER BY key LIMIT ?4",
	[S_TS_INSERT] = "INSERT INTO points (ep, path, riid, time, type, v) "
	                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_TS_Q] = "SELECT path, riid, time, type, v FROM points "
	           "WHERE ep = (SELECT id FROM endpoints WHERE name = ?1) "
	           "AND path >= ?2 AND path <= ?3 AND time >= ?5 AND time <= ?6 "
	           "ORDER BY time DESC, seq DESC LIMIT ?7",
	[S_TS_Q4] = "SELECT path, riid, time, type, v FROM points "
	            "WHERE ep = (SELECT id FROM endpoints WHERE name = ?1) "
	            "AND path = ?2 AND riid = ?4 AND time >= ?5 AND time <= ?6 "
	            "ORDER BY time DESC, seq DESC LIMIT ?7",
	[S_EP_GET] = "SELECT id FROM endpoints WHERE name = ?1",
	[S_EP_ADD] = "INSERT INTO endpoints (name) VALUES (?1)",
	[S_TS_PRUNE] = "DELETE FROM points WHERE time < ?1",
	[S_AUDIT_INSERT] = "INSERT INTO audit (time, actor, endpoint, action, detail) "
	                   "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_AUDIT_Q] = "SELECT time, actor, endpoint, action, detail FROM audit "
	              "WHERE time >= ?1 AND time <= ?2 ORDER BY time DESC, seq DESC LIMIT ?4",
	[S_AUDIT_Q_EP] = "SELECT time, actor, endpoint, action, detail FROM audit "
	                 "WHERE endpoint = ?3 AND time >= ?1 AND time <= ?2 "
	                 "ORDER BY time DESC, seq DESC LIMIT ?4",
};

/* Endpoint names to their endpoints.id, so that a point costs no lookup. */
struct ep_slot {
	char *name;
	sqlite3_int64 id;
	uint32_t hash;
};
struct ep_map {
	struct ep_slot *slots;
	size_t cap, n; /* cap: a power of two, or 0 */
};

/* A batch: what one job runs in one transaction. */
struct batch {
	struct sq *sq;
	struct op *head;
	size_t cost, points;
	int commit_failed;
	int worked;   /* the work function returned (under sq->mu) */
	int answered; /* callbacks ran already (close did it) */
};

/*
 * The backend. It is static, not allocated: the core may call close() after
 * the plugin's fini (lw_storage_unregister_owner runs after fini), and a
 * static state is still there then, closed and harmless.
 */
struct sq {
	lw_plugin *self;
	char file[4096];
	int sync_full;
	size_t batch_max, queue_max;
	long long retention_days;
	long long point_delay_ms; /* how long points alone may wait for company */

	sqlite3 *db;
	sqlite3_stmt *stmt[S_COUNT];
	int is_open;
	struct ep_map eps; /* endpoint name to endpoints.id; the batch's thread only */

	struct op *head, *tail; /* queued, not yet in a batch */
	size_t queued;          /* cost queued or in flight */
	size_t urgent;          /* queued calls that are not ts_append */
	size_t queued_points;   /* points queued, not yet in a batch */
	uint64_t points_since_ms; /* when the oldest queued point came (monotonic) */
	struct batch *inflight;
	int closing; /* close() runs the queue itself: no more jobs */

	lw_ptimer *retry, *prune, *delay;
	int prune_queued;
	lw_metric *m_queued, *m_batches, *m_points, *m_errors;

	/* last: fini clears everything before them */
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch's work returned */
};

static struct sq the_sq = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static const struct lw_conf_key keys[] = {
	{"file", LW_CONF_STRING, NULL, 0, 0,
	 "the database file; default STATE_DIR/lwm2md.db, relative paths are under state_dir"},
	{"synchronous", LW_CONF_STRING, "full", 0, 0,
	 "full: a commit survives power loss; normal: it survives a daemon crash only"},
	{"batch_max", LW_CONF_INT, "10000", 1, 10000000,
	 "operations (points for ts_append) per transaction"},
	{"queue_max", LW_CONF_INT, "1000000", 1, 1000000000,
	 "operations accepted but not committed before calls answer LW_EAGAIN"},
	{"point_delay_ms", LW_CONF_INT, "200", 0, 10000,
	 "how long time-series points may wait to share a transaction; 0: none"},
	{"retention_days", LW_CONF_INT, "0", 0, 36500,
	 "time-series points older than this are pruned hourly; 0 keeps them forever"},
	{NULL, 0, NULL, 0, 0, NULL},
};

/* ---- operations ---- */

static void op_free(struct op *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n_docs; i++) {
		free((char *)o->docs[i].key);
		free((char *)o->docs[i].owner);
		free((char *)o->docs[i].json);
	}
	free(o->docs);
	for (size_t i = 0; i < o->n_entries; i++) {
		free((char *)o->entries[i].actor);
		free((char *)o->entries[i].endpoint);
		free((char *)o->entries[i].action);
		free((char *)o->entries[i].detail);
	}
	free(o->entries);
	lw_records_free(&o->recs);
	free(o);
}

/* Bytes needed to copy a string (NULL: none) into an op's tail. */
static size_t str_room(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copies s into *tail (advancing it); NULL stays NULL. */
static const char *str_put(char **tail, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = memcpy(*tail, s, n);
	*tail += n;
	return d;
}

/* An op with extra bytes after it for its copies. */
static struct op *op_new(int kind, size_t extra, char **tail)
{
	struct op *o = calloc(1, sizeof(*o) + extra);
	if (!o)
		return NULL;
	o->kind = kind;
	o->cost = 1;
	lw_records_init(&o->recs);
	*tail = (char *)(o + 1);
	return o;
}

static void kick(struct sq *sq);

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Queues o, or answers why it cannot be (then o is freed). */
static int enqueue(struct sq *sq, struct op *o)
{
	if (!sq->is_open) {
		op_free(o);
		return LW_ECANCELED;
	}
	/* An empty queue takes any one call, however big, so that a call larger
	 * than queue_max is not refused forever. */
	if (sq->queued && sq->queued + o->cost > sq->queue_max) {
		op_free(o);
		return LW_EAGAIN;
	}
	if (sq->tail)
		sq->tail->next = o;
	else
		sq->head = o;
	sq->tail = o;
	sq->queued += o->cost;
	if (o->kind != OP_TS_APPEND)
		sq->urgent++;
	else {
		if (!sq->queued_points)
			sq->points_since_ms = mono_ms();
		sq->queued_points += o->n_points;
	}
	lw_metric_set(sq->m_queued, (double)sq->queued);
	kick(sq);
	return 0;
}

static int valid_coll(int coll)
{
	return lw_st_coll_name(coll) != NULL;
}

static int valid_key(const char *k)
{
	return k && *k && strlen(k) <= LW_ST_KEY_MAX;
}

/* ---- statements (worker thread, or the loop thread when no job runs) ---- */

static int sq_fail(struct sq *sq, struct op *o, const char *what)
{
	lw_plugin_log(sq->self, LW_LOG_ERROR, "%s: %s: %s", sq->file, what, sqlite3_errmsg(sq->db));
	if (o)
		o->status = LW_EIO;
	return LW_EIO;
}

/* Runs a statement without rows to its end, and resets it. */
static int step_done(struct sq *sq, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)sq;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : LW_EIO;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (!s)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);
	char *d = malloc((size_t)n + 1);
	if (d) {
		memcpy(d, t ? (const char *)t : "", (size_t)n);
		d[n] = '\0';
	}
	return d;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run_docs(struct sq *sq, struct op *o, sqlite3_stmt *st)
{
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (o->n_docs == cap) {
			cap = cap ? cap * 2 : 8;
			struct lw_st_doc *d = realloc(o->docs, cap * sizeof(*d));
			if (!d) {
				o->status = LW_EIO;
				break;
			}
			o->docs = d;
		}
		struct lw_st_doc *d = &o->docs[o->n_docs++];
		d->key = col_strdup(st, 0);
		d->owner = col_strdup(st, 1);
		d->json = col_strdup(st, 2);
		d->json_len = (size_t)sqlite3_column_bytes(st, 2);
		d->updated = sqlite3_column_double(st, 3);
		if (!d->key || !d->json)
			o->status = LW_EIO;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		sq_fail(sq, o, "reading documents");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (o->kind == OP_GET && o->status == 0 && o->n_docs == 0)
		o->status = LW_ENOENT;
}

/* Binds one point's value in the storage class its type calls for. */
static int bind_value(sqlite3_stmt *st, int i, const lw_record *r)
{
	switch (r->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		return sqlite3_bind_int64(st, i, r->v.i);
	case LW_TYPE_UNSIGNED:
		return sqlite3_bind_int64(st, i, (sqlite3_int64)r->v.u);
	case LW_TYPE_BOOLEAN:
		return sqlite3_bind_int(st, i, r->v.b ? 1 : 0);
	case LW_TYPE_OBJLNK:
		return sqlite3_bind_int64(st, i, (sqlite3_int64)r->v.l.oid * 65536 + r->v.l.iid);
	case LW_TYPE_FLOAT:
		/* SQLite stores NaN as NULL: keep its exact bits in a blob. */
		if (isnan(r->v.f))
			return sqlite3_bind_blob(st, i, &r->v.f, sizeof(r->v.f), SQLITE_STATIC);
		return sqlite3_bind_double(st, i, r->v.f);
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		return sqlite3_bind_blob64(st, i, r->v.s.len ? (const void *)r->v.s.data : "",
		                           r->v.s.len, SQLITE_STATIC);
	default:
		return sqlite3_bind_null(st, i);
	}
}

static uint32_t ep_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static struct ep_slot *ep_slot(struct ep_map *m, const char *name, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask)
		if (!m->slots[i].name || (m->slots[i].hash == h && strcmp(m->slots[i].name, name) == 0))
			return &m->slots[i];
}

static void ep_clear(struct ep_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].name);
	free(m->slots);
	*m = (struct ep_map){0};
}

/* Remembers name's id (a failure only costs a lookup next time). */
static void ep_remember(struct ep_map *m, const char *name, uint32_t h, sqlite3_int64 id)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct ep_map g = {calloc(m->cap ? m->cap * 2 : 1024, sizeof(struct ep_slot)),
		                   m->cap ? m->cap * 2 : 1024, m->n};
		if (!g.slots)
			return;
		for (size_t i = 0; i < m->cap; i++)
			if (m->slots[i].name)
				*ep_slot(&g, m->slots[i].name, m->slots[i].hash) = m->slots[i];
		free(m->slots);
		*m = g;
	}
	struct ep_slot *sl = ep_slot(m, name, h);
	if (sl->name)
		return;
	sl->name = strdup(name);
	if (!sl->name)
		return;
	sl->hash = h;
	sl->id = id;
	m->n++;
}

/* The id of an endpoint, added to the endpoints table when new; -1 on error. */
static sqlite3_int64 ep_id(struct sq *sq, const char *name)
{
	uint32_t h = ep_hash(name);
	if (sq->eps.cap) {
		struct ep_slot *sl = ep_slot(&sq->eps, name, h);
		if (sl->name)
			return sl->id;
	}
	sqlite3_int64 id = -1;
	sqlite3_stmt *st = sq->stmt[S_EP_GET];
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id < 0) {
		st = sq->stmt[S_EP_ADD];
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			id = sqlite3_last_insert_rowid(sq->db);
		sqlite3_reset(st);
	}
	if (id >= 0)
		ep_remember(&sq->eps, name, h, id);
	return id;
}

static sqlite3_int64 pack_path(const lw_path *p)
{
	return (sqlite3_int64)p->oid << 32 | (sqlite3_int64)p->iid << 16 | p->rid;
}

static void run_ts_append(struct sq *sq, struct op *o)
{
	sqlite3_stmt *st = sq->stmt[S_TS_INSERT];
	/* A failure halfway must not leave half of the call committed. */
	if (step_done(sq, sq->stmt[S_SAVEPOINT]) != 0) {
		sq_fail(sq, o, "savepoint");
		return;
	}
	const char *last = NULL;
	sqlite3_int64 id = -1;
	for (size_t i = 0; i < o->n_points; i++) {
		const struct lw_st_point *p = &o->points[i];
		const lw_record *r = &p->rec;
		/* Points of one endpoint in a row share one copy of its name. */
		if (p->endpoint != last) {
			last = p->endpoint;
			id = ep_id(sq, p->endpoint);
		}
		int ok = id >= 0;
		if (ok) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, pack_path(&r->path));
			sqlite3_bind_int(st, 3, r->path.riid);
			sqlite3_bind_double(st, 4, r->time);
			sqlite3_bind_int(st, 5, r->type);
			bind_value(st, 6, r);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		if (!ok) {
			sq_fail(sq, o, "appending points");
			step_done(sq, sq->stmt[S_ROLLBACK_TO]);
			step_done(sq, sq->stmt[S_RELEASE]);
			/* Endpoints this call added are gone again. */
			ep_clear(&sq->eps);
			return;
		}
	}
	if (step_done(sq, sq->stmt[S_RELEASE]) != 0)
		sq_fail(sq, o, "release savepoint");
}

static int read_value(lw_records *rs, lw_record *r, sqlite3_stmt *st, int i)
{
	switch (r->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		r->v.i = sqlite3_column_int64(st, i);
		return 0;
	case LW_TYPE_UNSIGNED:
		r->v.u = (uint64_t)sqlite3_column_int64(st, i);
		return 0;
	case LW_TYPE_BOOLEAN:
		r->v.b = sqlite3_column_int64(st, i) != 0;
		return 0;
	case LW_TYPE_OBJLNK: {
		sqlite3_int64 v = sqlite3_column_int64(st, i);
		r->v.l.oid = (uint16_t)(v >> 16);
		r->v.l.iid = (uint16_t)(v & 0xffff);
		return 0;
	}
	case LW_TYPE_FLOAT:
		if (sqlite3_column_type(st, i) == SQLITE_BLOB && sqlite3_column_bytes(st, i) == 8)
			memcpy(&r->v.f, sqlite3_column_blob(st, i), 8);
		else
			r->v.f = sqlite3_column_double(st, i);
		return 0;
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK: {
		const void *b = sqlite3_column_blob(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		return lw_records_set_bytes(rs, r, b ? b : "", n);
	}
	default:
		return 0;
	}
}

static void run_ts_query(struct sq *sq, struct op *o)
{
	int depth = lw_path_depth(&o->path);
	sqlite3_int64 lo = 0, hi = INT64_MAX;
	const lw_path *p = &o->path;
	if (depth >= 1) {
		lo = (sqlite3_int64)p->oid << 32;
		hi = lo | 0xffffffff;
	}
	if (depth >= 2) {
		lo |= (sqlite3_int64)p->iid << 16;
		hi = lo | 0xffff;
	}
	if (depth >= 3)
		lo = hi = lo | p->rid;
	sqlite3_stmt *st = sq->stmt[depth == 4 ? S_TS_Q4 : S_TS_Q];
	sqlite3_bind_text(st, 1, o->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, lo);
	if (depth == 4)
		sqlite3_bind_int(st, 4, p->riid);
	else
		sqlite3_bind_int64(st, 3, hi);
	sqlite3_bind_double(st, 5, o->from);
	sqlite3_bind_double(st, 6, o->to);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)o->limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lw_record *r = lw_records_add(&o->recs);
		if (!r) {
			o->status = LW_EIO;
			break;
		}
		sqlite3_int64 path = sqlite3_column_int64(st, 0);
		r->path.oid = (uint16_t)(path >> 32);
		r->path.iid = (uint16_t)(path >> 16);
		r->path.rid = (uint16_t)path;
		r->path.riid = (uint16_t)sqlite3_column_int(st, 1);
		r->time = sqlite3_column_double(st, 2);
		r->has_time = 1;
		r->type = (uint8_t)sqlite3_column_int(st, 3);
		if (read_value(&o->recs, r, st, 4) != 0) {
			o->status = LW_EIO;
			break;
		}
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		sq_fail(sq, o, "querying points");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	/* Read newest first for the LIMIT; answered oldest first. */
	lw_record *it = o->recs.items;
	for (size_t i = 0, j = o->recs.n; i + 1 < j; i++, j--) {
		lw_record t = it[i];
		it[i] = it[j - 1];
		it[j - 1] = t;
	}
}

static void run_audit_query(struct sq *sq, struct op *o)
{
	sqlite3_stmt *st = sq->stmt[o->key ? S_AUDIT_Q_EP : S_AUDIT_Q];
	sqlite3_bind_double(st, 1, o->from);
	sqlite3_bind_double(st, 2, o->to);
	if (o->key)
		sqlite3_bind_text(st, 3, o->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)o->limit);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (o->n_entries == cap) {
			cap = cap ? cap * 2 : 16;
			struct lw_st_audit *e = realloc(o->entries, cap * sizeof(*e));
			if (!e) {
				o->status = LW_EIO;
				break;
			}
			o->entries = e;
		}
		struct lw_st_audit *e = &o->entries[o->n_entries++];
		e->time = sqlite3_column_double(st, 0);
		e->actor = col_strdup(st, 1);
		e->endpoint = col_strdup(st, 2);
		e->action = col_strdup(st, 3);
		e->detail = col_strdup(st, 4);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		sq_fail(sq, o, "querying the audit log");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0, j = o->n_entries; i + 1 < j; i++, j--) {
		struct lw_st_audit t = o->entries[i];
		o->entries[i] = o->entries[j - 1];
		o->entries[j - 1] = t;
	}
}

static void run_op(struct sq *sq, struct op *o)
{
	sqlite3_stmt *st;
	switch (o->kind) {
	case OP_PUT:
		st = sq->stmt[S_PUT];
		sqlite3_bind_int(st, 1, o->coll);
		bind_text(st, 2, o->key);
		bind_text(st, 3, o->owner);
		sqlite3_bind_text64(st, 4, o->json, o->json_len, SQLITE_STATIC, SQLITE_UTF8);
		sqlite3_bind_double(st, 5, now_s());
		if (step_done(sq, st) != 0)
			sq_fail(sq, o, "storing a document");
		break;
	case OP_DEL:
		st = sq->stmt[S_DEL];
		sqlite3_bind_int(st, 1, o->coll);
		bind_text(st, 2, o->key);
		if (step_done(sq, st) != 0)
			sq_fail(sq, o, "deleting a document");
		break;
	case OP_DEL_OWNER:
		st = sq->stmt[S_DEL_OWNER];
		sqlite3_bind_int(st, 1, o->coll);
		bind_text(st, 2, o->owner);
		if (step_done(sq, st) != 0)
			sq_fail(sq, o, "deleting documents by owner");
		break;
	case OP_GET:
		st = sq->stmt[S_GET];
		sqlite3_bind_int(st, 1, o->coll);
		bind_text(st, 2, o->key);
		run_docs(sq, o, st);
		break;
	case OP_LIST:
		st = sq->stmt[o->owner ? (o->after ? S_LIST_OWNER_AFTER : S_LIST_OWNER)
		                       : (o->after ? S_LIST_AFTER : S_LIST)];
		sqlite3_bind_int(st, 1, o->coll);
		if (o->after)
			bind_text(st, 2, o->after);
		if (o->owner)
			bind_text(st, 3, o->owner);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)o->limit);
		run_docs(sq, o, st);
		break;
	case OP_TS_APPEND:
		run_ts_append(sq, o);
		break;
	case OP_TS_QUERY:
		run_ts_query(sq, o);
		break;
	case OP_TS_PRUNE:
		st = sq->stmt[S_TS_PRUNE];
		sqlite3_bind_double(st, 1, o->from);
		if (step_done(sq, st) != 0)
			sq_fail(sq, o, "pruning points");
		break;
	case OP_AUDIT_APPEND:
		st = sq->stmt[S_AUDIT_INSERT];
		sqlite3_bind_double(st, 1, o->audit.time);
		bind_text(st, 2, o->audit.actor);
		bind_text(st, 3, o->audit.endpoint);
		bind_text(st, 4, o->audit.action);
		bind_text(st, 5, o->audit.detail);
		if (step_done(sq, st) != 0)
			sq_fail(sq, o, "appending to the audit log");
		break;
	case OP_AUDIT_QUERY:
		run_audit_query(sq, o);
		break;
	case OP_FLUSH:
		break; /* the batch's commit is what it waits for */
	}
}

/* Runs a batch in one transaction. Worker thread (or close, with no job). */
static void run_batch(struct batch *b)
{
	struct sq *sq = b->sq;
	if (step_done(sq, sq->stmt[S_BEGIN]) != 0) {
		sq_fail(sq, NULL, "begin");
		b->commit_failed = 1;
		return;
	}
	for (struct op *o = b->head; o; o = o->next)
		run_op(sq, o);
	if (step_done(sq, sq->stmt[S_COMMIT]) != 0) {
		sq_fail(sq, NULL, "commit");
		step_done(sq, sq->stmt[S_ROLLBACK]);
		ep_clear(&sq->eps); /* ids added by the batch are gone */
		b->commit_failed = 1;
	}
}

/* ---- batches on the worker pool ---- */

static void batch_work(void *arg)
{
	struct batch *b = arg;
	run_batch(b);
	pthread_mutex_lock(&b->sq->mu);
	b->worked = 1;
	pthread_cond_broadcast(&b->sq->cv);
	pthread_mutex_unlock(&b->sq->mu);
}

/* Loop thread: every callback of the batch, in call order. */
static void answer(struct sq *sq, struct batch *b)
{
	sq->queued -= b->cost;
	lw_metric_set(sq->m_queued, (double)sq->queued);
	lw_metric_add(sq->m_batches, 1);
	if (!b->commit_failed)
		lw_metric_add(sq->m_points, (double)b->points);
	struct op *o = b->head;
	while (o) {
		struct op *next = o->next;
		int st = b->commit_failed ? LW_EIO : o->status;
		if (st == LW_EIO)
			lw_metric_add(sq->m_errors, 1);
		switch (o->kind) {
		case OP_GET:
		case OP_LIST:
			o->docs_cb(o->arg, st, st == 0 ? o->docs : NULL, st == 0 ? o->n_docs : 0);
			break;
		case OP_TS_QUERY: {
			lw_records none;
			lw_records_init(&none);
			o->points_cb(o->arg, st, st == 0 ? &o->recs : &none);
			break;
		}
		case OP_AUDIT_QUERY:
			o->audit_cb(o->arg, st, st == 0 ? o->entries : NULL,
			            st == 0 ? o->n_entries : 0);
			break;
		default:
			if (o->done)
				o->done(o->arg, st);
		}
		op_free(o);
		o = next;
	}
	b->head = NULL;
	b->answered = 1;
}

static void batch_done(void *arg, int status)
{
	(void)status;
	struct batch *b = arg;
	struct sq *sq = b->sq;
	if (!b->answered) {
		sq->inflight = NULL;
		answer(sq, b);
		free(b);
		kick(sq);
		return;
	}
	free(b); /* close() answered it already */
}

/* Takes the queue's head, up to batch_max, into a new batch. */
static struct batch *take(struct sq *sq)
{
	struct batch *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->sq = sq;
	struct op **tail = &b->head;
	while (sq->head && (b->cost == 0 || b->cost + sq->head->cost <= sq->batch_max)) {
		struct op *o = sq->head;
		sq->head = o->next;
		o->next = NULL;
		*tail = o;
		tail = &o->next;
		b->cost += o->cost;
		if (o->kind == OP_TS_APPEND) {
			b->points += o->n_points;
			sq->queued_points -= o->n_points;
		} else {
			sq->urgent--;
		}
	}
	if (!sq->head)
		sq->tail = NULL;
	if (sq->queued_points)
		sq->points_since_ms = mono_ms(); /* what is left waits from now */
	return b;
}

/* Puts a batch that could not start back at the queue's head. */
static void untake(struct sq *sq, struct batch *b)
{
	struct op *last = b->head;
	while (last && last->next)
		last = last->next;
	if (last) {
		last->next = sq->head;
		if (!sq->head)
			sq->tail = last;
		sq->head = b->head;
	}
	for (struct op *o = b->head; o; o = o->next) {
		if (o->kind == OP_TS_APPEND)
			sq->queued_points += o->n_points;
		else
			sq->urgent++;
	}
	free(b);
}

static void on_retry(void *ctx)
{
	kick(ctx);
}

/* Starts the next batch when none runs and work is queued. */
static void kick(struct sq *sq)
{
	if (sq->inflight || !sq->head || !sq->is_open || sq->closing)
		return;
	/*
	 * Points alone wait up to point_delay_ms for more: a commit writes every
	 * index page its points touched, one per device in the worst case, so
	 * a transaction of many points per device costs far less per point than
	 * many small ones. Anything else goes at once (a registration, a query,
	 * a flush), taking the waiting points along.
	 */
	if (!sq->urgent && sq->queued_points < sq->batch_max && sq->point_delay_ms > 0) {
		uint64_t waited = mono_ms() - sq->points_since_ms;
		if (waited < (uint64_t)sq->point_delay_ms) {
			lw_ptimer_arm(sq->delay, (uint64_t)sq->point_delay_ms - waited);
			return;
		}
	}
	struct batch *b = take(sq);
	if (!b) {
		lw_ptimer_arm(sq->retry, RETRY_MS);
		return;
	}
	sq->inflight = b;
	int rc = lw_worker_submit(sq->self, batch_work, batch_done, b);
	if (rc != 0) {
		/* Pool full: try again shortly. Stopping: close() runs it. */
		sq->inflight = NULL;
		untake(sq, b);
		if (rc == LW_EAGAIN)
			lw_ptimer_arm(sq->retry, RETRY_MS);
	}
}

/* ---- the vtable ---- */

static int sq_doc_put(void *be, int coll, const char *key, const char *owner, const char *json,
                      size_t json_len, lw_st_done_fn done, void *arg)
{
	if (!valid_coll(coll) || !valid_key(key) || !json || !done ||
	    (owner && strlen(owner) > LW_ST_KEY_MAX))
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_PUT, str_room(key) + str_room(owner) + json_len + 1, &t);
	if (!o)
		return LW_ENOMEM;
	o->coll = coll;
	o->key = str_put(&t, key);
	o->owner = str_put(&t, owner);
	memcpy(t, json, json_len);
	t[json_len] = '\0';
	o->json = t;
	o->json_len = json_len;
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_doc_del(void *be, int coll, const char *key, lw_st_done_fn done, void *arg)
{
	if (!valid_coll(coll) || !valid_key(key) || !done)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_DEL, str_room(key), &t);
	if (!o)
		return LW_ENOMEM;
	o->coll = coll;
	o->key = str_put(&t, key);
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_doc_del_owner(void *be, int coll, const char *owner, lw_st_done_fn done,
                            void *arg)
{
	if (!valid_coll(coll) || !valid_key(owner) || !done)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_DEL_OWNER, str_room(owner), &t);
	if (!o)
		return LW_ENOMEM;
	o->coll = coll;
	o->owner = str_put(&t, owner);
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_doc_get(void *be, int coll, const char *key, lw_st_docs_fn cb, void *arg)
{
	if (!valid_coll(coll) || !valid_key(key) || !cb)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_GET, str_room(key), &t);
	if (!o)
		return LW_ENOMEM;
	o->coll = coll;
	o->key = str_put(&t, key);
	o->docs_cb = cb;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_doc_list(void *be, int coll, const char *owner, const char *after, size_t limit,
                       lw_st_docs_fn cb, void *arg)
{
	if (!valid_coll(coll) || limit == 0 || !cb || (owner && !valid_key(owner)) ||
	    (after && strlen(after) > LW_ST_KEY_MAX))
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_LIST, str_room(owner) + str_room(after), &t);
	if (!o)
		return LW_ENOMEM;
	o->coll = coll;
	o->owner = str_put(&t, owner);
	o->after = str_put(&t, after);
	o->limit = limit > INT64_MAX ? INT64_MAX : limit;
	o->docs_cb = cb;
	o->arg = arg;
	return enqueue(be, o);
}

static int bytes_type(int type)
{
	return type == LW_TYPE_STRING || type == LW_TYPE_OPAQUE || type == LW_TYPE_CORELNK;
}

static int sq_ts_append(void *be, const struct lw_st_point *points, size_t n,
                        lw_st_done_fn done, void *arg)
{
	if (!points || n == 0 || !done)
		return LW_EINVAL;
	size_t extra = n * sizeof(struct lw_st_point);
	for (size_t i = 0; i < n; i++) {
		const lw_record *r = &points[i].rec;
		if (!valid_key(points[i].endpoint) || r->type > LW_TYPE_CORELNK ||
		    lw_path_depth(&r->path) < 3 || (bytes_type(r->type) && r->v.s.len && !r->v.s.data))
			return LW_EINVAL;
		/* Consecutive points of one endpoint share its copy. */
		if (i == 0 || strcmp(points[i].endpoint, points[i - 1].endpoint) != 0)
			extra += strlen(points[i].endpoint) + 1;
		if (bytes_type(r->type))
			extra += r->v.s.len;
	}
	char *t;
	struct op *o = op_new(OP_TS_APPEND, extra, &t);
	if (!o)
		return LW_ENOMEM;
	o->points = (struct lw_st_point *)(void *)t;
	t += n * sizeof(struct lw_st_point);
	for (size_t i = 0; i < n; i++) {
		struct lw_st_point *p = &o->points[i];
		*p = points[i];
		if (i == 0 || strcmp(points[i].endpoint, points[i - 1].endpoint) != 0)
			p->endpoint = str_put(&t, points[i].endpoint);
		else
			p->endpoint = o->points[i - 1].endpoint;
		if (bytes_type(p->rec.type)) {
			if (p->rec.v.s.len)
				memcpy(t, p->rec.v.s.data, p->rec.v.s.len);
			p->rec.v.s.data = (const uint8_t *)t;
			t += p->rec.v.s.len;
		}
	}
	o->n_points = n;
	o->cost = n;
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_ts_query(void *be, const struct lw_st_ts_query *q, lw_st_points_fn cb, void *arg)
{
	if (!q || !valid_key(q->endpoint) || !cb || lw_path_depth(&q->path) < 0 || q->from > q->to)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_TS_QUERY, str_room(q->endpoint), &t);
	if (!o)
		return LW_ENOMEM;
	o->key = str_put(&t, q->endpoint);
	o->path = q->path;
	o->from = q->from;
	o->to = q->to;
	o->limit = q->limit ? q->limit : TS_DEFAULT_LIMIT;
	if (o->limit > INT64_MAX)
		o->limit = INT64_MAX;
	o->points_cb = cb;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_ts_prune(void *be, double before, lw_st_done_fn done, void *arg)
{
	if (!done || isnan(before))
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_TS_PRUNE, 0, &t);
	if (!o)
		return LW_ENOMEM;
	o->from = before;
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_audit_append(void *be, const struct lw_st_audit *e, lw_st_done_fn done, void *arg)
{
	if (!e || !e->actor || !e->action || !done)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_AUDIT_APPEND,
	                      str_room(e->actor) + str_room(e->endpoint) + str_room(e->action) +
	                              str_room(e->detail),
	                      &t);
	if (!o)
		return LW_ENOMEM;
	o->audit.time = e->time;
	o->audit.actor = str_put(&t, e->actor);
	o->audit.endpoint = str_put(&t, e->endpoint);
	o->audit.action = str_put(&t, e->action);
	o->audit.detail = str_put(&t, e->detail);
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_audit_query(void *be, double from, double to, const char *endpoint, size_t limit,
                          lw_st_audit_fn cb, void *arg)
{
	if (limit == 0 || !cb || from > to || (endpoint && !valid_key(endpoint)))
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_AUDIT_QUERY, str_room(endpoint), &t);
	if (!o)
		return LW_ENOMEM;
	o->key = str_put(&t, endpoint);
	o->from = from;
	o->to = to;
	o->limit = limit > INT64_MAX ? INT64_MAX : limit;
	o->audit_cb = cb;
	o->arg = arg;
	return enqueue(be, o);
}

static int sq_flush(void *be, lw_st_done_fn done, void *arg)
{
	if (!done)
		return LW_EINVAL;
	char *t;
	struct op *o = op_new(OP_FLUSH, 0, &t);
	if (!o)
		return LW_ENOMEM;
	o->done = done;
	o->arg = arg;
	return enqueue(be, o);
}

/* ---- retention ---- */

static void prune_done(void *arg, int status)
{
	struct sq *sq = arg;
	sq->prune_queued = 0;
	if (status == 0)
		lw_plugin_log(sq->self, LW_LOG_DEBUG, "pruned points older than %lld days",
		              sq->retention_days);
}

static void on_prune(void *ctx)
{
	struct sq *sq = ctx;
	if (!sq->prune_queued &&
	    sq_ts_prune(sq, now_s() - (double)sq->retention_days * 86400, prune_done, sq) == 0)
		sq->prune_queued = 1;
	lw_ptimer_arm(sq->prune, PRUNE_EVERY_MS);
}

/* ---- open and close ---- */

static void finalize_all(struct sq *sq)
{
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(sq->stmt[i]);
		sq->stmt[i] = NULL;
	}
	sqlite3_close(sq->db);
	sq->db = NULL;
	ep_clear(&sq->eps);
}

static int exec1(struct sq *sq, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(sq->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lw_plugin_log(sq->self, LW_LOG_ERROR, "%s: %s: %s", sq->file, sql,
		              msg ? msg : sqlite3_errmsg(sq->db));
		sqlite3_free(msg);
		return LW_EIO;
	}
	return 0;
}

/* Applies the migrations the file lacks, all in one transaction. */
static int migrate(struct sq *sq)
{
	if (exec1(sq, "BEGIN IMMEDIATE") != 0)
		return LW_EIO;
	sqlite3_stmt *st = NULL;
	long long version = -1;
	if (sqlite3_prepare_v2(sq->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (version < 0) {
		sq_fail(sq, NULL, "reading the schema version");
		exec1(sq, "ROLLBACK");
		return LW_EIO;
	}
	if (version > (long long)lw_sqlite_migration_count) {
		lw_plugin_log(sq->self, LW_LOG_ERROR,
		              "%s: schema version %lld is newer than this lwm2md knows (%u); "
		              "upgrade lwm2md or use another file",
		              sq->file, version, lw_sqlite_migration_count);
		exec1(sq, "ROLLBACK");
		return LW_ENOTSUP;
	}
	for (unsigned i = (unsigned)version; i < lw_sqlite_migration_count; i++) {
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %u", i + 1);
		if (exec1(sq, lw_sqlite_migrations[i]) != 0 || exec1(sq, pragma) != 0) {
			exec1(sq, "ROLLBACK");
			return LW_EIO;
		}
		lw_plugin_log(sq->self, LW_LOG_INFO, "%s: schema migrated to version %u", sq->file,
		              i + 1);
	}
	return exec1(sq, "COMMIT");
}

static int sq_open(void *be)
{
	struct sq *sq = be;
	if (sq->is_open)
		return 0;
	if (sqlite3_open_v2(sq->file, &sq->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK) {
		lw_plugin_log(sq->self, LW_LOG_ERROR, "%s: cannot open: %s", sq->file,
		              sq->db ? sqlite3_errmsg(sq->db) : "out of memory");
		finalize_all(sq);
		return LW_EIO;
	}
	sqlite3_busy_timeout(sq->db, 5000);
	/*
	 * Time-series ingest dirties one index page per series per batch, so
	 * most of the cost is pages written: a cache that holds the hot index
	 * pages (no re-reads), reads through mmap, and checkpoints every
	 * ~80 MiB of WAL rather than every 4 MiB, so that a page rewritten by
	 * many batches reaches the database file once per checkpoint. The WAL is
	 * truncated back after a checkpoint (journal_size_limit).
	 */
	int rc = exec1(sq, "PRAGMA cache_size = -65536; PRAGMA mmap_size = 268435456; "
	                   "PRAGMA journal_size_limit = 67108864");
	if (!rc)
		rc = exec1(sq, "PRAGMA journal_mode = WAL");
	if (!rc)
		rc = exec1(sq, "PRAGMA wal_autocheckpoint = 20000");
	if (!rc)
		rc = exec1(sq, sq->sync_full ? "PRAGMA synchronous = FULL"
		                             : "PRAGMA synchronous = NORMAL");
	if (!rc)
		rc = exec1(sq, "PRAGMA foreign_keys = ON");
	if (!rc)
		rc = migrate(sq);
	for (int i = 0; i < S_COUNT && !rc; i++) {
		if (sqlite3_prepare_v3(sq->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		                       &sq->stmt[i], NULL) != SQLITE_OK) {
			lw_plugin_log(sq->self, LW_LOG_ERROR, "%s: preparing \"%s\": %s", sq->file,
			              stmt_sql[i], sqlite3_errmsg(sq->db));
			rc = LW_EIO;
		}
	}
	if (rc) {
		finalize_all(sq);
		return rc;
	}
	sq->is_open = 1;
	/* Only the backend in use publishes metrics; a reopen keeps them. */
	if (!sq->m_queued)
		sq->m_queued = lw_metric_new(sq->self, LW_METRIC_GAUGE, "lwm2md_storage_queued",
		                             "storage operations accepted and not yet committed");
	if (!sq->m_batches)
		sq->m_batches = lw_metric_new(sq->self, LW_METRIC_COUNTER,
		                              "lwm2md_storage_batches_total", "storage transactions run");
	if (!sq->m_points)
		sq->m_points = lw_metric_new(sq->self, LW_METRIC_COUNTER, "lwm2md_storage_points_total",
		                             "time-series points committed");
	if (!sq->m_errors)
		sq->m_errors = lw_metric_new(sq->self, LW_METRIC_COUNTER,
		                             "lwm2md_storage_errors_total",
		                             "storage operations that failed (LW_EIO)");
	if (sq->retention_days > 0)
		on_prune(sq);
	lw_plugin_log(sq->self, LW_LOG_INFO, "%s opened (synchronous=%s, batch_max=%zu)", sq->file,
	              sq->sync_full ? "full" : "normal", sq->batch_max);
	return 0;
}

static void sq_close(void *be)
{
	struct sq *sq = be;
	if (!sq->db)
		return;
	/* The job in flight owns the connection until its work returns; its
	 * done may only come later (or never, if the pool is gone), so its
	 * callbacks are run here and its done will merely free it. */
	sq->closing = 1;
	struct batch *b = sq->inflight;
	if (b) {
		pthread_mutex_lock(&sq->mu);
		while (!b->worked)
			pthread_cond_wait(&sq->cv, &sq->mu);
		pthread_mutex_unlock(&sq->mu);
		sq->inflight = NULL;
		answer(sq, b);
	}
	/* What is still queued runs here, synchronously: close may block. A
	 * callback may queue more; that runs too, until nothing is left. */
	while (sq->head) {
		b = take(sq);
		if (!b)
			break;
		run_batch(b);
		answer(sq, b);
		free(b);
	}
	sq->is_open = 0;
	sq->closing = 0;
	lw_ptimer_cancel(sq->prune);
	lw_ptimer_cancel(sq->retry);
	lw_ptimer_cancel(sq->delay);
	sq->prune_queued = 0;
	if (sq->db)
		exec1(sq, "PRAGMA wal_checkpoint(TRUNCATE)");
	finalize_all(sq);
}

static const struct lw_storage_ops sq_ops = {
	.abi = LW_STORAGE_ABI,
	.size = sizeof(struct lw_storage_ops),
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.doc_put = sq_doc_put,
	.doc_del = sq_doc_del,
	.doc_del_owner = sq_doc_del_owner,
	.doc_get = sq_doc_get,
	.doc_list = sq_doc_list,
	.ts_append = sq_ts_append,
	.ts_query = sq_ts_query,
	.ts_prune = sq_ts_prune,
	.audit_append = sq_audit_append,
	.audit_query = sq_audit_query,
	.flush = sq_flush,
};

/* ---- the plugin ---- */

static int sq_init(lw_plugin *self)
{
	struct sq *sq = &the_sq;
	if (sq->self) {
		lw_plugin_set_error(self, "already initialised");
		return LW_EEXIST;
	}
	const char *sync = lw_plugin_conf(self, "synchronous");
	if (strcmp(sync, "full") != 0 && strcmp(sync, "normal") != 0) {
		lw_plugin_set_error(self, "synchronous = \"%s\": expected full or normal", sync);
		return LW_EINVAL;
	}
	const char *file = lw_plugin_conf(self, "file");
	const char *dir = lw_plugin_state_dir(self);
	int n;
	if (!file || !*file)
		n = snprintf(sq->file, sizeof(sq->file), "%s/lwm2md.db", dir);
	else if (file[0] == '/' || strcmp(file, ":memory:") == 0)
		n = snprintf(sq->file, sizeof(sq->file), "%s", file);
	else
		n = snprintf(sq->file, sizeof(sq->file), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(sq->file)) {
		lw_plugin_set_error(self, "file name too long");
		return LW_EINVAL;
	}
	sq->self = self;
	sq->sync_full = strcmp(sync, "full") == 0;
	sq->batch_max = (size_t)lw_plugin_conf_int(self, "batch_max");
	sq->queue_max = (size_t)lw_plugin_conf_int(self, "queue_max");
	sq->point_delay_ms = lw_plugin_conf_int(self, "point_delay_ms");
	sq->retention_days = lw_plugin_conf_int(self, "retention_days");
	sq->retry = lw_ptimer_new(self, on_retry, sq);
	sq->delay = lw_ptimer_new(self, on_retry, sq);
	sq->prune = lw_ptimer_new(self, on_prune, sq);
	int rc = lw_storage_register(self, &sq_ops, sq);
	if (rc || !sq->retry || !sq->prune || !sq->delay) {
		lw_plugin_set_error(self, "cannot register the sqlite backend");
		if (sq->retry)
			lw_ptimer_free(sq->retry);
		if (sq->delay)
			lw_ptimer_free(sq->delay);
		if (sq->prune)
			lw_ptimer_free(sq->prune);
		memset(sq, 0, offsetof(struct sq, mu));
		return rc ? rc : LW_ENOMEM;
	}
	lw_plugin_set_data(self, sq);
	return 0;
}

static void sq_fini(lw_plugin *self)
{
	struct sq *sq = lw_plugin_data(self);
	sq_close(sq);
	lw_ptimer_free(sq->retry);
	lw_ptimer_free(sq->delay);
	lw_ptimer_free(sq->prune);
	/* Everything before the lock: the next init (a test's reload) starts clean. */
	memset(sq, 0, offsetof(struct sq, mu));
}

static const struct lw_plugin_desc sq_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "storage-sqlite",
	.version = "1.0",
	.summary = "the default store: one SQLite file, WAL mode, batched transactions",
	.conf = keys,
	.init = sq_init,
	.fini = sq_fini,
};

LW_PLUGIN_DECLARE(sq_desc)
