/*
 * http/sse.c: GET /api/v1/events, the event bus as Server-Sent Events.
 *
 * One bus subscription (made on the loop thread at start) copies each event,
 * already formatted as "event: KIND\ndata: JSON\n\n", into the queue of every
 * open stream whose ?ep= filter matches; the stream's CivetWeb thread drains
 * its queue onto the socket. The loop never writes to a socket, so a slow
 * reader cannot stall it; a reader that falls LW_HTTP_SSE_QUEUE events behind
 * is dropped (and logged) instead of letting its queue grow without bound.
 * Idle streams get a comment every keep-alive interval, which also finds out
 * clients that went away.
 */
#include "http/http.h"

#include <civetweb.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "log.h"

struct sse_msg {
	struct sse_msg *next;
	size_t len;
	char text[];
};

struct lw_sse_conn {
	struct lw_sse_conn *next;
	char ep[256]; /* "" for every endpoint */
	pthread_cond_t cv;
	struct sse_msg *head, *tail;
	size_t n;
	int overflow, closing;
};

static void on_event(const lw_event *ev, void *ctx)
{
	struct lw_http *h = ctx;
	const char *ep = lw_event_endpoint(ev);
	pthread_mutex_lock(&h->mu);
	int streams = h->sse != NULL;
	pthread_mutex_unlock(&h->mu);
	if (!streams)
		return; /* nobody to send it to: the JSON need not even be built */
	const char *json = lw_event_json(ev);
	char head[64];
	int hl = snprintf(head, sizeof(head), "event: %s\ndata: ",
	                  lw_event_kind_name(lw_event_kind(ev)));
	size_t jl = strlen(json);
	pthread_mutex_lock(&h->mu);
	for (struct lw_sse_conn *c = h->sse; c; c = c->next) {
		if (c->overflow || c->closing)
			continue;
		if (c->ep[0] && (!ep || strcmp(ep, c->ep) != 0))
			continue;
		if (c->n >= LW_HTTP_SSE_QUEUE) {
			c->overflow = 1;
			pthread_cond_signal(&c->cv);
			continue;
		}
		struct sse_msg *m = malloc(sizeof(*m) + (size_t)hl + jl + 3);
		if (!m) {
			c->overflow = 1; /* a gap would be silent: end the stream instead */
			pthread_cond_signal(&c->cv);
			continue;
		}
		memcpy(m->text, head, (size_t)hl);
		memcpy(m->text + hl, json, jl);
		memcpy(m->text + hl + jl, "\n\n", 3);
		m->len = (size_t)hl + jl + 2;
		m->next = NULL;
		if (c->tail)
			c->tail->next = m;
		else
			c->head = m;
		c->tail = m;
		c->n++;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&h->mu);
}

int lw_http_sse_init(struct lw_http *h)
{
	h->sse_keepalive_ms = h->d->cfg->http_sse_keepalive_ms;
	return lw_events_subscribe(&h->d->events, h, LW_EVENT_MASK_ALL, on_event, h);
}

void lw_http_sse_close_all(struct lw_http *h)
{
	for (struct lw_sse_conn *c = h->sse; c; c = c->next) {
		c->closing = 1;
		pthread_cond_signal(&c->cv);
	}
}

void lw_http_sse_free(struct lw_http *h)
{
	lw_events_unsubscribe_owner(&h->d->events, h);
}

static void free_msgs(struct sse_msg *m)
{
	while (m) {
		struct sse_msg *next = m->next;
		free(m);
		m = next;
	}
}

static void remove_conn(struct lw_http *h, struct lw_sse_conn *c)
{
	for (struct lw_sse_conn **pp = &h->sse; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			h->n_sse--;
			pthread_cond_broadcast(&h->cv); /* lw_http_stop may wait for this */
			break;
		}
	}
}

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int lw_http_sse_stream(struct lw_http *h, struct mg_connection *mc, struct lw_http_req *r)
{
	const struct mg_request_info *ri = mg_get_request_info(mc);
	struct lw_sse_conn *c = calloc(1, sizeof(*c));
	if (!c) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return -1;
	}
	if (r->query && mg_get_var(r->query, strlen(r->query), "ep", c->ep, sizeof(c->ep)) < -1) {
		free(c);
		lw_http_reply_error(r, 400, "bad-request", "the ep parameter is too long");
		return -1;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);

	pthread_mutex_lock(&h->mu);
	if (h->stopping || h->n_sse >= LW_HTTP_MAX_SSE) {
		int stopping = h->stopping;
		pthread_mutex_unlock(&h->mu);
		pthread_cond_destroy(&c->cv);
		free(c);
		lw_http_reply_error(r, 503, "unavailable",
		                    stopping ? "the server is shutting down"
		                             : "too many event streams are open (at most %d)",
		                    LW_HTTP_MAX_SSE);
		return -1;
	}
	/* Subscribed before the headers go out: what the client causes after
	 * reading them is on its stream. */
	c->next = h->sse;
	h->sse = c;
	h->n_sse++;
	pthread_mutex_unlock(&h->mu);

	lw_log(LW_LOG_INFO, "http: event stream opened by %s%s%s", ri->remote_addr,
	       c->ep[0] ? " for endpoint " : "", c->ep);
	atomic_fetch_add(&h->responses[2], 1);
	/* A stream ends with its connection (it has no length). */
	mg_disable_connection_keep_alive(mc);
	int ok = mg_printf(mc,
	                   "HTTP/1.1 200 OK\r\n"
	                   "Content-Type: text/event-stream; charset=utf-8\r\n"
	                   "%s"
	                   "X-Accel-Buffering: no\r\n"
	                   "Connection: close\r\n\r\n"
	                   ": lwm2md event stream\n\n",
	                   lw_http_security_headers) > 0;
	const char *why = ok ? NULL : "the client went away";

	pthread_mutex_lock(&h->mu);
	while (ok) {
		struct timespec ka;
		deadline_in(&ka, h->sse_keepalive_ms);
		int timed_out = 0;
		while (!c->head && !c->closing && !c->overflow && !timed_out)
			timed_out = pthread_cond_timedwait(&c->cv, &h->mu, &ka) == ETIMEDOUT;
		if (c->overflow) {
			why = "it fell behind";
			h->sse_dropped++;
			break;
		}
		struct sse_msg *batch = c->head;
		int closing = c->closing;
		c->head = c->tail = NULL;
		c->n = 0;
		pthread_mutex_unlock(&h->mu);
		for (struct sse_msg *m = batch; m && ok; m = m->next)
			ok = mg_write(mc, m->text, m->len) == (int)m->len;
		free_msgs(batch);
		if (ok && !batch && !closing)
			ok = mg_printf(mc, ": keep-alive\n\n") > 0;
		if (!ok)
			why = "the client went away";
		pthread_mutex_lock(&h->mu);
		if (closing && !c->head) {
			why = "the server is stopping";
			break;
		}
	}
	remove_conn(h, c);
	free_msgs(c->head);
	pthread_mutex_unlock(&h->mu);
	lw_log(c->overflow ? LW_LOG_WARN : LW_LOG_INFO, "http: event stream of %s closed: %s",
	       ri->remote_addr, why ? why : "done");
	pthread_cond_destroy(&c->cv);
	free(c);
	r->status = 0; /* already answered */
	return 200;
}
