/*
 * tests/unit/test_coap_block.c: block-wise transfer (RFC 7959, core/coap/
 * block.c) through a real engine, without a socket.
 *
 * As in test_coap_engine.c, the engine runs on a fake clock and sends into a
 * capture endpoint. Here the test plays the other side block by block: a
 * scripted device that serves or takes a large body (and misbehaves on
 * purpose: skipped, repeated or failed blocks, smaller sizes), or a client
 * uploading to and reading from the engine's resources. Bodies are 20 KiB of
 * pseudo-random bytes and every reassembly is compared byte for byte.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/block.h"
#include "coap/engine.h"
#include "coap/message.h"
#include "coap/peer.h"
#include "coap/resource.h"
#include "lwm2m/error.h"
#include "timer.h"

#include "engine_rig.h"

#define T_START 1000000u
#define PORT_DEV 5683
#define MAX_SENT 64
#define BODY_20K (20 * 1024)
#define TIMEOUT_MS 60000u

/* ---- fake clock, capture endpoint, engine ---- */

struct sent {
	size_t len;
	uint8_t buf[1600];
};

static uint64_t now_ms;
static struct lw_timers timers;
static struct lw_coap_engine eng;
static struct lw_coap_endpoint ep;
static struct sent sent[MAX_SENT];
static size_t n_sent, n_taken;
static int running;
/* The bodies: pseudo-random so that a misplaced block shows. */
static uint8_t body[LW_COAP_BLOCK_MAX_RESPONSE + 4096];

static const struct engine_rig rig = {
	.now = &now_ms, .timers = &timers, .eng = &eng, .ep = &ep, .max_runs = 1000000ul,
};

static int capture_send(struct lw_coap_endpoint *e, const struct lw_coap_addr *to,
			const uint8_t *buf, size_t len)
{
	(void)to;
	cr_assert_eq(e, &ep);
	cr_assert_lt(n_sent, MAX_SENT, "the engine sent too many datagrams unanswered");
	cr_assert_leq(len, sizeof(sent[0].buf), "a datagram of %zu bytes: blocks are too big", len);
	sent[n_sent].len = len;
	memcpy(sent[n_sent].buf, buf, len);
	n_sent++;
	return 0;
}

static void fill_body(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(body); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		body[i] = (uint8_t)x;
	}
}

static void start(void)
{
	n_sent = n_taken = 0;
	er_start(&rig, T_START, capture_send, NULL);
	running = 1;
	fill_body();
}

static void stop(void)
{
	if (!running)
		return;
	running = 0;
	er_stop(&rig);
}

struct cb_rec {
	int calls;
	int status;
	uint8_t code;
	uint8_t *payload;
	size_t payload_len;
	int has_block2;
};

static struct cb_rec rec;

static void rec_reset(void)
{
	free(rec.payload);
	memset(&rec, 0, sizeof(rec));
}

static void end_clean(void)
{
	stop();
	rec_reset();
	er_check_leaks();
}

static void advance(uint64_t ms)
{
	er_advance_to(&rig, now_ms + ms);
}

static void input(const uint8_t *buf, size_t len)
{
	er_input(&rig, PORT_DEV, buf, len);
}

/* The next datagram the engine sent, parsed (valid until the next call). */
static struct lw_coap_msg *next_sent(void)
{
	static uint8_t buf[1600];
	static struct lw_coap_msg m;

	cr_assert_lt(n_taken, n_sent, "the engine sent nothing more");
	memcpy(buf, sent[n_taken].buf, sent[n_taken].len);
	cr_assert_eq(lw_coap_parse(&m, buf, sent[n_taken].len), 0);
	if (++n_taken == n_sent)
		n_taken = n_sent = 0;
	return &m;
}

static size_t pending(void)
{
	return n_sent - n_taken;
}

/* A uint option for build_msg(); in ascending number order. */
struct uopt {
	uint16_t number;
	uint32_t value;
};

static uint8_t wire[1600];

static size_t build_msg(uint8_t type, uint8_t code, uint16_t mid, const uint8_t *token,
			size_t tkl, const char *path, const char *query, const struct uopt *opts,
			size_t n_opts, const uint8_t *payload, size_t len)
{
	struct lw_coap_builder b;
	size_t out = 0, i = 0;

	lw_coap_build_start(&b, wire, sizeof(wire), type, code, mid, token, tkl);
	for (; i < n_opts && opts[i].number < LW_COAP_OPT_URI_PATH; i++)
		lw_coap_build_opt_uint(&b, opts[i].number, opts[i].value);
	if (path)
		lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	for (; i < n_opts && opts[i].number < LW_COAP_OPT_URI_QUERY; i++)
		lw_coap_build_opt_uint(&b, opts[i].number, opts[i].value);
	if (query)
		lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, query);
	for (; i < n_opts; i++)
		lw_coap_build_opt_uint(&b, opts[i].number, opts[i].value);
	lw_coap_build_payload(&b, payload, len);
	cr_assert_eq(lw_coap_build_end(&b, &out), 0);
	return out;
}

/* The device answers req (piggybacked on the ACK). */
static void reply(const struct lw_coap_msg *req, uint8_t code, const struct uopt *opts,
		  size_t n_opts, const uint8_t *payload, size_t len)
{
	cr_assert_eq(req->type, LW_COAP_CON);
	size_t n = build_msg(LW_COAP_ACK, code, req->mid, req->token, req->token_len, NULL, NULL,
			     opts, n_opts, payload, len);
	input(wire, n);
}

static uint32_t bval(uint32_t num, int more, uint8_t szx)
{
	struct lw_coap_block b = { .num = num, .more = (uint8_t)more, .szx = szx };

	return lw_coap_block_value(&b);
}

static void on_response(void *arg, int status, const struct lw_coap_msg *m)
{
	struct cb_rec *r = arg;

	r->calls++;
	r->status = status;
	if (!m)
		return;
	r->code = m->code;
	r->has_block2 = lw_coap_find(m, LW_COAP_OPT_BLOCK2) != NULL;
	free(r->payload);
	r->payload = malloc(m->payload_len + 1);
	cr_assert_not_null(r->payload);
	if (m->payload_len)
		memcpy(r->payload, m->payload, m->payload_len);
	r->payload_len = m->payload_len;
}

static struct lw_coap_peer *device(void)
{
	struct lw_coap_addr a = er_addr4(PORT_DEV);
	struct lw_coap_peer *p = lw_coap_peer_get(&eng.peers, &ep, &a, now_ms);

	cr_assert_not_null(p);
	return p;
}

/* The client role sends code /big with payload (may be empty); handle may be NULL. */
static void client_request_h(uint8_t code, const uint8_t *payload, size_t len,
                             struct lw_coap_exchange **handle)
{
	struct lw_coap_msg req;
	static const char seg[] = "big";

	memset(&req, 0, sizeof(req));
	req.type = LW_COAP_CON;
	req.code = code;
	req.n_opts = 1;
	req.opts[0].number = LW_COAP_OPT_URI_PATH;
	req.opts[0].len = sizeof(seg) - 1;
	req.opts[0].value = (const uint8_t *)seg;
	req.payload = len ? payload : NULL;
	req.payload_len = len;
	cr_assert_eq(lw_coap_request(&eng, device(), &req, TIMEOUT_MS, on_response, &rec, handle), 0);
}

static void client_request(uint8_t code, const uint8_t *payload, size_t len)
{
	client_request_h(code, payload, len, NULL);
}

static void assert_path_big(const struct lw_coap_msg *m)
{
	char path[16];

	cr_assert_eq(lw_coap_uri_path(m, path, sizeof(path)), 4);
	cr_assert_str_eq(path, "/big");
}

/* ---- client role, Block2 ---- */

/* A device serving body[0..len) with Block2, and how it misbehaves. */
struct dev2 {
	size_t len;
	uint8_t szx;       /* the size of its first answer */
	uint8_t szx_after; /* the size from the second answer on */
	int fail_at;       /* answers 4.04 to this request (0-based), -1 never */
	int skip_at;       /* answers the block after the one asked */
	int repeat_at;     /* answers block 0 again */
	uint32_t size2;    /* Size2 in the first answer (0: none) */
	int requests;
};

static void dev2_init(struct dev2 *d, size_t len, uint8_t szx)
{
	memset(d, 0, sizeof(*d));
	d->len = len;
	d->szx = d->szx_after = szx;
	d->fail_at = d->skip_at = d->repeat_at = -1;
}

/* Answers the engine's requests until the caller's callback has run. */
static void dev2_run(struct dev2 *d)
{
	uint8_t last_token[8] = { 0 };

	while (!rec.calls) {
		struct lw_coap_msg *m = next_sent();
		struct lw_coap_block b;
		uint8_t szx = d->szx;
		uint32_t num = 0;

		cr_assert_eq(m->code, LW_COAP_GET);
		assert_path_big(m);
		cr_assert_eq(m->payload_len, 0);
		cr_assert_eq(m->token_len, 8);
		/* Each block is its own request with a fresh token. */
		cr_assert(d->requests == 0 || memcmp(m->token, last_token, 8) != 0);
		memcpy(last_token, m->token, 8);
		if (d->requests == 0) {
			cr_assert_null(lw_coap_find(m, LW_COAP_OPT_BLOCK2));
		} else {
			cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK2, &b), 0);
			cr_assert_eq(b.more, 0);
			num = b.num;
			szx = b.szx;
			/* The engine asks in the size the device last used. */
			cr_assert_eq(szx, d->requests == 1 ? d->szx : d->szx_after);
			if (d->szx_after < szx) {
				num <<= szx - d->szx_after;
				szx = d->szx_after;
			}
		}
		if (d->requests == d->fail_at) {
			reply(m, LW_COAP_NOT_FOUND, NULL, 0, NULL, 0);
			d->requests++;
			continue;
		}
		if (d->requests == d->skip_at)
			num++;
		if (d->requests == d->repeat_at)
			num = 0;
		size_t size = (size_t)1 << (szx + 4), off = num * size;
		cr_assert_lt(off, d->len);
		size_t n = d->len - off < size ? d->len - off : size;
		int more = off + n < d->len;
		struct uopt o[4];
		size_t k = 0;
		o[k++] = (struct uopt){ LW_COAP_OPT_ETAG, 0x1234 };
		o[k++] = (struct uopt){ LW_COAP_OPT_CONTENT_FORMAT, 42 };
		o[k++] = (struct uopt){ LW_COAP_OPT_BLOCK2, bval(num, more, szx) };
		if (d->requests == 0 && d->size2)
			o[k++] = (struct uopt){ LW_COAP_OPT_SIZE2, d->size2 };
		reply(m, LW_COAP_CONTENT, o, k, body + off, n);
		d->requests++;
	}
}

static void read_big(uint8_t szx, size_t len)
{
	struct dev2 d;

	start();
	dev2_init(&d, len, szx);
	client_request(LW_COAP_GET, NULL, 0);
	dev2_run(&d);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_CONTENT);
	cr_assert_not(rec.has_block2, "the caller sees one whole answer");
	cr_assert_eq(rec.payload_len, len);
	cr_assert_arr_eq(rec.payload, body, len);
	size_t size = (size_t)1 << (szx + 4);
	cr_assert_eq((size_t)d.requests, (len + size - 1) / size);
	cr_assert_eq(pending(), 0, "nothing sent after the last block");
	end_clean();
}

Test(block2_client, read_20k_in_1024_byte_blocks)
{
	read_big(6, BODY_20K);
}

Test(block2_client, read_20k_in_64_byte_blocks)
{
	read_big(2, BODY_20K);
}

Test(block2_client, read_20k_in_16_byte_blocks)
{
	read_big(0, BODY_20K);
}

Test(block2_client, read_with_a_short_last_block)
{
	read_big(6, BODY_20K + 333);
}

Test(block2_client, device_switches_to_smaller_blocks)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K + 100, 6);
	d.szx_after = 2; /* 1024 bytes first, then 64 */
	client_request(LW_COAP_GET, NULL, 0);
	dev2_run(&d);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.payload_len, BODY_20K + 100);
	cr_assert_arr_eq(rec.payload, body, BODY_20K + 100);
	cr_assert_eq(d.requests, 1 + (BODY_20K + 100 - 1024 + 63) / 64);
	end_clean();
}

Test(block2_client, size2_is_used_and_checked)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 6);
	d.size2 = BODY_20K;
	client_request(LW_COAP_GET, NULL, 0);
	dev2_run(&d);
	cr_assert_eq(rec.status, 0);
	cr_assert_arr_eq(rec.payload, body, BODY_20K);
	end_clean();
}

/* A transfer the device breaks ends with status want and no more requests. */
static void broken(struct dev2 *d, int want)
{
	client_request(LW_COAP_GET, NULL, 0);
	dev2_run(d);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, want, "status %d, want %d", rec.status, want);
	cr_assert_eq(pending(), 0, "the engine asked for more after the error");
	advance(2 * TIMEOUT_MS); /* nothing left to time out or to call back */
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(pending(), 0);
	end_clean();
}

Test(block2_client, missing_block_is_an_error)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 6);
	d.skip_at = 3;
	broken(&d, LW_EPROTO);
	cr_assert_eq(d.requests, 4);
}

Test(block2_client, out_of_order_block_is_an_error)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 4);
	d.repeat_at = 5;
	broken(&d, LW_EPROTO);
}

Test(block2_client, error_answer_mid_transfer_is_an_error)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 6);
	d.fail_at = 7;
	broken(&d, LW_EPROTO);
	cr_assert_eq(d.requests, 8);
}

Test(block2_client, size2_over_the_limit_is_refused_at_once)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 6);
	d.size2 = LW_COAP_BLOCK_MAX_RESPONSE + 1;
	broken(&d, LW_ENOSPC);
	cr_assert_eq(d.requests, 1, "nothing fetched past an oversized Size2");
}

Test(block2_client, body_over_the_limit_is_refused)
{
	struct dev2 d;

	start();
	dev2_init(&d, LW_COAP_BLOCK_MAX_RESPONSE + 1024, 6);
	broken(&d, LW_ENOSPC);
	cr_assert_eq((size_t)d.requests, LW_COAP_BLOCK_MAX_RESPONSE / 1024 + 1);
}

Test(block2_client, body_exactly_at_the_limit_is_accepted)
{
	read_big(6, LW_COAP_BLOCK_MAX_RESPONSE);
}

Test(block2_client, timeout_mid_transfer)
{
	struct dev2 d;

	start();
	dev2_init(&d, BODY_20K, 6);
	client_request(LW_COAP_GET, NULL, 0);
	/* Serve two blocks, then go silent: the overall timeout still holds. */
	for (int i = 0; i < 2; i++) {
		struct lw_coap_msg *m = next_sent();
		struct uopt o = { LW_COAP_OPT_BLOCK2, bval((uint32_t)i, 1, 6) };
		reply(m, LW_COAP_CONTENT, &o, 1, body + i * 1024, 1024);
	}
	cr_assert_eq(rec.calls, 0);
	advance(TIMEOUT_MS);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, LW_ETIMEDOUT);
	end_clean();
}

Test(block2_client, engine_shutdown_mid_transfer_cancels)
{
	start();
	client_request(LW_COAP_GET, NULL, 0);
	struct lw_coap_msg *m = next_sent();
	struct uopt o = { LW_COAP_OPT_BLOCK2, bval(0, 1, 6) };
	reply(m, LW_COAP_CONTENT, &o, 1, body, 1024);
	cr_assert_eq(rec.calls, 0);
	stop();
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, LW_ECANCELED);
	end_clean();
}

/* The caller's handle follows the transfer: cancelling it mid-way ends the
 * whole transfer, with no callback, nothing more sent and nothing leaked. */
Test(block2_client, cancel_mid_transfer_through_the_handle)
{
	struct lw_coap_exchange *h = NULL;

	start();
	client_request_h(LW_COAP_GET, NULL, 0, &h);
	struct lw_coap_exchange *first = h;
	cr_assert_not_null(first);
	struct lw_coap_msg *m = next_sent();
	struct uopt o = { LW_COAP_OPT_BLOCK2, bval(0, 1, 6) };
	reply(m, LW_COAP_CONTENT, &o, 1, body, 1024);
	cr_assert_eq(rec.calls, 0);
	cr_assert_not_null(h, "the handle names the follow-up request");
	cr_assert_eq(pending(), 1);
	(void)next_sent();
	lw_coap_cancel(&eng, h);
	cr_assert_null(h);
	advance(TIMEOUT_MS * 2);
	cr_assert_eq(rec.calls, 0);
	cr_assert_eq(pending(), 0, "no retransmission after the cancel");
	end_clean();
}

/* ---- client role, Block1 ---- */

/* A device taking a Block1 upload; it may ask for smaller blocks once. */
static size_t dev1_run(uint8_t ask_szx, uint8_t final_code, uint8_t *got, size_t cap)
{
	size_t len = 0;
	int requests = 0;
	uint8_t szx = 6;

	while (!rec.calls) {
		struct lw_coap_msg *m = next_sent();
		struct lw_coap_block b;

		cr_assert_eq(m->code, LW_COAP_PUT);
		assert_path_big(m);
		cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK1, &b), 0);
		cr_assert_eq(b.szx, szx, "block %d in SZX %u, want %u", requests, b.szx, szx);
		size_t size = (size_t)1 << (b.szx + 4);
		cr_assert_eq(b.num * size, len, "block %u does not follow %zu bytes", b.num, len);
		if (requests == 0)
			cr_assert_eq(lw_coap_get_uint(m, LW_COAP_OPT_SIZE1, 0), BODY_20K);
		else
			cr_assert_null(lw_coap_find(m, LW_COAP_OPT_SIZE1));
		if (b.more)
			cr_assert_eq(m->payload_len, size);
		else
			cr_assert_leq(m->payload_len, size);
		cr_assert_leq(len + m->payload_len, cap);
		memcpy(got + len, m->payload, m->payload_len);
		len += m->payload_len;
		if (b.more) {
			uint8_t answer_szx = b.szx;
			if (requests == 0 && ask_szx < b.szx)
				answer_szx = szx = ask_szx;
			struct uopt o = { LW_COAP_OPT_BLOCK1, bval(b.num, 1, answer_szx) };
			reply(m, LW_COAP_CONTINUE, &o, 1, NULL, 0);
		} else {
			struct uopt o = { LW_COAP_OPT_BLOCK1, bval(b.num, 0, b.szx) };
			reply(m, final_code, &o, 1, NULL, 0);
		}
		requests++;
	}
	return len;
}

static uint8_t got[BODY_20K + 4096];

Test(block1_client, write_20k_in_1024_byte_blocks)
{
	start();
	client_request(LW_COAP_PUT, body, BODY_20K);
	size_t n = dev1_run(6, LW_COAP_CHANGED, got, sizeof(got));
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_CHANGED);
	cr_assert_eq(n, BODY_20K);
	cr_assert_arr_eq(got, body, BODY_20K);
	cr_assert_eq(pending(), 0);
	end_clean();
}

Test(block1_client, device_asks_for_smaller_blocks)
{
	start();
	client_request(LW_COAP_PUT, body, BODY_20K);
	size_t n = dev1_run(2, LW_COAP_CHANGED, got, sizeof(got));
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_CHANGED);
	cr_assert_eq(n, BODY_20K);
	cr_assert_arr_eq(got, body, BODY_20K);
	end_clean();
}

Test(block1_client, final_error_reaches_the_caller)
{
	start();
	client_request(LW_COAP_PUT, body, BODY_20K);
	dev1_run(6, LW_COAP_REQUEST_ENTITY_TOO_LARGE, got, sizeof(got));
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_REQUEST_ENTITY_TOO_LARGE);
	end_clean();
}

Test(block1_client, error_mid_upload_stops_it)
{
	start();
	client_request(LW_COAP_PUT, body, BODY_20K);
	struct lw_coap_msg *m = next_sent();
	struct uopt o = { LW_COAP_OPT_BLOCK1, bval(0, 1, 6) };
	reply(m, LW_COAP_CONTINUE, &o, 1, NULL, 0);
	m = next_sent();
	reply(m, LW_COAP_REQUEST_ENTITY_INCOMPLETE, NULL, 0, NULL, 0);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_REQUEST_ENTITY_INCOMPLETE);
	cr_assert_eq(pending(), 0);
	end_clean();
}

Test(block1_client, cancel_mid_upload_through_the_handle)
{
	struct lw_coap_exchange *h = NULL;

	start();
	client_request_h(LW_COAP_PUT, body, BODY_20K, &h);
	struct lw_coap_msg *m = next_sent();
	struct lw_coap_block b;
	cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK1, &b), 0);
	struct uopt o = { LW_COAP_OPT_BLOCK1, bval(b.num, 1, b.szx) };
	reply(m, LW_COAP_CONTINUE, &o, 1, NULL, 0);
	cr_assert_not_null(h);
	(void)next_sent();
	lw_coap_cancel(&eng, h);
	cr_assert_null(h);
	advance(TIMEOUT_MS * 2);
	cr_assert_eq(rec.calls, 0);
	cr_assert_eq(pending(), 0);
	end_clean();
}

Test(block1_client, small_body_is_not_split)
{
	start();
	client_request(LW_COAP_PUT, body, LW_COAP_BLOCK_SIZE);
	struct lw_coap_msg *m = next_sent();
	cr_assert_null(lw_coap_find(m, LW_COAP_OPT_BLOCK1));
	cr_assert_eq(m->payload_len, LW_COAP_BLOCK_SIZE);
	reply(m, LW_COAP_CHANGED, NULL, 0, NULL, 0);
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.code, LW_COAP_CHANGED);
	end_clean();
}

/* ---- server role ---- */

struct upload_handler {
	int calls;
	uint8_t *payload;
	size_t len;
	char query[32];
};

static struct upload_handler uh;

static void upload_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			   const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	struct upload_handler *h = arg;
	const struct lw_coap_option *q = lw_coap_find(req, LW_COAP_OPT_URI_QUERY);

	(void)e;
	(void)peer;
	h->calls++;
	cr_assert_null(lw_coap_find(req, LW_COAP_OPT_BLOCK1), "the handler sees no block");
	free(h->payload);
	h->payload = malloc(req->payload_len + 1);
	cr_assert_not_null(h->payload);
	memcpy(h->payload, req->payload, req->payload_len);
	h->len = req->payload_len;
	if (q && q->len < sizeof(h->query)) {
		memcpy(h->query, q->value, q->len);
		h->query[q->len] = 0;
	}
	resp->msg.code = LW_COAP_CREATED;
	lw_coap_resp_opt(resp, LW_COAP_OPT_LOCATION_PATH, "rd", 2);
}

static void server_start(void)
{
	start();
	memset(&uh, 0, sizeof(uh));
	cr_assert_eq(lw_coap_resource_add(&eng, "/rd", NULL, LW_COAP_METHOD(LW_COAP_POST),
					  upload_handler, &uh),
		     0);
}

static void server_end(void)
{
	free(uh.payload);
	memset(&uh, 0, sizeof(uh));
	end_clean();
}

static uint16_t next_mid = 100;

/* Sends one Block1 block of a POST /rd?ep=dev1 and returns the parsed answer. */
static struct lw_coap_msg *post_block(uint32_t num, int more, uint8_t szx, const uint8_t *data,
				      size_t len, uint32_t size1)
{
	static const uint8_t tok[4] = { 1, 2, 3, 4 };
	struct uopt o[2];
	size_t k = 0;

	o[k++] = (struct uopt){ LW_COAP_OPT_BLOCK1, bval(num, more, szx) };
	if (size1)
		o[k++] = (struct uopt){ LW_COAP_OPT_SIZE1, size1 };
	uint16_t mid = next_mid++;
	size_t n = build_msg(LW_COAP_CON, LW_COAP_POST, mid, tok, sizeof(tok), "/rd", "ep=dev1", o,
			     k, data, len);
	input(wire, n);
	struct lw_coap_msg *m = next_sent();
	cr_assert_eq(m->type, LW_COAP_ACK);
	cr_assert_eq(m->mid, mid);
	cr_assert_eq(pending(), 0);
	return m;
}

/* Uploads total bytes of body in blocks of SZX szx; returns the last answer. */
static struct lw_coap_msg *upload(size_t total, uint8_t szx)
{
	size_t size = (size_t)1 << (szx + 4);
	struct lw_coap_msg *m = NULL;

	for (size_t off = 0; off < total; off += size) {
		size_t n = total - off < size ? total - off : size;
		int more = off + n < total;
		struct lw_coap_block b;
		m = post_block((uint32_t)(off / size), more, szx, body + off, n,
			       off ? 0 : (uint32_t)total);
		if (!more)
			break;
		cr_assert_eq(m->code, LW_COAP_CONTINUE, "block at %zu: answer %u", off, m->code);
		cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK1, &b), 0);
		cr_assert_eq(lw_coap_block_value(&b), bval((uint32_t)(off / size), 1, szx));
		cr_assert_eq(uh.calls, 0, "the handler ran before the last block");
	}
	return m;
}

Test(block1_server, register_like_upload_of_20k)
{
	struct lw_coap_block b;

	server_start();
	struct lw_coap_msg *m = upload(BODY_20K, 6);
	cr_assert_eq(m->code, LW_COAP_CREATED);
	cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK1, &b), 0);
	cr_assert_eq(lw_coap_block_value(&b), bval(19, 0, 6));
	cr_assert_not_null(lw_coap_find(m, LW_COAP_OPT_LOCATION_PATH));
	cr_assert_eq(uh.calls, 1);
	cr_assert_eq(uh.len, BODY_20K);
	cr_assert_arr_eq(uh.payload, body, BODY_20K);
	cr_assert_str_eq(uh.query, "ep=dev1");
	size_t bytes;
	cr_assert_eq(lw_coap_block_uploads(&eng, &bytes), 0);
	cr_assert_eq(bytes, 0);
	server_end();
}

Test(block1_server, upload_in_small_blocks)
{
	server_start();
	struct lw_coap_msg *m = upload(BODY_20K + 7, 2);
	cr_assert_eq(m->code, LW_COAP_CREATED);
	cr_assert_eq(uh.calls, 1);
	cr_assert_eq(uh.len, BODY_20K + 7);
	cr_assert_arr_eq(uh.payload, body, BODY_20K + 7);
	server_end();
}

Test(block1_server, retransmitted_block_is_not_appended_twice)
{
	server_start();
	post_block(0, 1, 6, body, 1024, 2048);
	/* The same datagram again (same mid): the dedup cache answers. */
	next_mid--;
	struct lw_coap_msg *m = post_block(0, 1, 6, body, 1024, 2048);
	cr_assert_eq(m->code, LW_COAP_CONTINUE);
	m = post_block(1, 0, 6, body + 1024, 1024, 0);
	cr_assert_eq(m->code, LW_COAP_CREATED);
	cr_assert_eq(uh.len, 2048);
	cr_assert_arr_eq(uh.payload, body, 2048);
	server_end();
}

Test(block1_server, stale_upload_is_dropped)
{
	size_t bytes;

	server_start();
	for (uint32_t i = 0; i < 3; i++)
		cr_assert_eq(post_block(i, 1, 6, body + i * 1024, 1024, i ? 0 : BODY_20K)->code,
			     LW_COAP_CONTINUE);
	cr_assert_eq(lw_coap_block_uploads(&eng, &bytes), 1);
	cr_assert_geq(bytes, 3072);
	struct lw_coap_peer *p = device();
	cr_assert_eq(p->refs, 1, "the upload holds its peer");
	advance(LW_COAP_BLOCK_UPLOAD_TIMEOUT_MS - 1);
	cr_assert_eq(lw_coap_block_uploads(&eng, NULL), 1);
	advance(1);
	cr_assert_eq(lw_coap_block_uploads(&eng, &bytes), 0);
	cr_assert_eq(bytes, 0);
	cr_assert_eq(p->refs, 0);
	/* The rest of it now has nothing to continue. */
	cr_assert_eq(post_block(3, 1, 6, body + 3072, 1024, 0)->code,
		     LW_COAP_REQUEST_ENTITY_INCOMPLETE);
	cr_assert_eq(uh.calls, 0);
	server_end();
}

Test(block1_server, out_of_order_block_is_incomplete)
{
	server_start();
	post_block(0, 1, 6, body, 1024, 0);
	cr_assert_eq(post_block(2, 1, 6, body + 2048, 1024, 0)->code,
		     LW_COAP_REQUEST_ENTITY_INCOMPLETE);
	cr_assert_eq(lw_coap_block_uploads(&eng, NULL), 0);
	cr_assert_eq(post_block(5, 0, 6, body, 10, 0)->code, LW_COAP_REQUEST_ENTITY_INCOMPLETE);
	cr_assert_eq(uh.calls, 0);
	server_end();
}

Test(block1_server, oversized_uploads_are_refused)
{
	server_start();
	struct lw_coap_msg *m = post_block(0, 1, 6, body, 1024, LW_COAP_BLOCK_MAX_UPLOAD + 1);
	cr_assert_eq(m->code, LW_COAP_REQUEST_ENTITY_TOO_LARGE);
	cr_assert_eq(lw_coap_get_uint(m, LW_COAP_OPT_SIZE1, 0), LW_COAP_BLOCK_MAX_UPLOAD);
	/* Without Size1: refused at the block that passes the limit. */
	uint32_t i;
	for (i = 0; i < LW_COAP_BLOCK_MAX_UPLOAD / 1024; i++)
		cr_assert_eq(post_block(i, 1, 6, body + i * 1024, 1024, 0)->code, LW_COAP_CONTINUE);
	m = post_block(i, 1, 6, body + i * 1024, 1024, 0);
	cr_assert_eq(m->code, LW_COAP_REQUEST_ENTITY_TOO_LARGE);
	cr_assert_eq(lw_coap_block_uploads(&eng, NULL), 0);
	cr_assert_eq(uh.calls, 0);
	server_end();
}

Test(block1_server, short_middle_block_is_a_bad_request)
{
	server_start();
	cr_assert_eq(post_block(0, 1, 6, body, 1000, 0)->code, LW_COAP_BAD_REQUEST);
	cr_assert_eq(lw_coap_block_uploads(&eng, NULL), 0);
	server_end();
}

/* ---- server role, Block2 ---- */

static int big_calls;

static void big_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	(void)peer;
	(void)req;
	big_calls++;
	resp->msg.code = LW_COAP_CONTENT;
	resp->msg.payload = body;
	resp->msg.payload_len = *(size_t *)arg;
}

static size_t big_len;

static struct lw_coap_msg *get_block(const char *path, int with_block2, uint32_t num, uint8_t szx)
{
	static const uint8_t tok[2] = { 9, 9 };
	struct uopt o = { LW_COAP_OPT_BLOCK2, bval(num, 0, szx) };
	uint16_t mid = next_mid++;
	size_t n = build_msg(LW_COAP_CON, LW_COAP_GET, mid, tok, sizeof(tok), path, NULL, &o,
			     with_block2 ? 1 : 0, NULL, 0);
	input(wire, n);
	struct lw_coap_msg *m = next_sent();
	cr_assert_eq(m->mid, mid);
	return m;
}

/* Reads path block by block as a client would; returns the body's length. */
static size_t read_blocks(const char *path, uint8_t szx, uint8_t *out, size_t cap)
{
	size_t len = 0;
	uint32_t num = 0;

	for (;;) {
		struct lw_coap_block b;
		struct lw_coap_msg *m = get_block(path, num > 0 || szx != 6, num, szx);
		cr_assert_eq(m->code, LW_COAP_CONTENT);
		cr_assert_eq(lw_coap_block_get(m, LW_COAP_OPT_BLOCK2, &b), 0);
		cr_assert_eq(b.num, num);
		cr_assert_eq(b.szx, szx);
		if (num == 0 && b.more)
			cr_assert_neq(lw_coap_get_uint(m, LW_COAP_OPT_SIZE2, 0), 0);
		cr_assert_leq(len + m->payload_len, cap);
		memcpy(out + len, m->payload, m->payload_len);
		len += m->payload_len;
		if (!b.more)
			break;
		cr_assert_eq(m->payload_len, (size_t)1 << (szx + 4));
		num++;
	}
	return len;
}

Test(block2_server, big_answer_is_served_in_blocks)
{
	start();
	big_len = BODY_20K + 5;
	big_calls = 0;
	cr_assert_eq(lw_coap_resource_add(&eng, "/big", NULL, LW_COAP_METHOD(LW_COAP_GET),
					  big_handler, &big_len),
		     0);
	struct lw_coap_msg *m = get_block("/big", 0, 0, 0);
	cr_assert_eq(lw_coap_get_uint(m, LW_COAP_OPT_SIZE2, 0), BODY_20K + 5);
	cr_assert_eq(read_blocks("/big", 6, got, sizeof(got)), BODY_20K + 5);
	cr_assert_arr_eq(got, body, BODY_20K + 5);
	/* Recomputed per block: one handler run per request. */
	cr_assert_eq(big_calls, 1 + 21);
	cr_assert_eq(read_blocks("/big", 2, got, sizeof(got)), BODY_20K + 5);
	cr_assert_arr_eq(got, body, BODY_20K + 5);
	/* A block past the end. */
	cr_assert_eq(get_block("/big", 1, 21, 6)->code, LW_COAP_BAD_OPTION);
	end_clean();
}

Test(block2_server, small_answer_is_not_split)
{
	start();
	big_len = 100;
	cr_assert_eq(lw_coap_resource_add(&eng, "/big", NULL, LW_COAP_METHOD(LW_COAP_GET),
					  big_handler, &big_len),
		     0);
	struct lw_coap_msg *m = get_block("/big", 0, 0, 0);
	cr_assert_null(lw_coap_find(m, LW_COAP_OPT_BLOCK2));
	cr_assert_eq(m->payload_len, 100);
	end_clean();
}

static void nop_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	(void)peer;
	(void)req;
	(void)arg;
	resp->msg.code = LW_COAP_CONTENT;
}

Test(block2_server, big_well_known_core)
{
	static char text[8192];
	char path[64];

	start();
	for (int i = 0; i < 60; i++) {
		snprintf(path, sizeof(path), "/resource/with/a/rather/long/name/%02d", i);
		cr_assert_eq(lw_coap_resource_add(&eng, path, ";rt=\"test\"",
						  LW_COAP_METHOD(LW_COAP_GET), nop_handler, NULL),
			     0);
	}
	size_t n = read_blocks("/.well-known/core", 6, (uint8_t *)text, sizeof(text) - 1);
	text[n] = 0;
	cr_assert_gt(n, 2048);
	cr_assert(strstr(text, "</resource/with/a/rather/long/name/00>;rt=\"test\"") == text);
	cr_assert_not_null(strstr(text, ",</resource/with/a/rather/long/name/59>;rt=\"test\""));
	end_clean();
}

/* ---- both roles: one engine uploading to and reading from another ---- */

#define PORT_CLIENT 5690
#define QUEUE 64

struct queued {
	int to_server;
	size_t len;
	uint8_t buf[1600];
};

static struct lw_coap_engine *srv;
static struct lw_coap_endpoint ep_srv;
static struct queued queue[QUEUE];
static size_t q_head, q_len;
static struct store {
	int puts;
	uint8_t *data;
	size_t len;
} store;

/* Both engines send into one queue; pump() delivers in order. */
static int relay_send(struct lw_coap_endpoint *e, const struct lw_coap_addr *to,
		      const uint8_t *buf, size_t len)
{
	(void)to;
	cr_assert_lt(q_len, QUEUE);
	cr_assert_leq(len, sizeof(queue[0].buf));
	struct queued *q = &queue[(q_head + q_len++) % QUEUE];
	q->to_server = e == &ep;
	q->len = len;
	memcpy(q->buf, buf, len);
	return 0;
}

static void pump(void)
{
	static uint8_t buf[1600];
	unsigned long n = 0;

	while (q_len) {
		struct queued *q = &queue[q_head];
		int to_server = q->to_server;
		size_t len = q->len;
		memcpy(buf, q->buf, len);
		q_head = (q_head + 1) % QUEUE;
		q_len--;
		struct lw_coap_addr from = er_addr4(to_server ? PORT_CLIENT : PORT_DEV);
		if (to_server)
			lw_coap_engine_input(srv, &ep_srv, &from, buf, len);
		else
			lw_coap_engine_input(&eng, &ep, &from, buf, len);
		cr_assert_lt(++n, 100000ul, "the engines keep talking");
	}
}

static void store_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
			  const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	struct store *s = arg;

	(void)e;
	(void)peer;
	if (req->code == LW_COAP_GET) {
		resp->msg.code = LW_COAP_CONTENT;
		resp->msg.payload = s->data;
		resp->msg.payload_len = s->len;
		return;
	}
	s->puts++;
	free(s->data);
	s->data = malloc(req->payload_len + 1);
	cr_assert_not_null(s->data);
	memcpy(s->data, req->payload, req->payload_len);
	s->len = req->payload_len;
	resp->msg.code = LW_COAP_CHANGED;
}

static void both_fini(void)
{
	if (srv) {
		lw_coap_engine_free(srv);
		free(srv);
		srv = NULL;
	}
	free(store.data);
	memset(&store, 0, sizeof(store));
	q_head = q_len = 0;
	end_clean();
}

Test(both_roles, upload_then_read_back_20k, .fini = both_fini)
{
	start();
	ep.send = relay_send;
	srv = malloc(sizeof(*srv));
	cr_assert_not_null(srv);
	cr_assert_eq(lw_coap_engine_init(srv, &timers, NULL), 0);
	memset(&ep_srv, 0, sizeof(ep_srv));
	ep_srv.name = "server";
	ep_srv.send = relay_send;
	ep_srv.engine = srv;
	cr_assert_eq(lw_coap_resource_add(srv, "/big", NULL,
					  LW_COAP_METHOD(LW_COAP_PUT) | LW_COAP_METHOD(LW_COAP_GET),
					  store_handler, &store),
		     0);

	client_request(LW_COAP_PUT, body, BODY_20K + 1);
	pump();
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_CHANGED);
	cr_assert_eq(store.puts, 1);
	cr_assert_eq(store.len, BODY_20K + 1);
	cr_assert_arr_eq(store.data, body, BODY_20K + 1);
	cr_assert_eq(lw_coap_block_uploads(srv, NULL), 0);

	rec_reset();
	client_request(LW_COAP_GET, NULL, 0);
	pump();
	cr_assert_eq(rec.calls, 1);
	cr_assert_eq(rec.status, 0);
	cr_assert_eq(rec.code, LW_COAP_CONTENT);
	cr_assert_eq(rec.payload_len, BODY_20K + 1);
	cr_assert_arr_eq(rec.payload, body, BODY_20K + 1);
}
