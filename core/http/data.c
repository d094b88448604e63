/*
 * http/data.c: GET /api/v1/clients/{ep}/data, the time series the store kept
 * of a client's reported values (Notify, Send, Read results). It answers
 * from the store alone, so a device that is gone still has its history.
 *
 * The query runs in the store's queue like any other call; the CivetWeb
 * thread waits for it through the bridge's deferred answers. A waiter that
 * gives up (or a daemon that stops) flags the query detached: its answer is
 * then dropped when the store finally calls back.
 */
#include "http/http.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/records_json.h"
#include "storage/backend.h"

#define DATA_LIMIT_DEFAULT 1000
#define DATA_LIMIT_MAX 10000
/* How long a query may take before the caller gets 504. */
#define DATA_WAIT_MS 30000

struct data_query {
	struct lw_http_req *r; /* NULL once detached */
	char endpoint[256];
};

static void detach(struct lw_http *h, void *ctx)
{
	(void)h;
	struct data_query *q = ctx;
	q->r = NULL;
}

static void on_points(void *arg, int status, const lw_records *points)
{
	struct data_query *q = arg;
	struct lw_http_req *r = q->r;
	if (!r) {
		free(q);
		return;
	}
	json_t *recs = NULL;
	if (status != 0) {
		lw_http_reply_error(r, 503, "storage-error", "the store failed: %s",
		                    lw_strerror(status));
	} else if (lw_records_to_json(points, &recs) != 0) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
	} else {
		json_t *o = json_pack("{s:s, s:o}", "endpoint", q->endpoint, "records", recs);
		if (o)
			lw_http_reply_json(r, 200, o);
		else
			lw_http_reply_error(r, 500, "internal", "out of memory");
	}
	lw_http_finish(r);
	free(q);
}

/* A time in seconds since the epoch: 0 or -1. */
static int parse_time(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);
	if (!*s || *end || !isfinite(v) || v < 0)
		return -1;
	*out = v;
	return 0;
}

void lw_http_data(struct lw_http_req *r)
{
	const struct lw_store *st = lw_storage_current();
	if (!st) {
		lw_http_reply_error(r, 503, "no-storage",
		                    "no time series are kept: the daemon runs with [storage] "
		                    "plugin = none");
		return;
	}
	struct lw_st_ts_query tq = {.endpoint = r->params[0], .from = 0, .to = INFINITY,
	                            .limit = DATA_LIMIT_DEFAULT};
	lw_path_parse("/", 1, &tq.path, NULL);
	char v[256];
	int n = lw_http_qvar(r, "path", v, sizeof(v));
	const char *why = "too long";
	if (n < 0 || (n > 0 && lw_path_parse(v, strlen(v), &tq.path, &why) != 0)) {
		lw_http_reply_error(r, 400, "bad-request", "path: %s", why);
		return;
	}
	if (((n = lw_http_qvar(r, "from", v, sizeof(v))) != 0 && (n < 0 || parse_time(v, &tq.from))) ||
	    ((n = lw_http_qvar(r, "to", v, sizeof(v))) != 0 && (n < 0 || parse_time(v, &tq.to)))) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "from and to are seconds since the epoch (1763750000.5)");
		return;
	}
	if (tq.from > tq.to) {
		lw_http_reply_error(r, 400, "bad-request", "from is after to");
		return;
	}
	if ((n = lw_http_qvar(r, "limit", v, sizeof(v))) != 0) {
		char *end;
		long l = n > 0 ? strtol(v, &end, 10) : 0;
		if (n < 0 || !v[0] || *end || l < 1 || l > DATA_LIMIT_MAX) {
			lw_http_reply_error(r, 400, "bad-request", "limit must be 1 to %d",
			                    DATA_LIMIT_MAX);
			return;
		}
		tq.limit = (size_t)l;
	}
	struct data_query *q = calloc(1, sizeof(*q));
	if (!q) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	q->r = r;
	snprintf(q->endpoint, sizeof(q->endpoint), "%s", r->params[0]);
	int rc = st->ops->ts_query(st->be, &tq, on_points, q);
	if (rc != 0) {
		free(q);
		lw_http_reply_error(r, 503, rc == LW_EAGAIN ? "storage-busy" : "storage-error",
		                    "the store refused the query: %s", lw_strerror(rc));
		return;
	}
	lw_http_defer_fn(r, detach, q, DATA_WAIT_MS);
}
