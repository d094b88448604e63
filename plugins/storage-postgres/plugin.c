/*
 * storage-postgres: the PostgreSQL storage backend (lwm2m/storage.h), the
 * store of production and of clusters (see README.md beside).
 *
 * Every call copies its arguments into one in-memory queue and returns. One
 * job at a time takes up to batch_max operations from the head of the queue
 * and runs them in one transaction on a worker thread (exec.c), with the
 * blocking connection that the chain of jobs owns; its done, on the loop
 * thread, runs the callbacks in call order and starts the next batch. When
 * the server goes away, the batch goes back to the head of the queue, new
 * calls keep queueing (the spool, bounded by spool_max) and a timer retries
 * the connection with exponential back-off.
 *
 * Cluster messages: node_send is a pg_notify in the batch; a second
 * connection, driven without blocking by the loop (lw_watch_fd), LISTENs on
 * this node's channel and hands what arrives to lw_storage_node_message().
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "migrations.h"
#include "pg.h"

#define BACKOFF_START_MS 100
#define RETRY_SUBMIT_MS 20
#define MAINT_PERIOD_MS (3600 * 1000)
#define CONNECT_TIMEOUT_S 5
#define DEFAULT_QUERY_LIMIT 10000
#define CHANNEL_PREFIX "lwm2md_node_"
#define NODE_ID_MAX (63 - (int)sizeof(CHANNEL_PREFIX) + 1) /* channel: 63 bytes */

enum job_kind { JOB_BATCH, JOB_CONNECT, JOB_LISTEN };

/* One job on the worker pool. Heap-allocated so that close() can let go of a
 * job whose done has not run yet: done then only frees it (orphan). */
struct job {
	struct pgbe *be;
	int kind;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int finished, orphan;
	struct pg_exec x; /* JOB_BATCH */
	PGconn *conn;     /* JOB_CONNECT, JOB_LISTEN: the result */
	char err[256];
};

struct pgbe {
	lw_plugin *self;
	int opened, closing;
	/* config */
	char *conninfo;
	size_t batch_max, spool_max;
	long long retention_days;
	uint64_t reconnect_max_ms;
	double close_timeout_s;
	/* the queue: accepted calls not yet answered, oldest first */
	struct pg_op *head, *tail;
	size_t queued; /* weight of the queue plus the batch in flight */
	int spool_full; /* inside an episode of refusals (logged once) */
	/* the chain of jobs */
	PGconn *conn;      /* NULL while disconnected or lent to a job */
	struct job *job;   /* in flight, or NULL */
	uint64_t next_batch_id;
	uint64_t retry_id; /* the batch at the head that may have committed */
	size_t retry_n;    /* its number of operations (0: none) */
	int64_t *days;     /* partitions known to exist */
	size_t n_days, cap_days;
	int connected;
	int waiting; /* the retry timer is armed: no new job until it fires */
	double lost_at;
	uint64_t backoff_ms;
	lw_ptimer *retry_timer, *maint_timer;
	/* the listener */
	PGconn *lconn;
	lw_watch *lwatch;
	lw_ptimer *ltimer;
	struct job *ljob;
	uint64_t lbackoff_ms;
	char channel[80];
	/* metrics */
	lw_metric *m_connected, *m_queued, *m_batches, *m_points, *m_errors, *m_spool_full;
};

/* The state is reached through a static handle: the loader calls close()
 * after the plugin's fini (storage unregistration comes last), so the
 * handle must outlive the state. */
static struct pgbe *the_be;
static char handle_tag;

static const struct lw_conf_key keys[] = {
	{"conninfo", LW_CONF_STRING, NULL, 0, 0,
	 "libpq connection string (key=value or postgresql:// URI); default: [storage] conninfo"},
	{"batch_max", LW_CONF_INT, "10000", 1, 1000000,
	 "most operations (points count one each) in one transaction"},
	{"spool_max", LW_CONF_INT, "1000000", 1, 100000000,
	 "operations kept while the server is unreachable or slow; past it calls get LW_EAGAIN"},
	{"retention_days", LW_CONF_INT, "0", 0, 36500,
	 "days of time series kept (whole daily partitions dropped); 0 keeps forever"},
	{"reconnect_max_ms", LW_CONF_INT, "30000", 10, 3600000,
	 "longest wait between two reconnection attempts (exponential back-off)"},
	{"close_timeout_ms", LW_CONF_INT, "5000", 100, 600000,
	 "how long close() keeps trying to persist what is queued before giving up"},
	{NULL, 0, NULL, 0, 0, NULL},
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void metric_set(lw_metric *m, double v)
{
	if (m)
		lw_metric_set(m, v);
}

static void metric_add(lw_metric *m, double v)
{
	if (m)
		lw_metric_add(m, v);
}

/* ---- operations ---- */

static void op_free(struct pg_op *op)
{
	PQclear(op->res);
	free(op->copy);
	free(op->days);
	free(op);
}

/* An op with copies of up to four strings (NULL stays NULL; lens[i] is the
 * length, or (size_t)-1 for strlen). */
static struct pg_op *op_new(int kind, const char *const str[4], const size_t lens[4])
{
	size_t l[4] = {0}, total = 0;
	for (int i = 0; i < 4; i++)
		if (str && str[i]) {
			l[i] = lens && lens[i] != (size_t)-1 ? lens[i] : strlen(str[i]);
			total += l[i] + 1;
		}
	struct pg_op *op = calloc(1, sizeof(*op) + total);
	if (!op)
		return NULL;
	op->kind = kind;
	op->weight = 1;
	char *p = (char *)(op + 1);
	for (int i = 0; i < 4; i++)
		if (str && str[i]) {
			memcpy(p, str[i], l[i]);
			p[l[i]] = '\0';
			op->s[i] = p;
			p += l[i] + 1;
		}
	return op;
}

static void kick(struct pgbe *be);

/* Admits op into the queue: LW_EAGAIN past spool_max (op freed). */
static int enqueue(struct pgbe *be, struct pg_op *op)
{
	if (be->queued + op->weight > be->spool_max && op->kind != OP_MAINT) {
		if (!be->spool_full)
			lw_plugin_log(be->self, LW_LOG_WARN,
			              "spool full (%zu operations waiting, spool_max %zu): "
			              "refusing new writes until it drains",
			              be->queued, be->spool_max);
		be->spool_full = 1;
		metric_add(be->m_spool_full, 1);
		op_free(op);
		return LW_EAGAIN;
	}
	be->spool_full = 0;
	if (be->tail)
		be->tail->next = op;
	else
		be->head = op;
	be->tail = op;
	be->queued += op->weight;
	metric_set(be->m_queued, (double)be->queued);
	kick(be);
	return 0;
}

static int check_be(struct pgbe *be)
{
	if (!be || !be->opened || be->closing)
		return LW_ECANCELED;
	return 0;
}

static int valid_coll(int coll)
{
	return coll > 0 && coll < LW_ST_COLL_COUNT;
}

static int valid_key(const char *k)
{
	return k && strlen(k) <= LW_ST_KEY_MAX;
}

/* Runs op's callback with its status (and rows) on the loop thread. */
static void op_answer(struct pgbe *be, struct pg_op *op)
{
	int st = op->status;
	PGresult *r = op->res;
	switch (op->kind) {
	case OP_GET:
	case OP_LIST: {
		int n = st == 0 && r ? PQntuples(r) : 0;
		struct lw_st_doc one, *docs = n > 1 ? calloc((size_t)n, sizeof(*docs)) : &one;
		if (!docs) {
			st = LW_EIO;
			n = 0;
			docs = &one;
		}
		for (int i = 0; i < n; i++)
			docs[i] = (struct lw_st_doc){
				.key = PQgetvalue(r, i, 0),
				.owner = PQgetisnull(r, i, 1) ? NULL : PQgetvalue(r, i, 1),
				.json = PQgetvalue(r, i, 2),
				.json_len = (size_t)PQgetlength(r, i, 2),
				.updated = strtod(PQgetvalue(r, i, 3), NULL),
			};
		if (op->kind == OP_GET && st == 0 && n == 0)
			st = LW_ENOENT;
		op->cb.docs(op->arg, st, st == 0 ? docs : NULL, st == 0 ? (size_t)n : 0);
		if (docs != &one)
			free(docs);
		break;
	}
	case OP_TS_QUERY: {
		lw_records recs;
		lw_records_init(&recs);
		int n = st == 0 && r ? PQntuples(r) : 0;
		for (int i = 0; i < n && st == 0; i++) {
			lw_record *rec = lw_records_add(&recs);
			if (!rec) {
				st = LW_EIO;
				break;
			}
			rec->path.oid = (uint16_t)atoi(PQgetvalue(r, i, 0));
			rec->path.iid = (uint16_t)atoi(PQgetvalue(r, i, 1));
			rec->path.rid = (uint16_t)atoi(PQgetvalue(r, i, 2));
			rec->path.riid = (uint16_t)atoi(PQgetvalue(r, i, 3));
			rec->has_time = 1;
			rec->time = strtod(PQgetvalue(r, i, 4), NULL);
			rec->type = (uint8_t)atoi(PQgetvalue(r, i, 5));
			const char *vi = PQgetisnull(r, i, 6) ? NULL : PQgetvalue(r, i, 6);
			switch (rec->type) {
			case LW_TYPE_INTEGER:
			case LW_TYPE_TIME:
				rec->v.i = vi ? strtoll(vi, NULL, 10) : 0;
				break;
			case LW_TYPE_UNSIGNED:
				rec->v.u = vi ? (uint64_t)strtoll(vi, NULL, 10) : 0;
				break;
			case LW_TYPE_BOOLEAN:
				rec->v.b = vi && strtoll(vi, NULL, 10) != 0;
				break;
			case LW_TYPE_OBJLNK: {
				long long l = vi ? strtoll(vi, NULL, 10) : 0;
				rec->v.l.oid = (uint16_t)(l >> 16);
				rec->v.l.iid = (uint16_t)(l & 0xffff);
				break;
			}
			case LW_TYPE_FLOAT:
				rec->v.f = PQgetisnull(r, i, 7) ? 0 : strtod(PQgetvalue(r, i, 7), NULL);
				break;
			case LW_TYPE_STRING:
			case LW_TYPE_OPAQUE:
			case LW_TYPE_CORELNK: {
				size_t len = 0;
				unsigned char *b = PQunescapeBytea(
					(const unsigned char *)PQgetvalue(r, i, 8), &len);
				if (!b || lw_records_set_bytes(&recs, rec, b, len) != 0)
					st = LW_EIO;
				PQfreemem(b);
				break;
			}
			default:
				break;
			}
		}
		op->cb.points(op->arg, st, st == 0 ? &recs : NULL);
		lw_records_free(&recs);
		break;
	}
	case OP_AUDIT_QUERY: {
		int n = st == 0 && r ? PQntuples(r) : 0;
		struct lw_st_audit one, *e = n > 1 ? calloc((size_t)n, sizeof(*e)) : &one;
		if (!e) {
			st = LW_EIO;
			n = 0;
			e = &one;
		}
		for (int i = 0; i < n; i++)
			e[i] = (struct lw_st_audit){
				.time = strtod(PQgetvalue(r, i, 0), NULL),
				.actor = PQgetvalue(r, i, 1),
				.endpoint = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2),
				.action = PQgetvalue(r, i, 3),
				.detail = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4),
			};
		op->cb.audit(op->arg, st, st == 0 ? e : NULL, st == 0 ? (size_t)n : 0);
		if (e != &one)
			free(e);
		break;
	}
	case OP_MAINT:
		break;
	default:
		if (op->cb.done)
			op->cb.done(op->arg, st);
		break;
	}
	if (st != 0 && st != LW_ENOENT)
		metric_add(be->m_errors, 1);
}

/* Answers and frees a list of ops (already out of the queue). */
static void answer_all(struct pgbe *be, struct pg_op *ops, int force_status)
{
	size_t points = 0, weight = 0;
	while (ops) {
		struct pg_op *next = ops->next;
		if (force_status) {
			PQclear(ops->res);
			ops->res = NULL;
			ops->status = force_status;
		}
		if (ops->kind == OP_TS_APPEND && ops->status == 0)
			points += ops->weight;
		weight += ops->weight;
		op_answer(be, ops);
		op_free(ops);
		ops = next;
	}
	be->queued -= weight < be->queued ? weight : be->queued;
	metric_set(be->m_queued, (double)be->queued);
	metric_add(be->m_points, (double)points);
}

/* ---- the job chain ---- */

static struct job *job_new(struct pgbe *be, int kind)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->be = be;
	j->kind = kind;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	return j;
}

static void job_free(struct job *j)
{
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void job_wait(struct job *j)
{
	pthread_mutex_lock(&j->mu);
	while (!j->finished)
		pthread_cond_wait(&j->cv, &j->mu);
	pthread_mutex_unlock(&j->mu);
}

/* Worker thread. */
static void job_work(void *arg)
{
	struct job *j = arg;
	switch (j->kind) {
	case JOB_BATCH:
		pg_run_batch(&j->x);
		if (j->x.result == PG_RES_LOST) {
			PQfinish(j->x.conn);
			j->x.conn = NULL;
		}
		break;
	case JOB_CONNECT:
		j->conn = pg_connect(j->be->conninfo, CONNECT_TIMEOUT_S, 1, j->err, sizeof(j->err));
		break;
	case JOB_LISTEN: {
		j->conn = pg_connect(j->be->conninfo, CONNECT_TIMEOUT_S, 0, j->err, sizeof(j->err));
		if (!j->conn)
			break;
		char q[128];
		snprintf(q, sizeof(q), "LISTEN \"%s\"", j->be->channel);
		PGresult *r = PQexec(j->conn, q);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_errline(j->conn, j->err, sizeof(j->err));
			PQfinish(j->conn);
			j->conn = NULL;
		}
		PQclear(r);
		break;
	}
	}
	pthread_mutex_lock(&j->mu);
	j->finished = 1;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
}

/* Takes the next batch from the head of the queue into x. */
static void take_batch(struct pgbe *be, struct pg_exec *x)
{
	size_t n = 0, weight = 0;
	struct pg_op *op = be->head, *last = NULL;
	if (be->retry_n) {
		/* the same operations as the attempt that may have committed */
		while (op && n < be->retry_n) {
			last = op;
			op = op->next;
			n++;
		}
		x->batch_id = be->retry_id;
		x->check_marker = 1;
		be->retry_n = 0;
	} else {
		while (op && (n == 0 || weight + op->weight <= be->batch_max)) {
			weight += op->weight;
			last = op;
			op = op->next;
			n++;
			/* a batch ends at its first read: see pg_run_batch */
			if (pg_op_is_read(last))
				break;
		}
		x->batch_id = be->next_batch_id++;
		x->check_marker = 0;
	}
	x->self = be->self;
	x->ops = be->head;
	x->n_ops = n;
	be->head = op;
	if (!op)
		be->tail = NULL;
	if (last)
		last->next = NULL;
	x->days = &be->days;
	x->n_days = &be->n_days;
	x->cap_days = &be->cap_days;
}

/* Puts a batch that was not acknowledged back at the head of the queue. */
static void requeue(struct pgbe *be, struct pg_exec *x)
{
	struct pg_op *last = x->ops;
	if (!last)
		return;
	while (last->next)
		last = last->next;
	last->next = be->head;
	if (!be->head)
		be->tail = last;
	be->head = x->ops;
	be->retry_id = x->batch_id;
	be->retry_n = x->n_ops;
	x->ops = NULL;
}

static void on_lost(struct pgbe *be, const char *why)
{
	if (be->connected) {
		lw_plugin_log(be->self, LW_LOG_WARN, "connection lost: %s", why);
		be->connected = 0;
		be->lost_at = mono_s();
		metric_set(be->m_connected, 0);
	}
	metric_add(be->m_errors, 1);
}

static void on_connected(struct pgbe *be, PGconn *c)
{
	be->conn = c;
	be->backoff_ms = BACKOFF_START_MS;
	if (!be->connected) {
		lw_plugin_log(be->self, LW_LOG_INFO, "reconnected after %.0f s",
		              mono_s() - be->lost_at);
		be->connected = 1;
		metric_set(be->m_connected, 1);
	}
}

/* The outcome of a finished job, on the loop thread (or in close()). */
static void job_finish(struct pgbe *be, struct job *j)
{
	if (j->kind == JOB_CONNECT) {
		if (j->conn) {
			on_connected(be, j->conn);
		} else {
			if (be->connected) /* the first failure after a loss */
				on_lost(be, j->err);
			if (!be->closing) {
				be->waiting = 1;
				lw_ptimer_arm(be->retry_timer, be->backoff_ms);
				be->backoff_ms *= 2;
				if (be->backoff_ms > be->reconnect_max_ms)
					be->backoff_ms = be->reconnect_max_ms;
			}
		}
		j->conn = NULL;
		return;
	}
	/* JOB_BATCH */
	be->conn = j->x.conn;
	if (j->x.result == PG_RES_LOST) {
		on_lost(be, j->x.err);
		requeue(be, &j->x);
		return; /* kick() reconnects at once; failures then back off */
	}
	metric_add(be->m_batches, 1);
	answer_all(be, j->x.ops, 0);
	j->x.ops = NULL;
}

static void job_done(void *arg, int status)
{
	(void)status;
	struct job *j = arg;
	if (j->orphan) { /* close() already took its outcome */
		job_free(j);
		return;
	}
	struct pgbe *be = j->be;
	be->job = NULL;
	job_finish(be, j);
	job_free(j);
	kick(be);
}

/* Starts the next job if none runs and there is work. */
static void kick(struct pgbe *be)
{
	if (be->job || be->closing || !be->opened || be->waiting)
		return;
	struct job *j;
	if (!be->conn) {
		/* reconnect even with nothing queued: the gauge must tell */
		j = job_new(be, JOB_CONNECT);
		if (!j)
			return;
	} else {
		if (!be->head)
			return;
		j = job_new(be, JOB_BATCH);
		if (!j)
			return;
		take_batch(be, &j->x);
		j->x.conn = be->conn;
		be->conn = NULL;
	}
	be->job = j;
	if (lw_worker_submit(be->self, job_work, job_done, j) != 0) {
		/* pool full or stopping: undo, and try again a little later */
		be->job = NULL;
		if (j->kind == JOB_BATCH) {
			be->conn = j->x.conn;
			uint64_t rid = be->retry_id;
			size_t rn = be->retry_n;
			int check = j->x.check_marker;
			uint64_t bid = j->x.batch_id;
			requeue(be, &j->x);
			if (!check) { /* never ran: not a retry */
				be->retry_id = rid;
				be->retry_n = rn;
				be->next_batch_id = bid;
			}
		}
		job_free(j);
		be->waiting = 1;
		lw_ptimer_arm(be->retry_timer, RETRY_SUBMIT_MS);
	}
}

static void on_retry_timer(void *ctx)
{
	struct pgbe *be = ctx;
	be->waiting = 0;
	kick(be);
}

static void on_maint_timer(void *ctx)
{
	struct pgbe *be = ctx;
	struct pg_op *op = op_new(OP_MAINT, NULL, NULL);
	if (op) {
		op->weight = 0;
		op->d1 = be->retention_days > 0 ? now_s() - (double)be->retention_days * 86400.0
		                                 : 0;
		enqueue(be, op);
	}
	lw_ptimer_arm(be->maint_timer, MAINT_PERIOD_MS);
}

/* ---- the listener ---- */

static void listen_start(struct pgbe *be);

static void listen_drop(struct pgbe *be, const char *why)
{
	if (why)
		lw_plugin_log(be->self, LW_LOG_WARN, "listener connection lost: %s", why);
	if (be->lwatch)
		lw_watch_free(be->lwatch);
	be->lwatch = NULL;
	PQfinish(be->lconn);
	be->lconn = NULL;
}

static void listen_retry_later(struct pgbe *be)
{
	if (be->closing)
		return;
	lw_ptimer_arm(be->ltimer, be->lbackoff_ms);
	be->lbackoff_ms *= 2;
	if (be->lbackoff_ms > be->reconnect_max_ms)
		be->lbackoff_ms = be->reconnect_max_ms;
}

static void on_listen_readable(int fd, unsigned what, void *ctx)
{
	(void)fd;
	(void)what;
	struct pgbe *be = ctx;
	if (!PQconsumeInput(be->lconn)) {
		char err[256];
		pg_errline(be->lconn, err, sizeof(err));
		listen_drop(be, err);
		listen_retry_later(be);
		return;
	}
	PGnotify *n;
	while (be->lconn && (n = PQnotifies(be->lconn)) != NULL) {
		if (strcmp(n->relname, be->channel) == 0)
			lw_storage_node_message(be->self, n->extra, strlen(n->extra));
		PQfreemem(n);
	}
}

/* Hands a LISTENing connection to the loop. */
static int listen_attach(struct pgbe *be, PGconn *c)
{
	if (PQsetnonblocking(c, 1) != 0)
		return -1;
	be->lconn = c;
	be->lwatch = lw_watch_fd(be->self, PQsocket(c), LW_WATCH_READ, on_listen_readable, be);
	if (!be->lwatch) {
		be->lconn = NULL;
		return -1;
	}
	be->lbackoff_ms = BACKOFF_START_MS;
	/* what came with the LISTEN's answer */
	on_listen_readable(PQsocket(c), LW_WATCH_READ, be);
	return 0;
}

static void listen_job_done(void *arg, int status)
{
	(void)status;
	struct job *j = arg;
	if (j->orphan) {
		PQfinish(j->conn);
		job_free(j);
		return;
	}
	struct pgbe *be = j->be;
	be->ljob = NULL;
	if (j->conn && listen_attach(be, j->conn) == 0) {
		lw_plugin_log(be->self, LW_LOG_INFO, "listening on %s again", be->channel);
	} else {
		PQfinish(j->conn);
		listen_retry_later(be);
	}
	job_free(j);
}

static void listen_start(struct pgbe *be)
{
	if (be->ljob || be->lconn || be->closing)
		return;
	struct job *j = job_new(be, JOB_LISTEN);
	if (!j)
		return;
	be->ljob = j;
	if (lw_worker_submit(be->self, job_work, listen_job_done, j) != 0) {
		be->ljob = NULL;
		job_free(j);
		listen_retry_later(be);
	}
}

static void on_listen_timer(void *ctx)
{
	listen_start(ctx);
}

static int valid_node(const char *node)
{
	size_t n = node ? strlen(node) : 0;
	if (n == 0 || n > (size_t)NODE_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)node[i]) && node[i] != '_' && node[i] != '.' &&
		    node[i] != '-')
			return 0;
	return 1;
}

/* ---- the vtable ---- */

static struct pgbe *st_of(void *h)
{
	return h == &handle_tag ? the_be : NULL;
}

static int pg_open(void *h)
{
	struct pgbe *be = st_of(h);
	if (!be)
		return LW_EINVAL;
	if (be->opened)
		return LW_EEXIST;
	/* the plugin's own key first, then the daemon's [storage] conninfo */
	const char *ci = lw_plugin_conf(be->self, "conninfo");
	if (!ci || !*ci)
		ci = lw_storage_conninfo(be->self);
	if (!ci || !*ci) {
		lw_plugin_log(be->self, LW_LOG_ERROR,
		              "no server to connect to: set conninfo in [storage-postgres] "
		              "(or [storage])");
		return LW_EINVAL;
	}
	be->conninfo = strdup(ci);
	be->batch_max = (size_t)lw_plugin_conf_int(be->self, "batch_max");
	be->spool_max = (size_t)lw_plugin_conf_int(be->self, "spool_max");
	be->retention_days = lw_plugin_conf_int(be->self, "retention_days");
	be->reconnect_max_ms = (uint64_t)lw_plugin_conf_int(be->self, "reconnect_max_ms");
	be->close_timeout_s = (double)lw_plugin_conf_int(be->self, "close_timeout_ms") / 1000.0;
	if (!be->conninfo)
		return LW_ENOMEM;
	char err[256];
	PGconn *c = pg_connect(be->conninfo, CONNECT_TIMEOUT_S, 0, err, sizeof(err));
	if (!c) {
		lw_plugin_log(be->self, LW_LOG_ERROR, "cannot connect: %s", err);
		goto fail;
	}
	int rc = pg_migrate(be->self, c);
	PQfinish(c);
	if (rc != 0) {
		free(be->conninfo);
		be->conninfo = NULL;
		return rc;
	}
	/* reconnect with the statements prepared: the migration may have just
	 * created the tables they name */
	c = pg_connect(be->conninfo, CONNECT_TIMEOUT_S, 1, err, sizeof(err));
	if (!c) {
		lw_plugin_log(be->self, LW_LOG_ERROR, "cannot connect: %s", err);
		goto fail;
	}
	be->conn = c;
	/* Batch ids must not collide with another node's or an earlier run's:
	 * start from a random point of the 63-bit space. */
	uint64_t r = 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)getpid() << 32;
	be->next_batch_id = (r & INT64_MAX) >> 1;
	be->retry_timer = lw_ptimer_new(be->self, on_retry_timer, be);
	be->maint_timer = lw_ptimer_new(be->self, on_maint_timer, be);
	be->ltimer = lw_ptimer_new(be->self, on_listen_timer, be);
	if (!be->retry_timer || !be->maint_timer || !be->ltimer) {
		lw_plugin_log(be->self, LW_LOG_ERROR, "out of memory");
		goto fail;
	}
	be->backoff_ms = BACKOFF_START_MS;
	be->lbackoff_ms = BACKOFF_START_MS;
	be->connected = 1;
	be->closing = 0;
	be->waiting = 0;
	be->spool_full = 0;
	be->queued = 0;
	/* Metrics are made here, not in init: every storage plugin publishes
	 * the same names, and only the one opened may take them. A reopen
	 * keeps them (and their counts). */
	if (!be->m_connected)
		be->m_connected = lw_metric_new(be->self, LW_METRIC_GAUGE,
		                                "lwm2md_storage_connected",
		                                "1 while the storage server is reachable");
	if (!be->m_queued)
		be->m_queued = lw_metric_new(be->self, LW_METRIC_GAUGE, "lwm2md_storage_queued",
		                             "storage operations accepted, not yet durable");
	if (!be->m_batches)
		be->m_batches = lw_metric_new(be->self, LW_METRIC_COUNTER,
		                              "lwm2md_storage_batches_total",
		                              "storage transactions committed");
	if (!be->m_points)
		be->m_points = lw_metric_new(be->self, LW_METRIC_COUNTER,
		                             "lwm2md_storage_points_total",
		                             "time-series points made durable");
	if (!be->m_errors)
		be->m_errors = lw_metric_new(be->self, LW_METRIC_COUNTER,
		                             "lwm2md_storage_errors_total",
		                             "failed storage operations and lost connections");
	if (!be->m_spool_full)
		be->m_spool_full = lw_metric_new(be->self, LW_METRIC_COUNTER,
		                                 "lwm2md_storage_spool_full_total",
		                                 "calls refused because the spool was full");
	if (!be->m_connected || !be->m_queued || !be->m_batches || !be->m_points ||
	    !be->m_errors || !be->m_spool_full)
		lw_plugin_log(be->self, LW_LOG_WARN, "some metrics could not be registered");
	metric_set(be->m_connected, 1);
	/* The listener, on this node's channel. */
	const char *node = lw_storage_node_id(be->self);
	if (valid_node(node)) {
		snprintf(be->channel, sizeof(be->channel), CHANNEL_PREFIX "%s", node);
		PGconn *lc = pg_connect(be->conninfo, CONNECT_TIMEOUT_S, 0, err, sizeof(err));
		char q[128];
		snprintf(q, sizeof(q), "LISTEN \"%s\"", be->channel);
		PGresult *lr = lc ? PQexec(lc, q) : NULL;
		int ok = lr && PQresultStatus(lr) == PGRES_COMMAND_OK;
		PQclear(lr);
		if (!ok || listen_attach(be, lc) != 0) {
			lw_plugin_log(be->self, LW_LOG_ERROR, "cannot listen on %s", be->channel);
			PQfinish(lc);
			goto fail;
		}
	} else if (node && *node) {
		lw_plugin_log(be->self, LW_LOG_WARN,
		              "node id \"%s\" is not [A-Za-z0-9_.-]{1,%d}: no cluster messages",
		              node, NODE_ID_MAX);
	} else {
		lw_plugin_log(be->self, LW_LOG_INFO, "no node id: no cluster messages");
	}
	be->opened = 1;
	on_maint_timer(be); /* retention at start, then hourly */
	lw_plugin_log(be->self, LW_LOG_INFO, "connected, schema version %d", pg_n_migrations);
	return 0;
fail:
	PQfinish(be->conn);
	be->conn = NULL;
	lw_ptimer_free(be->retry_timer);
	lw_ptimer_free(be->maint_timer);
	lw_ptimer_free(be->ltimer);
	be->retry_timer = be->maint_timer = be->ltimer = NULL;
	free(be->conninfo);
	be->conninfo = NULL;
	return LW_EIO;
}

/* Runs what is queued on the calling thread, for at most budget seconds. */
static void flush_sync(struct pgbe *be, double budget)
{
	double deadline = mono_s() + budget;
	char err[256];
	while (be->head && mono_s() < deadline) {
		if (!be->conn) {
			be->conn = pg_connect(be->conninfo, 2, 1, err, sizeof(err));
			if (!be->conn) {
				usleep(200 * 1000);
				continue;
			}
			on_connected(be, be->conn);
			/* a hung server must not hold the daemon's stop */
			PQclear(PQexec(be->conn, "SET statement_timeout = 5000"));
		}
		struct job j = {.be = be, .kind = JOB_BATCH};
		take_batch(be, &j.x);
		j.x.conn = be->conn;
		be->conn = NULL;
		pg_run_batch(&j.x);
		if (j.x.result == PG_RES_LOST) {
			PQfinish(j.x.conn);
			j.x.conn = NULL;
		}
		job_finish(be, &j);
	}
}

static void pg_close(void *h)
{
	struct pgbe *be = st_of(h);
	if (!be || !be->opened || be->closing)
		return;
	be->closing = 1;
	lw_ptimer_cancel(be->retry_timer);
	lw_ptimer_cancel(be->maint_timer);
	lw_ptimer_cancel(be->ltimer);
	/* the job in flight: wait for its work, take its outcome here, and
	 * leave the job to its done (which only frees it) */
	if (be->job) {
		struct job *j = be->job;
		job_wait(j);
		be->job = NULL;
		job_finish(be, j);
		j->orphan = 1;
	}
	if (be->ljob) {
		job_wait(be->ljob);
		PQfinish(be->ljob->conn);
		be->ljob->conn = NULL;
		be->ljob->orphan = 1;
		be->ljob = NULL;
	}
	if (be->conn)
		PQclear(PQexec(be->conn, "SET statement_timeout = 5000"));
	flush_sync(be, be->close_timeout_s);
	if (be->head) {
		size_t n = be->queued;
		struct pg_op *ops = be->head;
		be->head = be->tail = NULL;
		be->retry_n = 0;
		lw_plugin_log(be->self, LW_LOG_ERROR,
		              "closing without the server: %zu operations were not persisted", n);
		answer_all(be, ops, LW_EIO);
	}
	listen_drop(be, NULL);
	PQfinish(be->conn);
	be->conn = NULL;
	lw_ptimer_free(be->retry_timer);
	lw_ptimer_free(be->maint_timer);
	lw_ptimer_free(be->ltimer);
	be->retry_timer = be->maint_timer = be->ltimer = NULL;
	free(be->conninfo);
	be->conninfo = NULL;
	free(be->days);
	be->days = NULL;
	be->n_days = be->cap_days = 0;
	metric_set(be->m_connected, 0);
	be->opened = 0;
}

/* What every call does first: the backend is open, the arguments are
 * valid (ok), and the operation to queue is made. 0 with *be and *op, or
 * the status the call returns. */
static int begin(void *h, int ok, int kind, const char *const str[4], const size_t lens[4],
                 struct pgbe **be, struct pg_op **op)
{
	*be = st_of(h);
	int rc = check_be(*be);
	if (rc)
		return rc;
	if (!ok)
		return LW_EINVAL;
	*op = op_new(kind, str, lens);
	return *op ? 0 : LW_ENOMEM;
}

static int pg_doc_put(void *h, int coll, const char *key, const char *owner, const char *json,
                      size_t json_len, lw_st_done_fn done, void *arg)
{
	const char *s[4] = {key, owner, json, NULL};
	const size_t l[4] = {(size_t)-1, (size_t)-1, json_len, 0};
	int ok = valid_coll(coll) && valid_key(key) && (!owner || valid_key(owner)) && json &&
	         !memchr(json, '\0', json_len) && done;
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, ok, OP_PUT, s, l, &be, &op);
	if (rc)
		return rc;
	op->coll = coll;
	op->len = json_len;
	op->d1 = now_s();
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_doc_del(void *h, int coll, const char *key, lw_st_done_fn done, void *arg)
{
	const char *s[4] = {key, NULL, NULL, NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, valid_coll(coll) && valid_key(key) && done, OP_DEL, s, NULL, &be, &op);
	if (rc)
		return rc;
	op->coll = coll;
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_doc_del_owner(void *h, int coll, const char *owner, lw_st_done_fn done, void *arg)
{
	const char *s[4] = {NULL, owner, NULL, NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, valid_coll(coll) && valid_key(owner) && done, OP_DEL_OWNER, s, NULL, &be,
	               &op);
	if (rc)
		return rc;
	op->coll = coll;
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_doc_get(void *h, int coll, const char *key, lw_st_docs_fn cb, void *arg)
{
	const char *s[4] = {key, NULL, NULL, NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, valid_coll(coll) && valid_key(key) && cb, OP_GET, s, NULL, &be, &op);
	if (rc)
		return rc;
	op->coll = coll;
	op->cb.docs = cb;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_doc_list(void *h, int coll, const char *owner, const char *after, size_t limit,
                       lw_st_docs_fn cb, void *arg)
{
	const char *s[4] = {NULL, owner, NULL, after};
	int ok = valid_coll(coll) && (!owner || valid_key(owner)) && (!after || valid_key(after)) &&
	         limit > 0 && cb;
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, ok, OP_LIST, s, NULL, &be, &op);
	if (rc)
		return rc;
	op->coll = coll;
	op->limit = limit;
	op->cb.docs = cb;
	op->arg = arg;
	return enqueue(be, op);
}

/* Appends s to the COPY text with the format's escapes. */
static void copy_text(char **p, const char *s, size_t n)
{
	char *o = *p;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
			*o++ = '\\';
			c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
		}
		*o++ = c;
	}
	*p = o;
}

static int add_day(struct pg_op *op, int64_t day, size_t *cap)
{
	for (size_t i = 0; i < op->n_days; i++)
		if (op->days[i] == day)
			return 0;
	if (op->n_days == *cap) {
		size_t nc = *cap ? *cap * 2 : 2;
		int64_t *d = realloc(op->days, nc * sizeof(*d));
		if (!d)
			return -1;
		op->days = d;
		*cap = nc;
	}
	op->days[op->n_days++] = day;
	return 0;
}

static int pg_ts_append(void *h, const struct lw_st_point *pts, size_t n, lw_st_done_fn done,
                        void *arg)
{
	struct pgbe *be = st_of(h);
	int rc = check_be(be);
	if (rc)
		return rc;
	if (!pts || n == 0 || !done)
		return LW_EINVAL;
	/* the worst case of each line: escapes double the endpoint, bytes are
	 * hex, numbers take at most 26 characters each */
	size_t cap = 1;
	for (size_t i = 0; i < n; i++) {
		const lw_record *r = &pts[i].rec;
		if (!pts[i].endpoint || !*pts[i].endpoint || !valid_key(pts[i].endpoint) ||
		    !r->has_time || !isfinite(r->time) || lw_path_depth(&r->path) < 3)
			return LW_EINVAL;
		cap += 2 * strlen(pts[i].endpoint) + 200;
		if (r->type == LW_TYPE_STRING || r->type == LW_TYPE_OPAQUE ||
		    r->type == LW_TYPE_CORELNK)
			cap += 2 * r->v.s.len;
	}
	if (n > be->batch_max) /* could never fit one transaction's bound */
		return LW_EINVAL;
	struct pg_op *op = op_new(OP_TS_APPEND, NULL, NULL);
	char *buf = op ? malloc(cap) : NULL;
	if (!buf) {
		free(op);
		return LW_ENOMEM;
	}
	op->copy = buf;
	op->weight = n;
	op->cb.done = done;
	op->arg = arg;
	size_t days_cap = 0;
	char *p = buf;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		const lw_record *r = &pts[i].rec;
		if (add_day(op, pg_day_of(r->time), &days_cap) != 0) {
			op_free(op);
			return LW_ENOMEM;
		}
		copy_text(&p, pts[i].endpoint, strlen(pts[i].endpoint));
		p += sprintf(p, "\t%u\t%u\t%u\t%u\t%.17g\t%u\t", r->path.oid, r->path.iid,
		             r->path.rid, r->path.riid, r->time, r->type);
		switch (r->type) {
		case LW_TYPE_INTEGER:
		case LW_TYPE_TIME:
			p += sprintf(p, "%" PRId64 "\t\\N\t\\N\n", r->v.i);
			break;
		case LW_TYPE_UNSIGNED:
			p += sprintf(p, "%" PRId64 "\t\\N\t\\N\n", (int64_t)r->v.u);
			break;
		case LW_TYPE_BOOLEAN:
			p += sprintf(p, "%d\t\\N\t\\N\n", r->v.b ? 1 : 0);
			break;
		case LW_TYPE_OBJLNK:
			p += sprintf(p, "%" PRId64 "\t\\N\t\\N\n",
			             ((int64_t)r->v.l.oid << 16) | r->v.l.iid);
			break;
		case LW_TYPE_FLOAT:
			p += sprintf(p, "\\N\t%.17g\t\\N\n", r->v.f);
			break;
		case LW_TYPE_STRING:
		case LW_TYPE_OPAQUE:
		case LW_TYPE_CORELNK:
			/* bytea hex input, its backslash escaped for COPY */
			memcpy(p, "\\N\t\\N\t\\\\x", 9);
			p += 9;
			for (size_t k = 0; k < r->v.s.len; k++) {
				*p++ = hex[r->v.s.data[k] >> 4];
				*p++ = hex[r->v.s.data[k] & 15];
			}
			*p++ = '\n';
			break;
		default:
			p += sprintf(p, "\\N\t\\N\t\\N\n");
			break;
		}
	}
	op->copy_len = (size_t)(p - buf);
	return enqueue(be, op);
}

static int pg_ts_query(void *h, const struct lw_st_ts_query *q, lw_st_points_fn cb, void *arg)
{
	int ok = q && valid_key(q->endpoint) && !isnan(q->from) && !isnan(q->to) && cb;
	const char *s[4] = {ok ? q->endpoint : NULL, NULL, NULL, NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, ok, OP_TS_QUERY, s, NULL, &be, &op);
	if (rc)
		return rc;
	op->path = q->path;
	op->d1 = q->from;
	op->d2 = q->to;
	op->limit = q->limit ? q->limit : DEFAULT_QUERY_LIMIT;
	op->cb.points = cb;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_ts_prune(void *h, double before, lw_st_done_fn done, void *arg)
{
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, !isnan(before) && done, OP_TS_PRUNE, NULL, NULL, &be, &op);
	if (rc)
		return rc;
	op->d1 = before;
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_audit_append(void *h, const struct lw_st_audit *e, lw_st_done_fn done, void *arg)
{
	int ok = e && e->actor && e->action && isfinite(e->time) && done;
	const char *s[4] = {ok ? e->actor : NULL, ok ? e->endpoint : NULL, ok ? e->action : NULL,
	                    ok ? e->detail : NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, ok, OP_AUDIT_APPEND, s, NULL, &be, &op);
	if (rc)
		return rc;
	op->d1 = e->time;
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_audit_query(void *h, double from, double to, const char *endpoint, size_t limit,
                          lw_st_audit_fn cb, void *arg)
{
	const char *s[4] = {endpoint, NULL, NULL, NULL};
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, !isnan(from) && !isnan(to) && limit > 0 && cb, OP_AUDIT_QUERY, s, NULL,
	               &be, &op);
	if (rc)
		return rc;
	op->d1 = from;
	op->d2 = to;
	op->limit = limit;
	op->cb.audit = cb;
	op->arg = arg;
	return enqueue(be, op);
}

static int pg_flush(void *h, lw_st_done_fn done, void *arg)
{
	struct pgbe *be;
	struct pg_op *op;
	int rc = begin(h, done != NULL, OP_FLUSH, NULL, NULL, &be, &op);
	if (rc)
		return rc;
	/* it weighs nothing: a flush must get in even when the spool is full */
	op->weight = 0;
	op->cb.done = done;
	op->arg = arg;
	if (be->tail)
		be->tail->next = op;
	else
		be->head = op;
	be->tail = op;
	kick(be);
	return 0;
}

static int pg_node_send(void *h, const char *node, const char *msg, size_t len,
                        lw_st_done_fn done, void *arg)
{
	struct pgbe *be = st_of(h);
	int rc = check_be(be);
	if (rc)
		return rc;
	if (!valid_node(node) || !msg || len > LW_ST_MSG_MAX || memchr(msg, '\0', len) || !done)
		return LW_EINVAL;
	char chan[80];
	snprintf(chan, sizeof(chan), CHANNEL_PREFIX "%s", node);
	const char *s[4] = {chan, NULL, msg, NULL};
	const size_t l[4] = {(size_t)-1, 0, len, 0};
	struct pg_op *op = op_new(OP_NODE_SEND, s, l);
	if (!op)
		return LW_ENOMEM;
	op->len = len;
	op->cb.done = done;
	op->arg = arg;
	return enqueue(be, op);
}

static const struct lw_storage_ops pg_ops = {
	.abi = LW_STORAGE_ABI,
	.size = sizeof(struct lw_storage_ops),
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.doc_put = pg_doc_put,
	.doc_del = pg_doc_del,
	.doc_del_owner = pg_doc_del_owner,
	.doc_get = pg_doc_get,
	.doc_list = pg_doc_list,
	.ts_append = pg_ts_append,
	.ts_query = pg_ts_query,
	.ts_prune = pg_ts_prune,
	.audit_append = pg_audit_append,
	.audit_query = pg_audit_query,
	.flush = pg_flush,
	.node_send = pg_node_send,
};

static int pg_init(lw_plugin *self)
{
	/* nothing is opened here: only the backend the daemon picks is */
	struct pgbe *be = calloc(1, sizeof(*be));
	if (!be)
		return LW_ENOMEM;
	be->self = self;
	the_be = be;
	int rc = lw_storage_register(self, &pg_ops, &handle_tag);
	if (rc) {
		lw_plugin_set_error(self, "cannot register the postgres backend: %s",
		                    lw_strerror(rc));
		the_be = NULL;
		free(be);
		return rc;
	}
	lw_plugin_set_data(self, be);
	return 0;
}

static void pg_fini(lw_plugin *self)
{
	struct pgbe *be = lw_plugin_data(self);
	if (!be)
		return;
	pg_close(&handle_tag);
	the_be = NULL;
	free(be);
}

static const struct lw_plugin_desc pg_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "storage-postgres",
	.version = "1.0",
	.summary = "PostgreSQL storage backend (production, clusters)",
	.conf = keys,
	.init = pg_init,
	.fini = pg_fini,
};

LW_PLUGIN_DECLARE(pg_desc)
