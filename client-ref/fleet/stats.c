/*
 * client-ref/fleet/stats.c: the fleet's counters as people and scripts see
 * them: the progress line, the summary, its JSON for bench/, and the
 * histogram of Register round trips (fixed buckets, so that shards' can be
 * added up and quantiles taken without keeping every sample).
 */
#include <stdio.h>
#include <string.h>

#include "fleet.h"

static size_t bucket(double ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000.0)
		return (size_t)(ms * 10.0);
	size_t b = FLEET_HIST_FINE + (size_t)((ms - 1000.0) / 10.0);
	return b < FLEET_HIST_N ? b : FLEET_HIST_N - 1;
}

/* The upper edge of a bucket, in ms. */
static double bucket_ms(size_t b)
{
	if (b < FLEET_HIST_FINE)
		return (double)(b + 1) / 10.0;
	return 1000.0 + (double)(b - FLEET_HIST_FINE + 1) * 10.0;
}

void fleet_hist_add(struct fleet_stats *s, double ms)
{
	s->hist[bucket(ms)]++;
	s->c.rtt_n++;
	s->c.rtt_sum_ms += ms;
}

double fleet_hist_quantile(const struct fleet_stats *s, double q)
{
	uint64_t total = 0;
	for (size_t i = 0; i < FLEET_HIST_N; i++)
		total += s->hist[i];
	if (!total)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total);
	if (want >= total)
		want = total - 1;
	uint64_t seen = 0;
	for (size_t i = 0; i < FLEET_HIST_N; i++) {
		seen += s->hist[i];
		if (seen > want)
			return bucket_ms(i);
	}
	return bucket_ms(FLEET_HIST_N - 1);
}

void fleet_stats_merge(struct fleet_stats *into, const struct fleet_stats *from)
{
	into->c.registered += from->c.registered;
	into->c.registrations += from->c.registrations;
	into->c.updates += from->c.updates;
	into->c.requests += from->c.requests;
	into->c.notifications += from->c.notifications;
	into->c.sends += from->c.sends;
	into->c.errors += from->c.errors;
	into->c.retransmits += from->c.retransmits;
	into->c.deregistered += from->c.deregistered;
	into->c.rx += from->c.rx;
	into->c.tx += from->c.tx;
	into->c.rtt_n += from->c.rtt_n;
	into->c.rtt_sum_ms += from->c.rtt_sum_ms;
	into->c.done += from->c.done;
	into->c.rss_kb += from->c.rss_kb;
	if (from->c.last_reg_s > into->c.last_reg_s)
		into->c.last_reg_s = from->c.last_reg_s;
	into->c.handshakes += from->c.handshakes;
	into->c.hs_failures += from->c.hs_failures;
	into->c.bootstraps += from->c.bootstraps;
	if (from->c.last_hs_s > into->c.last_hs_s)
		into->c.last_hs_s = from->c.last_hs_s;
	for (size_t i = 0; i < FLEET_HIST_N; i++)
		into->hist[i] += from->hist[i];
}

static double per_s(uint64_t now, uint64_t before, double dt)
{
	return dt > 0 && now >= before ? (double)(now - before) / dt : 0;
}

void fleet_print_progress(const struct fleet_cfg *cfg, double t, const struct fleet_counters *c,
                          const struct fleet_counters *prev, double dt)
{
	fprintf(stderr,
	        "t=%.0fs registered=%llu/%u (%.0f/s) updates=%llu requests=%llu (%.0f/s) "
	        "notifications=%llu sends=%llu errors=%llu retransmits=%llu\n",
	        t, (unsigned long long)c->registered, cfg->count,
	        per_s(c->registrations, prev->registrations, dt), (unsigned long long)c->updates,
	        (unsigned long long)c->requests, per_s(c->requests, prev->requests, dt),
	        (unsigned long long)c->notifications, (unsigned long long)c->sends,
	        (unsigned long long)c->errors, (unsigned long long)c->retransmits);
	if (cfg->secure || cfg->bs_uri)
		fprintf(stderr, "t=%.0fs handshakes=%llu (%.0f/s) handshake_failures=%llu bootstraps=%llu\n",
		        t, (unsigned long long)c->handshakes,
		        per_s(c->handshakes, prev->handshakes, dt),
		        (unsigned long long)c->hs_failures, (unsigned long long)c->bootstraps);
}

static double rate(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

void fleet_print_summary(const struct fleet_cfg *cfg, double elapsed, double reg_elapsed,
                         const struct fleet_stats *s, double rss_mb)
{
	const struct fleet_counters *c = &s->c;
	fprintf(stderr,
	        "summary: devices=%u elapsed=%.1fs registrations=%llu (%.0f/s over %.1fs) "
	        "updates=%llu requests=%llu (%.0f/s) notifications=%llu (%.0f/s) sends=%llu "
	        "deregistered=%llu errors=%llu retransmits=%llu datagrams in=%llu out=%llu\n"
	        "summary: register round trip p50=%.1fms p99=%.1fms mean=%.1fms; fleet RSS %.1f MB\n",
	        cfg->count, elapsed, (unsigned long long)c->registrations,
	        rate(c->registrations, reg_elapsed), reg_elapsed, (unsigned long long)c->updates,
	        (unsigned long long)c->requests, rate(c->requests, elapsed),
	        (unsigned long long)c->notifications, rate(c->notifications, elapsed),
	        (unsigned long long)c->sends, (unsigned long long)c->deregistered,
	        (unsigned long long)c->errors, (unsigned long long)c->retransmits,
	        (unsigned long long)c->rx, (unsigned long long)c->tx,
	        fleet_hist_quantile(s, 0.50), fleet_hist_quantile(s, 0.99),
	        c->rtt_n ? c->rtt_sum_ms / (double)c->rtt_n : 0, rss_mb);
	if (cfg->secure || cfg->bs_uri)
		fprintf(stderr,
		        "summary: DTLS handshakes=%llu (%.0f/s over %.1fs, full, no resumption) "
		        "failures=%llu bootstraps=%llu\n",
		        (unsigned long long)c->handshakes, rate(c->handshakes, c->last_hs_s),
		        c->last_hs_s, (unsigned long long)c->hs_failures,
		        (unsigned long long)c->bootstraps);
}

int fleet_write_json(const struct fleet_cfg *cfg, const char *path, double elapsed,
                     double reg_elapsed, const struct fleet_stats *s, double rss_mb)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	const struct fleet_counters *c = &s->c;
	fprintf(f,
	        "{\"devices\": %u, \"elapsed_s\": %.3f, \"registrations\": %llu, "
	        "\"registration_rate\": %.1f, \"registration_s\": %.3f, \"updates\": %llu, "
	        "\"requests\": %llu, \"requests_per_s\": %.1f, \"notifications\": %llu, "
	        "\"sends\": %llu, \"deregistered\": %llu, \"errors\": %llu, \"retransmits\": %llu, "
	        "\"datagrams_in\": %llu, \"datagrams_out\": %llu, "
	        "\"register_rtt_ms\": {\"p50\": %.2f, \"p99\": %.2f, \"mean\": %.3f}, "
	        "\"handshakes\": %llu, \"handshake_rate\": %.1f, \"handshake_s\": %.3f, "
	        "\"handshake_failures\": %llu, \"bootstraps\": %llu, \"rss_mb\": %.1f}\n",
	        cfg->count, elapsed, (unsigned long long)c->registrations,
	        rate(c->registrations, reg_elapsed), reg_elapsed, (unsigned long long)c->updates,
	        (unsigned long long)c->requests, rate(c->requests, elapsed),
	        (unsigned long long)c->notifications, (unsigned long long)c->sends,
	        (unsigned long long)c->deregistered, (unsigned long long)c->errors,
	        (unsigned long long)c->retransmits, (unsigned long long)c->rx,
	        (unsigned long long)c->tx, fleet_hist_quantile(s, 0.50), fleet_hist_quantile(s, 0.99),
	        c->rtt_n ? c->rtt_sum_ms / (double)c->rtt_n : 0,
	        (unsigned long long)c->handshakes, rate(c->handshakes, c->last_hs_s), c->last_hs_s,
	        (unsigned long long)c->hs_failures, (unsigned long long)c->bootstraps, rss_mb);
	return fclose(f) ? -1 : 0;
}
