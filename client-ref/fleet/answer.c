/*
 * client-ref/fleet/answer.c: answers the server's requests for every device
 * of a shard from ONE object tree (client-ref/objects.c, the reference
 * client's objects and operations). A 50,000-device fleet cannot hold
 * 50,000 trees of ~120 KiB, so the tree is dressed as the asking device
 * just before it is read: its serial number (the endpoint), its lifetime,
 * which 3303 instances it has, and its sensor values, computed from the
 * device's seed and the time rather than stored.
 *
 * Writes, Create and Delete run on a scratch copy of the dressed tree: they
 * are checked exactly as the reference client checks them, and what a
 * device must remember (its lifetime, its 3303 instances) goes into the
 * device; other written values are acknowledged but not kept (documented in
 * docs/fleet.md).
 *
 * Every answer to a CON is kept (dev->ext) so that a retransmitted request
 * gets the same answer again (RFC 7252 4.5) rather than running twice.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/message.h"
#include "fleet.h"
#include "lwm2m/error.h"


/* ---- the sensors ---- */

static double hash_noise(uint32_t seed, uint32_t step, uint32_t iid)
{
	uint32_t x = seed ^ (step * 2654435761u) ^ (iid * 40503u);
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return (double)(x % 2001) / 1000.0 - 1.0;
}

static double temp_at(uint32_t seed, uint16_t iid, uint32_t step)
{
	static const double two_pi = 6.283185307179586;
	double phase = (double)(seed % 628) / 100.0;
	double v = 21.0 + 3.0 * sin(two_pi * (double)step / 30.0 + iid + phase) +
	           0.2 * hash_noise(seed, step, iid);
	return round(v * 100.0) / 100.0;
}

/* A new value every second: a slow swing plus noise, the same for the same
 * device and second in every run and every shard. */
double fleet_temperature(uint32_t seed, uint16_t iid, double t)
{
	return temp_at(seed, iid, (uint32_t)t);
}

/* ---- dressing the shared tree ---- */

static struct lwc_slot *slot(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid)
{
	struct lwc_instance *in = lwc_instance_find(o, oid, iid);
	return in ? lwc_slot_find(in, rid, LW_ID_NONE) : NULL;
}

static void set_str(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid,
                    const char *v)
{
	struct lwc_slot *sl = slot(o, oid, iid, rid);
	if (sl && !sl->ext)
		sl->len = (uint32_t)snprintf(sl->s, sizeof(sl->s), "%s", v);
}

static void set_num(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid, double f,
                    int64_t i)
{
	struct lwc_slot *sl = slot(o, oid, iid, rid);
	if (!sl)
		return;
	if (sl->type == LW_TYPE_FLOAT)
		sl->v.f = f;
	else
		sl->v.i = i;
}

/* The 3303 instances of the device (its mask); the rest of the shape is
 * the same for all. */
static void dress_shape(struct fleet_shard *s, struct fleet_dev *d)
{
	struct lwc_objects *o = s->tree;
	if (s->tree_dev != d->idx) {
		char ep[96];
		fleet_endpoint(s->cfg, d->idx, ep, sizeof(ep));
		set_str(o, 3, 0, 2, ep);
		s->tree_dev = d->idx;
	}
	set_num(o, 1, 0, 1, 0, d->lifetime);
	if (s->tree_mask == d->mask3303)
		return;
	for (uint16_t iid = 0; iid < 16; iid++) {
		bool want = d->mask3303 & (1u << iid);
		struct lwc_instance *in = lwc_instance_find(o, 3303, iid);
		if (want && !in) {
			lw_records r;
			lw_records_init(&r);
			lw_record *rec = lw_records_add(&r);
			uint16_t got;
			if (rec) {
				rec->path = lw_path_make(3, 3303, iid, 5750, 0);
				rec->type = LW_TYPE_STRING;
				lw_path op = lw_path_make(1, 3303, 0, 0, 0);
				lwc_create(o, &op, &r, &got);
			}
			lw_records_free(&r);
		} else if (!want && in) {
			in->used = false;
		}
	}
	s->tree_mask = d->mask3303;
}

void fleet_tree_dress(struct fleet_shard *s, struct fleet_dev *d)
{
	dress_shape(s, d);
	struct lwc_objects *o = s->tree;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	uint32_t seed = fleet_seed(s->cfg, d->idx);
	uint32_t step = (uint32_t)now;
	set_num(o, 3, 0, 13, 0, (int64_t)now);
	set_num(o, 3, 0, 9, 0, 100 - (int64_t)(step / 60 + seed) % 90);
	set_num(o, 4, 0, 2, 0, -70 - (int64_t)((step + seed) % 7));
	set_num(o, 6, 0, 5, 0, (int64_t)now);
	for (uint16_t iid = 0; iid < 16; iid++) {
		if (!(d->mask3303 & (1u << iid)))
			continue;
		double v = temp_at(seed, iid, step), lo = v, hi = v;
		/* Min and max measured: over the last swing, recomputed. */
		for (uint32_t k = 1; k < 30 && k <= step; k++) {
			double w = temp_at(seed, iid, step - k);
			lo = w < lo ? w : lo;
			hi = w > hi ? w : hi;
		}
		set_num(o, 3303, iid, 5700, v, 0);
		set_num(o, 3303, iid, 5601, lo, 0);
		set_num(o, 3303, iid, 5602, hi, 0);
		set_num(o, 3303, iid, 5518, 0, (int64_t)step);
	}
}

/* ---- link format ---- */

static const char *object_version(struct fleet_shard *s, uint16_t oid)
{
	const struct lw_object_def *def = lw_model_object(s->model, oid, NULL);
	return def ? def->version : "1.0";
}

static void link_sep(lw_buf *b)
{
	if (b->len)
		lw_buf_append_byte(b, ',');
}

size_t fleet_register_links(struct fleet_shard *s, struct fleet_dev *d, char *out, size_t cap)
{
	dress_shape(s, d);
	lw_buf b;
	lw_buf_init(&b);
	if (s->cfg->vnum >= 11)
		lw_buf_printf(&b, "</>;rt=\"oma.lwm2m\";ct=%u", s->cfg->fmt->content_format);
	uint16_t last = LW_ID_NONE;
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		const struct lwc_instance *in = &s->tree->inst[i];
		if (!in->used || in->oid == 0)
			continue;
		if (in->oid != last) {
			const char *ver = object_version(s, in->oid);
			link_sep(&b);
			if (strcmp(ver, "1.0"))
				lw_buf_printf(&b, "</%u>;ver=%s", in->oid, ver);
			else
				lw_buf_printf(&b, "</%u>", in->oid);
			last = in->oid;
		}
		link_sep(&b);
		lw_buf_printf(&b, "</%u/%u>", in->oid, in->iid);
	}
	size_t n = b.len < cap ? b.len : 0;
	if (n)
		memcpy(out, b.data, n);
	lw_buf_free(&b);
	return n;
}

static int discover(struct fleet_shard *s, struct fleet_dev *d, const lw_path *p, lw_buf *b)
{
	int depth = lw_path_depth(p);
	if (depth < 1 || depth > 3)
		return LWC_NOT_ALLOWED;
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	if (!lwc_object_known(s->tree, p->oid))
		return LWC_NOT_FOUND;
	if (depth == 1) {
		lw_buf_printf(b, "</%u>", p->oid);
		if (strcmp(object_version(s, p->oid), "1.0"))
			lw_buf_printf(b, ";ver=%s", object_version(s, p->oid));
		fleet_attrs_link(d, p, b);
	}
	bool any = false;
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &s->tree->inst[i];
		if (!in->used || in->oid != p->oid || (p->iid != LW_ID_NONE && in->iid != p->iid))
			continue;
		any = true;
		if (p->rid == LW_ID_NONE) {
			lw_path ip = lw_path_make(2, in->oid, in->iid, 0, 0);
			link_sep(b);
			lw_buf_printf(b, "</%u/%u>", in->oid, in->iid);
			fleet_attrs_link(d, &ip, b);
		}
		for (size_t k = 0; k < in->nres; k++) {
			uint16_t rid = in->res[k];
			if (p->rid != LW_ID_NONE && rid != p->rid)
				continue;
			link_sep(b);
			lw_buf_printf(b, "</%u/%u/%u>", in->oid, in->iid, rid);
			const struct lw_resource_def *def = lw_model_resource(s->model, in->oid, rid);
			if (def && def->multiple) {
				unsigned dim = 0;
				for (size_t j = 0; j < in->n; j++)
					dim += in->slots[j].rid == rid;
				lw_buf_printf(b, ";dim=%u", dim);
			}
			lw_path rp = lw_path_make(3, in->oid, in->iid, rid, 0);
			fleet_attrs_link(d, &rp, b);
		}
	}
	if (!any && p->iid != LW_ID_NONE)
		return LWC_NOT_FOUND;
	return LWC_CONTENT;
}

/* ---- the answer ---- */

static uint8_t code_of(int status)
{
	return status ? LW_COAP_CODE(status / 100, status % 100) : LW_COAP_CONTENT;
}

struct answer {
	uint8_t code;
	uint16_t cf; /* 0xffff: no payload format */
	bool observe;
	uint32_t obs_seq;
	uint16_t loc_oid, loc_iid; /* Location-Path of a Create, when loc_oid set */
	bool has_loc;
	const uint8_t *payload;
	size_t len;
};

static void respond(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                    const struct answer *a)
{
	static uint8_t out[16384];
	struct lw_coap_builder b;
	bool con = m->type == LW_COAP_CON;
	uint16_t mid = con ? m->mid : d->mid++;
	lw_coap_build_start(&b, out, sizeof(out), con ? LW_COAP_ACK : LW_COAP_NON, a->code, mid,
	                    m->token, m->token_len);
	if (a->observe)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_OBSERVE, a->obs_seq);
	if (a->has_loc) {
		char v[8];
		snprintf(v, sizeof(v), "%u", a->loc_oid);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_LOCATION_PATH, v);
		snprintf(v, sizeof(v), "%u", a->loc_iid);
		lw_coap_build_opt_str(&b, LW_COAP_OPT_LOCATION_PATH, v);
	}
	if (a->cf != 0xffff)
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, a->cf);
	lw_coap_build_payload(&b, a->payload, a->len);
	size_t len;
	if (lw_coap_build_end(&b, &len)) {
		/* Bigger than a datagram we build: say so rather than cut. */
		lw_coap_build_start(&b, out, sizeof(out), con ? LW_COAP_ACK : LW_COAP_NON,
		                    LW_COAP_INTERNAL_SERVER_ERROR, mid, m->token, m->token_len);
		if (lw_coap_build_end(&b, &len))
			return;
	}
	fleet_send(s, d, out, len);
	if (!con)
		return;
	struct fleet_ext *x = fleet_ext(d);
	if (!x)
		return;
	uint8_t *keep = realloc(x->last_rsp, len);
	if (!keep)
		return;
	memcpy(keep, out, len);
	x->last_rsp = keep;
	x->last_len = (uint16_t)len;
	x->last_mid = m->mid;
}

void fleet_reply(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                 uint8_t code, uint16_t cf, const void *payload, size_t len)
{
	struct answer a = {.code = code, .cf = cf, .payload = payload, .len = len};
	respond(s, d, m, &a);
}

static int decode(struct fleet_shard *s, const struct lw_coap_msg *m, const lw_path *base,
                  lw_records *out)
{
	uint32_t cf = lw_coap_get_uint(m, LW_COAP_OPT_CONTENT_FORMAT,
	                               m->payload_len ? s->cfg->fmt->content_format : LW_CF_TLV);
	const struct lw_codec *k = lwc_codec_by_format(cf);
	if (!k || !k->decode)
		return LWC_UNSUPPORTED_FORMAT;
	struct lw_codec_error err = {0};
	if (k->decode(s->model, base, m->payload, m->payload_len, out, &err))
		return LWC_BAD_REQUEST;
	return 0;
}

/* A write of any kind on a scratch copy; what the device keeps comes back. */
static struct lwc_objects *work;

void fleet_scratch_free(void)
{
	free(work);
	work = NULL;
}

static struct lwc_objects *scratch(struct fleet_shard *s)
{
	if (!work)
		work = malloc(sizeof(*work));
	if (work)
		memcpy(work, s->tree, sizeof(*work));
	return work;
}

static void keep_lifetime(struct fleet_shard *s, struct fleet_dev *d, struct lwc_objects *w)
{
	int64_t lt = lwc_get_int(w, 1, 0, 1, d->lifetime);
	if (lt > 0 && (uint32_t)lt != d->lifetime) {
		d->lifetime = (uint32_t)lt;
		d->lt_changed = 1;
		fleet_dev_update_soon(s, d);
	}
}

static int do_read(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                   const lw_path *p, lw_buf *b, struct answer *a)
{
	uint32_t accept = lw_coap_get_uint(m, LW_COAP_OPT_ACCEPT, UINT32_MAX);
	if (accept == LW_CF_LINK) {
		a->cf = LW_CF_LINK;
		return discover(s, d, p, b);
	}
	const struct lw_codec *k = accept == UINT32_MAX ? s->cfg->fmt : lwc_codec_by_format(accept);
	if (!k || !k->encode)
		return LWC_NOT_ACCEPTABLE;
	if (lw_path_depth(p) >= 1 && p->oid == 0)
		return LWC_UNAUTHORIZED;
	lw_records recs;
	lw_records_init(&recs);
	int rc = lwc_read(s->tree, p, &recs);
	struct lw_codec_error err = {0};
	if (rc == LWC_CONTENT && k->encode(s->model, p, &recs, b, &err))
		rc = LWC_NOT_ACCEPTABLE; /* text or opaque asked for a whole instance */
	lw_records_free(&recs);
	if (rc != LWC_CONTENT)
		return rc;
	a->cf = k->content_format;
	uint32_t obs = lw_coap_get_uint(m, LW_COAP_OPT_OBSERVE, UINT32_MAX);
	if (obs == 0 && fleet_obs_add(s, d, m, p, k->content_format)) {
		a->observe = true;
		a->obs_seq = 0;
	} else if (obs == 1) {
		fleet_obs_cancel_token(d, m->token, m->token_len);
	}
	return rc;
}

void fleet_answer(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m)
{
	/* A duplicate: the same answer again, nothing run twice. */
	if (m->type == LW_COAP_CON && d->ext && d->ext->last_rsp && d->ext->last_mid == m->mid) {
		fleet_send(s, d, d->ext->last_rsp, d->ext->last_len);
		return;
	}
	s->stats.c.requests++;
	struct answer a = {.cf = 0xffff};
	lw_buf b;
	lw_buf_init(&b);
	char text[64];
	lw_path p;
	int rc;
	if (lw_coap_bad_critical_option(m)) {
		rc = 402;
	} else if (lw_coap_uri_path(m, text, sizeof(text)) < 0 ||
	           lw_path_parse(text, strlen(text), &p, NULL)) {
		rc = LWC_NOT_FOUND;
	} else {
		int depth = lw_path_depth(&p);
		fleet_tree_dress(s, d);
		lw_records recs;
		lw_records_init(&recs);
		struct lwc_objects *w;
		switch (m->code) {
		case LW_COAP_GET:
			rc = do_read(s, d, m, &p, &b, &a);
			break;
		case LW_COAP_PUT:
			if (!m->payload_len && lw_coap_find(m, LW_COAP_OPT_URI_QUERY)) {
				rc = p.oid == 0 ? LWC_UNAUTHORIZED : fleet_attrs_write(d, &p, m);
				break;
			}
			/* fall through */
		case LW_COAP_POST:
			if (m->code == LW_COAP_POST && depth == 3) {
				enum lwc_action act = LWC_ACT_NONE;
				w = scratch(s);
				rc = w ? lwc_execute(w, &p, (const char *)m->payload, m->payload_len, &act)
				       : LWC_INTERNAL;
				if (act == LWC_ACT_UPDATE)
					fleet_dev_update_soon(s, d);
				break;
			}
			if (m->code == LW_COAP_POST && depth != 1 && depth != 2) {
				rc = LWC_NOT_ALLOWED;
				break;
			}
			rc = decode(s, m, &p, &recs);
			w = rc ? NULL : scratch(s);
			if (!rc && !w)
				rc = LWC_INTERNAL;
			if (rc)
				break;
			if (m->code == LW_COAP_POST && depth == 1) {
				uint16_t iid = 0;
				rc = lwc_create(w, &p, &recs, &iid);
				if (rc == LWC_CREATED && (p.oid != 3303 || iid >= 16)) {
					rc = p.oid == 3303 ? LWC_INTERNAL : LWC_NOT_ALLOWED;
				} else if (rc == LWC_CREATED) {
					d->mask3303 |= (uint16_t)(1u << iid);
					a.has_loc = true;
					a.loc_oid = p.oid;
					a.loc_iid = iid;
				}
			} else {
				rc = lwc_write(w, &p, &recs, m->code == LW_COAP_PUT);
				if (rc == LWC_CHANGED)
					keep_lifetime(s, d, w);
			}
			break;
		case LW_COAP_DELETE:
			w = scratch(s);
			rc = w ? lwc_delete(w, &p) : LWC_INTERNAL;
			if (rc == LWC_DELETED && p.oid == 3303 && p.iid < 16) {
				d->mask3303 &= (uint16_t) ~(1u << p.iid);
				fleet_obs_cancel_path(d, &p);
			} else if (rc == LWC_DELETED) {
				rc = LWC_NOT_ALLOWED; /* only 3303 instances live per device */
			}
			break;
		default:
			rc = LWC_NOT_ALLOWED;
			break;
		}
		lw_records_free(&recs);
	}
	a.code = code_of(rc);
	if (rc != LWC_CONTENT)
		a.cf = 0xffff;
	a.payload = b.data;
	a.len = rc == LWC_CONTENT ? b.len : 0;
	respond(s, d, m, &a);
	lw_buf_free(&b);
}
