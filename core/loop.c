/* loop.c: the event base and the bridge from the timer heap to libevent. */
#include "loop.h"

#include <event2/event.h>
#include <event2/thread.h>

#include "lwm2m/error.h"

static void arm(struct lw_loop *l, uint64_t due)
{
	uint64_t now = lw_timers_now(&l->timers);
	uint64_t delay = due > now ? due - now : 0;
	struct timeval tv = {(time_t)(delay / 1000), (suseconds_t)(delay % 1000) * 1000};
	evtimer_add(l->timer_ev, &tv);
	l->armed_due = due;
}

static void on_wake(void *ctx, uint64_t due)
{
	struct lw_loop *l = ctx;
	if (due < l->armed_due)
		arm(l, due);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct lw_loop *l = arg;
	l->armed_due = UINT64_MAX;
	lw_loop_batch_begin(l);
	lw_timers_run(&l->timers, lw_timers_now(&l->timers));
	lw_loop_batch_end(l);
	uint64_t next = lw_timers_next(&l->timers);
	if (next != UINT64_MAX)
		arm(l, next);
}

int lw_loop_init(struct lw_loop *l)
{
	evthread_use_pthreads();
	struct event_config *ec = event_config_new();
	if (!ec)
		return LW_ENOMEM;
	/* Our timers are ms-grained; skip libevent's per-iteration clock cache games. */
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	l->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (!l->base)
		return LW_ENOMEM;
	lw_timers_init(&l->timers, lw_clock_monotonic_ms, NULL);
	l->timers.wake = on_wake;
	l->timers.wake_ctx = l;
	l->armed_due = UINT64_MAX;
	l->timer_ev = evtimer_new(l->base, on_timer, l);
	return l->timer_ev ? 0 : LW_ENOMEM;
}

void lw_loop_free(struct lw_loop *l)
{
	if (l->timer_ev)
		event_free(l->timer_ev);
	lw_timers_free(&l->timers);
	if (l->base)
		event_base_free(l->base);
	l->base = NULL;
	l->timer_ev = NULL;
}

int lw_loop_run(struct lw_loop *l)
{
	return event_base_dispatch(l->base) < 0 ? LW_EIO : 0;
}

void lw_loop_break(struct lw_loop *l)
{
	event_base_loopbreak(l->base);
}

void lw_loop_set_batcher(struct lw_loop *l, void (*begin)(void *ctx), void (*end)(void *ctx),
                         void *ctx)
{
	l->batch_begin = begin;
	l->batch_end = end;
	l->batch_ctx = ctx;
}

void lw_loop_batch_begin(struct lw_loop *l)
{
	if (l->batch_begin)
		l->batch_begin(l->batch_ctx);
}

void lw_loop_batch_end(struct lw_loop *l)
{
	if (l->batch_end)
		l->batch_end(l->batch_ctx);
}
