/*
 * tests/unit/test_timer.c: the timer heap (core/timer.c) on a fake clock.
 *
 * The heap is checked against the simplest possible model: fire order must
 * be the sorted order of deadlines, and after any mix of arm, re-arm and
 * cancel the heap must still be a heap whose slots point back at it.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lwm2m/error.h"
#include "timer.h"

static uint64_t fake_now;
static uint64_t fake_clock(void *ctx)
{
	cr_assert_eq(ctx, &fake_now, "the clock gets its context");
	return fake_now;
}

static struct lw_timers ts;

/* What fired, in order. */
static struct lw_timer *fired[4096];
static uint64_t fired_at[4096];
static size_t n_fired;

static void record(struct lw_timer *t, void *arg)
{
	cr_assert_lt(n_fired, sizeof(fired) / sizeof(fired[0]));
	cr_assert_eq(arg, t, "callback gets its own arg");
	cr_assert_not(lw_timer_armed(t), "a firing timer is disarmed first");
	fired_at[n_fired] = t->due;
	fired[n_fired++] = t;
}

static void setup(void)
{
	fake_now = 1000;
	n_fired = 0;
	lw_timers_init(&ts, fake_clock, &fake_now);
}

static void teardown(void)
{
	lw_timers_free(&ts);
	th_check_leaks();
}

TestSuite(timer, .init = setup, .fini = teardown);

/* Deterministic pseudo-random numbers (xorshift64*), the same on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1du;
}

/* The heap property, and every slot pointing back at its place. */
static void assert_heap(void)
{
	for (size_t i = 0; i < ts.n; i++) {
		cr_assert_eq(ts.heap[i]->slot, i + 1, "slot of heap[%zu]", i);
		if (i > 0)
			cr_assert_leq(ts.heap[(i - 1) / 2]->due, ts.heap[i]->due, "heap order at %zu", i);
	}
}

static void init_all(struct lw_timer *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lw_timer_init(&t[i], record, &t[i]);
}

Test(timer, random_deadlines_fire_in_order)
{
	enum { N = 2000 };
	static struct lw_timer t[N];
	size_t due_le_5000 = 0;

	init_all(t, N);
	for (size_t i = 0; i < N; i++) {
		uint64_t due = 1000 + rnd() % 10000; /* duplicates are likely */
		due_le_5000 += due <= 5000;
		cr_assert_eq(lw_timer_at(&ts, &t[i], due), 0);
		cr_assert(lw_timer_armed(&t[i]));
	}
	assert_heap();
	cr_assert_eq(ts.n, N);

	/* Partial run: exactly the timers due by then. */
	cr_assert_eq(lw_timers_run(&ts, 5000), due_le_5000);
	cr_assert_eq(n_fired, due_le_5000);
	for (size_t i = 0; i < n_fired; i++)
		cr_assert_leq(fired_at[i], 5000);
	cr_assert_gt(lw_timers_next(&ts), 5000);
	assert_heap();

	cr_assert_eq(lw_timers_run(&ts, UINT64_MAX - 1), N - due_le_5000);
	cr_assert_eq(n_fired, N);
	for (size_t i = 1; i < N; i++)
		cr_assert_leq(fired_at[i - 1], fired_at[i], "fire order at %zu", i);
	/* Each fired exactly once. */
	for (size_t i = 0; i < N; i++)
		cr_assert_not(lw_timer_armed(&t[i]));
	char *once = calloc(N, 1);
	for (size_t i = 0; i < N; i++) {
		size_t k = (size_t)(fired[i] - t);
		cr_assert_lt(k, N);
		cr_assert_eq(once[k], 0, "timer %zu fired twice", k);
		once[k] = 1;
	}
	free(once);
	cr_assert_eq(lw_timers_next(&ts), UINT64_MAX);
	cr_assert_eq(lw_timers_run(&ts, UINT64_MAX), 0);
}

Test(timer, cancel_from_the_middle)
{
	enum { N = 300 };
	static struct lw_timer t[N];

	init_all(t, N);
	for (size_t i = 0; i < N; i++)
		cr_assert_eq(lw_timer_at(&ts, &t[i], 2000 + (rnd() % 500)), 0);
	/* Cancel every third timer: most of them sit inside the heap, not at an end. */
	for (size_t i = 0; i < N; i += 3) {
		lw_timer_cancel(&ts, &t[i]);
		cr_assert_not(lw_timer_armed(&t[i]));
		assert_heap();
	}
	lw_timer_cancel(&ts, &t[0]); /* twice: no-op */
	assert_heap();
	cr_assert_eq(ts.n, N - (N + 2) / 3);

	lw_timers_run(&ts, UINT64_MAX - 1);
	cr_assert_eq(n_fired, N - (N + 2) / 3);
	for (size_t i = 0; i < n_fired; i++) {
		cr_assert_neq((fired[i] - t) % 3, 0, "cancelled timer %td fired", fired[i] - t);
		if (i)
			cr_assert_leq(fired_at[i - 1], fired_at[i]);
	}
}

Test(timer, cancel_of_an_unarmed_timer_is_harmless)
{
	struct lw_timer a, b;

	lw_timer_init(&a, record, &a);
	lw_timer_init(&b, record, &b);
	lw_timer_cancel(&ts, &a);
	cr_assert_eq(lw_timer_at(&ts, &b, 1500), 0);
	lw_timer_cancel(&ts, &a);
	cr_assert_eq(ts.n, 1);
	cr_assert_eq(lw_timers_next(&ts), 1500);
}

Test(timer, rearm_earlier_and_later)
{
	struct lw_timer a, b, c;

	lw_timer_init(&a, record, &a);
	lw_timer_init(&b, record, &b);
	lw_timer_init(&c, record, &c);
	cr_assert_eq(lw_timer_at(&ts, &a, 100), 0);
	cr_assert_eq(lw_timer_at(&ts, &b, 200), 0);
	cr_assert_eq(lw_timer_at(&ts, &c, 300), 0);
	cr_assert_eq(lw_timers_next(&ts), 100);

	cr_assert_eq(lw_timer_at(&ts, &c, 50), 0); /* last becomes first */
	cr_assert_eq(lw_timers_next(&ts), 50);
	cr_assert_eq(lw_timer_at(&ts, &a, 400), 0); /* first becomes last */
	cr_assert_eq(ts.n, 3, "re-arming does not add a second entry");
	assert_heap();
	cr_assert_eq(lw_timer_at(&ts, &b, 200), 0); /* same deadline again */
	cr_assert_eq(ts.n, 3);

	cr_assert_eq(lw_timers_run(&ts, 1000), 3);
	cr_assert_eq(fired[0], &c);
	cr_assert_eq(fired[1], &b);
	cr_assert_eq(fired[2], &a);
	cr_assert_eq(fired_at[2], 400);
}

Test(timer, random_operations_keep_the_heap_valid)
{
	enum { N = 256, OPS = 20000 };
	static struct lw_timer t[N];
	static uint64_t model[N]; /* deadline, or 0 when not armed */

	init_all(t, N);
	for (int op = 0; op < OPS; op++) {
		size_t i = rnd() % N;
		if (rnd() % 3 == 0) {
			lw_timer_cancel(&ts, &t[i]);
			model[i] = 0;
		} else {
			uint64_t due = 1 + rnd() % 100000;
			cr_assert_eq(lw_timer_at(&ts, &t[i], due), 0);
			model[i] = due;
		}
		if (op % 97 == 0)
			assert_heap();
		uint64_t min = UINT64_MAX;
		size_t armed = 0;
		for (size_t k = 0; k < N; k++) {
			if (model[k] && model[k] < min)
				min = model[k];
			armed += model[k] != 0;
		}
		cr_assert_eq(lw_timers_next(&ts), min, "op %d", op);
		cr_assert_eq(ts.n, armed, "op %d", op);
	}
	assert_heap();
	for (size_t k = 0; k < N; k++)
		cr_assert_eq(lw_timer_armed(&t[k]), model[k] != 0);
}

/* A callback that arms others: one due now (fires in the same run), one later. */
static struct lw_timer chain_now, chain_later, chain_first;
static void arm_others(struct lw_timer *t, void *arg)
{
	record(t, arg);
	cr_assert_eq(lw_timer_at(&ts, &chain_now, t->due), 0);
	cr_assert_eq(lw_timer_in(&ts, &chain_later, 50), 0);
}

Test(timer, callbacks_can_arm_timers)
{
	lw_timer_init(&chain_first, arm_others, &chain_first);
	lw_timer_init(&chain_now, record, &chain_now);
	lw_timer_init(&chain_later, record, &chain_later);
	cr_assert_eq(lw_timer_at(&ts, &chain_first, 1010), 0);

	fake_now = 1010;
	cr_assert_eq(lw_timers_run(&ts, fake_now), 2, "the timer armed for now fires in this run");
	cr_assert_eq(fired[0], &chain_first);
	cr_assert_eq(fired[1], &chain_now);
	cr_assert(lw_timer_armed(&chain_later));
	cr_assert_eq(lw_timers_next(&ts), 1060, "lw_timer_in counts from the heap's clock");
	cr_assert_eq(lw_timers_run(&ts, 1059), 0);
	cr_assert_eq(lw_timers_run(&ts, 1060), 1);
	cr_assert_eq(fired[2], &chain_later);
}

/* A periodic timer: its callback re-arms itself one period later. */
static int ticks;
static void tick(struct lw_timer *t, void *arg)
{
	ticks++;
	cr_assert_eq(lw_timer_at(&ts, t, t->due + 100), 0);
}

Test(timer, periodic_rearm_from_its_own_callback)
{
	struct lw_timer t;

	lw_timer_init(&t, tick, NULL);
	cr_assert_eq(lw_timer_in(&ts, &t, 100), 0);
	cr_assert_eq(t.due, 1100);
	cr_assert_eq(lw_timers_run(&ts, 1550), 5); /* 1100 .. 1500 */
	cr_assert_eq(ticks, 5);
	cr_assert_eq(lw_timers_next(&ts), 1600);
}

Test(timer, next_deadline)
{
	struct lw_timer a, b;

	cr_assert_eq(lw_timers_next(&ts), UINT64_MAX);
	lw_timer_init(&a, record, &a);
	lw_timer_init(&b, record, &b);
	cr_assert_eq(lw_timer_at(&ts, &a, 3000), 0);
	cr_assert_eq(lw_timers_next(&ts), 3000);
	cr_assert_eq(lw_timer_at(&ts, &b, 2000), 0);
	cr_assert_eq(lw_timers_next(&ts), 2000);
	lw_timer_cancel(&ts, &b);
	cr_assert_eq(lw_timers_next(&ts), 3000);
	lw_timer_cancel(&ts, &a);
	cr_assert_eq(lw_timers_next(&ts), UINT64_MAX);
	cr_assert_eq(lw_timers_now(&ts), 1000);
}

/* The wake hook: called only when the earliest deadline moves earlier. */
static uint64_t wakes[16];
static int n_wakes;
static void on_wake(void *ctx, uint64_t due)
{
	cr_assert_eq(ctx, &ts);
	cr_assert_lt(n_wakes, 16);
	cr_assert_eq(lw_timers_next(&ts), due, "the heap is updated before the wake");
	wakes[n_wakes++] = due;
}

Test(timer, wake_when_earliest_moves_earlier)
{
	struct lw_timer a, b, c;

	ts.wake = on_wake;
	ts.wake_ctx = &ts;
	lw_timer_init(&a, record, &a);
	lw_timer_init(&b, record, &b);
	lw_timer_init(&c, record, &c);

	cr_assert_eq(lw_timer_at(&ts, &a, 500), 0); /* first timer: earliest moves from never */
	cr_assert_eq(n_wakes, 1);
	cr_assert_eq(wakes[0], 500);
	cr_assert_eq(lw_timer_at(&ts, &b, 800), 0); /* later: no wake */
	cr_assert_eq(n_wakes, 1);
	cr_assert_eq(lw_timer_at(&ts, &c, 300), 0); /* earlier: wake */
	cr_assert_eq(n_wakes, 2);
	cr_assert_eq(wakes[1], 300);
	cr_assert_eq(lw_timer_at(&ts, &c, 250), 0); /* the earliest itself, earlier still */
	cr_assert_eq(n_wakes, 3);
	cr_assert_eq(wakes[2], 250);
	cr_assert_eq(lw_timer_at(&ts, &c, 900), 0); /* the earliest moves later: no wake */
	cr_assert_eq(n_wakes, 3);
	cr_assert_eq(lw_timer_at(&ts, &b, 500), 0); /* ties the earliest: no wake */
	cr_assert_eq(n_wakes, 3);
	lw_timer_cancel(&ts, &a);
	cr_assert_eq(n_wakes, 3, "cancel never wakes");
	fake_now = 2000;
	lw_timers_run(&ts, fake_now);
	cr_assert_eq(n_wakes, 3, "firing does not wake");
	cr_assert_eq(lw_timer_in(&ts, &a, 10), 0);
	cr_assert_eq(n_wakes, 4);
	cr_assert_eq(wakes[3], 2010);
}

Test(timer, free_disarms_everything)
{
	struct lw_timer t[10];

	init_all(t, 10);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(lw_timer_at(&ts, &t[i], (uint64_t)(100 * i)), 0);
	lw_timers_free(&ts);
	for (int i = 0; i < 10; i++)
		cr_assert_not(lw_timer_armed(&t[i]));
	cr_assert_eq(lw_timers_next(&ts), UINT64_MAX);
	/* The heap is usable again after free. */
	cr_assert_eq(lw_timer_at(&ts, &t[3], 7), 0);
	cr_assert_eq(lw_timers_run(&ts, 7), 1);
}

Test(timer, default_clock_is_monotonic_ms)
{
	struct lw_timers real;

	lw_timers_init(&real, NULL, NULL);
	uint64_t a = lw_timers_now(&real);
	uint64_t b = lw_clock_monotonic_ms(NULL);
	cr_assert_leq(a, b);
	cr_assert_lt(b - a, 1000);
	lw_timers_free(&real);
}
