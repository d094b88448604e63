/*
 * http/clients.c: GET /api/v1/clients and /api/v1/clients/{ep}. A single
 * node answers from its registry. In a cluster each node holds the devices
 * whose datagrams reach it, so the answer adds the registrations other
 * nodes keep in the shared store (with "node" naming the holder): every
 * node shows the whole fleet.
 */
#include "http/http.h"

#include <civetweb.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "daemon.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"
#include "storage/service.h"

/* Registrations of other nodes read per call of the store, and at most. */
#define PAGE 1000
#define MAX_REMOTE 100000
#define WAIT_MS 30000

/* One client as the API shows it: the registry's fields plus endpoint, secure. */
static json_t *client_json(const struct lw_client *c)
{
	char *fields = lw_client_json_fields(c);
	if (!fields)
		return NULL;
	size_t n = strlen(fields) + 3;
	char *text = malloc(n);
	json_t *rest = NULL;
	if (text) {
		snprintf(text, n, "{%s}", fields);
		rest = json_loads(text, 0, NULL);
	}
	free(text);
	free(fields);
	json_t *o = rest ? json_pack("{s:s}", "endpoint", c->endpoint) : NULL;
	if (!o || json_object_update(o, rest) != 0) {
		json_decref(o);
		json_decref(rest);
		return NULL;
	}
	json_decref(rest);
	json_object_set_new(o, "secure",
	                    json_boolean(c->peer && c->peer->ep && c->peer->ep->secure));
	return o;
}

static const struct lw_store *cluster_store(const struct lw_http_req *r)
{
	const struct lw_storage_service *s = r->h->d->storage;
	return s && s->clustered && lw_cluster_enabled(&s->cluster) ? &s->store : NULL;
}

static const char *this_node(const struct lw_http_req *r)
{
	return r->h->d->storage->node;
}

/* A registration document (storage/persist.c) of another node as the API
 * shows a client; NULL when it is this node's, expired or unreadable. */
static json_t *doc_client(const struct lw_st_doc *doc, const char *self)
{
	json_t *d = json_loadb(doc->json, doc->json_len, 0, NULL);
	const char *node = d ? json_string_value(json_object_get(d, "node")) : NULL;
	double expires = d ? json_number_value(json_object_get(d, "expiresAt")) : 0;
	json_t *links = d ? json_object_get(d, "links") : NULL;
	if (!node || strcmp(node, self) == 0 || expires < (double)time(NULL) ||
	    !json_is_array(links)) {
		json_decref(d);
		return NULL;
	}
	json_t *objects = json_array();
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l) {
		char p[32];
		json_int_t oid = json_integer_value(json_array_get(l, 0));
		json_int_t iid = json_integer_value(json_array_get(l, 1));
		if (iid < 0)
			snprintf(p, sizeof(p), "/%lld", (long long)oid);
		else
			snprintf(p, sizeof(p), "/%lld/%lld", (long long)oid, (long long)iid);
		json_array_append_new(objects, json_string(p));
	}
	json_t *o = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o, s:b, s:s}",
	                      "endpoint", json_object_get(d, "endpoint"), "registrationId",
	                      json_object_get(d, "id"), "lwm2mVersion",
	                      json_object_get(d, "version"), "binding",
	                      json_object_get(d, "binding"), "lifetime",
	                      json_object_get(d, "lifetime"), "queueMode",
	                      json_object_get(d, "queue"), "address",
	                      json_object_get(d, "address"), "registeredAt",
	                      json_object_get(d, "registeredAt"), "lastSeen",
	                      json_object_get(d, "lastSeen"), "objects", objects, "secure", 0,
	                      "node", node);
	json_decref(d);
	return o;
}

static int by_endpoint(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;
	return strcmp(json_string_value(json_object_get(*x, "endpoint")),
	              json_string_value(json_object_get(*y, "endpoint")));
}

/* Sorts the array by endpoint and answers it. */
static void reply_sorted(struct lw_http_req *r, json_t *list)
{
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

/* A listing of the store under way; r is NULL once the caller gave up. */
struct listing {
	struct lw_http_req *r;
	const struct lw_store *st;
	json_t *list;
	char q[256], self[128];
	size_t seen;
};

static void listing_detach(struct lw_http *h, void *ctx)
{
	(void)h;
	((struct listing *)ctx)->r = NULL;
}

static void listing_end(struct listing *ls, int status)
{
	if (ls->r) {
		if (status)
			lw_http_reply_error(ls->r, 503, "storage-error", "the store failed: %s",
			                    lw_strerror(status));
		else
			reply_sorted(ls->r, json_incref(ls->list));
		lw_http_finish(ls->r);
	}
	json_decref(ls->list);
	free(ls);
}

static void on_page(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct listing *ls = arg;
	if (status || !ls->r) {
		listing_end(ls, status);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (ls->q[0] && !strstr(docs[i].key, ls->q))
			continue;
		json_t *o = doc_client(&docs[i], ls->self);
		if (o)
			json_array_append_new(ls->list, o);
	}
	ls->seen += n;
	if (n < PAGE || ls->seen >= MAX_REMOTE) {
		listing_end(ls, 0);
		return;
	}
	int rc = ls->st->ops->doc_list(ls->st->be, LW_ST_REGISTRATIONS, NULL, docs[n - 1].key,
	                               PAGE, on_page, ls);
	if (rc)
		listing_end(ls, rc);
}

void lw_http_clients_list(struct lw_http_req *r)
{
	struct lw_registry *reg = lw_server_registry(r->h->d);
	char q[256] = "";
	if (r->query && mg_get_var(r->query, strlen(r->query), "q", q, sizeof(q)) < -1) {
		lw_http_reply_error(r, 400, "bad-request", "the q parameter is too long");
		return;
	}
	json_t *list = json_array();
	for (size_t b = 0; list && reg && reg->by_ep.count && b <= reg->by_ep.mask; b++)
		for (struct lw_hnode *k = reg->by_ep.buckets[b]; k && list; k = k->next) {
			const struct lw_client *c = LW_CONTAINER_OF(k, struct lw_client, by_ep);
			if (q[0] && !strstr(c->endpoint, q))
				continue;
			json_t *o = client_json(c);
			if (!o || json_array_append_new(list, o) != 0) {
				json_decref(list);
				list = NULL;
			}
		}
	if (!list) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	const struct lw_store *st = cluster_store(r);
	struct listing *ls = st ? calloc(1, sizeof(*ls)) : NULL;
	if (!ls) {
		reply_sorted(r, list);
		return;
	}
	*ls = (struct listing){.r = r, .st = st, .list = list};
	snprintf(ls->q, sizeof(ls->q), "%s", q);
	snprintf(ls->self, sizeof(ls->self), "%s", this_node(r));
	int rc = st->ops->doc_list(st->be, LW_ST_REGISTRATIONS, NULL, NULL, PAGE, on_page, ls);
	if (rc) {
		/* The store is busy: this node's clients are still worth showing. */
		free(ls);
		reply_sorted(r, list);
		return;
	}
	lw_http_defer_fn(r, listing_detach, ls, WAIT_MS);
}

static void not_registered(struct lw_http_req *r)
{
	lw_http_reply_error(r, 404, "not-found", "no client named \"%s\" is registered",
	                    r->params[0]);
}

static void on_doc(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct listing *ls = arg;
	if (ls->r) {
		json_t *o = status == 0 && n == 1 ? doc_client(&docs[0], ls->self) : NULL;
		if (o)
			lw_http_reply_json(ls->r, 200, o);
		else if (status && status != LW_ENOENT)
			lw_http_reply_error(ls->r, 503, "storage-error", "the store failed: %s",
			                    lw_strerror(status));
		else
			not_registered(ls->r);
		lw_http_finish(ls->r);
	}
	free(ls);
}

void lw_http_client_get(struct lw_http_req *r)
{
	struct lw_registry *reg = lw_server_registry(r->h->d);
	const struct lw_client *c = reg ? lw_registry_find_ep(reg, r->params[0]) : NULL;
	if (c) {
		json_t *o = client_json(c);
		if (o)
			lw_http_reply_json(r, 200, o);
		else
			lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	const struct lw_store *st = cluster_store(r);
	struct listing *ls = st ? calloc(1, sizeof(*ls)) : NULL;
	if (!ls) {
		not_registered(r);
		return;
	}
	ls->r = r;
	snprintf(ls->self, sizeof(ls->self), "%s", this_node(r));
	if (st->ops->doc_get(st->be, LW_ST_REGISTRATIONS, r->params[0], on_doc, ls) != 0) {
		free(ls);
		not_registered(r);
		return;
	}
	lw_http_defer_fn(r, listing_detach, ls, WAIT_MS);
}
