/*
 * tests/unit/engine_rig.h: the socketless CoAP engine rig shared by the
 * engine, block-wise, registry and operation tests: a fake clock that only
 * moves when the test says so, a capture endpoint whose send hook is the
 * test's own (each test keeps what it needs of the datagrams), the walk of
 * the clock from timer deadline to timer deadline, and loopback addresses.
 *
 * The rig holds pointers to the test's own statics, so each test keeps its
 * names and the rig owns no state of its own.
 */
#ifndef LW_TESTS_ENGINE_RIG_H
#define LW_TESTS_ENGINE_RIG_H

#include <stddef.h>
#include <stdint.h>

#include "coap/engine.h"
#include "coap/peer.h"
#include "timer.h"

struct engine_rig {
	uint64_t *now;
	struct lw_timers *timers;
	struct lw_coap_engine *eng;
	struct lw_coap_endpoint *ep;
	/* Timer runs one advance may take before it counts as a runaway. */
	unsigned long max_runs;
};

/* The timers' clock: ctx is the uint64_t the test moves by hand. */
uint64_t er_fake_clock(void *ctx);

/*
 * Sets the clock to start, and brings up the timers, the capture endpoint
 * (named "capture", sending through send) and the engine with params (NULL:
 * the engine's defaults).
 */
void er_start(const struct engine_rig *r, uint64_t start, int (*send)(struct lw_coap_endpoint *,
	      const struct lw_coap_addr *, const uint8_t *, size_t),
	      const struct lw_coap_params *params);
/* Frees the engine and the timers, and clears the engine struct. */
void er_stop(const struct engine_rig *r);

/*
 * Moves the clock to t, stopping at every timer deadline on the way so that
 * each timer fires at exactly its due time, as on a real loop.
 */
void er_advance_to(const struct engine_rig *r, uint64_t t);

/* 127.0.0.1:port. */
struct lw_coap_addr er_addr4(uint16_t port);
/* Feeds one datagram from 127.0.0.1:port to the engine. */
void er_input(const struct engine_rig *r, uint16_t port, const uint8_t *buf, size_t len);
/* The engine's peer state for 127.0.0.1:port, or NULL. */
struct lw_coap_peer *er_peer_of(const struct engine_rig *r, uint16_t port);

/*
 * Under AddressSanitizer asserts nothing leaked so far: the report that
 * LeakSanitizer prints when a test process exits does not fail the test, an
 * assertion does. Does nothing in other builds.
 */
void er_check_leaks(void);

#endif
