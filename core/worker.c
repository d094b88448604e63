/* worker.c: the worker pool (see worker.h). */
#include "worker.h"

#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lwm2m/error.h"
#include "lwm2m/log.h"

struct lw_job {
	lw_work_fn work;
	lw_done_fn done;
	void *arg;
	int status;
	struct lw_job *next;
};

static void wake_loop(struct lw_worker_pool *p)
{
	uint64_t one = 1;
	ssize_t w = write(p->efd, &one, sizeof(one));
	(void)w; /* EAGAIN means the counter is already non-zero: the loop will wake */
}

static void *worker_main(void *arg)
{
	struct lw_worker_pool *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break; /* stopping and nothing left */
		struct lw_job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);

		if (j->work)
			j->work(j->arg);

		pthread_mutex_lock(&p->mu);
		p->running--;
		j->next = NULL;
		int was_empty = p->done_head == NULL;
		if (p->done_tail)
			p->done_tail->next = j;
		else
			p->done_head = j;
		p->done_tail = j;
		if (was_empty)
			wake_loop(p);
		pthread_cond_broadcast(&p->idle_cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;
	ssize_t r = read(fd, &n, sizeof(n));
	(void)r;
	lw_worker_pool_complete(arg);
}

/* Undoes a partial start: joins the threads made so far, frees the rest. */
static void teardown(struct lw_worker_pool *p)
{
	pthread_mutex_lock(&p->mu);
	p->accepting = 0;
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->n_threads = 0;
	free(p->threads);
	p->threads = NULL;
	if (p->ev)
		event_free(p->ev);
	p->ev = NULL;
	if (p->efd >= 0)
		close(p->efd);
	p->efd = -1;
}

int lw_worker_pool_start(struct lw_worker_pool *p, struct event_base *base, int threads,
                         size_t max_queued)
{
	*p = (struct lw_worker_pool){0};
	p->max_queued = max_queued;
	/* The mutex and conditions outlive stop (never destroyed): a late submit
	 * must still be able to lock and hear LW_ECANCELED. */
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->idle_cv, NULL);
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		return LW_EIO;
	int rc = 0;
	if (base) {
		p->ev = event_new(base, p->efd, EV_READ | EV_PERSIST, on_wake, p);
		if (!p->ev || event_add(p->ev, NULL) < 0)
			rc = LW_ENOMEM;
	}
	p->threads = rc ? NULL : calloc((size_t)threads, sizeof(*p->threads));
	if (!p->threads)
		rc = LW_ENOMEM;
	for (int i = 0; !rc && i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
			lw_log(LW_LOG_ERROR, "worker pool: cannot start thread %d", i);
			rc = LW_EIO;
			break;
		}
		p->n_threads++;
	}
	if (rc) {
		teardown(p);
		return rc;
	}
	p->accepting = 1;
	return 0;
}

int lw_worker_pool_submit(struct lw_worker_pool *p, lw_work_fn work, lw_done_fn done, void *arg)
{
	struct lw_job *j = malloc(sizeof(*j));
	if (!j)
		return LW_ENOMEM;
	*j = (struct lw_job){work, done, arg, 0, NULL};
	pthread_mutex_lock(&p->mu);
	int rc = 0;
	if (!p->accepting)
		rc = LW_ECANCELED;
	else if (p->queued >= p->max_queued)
		rc = LW_EAGAIN;
	if (rc) {
		p->refused++;
		pthread_mutex_unlock(&p->mu);
		free(j);
		return rc;
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	p->submitted++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void lw_worker_pool_complete(struct lw_worker_pool *p)
{
	pthread_mutex_lock(&p->mu);
	struct lw_job *j = p->done_head;
	p->done_head = p->done_tail = NULL;
	pthread_mutex_unlock(&p->mu);
	while (j) {
		struct lw_job *next = j->next;
		if (j->done)
			j->done(j->arg, j->status);
		p->completed++;
		free(j);
		j = next;
	}
}

void lw_worker_pool_stop(struct lw_worker_pool *p)
{
	if (!p->threads)
		return;
	/* Drain: completions may submit follow-up jobs (a write after a read), so
	 * repeat until nothing is queued, running or waiting for its done; stop
	 * accepting in the same critical section that saw it all empty. */
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head || p->running)
			pthread_cond_wait(&p->idle_cv, &p->mu);
		if (!p->done_head) {
			p->accepting = 0;
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		lw_worker_pool_complete(p);
	}
	teardown(p);
}
