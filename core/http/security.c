/*
 * http/security.c: /api/v1/security, the endpoints' credentials
 * (security/credentials.h). A PUT or DELETE answers once the store has made
 * the change durable, so that a 200 means a restart keeps it.
 */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "lwm2m/error.h"
#include "security/credentials.h"

#define WAIT_MS 30000

static struct lw_credentials *creds_of(struct lw_http_req *r)
{
	struct lw_credentials *cs = r->h->d->creds;
	if (!cs)
		lw_http_reply_error(r, 503, "unavailable", "the daemon is not running");
	return cs;
}

static int by_endpoint(const void *a, const void *b)
{
	const struct lw_credential *const *x = a, *const *y = b;
	return strcmp((*x)->endpoint, (*y)->endpoint);
}

void lw_http_security_list(struct lw_http_req *r)
{
	struct lw_credentials *cs = creds_of(r);
	if (!cs)
		return;
	const struct lw_credential **v = malloc((cs->count ? cs->count : 1) * sizeof(*v));
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
			v[n++] = LW_CONTAINER_OF(k, struct lw_credential, by_ep);
	if (n > 1)
		qsort(v, n, sizeof(*v), by_endpoint);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, lw_credential_json(v[i]));
	free(v);
	lw_http_reply_json(r, 200, list);
}

static void not_found(struct lw_http_req *r)
{
	lw_http_reply_error(r, 404, "not-found", "no credential for endpoint \"%s\"",
	                    r->params[0]);
}

void lw_http_security_get(struct lw_http_req *r)
{
	struct lw_credentials *cs = creds_of(r);
	if (!cs)
		return;
	const struct lw_credential *c = lw_credentials_by_endpoint(cs, r->params[0]);
	if (!c) {
		not_found(r);
		return;
	}
	lw_http_reply_json(r, 200, lw_credential_json(c));
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
		const struct lw_credential *c =
			ch->put ? lw_credentials_by_endpoint(r->h->d->creds, ch->endpoint) : NULL;
		if (status)
			lw_http_reply_error(r, 503, "storage-error",
			                    "the change is in force but the store failed to keep "
			                    "it: %s", lw_strerror(status));
		else if (c)
			lw_http_reply_json(r, 200, lw_credential_json(c));
		else
			lw_http_reply_text(r, 204, "application/json", NULL, 0);
		lw_http_finish(r);
	}
	free(ch);
}

static void change(struct lw_http_req *r, int put)
{
	struct lw_credentials *cs = creds_of(r);
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
	char why[200] = "";
	int rc = put ? lw_credentials_put(cs, r->params[0], r->body, why, sizeof(why), on_durable,
	                                  ch)
	             : lw_credentials_del(cs, r->params[0], on_durable, ch);
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
		lw_http_reply_error(r, 400, "bad-credential", "%s", why);
	else
		lw_http_reply_error(r, 503, "storage-busy", "%s", why[0] ? why : lw_strerror(rc));
}

void lw_http_security_put(struct lw_http_req *r)
{
	change(r, 1);
}

void lw_http_security_delete(struct lw_http_req *r)
{
	change(r, 0);
}
