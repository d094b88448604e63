/*
 * worker.h: the pool of threads that runs blocking jobs off the loop.
 *
 * A job's work runs on a worker thread; its done runs back on the loop thread,
 * woken through one eventfd. The queue is bounded: a full queue answers
 * LW_EAGAIN instead of growing without limit (back-pressure). Stopping drains:
 * every job already accepted runs and completes, so nothing submitted is lost.
 */
#ifndef LW_CORE_WORKER_H
#define LW_CORE_WORKER_H

#include <pthread.h>
#include <stddef.h>

#include "lwm2m/plugin.h"

struct event_base;
struct event;
struct lw_job;

struct lw_worker_pool {
	pthread_t *threads;
	int n_threads;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* signals workers: a job or stop */
	pthread_cond_t idle_cv; /* signals the drainer: a job finished */
	struct lw_job *head, *tail;         /* waiting to run */
	struct lw_job *done_head, *done_tail; /* finished, done() not yet run */
	size_t queued, max_queued, running;
	int stopping, accepting;
	int efd;
	struct event *ev;
	/* counters for metrics */
	unsigned long long submitted, completed, refused;
};

int lw_worker_pool_start(struct lw_worker_pool *p, struct event_base *base, int threads,
                         size_t max_queued);
int lw_worker_pool_submit(struct lw_worker_pool *p, lw_work_fn work, lw_done_fn done, void *arg);
/* Runs completions now (the eventfd callback; also used by tests). */
void lw_worker_pool_complete(struct lw_worker_pool *p);
/* Drains every accepted job (completions included), then joins the threads. */
void lw_worker_pool_stop(struct lw_worker_pool *p);

#endif
