/*
 * lwm2m/bootstrap.c: the Bootstrap Server (see bootstrap.h, docs/bootstrap.md).
 *
 * It runs its own CoAP engine rather than sharing the device-management one:
 * the bootstrap interface has its own ports and credentials, its resources
 * (/bs, /bspack) must not be reachable on the DM port, and a device's
 * bootstrap exchanges must not count against its DM peer. Two transports
 * feed bs->engine: plain UDP ([bootstrap] port) and DTLS ([bootstrap]
 * secure_port), the latter the very listener of the DM side (coap/dtls.c)
 * given the bootstrap credentials (bs_creds of the configurations) instead
 * of the DM ones. A Bootstrap-Request over DTLS must name the endpoint the
 * session proved; over plain CoAP an endpoint that has a bootstrap
 * credential is refused: it has to use DTLS.
 *
 * One session per endpoint. After the 2.04 to Bootstrap-Request the server
 * drives: Delete "/" (the client keeps its bootstrap account, as the spec
 * says), Discover "/" to learn which instance ids that account holds and the
 * client's LwM2M version, Write of each Security and Server instance, Finish.
 * The whole session has a deadline ([bootstrap] session_timeout); its outcome
 * goes on the event bus as a "bootstrap" event.
 */
#include "lwm2m/bootstrap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/dtls.h"
#include "coap/engine.h"
#include "coap/resource.h"
#include "coap/udp.h"
#include "daemon.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/links.h"
#include "lwm2m/log.h"
#include "lwm2m/records_json.h"
#include "storage/service.h"

enum step { S_DELETE, S_DISCOVER, S_WRITE, S_FINISH };

/* One write of the sequence: an instance and its records. */
struct bs_write {
	lw_path path;
	lw_records recs;
};

struct session {
	struct lw_hnode node;
	struct session *prev, *next;
	struct lw_bootstrap *bs;
	struct lw_coap_peer *peer; /* held */
	struct lw_coap_exchange *x;
	struct lw_timer deadline, kick;
	enum step step;
	int pct;     /* the client's preferred content format, -1 */
	int cf;      /* what writes use */
	int minor;   /* LwM2M 1.minor from Discover, -1 unknown */
	uint8_t taken_sec[65536 / 8], taken_srv[65536 / 8]; /* iids Discover found */
	int discovered;
	struct bs_write *writes;
	size_t n_writes, at;
	uint16_t ssids[LW_BS_MAX_SERVERS];
	size_t n_ssids;
	char endpoint[];
};

struct lw_bootstrap {
	struct lw_daemon *d;
	struct lw_coap_engine *engine;
	struct lw_coap_udp *udp;
	struct lw_coap_dtls *dtls;
	struct lw_bs_configs configs;
	struct lw_htable sessions; /* by endpoint */
	struct session *head;
	uint64_t session_ms;
};

static uint64_t ep_hash(const char *ep)
{
	return lw_hash(ep, strlen(ep), 0x5e);
}

static struct session *session_find(struct lw_bootstrap *bs, const char *ep)
{
	uint64_t h = ep_hash(ep);
	for (struct lw_hnode *k = lw_htable_bucket(&bs->sessions, h); k; k = k->next) {
		struct session *s = LW_CONTAINER_OF(k, struct session, node);
		if (k->hash == h && strcmp(s->endpoint, ep) == 0)
			return s;
	}
	return NULL;
}

static void session_free(struct session *s)
{
	struct lw_bootstrap *bs = s->bs;
	if (s->x)
		lw_coap_cancel(bs->engine, s->x);
	lw_timer_cancel(bs->engine->timers, &s->deadline);
	lw_timer_cancel(bs->engine->timers, &s->kick);
	lw_htable_remove(&bs->sessions, &s->node);
	if (s->prev)
		s->prev->next = s->next;
	else
		bs->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	lw_coap_peer_release(s->peer);
	for (size_t i = 0; i < s->n_writes; i++)
		lw_records_free(&s->writes[i].recs);
	free(s->writes);
	free(s);
}

/* The outcome: one log line, one event, and the session is gone. */
static void session_end(struct session *s, const char *status, const char *fmt, ...)
	LW_PRINTF(3, 4);

static void session_end(struct session *s, const char *status, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char addr[64];
	lw_log(strcmp(status, "finished") == 0 ? LW_LOG_INFO : LW_LOG_WARN,
	       "bootstrap of %s (%s): %s: %s", s->endpoint,
	       lw_coap_addr_str(&s->peer->addr, addr, sizeof(addr)), status, msg);
	json_t *servers = json_array();
	for (size_t i = 0; i < s->n_ssids; i++)
		json_array_append_new(servers, json_integer(s->ssids[i]));
	json_t *o = json_pack("{s:s, s:s, s:o}", "status", status, "message", msg, "servers",
	                      servers);
	char *text = o ? lw_json_dumps(o, 0) : NULL;
	json_decref(o);
	if (text) {
		/* The members without the braces: the bus adds its own. */
		size_t n = strlen(text);
		text[n - 1] = '\0';
		lw_events_publish(&s->bs->d->events, LW_EVENT_BOOTSTRAP, s->endpoint, text + 1);
		free(text);
	}
	session_free(s);
}

static const char *step_name(const struct session *s)
{
	static const char *const names[] = {"Bootstrap-Delete", "Bootstrap-Discover",
	                                    "Bootstrap-Write", "Bootstrap-Finish"};
	return names[s->step];
}

static void on_deadline(struct lw_timer *t, void *arg)
{
	(void)t;
	struct session *s = arg;
	session_end(s, "timeout", "no answer to %s within the session timeout of %llu s",
	            step_name(s), (unsigned long long)(s->bs->session_ms / 1000));
}

/* ---- requests to the client ---- */

struct req {
	struct lw_coap_msg msg;
	char segs[2][8];
	uint8_t uints[2][4];
	int n_uints;
};

static void add_opt(struct req *r, uint16_t num, const void *v, size_t len)
{
	struct lw_coap_option *o = &r->msg.opts[r->msg.n_opts++];
	o->number = num;
	o->value = v;
	o->len = (uint16_t)len;
}

static void add_uint(struct req *r, uint16_t num, uint32_t v)
{
	uint8_t *u = r->uints[r->n_uints++];
	size_t len = v > 0xffffff ? 4 : v > 0xffff ? 3 : v > 0xff ? 2 : v ? 1 : 0;
	for (size_t i = 0; i < len; i++)
		u[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	add_opt(r, num, u, len);
}

static void add_path(struct req *r, const lw_path *p)
{
	const uint16_t ids[2] = {p->oid, p->iid};
	for (int i = 0; i < 2 && ids[i] != LW_ID_NONE; i++) {
		int n = snprintf(r->segs[i], sizeof(r->segs[0]), "%u", ids[i]);
		add_opt(r, LW_COAP_OPT_URI_PATH, r->segs[i], (size_t)n);
	}
}

static void on_response(void *arg, int status, const struct lw_coap_msg *resp);

static int send_req(struct session *s, struct req *r)
{
	r->msg.type = LW_COAP_CON;
	uint64_t now = lw_timers_now(s->bs->engine->timers);
	uint64_t left = s->deadline.due > now ? s->deadline.due - now : 1;
	/* The request's own deadline is the session's: on_deadline reports. */
	return lw_coap_request(s->bs->engine, s->peer, &r->msg, (uint32_t)left + 1000, on_response,
	                       s, &s->x);
}

/* The format of the writes: the client's pct when we have a codec for it,
 * else SenML CBOR for a 1.1+ client, TLV for 1.0 (the one 1.0 mandates). */
static int choose_cf(const struct session *s)
{
	static const int data_formats[] = {LW_CF_TLV, LW_CF_SENML_CBOR, LW_CF_SENML_JSON,
	                                   LW_CF_LWM2M_CBOR, LW_CF_JSON};
	const struct lw_codec *c;
	for (size_t i = 0; s->pct >= 0 && i < sizeof(data_formats) / sizeof(data_formats[0]); i++)
		if (s->pct == data_formats[i] && (c = lw_codec_by_format((uint16_t)s->pct)) &&
		    c->encode)
			return s->pct;
	if (s->minor >= 1 && (c = lw_codec_by_format(LW_CF_SENML_CBOR)) && c->encode)
		return LW_CF_SENML_CBOR;
	if ((c = lw_codec_by_format(LW_CF_TLV)) && c->encode)
		return LW_CF_TLV;
	if ((c = lw_codec_by_format(LW_CF_SENML_CBOR)) && c->encode)
		return LW_CF_SENML_CBOR;
	return -1;
}

static int bit(const uint8_t *set, uint16_t i)
{
	return set[i / 8] >> (i % 8) & 1;
}

static void set_bit(uint8_t *set, uint16_t i)
{
	set[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* The writes for the endpoint's configuration, with instance ids free on
 * the client: its bootstrap account keeps its Security instance (/0/0 on
 * most clients, which is assumed when Discover told nothing). */
static int plan_writes(struct session *s, char *why, size_t whylen)
{
	const struct lw_bs_config *c = lw_bs_config_find(&s->bs->configs, s->endpoint);
	if (!c) {
		snprintf(why, whylen, "the configuration was removed during the session");
		return LW_ENOENT;
	}
	if (!s->discovered)
		set_bit(s->taken_sec, 0);
	s->writes = calloc(2 * c->n, sizeof(*s->writes));
	if (!s->writes)
		return LW_ENOMEM;
	uint16_t sec = 0, srv = 0;
	int rc = 0;
	for (size_t i = 0; i < c->n && !rc; i++) {
		while (bit(s->taken_sec, sec))
			sec++;
		struct bs_write *w = &s->writes[i];
		lw_records_init(&w->recs);
		w->path = lw_path_make(2, 0, sec, LW_ID_NONE, LW_ID_NONE);
		rc = lw_bs_security_records(&c->servers[i], sec++, &w->recs);
		s->ssids[s->n_ssids++] = c->servers[i].ssid;
	}
	for (size_t i = 0; i < c->n && !rc; i++) {
		while (bit(s->taken_srv, srv))
			srv++;
		struct bs_write *w = &s->writes[c->n + i];
		lw_records_init(&w->recs);
		w->path = lw_path_make(2, 1, srv, LW_ID_NONE, LW_ID_NONE);
		rc = lw_bs_server_records(&c->servers[i], srv++, &w->recs);
	}
	s->n_writes = 2 * c->n;
	if (rc)
		snprintf(why, whylen, "out of memory");
	return rc;
}

static void next(struct session *s);

static void do_step(struct session *s)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	lw_buf body;
	lw_buf_init(&body);
	char why[200] = "";
	int rc = 0;
	switch (s->step) {
	case S_DELETE:
		/* No Uri-Path: "/" */
		r.msg.code = LW_COAP_DELETE;
		break;
	case S_DISCOVER:
		r.msg.code = LW_COAP_GET;
		add_uint(&r, LW_COAP_OPT_ACCEPT, LW_CF_LINK);
		break;
	case S_WRITE: {
		if (!s->writes && (rc = plan_writes(s, why, sizeof(why))) != 0)
			break;
		if (s->cf < 0)
			s->cf = choose_cf(s);
		const struct lw_codec *codec = s->cf >= 0 ? lw_codec_by_format((uint16_t)s->cf) : NULL;
		if (!codec) {
			snprintf(why, sizeof(why), "no codec to write with (load codec-tlv or "
			                           "codec-senml-cbor)");
			rc = LW_ENOTSUP;
			break;
		}
		const struct bs_write *w = &s->writes[s->at];
		struct lw_codec_error err = {0};
		rc = codec->encode(s->bs->d->model, &w->path, &w->recs, &body, &err);
		if (rc) {
			snprintf(why, sizeof(why), "cannot encode as %s: %s", codec->name,
			         err.message[0] ? err.message : lw_strerror(rc));
			break;
		}
		r.msg.code = LW_COAP_PUT;
		add_path(&r, &w->path);
		add_uint(&r, LW_COAP_OPT_CONTENT_FORMAT, (uint32_t)s->cf);
		r.msg.payload = body.data;
		r.msg.payload_len = body.len;
		break;
	}
	case S_FINISH:
		r.msg.code = LW_COAP_POST;
		add_opt(&r, LW_COAP_OPT_URI_PATH, "bs", 2);
		break;
	}
	if (!rc) {
		rc = send_req(s, &r);
		if (rc)
			snprintf(why, sizeof(why), "cannot send %s: %s", step_name(s), lw_strerror(rc));
	}
	if (body.data) {
		/* Secrets in the payload: zeroed before the memory goes back. */
		memset(body.data, 0, body.len);
	}
	lw_buf_free(&body);
	if (rc)
		session_end(s, "failed", "%s", why);
}

/* Learns the client's version and the instances that remain. */
static void read_discover(struct session *s, const struct lw_coap_msg *m)
{
	const char *p = (const char *)m->payload;
	size_t n = m->payload_len;
	/* 1.1+: the answer opens with lwm2m="1.x", which is no link. */
	if (n > 7 && memcmp(p, "lwm2m=", 6) == 0) {
		const char *v = p + 6 + (p[6] == '"');
		if (v + 2 < p + n && v[0] == '1' && v[1] == '.' && v[2] >= '0' && v[2] <= '9')
			s->minor = v[2] - '0';
		const char *comma = memchr(p, ',', n);
		if (!comma)
			return;
		n -= (size_t)(comma + 1 - p);
		p = comma + 1;
	}
	const struct lw_codec *link = lw_codec_by_format(LW_CF_LINK);
	if (!link || !link->decode_links)
		return;
	lw_links links;
	lw_links_init(&links);
	links.max_items = 1024;
	struct lw_codec_error err = {0};
	if (link->decode_links((const uint8_t *)p, n, &links, &err) == 0) {
		for (size_t i = 0; i < links.n; i++) {
			lw_path path;
			const char *t = links.items[i].target;
			if (lw_path_parse(t, strlen(t), &path, NULL) != 0 || lw_path_depth(&path) != 2)
				continue;
			if (path.oid == 0)
				set_bit(s->taken_sec, path.iid);
			else if (path.oid == 1)
				set_bit(s->taken_srv, path.iid);
		}
		s->discovered = 1;
	}
	lw_links_free(&links);
}

static void on_response(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct session *s = arg;
	s->x = NULL;
	if (status == LW_ETIMEDOUT) {
		session_end(s, "timeout", "no answer to %s", step_name(s));
		return;
	}
	if (status) {
		session_end(s, "failed", "%s: %s", step_name(s),
		            status == LW_EPROTO ? "the client answered with a reset"
		                                : lw_strerror(status));
		return;
	}
	char code[5], path[32] = "";
	lw_coap_code_str(resp->code, code);
	switch (s->step) {
	case S_DELETE:
		if (resp->code != LW_COAP_DELETED) {
			session_end(s, "failed", "Bootstrap-Delete / answered %s", code);
			return;
		}
		break;
	case S_DISCOVER:
		/* Optional: a 1.0 client has no Bootstrap-Discover. */
		if (resp->code == LW_COAP_CONTENT)
			read_discover(s, resp);
		break;
	case S_WRITE:
		lw_path_format(&s->writes[s->at].path, path, sizeof(path));
		if (resp->code == LW_COAP_UNSUPPORTED_CONTENT_FORMAT && s->cf != LW_CF_TLV &&
		    lw_codec_by_format(LW_CF_TLV)) {
			/* The client does not take what it asked for or what its
			 * version suggests: TLV is the one every version has. */
			s->cf = LW_CF_TLV;
			do_step(s);
			return;
		}
		if (resp->code != LW_COAP_CHANGED && resp->code != LW_COAP_CREATED) {
			session_end(s, "failed", "Bootstrap-Write %s answered %s%s%.*s", path, code,
			            resp->payload_len ? ": " : "",
			            (int)(resp->payload_len > 100 ? 100 : resp->payload_len),
			            resp->payload_len ? (const char *)resp->payload : "");
			return;
		}
		if (++s->at < s->n_writes) {
			do_step(s);
			return;
		}
		break;
	case S_FINISH:
		if (resp->code != LW_COAP_CHANGED) {
			session_end(s, "failed", "Bootstrap-Finish answered %s%s%.*s", code,
			            resp->payload_len ? ": " : "",
			            (int)(resp->payload_len > 100 ? 100 : resp->payload_len),
			            resp->payload_len ? (const char *)resp->payload : "");
			return;
		}
		session_end(s, "finished", "%zu server%s configured", s->n_ssids,
		            s->n_ssids == 1 ? "" : "s");
		return;
	}
	next(s);
}

static void next(struct session *s)
{
	s->step++;
	do_step(s);
}

/* The sequence starts once the 2.04 is out. */
static void on_kick(struct lw_timer *t, void *arg)
{
	(void)t;
	do_step(arg);
}

/* ---- requests from the client ---- */

struct bs_query {
	char ep[256];
	int has_ep;
	int pct;
};

static int read_query(const struct lw_coap_msg *req, struct bs_query *q)
{
	memset(q, 0, sizeof(*q));
	q->pct = -1;
	for (const struct lw_coap_option *o = lw_coap_find(req, LW_COAP_OPT_URI_QUERY); o;
	     o = lw_coap_find_next(req, o)) {
		if (o->len > 3 && memcmp(o->value, "ep=", 3) == 0) {
			size_t n = o->len - 3;
			if (n >= sizeof(q->ep) || memchr(o->value + 3, '\0', n))
				return -1;
			memcpy(q->ep, o->value + 3, n);
			q->ep[n] = '\0';
			q->has_ep = 1;
		} else if (o->len > 4 && o->len < 12 && memcmp(o->value, "pct=", 4) == 0) {
			unsigned v = 0;
			for (size_t i = 4; i < o->len; i++) {
				if (o->value[i] < '0' || o->value[i] > '9')
					return -1;
				v = v * 10 + (unsigned)(o->value[i] - '0');
			}
			if (v > 65535)
				return -1;
			q->pct = (int)v;
		}
	}
	for (const char *c = q->ep; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return -1;
	return 0;
}

/*
 * Whether peer may bootstrap as ep: over DTLS the session must have proved
 * ep (its bootstrap credential, or an X.509 name); over plain CoAP ep must
 * have no bootstrap credential. 0, or -1 after answering 4.03.
 */
static int identity_ok(struct lw_bootstrap *bs, struct lw_coap_peer *peer, const char *ep,
                       struct lw_coap_response *resp, const char *what)
{
	struct lw_coap_endpoint *tr = peer->ep;
	if (tr && tr->secure) {
		const char *id = tr->peer_identity ? tr->peer_identity(tr, &peer->addr) : NULL;
		if (id && strcmp(id, ep) == 0)
			return 0;
		lw_coap_resp_refuse(resp, LW_COAP_FORBIDDEN, peer, what,
		                    "the DTLS session authenticated as endpoint \"%s\", not \"%s\"",
		                    id ? id : "?", ep);
		return -1;
	}
	if (lw_credentials_by_endpoint(&bs->configs.bs_creds, ep)) {
		lw_coap_resp_refuse(resp, LW_COAP_FORBIDDEN, peer, what,
		                    "\"%s\" has bootstrap credentials: it must bootstrap over DTLS",
		                    ep);
		return -1;
	}
	return 0;
}

static void bs_request(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                       const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	struct lw_bootstrap *bs = arg;
	const char *what = "Bootstrap-Request";
	const struct lw_coap_option *seg = lw_coap_find(req, LW_COAP_OPT_URI_PATH);
	if (seg && lw_coap_find_next(req, seg)) {
		resp->msg.code = LW_COAP_NOT_FOUND;
		return;
	}
	struct bs_query q;
	if (read_query(req, &q) != 0 || !q.has_ep || !q.ep[0]) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_BAD_REQUEST, peer, what,
		    "the query must have ep=NAME (1 to 255 characters) and may have pct=NUMBER");
		return;
	}
	if (identity_ok(bs, peer, q.ep, resp, what) != 0)
		return;
	if (!lw_bs_config_find(&bs->configs, q.ep)) {
		lw_coap_resp_refuse(resp, LW_COAP_NOT_FOUND, peer, what,
		                    "no bootstrap configuration for \"%s\"", q.ep);
		return;
	}
	struct session *old = session_find(bs, q.ep);
	if (old)
		session_end(old, "failed", "a new Bootstrap-Request replaced this session");
	size_t eplen = strlen(q.ep);
	struct session *s = calloc(1, sizeof(*s) + eplen + 1);
	if (!s) {
		lw_coap_resp_refuse(resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what,
		                    "out of memory");
		return;
	}
	memcpy(s->endpoint, q.ep, eplen + 1);
	s->bs = bs;
	s->peer = peer;
	lw_coap_peer_hold(peer);
	s->pct = q.pct;
	s->cf = -1;
	s->minor = -1;
	lw_timer_init(&s->deadline, on_deadline, s);
	lw_timer_init(&s->kick, on_kick, s);
	lw_htable_insert(&bs->sessions, &s->node, ep_hash(s->endpoint));
	s->next = bs->head;
	if (bs->head)
		bs->head->prev = s;
	bs->head = s;
	lw_timer_in(e->timers, &s->deadline, bs->session_ms);
	lw_timer_in(e->timers, &s->kick, 0);
	char addr[64];
	lw_log(LW_LOG_INFO, "bootstrap of %s (%s) started", s->endpoint,
	       lw_coap_addr_str(&peer->addr, addr, sizeof(addr)));
	resp->msg.code = LW_COAP_CHANGED;
}

/* 1.2 Bootstrap-Pack: the whole configuration in one answer. */
static uint8_t pack_buf[16384];

static void bs_pack(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                    const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	struct lw_bootstrap *bs = arg;
	const char *what = "Bootstrap-Pack-Request";
	struct bs_query q;
	if (read_query(req, &q) != 0 || !q.has_ep || !q.ep[0]) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what,
		                    "the query must have ep=NAME");
		return;
	}
	if (identity_ok(bs, peer, q.ep, resp, what) != 0)
		return;
	const struct lw_bs_config *c = lw_bs_config_find(&bs->configs, q.ep);
	if (!c) {
		lw_coap_resp_refuse(resp, LW_COAP_NOT_FOUND, peer, what,
		                    "no bootstrap configuration for \"%s\"", q.ep);
		return;
	}
	uint32_t accept = lw_coap_get_uint(req, LW_COAP_OPT_ACCEPT, LW_CF_SENML_CBOR);
	const struct lw_codec *codec =
		(accept == LW_CF_SENML_CBOR || accept == LW_CF_SENML_JSON ||
		 accept == LW_CF_LWM2M_CBOR)
			? lw_codec_by_format((uint16_t)accept)
			: NULL;
	if (!codec || !codec->encode) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_NOT_ACCEPTABLE, peer, what,
		    "a pack comes as SenML CBOR, SenML JSON or LwM2M CBOR (when loaded)");
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	int rc = 0;
	/* /0/0 is left to the bootstrap account the client keeps. */
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = lw_bs_security_records(&c->servers[i], (uint16_t)(i + 1), &recs);
	for (size_t i = 0; i < c->n && !rc; i++)
		rc = lw_bs_server_records(&c->servers[i], (uint16_t)i, &recs);
	lw_buf body;
	lw_buf_init(&body);
	struct lw_codec_error err = {0};
	if (!rc)
		rc = codec->encode(bs->d->model, &LW_PATH_ROOT, &recs, &body, &err);
	lw_records_free(&recs);
	if (rc || body.len > sizeof(pack_buf)) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what, "cannot encode the pack: %s",
		    rc ? (err.message[0] ? err.message : lw_strerror(rc)) : "too big");
	} else {
		memcpy(pack_buf, body.data, body.len);
		resp->msg.code = LW_COAP_CONTENT;
		resp->msg.payload = pack_buf;
		resp->msg.payload_len = body.len;
		lw_coap_resp_opt_uint(resp, LW_COAP_OPT_CONTENT_FORMAT, accept);
		char addr[64];
		lw_log(LW_LOG_INFO, "bootstrap of %s (%s): finished: pack of %zu server%s sent",
		       q.ep, lw_coap_addr_str(&peer->addr, addr, sizeof(addr)), c->n,
		       c->n == 1 ? "" : "s");
		json_t *servers = json_array();
		for (size_t i = 0; i < c->n; i++)
			json_array_append_new(servers, json_integer(c->servers[i].ssid));
		json_t *o = json_pack("{s:s, s:s, s:o}", "status", "finished", "message",
		                      "Bootstrap-Pack sent", "servers", servers);
		char *text = o ? lw_json_dumps(o, 0) : NULL;
		json_decref(o);
		if (text) {
			text[strlen(text) - 1] = '\0';
			lw_events_publish(&bs->d->events, LW_EVENT_BOOTSTRAP, q.ep, text + 1);
			free(text);
		}
	}
	if (body.data)
		memset(body.data, 0, body.len);
	lw_buf_free(&body);
}

/* ---- start and stop ---- */

static struct lw_bootstrap *the(const struct lw_daemon *d)
{
	return d->bootstrap;
}

struct lw_bs_configs *lw_bootstrap_configs(struct lw_daemon *d)
{
	return the(d) ? &the(d)->configs : NULL;
}

int lw_bootstrap_port(const struct lw_daemon *d)
{
	return the(d) && the(d)->udp ? lw_coap_udp_port(the(d)->udp) : 0;
}

int lw_bootstrap_secure_port(const struct lw_daemon *d)
{
	return the(d) && the(d)->dtls ? lw_coap_dtls_port(the(d)->dtls) : 0;
}

/*
 * The DTLS listener on [bootstrap] secure_port: the DM side's listener code
 * with the bootstrap credentials, and [coaps]'s certificate, CAs and limits
 * (one server identity for both). As for UDP, a default port that is taken
 * only turns it off.
 */
static int open_dtls(struct lw_bootstrap *bs, char *err, size_t errlen)
{
	const struct lw_config *c = bs->d->cfg;
	if (c->bootstrap_secure_port == 0)
		return LW_EXIT_OK;
	struct lw_coap_dtls_config dc = lw_daemon_dtls_config(c);
	dc.name = "bootstrap dtls";
	dc.bind = c->bootstrap_bind;
	dc.port = c->bootstrap_secure_port;
	char why[400];
	int rc = lw_coap_dtls_open(&bs->dtls, bs->engine, bs->d->loop.base, &dc,
	                           &bs->configs.bs_creds, why, sizeof(why));
	if (rc == LW_EEXIST && lw_config_line(c, "bootstrap", "secure_port") == 0) {
		lw_log(LW_LOG_WARN, "[bootstrap] %s: bootstrap over DTLS is off (set [bootstrap] "
		       "secure_port, 0 to disable)", why);
		return LW_EXIT_OK;
	}
	if (rc) {
		snprintf(err, errlen, "[bootstrap] %s", why);
		return LW_EXIT_RUNTIME;
	}
	return LW_EXIT_OK;
}

int lw_bootstrap_start(struct lw_daemon *d, char *err, size_t errlen)
{
	const struct lw_config *c = d->cfg;
	struct lw_bootstrap *bs = calloc(1, sizeof(*bs));
	if (!bs || lw_bs_configs_init(&bs->configs) != 0 ||
	    lw_htable_init(&bs->sessions, 16) != 0) {
		if (bs)
			lw_bs_configs_free(&bs->configs);
		free(bs);
		snprintf(err, errlen, "bootstrap: out of memory");
		return LW_EXIT_RUNTIME;
	}
	d->bootstrap = bs;
	bs->d = d;
	bs->session_ms = (uint64_t)c->bootstrap_session_timeout * 1000;
	bs->configs.creds = d->creds;
	bs->configs.coap_port = c->coap_port;
	bs->configs.coaps_port = c->coaps_port;
	bs->configs.coap_bind = c->coap_bind;
	bs->configs.coaps_bind = c->coaps_bind;
	bs->configs.coap_tcp_port = c->coap_tcp_port;
	bs->configs.coaps_tcp_port = c->coaps_tcp_port;
	bs->configs.coap_tcp_bind = c->coap_tcp_bind;
	bs->configs.coaps_tcp_bind = c->coaps_tcp_bind;
	const struct lw_store *st =
		d->storage && d->storage->store.ops ? &d->storage->store : NULL;
	int rc = lw_bs_configs_load(&bs->configs, st, d->loop.base);
	if (rc) {
		snprintf(err, errlen, "bootstrap: reading the configurations failed: %s",
		         lw_strerror(rc));
		return LW_EXIT_RUNTIME;
	}
	if (c->bootstrap_port == 0 && c->bootstrap_secure_port == 0)
		return LW_EXIT_OK;
	struct lw_coap_params params;
	lw_daemon_coap_params(c, &params);
	bs->engine = malloc(sizeof(*bs->engine));
	if (!bs->engine || lw_coap_engine_init(bs->engine, &d->loop.timers, &params) != 0) {
		free(bs->engine);
		bs->engine = NULL;
		snprintf(err, errlen, "bootstrap: cannot set up its CoAP engine: out of memory");
		return LW_EXIT_RUNTIME;
	}
	rc = lw_coap_resource_add(bs->engine, "/bs", "", LW_COAP_METHOD(LW_COAP_POST), bs_request,
	                          bs);
	rc = rc ? rc
	        : lw_coap_resource_add(bs->engine, "/bspack", "", LW_COAP_METHOD(LW_COAP_GET),
	                               bs_pack, bs);
	if (rc) {
		snprintf(err, errlen, "bootstrap: out of memory");
		return LW_EXIT_RUNTIME;
	}
	rc = open_dtls(bs, err, errlen);
	if (rc)
		return rc;
	if (c->bootstrap_port == 0) {
		lw_log(LW_LOG_INFO, "bootstrap server on dtls %s:%d only, %zu configuration%s",
		       c->bootstrap_bind, bs->dtls ? lw_coap_dtls_port(bs->dtls) : 0,
		       bs->configs.count, bs->configs.count == 1 ? "" : "s");
		return LW_EXIT_OK;
	}
	bs->udp = malloc(sizeof(*bs->udp));
	if (!bs->udp) {
		snprintf(err, errlen, "bootstrap: out of memory");
		return LW_EXIT_RUNTIME;
	}
	char why[300];
	rc = lw_coap_udp_open(bs->udp, bs->engine, d->loop.base, c->bootstrap_bind,
	                      c->bootstrap_port, 0, why, sizeof(why));
	if (rc) {
		int in_use = errno == EADDRINUSE;
		free(bs->udp);
		bs->udp = NULL;
		/* As with [coaps]: the default port taken (another daemon on
		 * this host) is worth a warning, a port the file names is not
		 * negotiable. */
		if (in_use && lw_config_line(c, "bootstrap", "port") == 0) {
			lw_log(LW_LOG_WARN, "[bootstrap] %s: bootstrap over plain CoAP is off (set "
			       "[bootstrap] port, 0 to disable)", why);
			return LW_EXIT_OK;
		}
		snprintf(err, errlen, "[bootstrap] %s", why);
		return LW_EXIT_RUNTIME;
	}
	char dtls_port[32] = "";
	if (bs->dtls)
		snprintf(dtls_port, sizeof(dtls_port), " and dtls :%d", lw_coap_dtls_port(bs->dtls));
	lw_log(LW_LOG_INFO, "bootstrap server on udp %s:%d%s, %zu configuration%s",
	       c->bootstrap_bind, lw_coap_udp_port(bs->udp), dtls_port, bs->configs.count,
	       bs->configs.count == 1 ? "" : "s");
	return LW_EXIT_OK;
}

void lw_bootstrap_stop(struct lw_daemon *d)
{
	struct lw_bootstrap *bs = d->bootstrap;
	if (!bs)
		return;
	/* Sessions end quietly: the daemon is going away, nobody listens. */
	while (bs->head)
		session_free(bs->head);
	if (bs->udp) {
		lw_coap_udp_close(bs->udp);
		free(bs->udp);
	}
	lw_coap_dtls_close(bs->dtls);
	if (bs->engine) {
		lw_coap_engine_free(bs->engine);
		free(bs->engine);
	}
	lw_htable_free(&bs->sessions);
	lw_bs_configs_free(&bs->configs);
	free(bs);
	d->bootstrap = NULL;
}
