/*
 * http/bridge.c: hands a request from a CivetWeb thread to the loop thread
 * and waits for its answer. A job lives on the waiting thread's stack: the
 * loop only touches it between taking it off the queue and marking it done,
 * and the waiter never leaves while the loop runs it, so no reference counts
 * are needed. A waiter that times out while its job is still queued takes it
 * off the queue itself; stopping fails every queued job, so that mg_stop(),
 * which joins CivetWeb's threads, never waits for a loop that has stopped
 * listening.
 */
#include "http/http.h"

#include <errno.h>
#include <event2/event.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "lwm2m/error.h"

enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct lw_http_job {
	struct lw_http_req *req;
	lw_http_loop_fn fn;
	int state;
	struct lw_http_job *next;
};

/* The loop side: runs every queued job, in order. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct lw_http *h = arg;
	uint64_t n;
	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&h->mu);
	while (h->q_head && !h->stopping) {
		struct lw_http_job *j = h->q_head;
		h->q_head = j->next;
		if (!h->q_head)
			h->q_tail = NULL;
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&h->mu);
		j->fn(j->req);
		pthread_mutex_lock(&h->mu);
		j->state = JOB_DONE;
		pthread_cond_broadcast(&h->cv);
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
	for (struct lw_http_job *j = h->q_head; j; j = j->next)
		j->state = JOB_FAILED;
	h->q_head = h->q_tail = NULL;
	pthread_cond_broadcast(&h->cv);
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

int lw_http_bridge_call(struct lw_http *h, lw_http_loop_fn fn, struct lw_http_req *r)
{
	struct lw_http_job j = {r, fn, JOB_QUEUED, NULL};
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	int ms = h->bridge_ms > 0 ? h->bridge_ms : LW_HTTP_BRIDGE_MS;
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}

	pthread_mutex_lock(&h->mu);
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
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
	int rc = 0;
	while (j.state != JOB_DONE && j.state != JOB_FAILED) {
		int t = pthread_cond_timedwait(&h->cv, &h->mu, &deadline);
		if (t == ETIMEDOUT && j.state == JOB_QUEUED) {
			unlink_job(h, &j);
			rc = LW_ETIMEDOUT;
			atomic_fetch_add(&h->bridge_timeouts, 1);
			break;
		}
		if (t == ETIMEDOUT) {
			/* Running: the loop is inside fn, which does not block; wait on. */
			deadline.tv_sec++;
		}
	}
	if (!rc && j.state == JOB_FAILED)
		rc = LW_ECANCELED;
	pthread_mutex_unlock(&h->mu);
	return rc;
}
