/*
 * lwm2m/registry.c: the registered clients (see registry.h). Two intrusive
 * hash tables (endpoint, registration id) and one heap timer per client keep
 * every step O(1) or O(log n) whatever the fleet size.
 */
#include "lwm2m/registry.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/peer.h"
#include "events.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/path.h"

static int64_t wall_now(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static void on_data(const lw_event *ev, void *ctx);

int lw_registry_init(struct lw_registry *r, struct lw_timers *timers, struct lw_events *events)
{
	memset(r, 0, sizeof(*r));
	r->timers = timers;
	r->events = events;
	r->wall = wall_now;
	r->gone_max = LW_REG_GONE_MAX;
	r->gone_ttl_s = LW_REG_GONE_TTL_S;
	if (lw_htable_init(&r->by_ep, 64) != 0)
		return LW_ENOMEM;
	if (lw_htable_init(&r->by_id, 64) != 0) {
		lw_htable_free(&r->by_ep);
		return LW_ENOMEM;
	}
	/* The data events tell the firmware versions: one subscriber here
	 * rather than hooks in ops.c, observe.c and send.c. It subscribes after
	 * the daemon's own, before the plugins' and the event stream's, so the
	 * client JSON they may ask for already has the new version. */
	if (lw_htable_init(&r->gone_by_ep, 64) != 0 ||
	    (events && lw_events_subscribe(events, r,
	                                   LW_EVENT_MASK(LW_EVENT_OPERATION) |
	                                           LW_EVENT_MASK(LW_EVENT_NOTIFICATION) |
	                                           LW_EVENT_MASK(LW_EVENT_SEND),
	                                   on_data, r) != 0)) {
		lw_htable_free(&r->gone_by_ep);
		lw_htable_free(&r->by_ep);
		lw_htable_free(&r->by_id);
		return LW_ENOMEM;
	}
	return 0;
}

static void objects_free(struct lw_reg_objects *o)
{
	free(o->links);
	free(o->root);
	o->links = NULL;
	o->root = NULL;
	o->n = 0;
}

static void client_free(struct lw_client *c)
{
	objects_free(&c->objects);
	free(c->sms);
	free(c->firmware);
	free(c);
}

static void gone_unlink(struct lw_registry *r, struct lw_gone *g)
{
	lw_htable_remove(&r->gone_by_ep, &g->by_ep);
	if (g->older)
		g->older->newer = g->newer;
	else
		r->gone_oldest = g->newer;
	if (g->newer)
		g->newer->older = g->older;
	else
		r->gone_newest = g->older;
	r->gone_count--;
}

static void gone_free(struct lw_gone *g)
{
	objects_free(&g->objects);
	free(g->firmware);
	free(g);
}

static void detach_peer(struct lw_client *c)
{
	if (!c->peer)
		return;
	if (c->peer->user == c)
		c->peer->user = NULL;
	lw_coap_peer_release(c->peer);
	c->peer = NULL;
}

static void attach_peer(struct lw_client *c, struct lw_coap_peer *peer)
{
	if (c->peer == peer) {
		peer->user = c;
		return;
	}
	detach_peer(c);
	if (!peer)
		return;
	lw_coap_peer_hold(peer);
	peer->user = c;
	c->peer = peer;
}

/* Takes c out of the tables and the heap (it stays allocated). */
static void unlink_client(struct lw_registry *r, struct lw_client *c)
{
	lw_htable_remove(&r->by_ep, &c->by_ep);
	lw_htable_remove(&r->by_id, &c->by_id);
	lw_timer_cancel(r->timers, &c->expiry);
	detach_peer(c);
	r->count--;
}

void lw_registry_free(struct lw_registry *r)
{
	for (size_t b = 0; r->by_ep.buckets && b <= r->by_ep.mask; b++) {
		while (r->by_ep.buckets[b]) {
			struct lw_client *c =
				LW_CONTAINER_OF(r->by_ep.buckets[b], struct lw_client, by_ep);
			unlink_client(r, c);
			client_free(c);
		}
	}
	lw_htable_free(&r->by_ep);
	lw_htable_free(&r->by_id);
	r->count = 0;
	while (r->gone_oldest) {
		struct lw_gone *g = r->gone_oldest;
		gone_unlink(r, g);
		gone_free(g);
	}
	lw_htable_free(&r->gone_by_ep);
	if (r->events)
		lw_events_unsubscribe_owner(r->events, r);
}

static uint64_t ep_hash(const char *ep)
{
	return lw_hash(ep, strlen(ep), 0x6570);
}

static uint64_t id_hash(const char *id, size_t len)
{
	return lw_hash(id, len, 0x6964);
}

struct lw_client *lw_registry_find_ep(const struct lw_registry *r, const char *endpoint)
{
	uint64_t h = ep_hash(endpoint);
	for (struct lw_hnode *n = lw_htable_bucket(&r->by_ep, h); n; n = n->next) {
		struct lw_client *c = LW_CONTAINER_OF(n, struct lw_client, by_ep);
		if (n->hash == h && strcmp(c->endpoint, endpoint) == 0)
			return c;
	}
	return NULL;
}

struct lw_gone *lw_registry_find_gone(const struct lw_registry *r, const char *endpoint)
{
	uint64_t h = ep_hash(endpoint);
	for (struct lw_hnode *n = r->gone_by_ep.buckets ? lw_htable_bucket(&r->gone_by_ep, h) : NULL;
	     n; n = n->next) {
		struct lw_gone *g = LW_CONTAINER_OF(n, struct lw_gone, by_ep);
		if (n->hash == h && strcmp(g->endpoint, endpoint) == 0)
			return g;
	}
	return NULL;
}

void lw_registry_gone_purge(struct lw_registry *r)
{
	int64_t old = r->wall(r->wall_ctx) - r->gone_ttl_s;
	while (r->gone_oldest && (r->gone_count > r->gone_max || r->gone_oldest->gone_at < old)) {
		struct lw_gone *g = r->gone_oldest;
		gone_unlink(r, g);
		gone_free(g);
	}
}

/*
 * Remembers c as offline before it is freed: its objects and firmware
 * version move over. Out of memory, it is just not remembered.
 */
static void remember(struct lw_registry *r, struct lw_client *c, int reason)
{
	if (!r->gone_max)
		return;
	size_t eplen = strlen(c->endpoint);
	struct lw_gone *g = calloc(1, sizeof(*g) + eplen + 1);
	if (!g)
		return;
	memcpy(g->endpoint, c->endpoint, eplen + 1);
	g->objects = c->objects;
	memset(&c->objects, 0, sizeof(c->objects));
	g->firmware = c->firmware;
	c->firmware = NULL;
	g->gone_at = r->wall(r->wall_ctx);
	g->registered_at = c->registered_at;
	g->last_seen = c->last_seen;
	g->lifetime = c->lifetime;
	g->ver_major = c->ver_major;
	g->ver_minor = c->ver_minor;
	g->queue_mode = c->queue_mode;
	g->reason = (uint8_t)reason;
	memcpy(g->binding, c->binding, sizeof(g->binding));
	/* A client is registered or offline, never both: an older entry of
	 * the endpoint cannot exist (Register takes it back). */
	lw_htable_insert(&r->gone_by_ep, &g->by_ep, ep_hash(g->endpoint));
	g->older = r->gone_newest;
	if (r->gone_newest)
		r->gone_newest->newer = g;
	else
		r->gone_oldest = g;
	r->gone_newest = g;
	r->gone_count++;
	lw_registry_gone_purge(r);
}

const char *lw_gone_reason_name(int reason)
{
	return reason == LW_GONE_DEREGISTERED ? "deregistered" : "expired";
}

/* Length of the valid UTF-8 sequence (RFC 3629) at s[0..n), or 0. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (b < 0x80)
		return 1;
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef)
		len = 3, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
	else if (b >= 0xf0 && b <= 0xf4)
		len = 4, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

int lw_client_set_firmware(struct lw_client *c, const void *value, size_t len)
{
	/* A device's string goes into JSON as is (escaped there): it must be
	 * valid UTF-8 for jansson and browsers, and without control bytes. */
	char buf[LW_REG_FIRMWARE_MAX + 1];
	const uint8_t *s = value;
	size_t out = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len(s + i, len - i);
		if (k == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			k = 0;
		if (out + (k ? k : 1) > LW_REG_FIRMWARE_MAX)
			break;
		if (k) {
			memcpy(buf + out, s + i, k);
			out += k;
			i += k;
		} else {
			buf[out++] = '?';
			i++;
		}
	}
	buf[out] = '\0';
	if (c->firmware && strcmp(c->firmware, buf) == 0)
		return 0;
	char *copy = NULL;
	if (out && !(copy = strdup(buf)))
		return LW_ENOMEM;
	free(c->firmware);
	c->firmware = copy;
	return 0;
}

/* Operation, notification and send events: the last /3/0/3 they carry. */
static void on_data(const lw_event *ev, void *ctx)
{
	struct lw_registry *r = ctx;
	const lw_records *recs = ev->records;
	if (!recs || !ev->endpoint)
		return;
	const lw_record *fw = NULL;
	for (size_t i = 0; i < recs->n; i++) {
		const lw_path *p = &recs->items[i].path;
		if (p->oid == 3 && p->iid == 0 && p->rid == 3 && p->riid == LW_ID_NONE &&
		    recs->items[i].type == LW_TYPE_STRING)
			fw = &recs->items[i];
	}
	struct lw_client *c = fw ? lw_registry_find_ep(r, ev->endpoint) : NULL;
	if (c && lw_client_set_firmware(c, fw->v.s.data, fw->v.s.len) != 0)
		lw_log(LW_LOG_WARN, "endpoint %s: no memory to keep its firmware version",
		       c->endpoint);
}

struct lw_client *lw_registry_find_id(const struct lw_registry *r, const char *id, size_t len)
{
	if (len != LW_REG_ID_LEN)
		return NULL;
	uint64_t h = id_hash(id, len);
	for (struct lw_hnode *n = lw_htable_bucket(&r->by_id, h); n; n = n->next) {
		struct lw_client *c = LW_CONTAINER_OF(n, struct lw_client, by_id);
		if (n->hash == h && memcmp(c->id, id, len) == 0)
			return c;
	}
	return NULL;
}

/*
 * A fresh random id. Random rather than derived from the endpoint so that
 * the location path /rd/<id> tells an onlooker nothing about the device,
 * and unguessable so that nobody can update or delete another's
 * registration by counting.
 */
static int new_id(const struct lw_registry *r, char id[LW_REG_ID_LEN + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz012345"; /* 32: 5 bits each */
	for (int tries = 0; tries < 8; tries++) {
		uint8_t rnd[LW_REG_ID_LEN];
		if (gnutls_rnd(GNUTLS_RND_NONCE, rnd, sizeof(rnd)) != 0)
			return LW_EIO;
		for (int i = 0; i < LW_REG_ID_LEN; i++)
			id[i] = alphabet[rnd[i] & 31];
		id[LW_REG_ID_LEN] = '\0';
		if (!lw_registry_find_id(r, id, LW_REG_ID_LEN))
			return 0;
	}
	return LW_EIO;
}

const char *lw_client_address(const struct lw_client *c, char *buf, size_t len)
{
	if (!c->peer) {
		snprintf(buf, len, "-");
		return buf;
	}
	return lw_coap_addr_str(&c->peer->addr, buf, len);
}

/* s as the body of a JSON string: only " and \\ need it (set_firmware
 * keeps no control bytes and only valid UTF-8). */
static size_t put_escaped(char *out, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n] = '\0';
	return n;
}

/* ,"firmwareVersion":"...","rootPath":...,"contentFormat":...,"objects":[...] */
static size_t put_tail(char *s, size_t cap, size_t len, const struct lw_reg_objects *o,
                       const char *firmware)
{
	if (firmware) {
		len += (size_t)snprintf(s + len, cap - len, ",\"firmwareVersion\":\"");
		len += put_escaped(s + len, cap - len, firmware);
		len += (size_t)snprintf(s + len, cap - len, "\"");
	}
	if (o->root)
		len += (size_t)snprintf(s + len, cap - len, ",\"rootPath\":\"%s\"", o->root);
	if (o->ct != LW_REG_NO_CT)
		len += (size_t)snprintf(s + len, cap - len, ",\"contentFormat\":%u", o->ct);
	len += (size_t)snprintf(s + len, cap - len, ",\"objects\":[");
	for (uint16_t i = 0; i < o->n; i++) {
		const struct lw_reg_link *k = &o->links[i];
		if (k->iid == LW_ID_NONE)
			len += (size_t)snprintf(s + len, cap - len, "%s\"/%u\"", i ? "," : "", k->oid);
		else
			len += (size_t)snprintf(s + len, cap - len, "%s\"/%u/%u\"", i ? "," : "",
			                        k->oid, k->iid);
	}
	len += (size_t)snprintf(s + len, cap - len, "]");
	return len;
}

static size_t tail_cap(const struct lw_reg_objects *o, const char *firmware)
{
	return 64 + (firmware ? 2 * strlen(firmware) + 24 : 0) + (size_t)o->n * 16 +
	       (o->root ? strlen(o->root) : 0);
}

char *lw_gone_json_fields(const struct lw_gone *g)
{
	size_t cap = 300 + tail_cap(&g->objects, g->firmware);
	char *s = malloc(cap);
	if (!s)
		return NULL;
	int n = snprintf(s, cap,
	                 "\"lwm2mVersion\":\"%u.%u\",\"binding\":\"%s\",\"lifetime\":%u,"
	                 "\"queueMode\":%s,\"registeredAt\":%lld,\"lastSeen\":%lld,"
	                 "\"offlineSince\":%lld,\"offlineReason\":\"%s\"",
	                 g->ver_major, g->ver_minor, g->binding, g->lifetime,
	                 g->queue_mode ? "true" : "false", (long long)g->registered_at,
	                 (long long)g->last_seen, (long long)g->gone_at,
	                 lw_gone_reason_name(g->reason));
	put_tail(s, cap, (size_t)n, &g->objects, g->firmware);
	return s;
}

char *lw_client_json_fields(const struct lw_client *c)
{
	/* Every string here was checked by the parser to need no escaping
	 * (id, version, binding, sms, address); objects are paths. */
	size_t cap = 400 + (c->sms ? strlen(c->sms) : 0) + tail_cap(&c->objects, c->firmware);
	char *s = malloc(cap);
	if (!s)
		return NULL;
	char addr[64];
	int n = snprintf(s, cap,
	                 "\"registrationId\":\"%s\",\"lwm2mVersion\":\"%u.%u\","
	                 "\"binding\":\"%s\",\"lifetime\":%u,\"queueMode\":%s,"
	                 "\"address\":\"%s\",\"registeredAt\":%lld,\"lastSeen\":%lld",
	                 c->id, c->ver_major, c->ver_minor, c->binding, c->lifetime,
	                 c->queue_mode ? "true" : "false", lw_client_address(c, addr, sizeof(addr)),
	                 (long long)c->registered_at, (long long)c->last_seen);
	size_t len = (size_t)n;
	if (c->sms)
		len += (size_t)snprintf(s + len, cap - len, ",\"sms\":\"%s\"", c->sms);
	put_tail(s, cap, len, &c->objects, c->firmware);
	return s;
}

struct reg_event {
	const struct lw_client *c;
	const char *extra;
};

/* The registration event's members, made only when someone reads its JSON. */
static char *client_fields(void *ctx)
{
	const struct reg_event *re = ctx;
	char *fields = lw_client_json_fields(re->c);
	if (!fields || !re->extra)
		return fields;
	size_t n = strlen(fields) + strlen(re->extra) + 2;
	char *both = malloc(n);
	if (both)
		snprintf(both, n, "%s,%s", fields, re->extra);
	free(fields);
	return both;
}

static void publish(struct lw_registry *r, int kind, const struct lw_client *c,
                    const char *extra)
{
	if (!r->events)
		return;
	struct reg_event re = {c, extra};
	lw_events_publish_lazy(r->events, kind, c->endpoint, client_fields, &re, NULL);
}

static void log_client(int level, const char *what, const struct lw_client *c)
{
	if (!lw_log_enabled(level))
		return;
	char addr[64];
	lw_log(level, "%s: endpoint %s, registration %s, from %s, lifetime %u s, lwm2m %u.%u, "
	       "binding %s%s, %u object links",
	       what, c->endpoint, c->id, lw_client_address(c, addr, sizeof(addr)), c->lifetime,
	       c->ver_major, c->ver_minor, c->binding, c->queue_mode ? " (queue mode)" : "",
	       c->objects.n);
}

static void on_expiry(struct lw_timer *t, void *arg)
{
	(void)t;
	struct lw_client *c = arg;
	struct lw_registry *r = c->reg;
	log_client(LW_LOG_INFO, "registration expired", c);
	/* Published while c is still whole, so that subscribers see its state. */
	publish(r, LW_EVENT_EXPIRED, c, NULL);
	if (r->on_gone)
		r->on_gone(r->hook_ctx, c, NULL);
	unlink_client(r, c);
	remember(r, c, LW_GONE_EXPIRED);
	client_free(c);
}

static void touch(struct lw_registry *r, struct lw_client *c)
{
	c->last_seen = r->wall(r->wall_ctx);
}

static int arm(struct lw_registry *r, struct lw_client *c)
{
	return lw_timer_in(r->timers, &c->expiry, (uint64_t)c->lifetime * 1000);
}

static int set_sms(struct lw_client *c, const char *sms)
{
	char *copy = NULL;
	if (sms && *sms && !(copy = strdup(sms)))
		return LW_ENOMEM;
	free(c->sms);
	c->sms = copy;
	return 0;
}

static void set_binding(struct lw_client *c, const char *b)
{
	snprintf(c->binding, sizeof(c->binding), "%s", b);
}

/* A client filled from p (taking over its objects), not yet in the tables,
 * its timer not armed, without an id. NULL when out of memory. */
static struct lw_client *client_new(struct lw_registry *r, struct lw_reg_params *p)
{
	size_t eplen = strlen(p->endpoint);
	struct lw_client *c = calloc(1, sizeof(*c) + eplen + 1);
	if (!c)
		return NULL;
	memcpy(c->endpoint, p->endpoint, eplen + 1);
	c->reg = r;
	lw_timer_init(&c->expiry, on_expiry, c);
	if (set_sms(c, p->sms) != 0) {
		free(c);
		return NULL;
	}
	c->lifetime = p->lifetime ? p->lifetime : LW_REG_DEFAULT_LIFETIME;
	c->ver_major = p->ver_major;
	c->ver_minor = p->ver_minor;
	set_binding(c, p->binding ? p->binding : "U");
	/* 1.0 says queue mode with Q in the binding, 1.1+ with the Q parameter;
	 * either one is taken from any version (clients mix them up). */
	c->queue_mode = p->queue || strchr(c->binding, 'Q') != NULL;
	c->objects.ct = LW_REG_NO_CT;
	if (p->has_objects) {
		c->objects = p->objects;
		memset(&p->objects, 0, sizeof(p->objects));
	}
	return c;
}

/* Gives p its objects back from a client that will not be kept. */
static void client_undo(struct lw_client *c, struct lw_reg_params *p)
{
	if (p->has_objects) {
		p->objects = c->objects;
		memset(&c->objects, 0, sizeof(c->objects));
	}
	client_free(c);
}

static void client_link(struct lw_registry *r, struct lw_client *c, struct lw_coap_peer *peer)
{
	lw_htable_insert(&r->by_ep, &c->by_ep, ep_hash(c->endpoint));
	lw_htable_insert(&r->by_id, &c->by_id, id_hash(c->id, LW_REG_ID_LEN));
	r->count++;
	attach_peer(c, peer);
}

/* c registers: it is no longer offline, and keeps the version last seen. */
static void take_back(struct lw_registry *r, struct lw_client *c)
{
	struct lw_gone *g = r->gone_count ? lw_registry_find_gone(r, c->endpoint) : NULL;
	if (!g)
		return;
	if (!c->firmware) {
		c->firmware = g->firmware;
		g->firmware = NULL;
	}
	gone_unlink(r, g);
	gone_free(g);
}

int lw_registry_register(struct lw_registry *r, struct lw_reg_params *p,
                         struct lw_coap_peer *peer, struct lw_client **out)
{
	struct lw_client *c = client_new(r, p);
	if (!c)
		return LW_ENOMEM;
	c->registered_at = r->wall(r->wall_ctx);
	c->last_seen = c->registered_at;
	if (new_id(r, c->id) != 0 || arm(r, c) != 0) {
		client_undo(c, p);
		return LW_ENOMEM;
	}

	char replaced[LW_REG_ID_LEN + 1] = "";
	struct lw_client *old = lw_registry_find_ep(r, c->endpoint);
	if (old) {
		memcpy(replaced, old->id, sizeof(replaced));
		log_client(LW_LOG_INFO, "registration replaced", old);
		if (r->on_gone)
			r->on_gone(r->hook_ctx, old, c);
		unlink_client(r, old);
		c->firmware = old->firmware; /* the same device: the last seen */
		old->firmware = NULL;
		client_free(old);
	}
	take_back(r, c);
	client_link(r, c, peer);
	log_client(LW_LOG_INFO, "registered", c);
	char extra[64];
	snprintf(extra, sizeof(extra), "\"replaced\":\"%s\"", replaced);
	publish(r, LW_EVENT_REGISTRATION, c, *replaced ? extra : NULL);
	if (out)
		*out = c;
	if (r->on_wake)
		r->on_wake(r->hook_ctx, c);
	return 0;
}

int lw_registry_restore(struct lw_registry *r, struct lw_reg_params *p,
                        const struct lw_reg_saved *saved, struct lw_coap_peer *peer,
                        struct lw_client **out)
{
	if (strlen(saved->id) != LW_REG_ID_LEN || lw_registry_find_ep(r, p->endpoint) ||
	    lw_registry_find_id(r, saved->id, LW_REG_ID_LEN))
		return LW_EEXIST;
	struct lw_client *c = client_new(r, p);
	if (!c)
		return LW_ENOMEM;
	memcpy(c->id, saved->id, LW_REG_ID_LEN + 1);
	c->registered_at = saved->registered_at;
	c->last_seen = saved->last_seen;
	if (lw_timer_in(r->timers, &c->expiry, saved->remaining_ms) != 0) {
		client_undo(c, p);
		return LW_ENOMEM;
	}
	client_link(r, c, peer);
	take_back(r, c);
	log_client(LW_LOG_DEBUG, "restored", c);
	if (out)
		*out = c;
	return 0;
}

int lw_registry_update(struct lw_registry *r, struct lw_client *c, struct lw_reg_params *p,
                       struct lw_coap_peer *peer)
{
	if (p->sms && set_sms(c, p->sms) != 0)
		return LW_ENOMEM;
	uint32_t old_lifetime = c->lifetime;
	if (p->lifetime)
		c->lifetime = p->lifetime;
	if (arm(r, c) != 0) {
		c->lifetime = old_lifetime;
		return LW_ENOMEM;
	}
	if (p->binding) {
		set_binding(c, p->binding);
		c->queue_mode = p->queue || strchr(c->binding, 'Q') != NULL;
	} else if (p->queue) {
		c->queue_mode = 1;
	}
	if (p->has_objects) {
		objects_free(&c->objects);
		c->objects = p->objects;
		memset(&p->objects, 0, sizeof(p->objects));
	}
	if (peer && peer != c->peer && c->peer) {
		char was[64], now[64];
		lw_log(LW_LOG_INFO, "endpoint %s, registration %s: address changed from %s to %s",
		       c->endpoint, c->id, lw_client_address(c, was, sizeof(was)),
		       lw_coap_addr_str(&peer->addr, now, sizeof(now)));
	}
	attach_peer(c, peer ? peer : c->peer);
	touch(r, c);
	log_client(LW_LOG_INFO, "registration updated", c);
	publish(r, LW_EVENT_UPDATE, c, NULL);
	if (r->on_wake)
		r->on_wake(r->hook_ctx, c);
	return 0;
}

void lw_registry_deregister(struct lw_registry *r, struct lw_client *c)
{
	touch(r, c);
	log_client(LW_LOG_INFO, "deregistered", c);
	publish(r, LW_EVENT_DEREGISTRATION, c, NULL);
	if (r->on_gone)
		r->on_gone(r->hook_ctx, c, NULL);
	unlink_client(r, c);
	remember(r, c, LW_GONE_DEREGISTERED);
	client_free(c);
}
