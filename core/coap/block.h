/*
 * coap/block.h: block-wise transfer (RFC 7959, Block1 and Block2) for the
 * engine, in both roles. It sits on top of exchanges and resource dispatch
 * so that neither callers of lw_coap_request() nor resource handlers ever
 * see a block: they send and receive whole bodies (see docs/blockwise.md).
 *
 * Client role: a request body larger than one block goes out in Block1
 * chunks; a response with Block2 M=1 is fetched block by block and handed to
 * the callback once, reassembled. Server role: Block1 uploads are reassembled
 * per (peer, method, Uri-Path, Uri-Query) before the handler runs; an answer
 * larger than one block is served with Block2, recomputed on each request.
 */
#ifndef LW_COAP_BLOCK_H
#define LW_COAP_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "coap/engine.h"

/* Our block size: SZX 6 = 1024 bytes (RFC 7959 2.2: size = 2^(SZX+4)). */
#define LW_COAP_BLOCK_SZX 6
#define LW_COAP_BLOCK_SIZE (1u << (LW_COAP_BLOCK_SZX + 4))
/* Largest reassembled response body the client role accepts (LW_ENOSPC above). */
#define LW_COAP_BLOCK_MAX_RESPONSE (1024u * 1024u)
/* Largest request body the server role reassembles (4.13 above). */
#define LW_COAP_BLOCK_MAX_UPLOAD (64u * 1024u)
/* Block1 uploads in progress at once, all peers together (5.03 above). */
#define LW_COAP_BLOCK_MAX_UPLOADS 256
/* A partial upload with no new block for this long is dropped. */
#define LW_COAP_BLOCK_UPLOAD_TIMEOUT_MS 60000u

/* A Block1/Block2 option value (RFC 7959 2.2). */
struct lw_coap_block {
	uint32_t num;
	uint8_t more;
	uint8_t szx; /* 0..6 (7 is BERT, not for UDP) */
};

/* Decodes the first option number of m. 0, LW_ENOENT (absent) or LW_EINVAL. */
int lw_coap_block_get(const struct lw_coap_msg *m, uint16_t number, struct lw_coap_block *b);
/* The option value of b (for lw_coap_build_opt_uint / lw_coap_resp_opt_uint). */
uint32_t lw_coap_block_value(const struct lw_coap_block *b);

/* ---- engine hooks (the engine's files only) ---- */

/* lw_coap_request(): does req need Block1 (body over one block, no Block1 yet)? */
int lw_coap_block1_needed(const struct lw_coap_msg *req);
/* lw_coap_request() for such a request: sends it block by block. */
int lw_coap_block1_request(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                           struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                           void *arg, struct lw_coap_exchange **handle);
/*
 * exchange.c, before a response reaches a request's callback: if it is the
 * first block of a larger body (Block2 M=1), takes the exchange over: fetches
 * the rest with req (the encoded request, mid/token irrelevant) as template
 * and calls cb once, later. Returns 1 if taken over (cb must not be called
 * now), 0 to deliver resp as usual.
 */
int lw_coap_block2_takeover(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                            const uint8_t *req, size_t req_len, const struct lw_coap_msg *resp,
                            uint64_t deadline, lw_coap_response_cb cb, void *arg,
                            struct lw_coap_exchange **slot);
/*
 * exchange.c, when an exchange is cancelled (lw_coap_cancel): if cb/arg is a
 * block-wise transfer's own step, frees the transfer without calling the
 * caller back. The caller's handle (slot) always names the transfer's current
 * exchange, so cancelling it ends the whole transfer.
 */
void lw_coap_block_abort(lw_coap_response_cb cb, void *arg);
/* engine.c on_request(), instead of lw_coap_resource_dispatch(). */
void lw_coap_block_dispatch(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                            const struct lw_coap_msg *req, struct lw_coap_response *resp);
/* lw_coap_engine_free(), after the exchanges are cancelled. */
void lw_coap_block_free(struct lw_coap_engine *e);

/* Block1 uploads in progress (server role), and the bytes they hold. */
size_t lw_coap_block_uploads(const struct lw_coap_engine *e, size_t *bytes);

#endif
