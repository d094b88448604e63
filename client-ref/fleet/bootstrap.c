/*
 * client-ref/fleet/bootstrap.c: the client side of the LwM2M Bootstrap
 * interface for fleet devices (Core spec 6.1, client-initiated), as the
 * reference client (client-ref/bootstrap.c) does it, without a per-device
 * object tree: a device sends the Bootstrap-Request (POST /bs?ep=NAME&pct=),
 * answers Bootstrap-Delete, Bootstrap-Discover, Bootstrap-Write of objects 0
 * and 1 and Bootstrap-Finish, and keeps only what it needs to reach its
 * server: the DM account (URI, security mode, identity or key, secret key,
 * Short Server ID) and its lifetime. Finish is accepted (2.04) when a
 * Security and a Server instance with the same Short Server ID were
 * written, as the reference client decides; then the device reconnects its
 * socket to that server, handshakes with the credentials it received (when
 * coaps://) and registers.
 *
 * What bootstrap writes goes into a staging record (dev->sec->stage) freed
 * at Finish; the account (dev->sec->acct) lives as long as the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/message.h"
#include "fleet.h"
#include "lwm2m/error.h"

/* How long a bootstrap session may take before the device starts over. */
#define BS_WAIT_MS 30000

struct fleet_sec *fleet_sec(struct fleet_dev *d)
{
	if (!d->sec)
		d->sec = calloc(1, sizeof(*d->sec));
	return d->sec;
}

static void acct_free(struct fleet_acct *a)
{
	if (!a)
		return;
	free(a->ident);
	if (a->secret)
		memset(a->secret, 0, a->secret_len);
	free(a->secret);
	memset(a, 0, sizeof(*a));
}

static void stage_free(struct fleet_sec *x)
{
	if (x->stage)
		acct_free(&x->stage->sec);
	free(x->stage);
	x->stage = NULL;
}

void fleet_sec_free(struct fleet_dev *d)
{
	struct fleet_sec *x = d->sec;
	if (!x)
		return;
	fleet_tls_end(d, false);
	stage_free(x);
	acct_free(x->acct);
	free(x->acct);
	free(x);
	d->sec = NULL;
}

void fleet_bs_request_sent(struct fleet_shard *s, struct fleet_dev *d)
{
	(void)s;
	d->state = DEV_BOOTSTRAP;
}

static struct fleet_bs_stage *stage(struct fleet_dev *d)
{
	struct fleet_sec *x = fleet_sec(d);
	if (x && !x->stage) {
		x->stage = calloc(1, sizeof(*x->stage));
		if (x->stage)
			x->stage->sec_iid = x->stage->srv_ssid = -1;
	}
	return x ? x->stage : NULL;
}

static int copy_bytes(uint8_t **to, uint16_t *len, const lw_bytes *v)
{
	if (v->len > 4096)
		return -1;
	uint8_t *p = malloc(v->len ? v->len : 1);
	if (!p)
		return -1;
	memcpy(p, v->data, v->len);
	free(*to);
	*to = p;
	*len = (uint16_t)v->len;
	return 0;
}

static int64_t int_of(const lw_record *r)
{
	switch (r->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		return r->v.i;
	case LW_TYPE_UNSIGNED:
		return (int64_t)r->v.u;
	case LW_TYPE_BOOLEAN:
		return r->v.b;
	case LW_TYPE_FLOAT:
		return (int64_t)r->v.f;
	default:
		return -1;
	}
}

/* The Security instance's resources; a bootstrap account (1 = true) is
 * not kept: the device keeps its own bootstrap server. */
static int write_security(struct fleet_bs_stage *st, uint16_t iid, const lw_records *recs)
{
	struct fleet_acct a = {0};
	char uri[sizeof(st->uri)] = "";
	bool bs = false;
	int rc = 0;
	for (size_t i = 0; i < recs->n && !rc; i++) {
		const lw_record *r = &recs->items[i];
		if (r->path.oid != 0 || r->path.iid != iid)
			continue;
		switch (r->path.rid) {
		case 0:
			if (r->v.s.len >= sizeof(uri))
				rc = -1;
			else
				memcpy(uri, r->v.s.data, r->v.s.len), uri[r->v.s.len] = 0;
			break;
		case 1:
			bs = int_of(r) == 1;
			break;
		case 2:
			a.mode = (uint8_t)int_of(r);
			break;
		case 3:
			rc = copy_bytes(&a.ident, &a.ident_len, &r->v.s);
			break;
		case 5:
			rc = copy_bytes(&a.secret, &a.secret_len, &r->v.s);
			break;
		case 10:
			a.ssid = (uint16_t)int_of(r);
			break;
		default:
			break;
		}
	}
	if (rc || bs) {
		acct_free(&a);
		return rc ? LWC_BAD_REQUEST : LWC_CHANGED;
	}
	acct_free(&st->sec);
	st->sec = a;
	st->sec_iid = iid;
	memcpy(st->uri, uri, sizeof(uri));
	return LWC_CHANGED;
}

static int write_server(struct fleet_bs_stage *st, uint16_t iid, const lw_records *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		const lw_record *r = &recs->items[i];
		if (r->path.oid != 1 || r->path.iid != iid)
			continue;
		if (r->path.rid == 0)
			st->srv_ssid = (int32_t)int_of(r);
		else if (r->path.rid == 1)
			st->srv_lifetime = (uint32_t)int_of(r);
	}
	return LWC_CHANGED;
}

static int bs_write(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m,
                    const lw_path *p)
{
	if (lw_path_depth(p) < 1 || (p->oid != 0 && p->oid != 1))
		return LWC_CHANGED; /* other objects: acknowledged, not kept */
	uint32_t cf = lw_coap_get_uint(m, LW_COAP_OPT_CONTENT_FORMAT, LW_CF_TLV);
	const struct lw_codec *k = lwc_codec_by_format(cf);
	if (!k || !k->decode)
		return LWC_UNSUPPORTED_FORMAT;
	struct fleet_bs_stage *st = stage(d);
	if (!st)
		return LWC_INTERNAL;
	lw_records recs;
	lw_records_init(&recs);
	struct lw_codec_error err = {0};
	int rc = LWC_CHANGED;
	if (k->decode(s->model, p, m->payload, m->payload_len, &recs, &err)) {
		rc = LWC_BAD_REQUEST;
	} else {
		/* An object-level write may hold several instances. */
		for (size_t i = 0; i < recs.n && rc == LWC_CHANGED; i++) {
			uint16_t iid = recs.items[i].path.iid;
			bool first = true;
			for (size_t j = 0; j < i; j++)
				if (recs.items[j].path.iid == iid)
					first = false;
			if (!first)
				continue;
			rc = p->oid == 0 ? write_security(st, iid, &recs) : write_server(st, iid, &recs);
		}
	}
	lw_records_free(&recs);
	return rc;
}

/* Usable: a Security and a Server instance with the same Short Server ID,
 * a URI we can reach, and the credentials its mode needs. */
static int bs_finish(struct fleet_shard *s, struct fleet_dev *d)
{
	struct fleet_sec *x = d->sec;
	struct fleet_bs_stage *st = x ? x->stage : NULL;
	bool secure = false;
	if (!st || st->sec_iid < 0 || st->srv_ssid < 0 || st->sec.ssid != st->srv_ssid ||
	    fleet_parse_uri(st->uri, &st->sec.addr, &secure))
		goto refuse;
	st->sec.secure = secure;
	if (secure && (st->sec.mode > SEC_X509 || !st->sec.ident_len || !st->sec.secret_len))
		goto refuse;
	if (!secure)
		st->sec.mode = SEC_NOSEC;
	struct fleet_acct *a = x->acct ? x->acct : calloc(1, sizeof(*a));
	if (!a)
		goto refuse;
	acct_free(a);
	*a = st->sec;
	memset(&st->sec, 0, sizeof(st->sec));
	a->lifetime = st->srv_lifetime;
	x->acct = a;
	stage_free(x);
	return LWC_CHANGED;
refuse:
	if (s->cfg->verbose)
		fprintf(stderr, "lwm2m-fleet: device %u: Bootstrap-Finish refused: no usable "
		                "Security and Server instances\n", d->idx);
	return LWC_NOT_ACCEPTABLE;
}

static uint8_t code_of(int status)
{
	return LW_COAP_CODE(status / 100, status % 100);
}

void fleet_bs_answer(struct fleet_shard *s, struct fleet_dev *d, const struct lw_coap_msg *m)
{
	/* A duplicate: the same answer again, nothing run twice. */
	if (m->type == LW_COAP_CON && d->ext && d->ext->last_rsp && d->ext->last_mid == m->mid) {
		fleet_send(s, d, d->ext->last_rsp, d->ext->last_len);
		return;
	}
	s->stats.c.requests++;
	char text[64];
	lw_path p = LW_PATH_ROOT;
	int n = lw_coap_uri_path(m, text, sizeof(text));
	bool is_bs = n >= 0 && !strcmp(text, "/bs");
	bool root = n >= 0 && !strcmp(text, "/");
	int rc;
	if (n < 0 || (!root && !is_bs && lw_path_parse(text, (size_t)n, &p, NULL))) {
		rc = LWC_NOT_FOUND;
	} else if (is_bs && m->code == LW_COAP_POST) {
		rc = bs_finish(s, d);
		fleet_reply(s, d, m, code_of(rc), 0xffff, NULL, 0);
		if (rc == LWC_CHANGED) {
			s->stats.c.bootstraps++;
			d->sec->bootstrapped = 1;
			if (d->sec->acct->lifetime)
				d->lifetime = d->sec->acct->lifetime;
			/* The answer went over the bootstrap session: now the
			 * DM server. */
			lw_timer_cancel(&s->timers, &d->timer);
			fleet_tls_end(d, true);
			fleet_dev_connect(s, d);
		}
		return;
	} else if (m->code == LW_COAP_DELETE) {
		/* Everything but the bootstrap account goes: what was staged. */
		if (d->sec)
			stage_free(d->sec);
		rc = LWC_DELETED;
	} else if (m->code == LW_COAP_GET &&
	           lw_coap_get_uint(m, LW_COAP_OPT_ACCEPT, UINT32_MAX) == LW_CF_LINK) {
		/* Bootstrap-Discover: our bootstrap account at /0/0, and the
		 * objects we would take. */
		char links[256];
		int len = snprintf(links, sizeof(links),
		                   "</>;lwm2m=%s,</0>,</0/0>;uri=\"%s\",</1>,</3>;ver=1.1,</3/0>",
		                   s->cfg->version, s->cfg->bs_uri);
		fleet_reply(s, d, m, LW_COAP_CONTENT, LW_CF_LINK, links, (size_t)len);
		return;
	} else if (m->code == LW_COAP_PUT || m->code == LW_COAP_POST) {
		rc = bs_write(s, d, m, &p);
	} else {
		rc = LWC_NOT_ALLOWED;
	}
	fleet_reply(s, d, m, code_of(rc), 0xffff, NULL, 0);
	/* Each exchange gives the session more time. */
	if (d->state == DEV_BOOTSTRAP)
		lw_timer_in(&s->timers, &d->timer, BS_WAIT_MS);
}
