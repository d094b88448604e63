/*
 * http/bootstrap.c: /api/v1/bootstrap, the bootstrap configurations
 * (lwm2m/bootstrap.h). Shaped like /api/v1/security: a PUT or DELETE answers
 * once the store has made the change (and the credential it installs)
 * durable, so that a 200 means a restart keeps it. Secrets are never
 * returned: the list and GET show hints only.
 */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "lwm2m/bootstrap.h"
#include "lwm2m/error.h"

#define WAIT_MS 30000

static struct lw_bs_configs *configs_of(struct lw_http_req *r)
{
	struct lw_bs_configs *cs = lw_bootstrap_configs(r->h->d);
	if (!cs)
		lw_http_reply_error(r, 503, "unavailable", "the bootstrap server is not running");
	return cs;
}

static int by_endpoint(const void *a, const void *b)
{
	const struct lw_bs_config *const *x = a, *const *y = b;
	return strcmp((*x)->endpoint, (*y)->endpoint);
}

void lw_http_bootstrap_list(struct lw_http_req *r)
{
	struct lw_bs_configs *cs = configs_of(r);
	if (!cs)
		return;
	const struct lw_bs_config **v = malloc((cs->count ? cs->count : 1) * sizeof(*v));
	json_t *list = json_array();
	if (!v || !list) {
		free(v);
		json_decref(list);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	size_t n = 0;
	for (size_t b = 0; cs->by_ep.count && b <= cs->by_ep.mask; b++)
		for (struct lw_hnode *k = cs->by_ep.buckets[b]; k; k = k->next)
			v[n++] = LW_CONTAINER_OF(k, struct lw_bs_config, node);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_endpoint);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, lw_bs_config_json(v[i]));
	free(v);
	lw_http_reply_json(r, 200, list);
}

static void not_found(struct lw_http_req *r)
{
	lw_http_reply_error(r, 404, "not-found", "no bootstrap configuration for endpoint \"%s\"",
	                    r->params[0]);
}

void lw_http_bootstrap_get(struct lw_http_req *r)
{
	struct lw_bs_configs *cs = configs_of(r);
	if (!cs)
		return;
	const struct lw_bs_config *c = lw_bs_config_find(cs, r->params[0]);
	if (!c) {
		not_found(r);
		return;
	}
	lw_http_reply_json(r, 200, lw_bs_config_json(c));
}

/* A change waiting for the store; r is NULL once the caller gave up. */
struct change {
	struct lw_http_req *r;
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
		struct lw_bs_configs *cs = lw_bootstrap_configs(r->h->d);
		const struct lw_bs_config *c =
			ch->put && cs ? lw_bs_config_find(cs, ch->endpoint) : NULL;
		if (status)
			lw_http_reply_error(r, 503, "storage-error",
			                    "the change is in force but the store failed to keep "
			                    "it: %s", lw_strerror(status));
		else if (c)
			lw_http_reply_json(r, 200, lw_bs_config_json(c));
		else
			lw_http_reply_text(r, 204, "application/json", NULL, 0);
		lw_http_finish(r);
	}
	free(ch);
}

static void change(struct lw_http_req *r, int put)
{
	struct lw_bs_configs *cs = configs_of(r);
	if (!cs)
		return;
	struct change *ch = calloc(1, sizeof(*ch));
	if (!ch) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	ch->r = r;
	ch->put = put;
	snprintf(ch->endpoint, sizeof(ch->endpoint), "%s", r->params[0]);
	char why[300] = "";
	int rc = put ? lw_bs_config_put(cs, r->params[0], r->body, why, sizeof(why), on_durable, ch)
	             : lw_bs_config_del(cs, r->params[0], on_durable, ch);
	if (rc == 0) {
		/* on_durable may have run already (no store): then r is answered. */
		if (!r->out && r->status == 0)
			lw_http_defer_fn(r, detach, ch, WAIT_MS);
		return;
	}
	free(ch);
	if (rc == LW_ENOENT)
		not_found(r);
	else if (rc == LW_EEXIST)
		lw_http_reply_error(r, 409, "conflict", "%s", why);
	else if (rc == LW_EINVAL)
		lw_http_reply_error(r, 400, "bad-configuration", "%s", why);
	else
		lw_http_reply_error(r, 503, "storage-busy", "%s", why[0] ? why : lw_strerror(rc));
}

void lw_http_bootstrap_put(struct lw_http_req *r)
{
	change(r, 1);
}

void lw_http_bootstrap_delete(struct lw_http_req *r)
{
	change(r, 0);
}
