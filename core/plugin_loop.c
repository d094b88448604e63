/*
 * plugin_loop.c: fd watches and timers for plugins (lwm2m/loop.h), on the
 * daemon's libevent base and its one timer heap. Each is linked to its
 * plugin so that whatever a plugin forgot to free goes at its unload.
 */
#include "plugin_loop.h"

#include <event2/event.h>
#include <stdlib.h>

#include "lwm2m/loop.h"
#include "loop.h"
#include "plugin.h"

struct lw_watch {
	struct event *ev;
	lw_plugin *owner;
	int fd;
	unsigned what;
	lw_watch_cb cb;
	void *ctx;
	struct lw_watch *prev, *next;
};

struct lw_ptimer {
	struct lw_timer t;
	struct lw_timers *timers;
	lw_plugin *owner;
	lw_ptimer_cb cb;
	void *ctx;
	struct lw_ptimer *prev, *next;
};

static struct lw_watch *watches;
static struct lw_ptimer *ptimers;

#define LINK(head, x)                                                                           \
	do {                                                                                    \
		(x)->prev = NULL;                                                               \
		(x)->next = (head);                                                             \
		if (head)                                                                       \
			(head)->prev = (x);                                                     \
		(head) = (x);                                                                   \
	} while (0)
#define UNLINK(head, x)                                                                         \
	do {                                                                                    \
		if ((x)->prev)                                                                  \
			(x)->prev->next = (x)->next;                                            \
		else                                                                            \
			(head) = (x)->next;                                                     \
		if ((x)->next)                                                                  \
			(x)->next->prev = (x)->prev;                                            \
	} while (0)

static void on_fd(evutil_socket_t fd, short ev, void *arg)
{
	struct lw_watch *w = arg;
	unsigned what = ((ev & EV_READ) ? LW_WATCH_READ : 0) | ((ev & EV_WRITE) ? LW_WATCH_WRITE : 0);
	w->cb((int)fd, what & w->what, w->ctx);
}

static short ev_flags(unsigned what)
{
	return (short)(EV_PERSIST | ((what & LW_WATCH_READ) ? EV_READ : 0) |
	               ((what & LW_WATCH_WRITE) ? EV_WRITE : 0));
}

lw_watch *lw_watch_fd(lw_plugin *self, int fd, unsigned what, lw_watch_cb cb, void *ctx)
{
	if (!self || !self->host->loop || fd < 0 || !cb || !what)
		return NULL;
	struct lw_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct lw_watch){.owner = self, .fd = fd, .cb = cb, .ctx = ctx};
	if (lw_watch_set(w, what) != 0) {
		free(w);
		return NULL;
	}
	LINK(watches, w);
	return w;
}

int lw_watch_set(lw_watch *w, unsigned what)
{
	if (w->ev) {
		event_free(w->ev);
		w->ev = NULL;
	}
	w->what = what;
	if (!what)
		return 0;
	w->ev = event_new(w->owner->host->loop->base, w->fd, ev_flags(what), on_fd, w);
	if (!w->ev || event_add(w->ev, NULL) != 0)
		return LW_EIO;
	return 0;
}

void lw_watch_free(lw_watch *w)
{
	if (!w)
		return;
	if (w->ev)
		event_free(w->ev);
	UNLINK(watches, w);
	free(w);
}

static void on_timer(struct lw_timer *t, void *arg)
{
	(void)t;
	struct lw_ptimer *pt = arg;
	pt->cb(pt->ctx);
}

lw_ptimer *lw_ptimer_new(lw_plugin *self, lw_ptimer_cb cb, void *ctx)
{
	if (!self || !self->host->loop || !cb)
		return NULL;
	struct lw_ptimer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->timers = &self->host->loop->timers;
	t->owner = self;
	t->cb = cb;
	t->ctx = ctx;
	lw_timer_init(&t->t, on_timer, t);
	LINK(ptimers, t);
	return t;
}

int lw_ptimer_arm(lw_ptimer *t, uint64_t ms)
{
	return lw_timer_in(t->timers, &t->t, ms);
}

void lw_ptimer_cancel(lw_ptimer *t)
{
	lw_timer_cancel(t->timers, &t->t);
}

void lw_ptimer_free(lw_ptimer *t)
{
	if (!t)
		return;
	lw_timer_cancel(t->timers, &t->t);
	UNLINK(ptimers, t);
	free(t);
}

void lw_plugin_loop_release(const lw_plugin *owner)
{
	for (struct lw_watch *w = watches, *nw; w; w = nw) {
		nw = w->next;
		if (w->owner == owner)
			lw_watch_free(w);
	}
	for (struct lw_ptimer *t = ptimers, *nt; t; t = nt) {
		nt = t->next;
		if (t->owner == owner)
			lw_ptimer_free(t);
	}
}
