/*
 * coap/engine.h: the server's own CoAP engine (RFC 7252 over any datagram
 * transport). One engine serves every endpoint (UDP now; DTLS and TCP plug in
 * the same way) and plays both roles on the same sockets: it answers requests
 * from devices (server role: resources and handlers) and sends requests to
 * them (client role: exchanges with a response callback and a timeout).
 *
 * It owns reliability (CON retransmission with randomised exponential back-off,
 * NSTART per peer), deduplication, message ids and tokens. It does no I/O of
 * its own: datagrams come in through lw_coap_engine_input() and go out through
 * the endpoint's send function, and time comes from the timer heap's clock, so
 * tests can run it with a fake clock and a capture of what it sends.
 *
 * Everything runs on the loop thread.
 */
#ifndef LW_COAP_ENGINE_H
#define LW_COAP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "coap/dedup.h"
#include "lwm2m/api.h"
#include "coap/message.h"
#include "coap/peer.h"
#include "timer.h"
#include "util/hash.h"

struct lw_coap_engine;
struct lw_coap_exchange;
struct lw_coap_resource;
struct lw_coap_block_state;

/* A transport the engine sends through. */
struct lw_coap_endpoint {
	const char *name; /* "udp", "dtls", ... for logs */
	int secure;
	/* Sends one datagram. 0, or LW_EIO (the engine counts it, and relies on
	 * retransmission for CONs). */
	int (*send)(struct lw_coap_endpoint *ep, const struct lw_coap_addr *to, const uint8_t *buf,
	            size_t len);
	struct lw_coap_engine *engine;
	/* Secure endpoints (DTLS): the endpoint name the session of addr
	 * authenticated as, NULL when none (plain UDP leaves the hook NULL).
	 * The string stays valid until the session ends. */
	const char *(*peer_identity)(struct lw_coap_endpoint *ep, const struct lw_coap_addr *addr);
	/* Plain endpoints: whether endpoint may speak without security (0:
	 * it has a credential, or the daemon requires them). NULL: anyone may.
	 * Set by the daemon, which knows the credentials. */
	int (*unsecured_ok)(void *ctx, const char *endpoint);
	void *unsecured_ctx;
	/* Stream transports (CoAP over TCP/TLS, RFC 8323): the transport is
	 * reliable and ordered, so messages have no type and no message id.
	 * The engine then matches responses by token only, never retransmits,
	 * never ACKs, RSTs or deduplicates, and fails a request at once when
	 * send() fails (the peer's connection is gone). send() still gets the
	 * message in RFC 7252 encoding; the transport re-frames it and ignores
	 * its type and mid. Input comes through lw_coap_engine_input_msg(). */
	int reliable;
};

/* RFC 7252 section 4.8 transmission parameters, in ms. */
struct lw_coap_params {
	uint32_t ack_timeout_ms;
	uint32_t ack_random_permille; /* ACK_RANDOM_FACTOR x 1000 (1500) */
	uint32_t max_retransmit;
	uint32_t nstart;
	uint64_t exchange_lifetime_ms;
	uint64_t non_lifetime_ms;
	uint64_t peer_idle_ms;
	size_t dedup_max;
};

/* The defaults of RFC 7252 4.8 (and the derived lifetimes of 4.8.2). */
void lw_coap_params_default(struct lw_coap_params *p);

/*
 * Called for a CON/NON response whose token matches no exchange: the upper
 * layer's chance to take it as an RFC 7641 notification of an observation
 * whose first response already ended its exchange. Returns 1 when taken (a
 * CON then gets its ACK), 0 to let the engine reject it with RST (which also
 * cancels a stale observation on the device, RFC 7641 3.6).
 */
typedef int (*lw_coap_unmatched_fn)(void *ctx, struct lw_coap_peer *peer,
                                    const struct lw_coap_msg *m);

struct lw_coap_stats {
	unsigned long long rx, tx, rx_malformed, tx_errors, duplicates, retransmits, timeouts,
		rst_in, rst_out, requests_in, requests_out, bad_option, unmatched;
};

struct lw_coap_engine {
	struct lw_timers *timers;
	struct lw_coap_params params;
	struct lw_coap_peers peers;
	struct lw_coap_dedup dedup;
	struct lw_htable by_mid;   /* our CONs awaiting ACK/RST: (peer, mid) */
	struct lw_htable by_token; /* our requests awaiting a response: (peer, token) */
	struct lw_coap_exchange *ex_head; /* every live exchange, for shutdown */
	int stopping;
	struct lw_timer housekeeping;
	struct lw_coap_resource *resources;
	struct lw_coap_block_state *block; /* block-wise uploads (coap/block.c) */
	uint64_t rng;
	struct lw_coap_stats stats;
	lw_coap_unmatched_fn on_unmatched; /* NULL: unmatched responses get RST */
	void *on_unmatched_ctx;
	uint8_t scratch[65536]; /* encode buffer for responses (loop thread only) */
	char text[16384];       /* payloads the engine makes itself (/.well-known/core) */
};

int lw_coap_engine_init(struct lw_coap_engine *e, struct lw_timers *timers,
                        const struct lw_coap_params *params);
/* Ends every exchange (callbacks get LW_ECANCELED) and frees all state. */
void lw_coap_engine_free(struct lw_coap_engine *e);

/* One datagram from a transport. */
void lw_coap_engine_input(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                          const struct lw_coap_addr *from, const uint8_t *buf, size_t len);
/*
 * One message a transport already parsed (reliable endpoints: the TCP
 * transport decodes RFC 8323 frames itself). m->type and m->mid are ignored
 * on a reliable endpoint; the option values must stay valid during the call.
 */
void lw_coap_engine_input_msg(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                              const struct lw_coap_addr *from, const struct lw_coap_msg *m);

/*
 * Reliable endpoints: the connection to addr closed. Requests still waiting
 * for its answers end with LW_EIO at the next timer tick instead of at their
 * timeout; later ones fail the same way as long as send() fails.
 */
void lw_coap_engine_peer_closed(struct lw_coap_engine *e, struct lw_coap_endpoint *ep,
                                const struct lw_coap_addr *addr);

/* ---- server role ---- */

/*
 * What a handler answers. The handler sets code, adds options in any order and
 * a payload; everything it points at must stay valid until it returns (the
 * engine encodes right after). type, mid and token are the engine's.
 */
struct lw_coap_response {
	struct lw_coap_msg msg;
	int deferred;
	uint8_t uints[8][4]; /* storage for uint option values */
	int n_uints;
};

void lw_coap_resp_opt(struct lw_coap_response *r, uint16_t number, const void *value, size_t len);
void lw_coap_resp_opt_uint(struct lw_coap_response *r, uint16_t number, uint32_t value);
/* Answers code with a diagnostic payload (fmt) and logs at info level
 * "WHAT from ADDR refused with CODE: why". */
void lw_coap_resp_refuse(struct lw_coap_response *resp, uint8_t code,
                         const struct lw_coap_peer *peer, const char *what, const char *fmt, ...)
	LW_PRINTF(5, 6);

typedef void (*lw_coap_handler)(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                                const struct lw_coap_msg *req, struct lw_coap_response *resp,
                                void *arg);

/*
 * A response the handler will give later (a separate response, RFC 7252 5.2.2):
 * the engine ACKs a CON request at once, and lw_coap_respond() sends the
 * answer as its own CON (or NON, for a NON request) with the request's token.
 */
struct lw_coap_deferred {
	struct lw_coap_peer *peer; /* held until responded */
	uint8_t token[LW_COAP_MAX_TOKEN];
	uint8_t token_len;
	uint8_t req_type;
};

/* Called by a handler instead of filling resp. NULL when out of memory. */
struct lw_coap_deferred *lw_coap_defer(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                                       const struct lw_coap_msg *req,
                                       struct lw_coap_response *resp);
/* Sends the separate response (code, options, payload of msg) and frees d. */
int lw_coap_respond(struct lw_coap_engine *e, struct lw_coap_deferred *d,
                    struct lw_coap_msg *msg);

/* ---- client role ---- */

/*
 * status is 0 with the response, LW_ETIMEDOUT (no ACK after MAX_RETRANSMIT
 * retransmissions, or no response before timeout_ms), LW_EPROTO (the peer
 * answered RST) or LW_ECANCELED (engine shutdown). resp is valid only during
 * the call.
 */
typedef void (*lw_coap_response_cb)(void *arg, int status, const struct lw_coap_msg *resp);

/*
 * Sends a request (req->type CON or NON; code; options; payload) to peer.
 * The engine sets mid and token, copies the encoded message, and calls cb
 * exactly once unless the exchange is cancelled. If handle is not NULL it
 * receives the exchange for lw_coap_cancel(); the engine keeps it current
 * through a block-wise transfer and sets it to NULL when the exchange ends.
 * The handle variable must stay valid until then (or until cancelled).
 * A body over one block goes out in Block1 chunks and a Block2 answer comes
 * back whole (RFC 7959, coap/block.h, docs/blockwise.md); for such a
 * transfer handle is valid only until the first block is answered.
 * Returns 0, LW_EINVAL (type not CON/NON), LW_ENOSPC (too big to encode),
 * LW_ENOMEM, or LW_ECANCELED while the engine shuts down.
 */
int lw_coap_request(struct lw_coap_engine *e, struct lw_coap_peer *peer, struct lw_coap_msg *req,
                    uint32_t timeout_ms, lw_coap_response_cb cb, void *arg,
                    struct lw_coap_exchange **handle);
/*
 * Like lw_coap_request, but with the token the caller put in req (token_len
 * 1..8): for the request that cancels an observation, which RFC 7641 3.6
 * wants sent with the observation's token. LW_EINVAL without a token.
 */
int lw_coap_request_token(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                          struct lw_coap_msg *req, uint32_t timeout_ms, lw_coap_response_cb cb,
                          void *arg, struct lw_coap_exchange **handle);
/* Installs (or, with fn NULL, removes) the hook for unmatched responses. */
void lw_coap_set_unmatched(struct lw_coap_engine *e, lw_coap_unmatched_fn fn, void *ctx);
/* Forgets an exchange without calling its callback. */
void lw_coap_cancel(struct lw_coap_engine *e, struct lw_coap_exchange *x);

/* Internal to the engine's files. Returns what ep->send returned. */
int lw_coap_engine_send(struct lw_coap_engine *e, struct lw_coap_peer *p, const uint8_t *buf,
                         size_t len);
uint16_t lw_coap_engine_next_mid(struct lw_coap_peer *p);

#endif
