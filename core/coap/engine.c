/*
 * coap/engine.c: what happens to each datagram (RFC 7252 sections 4 and 5),
 * and the entry points of both roles. See engine.h.
 */
#include "coap/engine.h"

#include <gnutls/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/block.h"
#include "coap/exchange.h"
#include "coap/resource.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"

#define HOUSEKEEPING_MS 1000

void lw_coap_params_default(struct lw_coap_params *p)
{
	p->ack_timeout_ms = 2000;
	p->ack_random_permille = 1500;
	p->max_retransmit = 4;
	p->nstart = 1;
	/* RFC 7252 4.8.2: EXCHANGE_LIFETIME 247 s and NON_LIFETIME 145 s. */
	p->exchange_lifetime_ms = 247000;
	p->non_lifetime_ms = 145000;
	p->peer_idle_ms = 600000;
	p->dedup_max = 1000000;
}

static void housekeeping(struct lw_timer *t, void *arg)
{
	struct lw_coap_engine *e = arg;
	uint64_t now = lw_timers_now(e->timers);
	lw_coap_dedup_expire(&e->dedup, now);
	lw_coap_peers_expire(&e->peers, now);
	lw_timer_at(e->timers, t, now + HOUSEKEEPING_MS);
}

int lw_coap_engine_init(struct lw_coap_engine *e, struct lw_timers *timers,
                        const struct lw_coap_params *params)
{
	memset(e, 0, sizeof(*e));
	e->timers = timers;
	if (params)
		e->params = *params;
	else
		lw_coap_params_default(&e->params);
	if (e->params.nstart == 0)
		e->params.nstart = 1;
	if (gnutls_rnd(GNUTLS_RND_NONCE, &e->rng, sizeof(e->rng)) != 0 || e->rng == 0)
		e->rng = 0x853c49e6748fea9bull;
	int rc = lw_coap_peers_init(&e->peers, e->params.peer_idle_ms);
	if (!rc)
		rc = lw_coap_dedup_init(&e->dedup, e->params.dedup_max, e->params.exchange_lifetime_ms,
		                        e->params.non_lifetime_ms);
	if (!rc)
		rc = lw_htable_init(&e->by_mid, 256);
	if (!rc)
		rc = lw_htable_init(&e->by_token, 256);
	if (rc)
		return rc;
	lw_timer_init(&e->housekeeping, housekeeping, e);
	return lw_timer_in(timers, &e->housekeeping, HOUSEKEEPING_MS);
}

void lw_coap_engine_free(struct lw_coap_engine *e)
{
	lw_coap_exchanges_cancel_all(e);
	lw_coap_block_free(e);
	lw_timer_cancel(e->timers, &e->housekeeping);
	lw_coap_dedup_free(&e->dedup);
	lw_coap_peers_free(&e->peers);
	lw_htable_free(&e->by_mid);
	lw_htable_free(&e->by_token);
	lw_coap_resources_free(e);
}

int lw_coap_engine_send(struct lw_coap_engine *e, struct lw_coap_peer *p, const uint8_t *buf,
                        size_t len)
{
	int rc = p->ep->send(p->ep, &p->addr, buf, len);
	if (rc == 0)
		e->stats.tx++;
	else
		e->stats.tx_errors++;
	return rc;
}

uint16_t lw_coap_engine_next_mid(struct lw_coap_peer *p)
{
	return p->next_mid++;
}

/* Sends an empty ACK or RST for mid; returns the 4 bytes for the dedup cache. */
static void send_empty(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                       const struct lw_coap_addr *to, uint8_t type, uint16_t mid, uint8_t out[4])
{
	out[0] = (uint8_t)(0x40 | type << 4);
	out[1] = 0;
	out[2] = (uint8_t)(mid >> 8);
	out[3] = (uint8_t)mid;
	if (type == LW_COAP_RST)
		e->stats.rst_out++;
	if (ep->send(ep, to, out, 4) == 0)
		e->stats.tx++;
	else
		e->stats.tx_errors++;
}

void lw_coap_resp_opt(struct lw_coap_response *r, uint16_t number, const void *value, size_t len)
{
	if (r->msg.n_opts >= LW_COAP_MAX_OPTIONS)
		return;
	struct lw_coap_option *o = &r->msg.opts[r->msg.n_opts++];
	o->number = number;
	o->len = (uint16_t)len;
	o->value = value;
}

void lw_coap_resp_opt_uint(struct lw_coap_response *r, uint16_t number, uint32_t value)
{
	if (r->n_uints >= 8)
		return;
	uint8_t *b = r->uints[r->n_uints++];
	size_t len = value > 0xffffff ? 4 : value > 0xffff ? 3 : value > 0xff ? 2 : value ? 1 : 0;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(value >> (8 * (len - 1 - i)));
	lw_coap_resp_opt(r, number, b, len);
}

/* The diagnostic payload of an error answer: it only has to outlive the
 * handler's call, and handlers run one at a time on the loop thread. */
static char diag[200];

void lw_coap_resp_refuse(struct lw_coap_response *resp, uint8_t code,
                         const struct lw_coap_peer *peer, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(diag, sizeof(diag), fmt, ap);
	va_end(ap);
	resp->msg.code = code;
	resp->msg.payload = (const uint8_t *)diag;
	resp->msg.payload_len = strlen(diag);
	char addr[64], c[5];
	lw_log(LW_LOG_INFO, "%s from %s refused with %s: %s", what,
	       lw_coap_addr_str(&peer->addr, addr, sizeof(addr)), lw_coap_code_str(code, c), diag);
}

struct lw_coap_deferred *lw_coap_defer(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                                       const struct lw_coap_msg *req,
                                       struct lw_coap_response *resp)
{
	struct lw_coap_deferred *d = malloc(sizeof(*d));
	if (!d)
		return NULL;
	d->peer = peer;
	memcpy(d->token, req->token, req->token_len);
	d->token_len = req->token_len;
	d->req_type = req->type;
	lw_coap_peer_hold(peer);
	resp->deferred = 1;
	return d;
}

int lw_coap_respond(struct lw_coap_engine *e, struct lw_coap_deferred *d, struct lw_coap_msg *msg)
{
	if (e->stopping) {
		lw_coap_peer_release(d->peer);
		free(d);
		return LW_ECANCELED;
	}
	msg->type = d->req_type == LW_COAP_CON ? LW_COAP_CON : LW_COAP_NON;
	msg->mid = 0; /* set when sent */
	memcpy(msg->token, d->token, d->token_len);
	msg->token_len = d->token_len;
	size_t len;
	int rc = lw_coap_encode(msg, e->scratch, sizeof(e->scratch), &len);
	struct lw_coap_peer *p = d->peer;
	free(d);
	if (rc == 0) {
		uint8_t *copy = malloc(len);
		if (!copy) {
			rc = LW_ENOMEM;
		} else {
			memcpy(copy, e->scratch, len);
			rc = lw_coap_exchange_start(e, p, copy, len, 0, 0, NULL, NULL, NULL);
		}
	}
	lw_coap_peer_release(p);
	return rc;
}

static int send_request(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                        struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                        void *arg, struct lw_coap_exchange **handle);

int lw_coap_request(struct lw_coap_engine *e, struct lw_coap_peer *peer, struct lw_coap_msg *req,
                    uint32_t timeout_ms, lw_coap_response_cb cb, void *arg,
                    struct lw_coap_exchange **handle)
{
	if (req->type != LW_COAP_CON && req->type != LW_COAP_NON)
		return LW_EINVAL;
	if (e->stopping)
		return LW_ECANCELED;
	if (lw_coap_block1_needed(req)) /* RFC 7959: sent in Block1 chunks */
		return lw_coap_block1_request(e, peer, req, timeout_ms, cb, arg, handle);
	/* RFC 7252 5.3.1: tokens of unsecured requests should be unguessable. */
	req->token_len = 8;
	if (gnutls_rnd(GNUTLS_RND_NONCE, req->token, 8) != 0)
		return LW_EIO;
	return send_request(e, peer, req, timeout_ms, cb, arg, handle);
}

int lw_coap_request_token(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                          struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                          void *arg, struct lw_coap_exchange **handle)
{
	if (req->type != LW_COAP_CON && req->type != LW_COAP_NON)
		return LW_EINVAL;
	if (req->token_len == 0 || req->token_len > LW_COAP_MAX_TOKEN)
		return LW_EINVAL;
	if (e->stopping)
		return LW_ECANCELED;
	return send_request(e, peer, req, timeout_ms, cb, arg, handle);
}

void lw_coap_set_unmatched(struct lw_coap_engine *e, lw_coap_unmatched_fn fn, void *ctx)
{
	e->on_unmatched = fn;
	e->on_unmatched_ctx = ctx;
}

static int send_request(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                        struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                        void *arg, struct lw_coap_exchange **handle)
{
	req->mid = 0;
	size_t len;
	int rc = lw_coap_encode(req, e->scratch, sizeof(e->scratch), &len);
	if (rc)
		return rc;
	uint8_t *copy = malloc(len);
	if (!copy)
		return LW_ENOMEM;
	memcpy(copy, e->scratch, len);
	return lw_coap_exchange_start(e, peer, copy, len, 1, timeout_ms, cb, arg, handle);
}

/* Answers a request now (piggybacked on the ACK of a CON, or as a NON). */
static void answer(struct lw_coap_engine *e, struct lw_coap_peer *p, const struct lw_coap_msg *req,
                   struct lw_coap_response *resp)
{
	struct lw_coap_msg *m = &resp->msg;
	int con = req->type == LW_COAP_CON;
	m->type = con ? LW_COAP_ACK : LW_COAP_NON;
	m->mid = con ? req->mid : lw_coap_engine_next_mid(p);
	memcpy(m->token, req->token, req->token_len);
	m->token_len = req->token_len;
	size_t len;
	if (lw_coap_encode(m, e->scratch, sizeof(e->scratch), &len) != 0) {
		/* Too big for one datagram: say so rather than send nothing. */
		struct lw_coap_msg err = {.type = m->type, .code = LW_COAP_INTERNAL_SERVER_ERROR,
		                          .mid = m->mid, .token_len = m->token_len};
		memcpy(err.token, m->token, m->token_len);
		lw_coap_encode(&err, e->scratch, sizeof(e->scratch), &len);
	}
	lw_coap_engine_send(e, p, e->scratch, len);
	if (!p->ep->reliable) /* a stream never delivers a message twice */
		lw_coap_dedup_add(&e->dedup, p, req->mid, con, con ? e->scratch : NULL, con ? len : 0,
		                  lw_timers_now(e->timers));
}

static void on_request(struct lw_coap_engine *e, struct lw_coap_peer *p, const struct lw_coap_msg *m)
{
	e->stats.requests_in++;
	struct lw_coap_response resp;
	resp.msg.code = LW_COAP_NOT_FOUND;
	resp.msg.n_opts = 0;
	resp.msg.payload = NULL;
	resp.msg.payload_len = 0;
	resp.deferred = 0;
	resp.n_uints = 0;
	uint16_t bad = lw_coap_bad_critical_option(m);
	if (bad) {
		/* RFC 7252 5.4.1: unrecognised critical option in a request. */
		e->stats.bad_option++;
		resp.msg.code = LW_COAP_BAD_OPTION;
		static const char why[] = "unrecognized critical option";
		resp.msg.payload = (const uint8_t *)why;
		resp.msg.payload_len = sizeof(why) - 1;
	} else {
		lw_coap_block_dispatch(e, p, m, &resp); /* RFC 7959, then the handler */
	}
	if (resp.deferred) {
		uint8_t ack[4];
		if (p->ep->reliable)
			return; /* nothing to acknowledge or deduplicate on a stream */
		if (m->type == LW_COAP_CON) {
			send_empty(e, p->ep, &p->addr, LW_COAP_ACK, m->mid, ack);
			lw_coap_dedup_add(&e->dedup, p, m->mid, 1, ack, 4, lw_timers_now(e->timers));
		} else {
			lw_coap_dedup_add(&e->dedup, p, m->mid, 0, NULL, 0, lw_timers_now(e->timers));
		}
		return;
	}
	answer(e, p, m, &resp);
}

/*
 * RFC 8323: a message on a reliable stream. Requests are answered (their
 * type is NON as far as the rest of the engine is concerned, so no empty ACK
 * goes out for a deferred answer), responses are matched by token, and
 * nothing is ever acknowledged, rejected or deduplicated.
 */
static void input_reliable(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                           const struct lw_coap_addr *from, const struct lw_coap_msg *in)
{
	uint8_t cls = LW_COAP_CLASS(in->code);
	if (in->code == LW_COAP_EMPTY)
		return; /* RFC 8323 3.2: an empty message is silently ignored */
	if (cls == 1 || cls == 6 || cls == 7) {
		e->stats.rx_malformed++; /* 7.xx signals are the transport's */
		return;
	}
	struct lw_coap_peer *p = lw_coap_peer_get(&e->peers, ep, from, lw_timers_now(e->timers));
	if (!p)
		return;
	struct lw_coap_msg m = *in;
	m.type = LW_COAP_NON;
	m.mid = 0;
	if (cls == 0) {
		on_request(e, p, &m);
		return;
	}
	if (lw_coap_bad_critical_option(&m)) {
		e->stats.bad_option++;
		return;
	}
	int matched = lw_coap_exchange_on_response(e, p, &m);
	if (!matched && e->on_unmatched)
		matched = e->on_unmatched(e->on_unmatched_ctx, p, &m);
	if (!matched)
		e->stats.unmatched++;
}

void lw_coap_engine_peer_closed(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                                const struct lw_coap_addr *addr)
{
	struct lw_coap_peer *p = lw_coap_peer_find(&e->peers, ep, addr);
	if (p)
		lw_coap_exchanges_fail_peer(e, p);
}

void lw_coap_engine_input(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                          const struct lw_coap_addr *from, const uint8_t *buf, size_t len)
{
	struct lw_coap_msg m;
	uint8_t tmp[4];
	int rc = lw_coap_parse(&m, buf, len);
	if (rc) {
		e->stats.rx++;
		e->stats.rx_malformed++;
		/* RFC 7252 4.2/4.3: reject a malformed CON with RST, ignore the rest. */
		if (rc == LW_EPROTO && m.type == LW_COAP_CON && !ep->reliable)
			send_empty(e, ep, from, LW_COAP_RST, m.mid, tmp);
		return;
	}
	lw_coap_engine_input_msg(e, ep, from, &m);
}

void lw_coap_engine_input_msg(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                              const struct lw_coap_addr *from, const struct lw_coap_msg *m)
{
	e->stats.rx++;
	if (ep->reliable) {
		input_reliable(e, ep, from, m);
		return;
	}
	uint8_t tmp[4];
	uint64_t now = lw_timers_now(e->timers);
	uint8_t cls = LW_COAP_CLASS(m->code);

	if (m->type == LW_COAP_ACK || m->type == LW_COAP_RST) {
		struct lw_coap_peer *p = lw_coap_peer_find(&e->peers, ep, from);
		if (m->type == LW_COAP_RST)
			e->stats.rst_in++;
		if (m->code != LW_COAP_EMPTY && lw_coap_bad_critical_option(m)) {
			/* RFC 7252 5.4.1: a response we cannot understand is ignored. */
			e->stats.bad_option++;
			return;
		}
		if (!p || !lw_coap_exchange_on_ack(e, p, m))
			e->stats.unmatched++;
		if (p)
			lw_coap_peer_touch(&e->peers, p, now);
		return;
	}

	/* CON or NON from here on. */
	if (m->code == LW_COAP_EMPTY) {
		/* CoAP ping (RFC 7252 4.3): an empty CON is answered with RST. */
		if (m->type == LW_COAP_CON)
			send_empty(e, ep, from, LW_COAP_RST, m->mid, tmp);
		return;
	}
	if (cls == 1 || cls == 6 || cls == 7) {
		/* Reserved classes: a message format error. */
		e->stats.rx_malformed++;
		if (m->type == LW_COAP_CON)
			send_empty(e, ep, from, LW_COAP_RST, m->mid, tmp);
		return;
	}
	struct lw_coap_peer *p = lw_coap_peer_get(&e->peers, ep, from, now);
	if (!p)
		return; /* out of memory: the sender will retransmit */
	/*
	 * NON responses skip the deduplication cache: a copy finds its exchange
	 * gone (unmatched: at worst an RST, as for any stray NON), and a copy
	 * of a notification is not fresh by its Observe number (RFC 7641 3.4),
	 * so nothing runs twice. They are most of the traffic of an observed
	 * fleet, and a lookup, an insert and an eviction in a cache of a
	 * million entries cost more than the rest of a notification's path.
	 */
	int dedup = m->type == LW_COAP_CON || cls == 0;
	struct lw_coap_dedup_entry *dup = dedup ? lw_coap_dedup_find(&e->dedup, p, m->mid) : NULL;
	if (dup) {
		e->stats.duplicates++;
		if (dup->resp_len)
			lw_coap_engine_send(e, p, dup->resp, dup->resp_len);
		return;
	}
	if (cls == 0) {
		on_request(e, p, m);
		return;
	}
	/* A separate response (or, later, a notification) to one of our requests. */
	if (lw_coap_bad_critical_option(m)) {
		e->stats.bad_option++;
		if (m->type == LW_COAP_CON) {
			send_empty(e, ep, from, LW_COAP_RST, m->mid, tmp);
			lw_coap_dedup_add(&e->dedup, p, m->mid, 1, tmp, 4, now);
		}
		return;
	}
	int matched = lw_coap_exchange_on_response(e, p, m);
	if (!matched && e->on_unmatched)
		matched = e->on_unmatched(e->on_unmatched_ctx, p, m);
	if (!matched)
		e->stats.unmatched++;
	if (m->type == LW_COAP_CON) {
		send_empty(e, ep, from, matched ? LW_COAP_ACK : LW_COAP_RST, m->mid, tmp);
		lw_coap_dedup_add(&e->dedup, p, m->mid, 1, tmp, 4, now);
	} else if (!matched) {
		/* RFC 7252 4.3: an unexpected NON may be rejected, which also stops
		 * a stale observation on the device. */
		send_empty(e, ep, from, LW_COAP_RST, m->mid, tmp);
	}
}
