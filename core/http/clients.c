/*
 * http/clients.c: GET /api/v1/clients and /api/v1/clients/{ep}. A single
 * node answers from its registry. In a cluster each node holds the devices
 * whose datagrams reach it, so the answer adds the registrations other
 * nodes keep in the shared store (with "node" naming the holder): every
 * node shows the whole fleet. Each client has a status: online, asleep
 * (queue mode, silent past [coap] queue_awake) or offline (gone: expired or
 * de-registered, remembered by this node's registry); ?count=status counts
 * them without sending a row, for the console's fleet overview.
 */
#include "http/http.h"

#include <civetweb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/engine.h"
#include "config.h"
#include "daemon.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"
#include "storage/service.h"

/* Registrations of other nodes read per call of the store, and at most. */
#define PAGE 1000
#define MAX_REMOTE 100000
#define WAIT_MS 30000

/* The registry's JSON members (text) with endpoint first, as an object. */
static json_t *fields_json(const char *endpoint, char *fields)
{
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
	json_t *o = rest ? json_pack("{s:s}", "endpoint", endpoint) : NULL;
	if (!o || json_object_update(o, rest) != 0) {
		json_decref(o);
		json_decref(rest);
		return NULL;
	}
	json_decref(rest);
	return o;
}

/* The same rule as the operation queue (lw_ops_client_asleep): a queue-mode
 * client is asleep once silent for the awake time. */
static const char *status_of(int queue, int64_t last_seen, int64_t now, int64_t awake_s)
{
	return queue && now - last_seen >= awake_s ? "asleep" : "online";
}

/* One client as the API shows it: the registry's fields plus endpoint,
 * secure and status. */
static json_t *client_json(const struct lw_client *c, int64_t now, int64_t awake_s)
{
	json_t *o = fields_json(c->endpoint, lw_client_json_fields(c));
	if (!o)
		return NULL;
	json_object_set_new(o, "secure",
	                    json_boolean(c->peer && c->peer->ep && c->peer->ep->secure));
	json_object_set_new(o, "status",
	                    json_string(status_of(c->queue_mode, c->last_seen, now, awake_s)));
	return o;
}

/* An offline client as the API shows it. */
static json_t *gone_json(const struct lw_gone *g)
{
	json_t *o = fields_json(g->endpoint, lw_gone_json_fields(g));
	if (!o)
		return NULL;
	json_object_set_new(o, "secure", json_false());
	json_object_set_new(o, "status", json_string("offline"));
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
 * shows a client; NULL when it is this node's, expired or unreadable. Its
 * status is computed as for ours; the store has no firmware version. */
static json_t *doc_client(const struct lw_st_doc *doc, const char *self, int64_t awake_s)
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
	if (o)
		json_object_set_new(
			o, "status",
			json_string(status_of(json_is_true(json_object_get(o, "queueMode")),
		                              json_integer_value(json_object_get(o, "lastSeen")),
		                              (int64_t)time(NULL), awake_s)));
	return o;
}

/*
 * What a listing shows: the filters (q, object, firmware, status), the order
 * and the page. A console with 100,000 devices asks for one page at a time,
 * so the registry's clients are filtered and sorted as pointers and only the
 * page is turned into JSON; limit 0 means all (the answer of old callers).
 * Without a status, or with "any", the list holds the registered clients
 * (online and asleep); offline ones only come with status=offline.
 */
enum { SORT_ENDPOINT, SORT_LAST_SEEN, SORT_REGISTERED_AT };
enum { ST_ANY, ST_ONLINE, ST_ASLEEP, ST_OFFLINE };

struct sel {
	char q[256];
	char firmware[LW_REG_FIRMWARE_MAX * 2 + 1]; /* "": any */
	long object; /* -1: any */
	int status, sort, desc, count;
	size_t offset, limit;
	int64_t now, awake_s;
	size_t offline; /* count=status: the offline clients that matched */
};

static int parse_size(struct lw_http_req *r, const char *name, size_t *out)
{
	char v[32];
	int f = lw_http_qvar(r, name, v, sizeof(v));
	if (f == 0)
		return 0;
	char *end;
	unsigned long long x = f > 0 && v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (f < 0 || !(v[0] >= '0' && v[0] <= '9') || *end || x > 100000000ULL) {
		lw_http_reply_error(r, 400, "bad-request", "%s must be a number from 0 to 100000000",
		                    name);
		return -1;
	}
	*out = (size_t)x;
	return 0;
}

/* The query into s: 0, or -1 after answering 400. */
static int parse_sel(struct lw_http_req *r, struct sel *s)
{
	*s = (struct sel){.object = -1, .now = time(NULL),
	                  .awake_s = r->h->d->cfg->coap_queue_awake};
	char v[32];
	if (lw_http_qvar(r, "q", s->q, sizeof(s->q)) < 0) {
		lw_http_reply_error(r, 400, "bad-request", "the q parameter is too long");
		return -1;
	}
	if (parse_size(r, "offset", &s->offset) || parse_size(r, "limit", &s->limit))
		return -1;
	int f = lw_http_qvar(r, "sort", v, sizeof(v));
	if (f && strcmp(v, "endpoint") == 0)
		s->sort = SORT_ENDPOINT;
	else if (f && strcmp(v, "lastSeen") == 0)
		s->sort = SORT_LAST_SEEN;
	else if (f && strcmp(v, "registeredAt") == 0)
		s->sort = SORT_REGISTERED_AT;
	else if (f) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "sort must be endpoint, lastSeen or registeredAt");
		return -1;
	}
	f = lw_http_qvar(r, "order", v, sizeof(v));
	if (f && (strcmp(v, "asc") == 0 || strcmp(v, "desc") == 0))
		s->desc = v[0] == 'd';
	else if (f) {
		lw_http_reply_error(r, 400, "bad-request", "order must be asc or desc");
		return -1;
	}
	f = lw_http_qvar(r, "status", v, sizeof(v));
	if (f && strcmp(v, "online") == 0)
		s->status = ST_ONLINE;
	else if (f && strcmp(v, "asleep") == 0)
		s->status = ST_ASLEEP;
	else if (f && strcmp(v, "offline") == 0)
		s->status = ST_OFFLINE;
	else if (f && strcmp(v, "any") != 0 && v[0]) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "status must be online, asleep, offline or any");
		return -1;
	}
	if (lw_http_qvar(r, "firmware", s->firmware, sizeof(s->firmware)) < 0) {
		lw_http_reply_error(r, 400, "bad-request", "the firmware parameter is too long");
		return -1;
	}
	f = lw_http_qvar(r, "count", v, sizeof(v));
	if (f && strcmp(v, "status") == 0) {
		s->count = 1;
		s->status = ST_ANY; /* every status is counted */
	} else if (f) {
		lw_http_reply_error(r, 400, "bad-request", "count must be status");
		return -1;
	}
	f = lw_http_qvar(r, "object", v, sizeof(v));
	if (f && v[0]) {
		char *end;
		long o = strtol(v[0] == '/' ? v + 1 : v, &end, 10);
		if (*end || o < 0 || o > 65535 || end == (v[0] == '/' ? v + 1 : v)) {
			lw_http_reply_error(r, 400, "bad-request", "object must be an object id");
			return -1;
		}
		s->object = o;
	}
	return 0;
}

/* Queue-mode clients not heard from for longer than the awake time sleep. */
static int sel_status_ok(const struct sel *s, int queue, int64_t last_seen)
{
	int asleep = queue && s->now - last_seen >= s->awake_s;
	return s->status == ST_ANY || (s->status == ST_ASLEEP) == asleep;
}

/* The filters but status, on what a registered or offline client has. */
static int sel_match(const struct sel *s, const char *ep, const struct lw_reg_objects *o,
                     const char *firmware)
{
	if (s->q[0] && !strstr(ep, s->q))
		return 0;
	if (s->firmware[0] && (!firmware || strcmp(firmware, s->firmware) != 0))
		return 0;
	if (s->object < 0)
		return 1;
	for (uint16_t i = 0; i < o->n; i++)
		if (o->links[i].oid == s->object)
			return 1;
	return 0;
}

static int client_ok(const struct sel *s, const struct lw_client *c)
{
	return s->status != ST_OFFLINE && sel_status_ok(s, c->queue_mode, c->last_seen) &&
	       sel_match(s, c->endpoint, &c->objects, c->firmware);
}

/* The same test on a client as JSON (other nodes' registrations: the store
 * knows no firmware version, so a firmware filter leaves them out). */
static int json_ok(const struct sel *s, const json_t *o)
{
	if (s->status == ST_OFFLINE || s->firmware[0])
		return 0;
	if (!sel_status_ok(s, json_is_true(json_object_get(o, "queueMode")),
	                   json_integer_value(json_object_get(o, "lastSeen"))))
		return 0;
	if (s->object < 0)
		return 1;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(o, "objects"), i, p) {
		const char *t = json_string_value(p);
		if (t && t[0] == '/' && strtol(t + 1, NULL, 10) == s->object)
			return 1;
	}
	return 0;
}

static int cmp_keys(const struct sel *s, int64_t a, int64_t b, const char *ea, const char *eb)
{
	int c = s->sort == SORT_ENDPOINT || a == b ? strcmp(ea, eb) : (a < b ? -1 : 1);
	return s->desc ? -c : c;
}

/*
 * A row of a listing: a struct lw_client *, or a struct lw_gone * with bit 0
 * set (both come from malloc, so bit 0 is free). One pointer a row keeps the
 * sort of 100,000 rows as cheap as before offline clients existed.
 */
typedef uintptr_t row;
#define ROW_GONE ((uintptr_t)1)

static inline const struct lw_gone *row_gone(row x)
{
	return x & ROW_GONE ? (const struct lw_gone *)(x & ~ROW_GONE) : NULL;
}

static inline int64_t row_key(row x, int sort)
{
	const struct lw_gone *g = row_gone(x);
	if (g)
		return sort == SORT_LAST_SEEN ? g->last_seen : g->registered_at;
	const struct lw_client *c = (const struct lw_client *)x;
	return sort == SORT_LAST_SEEN ? c->last_seen : c->registered_at;
}

static inline const char *row_ep(row x)
{
	const struct lw_gone *g = row_gone(x);
	return g ? g->endpoint : ((const struct lw_client *)x)->endpoint;
}

static int by_client(const void *a, const void *b, void *arg)
{
	const struct sel *s = arg;
	row x = *(const row *)a, y = *(const row *)b;
	if (s->sort == SORT_ENDPOINT)
		return cmp_keys(s, 0, 0, row_ep(x), row_ep(y));
	return cmp_keys(s, row_key(x, s->sort), row_key(y, s->sort), row_ep(x), row_ep(y));
}

/* Under v[i] in the max-heap v[0..k) (the worst of the kept on top). */
static void sift_down(row *v, size_t k, size_t i, const struct sel *s)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		if (l < k && by_client(&v[l], &v[top], (void *)s) > 0)
			top = l;
		if (r < k && by_client(&v[r], &v[top], (void *)s) > 0)
			top = r;
		if (top == i)
			return;
		row t = v[i];
		v[i] = v[top];
		v[top] = t;
		i = top;
	}
}

/*
 * The first k of v[0..n) in order, into v[0..k). A page near the start of
 * a big fleet (the first page, a count with limit 1, the newest 1,000) needs
 * only those: a heap of k costs n log k instead of n log n.
 */
static void sort_first(row *v, size_t n, size_t k, const struct sel *s)
{
	if (k < n && k <= n / 8) {
		for (size_t i = k / 2; i-- > 0;)
			sift_down(v, k, i, s);
		for (size_t i = k; i < n; i++)
			if (by_client(&v[i], &v[0], (void *)s) < 0) {
				v[0] = v[i];
				sift_down(v, k, 0, s);
			}
		n = k;
	}
	if (n > 1)
		qsort_r(v, n, sizeof(*v), by_client, (void *)s);
}

static int by_json(const void *a, const void *b, void *arg)
{
	const struct sel *s = arg;
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	const char *key = s->sort == SORT_LAST_SEEN ? "lastSeen" : "registeredAt";
	return cmp_keys(s, json_integer_value(json_object_get(x, key)),
	                json_integer_value(json_object_get(y, key)),
	                json_string_value(json_object_get(x, "endpoint")),
	                json_string_value(json_object_get(y, "endpoint")));
}

static void set_total(struct lw_http_req *r, size_t total)
{
	snprintf(r->hdrs, sizeof(r->hdrs), "X-Total-Count: %zu\r\n", total);
}

/* count=status: {"online", "asleep", "offline", "registered"}. */
static void reply_counts(struct lw_http_req *r, size_t online, size_t asleep,
                         const struct sel *s)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "online", (json_int_t)online, "asleep",
	                      (json_int_t)asleep, "offline", (json_int_t)s->offline,
	                      "registered", (json_int_t)(online + asleep));
	if (o)
		lw_http_reply_json(r, 200, o);
	else
		lw_http_reply_error(r, 500, "internal", "out of memory");
}

/* Sorts the array, keeps the page and answers it (or its counts). */
static void reply_sorted(struct lw_http_req *r, json_t *list, const struct sel *s)
{
	if (s->count) {
		size_t asleep = 0, i;
		json_t *x;
		json_array_foreach(list, i, x) {
			const char *st = json_string_value(json_object_get(x, "status"));
			asleep += st && strcmp(st, "asleep") == 0;
		}
		size_t n = json_array_size(list);
		json_decref(list);
		reply_counts(r, n - asleep, asleep, s);
		return;
	}
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
		qsort_r(v, n, sizeof(*v), by_json, (void *)s);
	json_array_clear(list);
	size_t end = s->limit && s->limit < n - (s->offset < n ? s->offset : n)
	                     ? s->offset + s->limit
	                     : n;
	for (size_t i = 0; i < n; i++) {
		if (i >= s->offset && i < end)
			json_array_append(list, v[i]);
		json_decref(v[i]);
	}
	free(v);
	set_total(r, n);
	lw_http_reply_json(r, 200, list);
}

/* A listing of the store under way; r is NULL once the caller gave up. */
struct listing {
	struct lw_http_req *r;
	const struct lw_store *st;
	json_t *list;
	struct sel sel;
	char self[128];
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
			reply_sorted(ls->r, json_incref(ls->list), &ls->sel);
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
		if (ls->sel.q[0] && !strstr(docs[i].key, ls->sel.q))
			continue;
		json_t *o = doc_client(&docs[i], ls->self, ls->sel.awake_s);
		if (o && json_ok(&ls->sel, o))
			json_array_append_new(ls->list, o);
		else
			json_decref(o);
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

/* JSON of rows v[from, to) appended to list: 0, or -1 out of memory. */
static int append_clients(json_t *list, const row *v, size_t from, size_t to,
                          const struct sel *s)
{
	for (size_t i = from; i < to; i++) {
		const struct lw_gone *g = row_gone(v[i]);
		json_t *o = g ? gone_json(g)
		              : client_json((const struct lw_client *)v[i], s->now, s->awake_s);
		if (!o || json_array_append_new(list, o) != 0)
			return -1;
	}
	return 0;
}

/* count=status on one node: a pass over the registry, nothing allocated. */
static void count_local(struct lw_http_req *r, struct lw_registry *reg, const struct sel *s)
{
	size_t online = 0, asleep = 0;
	for (size_t b = 0; reg && b <= reg->by_ep.mask; b++)
		for (struct lw_hnode *k = reg->by_ep.buckets[b]; k; k = k->next) {
			const struct lw_client *c = LW_CONTAINER_OF(k, struct lw_client, by_ep);
			if (!sel_match(s, c->endpoint, &c->objects, c->firmware))
				continue;
			if (c->queue_mode && s->now - c->last_seen >= s->awake_s)
				asleep++;
			else
				online++;
		}
	reply_counts(r, online, asleep, s);
}

void lw_http_clients_list(struct lw_http_req *r)
{
	struct lw_registry *reg = lw_server_registry(r->h->d);
	struct sel s;
	if (parse_sel(r, &s) != 0)
		return;
	if (reg)
		lw_registry_gone_purge(reg);
	const struct lw_store *st = cluster_store(r);
	if (s.count && reg)
		for (const struct lw_gone *g = reg->gone_oldest; g; g = g->newer)
			s.offline += sel_match(&s, g->endpoint, &g->objects, g->firmware);
	if (s.count && !st) {
		count_local(r, reg, &s);
		return;
	}
	int gone = s.status == ST_OFFLINE;
	size_t cap = !reg ? 0 : gone ? reg->gone_count : reg->by_ep.count, n = 0;
	row *v = cap ? malloc(cap * sizeof(*v)) : NULL;
	if (cap && !v) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	for (const struct lw_gone *g = gone && reg ? reg->gone_oldest : NULL; g && n < cap;
	     g = g->newer)
		if (sel_match(&s, g->endpoint, &g->objects, g->firmware))
			v[n++] = (row)g | ROW_GONE;
	for (size_t b = 0; !gone && cap && b <= reg->by_ep.mask; b++)
		for (struct lw_hnode *k = reg->by_ep.buckets[b]; k && n < cap; k = k->next) {
			const struct lw_client *c = LW_CONTAINER_OF(k, struct lw_client, by_ep);
			if (client_ok(&s, c))
				v[n++] = (row)c;
		}
	/* Offline clients are this node's memory: no store to ask. */
	if (gone)
		st = NULL;
	json_t *list = json_array();
	if (!st) {
		/* One node: sort pointers (only as far as the page), and only the
		 * page becomes JSON. */
		size_t from = s.offset < n ? s.offset : n;
		sort_first(v, n, s.limit && s.limit < n - from ? from + s.limit : n, &s);
		size_t to = s.limit && s.limit < n - from ? from + s.limit : n;
		if (!list || append_clients(list, v, from, to, &s) != 0) {
			free(v);
			json_decref(list);
			lw_http_reply_error(r, 500, "internal", "out of memory");
			return;
		}
		free(v);
		set_total(r, n);
		lw_http_reply_json(r, 200, list);
		return;
	}
	int bad = !list || append_clients(list, v, 0, n, &s) != 0;
	free(v);
	struct listing *ls = bad ? NULL : calloc(1, sizeof(*ls));
	if (!ls) {
		json_decref(list);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	*ls = (struct listing){.r = r, .st = st, .list = list, .sel = s};
	snprintf(ls->self, sizeof(ls->self), "%s", this_node(r));
	int rc = st->ops->doc_list(st->be, LW_ST_REGISTRATIONS, NULL, NULL, PAGE, on_page, ls);
	if (rc) {
		/* The store is busy: this node's clients are still worth showing. */
		free(ls);
		reply_sorted(r, list, &s);
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
		json_t *o = status == 0 && n == 1 ? doc_client(&docs[0], ls->self, ls->sel.awake_s)
		                                  : NULL;
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
		json_t *o = client_json(c, time(NULL), r->h->d->cfg->coap_queue_awake);
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
	ls->sel.awake_s = r->h->d->cfg->coap_queue_awake;
	snprintf(ls->self, sizeof(ls->self), "%s", this_node(r));
	if (st->ops->doc_get(st->be, LW_ST_REGISTRATIONS, r->params[0], on_doc, ls) != 0) {
		free(ls);
		not_registered(r);
		return;
	}
	lw_http_defer_fn(r, listing_detach, ls, WAIT_MS);
}
