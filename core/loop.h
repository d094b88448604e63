/*
 * loop.h: the one libevent base that owns all core state, and the bridge that
 * lets the core's timer heap (timer.h) wake it with a single libevent timer.
 */
#ifndef LW_CORE_LOOP_H
#define LW_CORE_LOOP_H

#include "timer.h"

struct event_base;
struct event;

struct lw_loop {
	struct event_base *base;
	struct event *timer_ev;
	struct lw_timers timers;
	uint64_t armed_due; /* when timer_ev is set to fire; UINT64_MAX if not */
	/* the batcher: what a pass of many sends brackets (lw_loop_batch_*) */
	void (*batch_begin)(void *ctx);
	void (*batch_end)(void *ctx);
	void *batch_ctx;
};

int lw_loop_init(struct lw_loop *l);
void lw_loop_free(struct lw_loop *l);
/* Runs until lw_loop_break(). */
int lw_loop_run(struct lw_loop *l);
void lw_loop_break(struct lw_loop *l);
/*
 * A pass that may send many datagrams (a run of timers, a run of REST jobs)
 * brackets itself with these, so that the datagrams leave in a few sendmmsg
 * calls at its end rather than one sendto each. The CoAP UDP endpoint is the
 * batcher; without one they do nothing.
 */
void lw_loop_set_batcher(struct lw_loop *l, void (*begin)(void *ctx), void (*end)(void *ctx),
                         void *ctx);
void lw_loop_batch_begin(struct lw_loop *l);
void lw_loop_batch_end(struct lw_loop *l);

#endif
