/* coap/exchange.c: reliability and response matching for what we send. */
#include "coap/exchange.h"

#include "coap/block.h"

#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "lwm2m/log.h"

struct lw_coap_exchange {
	struct lw_hnode by_mid, by_token;
	struct lw_timer timer;
	struct lw_coap_engine *e;
	struct lw_coap_peer *peer;
	struct lw_coap_exchange *prev, *next; /* engine's list of all */
	struct lw_coap_exchange *wait_next;   /* peer's NSTART queue */
	uint8_t *msg;
	size_t len;
	uint64_t deadline;  /* response deadline (requests), UINT64_MAX otherwise */
	uint64_t next_retx; /* when to retransmit (unacked CONs) */
	uint32_t rto;
	uint16_t mid;
	uint8_t retransmits;
	uint8_t failed; /* reliable transport: send() failed, ends at the next tick */
	uint8_t con, expects_response, sent, acked, in_mid, in_token, queued;
	uint8_t token_len;
	uint8_t token[LW_COAP_MAX_TOKEN];
	lw_coap_response_cb cb;
	void *arg;
	/* The caller's handle: cleared when this exchange ends, and handed on to
	 * the follow-up exchanges of a block-wise transfer, so that it always
	 * names the exchange to cancel. */
	struct lw_coap_exchange **slot;
};

static uint64_t mid_hash(const struct lw_coap_peer *p, uint16_t mid)
{
	return lw_hash(&p, sizeof(p), (uint64_t)mid << 1);
}

static uint64_t token_hash(const struct lw_coap_peer *p, const uint8_t *tok, size_t len)
{
	return lw_hash(tok, len, (uint64_t)(uintptr_t)p);
}

/* xorshift64*: cheap jitter for the back-off; it need not be unpredictable. */
static uint32_t jitter(struct lw_coap_engine *e)
{
	e->rng ^= e->rng >> 12;
	e->rng ^= e->rng << 25;
	e->rng ^= e->rng >> 27;
	return (uint32_t)((e->rng * 0x2545f4914f6cdd1dull) >> 32);
}

static void rearm(struct lw_coap_exchange *x)
{
	uint64_t due = x->deadline;
	if (x->con && x->sent && !x->acked && x->next_retx < due)
		due = x->next_retx;
	if (due == UINT64_MAX)
		lw_timer_cancel(x->e->timers, &x->timer);
	else
		lw_timer_at(x->e->timers, &x->timer, due);
}

static void transmit(struct lw_coap_exchange *x);

/* Starts the next CONs held back by NSTART. */
static void pump(struct lw_coap_engine *e, struct lw_coap_peer *p)
{
	while (!e->stopping && p->wait_head && p->in_flight < e->params.nstart) {
		struct lw_coap_exchange *x = p->wait_head;
		p->wait_head = x->wait_next;
		if (!p->wait_head)
			p->wait_tail = NULL;
		x->queued = 0;
		transmit(x);
	}
}

static void unlink_all(struct lw_coap_exchange *x)
{
	struct lw_coap_engine *e = x->e;
	struct lw_coap_peer *p = x->peer;
	lw_timer_cancel(e->timers, &x->timer);
	if (x->in_mid)
		lw_htable_remove(&e->by_mid, &x->by_mid);
	if (x->in_token)
		lw_htable_remove(&e->by_token, &x->by_token);
	x->in_mid = x->in_token = 0;
	if (x->queued) {
		struct lw_coap_exchange **pp = &p->wait_head, *prev = NULL;
		while (*pp && *pp != x) {
			prev = *pp;
			pp = &(*pp)->wait_next;
		}
		if (*pp) {
			*pp = x->wait_next;
			if (p->wait_tail == x)
				p->wait_tail = prev;
		}
		x->queued = 0;
	}
	if (x->prev)
		x->prev->next = x->next;
	else
		e->ex_head = x->next;
	if (x->next)
		x->next->prev = x->prev;
}

static void finish(struct lw_coap_exchange *x, int status, const struct lw_coap_msg *resp,
                   int notify)
{
	struct lw_coap_engine *e = x->e;
	struct lw_coap_peer *p = x->peer;
	int was_in_flight = x->con && x->sent && !x->acked;
	unlink_all(x);
	if (was_in_flight)
		p->in_flight--;
	if (x->slot && *x->slot == x)
		*x->slot = NULL;
	/* The first block of a larger answer: block.c fetches the rest. */
	if (notify && x->cb &&
	    !(resp && lw_coap_block2_takeover(e, p, x->msg, x->len, resp, x->deadline, x->cb, x->arg,
	                                      x->slot)))
		x->cb(x->arg, status, resp);
	/* Cancelled in the middle of a block-wise transfer: free its state too. */
	if (!notify)
		lw_coap_block_abort(x->cb, x->arg);
	free(x->msg);
	free(x);
	if (was_in_flight)
		pump(e, p);
	lw_coap_peer_release(p);
}

static void transmit(struct lw_coap_exchange *x)
{
	struct lw_coap_engine *e = x->e;
	struct lw_coap_peer *p = x->peer;
	x->mid = lw_coap_engine_next_mid(p);
	x->msg[2] = (uint8_t)(x->mid >> 8);
	x->msg[3] = (uint8_t)x->mid;
	x->sent = 1;
	uint64_t now = lw_timers_now(e->timers);
	if ((x->con || x->expects_response) && !p->ep->reliable) {
		/* CONs wait for ACK/RST by message id; a NON request can be RST too. */
		lw_htable_insert(&e->by_mid, &x->by_mid, mid_hash(p, x->mid));
		x->in_mid = 1;
	}
	if (x->con) {
		p->in_flight++;
		/* RFC 7252 4.2: initial timeout random in [ACK_TIMEOUT, ACK_TIMEOUT * factor]. */
		uint64_t span = (uint64_t)e->params.ack_timeout_ms *
		                (e->params.ack_random_permille - 1000) / 1000;
		x->rto = e->params.ack_timeout_ms + (uint32_t)(span ? jitter(e) % (span + 1) : 0);
		x->next_retx = now + x->rto;
	}
	if (x->expects_response) {
		lw_htable_insert(&e->by_token, &x->by_token, token_hash(p, x->token, x->token_len));
		x->in_token = 1;
	}
	e->stats.requests_out += x->expects_response;
	if (lw_coap_engine_send(e, p, x->msg, x->len) != 0 && p->ep->reliable &&
	    x->expects_response) {
		/* No connection to the peer: nothing will ever answer. Fail from
		 * the timer, not from inside lw_coap_request(). */
		x->failed = 1;
		x->deadline = now;
	}
	if (!x->con && !x->expects_response) {
		/* A NON separate response: nothing more will come for it. */
		finish(x, 0, NULL, 1);
		return;
	}
	rearm(x);
}

static void on_timer(struct lw_timer *t, void *arg)
{
	struct lw_coap_exchange *x = arg;
	struct lw_coap_engine *e = x->e;
	uint64_t now = lw_timers_now(e->timers);
	if (now >= x->deadline) {
		if (x->failed) {
			finish(x, LW_EIO, NULL, 1);
			return;
		}
		e->stats.timeouts++;
		finish(x, LW_ETIMEDOUT, NULL, 1);
		return;
	}
	if (x->con && x->sent && !x->acked && now >= x->next_retx) {
		if (x->retransmits >= e->params.max_retransmit) {
			e->stats.timeouts++;
			finish(x, LW_ETIMEDOUT, NULL, 1);
			return;
		}
		x->retransmits++;
		x->rto *= 2;
		x->next_retx = now + x->rto;
		e->stats.retransmits++;
		lw_coap_engine_send(e, x->peer, x->msg, x->len);
	}
	rearm(x);
}

int lw_coap_exchange_start(struct lw_coap_engine *e, struct lw_coap_peer *p, uint8_t *msg,
                           size_t len, int expects_response, uint32_t timeout_ms,
                           lw_coap_response_cb cb, void *arg, struct lw_coap_exchange **handle)
{
	struct lw_coap_exchange *x = calloc(1, sizeof(*x));
	if (!x) {
		free(msg);
		return LW_ENOMEM;
	}
	x->e = e;
	x->peer = p;
	x->msg = msg;
	x->len = len;
	/* On a reliable stream nothing is confirmable: no ACK, no retransmission. */
	x->con = (msg[0] >> 4 & 3) == LW_COAP_CON && !p->ep->reliable;
	x->expects_response = (uint8_t)!!expects_response;
	x->token_len = msg[0] & 0x0f;
	memcpy(x->token, msg + 4, x->token_len);
	x->cb = cb;
	x->arg = arg;
	x->deadline = expects_response && timeout_ms ? lw_timers_now(e->timers) + timeout_ms
	                                             : UINT64_MAX;
	lw_timer_init(&x->timer, on_timer, x);
	lw_coap_peer_hold(p);
	x->next = e->ex_head;
	if (e->ex_head)
		e->ex_head->prev = x;
	e->ex_head = x;
	if (handle)
		*handle = x;
	x->slot = handle;
	if (x->con && p->in_flight >= e->params.nstart) {
		x->queued = 1;
		if (p->wait_tail)
			p->wait_tail->wait_next = x;
		else
			p->wait_head = x;
		p->wait_tail = x;
		rearm(x); /* the response deadline runs while it waits */
		return 0;
	}
	transmit(x);
	return 0;
}

int lw_coap_exchange_on_ack(struct lw_coap_engine *e, struct lw_coap_peer *p,
                            const struct lw_coap_msg *m)
{
	uint64_t h = mid_hash(p, m->mid);
	struct lw_coap_exchange *x = NULL;
	for (struct lw_hnode *n = lw_htable_bucket(&e->by_mid, h); n && !x; n = n->next) {
		struct lw_coap_exchange *c = LW_CONTAINER_OF(n, struct lw_coap_exchange, by_mid);
		if (n->hash == h && c->peer == p && c->mid == m->mid)
			x = c;
	}
	if (!x || (!x->con && m->type != LW_COAP_RST))
		return 0;
	if (m->type == LW_COAP_RST) {
		finish(x, LW_EPROTO, NULL, 1);
		return 1;
	}
	if (m->code != LW_COAP_EMPTY) {
		/* Piggybacked response: its token must be the request's. */
		if (x->expects_response &&
		    (m->token_len != x->token_len || memcmp(m->token, x->token, x->token_len) != 0))
			return 0;
		finish(x, 0, m, 1);
		return 1;
	}
	/* Empty ACK: stop retransmitting; a request now waits for its separate response. */
	lw_htable_remove(&e->by_mid, &x->by_mid);
	x->in_mid = 0;
	x->acked = 1;
	p->in_flight--;
	if (!x->expects_response) {
		finish(x, 0, NULL, 1);
		return 1;
	}
	rearm(x);
	pump(e, p);
	return 1;
}

int lw_coap_exchange_on_response(struct lw_coap_engine *e, struct lw_coap_peer *p,
                                 const struct lw_coap_msg *m)
{
	uint64_t h = token_hash(p, m->token, m->token_len);
	for (struct lw_hnode *n = lw_htable_bucket(&e->by_token, h); n; n = n->next) {
		struct lw_coap_exchange *x = LW_CONTAINER_OF(n, struct lw_coap_exchange, by_token);
		if (n->hash == h && x->peer == p && x->token_len == m->token_len &&
		    memcmp(x->token, m->token, m->token_len) == 0) {
			finish(x, 0, m, 1);
			return 1;
		}
	}
	return 0;
}

void lw_coap_cancel(struct lw_coap_engine *e, struct lw_coap_exchange *x)
{
	(void)e;
	finish(x, LW_ECANCELED, NULL, 0);
}

void lw_coap_exchanges_cancel_all(struct lw_coap_engine *e)
{
	e->stopping = 1;
	while (e->ex_head)
		finish(e->ex_head, LW_ECANCELED, NULL, 1);
}

void lw_coap_exchanges_fail_peer(struct lw_coap_engine *e, struct lw_coap_peer *p)
{
	uint64_t now = lw_timers_now(e->timers);
	for (struct lw_coap_exchange *x = e->ex_head; x; x = x->next) {
		if (x->peer != p || !x->expects_response)
			continue;
		x->failed = 1;
		x->deadline = now;
		rearm(x);
	}
}
