/*
 * http/metrics.c: GET /metrics in the Prometheus text format (0.0.4). Built
 * on the loop thread, which owns every counter it reads, so the numbers of
 * one scrape are consistent with each other.
 */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "coap/engine.h"
#include "daemon.h"
#include "lwm2m/server.h"

static void metric(FILE *f, const char *name, const char *type, const char *help,
                   unsigned long long v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

static void coap_metrics(FILE *f, const struct lw_coap_engine *e)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} c[] = {
#define C(field, help) {"lwm2md_coap_" #field "_total", help, offsetof(struct lw_coap_stats, field)}
		C(rx, "CoAP datagrams received."),
		C(tx, "CoAP datagrams sent."),
		C(rx_malformed, "CoAP datagrams dropped as malformed."),
		C(tx_errors, "CoAP datagrams the transport failed to send."),
		C(duplicates, "Duplicate CoAP messages recognised by deduplication."),
		C(retransmits, "Confirmable messages retransmitted."),
		C(timeouts, "Exchanges that ended without an answer."),
		C(rst_in, "Reset messages received."),
		C(rst_out, "Reset messages sent."),
		C(requests_in, "CoAP requests received."),
		C(requests_out, "CoAP requests sent."),
		C(bad_option, "Requests refused for an unknown critical option."),
		C(unmatched, "Responses that matched no exchange."),
#undef C
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		metric(f, c[i].name, "counter", c[i].help,
		       *(const unsigned long long *)((const char *)&e->stats + c[i].off));
	metric(f, "lwm2md_coap_peers", "gauge", "CoAP peers known.", e->peers.table.count);
	metric(f, "lwm2md_coap_dedup_entries", "gauge", "Entries in the deduplication cache.",
	       lw_coap_dedup_count(&e->dedup));
}

void lw_http_metrics(struct lw_http_req *r)
{
	struct lw_http *h = r->h;
	struct lw_daemon *d = h->d;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	metric(f, "lwm2md_uptime_seconds", "gauge", "Seconds since the daemon started.",
	       (unsigned long long)(time(NULL) - d->started));
	metric(f, "lwm2md_clients", "gauge", "Registered LwM2M clients.",
	       lw_server_client_count(d));
	if (d->coap)
		coap_metrics(f, d->coap);

	if (d->workers_up) {
		struct lw_worker_pool *p = &d->workers;
		pthread_mutex_lock(&p->mu);
		unsigned long long q = p->queued, run = p->running, sub = p->submitted,
				   done = p->completed, ref = p->refused;
		pthread_mutex_unlock(&p->mu);
		metric(f, "lwm2md_worker_queue_depth", "gauge", "Jobs waiting for a worker.", q);
		metric(f, "lwm2md_worker_running", "gauge", "Jobs running on workers.", run);
		metric(f, "lwm2md_worker_jobs_submitted_total", "counter", "Jobs accepted.", sub);
		metric(f, "lwm2md_worker_jobs_completed_total", "counter", "Jobs completed.", done);
		metric(f, "lwm2md_worker_jobs_refused_total", "counter",
		       "Jobs refused because the queue was full.", ref);
	}

	fprintf(f, "# HELP lwm2md_events_published_total Events published on the bus.\n"
	           "# TYPE lwm2md_events_published_total counter\n");
	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++)
		fprintf(f, "lwm2md_events_published_total{kind=\"%s\"} %llu\n",
		        lw_event_kind_name(k), d->events.published[k]);

	fprintf(f, "# HELP lwm2md_http_responses_total HTTP responses by status class.\n"
	           "# TYPE lwm2md_http_responses_total counter\n");
	for (int c = 1; c <= 5; c++)
		fprintf(f, "lwm2md_http_responses_total{code=\"%dxx\"} %llu\n", c,
		        (unsigned long long)atomic_load(&h->responses[c]));
	metric(f, "lwm2md_http_bridge_timeouts_total", "counter",
	       "HTTP requests that the loop did not take in time (answered 503).",
	       atomic_load(&h->bridge_timeouts));
	pthread_mutex_lock(&h->mu);
	unsigned long long streams = (unsigned long long)h->n_sse, dropped = h->sse_dropped;
	pthread_mutex_unlock(&h->mu);
	metric(f, "lwm2md_http_event_streams", "gauge", "Open /api/v1/events streams.", streams);
	metric(f, "lwm2md_http_event_streams_dropped_total", "counter",
	       "Event streams closed because the reader fell behind.", dropped);
	if (fclose(f) != 0 || !text) {
		free(text);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	lw_http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
