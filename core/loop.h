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
};

int lw_loop_init(struct lw_loop *l);
void lw_loop_free(struct lw_loop *l);
/* Runs until lw_loop_break(). */
int lw_loop_run(struct lw_loop *l);
void lw_loop_break(struct lw_loop *l);

#endif
