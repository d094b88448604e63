/*
 * storage/persist.c: what the daemon keeps in its store, and puts back at
 * start (see persist.h).
 *
 * The store is a subscriber of the event bus like any other: registrations
 * become documents, reported values become time-series points, finished
 * operations become audit entries. Nothing on the device path waits for the
 * store: a Register is answered at once and its document follows in the
 * store's next batch (milliseconds later). The calls only queue; a store
 * that falls behind answers LW_EAGAIN, and what it refused is counted,
 * logged (once per episode) and shown at /metrics, never silently lost.
 */
#include "storage/persist.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/engine.h"
#include "coap/peer.h"
#include "coap/udp.h"
#include "daemon.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/observe.h"
#include "lwm2m/op_json.h"
#include "lwm2m/ops.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"

/* How long a stop waits for the store to catch up before the LwM2M side goes. */
#define DRAIN_TIMEOUT_S 10
/* Audit details bigger than this lose their data (records, links). */
#define AUDIT_DETAIL_MAX 4096

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Several nodes share the store: each restores only what is its own. */
static int clustered(const struct lw_persist *p)
{
	return p->st->ops->node_send != NULL;
}

/* ---- outcomes of the store's calls ---- */

static void refused(struct lw_persist *p, int rc, const char *what)
{
	p->stats.refused++;
	if (!p->refusing)
		lw_log(LW_LOG_WARN, "storage: %s refused (%s): the store is behind; counting "
		       "what is refused until it accepts again", what, lw_strerror(rc));
	p->refusing = 1;
}

static void accepted(struct lw_persist *p)
{
	if (p->refusing) {
		lw_log(LW_LOG_INFO, "storage: accepting again after %llu refused writes",
		       p->stats.refused);
		p->refusing = 0;
	}
}

static void on_written(void *arg, int status)
{
	struct lw_persist *p = arg;
	if (status == 0) {
		p->stats.written++;
		return;
	}
	p->stats.failed++;
	if (!p->failing)
		lw_log(LW_LOG_ERROR, "storage: a write failed (%s); see the storage plugin's log",
		       lw_strerror(status));
	p->failing = 1;
}

/* ---- registrations as documents ---- */

static char *registration_doc(struct lw_persist *p, const struct lw_client *c, double expires)
{
	json_t *links = json_array();
	for (uint16_t i = 0; links && i < c->objects.n; i++) {
		const struct lw_reg_link *k = &c->objects.links[i];
		json_array_append_new(links, json_pack("[i,i,i,i]", k->oid,
		                                       k->iid == LW_ID_NONE ? -1 : (int)k->iid,
		                                       k->ver_major, k->ver_minor));
	}
	char addr[64], ver[8];
	snprintf(ver, sizeof(ver), "%u.%u", c->ver_major, c->ver_minor);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:I, s:I, s:f, s:s, s:o, s:s}",
	                      "endpoint", c->endpoint, "id", c->id, "version", ver, "binding",
	                      c->binding, "lifetime", (json_int_t)c->lifetime, "queue",
	                      c->queue_mode, "registeredAt", (json_int_t)c->registered_at,
	                      "lastSeen", (json_int_t)c->last_seen, "expiresAt", expires,
	                      "address", lw_client_address(c, addr, sizeof(addr)), "links",
	                      links, "node", p->node);
	if (!o)
		return NULL;
	if (c->sms)
		json_object_set_new(o, "sms", json_string(c->sms));
	if (c->objects.root)
		json_object_set_new(o, "root", json_string(c->objects.root));
	if (c->objects.ct != LW_REG_NO_CT)
		json_object_set_new(o, "ct", json_integer(c->objects.ct));
	char *s = lw_json_dumps(o, 0);
	json_decref(o);
	return s;
}

static void put_registration(struct lw_persist *p, const char *endpoint, double when)
{
	struct lw_registry *reg = lw_server_registry(p->d);
	struct lw_client *c = reg ? lw_registry_find_ep(reg, endpoint) : NULL;
	if (!c)
		return;
	char *doc = registration_doc(p, c, when + c->lifetime);
	if (!doc) {
		p->stats.failed++;
		return;
	}
	int rc = p->st->ops->doc_put(p->st->be, LW_ST_REGISTRATIONS, endpoint, NULL, doc,
	                             strlen(doc), on_written, p);
	free(doc);
	if (rc)
		refused(p, rc, "registration");
	else
		accepted(p);
}

static void drop_observations(struct lw_persist *p, const char *endpoint)
{
	int rc = p->st->ops->doc_del_owner(p->st->be, LW_ST_OBSERVATIONS, endpoint, on_written, p);
	if (rc)
		refused(p, rc, "observations");
}

static void drop_registration_doc(struct lw_persist *p, const char *endpoint)
{
	int rc = p->st->ops->doc_del(p->st->be, LW_ST_REGISTRATIONS, endpoint, on_written, p);
	if (rc)
		refused(p, rc, "registration end");
}

struct drop_check {
	struct lw_persist *p;
	char endpoint[];
};

static void on_drop_check(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct drop_check *dc = arg;
	json_t *o = status == 0 && n == 1 ? json_loadb(docs[0].json, docs[0].json_len, 0, NULL)
	                                  : NULL;
	const char *node = o ? json_string_value(json_object_get(o, "node")) : NULL;
	/* The device may have registered with another node meanwhile (the load
	 * balancer moved it): then the document is that node's. */
	struct lw_registry *reg = lw_server_registry(dc->p->d); /* NULL once stopping */
	if (node && strcmp(node, dc->p->node) == 0 &&
	    !(reg && lw_registry_find_ep(reg, dc->endpoint))) /* nor registered here again */
		drop_registration_doc(dc->p, dc->endpoint);
	json_decref(o);
	free(dc);
}

/* Everything of an endpoint whose registration ended. */
static void drop_endpoint(struct lw_persist *p, const char *endpoint)
{
	drop_observations(p, endpoint);
	int rc = p->st->ops->doc_del_owner(p->st->be, LW_ST_OPERATIONS, endpoint, on_written, p);
	if (rc) {
		refused(p, rc, "registration end");
		return;
	}
	if (!clustered(p)) {
		drop_registration_doc(p, endpoint);
		return;
	}
	size_t n = strlen(endpoint) + 1;
	struct drop_check *dc = malloc(sizeof(*dc) + n);
	if (!dc)
		return;
	dc->p = p;
	memcpy(dc->endpoint, endpoint, n);
	rc = p->st->ops->doc_get(p->st->be, LW_ST_REGISTRATIONS, endpoint, on_drop_check, dc);
	if (rc) {
		free(dc);
		refused(p, rc, "registration end");
	}
}

/* ---- observations and waiting operations (the operation layer's hooks) ---- */

/* "dev1\n0a1b2c" */
static void observation_key(const struct lw_client *c, const struct lw_observation *ob,
                            char *key, size_t len)
{
	size_t n = (size_t)snprintf(key, len, "%s\n", c->endpoint);
	for (uint8_t i = 0; i < ob->token_len && n + 2 < len; i++)
		n += (size_t)snprintf(key + n, len - n, "%02x", ob->token[i]);
}

static void on_observation(void *ctx, const struct lw_client *c, const struct lw_observation *ob,
                           int added)
{
	struct lw_persist *p = ctx;
	char key[LW_ST_KEY_MAX + 1];
	if (strlen(c->endpoint) + 2 + 2 * LW_COAP_MAX_TOKEN > LW_ST_KEY_MAX)
		return; /* an endpoint name this long cannot be a key: kept in memory only */
	observation_key(c, ob, key, sizeof(key));
	int rc;
	if (!added) {
		rc = p->st->ops->doc_del(p->st->be, LW_ST_OBSERVATIONS, key, on_written, p);
	} else {
		json_t *paths = json_array();
		for (uint16_t i = 0; paths && i < ob->n_paths; i++) {
			char s[LW_PATH_MAX_TEXT];
			lw_path_format(&ob->paths[i], s, sizeof(s));
			json_array_append_new(paths, json_string(s));
		}
		json_t *o = json_pack("{s:I, s:I, s:o, s:b, s:s, s:I, s:i, s:i}", "id",
		                      (json_int_t)ob->id, "replaces", (json_int_t)ob->replaces,
		                      "paths", paths, "composite", ob->composite, "token",
		                      strchr(key, '\n') + 1, "seq", (json_int_t)ob->seq, "format",
		                      ob->format, "reqFormat", ob->req_format);
		char *doc = o ? lw_json_dumps(o, 0) : NULL;
		json_decref(o);
		rc = doc ? p->st->ops->doc_put(p->st->be, LW_ST_OBSERVATIONS, key, c->endpoint, doc,
		                               strlen(doc), on_written, p)
		         : LW_ENOMEM;
		free(doc);
	}
	if (rc)
		refused(p, rc, "observation");
}

static void on_queued(void *ctx, const struct lw_client *c, uint64_t id,
                      const struct lw_op_request *req, double deadline)
{
	struct lw_persist *p = ctx;
	char key[32];
	snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
	json_t *r = lw_op_request_to_json(req);
	json_t *o = r ? json_pack("{s:o, s:f}", "request", r, "deadline", deadline) : NULL;
	char *doc = o ? lw_json_dumps(o, 0) : NULL;
	json_decref(o);
	int rc = doc ? p->st->ops->doc_put(p->st->be, LW_ST_OPERATIONS, key, c->endpoint, doc,
	                                   strlen(doc), on_written, p)
	             : LW_ENOMEM;
	free(doc);
	if (rc)
		refused(p, rc, "queued operation");
}

static void on_unqueued(void *ctx, const struct lw_client *c, uint64_t id)
{
	(void)c;
	struct lw_persist *p = ctx;
	char key[32];
	snprintf(key, sizeof(key), "%llu", (unsigned long long)id);
	int rc = p->st->ops->doc_del(p->st->be, LW_ST_OPERATIONS, key, on_written, p);
	if (rc)
		refused(p, rc, "queued operation");
}

/* ---- reported values and the audit log ---- */

static void append_points(struct lw_persist *p, const char *endpoint, const lw_records *recs,
                          double when)
{
	if (!recs || !recs->n)
		return;
	struct lw_st_point stack[64];
	struct lw_st_point *pts = recs->n <= 64 ? stack : malloc(recs->n * sizeof(*pts));
	if (!pts) {
		p->stats.failed++;
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < recs->n; i++) {
		const lw_record *rec = &recs->items[i];
		/* Values only: a record without one (an executable's) has nothing to keep. */
		if (rec->type == LW_TYPE_NONE || lw_path_depth(&rec->path) < 3)
			continue;
		pts[n].endpoint = endpoint;
		pts[n].rec = *rec;
		/* The time the device gave, else when it reached us. */
		if (!rec->has_time) {
			pts[n].rec.has_time = 1;
			pts[n].rec.time = when;
		}
		n++;
	}
	if (n) {
		int rc = p->st->ops->ts_append(p->st->be, pts, n, on_written, p);
		if (rc) {
			p->stats.points_refused += n;
			refused(p, rc, "time series");
		} else {
			p->stats.points += n;
			accepted(p);
		}
	}
	if (pts != stack)
		free(pts);
}

/* The operation event without its data when that is large: the audit log
 * says what was asked and how it ended, the time series keeps values. */
static char *audit_detail(const char *json)
{
	if (strlen(json) <= AUDIT_DETAIL_MAX)
		return strdup(json);
	json_t *o = json_loads(json, 0, NULL);
	if (!o)
		return NULL;
	json_object_del(o, "records");
	json_object_del(o, "links");
	json_object_set_new(o, "truncated", json_true());
	char *s = lw_json_dumps(o, 0);
	json_decref(o);
	return s;
}

static void audit(struct lw_persist *p, const lw_event *ev)
{
	const char *json = lw_event_json(ev);
	/* "kind" of the operation event: a short member near the start. */
	const char *k = strstr(json, "\"kind\":\"");
	char action[32] = "operation";
	if (k) {
		k += 8;
		size_t n = strcspn(k, "\"");
		if (n < sizeof(action)) {
			memcpy(action, k, n);
			action[n] = '\0';
		}
	}
	char *detail = audit_detail(json);
	struct lw_st_audit e = {.time = lw_event_time(ev), .actor = "admin",
	                        .endpoint = lw_event_endpoint(ev), .action = action,
	                        .detail = detail};
	int rc = p->st->ops->audit_append(p->st->be, &e, on_written, p);
	free(detail);
	if (rc)
		refused(p, rc, "audit entry");
}

/* [storage] audit: "changes" leaves out what only looks (a Read per
 * second per device would make the log mostly reads and cost the store
 * more than the values themselves); "all" keeps those too. */
static int audited(const struct lw_persist *p, const lw_event *ev)
{
	const char *mode = p->d->cfg->storage_audit;
	if (!mode || strcmp(mode, "all") == 0)
		return 1;
	if (strcmp(mode, "none") == 0)
		return 0;
	const struct lw_op_result *r = lw_ops_event_result(ev);
	if (!r)
		return 1;
	return r->kind != LW_OP_READ && r->kind != LW_OP_DISCOVER &&
	       r->kind != LW_OP_READ_COMPOSITE;
}

static void on_event(const lw_event *ev, void *ctx)
{
	struct lw_persist *p = ctx;
	const char *ep = lw_event_endpoint(ev);
	if (!ep)
		return;
	switch (lw_event_kind(ev)) {
	case LW_EVENT_REGISTRATION:
		/* A new registration starts without observations (the device
		 * forgot them; re-established ones come as new documents);
		 * operations that waited moved to it and stay. */
		drop_observations(p, ep);
		put_registration(p, ep, lw_event_time(ev));
		break;
	case LW_EVENT_UPDATE:
		put_registration(p, ep, lw_event_time(ev));
		break;
	case LW_EVENT_DEREGISTRATION:
	case LW_EVENT_EXPIRED:
		drop_endpoint(p, ep);
		break;
	case LW_EVENT_NOTIFICATION:
	case LW_EVENT_SEND:
		append_points(p, ep, lw_event_records(ev), lw_event_time(ev));
		break;
	case LW_EVENT_OPERATION:
		append_points(p, ep, lw_event_records(ev), lw_event_time(ev));
		if (audited(p, ev))
			audit(p, ev);
		break;
	default:
		break;
	}
}

/* ---- putting registrations back at start ---- */

/* "127.0.0.1:5683" or "[::1]:5683" into a. 0 or -1. */
static int parse_addr(const char *s, struct lw_coap_addr *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon)
		return -1;
	size_t hl = (size_t)(colon - s);
	if (s[0] == '[') {
		if (hl < 2 || s[hl - 1] != ']')
			return -1;
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->u.in.sin_addr) == 1) {
		a->u.in.sin_family = AF_INET;
		a->u.in.sin_port = htons((uint16_t)port);
		a->len = sizeof(a->u.in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->u.in6.sin6_addr) == 1) {
		a->u.in6.sin6_family = AF_INET6;
		a->u.in6.sin6_port = htons((uint16_t)port);
		a->len = sizeof(a->u.in6);
		return 0;
	}
	return -1;
}

/* One document back into the registry: 1 restored, 0 skipped, -1 bad. */
static int restore_one(struct lw_persist *p, const struct lw_st_doc *doc, double now)
{
	json_error_t jerr;
	json_t *o = json_loadb(doc->json, doc->json_len, 0, &jerr);
	const char *ep = NULL, *id = NULL, *ver = NULL, *binding = NULL, *addr = NULL,
		   *sms = NULL, *root = NULL;
	json_int_t lifetime = 0, reg_at = 0, seen = 0, ct = -1;
	int queue = 0;
	double expires = 0;
	json_t *links = NULL;
	if (!o || json_unpack_ex(o, &jerr, 0,
	                         "{s:s, s:s, s:s, s:s, s:I, s:b, s:I, s:I, s:F, s:s, s:o, "
	                         "s?s, s?s, s?I}",
	                         "endpoint", &ep, "id", &id, "version", &ver, "binding", &binding,
	                         "lifetime", &lifetime, "queue", &queue, "registeredAt", &reg_at,
	                         "lastSeen", &seen, "expiresAt", &expires, "address", &addr,
	                         "links", &links, "sms", &sms, "root", &root, "ct", &ct) != 0 ||
	    !json_is_array(links)) {
		lw_log(LW_LOG_WARN, "storage: registration %s unreadable, dropped: %s", doc->key,
		       jerr.text);
		json_decref(o);
		return -1;
	}
	int rc = 0;
	unsigned vmaj = 0, vmin = 0;
	struct lw_coap_addr a;
	json_t *node = json_object_get(o, "node");
	if (clustered(p) && json_is_string(node) && strcmp(json_string_value(node), p->node) != 0)
		goto out; /* another node's device */
	if (expires <= now) {
		/* Its lifetime ran out while the daemon was down. */
		lw_log(LW_LOG_INFO, "storage: registration of %s expired while stopped", ep);
		drop_endpoint(p, ep);
		goto out;
	}
	if (sscanf(ver, "%u.%u", &vmaj, &vmin) != 2 || parse_addr(addr, &a) != 0 ||
	    lifetime <= 0 || lifetime > UINT32_MAX) {
		lw_log(LW_LOG_WARN, "storage: registration of %s unreadable, dropped", ep);
		rc = -1;
		goto out;
	}
	struct lw_reg_params rp = {.endpoint = ep, .lifetime = (uint32_t)lifetime,
	                           .ver_major = (uint8_t)vmaj, .ver_minor = (uint8_t)vmin,
	                           .binding = binding, .sms = sms, .queue = queue,
	                           .has_objects = 1};
	rp.objects.ct = ct >= 0 && ct <= 0xffff ? (uint16_t)ct : LW_REG_NO_CT;
	size_t n = json_array_size(links);
	rp.objects.links = n ? calloc(n, sizeof(*rp.objects.links)) : NULL;
	rp.objects.root = root ? strdup(root) : NULL;
	if ((n && !rp.objects.links) || (root && !rp.objects.root) || n > UINT16_MAX) {
		rc = -1;
		goto free_objects;
	}
	for (size_t i = 0; i < n; i++) {
		json_int_t oid, iid, maj, min;
		if (json_unpack(json_array_get(links, i), "[I,I,I,I]", &oid, &iid, &maj, &min) ||
		    oid < 0 || oid >= LW_ID_NONE || iid < -1 || iid >= LW_ID_NONE) {
			rc = -1;
			goto free_objects;
		}
		rp.objects.links[rp.objects.n++] = (struct lw_reg_link){
			(uint16_t)oid, iid < 0 ? LW_ID_NONE : (uint16_t)iid, (uint8_t)maj, (uint8_t)min};
	}
	struct lw_coap_engine *e = p->d->coap;
	struct lw_coap_peer *peer =
		e && p->d->udp ? lw_coap_peer_get(&e->peers, &p->d->udp->ep, &a,
		                                   lw_timers_now(&p->d->loop.timers))
			       : NULL;
	struct lw_reg_saved saved = {.id = id, .registered_at = reg_at, .last_seen = seen,
	                             .remaining_ms = (uint64_t)((expires - now) * 1000.0)};
	int r = lw_registry_restore(p->reg, &rp, &saved, peer, NULL);
	if (r == 0) {
		rc = 1;
		goto out;
	}
	if (r != LW_EEXIST)
		rc = -1;
free_objects:
	free(rp.objects.links);
	free(rp.objects.root);
	if (rc < 0)
		lw_log(LW_LOG_WARN, "storage: registration of %s could not be restored", ep);
out:
	json_decref(o);
	return rc;
}

/* "0a1b" into bytes: the count, or -1. */
static int unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* One observation back on its client: 1, 0 skipped, -1 bad. */
static int restore_observation(struct lw_persist *p, const struct lw_st_doc *doc, double now)
{
	(void)now;
	struct lw_operations *o = lw_server_ops(p->d);
	struct lw_client *c = doc->owner ? lw_registry_find_ep(p->reg, doc->owner) : NULL;
	json_t *j = json_loadb(doc->json, doc->json_len, 0, NULL), *paths = NULL;
	json_int_t id = 0, replaces = 0, seq = 0;
	int composite = 0, format = -1, req_format = -1, rc = -1;
	const char *token = NULL;
	uint8_t tok[LW_COAP_MAX_TOKEN];
	lw_path ps[LW_OP_MAX_PATHS];
	int tlen;
	if (!c) {
		/* Its registration is gone (so is the observation), or, in a
		 * cluster, it is another node's. */
		if (!clustered(p))
			p->st->ops->doc_del(p->st->be, LW_ST_OBSERVATIONS, doc->key, on_written, p);
		rc = 0;
		goto out;
	}
	if (!j || json_unpack(j, "{s:I, s:I, s:o, s:b, s:s, s:I, s:i, s:i}", "id", &id, "replaces",
	                      &replaces, "paths", &paths, "composite", &composite, "token", &token,
	                      "seq", &seq, "format", &format, "reqFormat", &req_format) ||
	    !json_is_array(paths) || json_array_size(paths) == 0 ||
	    json_array_size(paths) > LW_OP_MAX_PATHS ||
	    (tlen = unhex(token, tok, sizeof(tok))) <= 0)
		goto out;
	size_t n = json_array_size(paths);
	for (size_t i = 0; i < n; i++) {
		const char *ptxt = json_string_value(json_array_get(paths, i));
		if (!ptxt || lw_path_parse(ptxt, strlen(ptxt), &ps[i], NULL) != 0)
			goto out;
	}
	if (lw_observe_add(o, c, (uint64_t)id, ps, n, composite, tok, (size_t)tlen,
	                   (uint32_t)seq, format) != 0)
		goto out;
	struct lw_observation *ob = lw_observe_find(c, ps, n, composite);
	if (ob) {
		ob->replaces = (uint64_t)replaces;
		ob->req_format = req_format;
	}
	/* New operations must not take an id an observation still answers to. */
	if ((uint64_t)id > o->next_id)
		o->next_id = (uint64_t)id;
	rc = 1;
out:
	if (rc < 0)
		lw_log(LW_LOG_WARN, "storage: observation %s unreadable, dropped", doc->key);
	json_decref(j);
	return rc;
}

/* Operations that waited for a sleeping device: kept as read, submitted once
 * the listing is over (a submitted one gets a new document). */
struct saved_op {
	char *key, *owner;
	char *json;
};

struct restore {
	struct lw_persist *p;
	int coll;
	int (*one)(struct lw_persist *p, const struct lw_st_doc *doc, double now);
	double now;
	struct saved_op *ops; /* LW_ST_OPERATIONS: collected, not restored inline */
	size_t n_ops, cap_ops;
};

static int collect(struct restore *rs, const struct lw_st_doc *doc)
{
	/* Cluster results share the collection; they are not operations. */
	if (strncmp(doc->key, "result\n", 7) == 0)
		return 0;
	if (rs->n_ops == rs->cap_ops) {
		size_t cap = rs->cap_ops ? rs->cap_ops * 2 : 64;
		struct saved_op *v = realloc(rs->ops, cap * sizeof(*v));
		if (!v)
			return -1;
		rs->ops = v;
		rs->cap_ops = cap;
	}
	struct saved_op *s = &rs->ops[rs->n_ops];
	s->key = strdup(doc->key);
	s->owner = strdup(doc->owner ? doc->owner : "");
	s->json = strdup(doc->json);
	if (!s->key || !s->json || !s->owner) {
		free(s->key);
		free(s->owner);
		free(s->json);
		return -1;
	}
	rs->n_ops++;
	return 1;
}

static int restore_each(void *ctx, const struct lw_st_doc *doc)
{
	struct restore *rs = ctx;
	return rs->one ? rs->one(rs->p, doc, rs->now) : collect(rs, doc);
}

/* Lists a whole collection through rs->one (or collect). */
static int restore_coll(struct lw_persist *p, struct restore *rs, char *err, size_t errlen)
{
	rs->p = p;
	rs->now = wall_now();
	const char *name = lw_st_coll_name(rs->coll);
	size_t ok = 0, bad = 0;
	int rc = lw_storage_load(p->st, p->d->loop.base, rs->coll, restore_each, rs, &ok, &bad);
	if (rc) {
		snprintf(err, errlen, "storage: reading %s failed: %s", name, lw_strerror(rc));
		return rc;
	}
	if (ok || bad)
		lw_log(LW_LOG_INFO, "storage: %zu %s restored%s", ok, name,
		       bad ? " (some unreadable: see above)" : "");
	return 0;
}

/* Submits again what waited for sleeping devices; its results go to the
 * event stream (the callers are gone). */
static void resubmit(struct lw_persist *p, struct restore *rs)
{
	struct lw_operations *o = lw_server_ops(p->d);
	size_t again = 0;
	for (size_t i = 0; i < rs->n_ops; i++) {
		struct saved_op *s = &rs->ops[i];
		if (clustered(p) && !lw_registry_find_ep(p->reg, s->owner)) {
			/* Another node's device: that node submits it again. */
			free(s->key);
			free(s->owner);
			free(s->json);
			continue;
		}
		json_t *j = json_loads(s->json, 0, NULL);
		double deadline = 0;
		json_t *req = NULL;
		struct lw_op_saved saved;
		char why[200] = "unreadable";
		memset(&saved, 0, sizeof(saved));
		if (j && json_unpack(j, "{s:o, s:F}", "request", &req, "deadline", &deadline) == 0 &&
		    lw_op_request_from_json(req, &saved, why, sizeof(why)) == 0) {
			if (deadline > rs->now) {
				saved.req.timeout_ms = (uint32_t)((deadline - rs->now) * 1000.0) + 1;
				lw_ops_submit(o, &saved.req, NULL, NULL, NULL);
				again++;
			}
		} else {
			lw_log(LW_LOG_WARN, "storage: queued operation %s dropped: %s", s->key, why);
		}
		/* It waits again under a new id (a new document), or it is over. */
		p->st->ops->doc_del(p->st->be, LW_ST_OPERATIONS, s->key, on_written, p);
		lw_op_saved_free(&saved);
		json_decref(j);
		free(s->key);
		free(s->owner);
		free(s->json);
	}
	free(rs->ops);
	if (again)
		lw_log(LW_LOG_INFO, "storage: %zu queued operations waiting again", again);
}

int lw_persist_start(struct lw_persist *p, struct lw_daemon *d, const struct lw_store *st,
                     const char *node, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	p->d = d;
	p->st = st;
	p->reg = lw_server_registry(d);
	snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
	if (!p->reg) {
		snprintf(err, errlen, "storage: the LwM2M server is not running");
		return LW_EINVAL;
	}
	struct restore regs = {.coll = LW_ST_REGISTRATIONS, .one = restore_one};
	struct restore obs = {.coll = LW_ST_OBSERVATIONS, .one = restore_observation};
	struct restore ops = {.coll = LW_ST_OPERATIONS};
	int rc = restore_coll(p, &regs, err, errlen);
	if (!rc)
		rc = restore_coll(p, &obs, err, errlen);
	if (!rc)
		rc = restore_coll(p, &ops, err, errlen);
	if (rc) {
		for (size_t i = 0; i < ops.n_ops; i++) {
			free(ops.ops[i].key);
			free(ops.ops[i].owner);
			free(ops.ops[i].json);
		}
		free(ops.ops);
		return rc;
	}
	p->hooks = (struct lw_ops_store_hooks){.observation = on_observation, .queued = on_queued,
	                                       .unqueued = on_unqueued, .ctx = p};
	lw_server_ops(d)->store = &p->hooks;
	resubmit(p, &ops);
	uint32_t mask = LW_EVENT_MASK(LW_EVENT_REGISTRATION) | LW_EVENT_MASK(LW_EVENT_UPDATE) |
	                LW_EVENT_MASK(LW_EVENT_DEREGISTRATION) | LW_EVENT_MASK(LW_EVENT_EXPIRED) |
	                LW_EVENT_MASK(LW_EVENT_NOTIFICATION) | LW_EVENT_MASK(LW_EVENT_SEND) |
	                LW_EVENT_MASK(LW_EVENT_OPERATION);
	rc = lw_events_subscribe(&d->events, p, mask, on_event, p);
	if (rc)
		snprintf(err, errlen, "storage: cannot subscribe to events");
	return rc;
}

static void on_drained(void *arg, int status)
{
	(void)status;
	((struct lw_persist *)arg)->drained = 1;
}

void lw_persist_drain(struct lw_persist *p)
{
	if (!p->d)
		return;
	p->drained = 0;
	if (p->st->ops->flush(p->st->be, on_drained, p) != 0)
		return;
	/* Answers still due (look-ups before a delete) come while the
	 * registry they check still exists. */
	time_t deadline = time(NULL) + DRAIN_TIMEOUT_S;
	while (!p->drained && time(NULL) < deadline)
		event_base_loop(p->d->loop.base, EVLOOP_ONCE);
	if (!p->drained)
		lw_log(LW_LOG_WARN, "storage: the store did not catch up in %d s before the stop",
		       DRAIN_TIMEOUT_S);
}

void lw_persist_stop(struct lw_persist *p)
{
	if (!p->d)
		return;
	lw_events_unsubscribe_owner(&p->d->events, p);
	struct lw_operations *o = lw_server_ops(p->d);
	if (o && o->store == &p->hooks)
		o->store = NULL;
	if (p->stats.refused || p->stats.failed)
		lw_log(LW_LOG_WARN, "storage: %llu writes refused and %llu failed since start",
		       p->stats.refused, p->stats.failed);
	p->d = NULL;
}
