/*
 * tests/unit/test_worker.c: the worker pool (core/worker.c).
 *
 * Where things run (work off the calling thread, done on the thread that
 * completes: the loop's, or the test's when there is no loop), the bound of
 * the queue (filled deterministically behind a gate that holds the only
 * worker), draining on stop, and submissions racing from several threads.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "loop.h"
#include "lwm2m/error.h"
#include "worker.h"

static struct lw_worker_pool pool;
static pthread_t main_thread;

static void setup(void)
{
	main_thread = pthread_self();
}

static void teardown(void)
{
	th_check_leaks();
}

TestSuite(worker, .init = setup, .fini = teardown);

/* One job's record of where and how often its halves ran. */
struct job {
	int id;
	atomic_int worked;
	atomic_int done;
	int status;
	pthread_t work_thread, done_thread;
};

static atomic_int order_seq;
static int work_order[4096];

static void job_work(void *arg)
{
	struct job *j = arg;

	j->work_thread = pthread_self();
	int k = atomic_fetch_add(&order_seq, 1);
	if (k < 4096)
		work_order[k] = j->id;
	atomic_fetch_add(&j->worked, 1);
}

static atomic_int dones;
static void job_done(void *arg, int status)
{
	struct job *j = arg;

	cr_assert_eq(atomic_load(&j->worked), 1, "done of job %d before its work", j->id);
	j->done_thread = pthread_self();
	j->status = status;
	atomic_fetch_add(&j->done, 1);
	atomic_fetch_add(&dones, 1);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* Runs completions by hand until want dones arrived (at most ~5 s). */
static void complete_until(int want)
{
	for (int i = 0; i < 5000 && atomic_load(&dones) < want; i++) {
		lw_worker_pool_complete(&pool);
		if (atomic_load(&dones) < want)
			sleep_ms(1);
	}
	cr_assert_eq(atomic_load(&dones), want, "completions did not arrive");
}

static void assert_ran_once_here(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++) {
		cr_assert_eq(atomic_load(&jobs[i].worked), 1, "job %d worked %d times", i,
		             atomic_load(&jobs[i].worked));
		cr_assert_eq(atomic_load(&jobs[i].done), 1, "job %d done %d times", i,
		             atomic_load(&jobs[i].done));
		cr_assert_eq(jobs[i].status, 0);
		cr_assert_not(pthread_equal(jobs[i].work_thread, main_thread),
		              "job %d worked on the submitting thread", i);
		cr_assert(pthread_equal(jobs[i].done_thread, main_thread),
		          "job %d done ran off the completing thread", i);
	}
}

Test(worker, work_off_thread_done_on_completing_thread)
{
	enum { N = 50 };
	static struct job jobs[N];

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 3, 100), 0);
	for (int i = 0; i < N; i++) {
		jobs[i].id = i;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &jobs[i]), 0);
	}
	complete_until(N);
	assert_ran_once_here(jobs, N);
	cr_assert_eq(pool.submitted, N);
	cr_assert_eq(pool.completed, N);
	lw_worker_pool_stop(&pool);
	cr_assert_eq(atomic_load(&dones), N, "stop runs no done twice");
}

Test(worker, jobs_start_in_submission_order)
{
	enum { N = 200 };
	static struct job jobs[N];

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 1, N), 0);
	for (int i = 0; i < N; i++) {
		jobs[i].id = i;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &jobs[i]), 0);
	}
	lw_worker_pool_stop(&pool);
	cr_assert_eq(atomic_load(&order_seq), N);
	for (int i = 0; i < N; i++)
		cr_assert_eq(work_order[i], i, "one worker runs jobs in submission order");
	assert_ran_once_here(jobs, N);
}

Test(worker, null_work_and_null_done)
{
	static struct job j = {.id = 1};

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 1, 4), 0);
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, NULL, &j), 0);
	atomic_store(&j.worked, 1); /* the next job's done checks worked == 1 */
	static struct job k = {.id = 2};
	atomic_store(&k.worked, 1);
	cr_assert_eq(lw_worker_pool_submit(&pool, NULL, job_done, &k), 0);
	lw_worker_pool_stop(&pool);
	cr_assert_eq(atomic_load(&k.done), 1);
	cr_assert_eq(pool.completed, 2);
}

/* ---- with a real loop ---- */

struct loop_ctx {
	struct lw_loop *loop;
	int want;
	int timed_out;
};
static struct loop_ctx lctx;

static void loop_done(void *arg, int status)
{
	job_done(arg, status);
	if (atomic_load(&dones) == lctx.want)
		lw_loop_break(lctx.loop);
}

static void on_deadline(struct lw_timer *t, void *arg)
{
	lctx.timed_out = 1;
	lw_loop_break(lctx.loop);
}

Test(worker, done_runs_on_the_loop_thread)
{
	enum { N = 64 };
	static struct job jobs[N];
	struct lw_loop loop;
	struct lw_timer deadline;

	cr_assert_eq(lw_loop_init(&loop), 0);
	lctx = (struct loop_ctx){&loop, N, 0};
	cr_assert_eq(lw_worker_pool_start(&pool, loop.base, 2, N), 0);
	lw_timer_init(&deadline, on_deadline, NULL);
	cr_assert_eq(lw_timer_in(&loop.timers, &deadline, 5000), 0);
	for (int i = 0; i < N; i++) {
		jobs[i].id = i;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, loop_done, &jobs[i]), 0);
	}
	cr_assert_eq(lw_loop_run(&loop), 0);
	cr_assert_not(lctx.timed_out, "the loop never ran the completions (%d of %d)",
	              atomic_load(&dones), N);
	assert_ran_once_here(jobs, N);
	lw_timer_cancel(&loop.timers, &deadline);
	lw_worker_pool_stop(&pool);
	lw_loop_free(&loop);
	cr_assert_eq(atomic_load(&dones), N);
}

/* ---- the bound ---- */

/* A gate that holds the only worker inside a job until the test opens it. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_entered, gate_open;

static void gate_work(void *arg)
{
	pthread_mutex_lock(&gate_mu);
	gate_entered = 1;
	pthread_cond_broadcast(&gate_cv);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	job_work(arg);
}

static void wait_gate_entered(void)
{
	pthread_mutex_lock(&gate_mu);
	while (!gate_entered)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
}

static void open_gate(void)
{
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

Test(worker, full_queue_answers_eagain)
{
	enum { MAX = 16 };
	static struct job held = {.id = 100}, queued[MAX], refused = {.id = 200};

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 1, MAX), 0);
	cr_assert_eq(lw_worker_pool_submit(&pool, gate_work, job_done, &held), 0);
	wait_gate_entered(); /* the worker holds it: the queue is empty again */
	for (int i = 0; i < MAX; i++) {
		queued[i].id = i;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &queued[i]), 0,
		             "job %d of %d refused", i, MAX);
	}
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &refused), LW_EAGAIN);
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &refused), LW_EAGAIN);
	cr_assert_eq(pool.refused, 2);
	cr_assert_eq(pool.queued, MAX);

	open_gate();
	complete_until(MAX + 1);
	/* Room again once the queue moved. */
	static struct job later = {.id = 300};
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &later), 0);
	lw_worker_pool_stop(&pool);
	cr_assert_eq(atomic_load(&held.done), 1);
	assert_ran_once_here(queued, MAX);
	cr_assert_eq(atomic_load(&later.done), 1);
	cr_assert_eq(atomic_load(&refused.worked), 0, "a refused job never runs");
	cr_assert_eq(atomic_load(&refused.done), 0);
}

/* ---- stopping ---- */

Test(worker, stop_drains_every_accepted_job)
{
	enum { N = 500 };
	static struct job jobs[N];

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 2, N), 0);
	/* Hold one worker so that most jobs are still queued when stop begins. */
	static struct job held = {.id = -1};
	cr_assert_eq(lw_worker_pool_submit(&pool, gate_work, job_done, &held), 0);
	wait_gate_entered(); /* held runs, so the queue has room for all N */
	for (int i = 0; i < N; i++) {
		jobs[i].id = i;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &jobs[i]), 0);
	}
	open_gate();
	lw_worker_pool_stop(&pool);
	/* Nothing was completed by hand: stop ran every done, on this thread. */
	assert_ran_once_here(jobs, N);
	cr_assert_eq(atomic_load(&held.done), 1);
	cr_assert_eq(atomic_load(&dones), N + 1);
}

/* A done that submits a follow-up (a write after a read): stop runs it too. */
static struct job followups[3];
static void chain_done(void *arg, int status)
{
	struct job *j = arg;

	job_done(arg, status);
	if (j->id < 2) {
		followups[j->id + 1].id = j->id + 1;
		cr_assert_eq(lw_worker_pool_submit(&pool, job_work, chain_done,
		                                   &followups[j->id + 1]),
		             0, "a submit from a done while stopping");
	}
}

Test(worker, stop_runs_jobs_submitted_by_completions)
{
	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 2, 8), 0);
	followups[0].id = 0;
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, chain_done, &followups[0]), 0);
	lw_worker_pool_stop(&pool);
	assert_ran_once_here(followups, 3);
}

Test(worker, submit_after_stop_is_cancelled)
{
	static struct job j = {.id = 1};

	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 2, 8), 0);
	lw_worker_pool_stop(&pool);
	cr_assert_eq(lw_worker_pool_submit(&pool, job_work, job_done, &j), LW_ECANCELED);
	cr_assert_eq(atomic_load(&j.worked), 0);
	cr_assert_eq(atomic_load(&j.done), 0);
	lw_worker_pool_stop(&pool); /* a second stop is harmless */
}

/* ---- several submitting threads ---- */

enum { SUBMITTERS = 4, PER_THREAD = 1500 };
static struct job many[SUBMITTERS][PER_THREAD];
static atomic_int eagain;

static void *submitter(void *arg)
{
	struct job *jobs = arg;

	for (int i = 0; i < PER_THREAD; i++) {
		int rc;
		while ((rc = lw_worker_pool_submit(&pool, job_work, job_done, &jobs[i])) ==
		       LW_EAGAIN) {
			atomic_fetch_add(&eagain, 1);
			sched_yield();
		}
		if (rc != 0)
			return (void *)1;
	}
	return NULL;
}

Test(worker, many_jobs_from_several_threads)
{
	pthread_t th[SUBMITTERS];

	/* A small queue, so that back-pressure is part of the race. */
	cr_assert_eq(lw_worker_pool_start(&pool, NULL, 2, 32), 0);
	for (int t = 0; t < SUBMITTERS; t++) {
		for (int i = 0; i < PER_THREAD; i++)
			many[t][i].id = t * PER_THREAD + i;
		cr_assert_eq(pthread_create(&th[t], NULL, submitter, many[t]), 0);
	}
	/* Meanwhile this thread is the loop: it runs completions as they come. */
	complete_until(SUBMITTERS * PER_THREAD);
	for (int t = 0; t < SUBMITTERS; t++) {
		void *ret;
		cr_assert_eq(pthread_join(th[t], &ret), 0);
		cr_assert_null(ret, "a submitter got an error other than LW_EAGAIN");
	}
	lw_worker_pool_stop(&pool);
	for (int t = 0; t < SUBMITTERS; t++)
		assert_ran_once_here(many[t], PER_THREAD);
	cr_assert_eq(pool.submitted, SUBMITTERS * PER_THREAD);
	cr_assert_eq(pool.completed, SUBMITTERS * PER_THREAD);
	cr_assert_eq(pool.refused, (unsigned long long)atomic_load(&eagain));
}
