/*
 * lwm2m/send.h: the Send operation's resource, /dp (LwM2M 1.1+ Information
 * Reporting): a registered client POSTs SenML JSON, SenML CBOR or LwM2M
 * CBOR data it chose to report; the server answers 2.04 Changed and
 * publishes a `send` event with the records.
 */
#ifndef LW_LWM2M_SEND_H
#define LW_LWM2M_SEND_H

struct lw_coap_engine;
struct lw_operations;

/* Adds /dp to e, feeding o's bus. 0 or LW_ENOMEM. */
int lw_send_attach(struct lw_coap_engine *e, struct lw_operations *o);
/* Removes /dp (the server stops before the engine). */
void lw_send_detach(struct lw_coap_engine *e);

#endif
