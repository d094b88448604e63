/*
 * pg.h: the inside of the PostgreSQL storage plugin, shared by its files.
 *
 * plugin.c is the loop-thread side (the vtable, the queue, reconnects, the
 * listener); exec.c runs a batch of queued operations on a blocking libpq
 * connection, on a worker thread (or on the closing thread at close()). The
 * one rule between them: while a job runs, the connection, the batch and the
 * partition cache belong to that job alone.
 */
#ifndef LW_PG_H
#define LW_PG_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/loop.h"
#include "lwm2m/metrics.h"
#include "lwm2m/storage.h"

enum pg_op_kind {
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
	OP_NODE_SEND,
	OP_MAINT, /* hourly retention and cleanup: no callback */
};

/* One queued call, with copies of its arguments. */
struct pg_op {
	struct pg_op *next;
	int kind;
	int status;    /* the callback's status, set by the job */
	size_t weight; /* what it counts against batch_max and spool_max */
	union {
		lw_st_done_fn done;
		lw_st_docs_fn docs;
		lw_st_points_fn points;
		lw_st_audit_fn audit;
	} cb;
	void *arg;
	int coll;
	const char *s[4]; /* strings, NUL-terminated, in the same allocation */
	size_t len;       /* length of the JSON or message (s[2]) */
	double d1, d2;    /* updated / time / from, to / before / cutoff */
	size_t limit;
	lw_path path;
	/* ts_append: the points as COPY text lines, and the days they touch */
	char *copy;
	size_t copy_len;
	int64_t *days;
	size_t n_days;
	PGresult *res; /* a read's rows, turned into the callback's types on the loop */
};

static inline int pg_op_is_read(const struct pg_op *op)
{
	return op->kind == OP_GET || op->kind == OP_LIST || op->kind == OP_TS_QUERY ||
	       op->kind == OP_AUDIT_QUERY;
}

enum pg_res {
	PG_RES_OK = 0, /* every op has its status */
	PG_RES_LOST,   /* the connection broke: nothing of the batch is acknowledged */
};

/* What a batch job works with (owned by the job while it runs). */
struct pg_exec {
	const lw_plugin *self;
	PGconn *conn;
	struct pg_op *ops; /* the batch, in call order */
	size_t n_ops;
	uint64_t batch_id;
	int check_marker; /* a retry: a duplicate batch id means committed */
	int result;       /* enum pg_res */
	char err[256];    /* why the connection was lost */
	/* partition days known to exist (job chain state) */
	int64_t **days;
	size_t *n_days, *cap_days;
};

/* exec.c */
int pg_run_batch(struct pg_exec *x);
/* Connects (blocking) and prepares the statements; NULL with err set. */
PGconn *pg_connect(const char *conninfo, int timeout_s, int prepare, char *err, size_t errlen);
/* One line from a connection's last error (no trailing newline). */
void pg_errline(PGconn *conn, char *out, size_t cap);
/* The migrations: 0, or a negative LW_E* after logging one line. */
int pg_migrate(const lw_plugin *self, PGconn *conn);
/* The day number (days since the epoch, UTC) of a time. */
int64_t pg_day_of(double t);
/* "lwm2md_points_pYYYYMMDD": 0, or -1 for a day outside years 1..9999. */
int pg_partition_name(int64_t day, char *out, size_t cap);

#endif
