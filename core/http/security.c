/*
 * http/security.c: /api/v1/security, the endpoints' credentials
 * (security/credentials.h), through the keyed-document verbs of keyed.c: a
 * PUT or DELETE answers once the store has made the change durable, so that
 * a 200 means a restart keeps it. Keys are never returned.
 */
#include "http/http.h"

#include "daemon.h"
#include "security/credentials.h"

static void *table(struct lw_daemon *d)
{
	return d->creds;
}

static void each(void *t, void (*add)(void *ctx, json_t *item), void *ctx)
{
	const struct lw_credentials *cs = t;
	for (size_t b = 0; cs->by_ep.count && b <= cs->by_ep.mask; b++)
		for (struct lw_hnode *k = cs->by_ep.buckets[b]; k; k = k->next)
			add(ctx, lw_credential_json(LW_CONTAINER_OF(k, struct lw_credential, by_ep)));
}

static json_t *describe(void *t, const char *endpoint)
{
	const struct lw_credential *c = lw_credentials_by_endpoint(t, endpoint);
	return c ? lw_credential_json(c) : NULL;
}

static int put(void *t, const char *endpoint, const json_t *body, char *why, size_t whylen,
               void (*done)(void *arg, int status), void *arg)
{
	return lw_credentials_put(t, endpoint, body, why, whylen, done, arg);
}

static int del(void *t, const char *endpoint, void (*done)(void *arg, int status), void *arg)
{
	return lw_credentials_del(t, endpoint, done, arg);
}

static const struct lw_http_keyed credentials = {
	.what = "credential",
	.bad = "bad-credential",
	.unavailable = "the daemon is not running",
	.table = table,
	.each = each,
	.describe = describe,
	.put = put,
	.del = del,
};

void lw_http_security_list(struct lw_http_req *r)
{
	lw_http_keyed_list(r, &credentials);
}

void lw_http_security_get(struct lw_http_req *r)
{
	lw_http_keyed_get(r, &credentials);
}

void lw_http_security_put(struct lw_http_req *r)
{
	lw_http_keyed_put(r, &credentials);
}

void lw_http_security_delete(struct lw_http_req *r)
{
	lw_http_keyed_delete(r, &credentials);
}
