/* timer.c: the binary min-heap behind every core timer (see timer.h). */
#include "timer.h"

#include <stdlib.h>
#include <time.h>

#include "lwm2m/error.h"

uint64_t lw_clock_monotonic_ms(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void lw_timers_init(struct lw_timers *ts, uint64_t (*clock)(void *), void *clock_ctx)
{
	ts->heap = NULL;
	ts->n = ts->cap = 0;
	ts->clock = clock ? clock : lw_clock_monotonic_ms;
	ts->clock_ctx = clock_ctx;
	ts->wake = NULL;
	ts->wake_ctx = NULL;
}

void lw_timers_free(struct lw_timers *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		ts->heap[i]->slot = 0;
	free(ts->heap);
	ts->heap = NULL;
	ts->n = ts->cap = 0;
}

void lw_timer_init(struct lw_timer *t, lw_timer_cb cb, void *arg)
{
	t->due = 0;
	t->slot = 0;
	t->cb = cb;
	t->arg = arg;
}

static void place(struct lw_timers *ts, size_t i, struct lw_timer *t)
{
	ts->heap[i] = t;
	t->slot = (uint32_t)i + 1;
}

static void sift_up(struct lw_timers *ts, size_t i)
{
	struct lw_timer *t = ts->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (ts->heap[parent]->due <= t->due)
			break;
		place(ts, i, ts->heap[parent]);
		i = parent;
	}
	place(ts, i, t);
}

static void sift_down(struct lw_timers *ts, size_t i)
{
	struct lw_timer *t = ts->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= ts->n)
			break;
		if (c + 1 < ts->n && ts->heap[c + 1]->due < ts->heap[c]->due)
			c++;
		if (ts->heap[c]->due >= t->due)
			break;
		place(ts, i, ts->heap[c]);
		i = c;
	}
	place(ts, i, t);
}

void lw_timer_cancel(struct lw_timers *ts, struct lw_timer *t)
{
	if (!t->slot)
		return;
	size_t i = t->slot - 1;
	t->slot = 0;
	struct lw_timer *last = ts->heap[--ts->n];
	if (last == t)
		return;
	place(ts, i, last);
	if (i > 0 && ts->heap[(i - 1) / 2]->due > last->due)
		sift_up(ts, i);
	else
		sift_down(ts, i);
}

int lw_timer_at(struct lw_timers *ts, struct lw_timer *t, uint64_t due)
{
	uint64_t before = lw_timers_next(ts);
	lw_timer_cancel(ts, t);
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? ts->cap * 2 : 64;
		struct lw_timer **h = realloc(ts->heap, cap * sizeof(*h));
		if (!h)
			return LW_ENOMEM;
		ts->heap = h;
		ts->cap = cap;
	}
	t->due = due;
	place(ts, ts->n++, t);
	sift_up(ts, ts->n - 1);
	if (due < before && ts->wake)
		ts->wake(ts->wake_ctx, due);
	return 0;
}

int lw_timer_in(struct lw_timers *ts, struct lw_timer *t, uint64_t delay_ms)
{
	return lw_timer_at(ts, t, lw_timers_now(ts) + delay_ms);
}

uint64_t lw_timers_next(const struct lw_timers *ts)
{
	return ts->n ? ts->heap[0]->due : UINT64_MAX;
}

size_t lw_timers_run(struct lw_timers *ts, uint64_t now)
{
	size_t fired = 0;
	while (ts->n && ts->heap[0]->due <= now) {
		struct lw_timer *t = ts->heap[0];
		lw_timer_cancel(ts, t);
		t->cb(t, t->arg);
		fired++;
	}
	return fired;
}
