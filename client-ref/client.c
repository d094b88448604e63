/*
 * client-ref/client.c: the networking half of the reference client, on
 * libcoap 4.3.1. It registers with the LwM2M server, sends Updates before
 * the lifetime runs out, answers the server's requests from the object tree
 * (objects.c), notifies observers as their attributes allow, sends data
 * (POST /dp) and deregisters when asked to stop.
 *
 * Shape: one loop (lwc_client_run) that every 200 ms moves the sensors on,
 * drives the registration state machine, checks observations, and lets
 * libcoap do its I/O and retransmissions. Requests from the server come in
 * on the same UDP session as the registration (the server answers to the
 * address it saw the Register from), through one libcoap resource per
 * object, instance, resource and resource-instance path, plus "/" for the
 * composite operations (FETCH, iPATCH). Resources of paths that leave the
 * tree (Delete, a Write that drops resource instances) are deleted after
 * the handler returns (sweep_resources). --listen-port adds a second endpoint
 * that answers any peer: tests and debugging tools use it to act as the
 * server themselves.
 *
 * The account it registers with, and the DTLS session to it, are
 * security.c's; a factory-fresh client (-b) first goes through bootstrap.c,
 * which takes the server's requests while it bootstraps (client_int.h has
 * the state they share).
 *
 * libcoap 4.3.1 has no user data on a context, so the resource handlers find
 * the client through one global pointer: one client per process.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <coap3/coap.h>

#include "client_int.h"
#include "lwm2m/error.h"
#include "lwm2m/ddf.h"
#include "lwm2m/model_int.h"


struct lwc_client *the_client;

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lwc_log(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "lwm2m-client: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static uint64_t fnv64(const uint8_t *p, size_t n)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* ---- small CoAP helpers ---- */

static int opt_uint(const coap_pdu_t *pdu, uint16_t num, unsigned *out)
{
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(pdu, num, &it);
	if (!o)
		return -1;
	*out = coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
	return 0;
}

static void add_uint_opt(coap_pdu_t *pdu, uint16_t num, unsigned v)
{
	uint8_t buf[4];
	coap_add_option(pdu, num, coap_encode_var_safe(buf, sizeof(buf), v), buf);
}

void lwc_set_code(coap_pdu_t *response, int status)
{
	coap_pdu_set_code(response, (coap_pdu_code_t)COAP_RESPONSE_CODE(status));
}

/* Hands an lw_buf's bytes to libcoap, which frees them when sent. */
static void release_buf(coap_session_t *s, void *p)
{
	(void)s;
	free(p);
}

static void respond_data(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                         const coap_string_t *query, coap_pdu_t *resp, unsigned cf, lw_buf *b)
{
	lwc_set_code(resp, LWC_CONTENT);
	/* libcoap takes the buffer and does Block2 for large answers. */
	coap_add_data_large_response(res, sess, req, resp, query, (uint16_t)cf, -1, 0, b->len,
	                             b->data, release_buf, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* The LwM2M path a libcoap resource stands for. */
static lw_path res_path(coap_resource_t *res)
{
	coap_str_const_t *u = coap_resource_get_uri_path(res);
	lw_path p = LW_PATH_ROOT;
	if (u)
		lw_path_parse((const char *)u->s, u->length, &p, NULL);
	return p;
}

/* ---- attributes ---- */

static struct attrs *attrs_find(struct lwc_client *c, const lw_path *p, bool create)
{
	struct attrs *free_one = NULL;
	for (size_t i = 0; i < MAX_ATTRS; i++) {
		if (c->attrs[i].used && lw_path_equal(&c->attrs[i].path, p))
			return &c->attrs[i];
		if (!c->attrs[i].used && !free_one)
			free_one = &c->attrs[i];
	}
	if (!create || !free_one)
		return NULL;
	free_one->used = true;
	free_one->path = *p;
	free_one->pmin = free_one->pmax = free_one->gt = free_one->lt = free_one->st = NAN;
	free_one->epmin = free_one->epmax = NAN;
	return free_one;
}

/* An attribute applies from the deepest level that sets it (resource, then
 * instance, then object), then from the server's defaults (pmin, pmax). */
static double attr_of(struct lwc_client *c, const lw_path *p, size_t offset)
{
	lw_path q = *p;
	for (int d = lw_path_depth(p); d >= 1; d--) {
		q = lw_path_make(d, p->oid, p->iid, p->rid, p->riid);
		struct attrs *a = attrs_find(c, &q, false);
		if (a) {
			double v = *(const double *)((const char *)a + offset);
			if (!isnan(v))
				return v;
		}
	}
	if (offset == offsetof(struct attrs, pmin))
		return (double)lwc_get_int(&c->obj, 1, c->srv_iid, 2, 0);
	if (offset == offsetof(struct attrs, pmax))
		return (double)lwc_get_int(&c->obj, 1, c->srv_iid, 3, 0);
	return NAN;
}

static int parse_attrs(struct lwc_client *c, const lw_path *p, const coap_string_t *q)
{
	static const struct { const char *name; size_t off; } names[] = {
		{"pmin", offsetof(struct attrs, pmin)},   {"pmax", offsetof(struct attrs, pmax)},
		{"gt", offsetof(struct attrs, gt)},       {"lt", offsetof(struct attrs, lt)},
		{"st", offsetof(struct attrs, st)},       {"epmin", offsetof(struct attrs, epmin)},
		{"epmax", offsetof(struct attrs, epmax)},
	};
	struct attrs next;
	struct attrs *a = attrs_find(c, p, true);
	if (!a)
		return LWC_INTERNAL;
	next = *a;
	const char *s = (const char *)q->s, *end = s + q->length;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp ? amp : end;
		const char *eq = memchr(s, '=', (size_t)(e - s));
		size_t nlen = (size_t)((eq ? eq : e) - s);
		size_t k;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k].name) == nlen && !memcmp(names[k].name, s, nlen))
				break;
		if (k == sizeof(names) / sizeof(names[0]))
			return LWC_BAD_REQUEST;
		double v = NAN; /* "pmin" without a value removes it */
		if (eq) {
			char tmp[32];
			size_t vl = (size_t)(e - eq - 1);
			if (vl == 0 || vl >= sizeof(tmp))
				return LWC_BAD_REQUEST;
			memcpy(tmp, eq + 1, vl);
			tmp[vl] = 0;
			char *stop;
			v = strtod(tmp, &stop);
			if (*stop || !isfinite(v) || (v < 0 && names[k].name[0] != 'g' &&
			                              names[k].name[0] != 'l'))
				return LWC_BAD_REQUEST;
		}
		*(double *)((char *)&next + names[k].off) = v;
		s = e + 1;
	}
	if (!isnan(next.pmin) && !isnan(next.pmax) && next.pmax < next.pmin)
		return LWC_BAD_REQUEST;
	*a = next;
	return LWC_CHANGED;
}

static void attrs_to_link(struct lwc_client *c, const lw_path *p, lw_buf *b)
{
	struct attrs *a = attrs_find(c, p, false);
	if (!a)
		return;
	const double v[] = {a->pmin, a->pmax, a->gt, a->lt, a->st, a->epmin, a->epmax};
	static const char *const n[] = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax"};
	for (size_t i = 0; i < 7; i++)
		if (!isnan(v[i]))
			lw_buf_printf(b, ";%s=%g", n[i], v[i]);
}

/* ---- link format: Register payload and Discover ---- */

const char *lwc_object_version(struct lwc_client *c, uint16_t oid)
{
	const struct lw_object_def *d = lw_model_object(c->model, oid, NULL);
	return d ? d->version : "1.0";
}

void lwc_link_sep(lw_buf *b)
{
	if (b->len)
		lw_buf_append_byte(b, ',');
}

/* </>;rt="oma.lwm2m";ct=..,</1>;ver=1.2,</1/0>,... The Security object is
 * never listed: it is the bootstrap server's business. */
static void register_links(struct lwc_client *c, lw_buf *b)
{
	if (c->version >= 11)
		lw_buf_printf(b, "</>;rt=\"oma.lwm2m\";ct=%u", c->pref->content_format);
	uint16_t last = LW_ID_NONE;
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		const struct lwc_instance *in = &c->obj.inst[i];
		if (!in->used || in->oid == 0)
			continue;
		if (in->oid != last) {
			const char *ver = lwc_object_version(c, in->oid);
			lwc_link_sep(b);
			if (strcmp(ver, "1.0"))
				lw_buf_printf(b, "</%u>;ver=%s", in->oid, ver);
			else
				lw_buf_printf(b, "</%u>", in->oid);
			last = in->oid;
		}
		lwc_link_sep(b);
		lw_buf_printf(b, "</%u/%u>", in->oid, in->iid);
	}
}

static int discover(struct lwc_client *c, const lw_path *p, lw_buf *b)
{
	if (lw_path_depth(p) < 1 || lw_path_depth(p) > 3)
		return LWC_NOT_ALLOWED;
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	if (lw_path_depth(p) == 1) {
		lw_buf_printf(b, "</%u>", p->oid);
		if (strcmp(lwc_object_version(c, p->oid), "1.0"))
			lw_buf_printf(b, ";ver=%s", lwc_object_version(c, p->oid));
		attrs_to_link(c, p, b);
	}
	bool any = false;
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &c->obj.inst[i];
		if (!in->used || in->oid != p->oid || (p->iid != LW_ID_NONE && in->iid != p->iid))
			continue;
		any = true;
		lw_path ip = lw_path_make(2, in->oid, in->iid, 0, 0);
		if (p->rid == LW_ID_NONE) {
			lwc_link_sep(b);
			lw_buf_printf(b, "</%u/%u>", in->oid, in->iid);
			attrs_to_link(c, &ip, b);
		}
		for (size_t k = 0; k < in->nres; k++) {
			uint16_t rid = in->res[k];
			if (p->rid != LW_ID_NONE && rid != p->rid)
				continue;
			lwc_link_sep(b);
			lw_buf_printf(b, "</%u/%u/%u>", in->oid, in->iid, rid);
			const struct lw_resource_def *d = lw_model_resource(c->model, in->oid, rid);
			if (d && d->multiple) {
				unsigned dim = 0;
				for (size_t j = 0; j < in->n; j++)
					dim += in->slots[j].rid == rid;
				lw_buf_printf(b, ";dim=%u", dim);
			}
			lw_path rp = lw_path_make(3, in->oid, in->iid, rid, 0);
			attrs_to_link(c, &rp, b);
		}
	}
	if (!any && p->iid != LW_ID_NONE)
		return LWC_NOT_FOUND;
	return LWC_CONTENT;
}

/* ---- observations ---- */

static struct observation *obs_find(struct lwc_client *c, const lw_path *p)
{
	for (size_t i = 0; i < MAX_OBSERVATIONS; i++)
		if (c->obs[i].used && !c->obs[i].composite && lw_path_equal(&c->obs[i].path, p))
			return &c->obs[i];
	return NULL;
}

static struct observation *obs_find_token(struct lwc_client *c, coap_bin_const_t t)
{
	for (size_t i = 0; i < MAX_OBSERVATIONS; i++)
		if (c->obs[i].used && c->obs[i].composite && c->obs[i].token_len == t.length &&
		    !memcmp(c->obs[i].token, t.s, t.length))
			return &c->obs[i];
	return NULL;
}

static struct observation *obs_slot(struct lwc_client *c, struct observation *o)
{
	for (size_t i = 0; !o && i < MAX_OBSERVATIONS; i++)
		if (!c->obs[i].used)
			o = &c->obs[i];
	if (!o)
		lwc_log("too many observations: not tracked");
	return o;
}

static void obs_sent(struct observation *o, coap_resource_t *res, unsigned cf, const lw_buf *b,
                     const lw_records *recs)
{
	double now = now_s();
	o->used = true;
	o->res = res;
	o->cf = cf;
	o->last_sent = now;
	o->last_eval = now;
	o->last_hash = fnv64(b->data, b->len);
	o->has_value = !o->composite && recs->n == 1 &&
	               (recs->items[0].type == LW_TYPE_FLOAT || recs->items[0].type == LW_TYPE_INTEGER);
	if (o->has_value)
		o->last_value = recs->items[0].type == LW_TYPE_FLOAT ? recs->items[0].v.f
		                                                     : (double)recs->items[0].v.i;
}

static void obs_note(struct lwc_client *c, coap_resource_t *res, const lw_path *p, unsigned cf,
                     const lw_buf *b, const lw_records *recs)
{
	struct observation *o = obs_slot(c, obs_find(c, p));
	if (!o)
		return;
	o->composite = false;
	o->path = o->paths[0] = *p;
	o->n_paths = 1;
	obs_sent(o, res, cf, b, recs);
}

static void obs_note_composite(struct lwc_client *c, coap_resource_t *res, coap_bin_const_t tok,
                               const lw_records *paths, unsigned cf, const lw_buf *b,
                               const lw_records *recs)
{
	if (tok.length > sizeof(((struct observation *)0)->token))
		return;
	struct observation *o = obs_slot(c, obs_find_token(c, tok));
	if (!o)
		return;
	o->composite = true;
	o->path = LW_PATH_ROOT;
	o->n_paths = 0;
	for (size_t i = 0; i < paths->n && i < MAX_COMPOSITE_PATHS; i++)
		o->paths[o->n_paths++] = paths->items[i].path;
	memcpy(o->token, tok.s, tok.length);
	o->token_len = (uint8_t)tok.length;
	obs_sent(o, res, cf, b, recs);
}

/* Whether a change from last to v is worth a notification under gt/lt/st:
 * crossing a threshold, or moving at least st. No such attribute: any change. */
static bool crosses(struct lwc_client *c, const lw_path *p, double last, double v)
{
	double gt = attr_of(c, p, offsetof(struct attrs, gt));
	double lt = attr_of(c, p, offsetof(struct attrs, lt));
	double st = attr_of(c, p, offsetof(struct attrs, st));
	if (isnan(gt) && isnan(lt) && isnan(st))
		return true;
	if (!isnan(gt) && ((last <= gt) != (v <= gt)))
		return true;
	if (!isnan(lt) && ((last < lt) != (v < lt)))
		return true;
	return !isnan(st) && fabs(v - last) >= st;
}

/*
 * An attribute of an observation. A composite one takes, over its paths,
 * the smallest value set (NAN when one path has none, for pmin and the
 * evaluation periods: then nothing holds that path back): each path keeps
 * its own conditions, and whichever calls for a notification sends the
 * whole set.
 */
static double obs_attr(struct lwc_client *c, const struct observation *o, size_t off)
{
	double best = NAN;
	for (size_t i = 0; i < o->n_paths; i++) {
		double v = attr_of(c, &o->paths[i], off);
		if (isnan(v) || (off == offsetof(struct attrs, pmax) && v <= 0)) {
			if (off != offsetof(struct attrs, pmax))
				return NAN;
			continue;
		}
		if (isnan(best) || v < best)
			best = v;
	}
	return best;
}

/*
 * How often the value is sampled: never more often than epmin, at least
 * every epmax. A device saves power by sampling as late as allowed, so
 * with epmax the period is epmax (not below epmin); with epmin alone it is
 * epmin; without either, every turn of the loop.
 */
static double eval_period(struct lwc_client *c, const struct observation *o)
{
	double epmin = obs_attr(c, o, offsetof(struct attrs, epmin));
	double epmax = obs_attr(c, o, offsetof(struct attrs, epmax));
	double period = !isnan(epmax) && epmax > 0 ? epmax : !isnan(epmin) ? epmin : 0;
	if (!isnan(epmin) && period < epmin)
		period = epmin;
	return period;
}

/* Samples an observation's value: whether it changed enough to notify. */
static bool obs_changed(struct lwc_client *c, struct observation *o)
{
	lw_records recs, want;
	lw_buf b;
	bool changed = false;
	lw_records_init(&recs);
	lw_records_init(&want);
	lw_buf_init(&b);
	const struct lw_codec *k = lwc_codec_by_format(o->cf);
	int rc = LWC_INTERNAL;
	if (o->composite) {
		for (size_t i = 0; i < o->n_paths; i++) {
			lw_record *r = lw_records_add(&want);
			if (r)
				r->path = o->paths[i];
		}
		rc = lwc_read_composite(&c->obj, &want, &recs);
	} else {
		rc = lwc_read(&c->obj, &o->path, &recs);
	}
	if (k && rc == LWC_CONTENT && k->encode(c->model, &o->path, &recs, &b, NULL) == 0 &&
	    fnv64(b.data, b.len) != o->last_hash) {
		changed = true;
		if (o->has_value && recs.n == 1) {
			double v = recs.items[0].type == LW_TYPE_FLOAT ? recs.items[0].v.f
			                                               : (double)recs.items[0].v.i;
			changed = crosses(c, &o->path, o->last_value, v);
		}
	}
	lw_records_free(&recs);
	lw_records_free(&want);
	lw_buf_free(&b);
	return changed;
}

static void observe_tick(struct lwc_client *c, double now)
{
	bool composite_due = false;
	for (size_t i = 0; i < MAX_OBSERVATIONS; i++) {
		struct observation *o = &c->obs[i];
		if (!o->used)
			continue;
		double pmin = obs_attr(c, o, offsetof(struct attrs, pmin));
		double pmax = obs_attr(c, o, offsetof(struct attrs, pmax));
		double age = now - o->last_sent;
		if (!isnan(pmin) && age < pmin)
			continue;
		bool due = !isnan(pmax) && pmax > 0 && age >= pmax;
		if (!due && now - o->last_eval >= eval_period(c, o)) {
			o->last_eval = now;
			due = obs_changed(c, o);
		}
		if (!due)
			continue;
		/* The handler runs again for each observer and notes what it
		 * sent; until then, do not ask twice. */
		o->last_sent = now;
		if (o->composite)
			composite_due = true;
		else
			coap_resource_notify_observers(o->res, NULL);
	}
	/* libcoap notifies every observer of a resource at once: all the
	 * composite observations of "/" go together (docs/client.md). */
	if (composite_due && c->root)
		coap_resource_notify_observers(c->root, NULL);
}

/* ---- resources: the server's requests ---- */

static void add_path_resources(struct lwc_client *c, const struct lwc_instance *in);

int lwc_decode_payload(struct lwc_client *c, const coap_pdu_t *req, const lw_path *base,
                          lw_records *out)
{
	unsigned cf;
	size_t len = 0, off, total;
	const uint8_t *data = NULL;
	coap_get_data_large(req, &len, &data, &off, &total);
	if (opt_uint(req, COAP_OPTION_CONTENT_FORMAT, &cf))
		cf = len ? c->pref->content_format : LW_CF_TLV;
	const struct lw_codec *k = lwc_codec_by_format(cf);
	if (!k || !k->decode)
		return LWC_UNSUPPORTED_FORMAT;
	struct lw_codec_error err = {0};
	if (k->decode(c->model, base, data, len, out, &err)) {
		lwc_log("bad %s payload at byte %zu: %s", k->name, err.offset, err.message);
		return LWC_BAD_REQUEST;
	}
	return 0;
}

/* After a Write: a changed lifetime goes to the server in an Update now. */
static void note_lifetime(struct lwc_client *c, int rc)
{
	if (rc == LWC_CHANGED && lwc_get_int(&c->obj, 1, c->srv_iid, 1, c->cfg.lifetime) != c->cfg.lifetime)
		c->update_asked = true;
}

static void add_resource(struct lwc_client *c, const char *uri);

/*
 * After a Write: resource instances it added get their libcoap resources
 * now (adding is safe inside a handler); those it removed go at the next
 * sweep.
 */
void lwc_tree_changed(struct lwc_client *c)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++)
		if (c->obj.inst[i].used)
			add_path_resources(c, &c->obj.inst[i]);
	c->sweep = true;
}

static void tree_written(struct lwc_client *c, int rc)
{
	if (rc == LWC_CHANGED)
		lwc_tree_changed(c);
}

/* While bootstrapping, only the bootstrap server speaks, and with the
 * Bootstrap interface's rules (bootstrap.c). */
static bool bootstrapping(struct lwc_client *c)
{
	return c->st == BS_PENDING || c->st == BS_WAIT;
}

static void hnd_get(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                    const coap_string_t *query, coap_pdu_t *resp)
{
	if (bootstrapping(the_client) &&
	    lwc_bs_request(the_client, res, sess, req, query, resp))
		return;
	struct lwc_client *c = the_client;
	lw_path p = res_path(res);
	unsigned accept, observe;
	lw_buf b;
	lw_buf_init(&b);
	c->last_traffic = now_s();

	bool has_accept = opt_uint(req, COAP_OPTION_ACCEPT, &accept) == 0;
	if (has_accept && accept == LW_CF_LINK) {
		int rc = discover(c, &p, &b);
		if (rc == LWC_CONTENT)
			respond_data(res, sess, req, query, resp, LW_CF_LINK, &b);
		else
			lwc_set_code(resp, rc);
		lw_buf_free(&b);
		return;
	}
	const struct lw_codec *k = has_accept ? lwc_codec_by_format(accept) : c->pref;
	if (!k || !k->encode) {
		lwc_set_code(resp, LWC_NOT_ACCEPTABLE);
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	int rc = lwc_read(&c->obj, &p, &recs);
	struct lw_codec_error err = {0};
	if (rc == LWC_CONTENT && k->encode(c->model, &p, &recs, &b, &err)) {
		/* e.g. text or opaque asked for a whole instance */
		lwc_log("cannot encode /%u as %s: %s", p.oid, k->name, err.message);
		rc = LWC_NOT_ACCEPTABLE;
	}
	if (rc == LWC_CONTENT) {
		if (opt_uint(req, COAP_OPTION_OBSERVE, &observe) == 0) {
			if (observe == COAP_OBSERVE_ESTABLISH)
				obs_note(c, res, &p, k->content_format, &b, &recs);
			else if (obs_find(c, &p))
				obs_find(c, &p)->used = false;
		}
		respond_data(res, sess, req, query, resp, k->content_format, &b);
	} else {
		lwc_set_code(resp, rc);
	}
	lw_records_free(&recs);
	lw_buf_free(&b);
}

static void hnd_put(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                    const coap_string_t *query, coap_pdu_t *resp)
{
	if (bootstrapping(the_client) &&
	    lwc_bs_request(the_client, res, sess, req, query, resp))
		return;
	(void)sess;
	struct lwc_client *c = the_client;
	lw_path p = res_path(res);
	size_t len = 0, off, total;
	const uint8_t *data;
	c->last_traffic = now_s();
	coap_get_data_large(req, &len, &data, &off, &total);
	/* No payload and a query: Write-Attributes. */
	if (len == 0 && query && query->length) {
		lwc_set_code(resp, p.oid == 0 ? LWC_UNAUTHORIZED : parse_attrs(c, &p, query));
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	int rc = lwc_decode_payload(c, req, &p, &recs);
	if (!rc)
		rc = lwc_write(&c->obj, &p, &recs, true);
	note_lifetime(c, rc);
	tree_written(c, rc);
	lwc_set_code(resp, rc);
	lw_records_free(&recs);
}

static void hnd_post(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                     const coap_string_t *query, coap_pdu_t *resp)
{
	if (bootstrapping(the_client) &&
	    lwc_bs_request(the_client, res, sess, req, query, resp))
		return;
	(void)sess;
	(void)query;
	struct lwc_client *c = the_client;
	lw_path p = res_path(res);
	c->last_traffic = now_s();
	int depth = lw_path_depth(&p);

	if (depth == 3) { /* Execute: the payload is the argument list */
		size_t len = 0;
		const uint8_t *data = NULL;
		enum lwc_action act;
		coap_get_data(req, &len, &data);
		int rc = lwc_execute(&c->obj, &p, (const char *)data, len, &act);
		if (act == LWC_ACT_UPDATE)
			c->update_asked = true;
		/* Bootstrap-Request Trigger: only a device that has a bootstrap
		 * account can go back to it. */
		struct lwc_account bsa;
		if (act == LWC_ACT_BOOTSTRAP && lwc_account_find(c, true, &bsa))
			rc = LWC_NOT_ALLOWED;
		else if (act == LWC_ACT_BOOTSTRAP)
			c->bs_asked = true;
		lwc_set_code(resp, rc);
		return;
	}
	if (depth != 1 && depth != 2) {
		lwc_set_code(resp, LWC_NOT_ALLOWED);
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	int rc = lwc_decode_payload(c, req, &p, &recs);
	if (!rc && depth == 2) {
		rc = lwc_write(&c->obj, &p, &recs, false); /* partial update */
		note_lifetime(c, rc);
		tree_written(c, rc);
	} else if (!rc) {
		uint16_t iid;
		rc = lwc_create(&c->obj, &p, &recs, &iid);
		if (rc == LWC_CREATED) {
			char a[8], b[8];
			int na = snprintf(a, sizeof(a), "%u", p.oid);
			int nb = snprintf(b, sizeof(b), "%u", iid);
			coap_add_option(resp, COAP_OPTION_LOCATION_PATH, (size_t)na, (uint8_t *)a);
			coap_add_option(resp, COAP_OPTION_LOCATION_PATH, (size_t)nb, (uint8_t *)b);
			add_path_resources(c, lwc_instance_find(&c->obj, p.oid, iid));
			lwc_log("created /%u/%u", p.oid, iid);
		}
	}
	lwc_set_code(resp, rc);
	lw_records_free(&recs);
}

static void hnd_delete(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                       const coap_string_t *query, coap_pdu_t *resp)
{
	if (bootstrapping(the_client) &&
	    lwc_bs_request(the_client, res, sess, req, query, resp))
		return;
	(void)sess;
	(void)req;
	(void)query;
	struct lwc_client *c = the_client;
	lw_path p = res_path(res);
	c->last_traffic = now_s();
	int rc = lwc_delete(&c->obj, &p);
	lwc_set_code(resp, rc);
	if (rc == LWC_DELETED) {
		lwc_log("deleted /%u/%u", p.oid, p.iid);
		c->sweep = true; /* its resources and observations go after this */
	}
}

/* ---- composite operations: FETCH and iPATCH on "/" ---- */

static bool composite_format(unsigned cf)
{
	return cf == LW_CF_SENML_JSON || cf == LW_CF_SENML_CBOR || cf == LW_CF_LWM2M_CBOR;
}

/*
 * Read-Composite and Observe-Composite: the payload names the paths
 * (records without values); the answer holds the values of all, in the
 * Accept format (else the request's own). libcoap keeps the FETCH with its
 * body for an observer and runs this handler again for each notification;
 * the observation itself is found by its token.
 */
static void hnd_fetch(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                      const coap_string_t *query, coap_pdu_t *resp)
{
	struct lwc_client *c = the_client;
	unsigned cf, accept, observe;
	c->last_traffic = now_s();
	if (c->version < 11) {
		lwc_set_code(resp, LWC_NOT_ALLOWED);
		return;
	}
	if (opt_uint(req, COAP_OPTION_CONTENT_FORMAT, &cf) || !composite_format(cf)) {
		lwc_set_code(resp, LWC_UNSUPPORTED_FORMAT);
		return;
	}
	if (opt_uint(req, COAP_OPTION_ACCEPT, &accept))
		accept = cf;
	const struct lw_codec *k = composite_format(accept) ? lwc_codec_by_format(accept) : NULL;
	if (!k || !k->encode) {
		lwc_set_code(resp, LWC_NOT_ACCEPTABLE);
		return;
	}
	lw_records paths, recs;
	lw_buf b;
	lw_records_init(&paths);
	lw_records_init(&recs);
	lw_buf_init(&b);
	lw_path root = LW_PATH_ROOT;
	int rc = lwc_decode_payload(c, req, &root, &paths);
	if (!rc && paths.n == 0)
		rc = LWC_BAD_REQUEST;
	if (!rc)
		rc = lwc_read_composite(&c->obj, &paths, &recs);
	struct lw_codec_error err = {0};
	if (rc == LWC_CONTENT && k->encode(c->model, &root, &recs, &b, &err)) {
		lwc_log("cannot encode a composite as %s: %s", k->name, err.message);
		rc = LWC_INTERNAL;
	}
	if (rc == LWC_CONTENT) {
		coap_bin_const_t tok = coap_pdu_get_token(req);
		if (opt_uint(req, COAP_OPTION_OBSERVE, &observe) == 0) {
			struct observation *o = obs_find_token(c, tok);
			if (observe == COAP_OBSERVE_ESTABLISH)
				obs_note_composite(c, res, tok, &paths, k->content_format, &b, &recs);
			else if (o)
				o->used = false;
		}
		respond_data(res, sess, req, query, resp, k->content_format, &b);
	} else {
		lwc_set_code(resp, rc);
	}
	lw_records_free(&paths);
	lw_records_free(&recs);
	lw_buf_free(&b);
}

/* Write-Composite: records of any paths, all checked before any applies. */
static void hnd_ipatch(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                       const coap_string_t *query, coap_pdu_t *resp)
{
	(void)res;
	(void)sess;
	(void)query;
	struct lwc_client *c = the_client;
	unsigned cf;
	c->last_traffic = now_s();
	if (c->version < 11) {
		lwc_set_code(resp, LWC_NOT_ALLOWED);
		return;
	}
	if (opt_uint(req, COAP_OPTION_CONTENT_FORMAT, &cf) || !composite_format(cf)) {
		lwc_set_code(resp, LWC_UNSUPPORTED_FORMAT);
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	lw_path root = LW_PATH_ROOT;
	int rc = lwc_decode_payload(c, req, &root, &recs);
	if (!rc)
		rc = lwc_write_composite(&c->obj, &recs);
	if (rc == LWC_CHANGED)
		lwc_log("write-composite: %zu values", recs.n);
	note_lifetime(c, rc);
	tree_written(c, rc);
	lwc_set_code(resp, rc);
	lw_records_free(&recs);
}

/* Paths this client does not have: 4.04 whatever the method. */
static void hnd_unknown(coap_resource_t *res, coap_session_t *sess, const coap_pdu_t *req,
                        const coap_string_t *query, coap_pdu_t *resp)
{
	/* The bootstrap server writes instances that do not exist yet. */
	if (bootstrapping(the_client) &&
	    lwc_bs_request(the_client, res, sess, req, query, resp))
		return;
	lwc_set_code(resp, LWC_NOT_FOUND);
}

static void add_resource(struct lwc_client *c, const char *uri)
{
	coap_str_const_t *u = coap_new_str_const((const uint8_t *)uri, strlen(uri));
	if (!u)
		return;
	if (coap_get_resource_from_uri_path(c->ctx, u)) {
		coap_delete_str_const(u);
		return;
	}
	coap_resource_t *r = coap_resource_init(u, COAP_RESOURCE_FLAGS_RELEASE_URI);
	if (!r) {
		coap_delete_str_const(u);
		return;
	}
	coap_register_handler(r, COAP_REQUEST_GET, hnd_get);
	coap_register_handler(r, COAP_REQUEST_PUT, hnd_put);
	coap_register_handler(r, COAP_REQUEST_POST, hnd_post);
	coap_register_handler(r, COAP_REQUEST_DELETE, hnd_delete);
	coap_resource_set_get_observable(r, 1);
	coap_add_resource(c->ctx, r);
	if (c->n_reg < MAX_RESOURCES) {
		c->reg[c->n_reg].r = r;
		c->reg[c->n_reg].p = res_path(r);
		c->n_reg++;
	}
}

static void add_path_resources(struct lwc_client *c, const struct lwc_instance *in)
{
	char uri[40];
	if (!in)
		return;
	snprintf(uri, sizeof(uri), "%u", in->oid);
	add_resource(c, uri);
	snprintf(uri, sizeof(uri), "%u/%u", in->oid, in->iid);
	add_resource(c, uri);
	for (size_t k = 0; k < in->nres; k++) {
		snprintf(uri, sizeof(uri), "%u/%u/%u", in->oid, in->iid, in->res[k]);
		add_resource(c, uri);
	}
	for (size_t k = 0; k < in->n; k++) {
		const struct lwc_slot *s = &in->slots[k];
		if (s->riid == LW_ID_NONE)
			continue;
		snprintf(uri, sizeof(uri), "%u/%u/%u/%u", in->oid, in->iid, s->rid, s->riid);
		add_resource(c, uri);
	}
}

/* Whether the object tree still has what a resource stands for. */
static bool path_exists(struct lwc_client *c, const lw_path *p)
{
	if (lw_path_depth(p) <= 1)
		return true; /* objects stay, instances or not */
	struct lwc_instance *in = lwc_instance_find(&c->obj, p->oid, p->iid);
	if (!in)
		return false;
	if (p->rid == LW_ID_NONE)
		return true;
	if (!lwc_has_resource(in, p->rid))
		return false;
	if (p->riid == LW_ID_NONE)
		return true;
	struct lwc_slot *s = lwc_slot_find(in, p->rid, p->riid);
	return s && s->riid == p->riid;
}

/*
 * Deletes the libcoap resources of paths gone from the tree (a deleted
 * instance, resource instances a Write took away) and their observations.
 * Runs from the loop, outside libcoap's handlers. A path that came back
 * meanwhile (Delete then Create in one go) keeps its resource.
 */
static void sweep_resources(struct lwc_client *c)
{
	c->sweep = false;
	for (size_t i = 0; i < c->n_reg;) {
		if (path_exists(c, &c->reg[i].p)) {
			i++;
			continue;
		}
		for (size_t k = 0; k < MAX_OBSERVATIONS; k++)
			if (c->obs[k].used && c->obs[k].res == c->reg[i].r)
				c->obs[k].used = false;
		coap_delete_resource(c->ctx, c->reg[i].r);
		c->reg[i] = c->reg[--c->n_reg];
	}
}

/* ---- requests to the server ---- */

struct pending *lwc_pend_add(struct lwc_client *c, coap_pdu_t *pdu, enum req_kind kind)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &c->pend[i];
		if (p->kind)
			continue;
		size_t len;
		coap_session_new_token(c->session, &len, p->token);
		p->len = (uint8_t)len;
		p->kind = (uint8_t)kind;
		coap_add_token(pdu, len, p->token);
		return p;
	}
	return NULL;
}

static struct pending *pend_find(struct lwc_client *c, const coap_pdu_t *pdu)
{
	coap_bin_const_t t = coap_pdu_get_token(pdu);
	for (size_t i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &c->pend[i];
		if (p->kind && p->len == t.length && !memcmp(p->token, t.s, t.length))
			return p;
	}
	return NULL;
}

static void add_location(coap_pdu_t *pdu, const char *loc)
{
	while (*loc) {
		const char *sl = strchr(loc, '/');
		size_t n = sl ? (size_t)(sl - loc) : strlen(loc);
		coap_add_option(pdu, COAP_OPTION_URI_PATH, n, (const uint8_t *)loc);
		loc += n + (sl ? 1 : 0);
	}
}

void lwc_add_query(coap_pdu_t *pdu, const char *fmt, ...)
{
	char q[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(q))
		coap_add_option(pdu, COAP_OPTION_URI_QUERY, (size_t)n, (uint8_t *)q);
}

void lwc_fail(struct lwc_client *c, const char *why)
{
	double now = now_s();
	bool bs = c->acct.bootstrap;
	struct lwc_account bsa;
	c->failures++;
	if (!bs)
		c->dm_failures++;
	if (c->cfg.give_up > 0 && c->failures >= c->cfg.give_up) {
		lwc_log("%s failed (%s): giving up after %d failures",
		        bs ? "bootstrap" : "registration", why, c->failures);
		c->exit_rc = -1;
		c->st = DONE;
		return;
	}
	/* Client-initiated bootstrap: the DM account does not work (any
	 * more), the bootstrap server may know a better one. */
	if (!bs && c->dm_failures >= DM_FAILURES_TO_BS && !lwc_account_find(c, true, &bsa)) {
		lwc_log("registration failed (%s) %d times: bootstrapping again", why,
		        c->dm_failures);
		c->dm_failures = 0;
		c->acct = bsa;
		c->st = BS_NONE;
		c->next_retry = now;
		return;
	}
	lwc_log("%s failed (%s): retrying in %.0f s", bs ? "bootstrap" : "registration", why,
	        c->retry_delay);
	c->st = bs ? BS_NONE : REG_NONE;
	c->next_retry = now + c->retry_delay;
	c->retry_delay = fmin(c->retry_delay * 2, RETRY_MAX);
}

static void send_register(struct lwc_client *c)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->session);
	if (!pdu || !lwc_pend_add(c, pdu, REQ_REGISTER)) {
		if (pdu)
			coap_delete_pdu(pdu);
		lwc_fail(c, "out of memory");
		return;
	}
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"rd");
	add_uint_opt(pdu, COAP_OPTION_CONTENT_FORMAT, LW_CF_LINK);
	lwc_add_query(pdu, "ep=%s", c->cfg.endpoint);
	lwc_add_query(pdu, "lt=%d", (int)lwc_get_int(&c->obj, 1, c->srv_iid, 1, c->cfg.lifetime));
	lwc_add_query(pdu, "lwm2m=%s", c->cfg.version);
	lwc_add_query(pdu, "b=%s", c->binding);
	if (c->cfg.queue_mode && c->version >= 11)
		coap_add_option(pdu, COAP_OPTION_URI_QUERY, 1, (const uint8_t *)"Q");
	lw_buf b;
	lw_buf_init(&b);
	register_links(c, &b);
	coap_add_data(pdu, b.len, b.data);
	lw_buf_free(&b);
	c->st = REG_PENDING;
	if (coap_send(c->session, pdu) == COAP_INVALID_MID)
		lwc_fail(c, "send failed");
	else
		lwc_log("register sent to %s", c->acct.uri);
}

static void send_first(struct lwc_client *c, enum req_kind kind)
{
	if (kind == REQ_BOOTSTRAP)
		lwc_bs_start(c);
	else
		send_register(c);
}

/*
 * Opens the session to the account in use and sends the first request
 * (Register or Bootstrap-Request) as soon as it can: at once on plain
 * CoAP, once the handshake is done on DTLS, and once the connection is up
 * and the CSMs exchanged (RFC 8323 5.3) on TCP and TLS. libcoap would queue
 * the request during the handshake, but keeps such a queue past a handshake
 * that fails on an ICMP error (a leak in 4.3.1); and a request that waits
 * for no handshake is one less thing to retransmit.
 */
void lwc_connect(struct lwc_client *c, enum req_kind kind)
{
	c->connecting = 0;
	if (lwc_session_open(c)) {
		lwc_fail(c, "no session");
		return;
	}
	c->st = kind == REQ_BOOTSTRAP ? BS_PENDING : REG_PENDING;
	if (coap_session_get_proto(c->session) == COAP_PROTO_UDP) {
		send_first(c, kind);
		return;
	}
	c->connecting = kind;
	c->connect_deadline = now_s() + HANDSHAKE_MAX;
}

static void connect_tick(struct lwc_client *c, double now)
{
	if (!c->connecting || !c->session)
		return;
	if (coap_session_get_state(c->session) == COAP_SESSION_STATE_ESTABLISHED) {
		enum req_kind kind = c->connecting;
		c->connecting = 0;
		c->session_ok = true;
		send_first(c, kind);
	} else if (now >= c->connect_deadline) {
		c->connecting = 0;
		char why[48];
		snprintf(why, sizeof(why), "%s handshake timed out",
		         lwc_proto_name(coap_session_get_proto(c->session)));
		lwc_log("%s with %s", why, c->acct.uri);
		lwc_fail(c, why);
	}
}

static void send_update(struct lwc_client *c)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->session);
	if (!pdu || !lwc_pend_add(c, pdu, REQ_UPDATE)) {
		if (pdu)
			coap_delete_pdu(pdu);
		return;
	}
	add_location(pdu, c->location);
	/* A server that wrote a new lifetime (/1/0/1) hears of it here. */
	int lt = (int)lwc_get_int(&c->obj, 1, c->srv_iid, 1, c->cfg.lifetime);
	if (lt > 0 && lt != c->cfg.lifetime) {
		c->cfg.lifetime = lt;
		lwc_add_query(pdu, "lt=%d", lt);
	}
	coap_send(c->session, pdu);
	/* Not again until this one is answered or given up. In queue mode this
	 * also opens the awake window: the server sends what it queued now. */
	c->next_update = now_s() + c->cfg.lifetime;
	c->last_traffic = now_s();
	lwc_log("update sent");
}

static void send_deregister(struct lwc_client *c)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_DELETE, c->session);
	if (!pdu || !lwc_pend_add(c, pdu, REQ_DEREGISTER)) {
		if (pdu)
			coap_delete_pdu(pdu);
		c->st = DONE;
		return;
	}
	add_location(pdu, c->location);
	coap_send(c->session, pdu);
	c->st = DEREG_PENDING;
	c->dereg_deadline = now_s() + DEREG_WAIT;
	lwc_log("de-register sent");
}

/* Send (LwM2M 1.1+): the temperature with its time stamp, in SenML CBOR
 * (the one format every 1.1 server must read). */
static void send_data(struct lwc_client *c)
{
	lw_records recs;
	lw_buf b;
	lw_records_init(&recs);
	lw_buf_init(&b);
	lw_record *r = lw_records_add(&recs);
	if (r) {
		r->path = lw_path_make(3, 3303, 0, 5700, 0);
		r->type = LW_TYPE_FLOAT;
		r->v.f = lwc_get_float(&c->obj, 3303, 0, 5700, 0);
		r->has_time = 1;
		r->time = (double)lwc_get_int(&c->obj, 3303, 0, 5518, (int64_t)now_s());
	}
	lw_path root = LW_PATH_ROOT;
	coap_pdu_t *pdu = NULL;
	const struct lw_codec *cbor = lwc_codec_by_format(LW_CF_SENML_CBOR);
	if (r && cbor && !cbor->encode(c->model, &root, &recs, &b, NULL))
		pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_POST, c->session);
	if (pdu && lwc_pend_add(c, pdu, REQ_SEND)) {
		coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"dp");
		add_uint_opt(pdu, COAP_OPTION_CONTENT_FORMAT, LW_CF_SENML_CBOR);
		coap_add_data(pdu, b.len, b.data);
		coap_send(c->session, pdu);
		lwc_log("send: /3303/0/5700 = %g", r->v.f);
	} else if (pdu) {
		coap_delete_pdu(pdu);
	}
	lw_records_free(&recs);
	lw_buf_free(&b);
}

static coap_response_t on_response(coap_session_t *sess, const coap_pdu_t *sent,
                                   const coap_pdu_t *recv, const coap_mid_t mid)
{
	(void)sent;
	(void)mid;
	struct lwc_client *c = the_client;
	/* Tokens count per session: an old session's answer is no match. */
	if (sess != c->session)
		return COAP_RESPONSE_OK;
	struct pending *p = pend_find(c, recv);
	if (!p)
		return COAP_RESPONSE_OK;
	int kind = p->kind;
	p->kind = 0;
	coap_pdu_code_t code = coap_pdu_get_code(recv);
	int status = (code >> 5) * 100 + (code & 0x1f);
	double now = now_s();
	c->last_traffic = now;
	c->session_ok = true;

	switch (kind) {
	case REQ_REGISTER:
		if (status != LWC_CREATED) {
			char why[16];
			snprintf(why, sizeof(why), "%d.%02d", status / 100, status % 100);
			lwc_fail(c, why);
			break;
		}
		coap_opt_iterator_t it;
		coap_opt_t *o;
		size_t n = 0;
		coap_option_iterator_init(recv, &it, COAP_OPT_ALL);
		c->location[0] = 0;
		while ((o = coap_option_next(&it))) {
			if (it.number != COAP_OPTION_LOCATION_PATH)
				continue;
			size_t l = coap_opt_length(o);
			if (n + l + 2 >= sizeof(c->location))
				break;
			if (n)
				c->location[n++] = '/';
			memcpy(c->location + n, coap_opt_value(o), l);
			n += l;
			c->location[n] = 0;
		}
		c->st = REGISTERED;
		c->retry_delay = RETRY_FIRST;
		c->failures = c->dm_failures = 0;
		/* Update at 3/4 of the lifetime: room for a retransmission or two. */
		c->next_update = now + fmax(1.0, c->cfg.lifetime * 0.75);
		c->next_send = now + c->cfg.send_interval;
		lwc_log("registered: location /%s", c->location);
		break;
	case REQ_UPDATE:
		if (status == LWC_CHANGED) {
			c->next_update = now + fmax(1.0, c->cfg.lifetime * 0.75);
			lwc_log("updated");
		} else if (c->st == REGISTERED) {
			/* 4.04: the server forgot us (restart, expiry): start over. */
			lwc_log("update refused (%d.%02d): registering again", status / 100,
			    status % 100);
			c->st = REG_NONE;
			c->next_retry = now;
		}
		break;
	case REQ_DEREGISTER:
		lwc_log("deregistered (%d.%02d)", status / 100, status % 100);
		c->st = DONE;
		break;
	case REQ_BOOTSTRAP:
		lwc_bs_response(c, status);
		break;
	case REQ_SEND:
		if (status != LWC_CHANGED)
			lwc_log("send refused: %d.%02d", status / 100, status % 100);
		break;
	}
	return COAP_RESPONSE_OK;
}

static void on_nack(coap_session_t *sess, const coap_pdu_t *sent, const coap_nack_reason_t reason,
                    const coap_mid_t mid)
{
	(void)mid;
	struct lwc_client *c = the_client;
	/* A released session's queue, given up late: not this session's. */
	if (sess != c->session)
		return;
	struct pending *p = sent ? pend_find(c, sent) : NULL;
	if (!p)
		return;
	int kind = p->kind;
	p->kind = 0;
	if (reason == COAP_NACK_RST && kind != REQ_DEREGISTER)
		lwc_log("request reset by the server");
	char tls_failed[40];
	snprintf(tls_failed, sizeof(tls_failed), "%s handshake failed",
	         lwc_proto_name(coap_session_get_proto(sess)));
	const char *why = reason == COAP_NACK_TLS_FAILED ? tls_failed : "no answer";
	switch (kind) {
	case REQ_REGISTER:
	case REQ_BOOTSTRAP:
		lwc_fail(c, why);
		break;
	case REQ_UPDATE:
		if (c->st == REGISTERED) {
			c->st = REG_NONE;
			c->next_retry = now_s() + c->retry_delay;
			lwc_log("update not answered: registering again");
		}
		break;
	case REQ_DEREGISTER:
		c->st = DONE;
		break;
	default:
		break;
	}
}

/* ---- the loop ---- */

static void registration_tick(struct lwc_client *c, double now)
{
	if (c->bs_finished || c->st == BS_NONE || c->st == BS_PENDING || c->st == BS_WAIT) {
		if (c->stop)
			c->st = DONE;
		else
			lwc_bs_tick(c, now);
		return;
	}
	if (c->stop && c->st != DEREG_PENDING && c->st != DONE) {
		if (c->st == REGISTERED)
			send_deregister(c);
		else
			c->st = DONE;
		return;
	}
	/* After the Execute's answer went: the session can close now. */
	if (c->bs_asked) {
		struct lwc_account bsa;
		c->bs_asked = false;
		if (!lwc_account_find(c, true, &bsa)) {
			lwc_log("bootstrap requested by the server");
			c->acct = bsa;
			c->st = BS_NONE;
			c->next_retry = now;
			c->connecting = 0;
			return;
		}
	}
	switch (c->st) {
	case REG_NONE:
		if (now >= c->next_retry)
			lwc_connect(c, REQ_REGISTER);
		break;
	case REGISTERED:
		if (c->sleeping && now >= c->next_update) {
			c->sleeping = false;
			lwc_log("waking up");
		}
		if (now >= c->next_update || c->update_asked) {
			c->update_asked = false;
			send_update(c);
		}
		if (c->cfg.send_interval > 0 && c->version >= 11 && now >= c->next_send) {
			c->next_send = now + c->cfg.send_interval;
			send_data(c);
		}
		/* Queue mode: nothing to do for a while, radio off until the next
		 * Update is due; the server queues its requests meanwhile. */
		if (c->cfg.queue_mode && !c->sleeping && now - c->last_traffic >= c->cfg.awake_s) {
			c->sleeping = true;
			lwc_log("sleeping until the next update");
		}
		break;
	case DEREG_PENDING:
		if (now >= c->dereg_deadline) {
			lwc_log("no answer to de-register: leaving anyway");
			c->st = DONE;
		}
		break;
	default:
		break;
	}
}

static void model_report(void *ctx, const char *line)
{
	(void)ctx;
	lwc_log("model: %s", line);
}

/* --model: one DDF file, or every DDF file of a folder, on top of the
 * built-in objects (object 19 for the big opaque value comes this way). */
static int load_model(lw_model *m, const char *path)
{
	struct stat st;
	char err[256] = "";
	if (stat(path, &st)) {
		lwc_log("model: cannot read %s", path);
		return -1;
	}
	int rc = S_ISDIR(st.st_mode) ? lw_ddf_load_dir(m, path, model_report, NULL)
	                             : lw_ddf_load_file(m, path, err, sizeof(err));
	if (rc < 0) {
		lwc_log("model: %s", err[0] ? err : path);
		return -1;
	}
	return 0;
}

struct lwc_client *lwc_client_new(const struct lwc_config *cfg)
{
	if (the_client)
		return NULL; /* one per process, see the top of the file */
	struct lwc_client *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->version = cfg->version[0] == '1' && cfg->version[2] == '0' ? 10
	             : cfg->version[2] == '2'                         ? 12
	                                                              : 11;
	/* 1.0 has the Q in the binding; 1.1 moved it to its own parameter.
	 * T for a server reached over TCP or TLS (LwM2M 1.1, RFC 8323). */
	bool tcp = !strncmp(cfg->server_uri, "coap+tcp://", 11) ||
	           !strncmp(cfg->server_uri, "coaps+tcp://", 12);
	snprintf(c->binding, sizeof(c->binding), "%s%s", tcp ? "T" : "U",
	         cfg->queue_mode && c->version == 10 ? "Q" : "");
	c->pref = cfg->format ? lwc_codec_by_name(cfg->format)
	                      : lwc_codec_by_format(c->version == 10 ? LW_CF_TLV_LEGACY
	                                                             : LW_CF_SENML_CBOR);
	if (!c->pref)
		goto fail;
	c->model = lw_model_new();
	if (!c->model || lw_model_add_builtin(c->model))
		goto fail;
	if (cfg->model && load_model(c->model, cfg->model))
		goto fail;
	if (lwc_objects_init(&c->obj, c->model, cfg->server_uri, cfg->endpoint, cfg->lifetime,
	                     c->binding))
		goto fail;
	c->retry_delay = RETRY_FIRST;
	if (lwc_security_init(c))
		goto fail;
	if (cfg->bootstrap) {
		/* Factory state: the bootstrap account alone, no DM server. */
		lwc_instance_drop(&c->obj, 1, 0);
		struct lwc_instance *sec = lwc_instance_find(&c->obj, 0, 0);
		struct lwc_slot *ssid = sec ? lwc_slot_find(sec, 10, LW_ID_NONE) : NULL;
		if (ssid)
			ssid->v.i = 0;
	}
	c->srv_iid = 0;
	if (lwc_account_load(c, 0, &c->acct))
		goto fail;
	c->st = cfg->bootstrap ? BS_NONE : REG_NONE;

	coap_startup();
	coap_set_log_level(cfg->verbose ? LOG_INFO : LOG_CRIT);
	c->ctx = coap_new_context(NULL);
	if (!c->ctx)
		goto fail;
	coap_context_set_block_mode(c->ctx, COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(c->ctx, on_response);
	coap_register_nack_handler(c->ctx, on_nack);
	coap_register_event_handler(c->ctx, lwc_on_event);
	the_client = c;
	/* Accounts a bootstrap provisioned before: no need to ask again. */
	if (cfg->bootstrap && cfg->state_file)
		lwc_state_load(c);
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++)
		if (c->obj.inst[i].used)
			add_path_resources(c, &c->obj.inst[i]);
	/* "/" for the composite operations (LwM2M 1.1+): FETCH may carry
	 * Observe, which libcoap honours on an observable resource. */
	c->root = coap_resource_init(NULL, 0);
	if (!c->root)
		goto fail;
	coap_register_handler(c->root, COAP_REQUEST_FETCH, hnd_fetch);
	/* Bootstrap-Discover and Bootstrap-Delete on "/" (bootstrap.c). */
	coap_register_handler(c->root, COAP_REQUEST_GET, hnd_unknown);
	coap_register_handler(c->root, COAP_REQUEST_DELETE, hnd_unknown);
	coap_register_handler(c->root, COAP_REQUEST_IPATCH, hnd_ipatch);
	coap_resource_set_get_observable(c->root, 1);
	coap_add_resource(c->ctx, c->root);
	coap_resource_t *u = coap_resource_unknown_init(hnd_unknown);
	coap_register_handler(u, COAP_REQUEST_GET, hnd_unknown);
	coap_register_handler(u, COAP_REQUEST_POST, hnd_unknown);
	coap_register_handler(u, COAP_REQUEST_DELETE, hnd_unknown);
	coap_register_handler(u, COAP_REQUEST_PUT, hnd_unknown);
	coap_add_resource(c->ctx, u);

	if (cfg->listen_port > 0) {
		coap_address_t la;
		coap_address_init(&la);
		la.addr.sin.sin_family = AF_INET;
		la.addr.sin.sin_port = htons((uint16_t)cfg->listen_port);
		la.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		la.size = sizeof(struct sockaddr_in);
		if (!coap_new_endpoint(c->ctx, &la, COAP_PROTO_UDP)) {
			lwc_log("cannot listen on 127.0.0.1:%d", cfg->listen_port);
			goto fail;
		}
		printf("lwm2m-client: listening on 127.0.0.1:%d\n", cfg->listen_port);
		fflush(stdout);
	}
	return c;
fail:
	lwc_client_free(c);
	return NULL;
}

int lwc_client_run(struct lwc_client *c)
{
	c->last_traffic = now_s();
	while (c->st != DONE) {
		double now = now_s();
		lwc_objects_tick(&c->obj, now);
		registration_tick(c, now);
		connect_tick(c, now);
		if (c->st == DONE)
			break;
		observe_tick(c, now);
		if (c->sleeping && !c->stop) {
			struct timespec ts = {0, 200 * 1000 * 1000};
			nanosleep(&ts, NULL);
		} else {
			coap_io_process(c->ctx, 200);
		}
		if (c->sweep)
			sweep_resources(c);
	}
	return c->exit_rc;
}

void lwc_client_stop(struct lwc_client *c)
{
	c->stop = 1;
}

void lwc_client_free(struct lwc_client *c)
{
	if (!c)
		return;
	coap_session_t *s = c->session;
	c->session = NULL; /* its closing events are no news */
	if (s)
		coap_session_release(s);
	if (c->ctx)
		coap_free_context(c->ctx);
	if (c->model)
		lw_model_free(c->model);
	lwc_security_free(c);
	if (the_client == c) {
		the_client = NULL;
		coap_cleanup();
	}
	free(c);
}
