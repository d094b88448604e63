/*
 * lwm2m/ops.c: the operation API and the per-client operation queue (see
 * ops.h). An operation is copied at submit, waits in its client's queue,
 * goes out as one CoAP request when it reaches the head (and, in queue
 * mode, the client is awake), and ends exactly once: answer, timeout,
 * cancel, or the client's registration ending.
 *
 * The per-client state (struct lw_client_ops) is allocated with the first
 * operation and freed when the queue is empty and no observation is left,
 * so that idle clients cost one pointer in the registry.
 */
#include "lwm2m/ops.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/engine.h"
#include "coap/peer.h"
#include "events.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/formats.h"
#include "lwm2m/log.h"
#include "lwm2m/model.h"
#include "lwm2m/observe.h"
#include "lwm2m/op_json.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"

struct lw_op {
	struct lw_hnode by_id;
	struct lw_op *next; /* the client's queue */
	struct lw_client_ops *st;
	struct lw_timer timer;
	struct lw_coap_exchange *x; /* while in flight */
	uint64_t id;
	uint64_t deadline; /* engine clock, ms */
	uint64_t submitted; /* engine clock, ms: for the duration histogram */
	uint64_t replaces; /* a re-issued Observe: the observation it re-establishes */
	int kind;
	int format; /* override, or -1 */
	int accept; /* what the request asked for (reads), or -1 */
	lw_op_cb cb;
	void *arg;
	char *args;
	lw_records records;
	struct lw_attrs attrs;
	uint8_t saved;     /* the store keeps it (queued for a sleeping device) */
	uint8_t token_len; /* cancel of an observation: its token */
	uint8_t token[LW_COAP_MAX_TOKEN];
	size_t n_paths;
	lw_path paths[]; /* at least one */
};

struct lw_client_ops {
	struct lw_client_ops *prev, *next; /* lw_operations.states */
	struct lw_operations *o;
	struct lw_client *client;
	struct lw_op *head, *tail; /* waiting, in order */
	struct lw_op *inflight;
	size_t n; /* waiting and in flight */
	struct lw_observation *obs;
	/* The observations of the registration this one replaced, until
	 * on_wake re-issues them (reobserve). */
	struct lw_observation *reobs;
	struct lw_timer kick; /* sends what waits, outside the caller's stack */
	int busy, gone;
};

static const char *const kind_names[LW_OP_KIND_COUNT] = {
	"read", "write", "write-update", "execute", "create", "delete", "discover",
	"write-attributes", "observe", "cancel-observe", "read-composite", "write-composite",
	"observe-composite", "cancel-observe-composite",
};

const char *lw_op_kind_name(int kind)
{
	return kind >= 0 && kind < LW_OP_KIND_COUNT ? kind_names[kind] : "unknown";
}

static const char *const attr_names[LW_ATTR_COUNT] = {
	"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax", "edge", "con", "hqmax",
};

const char *lw_attr_name(int attr)
{
	return attr >= 0 && attr < LW_ATTR_COUNT ? attr_names[attr] : "?";
}

static uint64_t id_hash(uint64_t id)
{
	return lw_hash(&id, sizeof(id), 0x6f70);
}

static struct lw_op *find_op(const struct lw_operations *o, uint64_t id)
{
	uint64_t h = id_hash(id);
	for (struct lw_hnode *n = lw_htable_bucket(&o->by_id, h); n; n = n->next) {
		struct lw_op *op = LW_CONTAINER_OF(n, struct lw_op, by_id);
		if (n->hash == h && op->id == id)
			return op;
	}
	return NULL;
}

/* ---- per-client state ---- */

static void on_kick(struct lw_timer *t, void *arg);

struct lw_client_ops *lw_ops_state(struct lw_operations *o, struct lw_client *c)
{
	if (c->ops)
		return c->ops;
	struct lw_client_ops *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->o = o;
	st->client = c;
	lw_timer_init(&st->kick, on_kick, st);
	st->next = o->states;
	if (o->states)
		o->states->prev = st;
	o->states = st;
	c->ops = st;
	return st;
}

struct lw_observation **lw_ops_observations(struct lw_client *c)
{
	return c->ops ? &c->ops->obs : NULL;
}

size_t lw_ops_pending(const struct lw_client *c)
{
	return c->ops ? c->ops->n : 0;
}

static void state_free(struct lw_client_ops *st)
{
	struct lw_operations *o = st->o;
	lw_timer_cancel(o->timers, &st->kick);
	if (st->prev)
		st->prev->next = st->next;
	else
		o->states = st->next;
	if (st->next)
		st->next->prev = st->prev;
	if (st->client && st->client->ops == st)
		st->client->ops = NULL;
	while (st->reobs) {
		struct lw_observation *ob = st->reobs;
		st->reobs = ob->next;
		free(ob);
	}
	free(st);
}

/* ---- results ---- */

/* Our own statuses, in the order of their status keys (256 + index). */
static const char *const own_status[] = {
	"timeout", "cancelled", "queue-full", "not-registered", "unsupported-format",
	"reset", "bad-request", "bad-answer", "error", "unreachable",
};
#define N_OWN_STATUS (sizeof(own_status) / sizeof(own_status[0]))

static uint16_t status_key(int status, uint8_t code)
{
	switch (status) {
	case 0: return code;
	case LW_ETIMEDOUT: return 256;
	case LW_ECANCELED: return 257;
	case LW_ENOSPC: return 258;
	case LW_ENOENT: return 259;
	case LW_ENOTSUP: return 260;
	case LW_EPROTO: return 261;
	case LW_EINVAL: return code ? 263 : 262;
	case LW_EIO: return 265;
	default: return 264;
	}
}

const char *lw_op_stat_status(uint16_t key, char buf[5])
{
	if (key < 256)
		return lw_coap_code_str((uint8_t)key, buf);
	return key - 256u < N_OWN_STATUS ? own_status[key - 256] : "error";
}

const char *lw_op_status_text(int status, uint8_t code, char buf[5])
{
	return lw_op_stat_status(status_key(status, code), buf);
}

const uint32_t lw_op_duration_le_ms[LW_OP_DURATION_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
};

/* Counts one finished operation (metrics); fixed storage, no allocation. */
static void account(struct lw_operations *o, int kind, int status, uint8_t code,
                    uint64_t duration_ms)
{
	if (kind < 0 || kind >= LW_OP_KIND_COUNT)
		return;
	struct lw_op_stats *s = &o->stats;
	uint16_t key = status_key(status, code);
	unsigned slot = ((unsigned)kind * 97u + key * 31u) % LW_OPSTAT_SLOTS;
	for (unsigned i = 0; i < LW_OPSTAT_SLOTS; i++) {
		struct lw_opstat *e = &s->by_status[(slot + i) % LW_OPSTAT_SLOTS];
		if (e->n && (e->kind != kind || e->status != key))
			continue;
		e->kind = (uint8_t)kind;
		e->status = key;
		e->n++;
		goto timed;
	}
	s->by_status_lost++;
timed:;
	int b = 0;
	while (b < LW_OP_DURATION_BUCKETS && duration_ms > lw_op_duration_le_ms[b])
		b++;
	s->dur_bucket[kind][b]++;
	s->dur_count[kind]++;
	s->dur_sum_ms[kind] += duration_ms;
}

/* The operation event's members (the bus wants them without the braces). */
static char *result_fields(void *ctx)
{
	json_t *j = lw_op_result_to_json(ctx, 0);
	char *s = lw_json_members(j);
	json_decref(j);
	return s;
}

const struct lw_op_result *lw_ops_event_result(const struct lw_event *ev)
{
	if (ev->kind != LW_EVENT_OPERATION || ev->make_fields != result_fields)
		return NULL;
	return ev->make_ctx;
}

static void publish(struct lw_operations *o, const struct lw_op_result *r)
{
	if (o->events)
		lw_events_publish_lazy(o->events, LW_EVENT_OPERATION, r->endpoint, result_fields,
		                       (void *)r, r->records);
}

/* Calls back and publishes a result for an operation that never queued. */
static int fail_early(struct lw_operations *o, const struct lw_op_request *req, uint64_t id,
                      int status, const char *why, lw_op_cb cb, void *arg)
{
	struct lw_op_result r = {
		.id = id, .kind = req->kind, .endpoint = req->endpoint, .status = status,
		.content_format = -1, .message = why,
		.path = req->n_paths ? req->paths[0] : LW_PATH_ROOT,
	};
	account(o, req->kind, status, 0, 0);
	publish(o, &r);
	if (cb)
		cb(arg, &r);
	return status;
}

static void settle(struct lw_client_ops *st);

/* The store forgets op: it no longer waits. */
static void unsave(struct lw_op *op)
{
	struct lw_operations *o = op->st->o;
	if (!op->saved)
		return;
	op->saved = 0;
	if (o->store && o->store->unqueued)
		o->store->unqueued(o->store->ctx, op->st->client, op->id);
}

/* Takes op out of everything it is in. */
static void unlink_op(struct lw_op *op)
{
	struct lw_client_ops *st = op->st;
	struct lw_operations *o = st->o;
	unsave(op);
	lw_htable_remove(&o->by_id, &op->by_id);
	lw_timer_cancel(o->timers, &op->timer);
	if (op->x) {
		lw_coap_cancel(o->coap, op->x);
		op->x = NULL;
	}
	if (st->inflight == op) {
		st->inflight = NULL;
	} else {
		struct lw_op **pp = &st->head, *prev = NULL;
		while (*pp && *pp != op) {
			prev = *pp;
			pp = &(*pp)->next;
		}
		if (*pp) {
			*pp = op->next;
			if (st->tail == op)
				st->tail = prev;
		}
	}
	st->n--;
	o->stats.pending--;
}

static void op_free(struct lw_op *op)
{
	lw_records_free(&op->records);
	free(op->args);
	free(op);
}

/* Ends op with r (id, kind, endpoint, path filled here). */
static void finish(struct lw_op *op, struct lw_op_result *r)
{
	struct lw_client_ops *st = op->st;
	struct lw_operations *o = st->o;
	unlink_op(op);
	r->id = op->id;
	r->kind = op->kind;
	r->endpoint = st->client->endpoint;
	r->path = op->paths[0];
	r->replaces = op->replaces;
	if (op->kind >= 0 && op->kind < LW_OP_KIND_COUNT)
		o->done[op->kind]++;
	uint64_t now = lw_timers_now(o->timers);
	account(o, op->kind, r->status, r->code, now > op->submitted ? now - op->submitted : 0);
	st->busy++;
	publish(o, r);
	if (op->cb)
		op->cb(op->arg, r);
	op_free(op);
	st->busy--;
	settle(st);
}

static void finish_status(struct lw_op *op, int status, const char *why)
{
	struct lw_op_result r = {.status = status, .content_format = -1, .message = why};
	finish(op, &r);
}

static void on_timeout(struct lw_timer *t, void *arg)
{
	(void)t;
	finish_status(arg, LW_ETIMEDOUT, NULL);
}

/* ---- building the request ---- */

static int is_composite(int kind)
{
	return kind >= LW_OP_READ_COMPOSITE;
}

static int type_of(const struct lw_operations *o, const lw_path *p)
{
	if (!o->model || lw_path_depth(p) < 3)
		return LW_TYPE_NONE;
	int t = lw_model_type(o->model, p);
	return t < 0 ? LW_TYPE_NONE : t;
}

struct reqbuf {
	struct lw_coap_msg msg;
	char segs[16][8];
	char query[LW_ATTR_COUNT][40];
	uint8_t uints[3][4];
	int n_segs, n_uints;
	lw_buf payload;
};

static void add_opt(struct reqbuf *b, uint16_t num, const void *v, size_t len)
{
	if (b->msg.n_opts >= LW_COAP_MAX_OPTIONS)
		return;
	struct lw_coap_option *opt = &b->msg.opts[b->msg.n_opts++];
	opt->number = num;
	opt->value = v;
	opt->len = (uint16_t)len;
}

static void add_uint(struct reqbuf *b, uint16_t num, uint32_t v)
{
	uint8_t *u = b->uints[b->n_uints++];
	size_t len = v > 0xffffff ? 4 : v > 0xffff ? 3 : v > 0xff ? 2 : v ? 1 : 0;
	for (size_t i = 0; i < len; i++)
		u[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	add_opt(b, num, u, len);
}

/* Uri-Path: the client's alternate root ("/lwm2m"), then the path's ids. */
static int add_path(struct reqbuf *b, const struct lw_client *c, const lw_path *p)
{
	const char *root = c->objects.root;
	while (root && *root) {
		while (*root == '/')
			root++;
		size_t n = strcspn(root, "/");
		if (!n)
			break;
		/* Root segments are kept as options pointing into the client's
		 * string, which outlives the encode. */
		add_opt(b, LW_COAP_OPT_URI_PATH, root, n);
		root += n;
	}
	const uint16_t ids[4] = {p->oid, p->iid, p->rid, p->riid};
	for (int i = 0; i < 4 && ids[i] != LW_ID_NONE; i++) {
		if (b->n_segs == 16)
			return LW_EINVAL;
		char *s = b->segs[b->n_segs++];
		int n = snprintf(s, sizeof(b->segs[0]), "%u", ids[i]);
		add_opt(b, LW_COAP_OPT_URI_PATH, s, (size_t)n);
	}
	return 0;
}

/* A float attribute in the shortest form that reads back the same ("0.1",
 * where %.17g would give 0.10000000000000001). */
static void shortest(char *out, size_t cap, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void add_attrs(struct reqbuf *b, const struct lw_attrs *a)
{
	for (int i = 0; i < LW_ATTR_COUNT; i++) {
		char *q = b->query[i], num[32];
		size_t cap = sizeof(b->query[0]);
		int n;
		if (a->set & (1u << i)) {
			/* gt, lt and st are floats; the others integers. */
			if (i == LW_ATTR_GT || i == LW_ATTR_LT || i == LW_ATTR_ST)
				shortest(num, sizeof(num), a->v[i]);
			else
				snprintf(num, sizeof(num), "%lld", (long long)a->v[i]);
			n = snprintf(q, cap, "%s=%s", attr_names[i], num);
		} else if (a->clear & (1u << i)) {
			n = snprintf(q, cap, "%s", attr_names[i]);
		} else {
			continue;
		}
		add_opt(b, LW_COAP_OPT_URI_QUERY, q, (size_t)n);
	}
}

static int encode(const struct lw_operations *o, int cf, const lw_path *base, const lw_records *in,
                  lw_buf *out, char *why, size_t whylen)
{
	const struct lw_codec *codec = lw_codec_by_format((uint16_t)cf);
	if (!codec || !codec->encode) {
		snprintf(why, whylen, "no codec for content format %d", cf);
		return LW_ENOTSUP;
	}
	struct lw_codec_error err = {0};
	int rc = codec->encode(o->model, base, in, out, &err);
	if (rc) {
		snprintf(why, whylen, "cannot encode as %s: %s", codec->name,
		         err.message[0] ? err.message : lw_strerror(rc));
		return rc == LW_ENOMEM ? LW_ENOMEM : LW_EINVAL;
	}
	return 0;
}

static void on_response(void *arg, int status, const struct lw_coap_msg *resp);

/* Sends op as one CoAP request. On failure the caller ends op. */
static int start(struct lw_op *op, char *why, size_t whylen)
{
	struct lw_client_ops *st = op->st;
	struct lw_operations *o = st->o;
	struct lw_client *c = st->client;
	if (!c->peer) {
		snprintf(why, whylen, "the client has no address");
		return LW_ENOENT;
	}
	struct reqbuf *b = calloc(1, sizeof(*b));
	if (!b)
		return LW_ENOMEM;
	lw_buf_init(&b->payload);
	struct lw_coap_msg *m = &b->msg;
	m->type = LW_COAP_CON;
	const lw_path *p = &op->paths[0];
	int comp = is_composite(op->kind);
	int rc = add_path(b, c, comp ? &LW_PATH_ROOT : p);
	int cf = -1, accept = -1, observe = -1;
	switch (op->kind) {
	case LW_OP_READ:
	case LW_OP_OBSERVE:
	case LW_OP_CANCEL_OBSERVE:
		m->code = LW_COAP_GET;
		accept = lw_format_choose(c, LW_FMT_READ, p, type_of(o, p), op->format);
		if (op->kind != LW_OP_READ)
			observe = op->kind == LW_OP_OBSERVE ? 0 : 1;
		break;
	case LW_OP_DISCOVER:
		m->code = LW_COAP_GET;
		accept = LW_CF_LINK;
		break;
	case LW_OP_WRITE:
	case LW_OP_WRITE_UPDATE:
	case LW_OP_CREATE:
		m->code = op->kind == LW_OP_WRITE ? LW_COAP_PUT : LW_COAP_POST;
		cf = lw_format_choose(c, LW_FMT_WRITE, p, type_of(o, p), op->format);
		break;
	case LW_OP_EXECUTE:
		m->code = LW_COAP_POST;
		if (op->args && *op->args) {
			cf = LW_CF_TEXT;
			rc = rc ? rc : lw_buf_append(&b->payload, op->args, strlen(op->args));
		}
		break;
	case LW_OP_DELETE:
		m->code = LW_COAP_DELETE;
		break;
	case LW_OP_WRITE_ATTRS:
		m->code = LW_COAP_PUT;
		add_attrs(b, &op->attrs);
		break;
	case LW_OP_READ_COMPOSITE:
	case LW_OP_OBSERVE_COMPOSITE:
	case LW_OP_CANCEL_OBSERVE_COMPOSITE:
		m->code = LW_COAP_FETCH;
		cf = accept = lw_format_choose(c, LW_FMT_COMPOSITE, p, LW_TYPE_NONE, op->format);
		if (op->kind != LW_OP_READ_COMPOSITE)
			observe = op->kind == LW_OP_OBSERVE_COMPOSITE ? 0 : 1;
		break;
	case LW_OP_WRITE_COMPOSITE:
		m->code = LW_COAP_IPATCH;
		cf = lw_format_choose(c, LW_FMT_COMPOSITE, p, LW_TYPE_NONE, op->format);
		break;
	default:
		rc = LW_EINVAL;
	}
	if (rc == 0 && cf >= 0 && op->kind != LW_OP_EXECUTE) {
		if (op->kind == LW_OP_READ_COMPOSITE || op->kind == LW_OP_OBSERVE_COMPOSITE ||
		    op->kind == LW_OP_CANCEL_OBSERVE_COMPOSITE) {
			/* The body of a composite read names the paths: records
			 * without values. */
			lw_records names;
			lw_records_init(&names);
			for (size_t i = 0; i < op->n_paths && rc == 0; i++) {
				lw_record *r = lw_records_add(&names);
				if (!r)
					rc = LW_ENOMEM;
				else
					r->path = op->paths[i];
			}
			if (rc == 0)
				rc = encode(o, cf, &LW_PATH_ROOT, &names, &b->payload, why, whylen);
			lw_records_free(&names);
		} else {
			rc = encode(o, cf, comp ? &LW_PATH_ROOT : p, &op->records, &b->payload, why,
			            whylen);
		}
	}
	if (rc == 0) {
		if (observe >= 0)
			add_uint(b, LW_COAP_OPT_OBSERVE, (uint32_t)observe);
		if (cf >= 0)
			add_uint(b, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)cf);
		if (accept >= 0)
			add_uint(b, LW_COAP_OPT_ACCEPT, (uint32_t)accept);
		m->payload = b->payload.len ? b->payload.data : NULL;
		m->payload_len = b->payload.len;
		op->accept = accept;
		uint64_t now = lw_timers_now(o->timers);
		uint32_t left = op->deadline > now ? (uint32_t)(op->deadline - now) : 1;
		if (op->token_len) {
			m->token_len = op->token_len;
			memcpy(m->token, op->token, op->token_len);
			rc = lw_coap_request_token(o->coap, c->peer, m, left, on_response, op,
			                           &op->x);
		} else {
			rc = lw_coap_request(o->coap, c->peer, m, left, on_response, op, &op->x);
		}
		if (rc == 0) {
			/* Observe keeps the token the engine drew. */
			op->token_len = m->token_len;
			memcpy(op->token, m->token, m->token_len);
		} else if (rc == LW_ENOSPC) {
			snprintf(why, whylen, "the request does not fit one message");
		}
	}
	lw_buf_free(&b->payload);
	free(b);
	return rc;
}

int lw_ops_client_asleep(const struct lw_operations *o, const struct lw_client *c)
{
	return c->queue_mode && o->reg->wall(o->reg->wall_ctx) - c->last_seen >= o->awake_s;
}

/* Sends the head of the queue when nothing is in flight and the client listens. */
static void pump(struct lw_client_ops *st)
{
	struct lw_operations *o = st->o;
	struct lw_client *c = st->client;
	while (!st->gone && !st->inflight && st->head) {
		if (lw_ops_client_asleep(o, c))
			return; /* asleep: wait for its next message */
		struct lw_op *op = st->head;
		st->head = op->next;
		if (!st->head)
			st->tail = NULL;
		op->next = NULL;
		st->inflight = op;
		unsave(op);
		char why[200] = "";
		int rc = start(op, why, sizeof(why));
		if (rc)
			finish_status(op, rc, why[0] ? why : lw_strerror(rc));
	}
}

static void settle(struct lw_client_ops *st)
{
	if (st->busy)
		return; /* the outer call settles */
	st->busy++;
	pump(st);
	st->busy--;
	if (!st->n && !st->obs && !st->reobs && !st->gone)
		state_free(st);
}

void lw_ops_settle(struct lw_client *c)
{
	if (c->ops)
		settle(c->ops);
}

static void on_kick(struct lw_timer *t, void *arg)
{
	(void)t;
	settle(arg);
}

void lw_ops_wake(struct lw_operations *o, struct lw_client *c)
{
	c->last_seen = o->reg->wall(o->reg->wall_ctx);
	/* Later, not now: a Register's or Update's answer must reach the
	 * client before the requests that waited for it. */
	if (c->ops && c->ops->head && !c->ops->inflight)
		lw_timer_in(o->timers, &c->ops->kick, 0);
}

/* ---- answers ---- */

/* "/3303/1" from the Location-Path of a Create's answer (after the root). */
static void location_of(const struct lw_client *c, const struct lw_coap_msg *m, char *out,
                        size_t cap)
{
	size_t len = 0;
	int skip = 0;
	for (const char *r = c->objects.root; r && *r; r++)
		if (*r == '/' && r[1] && r[1] != '/')
			skip++;
	out[0] = '\0';
	for (const struct lw_coap_option *opt = lw_coap_find(m, LW_COAP_OPT_LOCATION_PATH); opt;
	     opt = lw_coap_find_next(m, opt)) {
		if (skip) {
			skip--;
			continue;
		}
		if (len + opt->len + 2 > cap)
			break;
		out[len++] = '/';
		memcpy(out + len, opt->value, opt->len);
		len += opt->len;
		out[len] = '\0';
	}
}

static void on_response(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct lw_op *op = arg;
	struct lw_client_ops *st = op->st;
	struct lw_operations *o = st->o;
	struct lw_client *c = st->client;
	op->x = NULL; /* the engine is done with it */
	if (status) {
		finish_status(op, status, status == LW_EPROTO ? "the client answered RST" : NULL);
		return;
	}
	struct lw_op_result r = {.status = 0, .code = resp->code, .content_format = -1};
	lw_records recs;
	lw_links links;
	lw_records_init(&recs);
	lw_links_init(&links);
	char why[200] = "", loc[64] = "";
	const struct lw_coap_option *cfo = lw_coap_find(resp, LW_COAP_OPT_CONTENT_FORMAT);
	uint32_t cf = 0;
	if (cfo && lw_coap_opt_uint(cfo, &cf) == 0)
		r.content_format = (int)cf;
	int success = LW_COAP_CLASS(resp->code) == 2;
	int comp = is_composite(op->kind);
	if (success && resp->payload_len) {
		/* Without a Content-Format the answer is in the format asked
		 * for, or text (RFC 7252's default, and 1.0 clients' habit). */
		if (r.content_format < 0)
			r.content_format = op->accept >= 0 ? op->accept : LW_CF_TEXT;
		int rc = 0;
		if (op->kind == LW_OP_DISCOVER) {
			const struct lw_codec *lc = lw_codec_by_format((uint16_t)r.content_format);
			struct lw_codec_error err = {0};
			if (!lc || !lc->decode_links) {
				rc = LW_ENOTSUP;
				snprintf(why, sizeof(why), "no link-format codec for format %d",
				         r.content_format);
			} else if ((rc = lc->decode_links(resp->payload, resp->payload_len, &links,
			                                  &err)) != 0) {
				rc = LW_EINVAL;
				snprintf(why, sizeof(why), "link-format answer at byte %zu: %s",
				         err.offset, err.message);
			} else {
				r.links = &links;
			}
		} else if (op->kind == LW_OP_READ || op->kind == LW_OP_OBSERVE ||
		           op->kind == LW_OP_READ_COMPOSITE ||
		           op->kind == LW_OP_OBSERVE_COMPOSITE) {
			rc = lw_format_decode(o->model, r.content_format,
			                      comp ? &LW_PATH_ROOT : &op->paths[0], resp->payload,
			                      resp->payload_len, &recs, why, sizeof(why));
			if (rc == 0)
				r.records = &recs;
		}
		if (rc) {
			r.status = rc == LW_ENOTSUP ? LW_ENOTSUP : LW_EINVAL;
			r.message = why;
		}
	}
	if (r.status == 0 && success) {
		if (op->kind == LW_OP_CREATE) {
			location_of(c, resp, loc, sizeof(loc));
			if (loc[0])
				r.location = loc;
		}
		const struct lw_coap_option *obs = lw_coap_find(resp, LW_COAP_OPT_OBSERVE);
		uint32_t seq = 0;
		if ((op->kind == LW_OP_OBSERVE || op->kind == LW_OP_OBSERVE_COMPOSITE) && obs &&
		    lw_coap_opt_uint(obs, &seq) == 0) {
			int rc = lw_observe_add(o, c, op->id, op->paths, op->n_paths, comp,
			                        op->token, op->token_len, seq, op->accept);
			struct lw_observation *ob =
				rc ? NULL : lw_observe_find(c, op->paths, op->n_paths, comp);
			if (ob) {
				ob->replaces = op->replaces;
				ob->req_format = op->format;
				if (o->store && o->store->observation)
					o->store->observation(o->store->ctx, c, ob, 1);
			} else {
				/* Unknown to us, it gets RST at its first notification. */
				lw_log(LW_LOG_WARN, "endpoint %s: observation not kept: %s",
				       c->endpoint, lw_strerror(rc));
			}
		}
	}
	if (op->kind == LW_OP_CANCEL_OBSERVE || op->kind == LW_OP_CANCEL_OBSERVE_COMPOSITE) {
		/* Whatever the answer, the observation is over for us. */
		struct lw_observation *ob =
			lw_observe_find(c, op->paths, op->n_paths,
			                op->kind == LW_OP_CANCEL_OBSERVE_COMPOSITE);
		if (ob)
			lw_observe_remove(o, c, ob);
	}
	finish(op, &r);
	lw_records_free(&recs);
	lw_links_free(&links);
}

/* ---- the API ---- */

static int kind_needs_records(int kind)
{
	return kind == LW_OP_WRITE || kind == LW_OP_WRITE_UPDATE || kind == LW_OP_CREATE ||
	       kind == LW_OP_WRITE_COMPOSITE;
}

static const char *check_request(const struct lw_op_request *req)
{
	if (req->kind < 0 || req->kind >= LW_OP_KIND_COUNT)
		return "unknown operation";
	if (!req->paths || req->n_paths == 0)
		return "no path";
	if (req->n_paths > LW_OP_MAX_PATHS || (req->n_paths > 1 && !is_composite(req->kind)))
		return "too many paths";
	int depth = lw_path_depth(&req->paths[0]);
	switch (req->kind) {
	case LW_OP_EXECUTE:
		if (depth != 3)
			return "Execute needs a resource path";
		break;
	case LW_OP_CREATE:
		if (depth != 1)
			return "Create needs an object path";
		break;
	case LW_OP_DELETE:
		if (depth != 2)
			return "Delete needs an object instance path";
		break;
	case LW_OP_WRITE:
	case LW_OP_WRITE_UPDATE:
	case LW_OP_WRITE_ATTRS:
		if (depth < 1)
			return "a write needs an object path at least";
		break;
	default:
		break;
	}
	if (kind_needs_records(req->kind) && (!req->records || !req->records->n))
		return "no records to write";
	if (req->kind == LW_OP_WRITE_ATTRS &&
	    (!req->attrs || !(req->attrs->set | req->attrs->clear)))
		return "no attributes to write";
	if (req->format > 65535)
		return "bad content format";
	return NULL;
}

static int submit(struct lw_operations *o, const struct lw_op_request *req, lw_op_cb cb,
                  void *arg, uint64_t *id, uint64_t replaces)
{
	uint64_t oid = ++o->next_id;
	if (id)
		*id = oid;
	const char *bad = check_request(req);
	if (bad)
		return fail_early(o, req, oid, LW_EINVAL, bad, cb, arg);
	struct lw_client *c = req->endpoint ? lw_registry_find_ep(o->reg, req->endpoint) : NULL;
	if (!c || (c->ops && c->ops->gone))
		return fail_early(o, req, oid, LW_ENOENT, "endpoint not registered", cb, arg);
	if (c->ops && c->ops->n >= LW_OPQ_MAX)
		return fail_early(o, req, oid, LW_ENOSPC, "the client's operation queue is full",
		                  cb, arg);
	int kind = req->kind;
	struct lw_observation *ob = NULL;
	if (kind == LW_OP_CANCEL_OBSERVE || kind == LW_OP_CANCEL_OBSERVE_COMPOSITE) {
		ob = lw_observe_find(c, req->paths, req->n_paths,
		                     kind == LW_OP_CANCEL_OBSERVE_COMPOSITE);
		if (!ob)
			return fail_early(o, req, oid, LW_ENOENT, "no such observation", cb, arg);
	}
	struct lw_op *op = calloc(1, sizeof(*op) + req->n_paths * sizeof(lw_path));
	struct lw_client_ops *st = op ? lw_ops_state(o, c) : NULL;
	if (!st) {
		free(op);
		return fail_early(o, req, oid, LW_ENOMEM, NULL, cb, arg);
	}
	op->st = st;
	op->id = oid;
	op->replaces = replaces;
	op->kind = kind;
	op->format = req->format;
	op->accept = -1;
	op->cb = cb;
	op->arg = arg;
	op->n_paths = req->n_paths;
	memcpy(op->paths, req->paths, req->n_paths * sizeof(lw_path));
	lw_records_init(&op->records);
	if (req->attrs)
		op->attrs = *req->attrs;
	if (ob) {
		op->token_len = ob->token_len;
		memcpy(op->token, ob->token, ob->token_len);
	}
	int rc = 0;
	if (req->args && !(op->args = strdup(req->args)))
		rc = LW_ENOMEM;
	for (size_t i = 0; rc == 0 && req->records && kind_needs_records(kind) &&
	                   i < req->records->n; i++)
		rc = lw_records_append_copy(&op->records, &req->records->items[i]);
	if (rc) {
		op_free(op);
		settle(st);
		return fail_early(o, req, oid, rc, NULL, cb, arg);
	}
	uint32_t timeout = req->timeout_ms ? req->timeout_ms : LW_OP_DEFAULT_TIMEOUT_MS;
	op->submitted = lw_timers_now(o->timers);
	op->deadline = op->submitted + timeout;
	lw_timer_init(&op->timer, on_timeout, op);
	lw_timer_in(o->timers, &op->timer, timeout);
	lw_htable_insert(&o->by_id, &op->by_id, id_hash(oid));
	if (st->tail)
		st->tail->next = op;
	else
		st->head = op;
	st->tail = op;
	st->n++;
	o->stats.pending++;
	settle(st);
	/* Still waiting for a sleeping device: the store keeps it. */
	op = o->store && o->store->queued ? find_op(o, oid) : NULL;
	if (op && op->st->inflight != op && lw_ops_client_asleep(o, c)) {
		op->saved = 1;
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		o->store->queued(o->store->ctx, c, oid, req, (double)now.tv_sec + timeout / 1000.0);
	}
	return 0;
}

int lw_ops_submit(struct lw_operations *o, const struct lw_op_request *req, lw_op_cb cb, void *arg,
                  uint64_t *id)
{
	return submit(o, req, cb, arg, id, 0);
}

int lw_ops_cancel(struct lw_operations *o, uint64_t id)
{
	struct lw_op *op = find_op(o, id);
	if (!op)
		return LW_ENOENT;
	finish_status(op, LW_ECANCELED, NULL);
	return 0;
}

int lw_ops_detach(struct lw_operations *o, uint64_t id)
{
	struct lw_op *op = find_op(o, id);
	if (!op)
		return LW_ENOENT;
	op->cb = NULL;
	op->arg = NULL;
	return 0;
}

/* ---- registry hooks ---- */

/* Whether c's object list names the object of p (the root always counts). */
static int object_listed(const struct lw_client *c, const lw_path *p)
{
	if (p->oid == LW_ID_NONE)
		return 1;
	for (uint16_t i = 0; i < c->objects.n; i++)
		if (c->objects.links[i].oid == p->oid)
			return 1;
	return 0;
}

/*
 * A new Register of a known endpoint: the client forgot its observations
 * (a Register starts a new session), so every one the old registration had
 * goes out again as a new Observe, same paths and same requested format,
 * through the ordinary queue. Paths whose object the new object list lacks
 * are left out (the device lost that object: the Observe would only fail).
 */
static void reobserve(struct lw_operations *o, struct lw_client *c)
{
	struct lw_client_ops *st = c->ops;
	struct lw_observation *list = st->reobs, *rev = NULL;
	st->reobs = NULL;
	/* The list is newest first: re-issue in the order they were made. */
	while (list) {
		struct lw_observation *ob = list;
		list = ob->next;
		ob->next = rev;
		rev = ob;
	}
	/* Queued without sending: the Register's answer must go first. */
	st->busy++;
	while (rev) {
		struct lw_observation *ob = rev;
		rev = ob->next;
		lw_path kept[LW_OP_MAX_PATHS];
		size_t n = 0;
		for (uint16_t i = 0; i < ob->n_paths && n < LW_OP_MAX_PATHS; i++) {
			char p[LW_PATH_MAX_TEXT];
			if (object_listed(c, &ob->paths[i])) {
				kept[n++] = ob->paths[i];
				continue;
			}
			lw_path_format(&ob->paths[i], p, sizeof(p));
			lw_log(LW_LOG_WARN, "endpoint %s: not observing %s again (observation %llu): "
			       "object %u is not in the new registration's object list",
			       c->endpoint, p, (unsigned long long)ob->id, ob->paths[i].oid);
		}
		if (n == 0) {
			o->stats.reobserve_skipped++;
			free(ob);
			continue;
		}
		struct lw_op_request req = {
			.endpoint = c->endpoint,
			.kind = ob->composite ? LW_OP_OBSERVE_COMPOSITE : LW_OP_OBSERVE,
			.paths = kept,
			.n_paths = n,
			.format = ob->req_format,
		};
		uint64_t id = 0;
		int rc = submit(o, &req, NULL, NULL, &id, ob->id);
		char p[LW_PATH_MAX_TEXT];
		lw_path_format(&kept[0], p, sizeof(p));
		if (rc == 0) {
			o->stats.reobserved++;
			lw_log(LW_LOG_INFO, "endpoint %s: observing %s%s again after a new "
			       "registration: operation %llu replaces observation %llu",
			       c->endpoint, p, n > 1 ? " (composite)" : "", (unsigned long long)id,
			       (unsigned long long)ob->id);
		} else {
			lw_log(LW_LOG_WARN, "endpoint %s: cannot observe %s again: %s", c->endpoint,
			       p, lw_strerror(rc));
		}
		free(ob);
	}
	st->busy--;
	if (!st->n && !st->obs)
		state_free(st);
}

static void on_wake(void *ctx, struct lw_client *c)
{
	struct lw_operations *o = ctx;
	if (c->ops && c->ops->reobs)
		reobserve(o, c);
	lw_ops_wake(o, c);
}

/* Forgets the observation that the waiting cancel op was for, if it is
 * among those to re-issue. */
static void drop_reobs(struct lw_client_ops *to, const struct lw_op *op)
{
	int comp = op->kind == LW_OP_CANCEL_OBSERVE_COMPOSITE;
	for (struct lw_observation **pp = &to->reobs; *pp; pp = &(*pp)->next) {
		struct lw_observation *ob = *pp;
		if (ob->composite != comp || ob->n_paths != op->n_paths)
			continue;
		size_t i = 0;
		while (i < op->n_paths && lw_path_equal(&ob->paths[i], &op->paths[i]))
			i++;
		if (i == op->n_paths) {
			*pp = ob->next;
			free(ob);
			return;
		}
	}
}

static void on_gone(void *ctx, struct lw_client *c, struct lw_client *successor)
{
	struct lw_operations *o = ctx;
	struct lw_client_ops *st = c->ops;
	if (!st)
		return;
	st->gone = 1;
	st->busy++;
	/* A device that registers again (a reboot) still gets what waited for
	 * it: the queue moves to the new registration, in order; and with
	 * reobserve, its observations wait there for on_wake to re-issue. */
	struct lw_client_ops *to = successor ? lw_ops_state(o, successor) : NULL;
	if (to && o->reobserve && st->obs) {
		to->reobs = st->obs;
		st->obs = NULL;
	}
	lw_observe_drop_all(c);
	if (st->inflight)
		finish_status(st->inflight, LW_ECANCELED, "the registration ended");
	while (st->head) {
		struct lw_op *op = st->head;
		if (!to || op->kind == LW_OP_CANCEL_OBSERVE ||
		    op->kind == LW_OP_CANCEL_OBSERVE_COMPOSITE) {
			/* The caller wanted that observation gone: not again. */
			if (to)
				drop_reobs(to, op);
			finish_status(op, LW_ECANCELED, "the registration ended");
			continue;
		}
		st->head = op->next;
		st->n--;
		op->next = NULL;
		op->st = to;
		if (to->tail)
			to->tail->next = op;
		else
			to->head = op;
		to->tail = op;
		to->n++;
	}
	st->tail = NULL;
	st->busy--;
	state_free(st);
	if (to && !to->n && !to->reobs)
		state_free(to);
}

int lw_ops_init(struct lw_operations *o, struct lw_coap_engine *coap, struct lw_registry *reg,
                struct lw_events *events, const lw_model *model)
{
	memset(o, 0, sizeof(*o));
	o->coap = coap;
	o->reg = reg;
	o->events = events;
	o->model = model;
	o->timers = reg->timers;
	o->awake_s = LW_OP_AWAKE_S;
	if (lw_htable_init(&o->by_id, 64) != 0)
		return LW_ENOMEM;
	reg->on_wake = on_wake;
	reg->on_gone = on_gone;
	reg->hook_ctx = o;
	lw_coap_set_unmatched(coap, lw_observe_on_notify, o);
	return 0;
}

void lw_ops_free(struct lw_operations *o)
{
	/* What waits now still waits after a restart: the store keeps it. */
	o->store = NULL;
	if (o->reg && o->reg->hook_ctx == o) {
		o->reg->on_wake = NULL;
		o->reg->on_gone = NULL;
		o->reg->hook_ctx = NULL;
	}
	if (o->coap && o->coap->on_unmatched_ctx == o)
		lw_coap_set_unmatched(o->coap, NULL, NULL);
	while (o->states) {
		struct lw_client_ops *st = o->states;
		st->gone = 1;
		st->busy++;
		lw_observe_drop_all(st->client);
		if (st->inflight)
			finish_status(st->inflight, LW_ECANCELED, "the server is stopping");
		while (st->head)
			finish_status(st->head, LW_ECANCELED, "the server is stopping");
		st->busy--;
		state_free(st);
	}
	lw_htable_free(&o->by_id);
}
