/*
 * tests/unit/ops_harness.h: what test_ops.c and test_observe.c share: a real
 * CoAP engine on a fake clock with a capture endpoint, the registry and the
 * registration interface, a real event bus, the operation layer with Send,
 * the built-in object model, and the codec plugins' own code registered as
 * the plugins would. Devices are played by hand: the tests build their
 * datagrams and read back what the engine sent.
 */
#ifndef LW_TESTS_OPS_HARNESS_H
#define LW_TESTS_OPS_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "coap/engine.h"
#include "coap/message.h"
#include "lwm2m/codec.h"
#include "lwm2m/ops.h"
#include "lwm2m/registry.h"

#define OH_PORT_A 41001
#define OH_PORT_B 41002
#define OH_PORT_C 41003

extern uint64_t oh_now;
extern struct lw_timers oh_timers;
extern struct lw_coap_engine oh_eng;
extern struct lw_registry oh_reg;
extern struct lw_operations oh_ops;

/* Every datagram the engine sent, in order. */
#define OH_MAX_SENT 256
struct oh_dgram {
	uint8_t buf[1500];
	size_t len;
	uint16_t port;
};
extern struct oh_dgram oh_sent[OH_MAX_SENT];
extern size_t oh_n_sent;

#define OH_MAX_EVENTS 256
struct oh_event {
	int kind;
	char ep[64];
	char json[4096];
};
extern struct oh_event oh_events[OH_MAX_EVENTS];
extern size_t oh_n_events;

/* The results the callback oh_result_cb got, in order. */
#define OH_MAX_RESULTS 128
struct oh_result {
	uint64_t id;
	int kind, status, cf;
	uint8_t code;
	char path[32];
	char records[2048]; /* records as JSON, "" when none */
	char links[1024];   /* links as JSON, "" when none */
	char location[64];
	char message[200];
};
extern struct oh_result oh_results[OH_MAX_RESULTS];
extern size_t oh_n_results;
void oh_result_cb(void *arg, const struct lw_op_result *r);

void oh_start(void);
void oh_stop(void);
/* Moves the fake clock to t (ms), firing each timer at its due time. */
void oh_advance_to(uint64_t t);
void oh_advance(uint64_t ms);

/* Feeds one datagram from 127.0.0.1:port. */
void oh_input(uint16_t port, const uint8_t *buf, size_t len);
/*
 * Registers ep from port with the query parts given ("lwm2m=1.1", "b=UQ",
 * NULL-terminated) and the link-format object list; checks the 2.01 and
 * writes the registration id into id (LW_REG_ID_LEN + 1 bytes).
 */
void oh_register(uint16_t port, const char *ep, const char *const *query, const char *links,
                 char *id);
/* Update (POST /rd/id, no payload) and De-register (DELETE /rd/id). */
void oh_update(uint16_t port, const char *id);
void oh_deregister(uint16_t port, const char *id);

/*
 * The i-th sent datagram parsed (negative i counts from the end). The
 * message points into oh_sent, valid until the next send.
 */
void oh_parse_sent(long i, struct lw_coap_msg *m);
/* "/3/0/1": the Uri-Path of m; "?a&b" query appended when with_query. */
void oh_uri(const struct lw_coap_msg *m, char *out, size_t cap, int with_query);
/* An option's uint value, or -1 when absent. */
long oh_opt(const struct lw_coap_msg *m, uint16_t number);

/*
 * Answers the request req by piggybacking on the ACK: code, Content-Format
 * cf (-1: none), Observe obs (-1: none), a Location-Path (NULL: none) and a
 * payload.
 */
void oh_answer(uint16_t port, const struct lw_coap_msg *req, uint8_t code, int cf, long obs,
               const char *location, const void *payload, size_t len);
/* A notification: a CON or NON 2.05 with req's token and Observe seq. */
void oh_notify(uint16_t port, const struct lw_coap_msg *req, int con, uint16_t mid, long seq,
               int cf, const void *payload, size_t len);

/* Encodes records (one path/type/value each given as text by oh_rec_*) with
 * the codec of cf against base into out; returns the length. */
size_t oh_encode(int cf, const lw_path *base, const lw_records *recs, uint8_t *out, size_t cap);
lw_path oh_path(const char *s);

/* Counts events of kind; the n-th (0-based) of that kind, or NULL. */
size_t oh_count_events(int kind);
const struct oh_event *oh_event_of(int kind, size_t n);

#endif
