/*
 * http/metrics.c: GET /metrics in the Prometheus text format (0.0.4). Built
 * on the loop thread, which owns every counter it reads, so the numbers of
 * one scrape are consistent with each other.
 */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "coap/dtls.h"
#include "coap/engine.h"
#include "coap/tcp.h"
#include "daemon.h"
#include "lwm2m/ops.h"
#include "lwm2m/server.h"
#include "plugin_loop.h"
#include "storage/service.h"

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

static void dtls_metrics(FILE *f, const struct lw_coap_dtls *t)
{
	const struct lw_coap_dtls_stats *s = lw_coap_dtls_stats(t);
	metric(f, "lwm2md_dtls_sessions", "gauge", "DTLS sessions (handshaking or established).",
	       lw_coap_dtls_sessions(t));
	fprintf(f, "# HELP lwm2md_dtls_handshakes_total DTLS handshakes that ended, by result.\n"
	           "# TYPE lwm2md_dtls_handshakes_total counter\n"
	           "lwm2md_dtls_handshakes_total{result=\"ok\"} %llu\n"
	           "lwm2md_dtls_handshakes_total{result=\"failed\"} %llu\n"
	           "lwm2md_dtls_handshakes_total{result=\"timeout\"} %llu\n",
	        s->handshakes_ok, s->handshakes_failed, s->handshakes_timeout);
	metric(f, "lwm2md_dtls_resumptions_total", "counter",
	       "DTLS handshakes that resumed a session (ticket).", s->resumed);
	metric(f, "lwm2md_dtls_cookies_sent_total", "counter",
	       "HelloVerifyRequests sent (ClientHellos without a valid cookie).", s->cookies_sent);
	metric(f, "lwm2md_dtls_records_dropped_total", "counter",
	       "DTLS datagrams no session took (no session and no ClientHello, full table).",
	       s->records_dropped);
}

static int by_kind_status(const void *a, const void *b)
{
	const struct lw_opstat *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->status < y->status ? -1 : x->status > y->status;
}

/* Operations by kind and status, the pending gauge, durations, and what
 * devices reported on their own (notifications, Sends) and the registry's
 * life cycle counted from its events. */
static void lwm2m_metrics(FILE *f, const struct lw_daemon *d, const struct lw_operations *o)
{
	const struct lw_op_stats *s = &o->stats;
	struct lw_opstat rows[LW_OPSTAT_SLOTS];
	size_t n = 0;
	for (size_t i = 0; i < LW_OPSTAT_SLOTS; i++)
		if (s->by_status[i].n)
			rows[n++] = s->by_status[i];
	qsort(rows, n, sizeof(rows[0]), by_kind_status);
	fprintf(f, "# HELP lwm2md_operations_total Operations on clients that ended, by kind "
	           "and status.\n# TYPE lwm2md_operations_total counter\n");
	for (size_t i = 0; i < n; i++) {
		char code[5];
		fprintf(f, "lwm2md_operations_total{kind=\"%s\",status=\"%s\"} %llu\n",
		        lw_op_kind_name(rows[i].kind), lw_op_stat_status(rows[i].status, code),
		        rows[i].n);
	}
	metric(f, "lwm2md_operations_pending", "gauge",
	       "Operations queued for clients now (waiting and in flight).", s->pending);
	fprintf(f, "# HELP lwm2md_operation_duration_seconds Time from submit to result "
	           "(waiting in the queue included), by kind.\n"
	           "# TYPE lwm2md_operation_duration_seconds histogram\n");
	for (int k = 0; k < LW_OP_KIND_COUNT; k++) {
		if (!s->dur_count[k])
			continue;
		const char *kind = lw_op_kind_name(k);
		unsigned long long cum = 0;
		for (int b = 0; b < LW_OP_DURATION_BUCKETS; b++) {
			cum += s->dur_bucket[k][b];
			fprintf(f, "lwm2md_operation_duration_seconds_bucket{kind=\"%s\",le=\"%g\"} "
			        "%llu\n", kind, lw_op_duration_le_ms[b] / 1000.0, cum);
		}
		fprintf(f, "lwm2md_operation_duration_seconds_bucket{kind=\"%s\",le=\"+Inf\"} %llu\n"
		        "lwm2md_operation_duration_seconds_sum{kind=\"%s\"} %.3f\n"
		        "lwm2md_operation_duration_seconds_count{kind=\"%s\"} %llu\n",
		        kind, s->dur_count[k], kind, s->dur_sum_ms[k] / 1000.0, kind,
		        s->dur_count[k]);
	}
	metric(f, "lwm2md_notifications_total", "counter",
	       "Notifications received for a known observation.", s->notifications);
	metric(f, "lwm2md_notifications_dropped_total", "counter",
	       "Notifications dropped: older than the last one, or undecodable.",
	       s->notifications_dropped);
	metric(f, "lwm2md_reobservations_total", "counter",
	       "Observes re-issued to a client that registered again.", s->reobserved);
	metric(f, "lwm2md_reobservations_skipped_total", "counter",
	       "Observations not re-issued: the new object list lacks the object.",
	       s->reobserve_skipped);
	const unsigned long long *ev = d->events.published;
	metric(f, "lwm2md_sends_total", "counter", "LwM2M Send requests accepted.",
	       ev[LW_EVENT_SEND]);
	metric(f, "lwm2md_registrations_total", "counter",
	       "Registrations accepted (a new Register of a known endpoint included).",
	       ev[LW_EVENT_REGISTRATION]);
	metric(f, "lwm2md_updates_total", "counter", "Registration updates accepted.",
	       ev[LW_EVENT_UPDATE]);
	metric(f, "lwm2md_deregistrations_total", "counter", "De-registrations.",
	       ev[LW_EVENT_DEREGISTRATION]);
	metric(f, "lwm2md_expirations_total", "counter", "Registrations whose lifetime ran out.",
	       ev[LW_EVENT_EXPIRED]);
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
	if (d->dtls)
		dtls_metrics(f, d->dtls);
	lw_coap_tcp_metrics(f, d->tcp, d->tls); /* coap/tcp.c: nothing when both are off */
	const struct lw_operations *ops = lw_server_ops(d);
	if (ops)
		lwm2m_metrics(f, d, ops);

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
	if (d->storage && d->storage->persisting) {
		const struct lw_persist_stats *ps = &d->storage->persist.stats;
		metric(f, "lwm2md_store_writes_total", "counter",
		       "Writes the store made durable (registrations, observations, points, audit).",
		       ps->written);
		metric(f, "lwm2md_store_write_failures_total", "counter",
		       "Writes the store could not make.", ps->failed);
		metric(f, "lwm2md_store_refused_total", "counter",
		       "Writes refused because the store was behind (its queue was full).",
		       ps->refused);
		metric(f, "lwm2md_store_points_total", "counter",
		       "Time-series points handed to the store.", ps->points);
		metric(f, "lwm2md_store_points_refused_total", "counter",
		       "Time-series points the store refused (lost).", ps->points_refused);
	}
	if (d->storage && d->storage->clustered) {
		const struct lw_cluster *cl = &d->storage->cluster;
		metric(f, "lwm2md_cluster_messages_sent_total", "counter",
		       "Messages sent to other nodes.", cl->sent);
		metric(f, "lwm2md_cluster_messages_received_total", "counter",
		       "Messages received from other nodes.", cl->received);
		metric(f, "lwm2md_cluster_operations_lost_total", "counter",
		       "Operations sent to another node that never answered.", cl->lost);
	}
	lw_plugin_metrics_write(f);
	if (fclose(f) != 0 || !text) {
		free(text);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	lw_http_reply_text(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
