/* storage/cluster.c: operations across the nodes of a cluster (see cluster.h). */
#include "storage/cluster.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/op_json.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"

/* Beyond the operation's own timeout: the other node's queue answers first. */
#define REMOTE_MARGIN_MS 5000

/* An operation this node asked of another (or is about to: while its
 * registration document is being read, node is empty). */
struct remote_op {
	struct lw_hnode node;
	struct lw_cluster *c;
	uint64_t rid;
	lw_op_cb cb; /* NULL once detached */
	void *arg;
	struct lw_timer timer;
	json_t *req; /* the request, until it is sent */
	char endpoint[LW_ST_KEY_MAX + 1];
	int kind;
	lw_path path;
};

/* An operation another node asked of this one, running here. */
struct served_op {
	struct lw_cluster *c;
	uint64_t rid;
	char from[128];
};

static uint64_t rid_hash(uint64_t rid)
{
	return lw_hash(&rid, sizeof(rid), 0x636c);
}

static struct remote_op *find(struct lw_cluster *c, uint64_t rid)
{
	uint64_t h = rid_hash(rid);
	for (struct lw_hnode *n = lw_htable_bucket(&c->pending, h); n; n = n->next) {
		struct remote_op *op = LW_CONTAINER_OF(n, struct remote_op, node);
		if (n->hash == h && op->rid == rid)
			return op;
	}
	return NULL;
}

/* Ends op with res (cb may be NULL: detached) and frees it. */
static void finish(struct remote_op *op, const struct lw_op_result *res)
{
	struct lw_cluster *c = op->c;
	lw_htable_remove(&c->pending, &op->node);
	lw_timer_cancel(&c->d->loop.timers, &op->timer);
	json_decref(op->req);
	if (op->cb)
		op->cb(op->arg, res);
	free(op);
}

/* Ends op with one of our statuses. */
static void fail(struct remote_op *op, int status, const char *why)
{
	struct lw_op_result res = {.id = op->rid, .kind = op->kind, .endpoint = op->endpoint,
	                           .path = op->path, .status = status, .content_format = -1,
	                           .message = why};
	finish(op, &res);
}

static void on_timeout(struct lw_timer *t, void *arg)
{
	(void)t;
	struct remote_op *op = arg;
	op->c->lost++;
	fail(op, LW_ETIMEDOUT, "the node holding the device did not answer in time");
}

static void on_sent(void *arg, int status)
{
	(void)arg;
	if (status)
		lw_log(LW_LOG_WARN, "cluster: a message could not be sent: %s", lw_strerror(status));
}

/* Sends j (stolen) to node: 0 or an LW_E* status. */
static int send_json(struct lw_cluster *c, const char *node, json_t *j)
{
	char *s = j ? lw_json_dumps(j, 0) : NULL;
	json_decref(j);
	if (!s)
		return LW_ENOMEM;
	size_t len = strlen(s);
	int rc = len > LW_ST_MSG_MAX ? LW_ERANGE
	                             : c->st->ops->node_send(c->st->be, node, s, len, on_sent, c);
	free(s);
	if (!rc)
		c->sent++;
	return rc;
}

/* The registration document says which node holds the device. */
struct lookup {
	struct lw_cluster *c;
	uint64_t rid;
};

static void on_registration(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct lookup lk = *(struct lookup *)arg;
	free(arg);
	/* The operation may have timed out meanwhile (detaching only clears
	 * its callback: it is still pending then). */
	struct remote_op *op = find(lk.c, lk.rid);
	if (!op)
		return;
	struct lw_cluster *c = lk.c;
	if (status || n != 1) {
		fail(op, status && status != LW_ENOENT ? status : LW_ENOENT,
		     status && status != LW_ENOENT ? "the store failed" : NULL);
		return;
	}
	json_t *doc = json_loadb(docs[0].json, docs[0].json_len, 0, NULL);
	const char *node = doc ? json_string_value(json_object_get(doc, "node")) : NULL;
	if (!node || !*node || strcmp(node, c->node) == 0) {
		/* Registered nowhere else: the document is stale. */
		json_decref(doc);
		fail(op, LW_ENOENT, NULL);
		return;
	}
	json_t *msg = json_pack("{s:s, s:s, s:I, s:O}", "t", "op", "from", c->node, "rid",
	                        (json_int_t)op->rid, "req", op->req);
	int rc = send_json(c, node, msg);
	json_decref(doc);
	if (rc)
		fail(op, rc, "the request could not be sent to the node holding the device");
}

int lw_cluster_submit(struct lw_cluster *c, const struct lw_op_request *req, lw_op_cb cb,
                      void *arg, uint64_t *id)
{
	struct lw_operations *ops = lw_server_ops(c->d);
	struct lw_registry *reg = lw_server_registry(c->d);
	if (!lw_cluster_enabled(c) || !reg || lw_registry_find_ep(reg, req->endpoint) ||
	    strlen(req->endpoint) > LW_ST_KEY_MAX)
		return lw_ops_submit(ops, req, cb, arg, id);
	struct remote_op *op = calloc(1, sizeof(*op));
	if (!op)
		return lw_ops_submit(ops, req, cb, arg, id);
	op->c = c;
	op->rid = LW_CLUSTER_ID_BIT | c->next_rid++;
	op->cb = cb;
	op->arg = arg;
	op->kind = req->kind;
	op->path = req->n_paths ? req->paths[0] : (lw_path){0};
	snprintf(op->endpoint, sizeof(op->endpoint), "%s", req->endpoint);
	op->req = lw_op_request_to_json(req);
	lw_timer_init(&op->timer, on_timeout, op);
	lw_htable_insert(&c->pending, &op->node, rid_hash(op->rid));
	if (id)
		*id = op->rid;
	uint32_t t = req->timeout_ms ? req->timeout_ms : LW_OP_DEFAULT_TIMEOUT_MS;
	int rc = op->req ? lw_timer_in(&c->d->loop.timers, &op->timer, t + REMOTE_MARGIN_MS)
	                 : LW_ENOMEM;
	struct lookup *lk = rc ? NULL : malloc(sizeof(*lk));
	if (!rc && !lk)
		rc = LW_ENOMEM;
	if (lk) {
		*lk = (struct lookup){c, op->rid};
		rc = c->st->ops->doc_get(c->st->be, LW_ST_REGISTRATIONS, req->endpoint,
		                         on_registration, lk);
		if (rc)
			free(lk);
	}
	if (rc) {
		fail(op, rc, "the store refused the look-up");
		return rc;
	}
	return 0;
}

void lw_cluster_detach(struct lw_cluster *c, uint64_t id)
{
	if (!(id & LW_CLUSTER_ID_BIT)) {
		struct lw_operations *ops = lw_server_ops(c->d);
		if (ops)
			lw_ops_detach(ops, id);
		return;
	}
	struct remote_op *op = find(c, id);
	if (op)
		op->cb = NULL;
}

/* ---- the serving side ---- */

static void on_served(void *arg, const struct lw_op_result *res)
{
	struct served_op *s = arg;
	struct lw_cluster *c = s->c;
	json_t *r = lw_op_result_to_json(res, 1);
	json_t *msg = r ? json_pack("{s:s, s:I, s:o}", "t", "result", "rid", (json_int_t)s->rid,
	                            "res", r)
	                : NULL;
	int rc = send_json(c, s->from, msg);
	if (rc == LW_ERANGE) {
		/* Too big for a message: through the store. */
		char key[200];
		snprintf(key, sizeof(key), "result\n%s\n%llu", s->from, (unsigned long long)s->rid);
		char *doc = (r = lw_op_result_to_json(res, 1)) ? lw_json_dumps(r, 0) : NULL;
		json_decref(r);
		rc = doc ? c->st->ops->doc_put(c->st->be, LW_ST_OPERATIONS, key, NULL, doc,
		                               strlen(doc), on_sent, c)
		         : LW_ENOMEM;
		free(doc);
		if (!rc)
			rc = send_json(c, s->from,
			               json_pack("{s:s, s:I, s:s}", "t", "result-ref", "rid",
			                         (json_int_t)s->rid, "key", key));
	}
	if (rc)
		lw_log(LW_LOG_WARN, "cluster: the result for node %s was lost: %s", s->from,
		       lw_strerror(rc));
	else
		c->answered++;
	free(s);
}

static void serve(struct lw_cluster *c, json_t *msg)
{
	const char *from = json_string_value(json_object_get(msg, "from"));
	json_int_t rid = json_integer_value(json_object_get(msg, "rid"));
	struct lw_op_saved saved;
	char err[200];
	if (!from || strlen(from) >= sizeof(((struct served_op *)0)->from) ||
	    lw_op_request_from_json(json_object_get(msg, "req"), &saved, err, sizeof(err)) != 0) {
		lw_log(LW_LOG_WARN, "cluster: a malformed request was dropped");
		lw_op_saved_free(&saved);
		return;
	}
	struct served_op *s = calloc(1, sizeof(*s));
	if (s) {
		s->c = c;
		s->rid = (uint64_t)rid;
		snprintf(s->from, sizeof(s->from), "%s", from);
		/* The result (even "not registered") goes back through on_served. */
		lw_ops_submit(lw_server_ops(c->d), &saved.req, on_served, s, NULL);
	}
	lw_op_saved_free(&saved);
}

/* ---- results coming back ---- */

static void deliver(struct lw_cluster *c, uint64_t rid, const json_t *res)
{
	struct remote_op *op = find(c, rid);
	if (!op)
		return; /* timed out meanwhile */
	struct lw_op_result_saved saved;
	if (lw_op_result_from_json(res, &saved) != 0) {
		lw_op_result_saved_free(&saved);
		fail(op, LW_EPROTO, "the node holding the device sent a malformed result");
		return;
	}
	/* The caller knows the operation by our id, not the other node's. */
	saved.res.id = rid;
	finish(op, &saved.res);
	lw_op_result_saved_free(&saved);
}

struct result_ref {
	struct lw_cluster *c;
	uint64_t rid;
	char key[200];
};

static void on_result_doc(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct result_ref *ref = arg;
	struct lw_cluster *c = ref->c;
	json_t *res = status == 0 && n == 1 ? json_loadb(docs[0].json, docs[0].json_len, 0, NULL)
	                                    : NULL;
	if (res) {
		deliver(c, ref->rid, res);
		c->st->ops->doc_del(c->st->be, LW_ST_OPERATIONS, ref->key, on_sent, c);
	} else {
		struct remote_op *op = find(c, ref->rid);
		if (op)
			fail(op, LW_EIO, "the result could not be read from the store");
	}
	json_decref(res);
	free(ref);
}

void lw_cluster_on_message(void *ctx, const char *text, size_t len)
{
	struct lw_cluster *c = ctx;
	c->received++;
	json_t *msg = json_loadb(text, len, 0, NULL);
	const char *t = msg ? json_string_value(json_object_get(msg, "t")) : NULL;
	json_int_t rid = msg ? json_integer_value(json_object_get(msg, "rid")) : 0;
	if (t && strcmp(t, "op") == 0) {
		serve(c, msg);
	} else if (t && strcmp(t, "result") == 0) {
		deliver(c, (uint64_t)rid, json_object_get(msg, "res"));
	} else if (t && strcmp(t, "result-ref") == 0) {
		const char *key = json_string_value(json_object_get(msg, "key"));
		struct result_ref *ref = key ? calloc(1, sizeof(*ref)) : NULL;
		if (ref) {
			ref->c = c;
			ref->rid = (uint64_t)rid;
			snprintf(ref->key, sizeof(ref->key), "%s", key);
			if (c->st->ops->doc_get(c->st->be, LW_ST_OPERATIONS, key, on_result_doc, ref)) {
				free(ref);
				struct remote_op *op = find(c, (uint64_t)rid);
				if (op)
					fail(op, LW_EAGAIN, "the store is busy");
			}
		}
	} else {
		lw_log(LW_LOG_WARN, "cluster: a malformed message was dropped");
	}
	json_decref(msg);
}

int lw_cluster_init(struct lw_cluster *c, struct lw_daemon *d, const struct lw_store *st,
                    const char *node)
{
	memset(c, 0, sizeof(*c));
	c->d = d;
	c->st = st;
	c->next_rid = 1;
	snprintf(c->node, sizeof(c->node), "%s", node);
	return lw_htable_init(&c->pending, 16) ? LW_ENOMEM : 0;
}

int lw_cluster_enabled(const struct lw_cluster *c)
{
	return c->st && c->st->ops && c->st->ops->node_send && c->node[0];
}

void lw_cluster_free(struct lw_cluster *c)
{
	for (size_t b = 0; c->pending.buckets && b <= c->pending.mask; b++)
		while (c->pending.buckets[b])
			fail(LW_CONTAINER_OF(c->pending.buckets[b], struct remote_op, node),
			     LW_ECANCELED, "the server is stopping");
	lw_htable_free(&c->pending);
}
