/*
 * http/bootstrap.c: /api/v1/bootstrap, the bootstrap configurations
 * (lwm2m/bootstrap.h), through the keyed-document verbs of keyed.c: a PUT
 * or DELETE answers once the store has made the change (and the credential
 * it installs) durable. Secrets are never returned: the list and GET show
 * hints only.
 */
#include "http/http.h"

#include "daemon.h"
#include "lwm2m/bootstrap.h"

static void *table(struct lw_daemon *d)
{
	return lw_bootstrap_configs(d);
}

static void each(void *t, void (*add)(void *ctx, json_t *item), void *ctx)
{
	const struct lw_bs_configs *cs = t;
	for (size_t b = 0; cs->by_ep.count && b <= cs->by_ep.mask; b++)
		for (struct lw_hnode *k = cs->by_ep.buckets[b]; k; k = k->next)
			add(ctx, lw_bs_config_json(LW_CONTAINER_OF(k, struct lw_bs_config, node)));
}

static json_t *describe(void *t, const char *endpoint)
{
	const struct lw_bs_config *c = lw_bs_config_find(t, endpoint);
	return c ? lw_bs_config_json(c) : NULL;
}

static int put(void *t, const char *endpoint, const json_t *body, char *why, size_t whylen,
               void (*done)(void *arg, int status), void *arg)
{
	return lw_bs_config_put(t, endpoint, body, why, whylen, done, arg);
}

static int del(void *t, const char *endpoint, void (*done)(void *arg, int status), void *arg)
{
	return lw_bs_config_del(t, endpoint, done, arg);
}

static const struct lw_http_keyed configs = {
	.what = "bootstrap configuration",
	.bad = "bad-configuration",
	.unavailable = "the bootstrap server is not running",
	.table = table,
	.each = each,
	.describe = describe,
	.put = put,
	.del = del,
};

void lw_http_bootstrap_list(struct lw_http_req *r)
{
	lw_http_keyed_list(r, &configs);
}

void lw_http_bootstrap_get(struct lw_http_req *r)
{
	lw_http_keyed_get(r, &configs);
}

void lw_http_bootstrap_put(struct lw_http_req *r)
{
	lw_http_keyed_put(r, &configs);
}

void lw_http_bootstrap_delete(struct lw_http_req *r)
{
	lw_http_keyed_delete(r, &configs);
}
