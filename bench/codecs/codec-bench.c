/*
 * bench/codecs/codec-bench.c: decode and encode throughput of every codec
 * plugin, in records per second of one core (thread CPU time), on two
 * payloads the server sees all day: a Read of the Device object instance
 * (/3/0, 20 resources and resource instances) and a Send of a 50-record
 * SenML batch (5 temperature sensors, 10 timed samples each).
 *
 * The codecs are loaded the way lwm2md and lwm2mctl load them (every
 * codec-*.so of the plugin directory through the core's loader) and called
 * through their struct lw_codec, so the figures include what the daemon pays.
 * A codec that cannot carry a payload (TLV and timestamps, text and several
 * values) is listed as n/a with its encoder's reason. The link format codec
 * gets its own line: a 20-link Register payload, in links per second.
 * See bench/codecs/README.md.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/model_int.h"
#include "plugin.h"
#include "worker.h"

#ifndef LW_PLUGIN_DIR
#define LW_PLUGIN_DIR "/usr/local/lib/lwm2md/plugins"
#endif

/* The target for TLV and SenML CBOR decoding on one core. */
#define TARGET_DECODE 5e6

static double seconds_per_figure = 2.0;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- plugins ---- */

struct host {
	struct lw_events events;
	struct lw_worker_pool workers;
	struct lw_plugin_host host;
	struct lw_plugins *lists;
	size_t n;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_codecs(struct host *h, const char *dir)
{
	lw_events_init(&h->events);
	if (lw_worker_pool_start(&h->workers, NULL, 1, 16) != 0)
		return -1;
	h->host = (struct lw_plugin_host){.events = &h->events, .workers = &h->workers,
	                                  .state_dir = "."};
	DIR *dh = opendir(dir);
	if (!dh) {
		fprintf(stderr, "codec-bench: cannot read plugin directory %s\n", dir);
		return -1;
	}
	char *names[256];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dh)) && n < 256) {
		size_t len = strlen(de->d_name);
		if (len > 9 && strncmp(de->d_name, "codec-", 6) == 0 &&
		    strcmp(de->d_name + len - 3, ".so") == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dh);
	qsort(names, n, sizeof(*names), by_name);
	h->lists = calloc(n ? n : 1, sizeof(*h->lists));
	for (size_t i = 0; i < n; i++) {
		struct lw_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.plugin_dir = (char *)dir;
		cfg.plugins = names[i];
		char err[512];
		struct lw_plugins *ps = &h->lists[h->n];
		if (lw_plugins_load(ps, &cfg, &h->host, err, sizeof(err)) != 0) {
			fprintf(stderr, "codec-bench: skipped: %s\n", err);
		} else if (lw_plugins_start(ps, err, sizeof(err)) != 0) {
			fprintf(stderr, "codec-bench: skipped: %s\n", err);
			lw_plugins_unload(ps);
		} else {
			h->n++;
		}
		free(names[i]);
	}
	return 0;
}

static void unload_codecs(struct host *h)
{
	lw_worker_pool_stop(&h->workers);
	while (h->n > 0)
		lw_plugins_unload(&h->lists[--h->n]);
	free(h->lists);
	lw_events_free(&h->events);
}

/* ---- the payloads ---- */

static void add_str(lw_records *r, lw_path p, const char *s)
{
	lw_record *rec = lw_records_add(r);
	rec->path = p;
	rec->type = LW_TYPE_STRING;
	lw_records_set_bytes(r, rec, s, strlen(s));
}

static void add_int(lw_records *r, lw_path p, int type, int64_t v)
{
	lw_record *rec = lw_records_add(r);
	rec->path = p;
	rec->type = (uint8_t)type;
	rec->v.i = v;
}

/* A Read of /3/0 as a typical device answers it: 20 values. */
static void device_records(lw_records *r)
{
#define RES(id) lw_path_make(3, 3, 0, id, 0)
#define RI(id, i) lw_path_make(4, 3, 0, id, i)
	add_str(r, RES(0), "Open Mobile Alliance");
	add_str(r, RES(1), "Lightweight M2M Client");
	add_str(r, RES(2), "345000123");
	add_str(r, RES(3), "1.0");
	add_int(r, RI(6, 0), LW_TYPE_INTEGER, 1);
	add_int(r, RI(6, 1), LW_TYPE_INTEGER, 5);
	add_int(r, RI(7, 0), LW_TYPE_INTEGER, 3800);
	add_int(r, RI(7, 1), LW_TYPE_INTEGER, 5000);
	add_int(r, RI(8, 0), LW_TYPE_INTEGER, 125);
	add_int(r, RI(8, 1), LW_TYPE_INTEGER, 900);
	add_int(r, RES(9), LW_TYPE_INTEGER, 100);
	add_int(r, RES(10), LW_TYPE_INTEGER, 15);
	add_int(r, RI(11, 0), LW_TYPE_INTEGER, 0);
	add_int(r, RES(13), LW_TYPE_TIME, 1367491215);
	add_str(r, RES(14), "+02:00");
	add_str(r, RES(15), "Europe/Berlin");
	add_str(r, RES(16), "U");
	add_str(r, RES(17), "Temperature Sensor");
	add_str(r, RES(18), "HW-1.2");
	add_str(r, RES(19), "2.3.1");
#undef RES
#undef RI
}

/* A Send of 5 sensors x 10 samples, each with its time. */
static void batch_records(lw_records *r)
{
	for (int t = 0; t < 10; t++) {
		for (uint16_t s = 0; s < 5; s++) {
			lw_record *rec = lw_records_add(r);
			rec->path = lw_path_make(3, 3303, s, 5700, 0);
			rec->type = LW_TYPE_FLOAT;
			rec->v.f = 20.0 + s + t * 0.125;
			rec->has_time = 1;
			rec->time = 1763750000.0 + t * 10;
		}
	}
}

struct dataset {
	const char *name;
	lw_path base;
	lw_records recs;
};

/* ---- measuring ---- */

/* Runs fn until seconds_per_figure of CPU time passed; calls per second. */
#define MEASURE(rate, body)                                                 \
	do {                                                                \
		double t0_ = cpu_now(), t_;                                 \
		unsigned long n_ = 0;                                       \
		do {                                                        \
			for (int k_ = 0; k_ < 256; k_++) {                  \
				body;                                       \
			}                                                   \
			n_ += 256;                                          \
			t_ = cpu_now() - t0_;                               \
		} while (t_ < seconds_per_figure);                          \
		(rate) = (double)n_ / t_;                                   \
	} while (0)

struct result {
	const struct lw_codec *codec;
	const struct dataset *ds;
	double decode, encode; /* records per second, 0: not measured */
};

static void fmt_rate(char *buf, size_t len, double r)
{
	if (r >= 1e6)
		snprintf(buf, len, "%.2f M", r / 1e6);
	else
		snprintf(buf, len, "%.0f k", r / 1e3);
}

static int bench_one(const lw_model *m, const struct lw_codec *c, const struct dataset *ds,
                     struct result *res)
{
	struct lw_codec_error err = {0, ""};
	lw_buf payload;
	lw_buf_init(&payload);
	res->codec = c;
	res->ds = ds;
	res->decode = res->encode = 0;
	if (!c->encode || !c->decode)
		return 0;
	int rc = c->encode(m, &ds->base, &ds->recs, &payload, &err);
	if (rc) {
		printf("%-22s %-12s n/a: cannot encode it: %s\n", ds->name, c->name, err.message);
		lw_buf_free(&payload);
		return 0;
	}
	lw_records out;
	lw_records_init(&out);
	rc = c->decode(m, &ds->base, payload.data, payload.len, &out, &err);
	if (rc || out.n != ds->recs.n) {
		printf("%-22s %-12s n/a: %s\n", ds->name, c->name,
		       rc ? err.message : "decodes to a different number of records");
		lw_records_free(&out);
		lw_buf_free(&payload);
		return 0;
	}
	int lossy = 0;
	for (size_t i = 0; i < out.n; i++)
		if (out.items[i].has_time != ds->recs.items[i].has_time)
			lossy = 1;

	double calls;
	int failed = 0;
	MEASURE(calls, {
		lw_records_clear(&out);
		failed |= c->decode(m, &ds->base, payload.data, payload.len, &out, &err);
	});
	res->decode = calls * (double)ds->recs.n;
	lw_buf enc;
	lw_buf_init(&enc);
	MEASURE(calls, {
		enc.len = 0;
		failed |= c->encode(m, &ds->base, &ds->recs, &enc, &err);
	});
	res->encode = calls * (double)ds->recs.n;
	char d[32], e[32];
	fmt_rate(d, sizeof(d), res->decode);
	fmt_rate(e, sizeof(e), res->encode);
	printf("%-22s %-12s %6zu %12s %12s%s%s\n", ds->name, c->name, payload.len, d, e,
	       lossy ? "  (times dropped)" : "", failed ? "  (FAILED during the run)" : "");
	fflush(stdout);
	lw_buf_free(&enc);
	lw_records_free(&out);
	lw_buf_free(&payload);
	return failed ? -1 : 1;
}

/* A 1.1 client's Register payload: 20 links with the usual attributes. */
static const char register_payload[] =
	"</>;rt=\"oma.lwm2m\";ct=110,</0/0>,</0/1>,</1/0>;ver=1.1,</2/0>,</2/1>,</3/0>;ver=1.1,"
	"</4/0>,</5/0>,</6/0>,</7/0>,</9/0>,</9/1>,</3303/0>;ver=1.1,</3303/1>,</3304/0>,"
	"</3313/0>,</10241/0>,</26241/0>,</26241/1>";

static int bench_links(const struct lw_codec *c, struct result *res)
{
	struct lw_codec_error err = {0, ""};
	lw_links links;
	lw_links_init(&links);
	const uint8_t *in = (const uint8_t *)register_payload;
	size_t len = sizeof(register_payload) - 1;
	int failed = c->decode_links(in, len, &links, &err) != 0;
	size_t n = links.n;
	if (failed || n == 0) {
		printf("%-22s %-12s n/a: %s\n", "register (20 links)", c->name, err.message);
		lw_links_free(&links);
		return 0;
	}
	double calls;
	MEASURE(calls, {
		lw_links_clear(&links);
		failed |= c->decode_links(in, len, &links, &err);
	});
	res->decode = calls * (double)n;
	lw_buf enc;
	lw_buf_init(&enc);
	MEASURE(calls, {
		enc.len = 0;
		failed |= c->encode_links(&links, &enc, &err);
	});
	res->encode = calls * (double)n;
	char d[32], e[32];
	fmt_rate(d, sizeof(d), res->decode);
	fmt_rate(e, sizeof(e), res->encode);
	printf("%-22s %-12s %6zu %12s %12s%s\n", "register (20 links)", c->name, len, d, e,
	       failed ? "  (FAILED during the run)" : "");
	lw_buf_free(&enc);
	lw_links_free(&links);
	return failed ? -1 : 1;
}

struct collect {
	const struct lw_codec *list[64];
	size_t n;
};

static void collect_one(const struct lw_codec *c, void *ctx)
{
	struct collect *k = ctx;
	if (k->n < 64)
		k->list[k->n++] = c;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: codec-bench [--plugin-dir DIR] [--seconds S] [--codec NAME]...\n"
	           "  --plugin-dir DIR  codec plugins (default $LWM2MD_PLUGIN_DIR, else %s)\n"
	           "  --seconds S       CPU seconds per figure (default 2)\n"
	           "  --codec NAME      measure only this codec (may be repeated)\n",
	        LW_PLUGIN_DIR);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("LWM2MD_PLUGIN_DIR");
	const char *only[16];
	int n_only = 0;
	if (!dir || !*dir)
		dir = LW_PLUGIN_DIR;
	static const struct option opts[] = {
		{"plugin-dir", required_argument, NULL, 'd'},
		{"seconds", required_argument, NULL, 's'},
		{"codec", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': dir = optarg; break;
		case 's': seconds_per_figure = atof(optarg); break;
		case 'c':
			if (n_only < 16)
				only[n_only++] = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || seconds_per_figure <= 0) {
		usage(stderr);
		return 2;
	}
	lw_log_set_level(LW_LOG_WARN);

	lw_model *m = lw_model_new();
	if (!m || lw_model_add_builtin(m) < 0)
		return 1;
	if (!lw_model_object(m, 3, NULL) || !lw_model_object(m, 3303, NULL))
		printf("note: the built-in model lacks object 3 or 3303: codecs fall back on "
		       "untyped values\n");
	struct host h;
	memset(&h, 0, sizeof(h));
	if (load_codecs(&h, dir) != 0)
		return 1;

	struct dataset sets[2] = {
		{"device /3/0 (20 rec)", lw_path_make(2, 3, 0, 0, 0), {0}},
		{"senml batch (50 rec)", LW_PATH_ROOT, {0}},
	};
	lw_records_init(&sets[0].recs);
	lw_records_init(&sets[1].recs);
	device_records(&sets[0].recs);
	batch_records(&sets[1].recs);

	struct collect k = {{0}, 0};
	lw_codecs_each(collect_one, &k);
	printf("codec-bench: plugins from %s; %.1f CPU s per figure; one thread; "
	       "records per second\n\n",
	       dir, seconds_per_figure);
	printf("%-22s %-12s %6s %12s %12s\n", "payload", "codec", "bytes", "decode", "encode");
	struct result results[128];
	size_t n_res = 0;
	int failed = 0;
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < k.n; i++) {
			int wanted = n_only == 0;
			for (int j = 0; j < n_only; j++)
				wanted |= strcmp(only[j], k.list[i]->name) == 0;
			if (!wanted || !k.list[i]->decode)
				continue;
			int rc = bench_one(m, k.list[i], &sets[s], &results[n_res]);
			if (rc < 0)
				failed = 1;
			if (rc > 0 && n_res < 127)
				n_res++;
		}
	}

	for (size_t i = 0; i < k.n; i++) {
		int wanted = n_only == 0;
		for (int j = 0; j < n_only; j++)
			wanted |= strcmp(only[j], k.list[i]->name) == 0;
		if (wanted && k.list[i]->decode_links && k.list[i]->encode_links) {
			struct result r = {k.list[i], NULL, 0, 0};
			if (bench_links(k.list[i], &r) < 0)
				failed = 1;
		}
	}

	/* The target, stated plainly. */
	printf("\ntarget: decode >= %.0f M records/s on one core for tlv (device) and "
	       "senml-cbor (batch)\n",
	       TARGET_DECODE / 1e6);
	static const struct {
		const char *codec;
		int set;
	} targets[] = {{"tlv", 0}, {"senml-cbor", 1}};
	for (int t = 0; t < 2; t++) {
		const struct result *r = NULL;
		for (size_t i = 0; i < n_res; i++)
			if (strcmp(results[i].codec->name, targets[t].codec) == 0 &&
			    results[i].ds == &sets[targets[t].set])
				r = &results[i];
		if (!r) {
			printf("  %-11s %s: not measured (no such codec plugin)\n", targets[t].codec,
			       sets[targets[t].set].name);
			continue;
		}
		char d[32];
		fmt_rate(d, sizeof(d), r->decode);
		printf("  %-11s %s: %s records/s: %s\n", targets[t].codec, sets[targets[t].set].name, d,
		       r->decode >= TARGET_DECODE ? "met" : "NOT MET");
	}

	lw_records_free(&sets[0].recs);
	lw_records_free(&sets[1].recs);
	unload_codecs(&h);
	lw_model_free(m);
	return failed;
}
