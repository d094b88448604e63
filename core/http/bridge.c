/*
 * http/bridge.c: hands a request from a CivetWeb thread to the loop thread
 * and waits for its answer. A job lives on the waiting thread's stack: the
 * loop only touches it between taking it off the queue and posting its
 * semaphore, which is the loop's last touch, and the waiter never leaves
 * while the loop holds it, so no reference counts are needed. A waiter that
 * times out while its job is still queued takes it off the queue itself;
 * stopping fails every queued job, so that mg_stop(), which joins
 * CivetWeb's threads, never waits for a loop that has stopped listening.
 *
 * Costs per request, which bound REST throughput: the queue's lock is held
 * for a push or for taking the whole queue, the loop is woken (eventfd)
 * only by the push that finds the queue empty, and each waiter sleeps on a
 * semaphore of its own, so an answer wakes exactly one thread and no
 * thread wakes up to take a contended lock.
 *
 * A deferred job (an operation on a device) stays on h->deferred, a list
 * of the loop thread's only, after its loop handler returned; the
 * operation's callback writes the answer and posts the job. A waiter whose
 * time runs out cannot detach the operation itself (that is loop state): it
 * flags the job and wakes the loop, which detaches and releases it; until
 * then the waiter stays, so the callback never writes into a request that
 * is gone.
 */
#include "http/http.h"

#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <event2/event.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "lwm2m/error.h"
#include "lwm2m/ops.h"
#include "lwm2m/server.h"
#include "storage/service.h"

enum { JOB_QUEUED, JOB_RUNNING, JOB_DEFERRED, JOB_DONE, JOB_FAILED, JOB_ABANDONED };

/* Added to a deferred wait: the operation's own timeout answers first. */
#define DEFER_MARGIN_MS 2000

struct lw_http_job {
	struct lw_http_req *req;
	lw_http_loop_fn fn;
	atomic_int state;
	int in_queue; /* under h->qmu */
	struct lw_http_job *next;
	/* deferred: what the loop calls to stop the answer from coming */
	void (*detach)(struct lw_http *h, void *ctx);
	void *detach_ctx;
	uint64_t op_id;
	int wait_ms;
	struct timespec deferred_at; /* written before state becomes DEFERRED */
	atomic_int give_up;          /* the waiter stopped waiting: detach */
	sem_t sem;                   /* posted once, when the job ends */
	struct lw_http_job *dnext;
};

/* Loop thread: the job's last state; its waiter may leave at once. */
static void end_job(struct lw_http_job *j, int state)
{
	atomic_store_explicit(&j->state, state, memory_order_release);
	sem_post(&j->sem);
}

static void unlink_deferred(struct lw_http *h, struct lw_http_job *j)
{
	for (struct lw_http_job **pp = &h->deferred; *pp; pp = &(*pp)->dnext)
		if (*pp == j) {
			*pp = j->dnext;
			j->dnext = NULL;
			return;
		}
}

/* Loop thread: detaches what waiters gave up on. */
static void reap_deferred(struct lw_http *h)
{
	struct lw_http_job **pp = &h->deferred;
	while (*pp) {
		struct lw_http_job *j = *pp;
		if (!atomic_load(&j->give_up)) {
			pp = &j->dnext;
			continue;
		}
		*pp = j->dnext;
		j->dnext = NULL;
		j->detach(h, j->detach_ctx);
		end_job(j, JOB_ABANDONED);
	}
}

static void detach_op(struct lw_http *h, void *ctx)
{
	lw_storage_detach(h->d, *(const uint64_t *)ctx);
}

void lw_http_defer(struct lw_http_req *r, uint64_t op_id, int wait_ms)
{
	struct lw_http_job *j = r->job;
	if (!j)
		return;
	j->op_id = op_id;
	lw_http_defer_fn(r, detach_op, &j->op_id, wait_ms);
}

void lw_http_defer_fn(struct lw_http_req *r, void (*detach)(struct lw_http *h, void *ctx),
                      void *ctx, int wait_ms)
{
	struct lw_http_job *j = r->job;
	if (!j)
		return;
	r->deferred = 1;
	j->detach = detach;
	j->detach_ctx = ctx;
	j->wait_ms = wait_ms;
}

void lw_http_finish(struct lw_http_req *r)
{
	struct lw_http_job *j = r->job;
	if (!j)
		return;
	r->finished = 1;
	if (atomic_load(&j->state) == JOB_DEFERRED) {
		unlink_deferred(r->h, j);
		end_job(j, JOB_DONE);
	}
}

void lw_http_bridge_fail_deferred(struct lw_http *h)
{
	while (h->deferred) {
		struct lw_http_job *j = h->deferred;
		h->deferred = j->dnext;
		j->dnext = NULL;
		j->detach(h, j->detach_ctx);
		end_job(j, JOB_FAILED);
	}
}

/* The loop side: runs every queued job, in order. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct lw_http *h = arg;
	uint64_t n;
	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	reap_deferred(h);
	pthread_mutex_lock(&h->qmu);
	struct lw_http_job *list = h->q_head;
	h->q_head = h->q_tail = NULL;
	for (struct lw_http_job *j = list; j; j = j->next)
		j->in_queue = 0;
	pthread_mutex_unlock(&h->qmu);
	lw_loop_batch_begin(&h->d->loop);
	while (list) {
		struct lw_http_job *j = list;
		list = j->next;
		atomic_store(&j->state, JOB_RUNNING);
		j->fn(j->req);
		if (j->req->deferred && !j->req->finished) {
			clock_gettime(CLOCK_MONOTONIC, &j->deferred_at);
			atomic_store_explicit(&j->state, JOB_DEFERRED, memory_order_release);
			j->dnext = h->deferred;
			h->deferred = j;
		} else {
			end_job(j, JOB_DONE);
		}
	}
	lw_loop_batch_end(&h->d->loop);
}

int lw_http_bridge_init(struct lw_http *h)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return LW_ENOMEM;
	if (pthread_mutex_init(&h->qmu, NULL) != 0) {
		pthread_cond_destroy(&h->cv);
		return LW_ENOMEM;
	}
	h->qmu_ok = 1;
	if (!h->bridge_ms)
		h->bridge_ms = LW_HTTP_BRIDGE_MS;
	h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (h->efd < 0)
		return LW_EIO;
	h->ev = event_new(h->d->loop.base, h->efd, EV_READ | EV_PERSIST, on_wake, h);
	if (!h->ev || event_add(h->ev, NULL) != 0)
		return LW_ENOMEM;
	return 0;
}

void lw_http_bridge_fail_all(struct lw_http *h)
{
	pthread_mutex_lock(&h->qmu);
	h->q_closed = 1;
	struct lw_http_job *list = h->q_head;
	h->q_head = h->q_tail = NULL;
	for (struct lw_http_job *j = list; j; j = j->next)
		j->in_queue = 0;
	pthread_mutex_unlock(&h->qmu);
	while (list) {
		struct lw_http_job *j = list;
		list = j->next;
		end_job(j, JOB_FAILED);
	}
}

void lw_http_bridge_free(struct lw_http *h)
{
	if (h->ev)
		event_free(h->ev);
	h->ev = NULL;
	if (h->efd >= 0)
		close(h->efd);
	h->efd = -1;
	pthread_cond_destroy(&h->cv);
	if (h->qmu_ok)
		pthread_mutex_destroy(&h->qmu);
	h->qmu_ok = 0;
}

/* Under h->qmu. */
static void unlink_job(struct lw_http *h, struct lw_http_job *j)
{
	struct lw_http_job *prev = NULL;
	for (struct lw_http_job *p = h->q_head; p; prev = p, p = p->next) {
		if (p != j)
			continue;
		if (prev)
			prev->next = p->next;
		else
			h->q_head = p->next;
		if (h->q_tail == p)
			h->q_tail = prev;
		return;
	}
}

static void add_ms(struct timespec *t, int ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

static void wake_loop(struct lw_http *h)
{
	uint64_t one = 1;
	ssize_t w = write(h->efd, &one, sizeof(one));
	(void)w; /* a full counter still wakes the loop */
}

int lw_http_bridge_call(struct lw_http *h, lw_http_loop_fn fn, struct lw_http_req *r)
{
	struct lw_http_job j;
	memset(&j, 0, sizeof(j));
	j.req = r;
	j.fn = fn;
	atomic_init(&j.state, JOB_QUEUED);
	atomic_init(&j.give_up, 0);
	if (sem_init(&j.sem, 0, 0) != 0)
		return LW_ENOMEM;
	r->job = &j;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	add_ms(&deadline, h->bridge_ms > 0 ? h->bridge_ms : LW_HTTP_BRIDGE_MS);

	pthread_mutex_lock(&h->qmu);
	if (h->q_closed) {
		pthread_mutex_unlock(&h->qmu);
		r->job = NULL;
		sem_destroy(&j.sem);
		return LW_ECANCELED;
	}
	int was_empty = !h->q_head;
	if (h->q_tail)
		h->q_tail->next = &j;
	else
		h->q_head = &j;
	h->q_tail = &j;
	j.in_queue = 1;
	pthread_mutex_unlock(&h->qmu);
	/* A queue that was not empty has a wake-up on its way: the loop takes
	 * the whole queue after reading the eventfd. */
	if (was_empty)
		wake_loop(h);

	int rc = 0, state;
	for (;;) {
		if (sem_clockwait(&j.sem, CLOCK_MONOTONIC, &deadline) == 0)
			break; /* the loop's last touch: the state is final */
		if (errno == EINTR)
			continue;
		state = atomic_load_explicit(&j.state, memory_order_acquire);
		if (state == JOB_QUEUED) {
			pthread_mutex_lock(&h->qmu);
			int mine = j.in_queue;
			if (mine) {
				unlink_job(h, &j);
				j.in_queue = 0;
			}
			pthread_mutex_unlock(&h->qmu);
			if (mine) {
				rc = LW_ETIMEDOUT;
				atomic_fetch_add(&h->bridge_timeouts, 1);
				break;
			}
			deadline.tv_sec++; /* the loop took it meanwhile */
			continue;
		}
		if (state == JOB_DEFERRED && !atomic_load(&j.give_up)) {
			/* Deferred: the device's time counts, from the deferral. */
			struct timespec until = j.deferred_at, now;
			add_ms(&until, j.wait_ms + DEFER_MARGIN_MS);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec < until.tv_sec ||
			    (now.tv_sec == until.tv_sec && now.tv_nsec < until.tv_nsec)) {
				deadline = until;
				continue;
			}
			/* Only the loop may detach the operation: ask it, then wait for it. */
			atomic_store(&j.give_up, 1);
			wake_loop(h);
		}
		/* Running, or a detach asked for: the loop does not block; wait on. */
		deadline.tv_sec++;
	}
	state = atomic_load_explicit(&j.state, memory_order_acquire);
	if (!rc && state == JOB_FAILED)
		rc = LW_ECANCELED;
	if (!rc && state == JOB_ABANDONED)
		rc = LW_ETIMEDOUT;
	r->job = NULL;
	sem_destroy(&j.sem);
	return rc;
}
