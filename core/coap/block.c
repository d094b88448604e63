/*
 * coap/block.c: block-wise transfer (RFC 7959) for both roles of the engine.
 * Kept apart from engine.c and exchange.c, which reach it through a few
 * hooks (see block.h): callers and handlers deal in whole bodies only.
 *
 * Client side, each follow-up block is a new request with a fresh random
 * token (RFC 7959 2.4 allows either; fresh tokens keep the exchange layer
 * unchanged and make a late answer to an earlier block unmatchable). Server
 * side, Block2 answers are recomputed by the handler for every block rather
 * than cached: handlers here are cheap and idempotent for GET, and nothing
 * has to be kept per peer or expired.
 */
#include "coap/block.h"

#include <stdlib.h>
#include <string.h>

#include "coap/resource.h"
#include "lwm2m/error.h"

static size_t szx_size(uint8_t szx)
{
	return (size_t)1 << (szx + 4);
}

int lw_coap_block_get(const struct lw_coap_msg *m, uint16_t number, struct lw_coap_block *b)
{
	const struct lw_coap_option *o = lw_coap_find(m, number);
	uint32_t v;
	if (!o)
		return LW_ENOENT;
	if (o->len > 3 || lw_coap_opt_uint(o, &v) != 0)
		return LW_EINVAL;
	b->num = v >> 4;
	b->more = (uint8_t)(v >> 3 & 1);
	b->szx = (uint8_t)(v & 7);
	return 0;
}

uint32_t lw_coap_block_value(const struct lw_coap_block *b)
{
	return b->num << 4 | (uint32_t)b->more << 3 | b->szx;
}

/* A uint option value in its shortest form; returns its length. */
static uint16_t put_uint(uint8_t out[4], uint32_t v)
{
	uint16_t len = v > 0xffffff ? 4 : v > 0xffff ? 3 : v > 0xff ? 2 : v ? 1 : 0;
	for (uint16_t i = 0; i < len; i++)
		out[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
	return len;
}

static void add_opt(struct lw_coap_msg *m, uint16_t number, const uint8_t *value, uint16_t len)
{
	if (m->n_opts >= LW_COAP_MAX_OPTIONS)
		return;
	m->opts[m->n_opts].number = number;
	m->opts[m->n_opts].len = len;
	m->opts[m->n_opts].value = value;
	m->n_opts++;
}

/* Drops every occurrence of option number from m. */
static void drop_opt(struct lw_coap_msg *m, uint16_t number)
{
	uint16_t k = 0;
	for (uint16_t i = 0; i < m->n_opts; i++)
		if (m->opts[i].number != number)
			m->opts[k++] = m->opts[i];
	m->n_opts = k;
}

/* Time left before deadline as a request timeout: 0 means none; -1 when past. */
static int64_t time_left(struct lw_coap_engine *e, uint64_t deadline)
{
	if (deadline == UINT64_MAX)
		return 0;
	uint64_t now = lw_timers_now(e->timers);
	if (now >= deadline)
		return -1;
	uint64_t left = deadline - now;
	return left > UINT32_MAX ? UINT32_MAX : (int64_t)left;
}

/*
 * Encodes m with no payload and no token into a new heap buffer: the
 * template every block of a transfer is built from. NULL when out of memory
 * or too big.
 */
static uint8_t *make_template(struct lw_coap_engine *e, struct lw_coap_msg *m, size_t *len)
{
	m->payload = NULL;
	m->payload_len = 0;
	m->token_len = 0;
	m->mid = 0;
	if (lw_coap_encode(m, e->scratch, sizeof(e->scratch), len) != 0)
		return NULL;
	uint8_t *t = malloc(*len);
	if (t)
		memcpy(t, e->scratch, *len);
	return t;
}

/* ---- client role, Block2: reassembling a response ---- */

struct b2_xfer {
	struct lw_coap_engine *e;
	struct lw_coap_peer *peer;
	uint8_t *tmpl;
	size_t tmpl_len;
	uint8_t *body;
	size_t len, cap;
	uint64_t deadline;
	lw_coap_response_cb cb;
	void *arg;
	struct lw_coap_exchange **slot; /* the caller's handle, or NULL */
	uint8_t etag[8];
	uint8_t etag_len, has_etag;
	uint8_t opt[4];
	struct lw_coap_msg m; /* the request being built; then the delivered response */
};

static void b2_cb(void *arg, int status, const struct lw_coap_msg *resp);

static void b2_free(struct b2_xfer *x)
{
	lw_coap_peer_release(x->peer);
	free(x->tmpl);
	free(x->body);
	free(x);
}

static void b2_end(struct b2_xfer *x, int status, const struct lw_coap_msg *resp)
{
	if (x->slot)
		*x->slot = NULL;
	x->cb(x->arg, status, resp);
	b2_free(x);
}

/* Checks one block of the answer and appends it. 0, LW_EPROTO or LW_ENOSPC. */
static int b2_accept(struct b2_xfer *x, const struct lw_coap_msg *resp, struct lw_coap_block *b)
{
	if (LW_COAP_CLASS(resp->code) != 2)
		return LW_EPROTO; /* an error answer in the middle of the body */
	if (lw_coap_block_get(resp, LW_COAP_OPT_BLOCK2, b) != 0 || b->szx > 6)
		return LW_EPROTO;
	size_t size = szx_size(b->szx);
	if ((uint64_t)b->num * size != x->len)
		return LW_EPROTO; /* not the block that follows what we hold */
	if (b->more && resp->payload_len != size)
		return LW_EPROTO; /* RFC 7959 2.2: only the last block may be short */
	const struct lw_coap_option *etag = lw_coap_find(resp, LW_COAP_OPT_ETAG);
	if (x->has_etag && (!etag || etag->len != x->etag_len ||
	                    memcmp(etag->value, x->etag, x->etag_len) != 0))
		return LW_EPROTO; /* the representation changed under us */
	if (x->len + resp->payload_len > LW_COAP_BLOCK_MAX_RESPONSE)
		return LW_ENOSPC;
	if (x->len + resp->payload_len > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		while (cap < x->len + resp->payload_len)
			cap *= 2;
		if (cap > LW_COAP_BLOCK_MAX_RESPONSE)
			cap = LW_COAP_BLOCK_MAX_RESPONSE;
		uint8_t *nb = realloc(x->body, cap);
		if (!nb)
			return LW_ENOMEM;
		x->body = nb;
		x->cap = cap;
	}
	if (resp->payload_len)
		memcpy(x->body + x->len, resp->payload, resp->payload_len);
	x->len += resp->payload_len;
	return 0;
}

/* Asks for the block that starts where the body we hold ends. */
static int b2_next(struct b2_xfer *x, uint8_t szx)
{
	int64_t left = time_left(x->e, x->deadline);
	if (left < 0)
		return LW_ETIMEDOUT;
	if (lw_coap_parse(&x->m, x->tmpl, x->tmpl_len) != 0)
		return LW_EPROTO;
	struct lw_coap_block b = {.num = (uint32_t)(x->len / szx_size(szx)), .more = 0, .szx = szx};
	add_opt(&x->m, LW_COAP_OPT_BLOCK2, x->opt, put_uint(x->opt, lw_coap_block_value(&b)));
	return lw_coap_request(x->e, x->peer, &x->m, (uint32_t)left, b2_cb, x, x->slot);
}

/* The answer is complete: one response with the whole body. */
static void b2_deliver(struct b2_xfer *x, const struct lw_coap_msg *last)
{
	x->m = *last;
	drop_opt(&x->m, LW_COAP_OPT_BLOCK2);
	drop_opt(&x->m, LW_COAP_OPT_SIZE2);
	x->m.payload = x->len ? x->body : NULL;
	x->m.payload_len = x->len;
	b2_end(x, 0, &x->m);
}

static void b2_cb(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct b2_xfer *x = arg;
	struct lw_coap_block b;
	if (status) {
		b2_end(x, status, NULL);
		return;
	}
	int rc = b2_accept(x, resp, &b);
	if (!rc && !b.more) {
		b2_deliver(x, resp);
		return;
	}
	if (!rc)
		rc = b2_next(x, b.szx);
	if (rc)
		b2_end(x, rc, NULL);
}

int lw_coap_block2_takeover(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                            const uint8_t *req, size_t req_len, const struct lw_coap_msg *resp,
                            uint64_t deadline, lw_coap_response_cb cb, void *arg,
                            struct lw_coap_exchange **slot)
{
	struct lw_coap_block b;
	if (!cb || cb == b2_cb || LW_COAP_CLASS(resp->code) != 2)
		return 0;
	if (lw_coap_block_get(resp, LW_COAP_OPT_BLOCK2, &b) != 0 || !b.more || b.num != 0)
		return 0;
	struct b2_xfer *x = calloc(1, sizeof(*x));
	if (!x) {
		cb(arg, LW_ENOMEM, NULL);
		return 1;
	}
	int rc = lw_coap_parse(&x->m, req, req_len);
	if (rc == 0 && lw_coap_find(&x->m, LW_COAP_OPT_BLOCK2)) {
		/* The caller asked for a block itself: it drives the transfer. */
		free(x);
		return 0;
	}
	x->e = e;
	x->peer = peer;
	x->deadline = deadline;
	x->cb = cb;
	x->arg = arg;
	x->slot = slot;
	lw_coap_peer_hold(peer);
	const struct lw_coap_option *etag = lw_coap_find(resp, LW_COAP_OPT_ETAG);
	if (etag && etag->len <= sizeof(x->etag)) {
		memcpy(x->etag, etag->value, etag->len);
		x->etag_len = (uint8_t)etag->len;
		x->has_etag = 1;
	}
	uint32_t size2 = lw_coap_get_uint(resp, LW_COAP_OPT_SIZE2, 0);
	if (rc == 0 && size2 > LW_COAP_BLOCK_MAX_RESPONSE)
		rc = LW_ENOSPC; /* no use fetching what we would refuse */
	if (rc == 0 && size2) {
		/* Size2 is a hint: allocate once, but b2_accept still checks. */
		x->body = malloc(size2);
		x->cap = x->body ? size2 : 0;
	}
	if (rc == 0) {
		/* Follow-ups repeat the request without body, Block1 or Observe
		 * (RFC 7959 2.4, 2.6, 3.3). */
		drop_opt(&x->m, LW_COAP_OPT_BLOCK1);
		drop_opt(&x->m, LW_COAP_OPT_SIZE1);
		drop_opt(&x->m, LW_COAP_OPT_OBSERVE);
		x->tmpl = make_template(e, &x->m, &x->tmpl_len);
		if (!x->tmpl)
			rc = LW_ENOMEM;
	}
	if (rc == 0)
		rc = b2_accept(x, resp, &b);
	if (rc == 0)
		rc = b2_next(x, b.szx);
	if (rc)
		b2_end(x, rc, NULL);
	return 1;
}

/* ---- client role, Block1: sending a large body ---- */

struct b1_xfer {
	struct lw_coap_engine *e;
	struct lw_coap_peer *peer;
	uint8_t *tmpl;
	size_t tmpl_len;
	uint8_t *body;
	size_t len, off; /* off: bytes the peer has taken */
	uint32_t num;    /* the block in flight */
	uint8_t szx, more;
	uint64_t deadline;
	lw_coap_response_cb cb;
	void *arg;
	struct lw_coap_exchange **slot; /* the caller's handle, or NULL */
	uint8_t opt[4], size1[4];
	struct lw_coap_msg m;
};

static void b1_cb(void *arg, int status, const struct lw_coap_msg *resp);

static void b1_free(struct b1_xfer *x)
{
	lw_coap_peer_release(x->peer);
	free(x->tmpl);
	free(x->body);
	free(x);
}

static void b1_end(struct b1_xfer *x, int status, const struct lw_coap_msg *resp)
{
	if (x->slot)
		*x->slot = NULL;
	x->cb(x->arg, status, resp);
	b1_free(x);
}

static int b1_send(struct b1_xfer *x)
{
	int64_t left = time_left(x->e, x->deadline);
	if (left < 0)
		return LW_ETIMEDOUT;
	if (lw_coap_parse(&x->m, x->tmpl, x->tmpl_len) != 0)
		return LW_EPROTO;
	size_t size = szx_size(x->szx);
	size_t n = x->len - x->off < size ? x->len - x->off : size;
	x->num = (uint32_t)(x->off / size);
	x->more = x->off + n < x->len;
	struct lw_coap_block b = {.num = x->num, .more = x->more, .szx = x->szx};
	add_opt(&x->m, LW_COAP_OPT_BLOCK1, x->opt, put_uint(x->opt, lw_coap_block_value(&b)));
	if (x->num == 0) /* RFC 7959 4: tell the total size up front */
		add_opt(&x->m, LW_COAP_OPT_SIZE1, x->size1, put_uint(x->size1, (uint32_t)x->len));
	x->m.payload = x->body + x->off;
	x->m.payload_len = n;
	return lw_coap_request(x->e, x->peer, &x->m, (uint32_t)left, b1_cb, x, x->slot);
}

static void b1_cb(void *arg, int status, const struct lw_coap_msg *resp)
{
	struct b1_xfer *x = arg;
	struct lw_coap_block b;
	if (status) {
		b1_end(x, status, NULL);
		return;
	}
	int has_b1 = lw_coap_block_get(resp, LW_COAP_OPT_BLOCK1, &b) == 0;
	/* 2.31 asks for the next block; a non-atomic server may say 2.04 with
	 * Block1 M=1 instead (RFC 7959 2.3). */
	int go_on = resp->code == LW_COAP_CONTINUE ||
	            (LW_COAP_CLASS(resp->code) == 2 && has_b1 && b.more);
	if (!go_on) {
		/* The final answer; a success before the last block is a lie. */
		if (x->more && LW_COAP_CLASS(resp->code) == 2)
			b1_end(x, LW_EPROTO, NULL);
		else
			b1_end(x, 0, resp);
		return;
	}
	if (!x->more || !has_b1 || b.num != x->num || b.szx > 6) {
		b1_end(x, LW_EPROTO, NULL);
		return;
	}
	x->off += szx_size(x->szx);
	/* RFC 7959 2.3: the peer may ask for smaller blocks from now on. */
	if (b.szx < x->szx)
		x->szx = b.szx;
	int rc = b1_send(x);
	if (rc)
		b1_end(x, rc, NULL);
}

int lw_coap_block1_needed(const struct lw_coap_msg *req)
{
	return req->payload_len > LW_COAP_BLOCK_SIZE && !lw_coap_find(req, LW_COAP_OPT_BLOCK1);
}

int lw_coap_block1_request(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                           struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                           void *arg, struct lw_coap_exchange **handle)
{
	struct b1_xfer *x = calloc(1, sizeof(*x));
	if (!x)
		return LW_ENOMEM;
	x->body = malloc(req->payload_len);
	if (!x->body) {
		free(x);
		return LW_ENOMEM;
	}
	memcpy(x->body, req->payload, req->payload_len);
	x->len = req->payload_len;
	x->m = *req;
	x->tmpl = make_template(e, &x->m, &x->tmpl_len);
	if (!x->tmpl) {
		free(x->body);
		free(x);
		return LW_ENOSPC;
	}
	x->e = e;
	x->peer = peer;
	x->szx = LW_COAP_BLOCK_SZX;
	x->deadline = timeout_ms ? lw_timers_now(e->timers) + timeout_ms : UINT64_MAX;
	x->cb = cb;
	x->arg = arg;
	x->slot = handle;
	int rc = b1_send(x);
	if (rc) {
		free(x->tmpl);
		free(x->body);
		free(x);
		return rc;
	}
	lw_coap_peer_hold(peer);
	return 0;
}

void lw_coap_block_abort(lw_coap_response_cb cb, void *arg)
{
	if (cb == b2_cb)
		b2_free(arg);
	else if (cb == b1_cb)
		b1_free(arg);
}

/* ---- server role ---- */

/* A Block1 upload being reassembled. */
struct upload {
	struct upload *prev, *next; /* least recently fed first */
	struct lw_coap_peer *peer;
	uint8_t *key; /* method, Uri-Path and Uri-Query options, length-prefixed */
	size_t key_len;
	uint8_t *body;
	size_t len, cap;
	uint64_t last;
};

struct lw_coap_block_state {
	struct lw_coap_engine *e;
	struct upload *head, *tail;
	size_t n, bytes;
	struct lw_timer timer;
	uint8_t *done; /* the last completed body: the answer may point into it */
};

static void expire(struct lw_timer *t, void *arg);

static struct lw_coap_block_state *state(struct lw_coap_engine *e)
{
	if (!e->block) {
		e->block = calloc(1, sizeof(*e->block));
		if (e->block) {
			e->block->e = e;
			lw_timer_init(&e->block->timer, expire, e->block);
		}
	}
	return e->block;
}

static void upload_unlink(struct lw_coap_block_state *st, struct upload *u)
{
	if (u->prev)
		u->prev->next = u->next;
	else
		st->head = u->next;
	if (u->next)
		u->next->prev = u->prev;
	else
		st->tail = u->prev;
	u->prev = u->next = NULL;
}

static void upload_append(struct lw_coap_block_state *st, struct upload *u)
{
	u->prev = st->tail;
	u->next = NULL;
	if (st->tail)
		st->tail->next = u;
	else
		st->head = u;
	st->tail = u;
}

static void upload_drop(struct lw_coap_block_state *st, struct upload *u)
{
	upload_unlink(st, u);
	st->n--;
	st->bytes -= u->cap;
	lw_coap_peer_release(u->peer);
	free(u->key);
	free(u->body);
	free(u);
}

static void rearm(struct lw_coap_block_state *st)
{
	struct lw_timers *ts = st->e->timers;
	if (st->head)
		lw_timer_at(ts, &st->timer, st->head->last + LW_COAP_BLOCK_UPLOAD_TIMEOUT_MS);
	else
		lw_timer_cancel(ts, &st->timer);
}

/* Drops the uploads nobody fed for the timeout: the oldest are first. */
static void expire(struct lw_timer *t, void *arg)
{
	struct lw_coap_block_state *st = arg;
	(void)t;
	uint64_t now = lw_timers_now(st->e->timers);
	while (st->head && st->head->last + LW_COAP_BLOCK_UPLOAD_TIMEOUT_MS <= now)
		upload_drop(st, st->head);
	rearm(st);
}

/* What identifies an upload besides its peer (RFC 7959 2.5 matches requests
 * on everything but the block options; the path and query are what matter). */
static uint8_t *make_key(const struct lw_coap_msg *req, size_t *len)
{
	size_t n = 1;
	for (uint16_t i = 0; i < req->n_opts; i++)
		if (req->opts[i].number == LW_COAP_OPT_URI_PATH ||
		    req->opts[i].number == LW_COAP_OPT_URI_QUERY)
			n += 3 + req->opts[i].len;
	uint8_t *k = malloc(n), *p = k;
	if (!k)
		return NULL;
	*p++ = req->code;
	for (uint16_t i = 0; i < req->n_opts; i++) {
		const struct lw_coap_option *o = &req->opts[i];
		if (o->number != LW_COAP_OPT_URI_PATH && o->number != LW_COAP_OPT_URI_QUERY)
			continue;
		*p++ = (uint8_t)o->number;
		*p++ = (uint8_t)(o->len >> 8);
		*p++ = (uint8_t)o->len;
		memcpy(p, o->value, o->len);
		p += o->len;
	}
	*len = n;
	return k;
}

static struct upload *upload_find(struct lw_coap_block_state *st, struct lw_coap_peer *peer,
                                  const uint8_t *key, size_t key_len)
{
	for (struct upload *u = st->head; u; u = u->next)
		if (u->peer == peer && u->key_len == key_len && memcmp(u->key, key, key_len) == 0)
			return u;
	return NULL;
}

/* Serves the block of the answer the request asks for (or the first one). */
static void block2_slice(const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	struct lw_coap_block b;
	struct lw_coap_msg *m = &resp->msg;
	if (LW_COAP_CLASS(m->code) != 2)
		return;
	if (lw_coap_block_get(req, LW_COAP_OPT_BLOCK2, &b) != 0) {
		if (m->payload_len <= LW_COAP_BLOCK_SIZE)
			return;
		b.num = 0;
		b.szx = LW_COAP_BLOCK_SZX;
	}
	if (b.szx > LW_COAP_BLOCK_SZX)
		b.szx = LW_COAP_BLOCK_SZX; /* we serve no larger than our own size */
	size_t size = szx_size(b.szx), off = (size_t)b.num * size;
	if (off && off >= m->payload_len) {
		m->code = LW_COAP_BAD_OPTION; /* a block past the end */
		m->payload = NULL;
		m->payload_len = 0;
		return;
	}
	size_t total = m->payload_len, n = total - off < size ? total - off : size;
	b.more = off + n < total;
	m->payload = n ? m->payload + off : NULL;
	m->payload_len = n;
	lw_coap_resp_opt_uint(resp, LW_COAP_OPT_BLOCK2, lw_coap_block_value(&b));
	if (b.num == 0 && b.more)
		lw_coap_resp_opt_uint(resp, LW_COAP_OPT_SIZE2, (uint32_t)total);
}

static void dispatch_whole(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                           const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	lw_coap_resource_dispatch(e, peer, req, resp);
	if (!resp->deferred)
		block2_slice(req, resp);
}

static void answer_code(struct lw_coap_response *resp, uint8_t code)
{
	resp->msg.code = code;
	resp->msg.payload = NULL;
	resp->msg.payload_len = 0;
}

void lw_coap_block_dispatch(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                            const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	struct lw_coap_block b;
	if (e->block) {
		free(e->block->done);
		e->block->done = NULL;
	}
	int rc = lw_coap_block_get(req, LW_COAP_OPT_BLOCK1, &b);
	if (rc == LW_ENOENT) {
		dispatch_whole(e, peer, req, resp);
		return;
	}
	if (rc || b.szx > 6) {
		answer_code(resp, LW_COAP_BAD_OPTION); /* BERT (SZX 7) is not for UDP */
		return;
	}
	if (lw_coap_get_uint(req, LW_COAP_OPT_SIZE1, 0) > LW_COAP_BLOCK_MAX_UPLOAD) {
		answer_code(resp, LW_COAP_REQUEST_ENTITY_TOO_LARGE);
		lw_coap_resp_opt_uint(resp, LW_COAP_OPT_SIZE1, LW_COAP_BLOCK_MAX_UPLOAD);
		return;
	}
	if (b.num == 0 && !b.more) {
		/* The whole body in one block. */
		dispatch_whole(e, peer, req, resp);
		if (!resp->deferred)
			lw_coap_resp_opt_uint(resp, LW_COAP_OPT_BLOCK1, lw_coap_block_value(&b));
		return;
	}
	struct lw_coap_block_state *st = state(e);
	size_t key_len;
	uint8_t *key = st ? make_key(req, &key_len) : NULL;
	if (!key) {
		answer_code(resp, LW_COAP_SERVICE_UNAVAILABLE);
		return;
	}
	struct upload *u = upload_find(st, peer, key, key_len);
	size_t size = szx_size(b.szx);
	if (b.num == 0 && !u) {
		if (st->n >= LW_COAP_BLOCK_MAX_UPLOADS || !(u = calloc(1, sizeof(*u)))) {
			free(key);
			answer_code(resp, LW_COAP_SERVICE_UNAVAILABLE);
			return;
		}
		u->peer = peer;
		lw_coap_peer_hold(peer);
		u->key = key;
		u->key_len = key_len;
		key = NULL;
		upload_append(st, u);
		st->n++;
	}
	free(key);
	if (b.num == 0)
		u->len = 0; /* a new upload to the same place starts over */
	if (!u || (uint64_t)b.num * size != u->len) {
		if (u)
			upload_drop(st, u);
		rearm(st);
		answer_code(resp, LW_COAP_REQUEST_ENTITY_INCOMPLETE);
		return;
	}
	if ((b.more && req->payload_len != size) || u->len + req->payload_len > LW_COAP_BLOCK_MAX_UPLOAD) {
		uint8_t code = b.more && req->payload_len != size ? LW_COAP_BAD_REQUEST
		                                                  : LW_COAP_REQUEST_ENTITY_TOO_LARGE;
		upload_drop(st, u);
		rearm(st);
		answer_code(resp, code);
		if (code == LW_COAP_REQUEST_ENTITY_TOO_LARGE)
			lw_coap_resp_opt_uint(resp, LW_COAP_OPT_SIZE1, LW_COAP_BLOCK_MAX_UPLOAD);
		return;
	}
	if (u->len + req->payload_len > u->cap) {
		size_t cap = u->cap ? u->cap : 4096;
		while (cap < u->len + req->payload_len)
			cap *= 2;
		if (cap > LW_COAP_BLOCK_MAX_UPLOAD)
			cap = LW_COAP_BLOCK_MAX_UPLOAD;
		uint8_t *nb = realloc(u->body, cap);
		if (!nb) {
			upload_drop(st, u);
			rearm(st);
			answer_code(resp, LW_COAP_SERVICE_UNAVAILABLE);
			return;
		}
		st->bytes += cap - u->cap;
		u->body = nb;
		u->cap = cap;
	}
	if (req->payload_len)
		memcpy(u->body + u->len, req->payload, req->payload_len);
	u->len += req->payload_len;
	if (b.more) {
		u->last = lw_timers_now(e->timers);
		upload_unlink(st, u);
		upload_append(st, u);
		rearm(st);
		answer_code(resp, LW_COAP_CONTINUE);
		lw_coap_resp_opt_uint(resp, LW_COAP_OPT_BLOCK1, lw_coap_block_value(&b));
		return;
	}
	/* The last block: the handler runs once, on the whole body. */
	struct lw_coap_msg *whole = malloc(sizeof(*whole));
	if (!whole) {
		upload_drop(st, u);
		rearm(st);
		answer_code(resp, LW_COAP_SERVICE_UNAVAILABLE);
		return;
	}
	*whole = *req;
	drop_opt(whole, LW_COAP_OPT_BLOCK1);
	drop_opt(whole, LW_COAP_OPT_SIZE1);
	whole->payload = u->len ? u->body : NULL;
	whole->payload_len = u->len;
	st->done = u->body;
	u->body = NULL;
	upload_drop(st, u);
	rearm(st);
	dispatch_whole(e, peer, whole, resp);
	free(whole);
	if (!resp->deferred)
		lw_coap_resp_opt_uint(resp, LW_COAP_OPT_BLOCK1, lw_coap_block_value(&b));
}

void lw_coap_block_free(struct lw_coap_engine *e)
{
	struct lw_coap_block_state *st = e->block;
	if (!st)
		return;
	while (st->head)
		upload_drop(st, st->head);
	lw_timer_cancel(e->timers, &st->timer);
	free(st->done);
	free(st);
	e->block = NULL;
}

size_t lw_coap_block_uploads(const struct lw_coap_engine *e, size_t *bytes)
{
	if (bytes)
		*bytes = e->block ? e->block->bytes : 0;
	return e->block ? e->block->n : 0;
}
