/*
 * coap/exchange.h: messages the engine sent and still tracks: its requests
 * (awaiting a response) and its CON separate responses (awaiting an ACK).
 * A CON is retransmitted with randomised exponential back-off until ACK/RST
 * or MAX_RETRANSMIT; at most NSTART CONs per peer are outstanding, the others
 * wait in the peer's queue in order.
 */
#ifndef LW_COAP_EXCHANGE_H
#define LW_COAP_EXCHANGE_H

#include "coap/engine.h"

/* Sends msg (already encoded, mid not yet set) reliably; see lw_coap_request. */
int lw_coap_exchange_start(struct lw_coap_engine *e, struct lw_coap_peer *p, uint8_t *msg,
                           size_t len, int expects_response, uint32_t timeout_ms,
                           lw_coap_response_cb cb, void *arg, struct lw_coap_exchange **handle);
/* An ACK or RST for one of our CONs. Returns 1 if it matched. */
int lw_coap_exchange_on_ack(struct lw_coap_engine *e, struct lw_coap_peer *p,
                            const struct lw_coap_msg *m);
/* A CON/NON response: matched by token. Returns 1 if it matched. */
int lw_coap_exchange_on_response(struct lw_coap_engine *e, struct lw_coap_peer *p,
                                 const struct lw_coap_msg *m);
void lw_coap_exchanges_cancel_all(struct lw_coap_engine *e);
/* Reliable transports: p's connection is gone, so its requests end with
 * LW_EIO at the next timer tick (not from inside the caller). */
void lw_coap_exchanges_fail_peer(struct lw_coap_engine *e, struct lw_coap_peer *p);

#endif
