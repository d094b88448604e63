/*
 * http/bootstrap.c: /api/v1/bootstrap, the bootstrap configurations
 * (lwm2m/bootstrap.h), through the keyed-document verbs of keyed.c: a PUT
 * or DELETE answers once the store has made the change (and the credential
 * it installs) durable. Secrets are never returned: the list and GET show
 * hints only.
 *
 * POST /api/v1/bootstrap/{ep}/start is server-initiated bootstrap as LwM2M
 * 1.1 has it: the server cannot push a bootstrap, it asks the device to ask,
 * by executing the Bootstrap-Request Trigger (/1/x/9) of the device's Server
 * object through the same operation path as any REST Execute
 * (lw_storage_submit). The device decides: one that does not allow it
 * answers 4.04 or 4.05, which becomes a 409 that says so.
 */
#include "http/http.h"

#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "lwm2m/bootstrap.h"
#include "lwm2m/error.h"
#include "lwm2m/ops.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"
#include "storage/service.h"

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

/* ---- server-initiated bootstrap ---- */

static void start_result(void *arg, const struct lw_op_result *res)
{
	struct lw_http_req *r = arg;
	char path[32], code[8];
	lw_path_format(&res->path, path, sizeof(path));
	snprintf(code, sizeof(code), "%u.%02u", (unsigned)(res->code >> 5),
	         (unsigned)(res->code & 31));
	switch (res->status) {
	case 0:
		break;
	case LW_ETIMEDOUT:
		lw_http_reply_error(r, 504, "timeout", "the device did not answer the Execute of "
		                    "%s in time", path);
		goto out;
	case LW_ENOENT:
		lw_http_reply_error(r, 404, "not-registered", "no client named \"%s\" is registered",
		                    res->endpoint);
		goto out;
	case LW_ENOSPC:
		lw_http_reply_error(r, 429, "queue-full", "the client's operation queue is full");
		goto out;
	case LW_EIO:
		lw_http_reply_error(r, 503, "unreachable", "the device cannot be reached: it must "
		                    "reconnect and Update");
		goto out;
	case LW_EPROTO:
		lw_http_reply_error(r, 502, "reset", "the device reset the Execute of %s", path);
		goto out;
	default:
		lw_http_reply_error(r, 500, "internal", "%s",
		                    res->message ? res->message : lw_strerror(res->status));
		goto out;
	}
	char msg[200];
	if (res->code == 0x84 || res->code == 0x85) { /* 4.04, 4.05 */
		snprintf(msg, sizeof(msg), "the device answered %s to Execute %s: it does not "
		         "allow server-initiated bootstrap", code, path);
		lw_http_reply_json(r, 409, json_pack("{s:s, s:s, s:s}", "error",
		                                     "bootstrap-not-allowed", "message", msg,
		                                     "status", code));
	} else if ((res->code >> 5) != 2) {
		snprintf(msg, sizeof(msg), "the device answered %s to Execute %s", code, path);
		lw_http_reply_json(r, (res->code >> 5) == 5 ? 502 : 400,
		                   json_pack("{s:s, s:s, s:s}", "error", "device-refused", "message",
		                             msg, "status", code));
	} else {
		lw_http_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:s}", "status", code,
		                                     "endpoint", res->endpoint, "path", path,
		                                     "message", "the device will send a "
		                                                "Bootstrap-Request"));
	}
out:
	lw_http_finish(r);
}

/* The device's Server instance for the trigger: the lowest /1/x it
 * registered (clients that talk to several servers list one each; any of
 * them may trigger, the bootstrap goes to the device's one bootstrap
 * server). */
static uint16_t server_instance(const struct lw_client *c)
{
	uint16_t iid = LW_ID_NONE;
	for (uint16_t i = 0; i < c->objects.n; i++) {
		const struct lw_reg_link *l = &c->objects.links[i];
		if (l->oid == 1 && l->iid != LW_ID_NONE && (iid == LW_ID_NONE || l->iid < iid))
			iid = l->iid;
	}
	return iid == LW_ID_NONE ? 0 : iid;
}

void lw_http_bootstrap_start(struct lw_http_req *r)
{
	struct lw_daemon *d = r->h->d;
	const char *ep = r->params[0];
	struct lw_bs_configs *cs = lw_bootstrap_configs(d);
	struct lw_registry *reg = lw_server_registry(d);
	struct lw_operations *ops = lw_server_ops(d);
	if (!cs || !reg || !ops) {
		lw_http_reply_error(r, 503, "unavailable", "%s",
		                    !cs ? "the bootstrap server is not running"
		                        : "the LwM2M server is not running");
		return;
	}
	const struct lw_client *c = lw_registry_find_ep(reg, ep);
	if (!c) {
		lw_http_reply_error(r, 404, "not-registered", "no client named \"%s\" is registered",
		                    ep);
		return;
	}
	if (!lw_bs_config_find(cs, ep)) {
		lw_http_reply_error(r, 409, "no-bootstrap-configuration",
		                    "\"%s\" has no bootstrap configuration: PUT /api/v1/bootstrap/%s "
		                    "first, or it would be refused when it asks", ep, ep);
		return;
	}
	if (c->ver_major == 1 && c->ver_minor == 0) {
		lw_http_reply_error(r, 409, "not-supported",
		                    "\"%s\" registered with LwM2M 1.0, which has no Bootstrap-Request "
		                    "Trigger (/1/x/9, LwM2M 1.1)", ep);
		return;
	}
	lw_path p = lw_path_make(3, 1, server_instance(c), 9, LW_ID_NONE);
	struct lw_op_request req = {.endpoint = ep, .kind = LW_OP_EXECUTE, .paths = &p,
	                            .n_paths = 1, .format = -1};
	int asleep = lw_ops_client_asleep(ops, c);
	uint64_t id = 0;
	if (lw_storage_submit(d, &req, start_result, r, &id) != 0)
		return; /* start_result already answered */
	if (asleep) {
		/* Queue mode: it goes out when the device wakes; the result
		 * comes on the event stream, as for any operation. */
		lw_storage_detach(d, id);
		lw_http_reply_json(r, 202, json_pack("{s:s, s:I}", "status", "queued", "id",
		                                     (json_int_t)id));
		return;
	}
	lw_http_defer(r, id, (int)LW_OP_DEFAULT_TIMEOUT_MS);
}
