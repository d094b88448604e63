/*
 * bench/storage/ts_ingest.c: how many time-series values a storage plugin
 * persists per second, driven the way the core drives it: points of many
 * endpoints, 1,000 per ts_append, pipelined until the backend answers
 * LW_EAGAIN (its queue bound), for a fixed time. A value counts once its
 * callback said it is durable. The plugin is loaded through the conformance
 * suite's harness (tests/storage/harness.h: LW_STORAGE, LW_STORAGE_CONF, ...);
 * LW_BENCH_CONF adds plugin config lines for this run ("batch_max = 50000").
 *
 * Usage: ts-ingest [SECONDS [ENDPOINTS [PER_CALL]]]   (default 10 1000 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tests/storage/harness.h"
#include "log.h"

struct call {
	int fired, status;
	size_t n;
};

static unsigned long long persisted, calls_done, failures;

static void on_done(void *arg, int status)
{
	struct call *c = arg;
	if (status == 0)
		persisted += c->n;
	else
		failures++;
	calls_done++;
	free(c);
}

/* The value of key in LW_BENCH_CONF ("key = value" lines), or dflt. */
static const char *conf_of(const char *key, const char *dflt, char *buf, size_t len)
{
	const char *c = getenv("LW_BENCH_CONF");
	const char *k = c ? strstr(c, key) : NULL;
	if (!k)
		return dflt;
	k += strlen(key);
	k += strspn(k, " \t=");
	snprintf(buf, len, "%.*s", (int)strcspn(k, " \t\n;"), k);
	return buf;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	int endpoints = argc > 2 ? atoi(argv[2]) : 1000;
	int per = argc > 3 ? atoi(argv[3]) : 1000;
	if (seconds <= 0 || endpoints <= 0 || per <= 0) {
		fprintf(stderr, "usage: %s [SECONDS [ENDPOINTS [PER_CALL]]]\n", argv[0]);
		return 2;
	}
	lw_log_set_level(LW_LOG_WARN);
	static struct lw_sh h;
	if (lw_sh_create(&h) != 0 || lw_sh_start(&h, getenv("LW_BENCH_CONF")) != 0) {
		fprintf(stderr, "ts-ingest: %s\n", h.err);
		lw_sh_destroy(&h);
		return 1;
	}
	char(*names)[32] = calloc((size_t)endpoints, sizeof(*names));
	struct lw_st_point *pts = calloc((size_t)per, sizeof(*pts));
	for (int e = 0; e < endpoints; e++)
		snprintf(names[e], sizeof(names[e]), "urn:dev:bench-%06d", e);

	const struct lw_storage_ops *ops = lw_sh_ops(&h);
	double t0 = now_s(), end = t0 + seconds, t = 1.7e9;
	unsigned long long submitted = 0, refused = 0;
	int ep = 0;
	while (now_s() < end) {
		/* One call: a burst of Notify/Send values from a few devices, each
		 * reporting a temperature, a humidity and a counter. */
		for (int i = 0; i < per; i++) {
			lw_record *r = &pts[i].rec;
			pts[i].endpoint = names[ep];
			*r = (lw_record){.has_time = 1, .time = t};
			r->path = (lw_path){3303 + (uint16_t)(i % 3), 0, 5700, LW_ID_NONE};
			if (i % 3 == 2) {
				r->type = LW_TYPE_INTEGER;
				r->v.i = (int64_t)submitted + i;
			} else {
				r->type = LW_TYPE_FLOAT;
				r->v.f = 20.0 + (double)(i % 100) / 10;
			}
			if (i % 3 == 2) {
				ep = (ep + 1) % endpoints;
				t += 0.001;
			}
		}
		struct call *c = calloc(1, sizeof(*c));
		c->n = (size_t)per;
		int rc = ops->ts_append(h.store.be, pts, (size_t)per, on_done, c);
		if (rc == 0) {
			submitted += (unsigned long long)per;
			lw_sh_pump(&h, 0);
			continue;
		}
		free(c);
		if (rc != LW_EAGAIN) {
			fprintf(stderr, "ts-ingest: ts_append: %s\n", lw_strerror(rc));
			break;
		}
		/* Back-pressure: run the loop until the backend caught up a bit. */
		refused++;
		lw_sh_pump(&h, 5);
	}
	/* Only what was durable within the window counts. */
	double elapsed = now_s() - t0;
	unsigned long long in_window = persisted;
	lw_sh_stop(&h);
	char b1[32], b2[32], b3[32];
	printf("%s: %.0f values/s persisted (synchronous=%s, batch_max=%s, queue_max=%s; "
	       "%d endpoints, %d points per call; %llu values in %.1f s, %llu refused calls, "
	       "%llu failed)\n",
	       h.backend, (double)in_window / elapsed, conf_of("synchronous", "full", b1, sizeof(b1)),
	       conf_of("batch_max", "10000", b2, sizeof(b2)),
	       conf_of("queue_max", "1000000", b3, sizeof(b3)), endpoints, per, in_window, elapsed,
	       refused, failures);
	free(names);
	free(pts);
	lw_sh_destroy(&h);
	return failures ? 1 : 0;
}
