/*
 * client-ref/fleet/observe.c: what a device reports on its own:
 * notifications to the server's observations (RFC 7641: the observer's
 * token, a rising Observe number, CON or NON as --con-notify says) every
 * --notify-interval, held between the pmin and pmax the server wrote with
 * Write-Attributes; and LwM2M Send of the temperature every --send-interval.
 *
 * One timer per device covers all of it: it fires at the earliest of its
 * observations' and its Send's next times. A lost CON notification is not
 * retransmitted: RFC 7641 4.5.2 lets a fresher notification take its place,
 * and the next one is due an interval later.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "coap/message.h"
#include "fleet.h"
#include "lwm2m/error.h"

#include "plugins/codec-senml-cbor/senml_cbor.h"

/* ---- attributes ---- */

static struct fleet_attrs *attrs_find(struct fleet_dev *d, const lw_path *p, bool create)
{
	if (!d->ext && !create)
		return NULL;
	struct fleet_ext *x = fleet_ext(d);
	if (!x)
		return NULL;
	struct fleet_attrs *free_one = NULL;
	for (int i = 0; i < FLEET_MAX_ATTRS; i++) {
		if (x->attrs[i].used && lw_path_equal(&x->attrs[i].path, p))
			return &x->attrs[i];
		if (!x->attrs[i].used && !free_one)
			free_one = &x->attrs[i];
	}
	if (!create || !free_one)
		return NULL;
	free_one->used = 1;
	free_one->path = *p;
	free_one->pmin = free_one->pmax = NAN;
	return free_one;
}

/* From the deepest level that sets it (resource, instance, object). */
static double attr_of(struct fleet_dev *d, const lw_path *p, bool max)
{
	for (int depth = lw_path_depth(p); depth >= 1; depth--) {
		lw_path q = lw_path_make(depth, p->oid, p->iid, p->rid, p->riid);
		struct fleet_attrs *a = attrs_find(d, &q, false);
		double v = a ? (max ? a->pmax : a->pmin) : NAN;
		if (!isnan(v))
			return v;
	}
	return NAN;
}

/*
 * Write-Attributes: "pmin=5&pmax=60" in Uri-Query options (one each). The
 * fleet keeps pmin and pmax, the ones that shape its load; gt, lt, st,
 * epmin and epmax are checked and accepted but have no effect here.
 */
int fleet_attrs_write(struct fleet_dev *d, const lw_path *p, const struct lw_coap_msg *m)
{
	static const char *const known[] = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax"};
	double pmin = NAN, pmax = NAN;
	struct fleet_attrs *cur = attrs_find(d, p, false);
	if (cur) {
		pmin = cur->pmin;
		pmax = cur->pmax;
	}
	for (const struct lw_coap_option *o = lw_coap_find(m, LW_COAP_OPT_URI_QUERY); o;
	     o = lw_coap_find_next(m, o)) {
		char kv[48];
		if (o->len >= sizeof(kv))
			return LWC_BAD_REQUEST;
		memcpy(kv, o->value, o->len);
		kv[o->len] = 0;
		char *eq = strchr(kv, '=');
		if (eq)
			*eq = 0;
		size_t k;
		for (k = 0; k < sizeof(known) / sizeof(known[0]); k++)
			if (!strcmp(kv, known[k]))
				break;
		if (k == sizeof(known) / sizeof(known[0]))
			return LWC_BAD_REQUEST;
		double v = NAN; /* no value: the attribute goes */
		if (eq) {
			char *end;
			v = strtod(eq + 1, &end);
			if (*end || end == eq + 1 || !isfinite(v) || (v < 0 && k != 2 && k != 3))
				return LWC_BAD_REQUEST;
		}
		if (k == 0)
			pmin = v;
		else if (k == 1)
			pmax = v;
	}
	if (!isnan(pmin) && !isnan(pmax) && pmax < pmin)
		return LWC_BAD_REQUEST;
	struct fleet_attrs *a = cur ? cur : attrs_find(d, p, true);
	if (!a)
		return LWC_INTERNAL;
	a->pmin = pmin;
	a->pmax = pmax;
	fleet_obs_arm(fleet_self, d);
	return LWC_CHANGED;
}

void fleet_attrs_link(struct fleet_dev *d, const lw_path *p, lw_buf *b)
{
	struct fleet_attrs *a = attrs_find(d, p, false);
	if (!a)
		return;
	if (!isnan(a->pmin))
		lw_buf_printf(b, ";pmin=%g", a->pmin);
	if (!isnan(a->pmax))
		lw_buf_printf(b, ";pmax=%g", a->pmax);
}

/* ---- observations ---- */

bool fleet_obs_add(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                   const lw_path *p, uint16_t cf)
{
	struct fleet_ext *x = fleet_ext(d);
	if (!x)
		return false;
	struct fleet_obs *o = NULL;
	for (int i = 0; i < FLEET_MAX_OBS && !o; i++)
		if (x->obs[i].used && lw_path_equal(&x->obs[i].path, p))
			o = &x->obs[i];
	for (int i = 0; i < FLEET_MAX_OBS && !o; i++)
		if (!x->obs[i].used)
			o = &x->obs[i];
	if (!o)
		return false;
	memset(o, 0, sizeof(*o));
	o->used = 1;
	o->path = *p;
	o->token_len = m->token_len;
	memcpy(o->token, m->token, m->token_len);
	o->cf = cf;
	o->last_ms = fleet_now(s);
	fleet_obs_arm(s, d);
	return true;
}

void fleet_obs_cancel_path(struct fleet_dev *d, const lw_path *p)
{
	if (!d->ext)
		return;
	for (int i = 0; i < FLEET_MAX_OBS; i++)
		if (d->ext->obs[i].used && lw_path_covers(p, &d->ext->obs[i].path))
			d->ext->obs[i].used = 0;
}

void fleet_obs_cancel_token(struct fleet_dev *d, const uint8_t *tok, size_t len)
{
	if (!d->ext)
		return;
	for (int i = 0; i < FLEET_MAX_OBS; i++) {
		struct fleet_obs *o = &d->ext->obs[i];
		if (o->used && o->token_len == len && !memcmp(o->token, tok, len))
			o->used = 0;
	}
}

void fleet_obs_cancel_mid(struct fleet_dev *d, uint16_t mid)
{
	if (!d->ext)
		return;
	for (int i = 0; i < FLEET_MAX_OBS; i++)
		if (d->ext->obs[i].used && d->ext->obs[i].con && d->ext->obs[i].last_mid == mid)
			d->ext->obs[i].used = 0;
}

/* The time between two notifications of o: the interval, but no less than
 * pmin and no more than pmax. */
static uint64_t period_ms(struct fleet_shard *s, struct fleet_dev *d, const struct fleet_obs *o)
{
	double period = s->cfg->notify_interval;
	double pmin = attr_of(d, &o->path, false), pmax = attr_of(d, &o->path, true);
	if (!isnan(pmin) && pmin > period)
		period = pmin;
	if (!isnan(pmax) && pmax > 0 && pmax < period)
		period = pmax;
	if (period <= 0)
		return UINT64_MAX;
	return (uint64_t)(period * 1000.0);
}

/* The next Send of d: each device at its own phase of the interval. */
static uint64_t next_send(struct fleet_shard *s, struct fleet_dev *d, uint64_t now)
{
	if (s->cfg->send_interval <= 0 || s->cfg->vnum < 11)
		return UINT64_MAX;
	uint64_t iv = (uint64_t)(s->cfg->send_interval * 1000.0);
	if (!iv)
		iv = 1;
	uint64_t phase = ((uint64_t)d->idx * 7919u) % iv;
	uint64_t k = now >= phase ? (now - phase) / iv + 1 : 0;
	return phase + k * iv;
}

void fleet_obs_arm(struct fleet_shard *s, struct fleet_dev *d)
{
	if (d->state != DEV_REGISTERED && d->state != DEV_UPDATING)
		return;
	if (s->stopping)
		return;
	uint64_t now = fleet_now(s);
	if (!d->next_send_ms)
		d->next_send_ms = (uint32_t)next_send(s, d, now);
	uint64_t due = s->cfg->send_interval > 0 && s->cfg->vnum >= 11 ? d->next_send_ms : UINT64_MAX;
	if (d->ext)
		for (int i = 0; i < FLEET_MAX_OBS; i++) {
			struct fleet_obs *o = &d->ext->obs[i];
			uint64_t per = o->used ? period_ms(s, d, o) : UINT64_MAX;
			if (per != UINT64_MAX && o->last_ms + per < due)
				due = o->last_ms + per;
		}
	if (due == UINT64_MAX)
		lw_timer_cancel(&s->timers, &d->ntimer);
	else
		lw_timer_at(&s->timers, &d->ntimer, due > now ? due : now);
}

static void notify(struct fleet_shard *s, struct fleet_dev *d, struct fleet_obs *o)
{
	const struct lw_codec *k = lwc_codec_by_format(o->cf);
	lw_records recs;
	lw_buf b;
	lw_records_init(&recs);
	lw_buf_init(&b);
	if (!k || lwc_read(s->tree, &o->path, &recs) != LWC_CONTENT ||
	    k->encode(s->model, &o->path, &recs, &b, NULL)) {
		/* The path went (a Delete) or cannot be encoded: the
		 * observation ends. */
		o->used = 0;
		goto out;
	}
	uint8_t out[4096];
	struct lw_coap_builder bd;
	o->seq = (o->seq + 1) & 0xffffff;
	o->con = s->cfg->con_notify;
	o->last_mid = d->mid++;
	lw_coap_build_start(&bd, out, sizeof(out), o->con ? LW_COAP_CON : LW_COAP_NON,
	                    LW_COAP_CONTENT, o->last_mid, o->token, o->token_len);
	lw_coap_build_opt_uint(&bd, LW_COAP_OPT_OBSERVE, o->seq);
	lw_coap_build_opt_uint(&bd, LW_COAP_OPT_CONTENT_FORMAT, o->cf);
	lw_coap_build_payload(&bd, b.data, b.len);
	size_t len;
	if (lw_coap_build_end(&bd, &len) == 0) {
		fleet_send(s, d, out, len);
		s->stats.c.notifications++;
	}
out:
	lw_records_free(&recs);
	lw_buf_free(&b);
}

/* LwM2M Send (POST /dp) of the temperature, in SenML CBOR, the one format
 * every 1.1 server reads. A CON whose ACK is not awaited: the next Send
 * carries a fresher value anyway. */
static void send_data(struct fleet_shard *s, struct fleet_dev *d)
{
	lw_path p = lw_path_make(3, 3303, 0, 5700, 0);
	lw_records recs;
	lw_buf b;
	lw_records_init(&recs);
	lw_buf_init(&b);
	lw_path root = LW_PATH_ROOT;
	if (lwc_read(s->tree, &p, &recs) == LWC_CONTENT && recs.n) {
		recs.items[0].has_time = 1;
		recs.items[0].time = (double)lwc_get_int(s->tree, 3303, 0, 5518, 0);
		if (!lw_codec_senml_cbor.encode(s->model, &root, &recs, &b, NULL)) {
			uint8_t out[1024];
			uint8_t tok[2] = {(uint8_t)fleet_rand(), 0xff};
			struct lw_coap_builder bd;
			lw_coap_build_start(&bd, out, sizeof(out), LW_COAP_CON, LW_COAP_POST, d->mid++,
			                    tok, sizeof(tok));
			lw_coap_build_opt_str(&bd, LW_COAP_OPT_URI_PATH, "dp");
			lw_coap_build_opt_uint(&bd, LW_COAP_OPT_CONTENT_FORMAT, LW_CF_SENML_CBOR);
			lw_coap_build_payload(&bd, b.data, b.len);
			size_t len;
			if (lw_coap_build_end(&bd, &len) == 0) {
				fleet_send(s, d, out, len);
				s->stats.c.sends++;
			}
		}
	}
	lw_records_free(&recs);
	lw_buf_free(&b);
}

void fleet_obs_timer(struct lw_timer *t, void *arg)
{
	(void)t;
	struct fleet_dev *d = arg;
	struct fleet_shard *s = fleet_self;
	if (s->stopping || (d->state != DEV_REGISTERED && d->state != DEV_UPDATING))
		return;
	uint64_t now = fleet_now(s);
	/* Asleep, a queue-mode device reports nothing: it catches up after
	 * its waking Update. */
	if (!d->sleeping) {
		fleet_tree_dress(s, d);
		if (d->ext)
			for (int i = 0; i < FLEET_MAX_OBS; i++) {
				struct fleet_obs *o = &d->ext->obs[i];
				if (!o->used)
					continue;
				uint64_t per = period_ms(s, d, o);
				if (per != UINT64_MAX && o->last_ms + per <= now) {
					notify(s, d, o);
					o->last_ms = now;
				}
			}
		if (s->cfg->send_interval > 0 && s->cfg->vnum >= 11 && d->next_send_ms <= now) {
			send_data(s, d);
			d->next_send_ms = (uint32_t)next_send(s, d, now);
		}
	} else if (d->ext) {
		for (int i = 0; i < FLEET_MAX_OBS; i++)
			if (d->ext->obs[i].used && d->ext->obs[i].last_ms < now)
				d->ext->obs[i].last_ms = now;
	}
	fleet_obs_arm(s, d);
}
