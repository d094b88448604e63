/*
 * timer.h: every timer of the core in one binary min-heap. Arm and cancel are
 * O(log n), so a million devices' timers cost no more per operation than a few;
 * the loop keeps one libevent timer set to the earliest deadline.
 * Time is milliseconds from a clock the owner supplies, so tests can drive the
 * heap with a fake clock.
 */
#ifndef LW_CORE_TIMER_H
#define LW_CORE_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct lw_timer;
typedef void (*lw_timer_cb)(struct lw_timer *t, void *arg);

struct lw_timer {
	uint64_t due;  /* ms on the heap's clock */
	uint32_t slot; /* heap index + 1; 0 when not armed */
	lw_timer_cb cb;
	void *arg;
};

struct lw_timers {
	struct lw_timer **heap;
	size_t n, cap;
	uint64_t (*clock)(void *ctx); /* now in ms */
	void *clock_ctx;
	/* Called when the earliest deadline moves earlier (the loop re-arms). */
	void (*wake)(void *ctx, uint64_t due);
	void *wake_ctx;
};

void lw_timers_init(struct lw_timers *ts, uint64_t (*clock)(void *), void *clock_ctx);
void lw_timers_free(struct lw_timers *ts);
static inline uint64_t lw_timers_now(const struct lw_timers *ts)
{
	return ts->clock(ts->clock_ctx);
}

void lw_timer_init(struct lw_timer *t, lw_timer_cb cb, void *arg);
/* Arms (or re-arms) t to fire at due. 0 or LW_ENOMEM. */
int lw_timer_at(struct lw_timers *ts, struct lw_timer *t, uint64_t due);
/* Arms t to fire delay_ms from now. */
int lw_timer_in(struct lw_timers *ts, struct lw_timer *t, uint64_t delay_ms);
void lw_timer_cancel(struct lw_timers *ts, struct lw_timer *t);
static inline int lw_timer_armed(const struct lw_timer *t)
{
	return t->slot != 0;
}
/* The earliest deadline, or UINT64_MAX when nothing is armed. */
uint64_t lw_timers_next(const struct lw_timers *ts);
/* Fires every timer due at or before now (callbacks may arm timers). Returns how many. */
size_t lw_timers_run(struct lw_timers *ts, uint64_t now);

/* CLOCK_MONOTONIC in ms: the clock of the daemon's heap. */
uint64_t lw_clock_monotonic_ms(void *ctx);

#endif
