/*
 * bench/ops/ops-bench.c: Read round trips per second through the internal
 * operation API (lwm2m/ops.h), without HTTP. It runs the whole daemon in
 * this process (the same config file lwm2md reads), waits until the fleet
 * running in other processes has registered, then keeps a window of Reads
 * in flight across the devices: a timer on the daemon's own loop refills
 * the window every millisecond, completions are counted per second. Next
 * to the REST figure this separates the cost of HTTP from the cost of the
 * operation itself (queueing, CoAP, decoding, the event bus, the store).
 *
 *   ops-bench -c lwm2md.conf --devices N [--prefix fleet] [--window 1000]
 *             [--duration 10] [--warmup 2] [--wait 120] [--path /3303/0/5700]
 *             [--linger]
 *
 * Prints "ready" on stdout once the daemon listens, then one result line:
 * ops reads_per_s=... completed=... errors=... p50_ms=... p99_ms=...
 * With --linger it keeps serving after the result until SIGTERM, so that
 * the fleet can de-register and stop before the server does.
 * Exit status: 0, 1 when the daemon did not start or the fleet did not
 * register in time, 2 for bad arguments.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "lwm2m/error.h"
#include "lwm2m/ops.h"
#include "lwm2m/path.h"
#include "lwm2m/server.h"
#include "timer.h"

/* Latency histogram: 0.1 ms buckets up to 10 s. */
#define HIST_N 100000

struct bench {
	struct lw_daemon d;
	struct lw_timer tick;
	const char *prefix;
	unsigned devices, window, next_dev;
	double duration, warmup, wait_s;
	lw_path path;
	unsigned inflight;
	uint64_t t0_ms;     /* when the fleet was found registered */
	uint64_t start_ms;  /* after warm-up: counting starts */
	int phase;          /* 0 waiting for the fleet, 1 warm-up, 2 measuring, 3 draining */
	unsigned long long ok, errors, measured_ok;
	unsigned long long by_status[16];
	unsigned *hist;
	int failed;
	int linger; /* after the result, run until SIGTERM or SIGINT */
};

struct inflight_op {
	struct bench *b;
	uint64_t sent_ms_x10; /* submit time in 0.1 ms */
	int counted;          /* submitted while measuring */
};

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_result(void *arg, const struct lw_op_result *res)
{
	struct inflight_op *op = arg;
	struct bench *b = op->b;
	b->inflight--;
	int good = res->status == 0 && res->code == 0x45; /* 2.05 Content */
	if (good)
		b->ok++;
	else
		b->errors++;
	if (!good) {
		int s = res->status < 0 && res->status > -16 ? -res->status : 0;
		b->by_status[s]++;
	}
	if (op->counted && good && b->phase == 2) {
		b->measured_ok++;
		uint64_t lat = now_us() / 100 - op->sent_ms_x10;
		b->hist[lat < HIST_N ? lat : HIST_N - 1]++;
	}
	free(op);
}

static void refill(struct bench *b)
{
	char ep[64];
	while (b->inflight < b->window) {
		struct inflight_op *op = malloc(sizeof(*op));
		if (!op)
			return;
		op->b = b;
		op->sent_ms_x10 = now_us() / 100;
		op->counted = b->phase == 2;
		snprintf(ep, sizeof(ep), "%s-%06u", b->prefix, b->next_dev + 1);
		b->next_dev = (b->next_dev + 1) % b->devices;
		struct lw_op_request req = {.endpoint = ep, .kind = LW_OP_READ,
		                            .paths = &b->path, .n_paths = 1, .format = -1,
		                            .timeout_ms = 10000};
		b->inflight++;
		/* The callback may run inside this call (refused at once): it
		 * frees op and counts the error. */
		lw_ops_submit(lw_server_ops(&b->d), &req, on_result, op, NULL);
	}
}

static double percentile(const struct bench *b, double q)
{
	unsigned long long n = 0, want;
	for (size_t i = 0; i < HIST_N; i++)
		n += b->hist[i];
	if (!n)
		return 0;
	want = (unsigned long long)(q * (double)n);
	unsigned long long acc = 0;
	for (size_t i = 0; i < HIST_N; i++) {
		acc += b->hist[i];
		if (acc > want)
			return (double)i / 10.0;
	}
	return (double)(HIST_N - 1) / 10.0;
}

static void on_tick(struct lw_timer *t, void *arg)
{
	struct bench *b = arg;
	struct lw_timers *ts = &b->d.loop.timers;
	uint64_t now = lw_timers_now(ts);
	switch (b->phase) {
	case 0:
		if (lw_server_client_count(&b->d) >= b->devices) {
			b->phase = 1;
			b->t0_ms = now;
			fprintf(stderr, "ops-bench: %u devices registered, warming up\n", b->devices);
		} else if ((double)(now - b->t0_ms) > b->wait_s * 1000) {
			fprintf(stderr, "ops-bench: only %zu of %u devices registered after %.0f s\n",
			        lw_server_client_count(&b->d), b->devices, b->wait_s);
			b->failed = 1;
			lw_loop_break(&b->d.loop);
			return;
		}
		lw_timer_in(ts, t, 50);
		return;
	case 1:
		if ((double)(now - b->t0_ms) >= b->warmup * 1000) {
			b->phase = 2;
			b->start_ms = now;
		}
		break;
	case 2:
		if ((double)(now - b->start_ms) >= b->duration * 1000) {
			double secs = (double)(now - b->start_ms) / 1000.0;
			printf("ops reads_per_s=%.0f completed=%llu errors=%llu timeouts=%llu "
			       "queue_full=%llu not_registered=%llu window=%u seconds=%.2f "
			       "p50_ms=%.1f p99_ms=%.1f\n",
			       (double)b->measured_ok / secs, b->measured_ok, b->errors,
			       b->by_status[-LW_ETIMEDOUT], b->by_status[-LW_ENOSPC],
			       b->by_status[-LW_ENOENT], b->window, secs, percentile(b, 0.5),
			       percentile(b, 0.99));
			fflush(stdout);
			b->phase = 3;
			b->t0_ms = now;
		}
		break;
	case 3:
		/* Let what is in flight end before the daemon stops. */
		if (b->inflight == 0 || now - b->t0_ms > 12000) {
			/* --linger: the fleet must leave first (its De-registers
			 * answered) before the server goes; SIGTERM ends us. */
			if (!b->linger)
				lw_loop_break(&b->d.loop);
			return;
		}
		lw_timer_in(ts, t, 10);
		return;
	}
	refill(b);
	lw_timer_in(ts, t, 1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ops-bench -c CONFIG --devices N [--prefix fleet] [--window 1000]\n"
	           "                 [--duration 10] [--warmup 2] [--wait 120] [--path /3303/0/5700]\n"
	           "                 [--linger]\n");
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"devices", required_argument, NULL, 'n'},
		{"prefix", required_argument, NULL, 'p'},
		{"window", required_argument, NULL, 'w'},
		{"duration", required_argument, NULL, 'd'},
		{"warmup", required_argument, NULL, 'W'},
		{"wait", required_argument, NULL, 't'},
		{"path", required_argument, NULL, 'P'},
		{"linger", no_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct bench b;
	const char *conf = NULL, *path = "/3303/0/5700";
	b.prefix = "fleet";
	b.window = 1000;
	b.duration = 10;
	b.warmup = 2;
	b.wait_s = 120;
	int c;
	while ((c = getopt_long(argc, argv, "c:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'n': b.devices = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': b.prefix = optarg; break;
		case 'w': b.window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': b.duration = atof(optarg); break;
		case 'W': b.warmup = atof(optarg); break;
		case 't': b.wait_s = atof(optarg); break;
		case 'P': path = optarg; break;
		case 'L': b.linger = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	const char *why = NULL;
	if (!conf || !b.devices || !b.window || b.duration <= 0 ||
	    lw_path_parse(path, strlen(path), &b.path, &why) != 0) {
		usage(stderr);
		return 2;
	}
	b.hist = calloc(HIST_N, sizeof(*b.hist));
	if (!b.hist)
		return 1;

	struct lw_config cfg;
	char err[1024];
	lw_config_defaults(&cfg);
	if (lw_config_load(&cfg, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "ops-bench: %s\n", err);
		lw_config_free(&cfg);
		free(b.hist);
		return 2;
	}
	lw_config_env(&cfg);
	lw_log_set_level(lw_log_level_parse(cfg.log_level));
	lw_log_open(LW_LOG_STDERR, NULL);
	int rc = lw_daemon_start(&b.d, &cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ops-bench: %s\n", err);
	} else {
		printf("ready\n");
		fflush(stdout);
		lw_timer_init(&b.tick, on_tick, &b);
		b.t0_ms = lw_timers_now(&b.d.loop.timers);
		lw_timer_in(&b.d.loop.timers, &b.tick, 50);
		lw_daemon_run(&b.d);
		lw_timer_cancel(&b.d.loop.timers, &b.tick);
		if (b.failed || b.phase < 3)
			rc = 1;
	}
	lw_daemon_stop(&b.d);
	lw_config_free(&cfg);
	free(b.hist);
	return rc;
}
