/*
 * http/bridge.c: hands a request from a CivetWeb thread to the loop thread
 * and waits for its answer. A job lives on the waiting thread's stack: the
 * loop only touches it between taking it off the queue and marking it done,
 * and the waiter never leaves while the loop runs it, so no reference counts
 * are needed. A waiter that times out while its job is still queued takes it
 * off the queue itself; stopping fails every queued job, so that mg_stop(),
 * which joins CivetWeb's threads, never waits for a loop that has stopped
 * listening.
 *
 * A deferred job (an operation on a device) stays on h->deferred after its
 * loop handler returned; the operation's callback writes the answer and
 * marks it done. A waiter whose time runs out cannot detach the operation
 * itself (that is loop state): it flags the job and wakes the loop, which
 * detaches and releases it; until then the waiter stays, so the callback
 * never writes into a request that is gone.
 */
#include "http/http.h"

#include <errno.h>
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
	int state;
	struct lw_http_job *next;
	/* deferred: what the loop calls to stop the answer from coming */
	void (*detach)(struct lw_http *h, void *ctx);
	void *detach_ctx;
	uint64_t op_id;
	int wait_ms;
	int give_up; /* the waiter stopped waiting: detach */
	/* Its own: a finished job wakes its one waiter, not every CivetWeb
	 * thread (a shared one cost more in wake-ups than the requests). */
	pthread_cond_t cv;
	struct lw_http_job *dnext;
};

static void unlink_deferred(struct lw_http *h, struct lw_http_job *j)
{
	for (struct lw_http_job **pp = &h->deferred; *pp; pp = &(*pp)->dnext)
		if (*pp == j) {
			*pp = j->dnext;
			j->dnext = NULL;
			return;
		}
}

/* Loop thread, under h->mu: detaches what waiters gave up on. */
static void reap_deferred(struct lw_http *h)
{
	struct lw_http_job **pp = &h->deferred;
	while (*pp) {
		struct lw_http_job *j = *pp;
		if (!j->give_up) {
			pp = &j->dnext;
			continue;
		}
		*pp = j->dnext;
		j->dnext = NULL;
		j->detach(h, j->detach_ctx);
		j->state = JOB_ABANDONED;
		pthread_cond_signal(&j->cv);
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
	struct lw_http *h = r->h;
	if (!j)
		return;
	pthread_mutex_lock(&h->mu);
	r->finished = 1;
	if (j->state == JOB_DEFERRED) {
		unlink_deferred(h, j);
		j->state = JOB_DONE;
		pthread_cond_signal(&j->cv);
	}
	pthread_mutex_unlock(&h->mu);
}

void lw_http_bridge_fail_deferred(struct lw_http *h)
{
	while (h->deferred) {
		struct lw_http_job *j = h->deferred;
		h->deferred = j->dnext;
		j->dnext = NULL;
		j->detach(h, j->detach_ctx);
		j->state = JOB_FAILED;
		pthread_cond_signal(&j->cv);
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
	pthread_mutex_lock(&h->mu);
	reap_deferred(h);
	while (h->q_head && !h->stopping) {
		struct lw_http_job *j = h->q_head;
		h->q_head = j->next;
		if (!h->q_head)
			h->q_tail = NULL;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&h->mu);
		j->fn(j->req);
		pthread_mutex_lock(&h->mu);
		if (j->req->deferred && !j->req->finished) {
			j->state = JOB_DEFERRED;
			j->dnext = h->deferred;
			h->deferred = j;
		} else {
			j->state = JOB_DONE;
		}
		pthread_cond_signal(&j->cv);
	}
	pthread_mutex_unlock(&h->mu);
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
	for (struct lw_http_job *j = h->q_head; j; j = j->next) {
		j->state = JOB_FAILED;
		pthread_cond_signal(&j->cv);
	}
	h->q_head = h->q_tail = NULL;
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
}

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

static void deadline_in(struct timespec *t, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

int lw_http_bridge_call(struct lw_http *h, lw_http_loop_fn fn, struct lw_http_req *r)
{
	struct lw_http_job j;
	memset(&j, 0, sizeof(j));
	j.req = r;
	j.fn = fn;
	j.state = JOB_QUEUED;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int crc = pthread_cond_init(&j.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (crc != 0)
		return LW_ENOMEM;
	r->job = &j;
	struct timespec deadline;
	deadline_in(&deadline, h->bridge_ms > 0 ? h->bridge_ms : LW_HTTP_BRIDGE_MS);

	pthread_mutex_lock(&h->mu);
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
		r->job = NULL;
		pthread_cond_destroy(&j.cv);
		return LW_ECANCELED;
	}
	if (h->q_tail)
		h->q_tail->next = &j;
	else
		h->q_head = &j;
	h->q_tail = &j;
	uint64_t one = 1;
	ssize_t w = write(h->efd, &one, sizeof(one));
	(void)w; /* a full counter still wakes the loop */
	int rc = 0, waiting_device = 0;
	while (j.state != JOB_DONE && j.state != JOB_FAILED && j.state != JOB_ABANDONED) {
		if (j.state == JOB_DEFERRED && !waiting_device) {
			/* The loop answered "later": now the device's time counts. */
			waiting_device = 1;
			deadline_in(&deadline, j.wait_ms + DEFER_MARGIN_MS);
		}
		int t = pthread_cond_timedwait(&j.cv, &h->mu, &deadline);
		if (t != ETIMEDOUT)
			continue;
		if (j.state == JOB_QUEUED) {
			unlink_job(h, &j);
			rc = LW_ETIMEDOUT;
			atomic_fetch_add(&h->bridge_timeouts, 1);
			break;
		}
		if (j.state == JOB_DEFERRED && !j.give_up) {
			/* Only the loop may detach the operation: ask it, then wait for it. */
			j.give_up = 1;
			w = write(h->efd, &one, sizeof(one));
			(void)w;
		}
		/* Running, or a detach asked for: the loop does not block; wait on. */
		deadline.tv_sec++;
	}
	if (!rc && j.state == JOB_FAILED)
		rc = LW_ECANCELED;
	if (!rc && j.state == JOB_ABANDONED)
		rc = LW_ETIMEDOUT;
	r->job = NULL;
	pthread_mutex_unlock(&h->mu);
	pthread_cond_destroy(&j.cv);
	return rc;
}
