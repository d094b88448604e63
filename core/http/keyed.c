/*
 * http/keyed.c: the REST verbs of a table of documents keyed by endpoint
 * (credentials, bootstrap configurations): GET the list sorted by endpoint,
 * GET one, PUT one, DELETE one. A PUT or DELETE answers once the store has
 * made the change durable, so that a 200 means a restart keeps it; a caller
 * that gives up meanwhile is detached and the late answer dropped.
 */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

#define WAIT_MS 30000

static void *table_of(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	void *t = k->table(r->h->d);
	if (!t)
		lw_http_reply_error(r, 503, "unavailable", "%s", k->unavailable);
	return t;
}

static void not_found(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	lw_http_reply_error(r, 404, "not-found", "no %s for endpoint \"%s\"", k->what, r->params[0]);
}

static int by_endpoint(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "endpoint"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "endpoint"));
	return strcmp(x ? x : "", y ? y : "");
}

static void add_item(void *ctx, json_t *item)
{
	json_t *v = ctx;
	if (item)
		json_array_append_new(v, item);
}

void lw_http_keyed_list(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	void *t = table_of(r, k);
	if (!t)
		return;
	json_t *list = json_array();
	if (!list) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	k->each(t, add_item, list);
	size_t n = json_array_size(list);
	json_t **v = n ? malloc(n * sizeof(*v)) : NULL;
	if (n && !v) {
		json_decref(list);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	if (n > 1)
		qsort(v, n, sizeof(*v), by_endpoint);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
	lw_http_reply_json(r, 200, list);
}

void lw_http_keyed_get(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	void *t = table_of(r, k);
	if (!t)
		return;
	json_t *item = k->describe(t, r->params[0]);
	if (!item) {
		not_found(r, k);
		return;
	}
	lw_http_reply_json(r, 200, item);
}

/* A change waiting for the store; r is NULL once the caller gave up. */
struct change {
	struct lw_http_req *r;
	const struct lw_http_keyed *k;
	int put;
	char endpoint[256];
};

static void detach(struct lw_http *h, void *ctx)
{
	(void)h;
	((struct change *)ctx)->r = NULL;
}

static void on_durable(void *arg, int status)
{
	struct change *ch = arg;
	struct lw_http_req *r = ch->r;
	if (r) {
		void *t = ch->put ? ch->k->table(r->h->d) : NULL;
		json_t *item = t ? ch->k->describe(t, ch->endpoint) : NULL;
		if (status)
			lw_http_reply_error(r, 503, "storage-error",
			                    "the change is in force but the store failed to keep "
			                    "it: %s", lw_strerror(status));
		else if (item)
			lw_http_reply_json(r, 200, json_incref(item));
		else
			lw_http_reply_text(r, 204, "application/json", NULL, 0);
		json_decref(item);
		lw_http_finish(r);
	}
	free(ch);
}

static void change(struct lw_http_req *r, const struct lw_http_keyed *k, int put)
{
	void *t = table_of(r, k);
	if (!t)
		return;
	struct change *ch = calloc(1, sizeof(*ch));
	if (!ch) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	ch->r = r;
	ch->k = k;
	ch->put = put;
	snprintf(ch->endpoint, sizeof(ch->endpoint), "%s", r->params[0]);
	char why[300] = "";
	int rc = put ? k->put(t, r->params[0], r->body, why, sizeof(why), on_durable, ch)
	             : k->del(t, r->params[0], on_durable, ch);
	if (rc == 0) {
		/* on_durable may have run already (no store): then r is answered. */
		if (!r->out && r->status == 0)
			lw_http_defer_fn(r, detach, ch, WAIT_MS);
		return;
	}
	free(ch);
	if (rc == LW_ENOENT)
		not_found(r, k);
	else if (rc == LW_EEXIST)
		lw_http_reply_error(r, 409, "conflict", "%s", why);
	else if (rc == LW_EINVAL)
		lw_http_reply_error(r, 400, k->bad, "%s", why);
	else
		lw_http_reply_error(r, 503, "storage-busy", "%s", why[0] ? why : lw_strerror(rc));
}

void lw_http_keyed_put(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	change(r, k, 1);
}

void lw_http_keyed_delete(struct lw_http_req *r, const struct lw_http_keyed *k)
{
	change(r, k, 0);
}
