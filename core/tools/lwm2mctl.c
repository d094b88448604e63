/*
 * tools/lwm2mctl.c: the operator's command line (API.md). The offline
 * commands, decode and encode, turn a payload in any content format into the
 * JSON records of the REST API and back, so that integrators can look inside
 * what a device sent and make what it should receive. The client commands
 * (clients, read, data, write, exec, create, delete, discover, attrs,
 * observe, events) drive a running lwm2md over its REST API (tools/rest_client.c), so
 * that an operator can manage devices from a shell and scripts can rely on
 * the exit status. Each command is one row of the table below, with its own
 * option parsing, so they slot in without touching the others.
 *
 * The codecs are the daemon's own plugins (every codec-*.so of the plugin
 * directory, through the core's loader), and the object model is the
 * daemon's too (built-in definitions plus DDF folders), so what lwm2mctl
 * says about a payload is what lwm2md would make of it.
 *
 * Exit status: 0 ok, 1 bad input, a failure or an error answer of the
 * server (one line on stderr saying what and where), 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "log.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/ddf.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records_json.h"
#include "plugin.h"
#include "tools/rest_client.h"
#include "worker.h"

#ifndef LW_PLUGIN_DIR
#define LW_PLUGIN_DIR "/usr/local/lib/lwm2md/plugins"
#endif

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Input is read whole; past this it is surely not a payload. */
#define INPUT_LIMIT (256u << 20)

/* Everything a command may need; set up lazily, torn down once. */
struct ctl {
	const char *plugin_dir;
	const char **model_dirs;
	size_t n_model_dirs;

	lw_model *model;
	struct lw_events events;
	struct lw_worker_pool workers;
	struct lw_plugin_host host;
	struct lw_plugins *plugins; /* one list per file, so one bad file costs only itself */
	size_t n_plugins;
	char load_errors[1024]; /* why plugins were refused, for "unknown format" */
	int events_up, workers_up;

	/* The REST commands: where the daemon is and the key to it. */
	const char *url, *token, *token_file;
	char *token_buf; /* read from token_file */
	int curl_up;
};

struct command {
	const char *name;
	const char *synopsis;
	const char *summary;
	int (*run)(struct ctl *c, int argc, char **argv);
};

static const struct command commands[];

static void usage(FILE *out)
{
	fprintf(out, "Usage: lwm2mctl [--url URL] [--token T] [--plugin-dir DIR] [--models DIR]... COMMAND [ARGS]\n\n"
	             "Commands:\n");
	for (const struct command *k = commands; k->name; k++)
		fprintf(out, "  %-42s %s\n", k->synopsis, k->summary);
	fprintf(out,
	        "\n"
	        "  -f, --format F      text, opaque, tlv, tlv-legacy, json, senml-json, senml-cbor,\n"
	        "                      lwm2m-cbor, link, or a content-format number (11542)\n"
	        "  -p, --path P        the request path, for formats that carry relative ids\n"
	        "                      (TLV, text, opaque); default /\n"
	        "  FILE                the input; standard input when absent or \"-\"\n"
	        "\n"
	        "Options (before or after the command):\n"
	        "      --plugin-dir DIR  where the codec-*.so plugins are (default: $LWM2MD_PLUGIN_DIR,\n"
	        "                        else %s)\n"
	        "      --models DIR      object definitions (OMA DDF XML) besides the built-in ones;\n"
	        "                        may be repeated\n"
	        "      --url URL         the daemon's HTTP API (default: $LWM2MD_URL, else\n"
	        "                        http://127.0.0.1:8080)\n"
	        "      --token TOKEN     the bearer token (default: $LWM2MD_TOKEN)\n"
	        "      --token-file FILE read the token from FILE (e.g. STATE_DIR/admin.token)\n"
	        "      --json            print the server's JSON answer as it is\n"
	        "  -h, --help            this help\n"
	        "      --version         print the version and exit\n"
	        "Exit status: 0 ok, 1 bad input or failure, 2 bad usage.\n",
	        LW_PLUGIN_DIR);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("lwm2mctl: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/* One line on stderr, the rule for every failure. */
static int fail(const char *fmt, ...) LW_PRINTF(1, 2);
static int fail(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* A reason quoted from input may hold newlines: keep it one line. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "lwm2mctl: %s\n", line);
	return EXIT_FAIL;
}

/* ---- set-up: model and plugins ---- */

/* Lines the DDF loader reports for one folder: shown as warnings when the
 * folder loaded (bad files are skipped), or as the reason when it did not. */
struct ddf_report {
	char lines[8][300];
	int n, dropped;
};

static void report_ddf(void *ctx, const char *line)
{
	struct ddf_report *r = ctx;
	if (r->n < 8)
		snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", line);
	else
		r->dropped++;
}

static int load_model(struct ctl *c)
{
	c->model = lw_model_new();
	if (!c->model || lw_model_add_builtin(c->model) < 0)
		return fail("cannot build the object model: out of memory");
	for (size_t i = 0; i < c->n_model_dirs; i++) {
		struct ddf_report r = {.n = 0};
		int n = lw_ddf_load_dir(c->model, c->model_dirs[i], report_ddf, &r);
		if (n == LW_EIO)
			return fail("--models %s: cannot read that folder%s%s", c->model_dirs[i],
			            r.n ? ": " : "", r.n ? r.lines[0] : "");
		if (n < 0)
			return fail("--models %s: %s", c->model_dirs[i], lw_strerror(n));
		for (int k = 0; k < r.n; k++)
			fprintf(stderr, "lwm2mctl: warning: --models: %s (file skipped)\n", r.lines[k]);
		if (r.dropped)
			fprintf(stderr, "lwm2mctl: warning: --models: %d more files skipped\n",
			        r.dropped);
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void note_load_error(struct ctl *c, const char *msg)
{
	size_t used = strlen(c->load_errors);
	snprintf(c->load_errors + used, sizeof(c->load_errors) - used, "%s%s", used ? "; " : "",
	         msg);
}

/* Loads and starts every codec-*.so of the plugin directory, in name order. */
static int load_plugins(struct ctl *c)
{
	lw_events_init(&c->events);
	c->events_up = 1;
	/* No event loop here: a codec never submits jobs, but the ABI lets any
	 * plugin call lw_worker_submit, which must find a pool. */
	if (lw_worker_pool_start(&c->workers, NULL, 1, 16) != 0)
		return fail("cannot start a worker thread");
	c->workers_up = 1;
	c->host = (struct lw_plugin_host){.events = &c->events, .workers = &c->workers,
	                                  .state_dir = "."};

	DIR *dh = opendir(c->plugin_dir);
	if (!dh) {
		char msg[600];
		snprintf(msg, sizeof(msg), "cannot read plugin directory %s: %s", c->plugin_dir,
		         strerror(errno));
		note_load_error(c, msg);
		return 0;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		if (len < 10 || strncmp(de->d_name, "codec-", 6) != 0 ||
		    strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown) {
			rc = fail("out of memory");
			break;
		}
		names = grown;
		if (!(names[n] = strdup(de->d_name))) {
			rc = fail("out of memory");
			break;
		}
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	c->plugins = rc ? NULL : calloc(n ? n : 1, sizeof(*c->plugins));
	if (!rc && !c->plugins)
		rc = fail("out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!rc) {
			struct lw_config cfg;
			memset(&cfg, 0, sizeof(cfg));
			cfg.plugin_dir = (char *)c->plugin_dir;
			cfg.plugins = names[i];
			char err[512] = "";
			struct lw_plugins *ps = &c->plugins[c->n_plugins];
			if (lw_plugins_load(ps, &cfg, &c->host, err, sizeof(err)) != 0) {
				note_load_error(c, err);
			} else if (lw_plugins_start(ps, err, sizeof(err)) != 0) {
				note_load_error(c, err);
				lw_plugins_unload(ps);
			} else {
				c->n_plugins++;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static void teardown(struct ctl *c)
{
	if (c->workers_up)
		lw_worker_pool_stop(&c->workers);
	while (c->n_plugins > 0)
		lw_plugins_unload(&c->plugins[--c->n_plugins]);
	free(c->plugins);
	if (c->events_up)
		lw_events_free(&c->events);
	lw_model_free(c->model);
}

struct format_list {
	char text[512];
};

static void list_one(const struct lw_codec *k, void *ctx)
{
	struct format_list *l = ctx;
	size_t used = strlen(l->text);
	snprintf(l->text + used, sizeof(l->text) - used, "%s%s (%u)", used ? ", " : "", k->name,
	         k->content_format);
}

/* The codec named by --format: a name, or a content-format number. */
static const struct lw_codec *find_codec(struct ctl *c, const char *f)
{
	const struct lw_codec *k = lw_codec_by_name(f);
	if (k)
		return k;
	char *end;
	errno = 0;
	unsigned long v = strtoul(f, &end, 10);
	if (*f >= '0' && *f <= '9' && !*end && !errno && v <= 65535)
		k = lw_codec_by_format((uint16_t)v);
	if (k)
		return k;
	struct format_list l = {""};
	lw_codecs_each(list_one, &l);
	if (l.text[0])
		fprintf(stderr, "lwm2mctl: unknown format \"%s\" (the plugins of %s serve %s)%s%s\n",
		        f, c->plugin_dir, l.text, c->load_errors[0] ? "; refused: " : "",
		        c->load_errors);
	else
		fprintf(stderr, "lwm2mctl: unknown format \"%s\": no codec plugin in %s%s%s\n", f,
		        c->plugin_dir, c->load_errors[0] ? "; refused: " : "", c->load_errors);
	return NULL;
}

/* ---- input and output ---- */

static int read_input(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = stdin;
	if (path && strcmp(path, "-") != 0) {
		f = fopen(path, "rb");
		if (!f)
			return fail("cannot open %s: %s", path, strerror(errno));
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	int rc = buf ? 0 : fail("out of memory");
	while (!rc) {
		if (n == cap) {
			if (cap >= INPUT_LIMIT) {
				rc = fail("%s: larger than %u MiB: not a payload",
				          f == stdin ? "standard input" : path, INPUT_LIMIT >> 20);
				break;
			}
			uint8_t *g = realloc(buf, cap * 2);
			if (!g) {
				rc = fail("out of memory");
				break;
			}
			buf = g;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				rc = fail("cannot read %s: %s", f == stdin ? "standard input" : path,
				          strerror(errno));
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int write_output(const void *data, size_t len)
{
	if ((len && fwrite(data, 1, len, stdout) != len) || fflush(stdout) != 0)
		return fail("cannot write the output: %s", strerror(errno));
	return 0;
}

/* ---- decode and encode ---- */

struct codec_args {
	const char *format;
	const char *path_text;
	lw_path base;
	const char *file;
};

enum { OPT_PLUGIN_DIR = 256, OPT_MODELS, OPT_VERSION, OPT_URL, OPT_TOKEN, OPT_TOKEN_FILE };

static const struct option codec_opts[] = {
	{"format", required_argument, NULL, 'f'},
	{"path", required_argument, NULL, 'p'},
	{"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
	{"models", required_argument, NULL, OPT_MODELS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int add_model_dir(struct ctl *c, const char *dir)
{
	const char **g = realloc(c->model_dirs, (c->n_model_dirs + 1) * sizeof(*g));
	if (!g)
		return fail("out of memory");
	c->model_dirs = g;
	g[c->n_model_dirs++] = dir;
	return 0;
}

/* Options shared by every command; 0 when handled, -1 when not ours. */
static int common_option(struct ctl *c, int opt, int *rc)
{
	switch (opt) {
	case OPT_PLUGIN_DIR:
		c->plugin_dir = optarg;
		return 0;
	case OPT_MODELS:
		*rc = add_model_dir(c, optarg);
		return 0;
	case OPT_URL:
		c->url = optarg;
		return 0;
	case OPT_TOKEN:
		c->token = optarg;
		return 0;
	case OPT_TOKEN_FILE:
		c->token_file = optarg;
		return 0;
	default:
		return -1;
	}
}

static int parse_codec_args(struct ctl *c, const char *cmd, int argc, char **argv,
                            struct codec_args *a)
{
	memset(a, 0, sizeof(*a));
	a->base = LW_PATH_ROOT;
	optind = 0; /* glibc: start over, also forgetting the previous scan's state */
	int opt, rc = 0;
	while ((opt = getopt_long(argc, argv, "f:p:h", codec_opts, NULL)) != -1) {
		if (common_option(c, opt, &rc) == 0) {
			if (rc)
				return rc;
			continue;
		}
		switch (opt) {
		case 'f': a->format = optarg; break;
		case 'p': a->path_text = optarg; break;
		case 'h': usage(stdout); return -1;
		default: return usage_error("%s: bad option (see the usage below)", cmd);
		}
	}
	if (!a->format)
		return usage_error("%s: --format is required", cmd);
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument \"%s\"", argv[optind]);
	if (a->path_text) {
		const char *why = NULL;
		if (lw_path_parse(a->path_text, strlen(a->path_text), &a->base, &why) != 0) {
			fprintf(stderr, "lwm2mctl: --path \"%s\": %s\n", a->path_text, why);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Sets up the model and plugins and finds the codec: 0, or an exit status. */
static int prepare(struct ctl *c, const struct codec_args *a, const struct lw_codec **codec)
{
	int rc = load_model(c);
	if (!rc)
		rc = load_plugins(c);
	if (rc)
		return rc;
	*codec = find_codec(c, a->format);
	return *codec ? 0 : EXIT_USAGE;
}

static int print_json(const char *member, json_t *arr)
{
	json_t *root = json_object();
	if (!root || json_object_set_new(root, member, arr)) {
		json_decref(root);
		return fail("out of memory");
	}
	char *text = lw_json_dumps(root, 2);
	json_decref(root);
	if (!text)
		return fail("out of memory");
	size_t len = strlen(text);
	text[len] = '\n'; /* the dumper leaves room: its buffer ends in a NUL */
	int rc = write_output(text, len + 1);
	free(text);
	return rc;
}

static int cmd_decode(struct ctl *c, int argc, char **argv)
{
	struct codec_args a;
	const struct lw_codec *codec;
	int rc = parse_codec_args(c, "decode", argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = prepare(c, &a, &codec)))
		return rc;
	uint8_t *data;
	size_t len;
	if ((rc = read_input(a.file, &data, &len)))
		return rc;
	struct lw_codec_error err = {0, ""};
	json_t *arr = NULL;
	if (codec->decode_links) {
		lw_links links;
		lw_links_init(&links);
		rc = codec->decode_links(data, len, &links, &err);
		if (!rc && lw_links_to_json(&links, &arr) != 0)
			rc = LW_ENOMEM;
		lw_links_free(&links);
	} else if (codec->decode) {
		lw_records recs;
		lw_records_init(&recs);
		rc = codec->decode(c->model, &a.base, data, len, &recs, &err);
		if (!rc && lw_records_to_json(&recs, &arr) != 0) {
			rc = LW_EINVAL;
			snprintf(err.message, sizeof(err.message),
			         "the records cannot be written as JSON (a time that is not a number?)");
			err.offset = len;
		}
		lw_records_free(&recs);
	} else {
		free(data);
		return fail("decode %s: this codec cannot decode", codec->name);
	}
	free(data);
	if (rc) {
		if (!err.message[0])
			snprintf(err.message, sizeof(err.message), "%s", lw_strerror(rc));
		return fail("decode %s: byte %zu: %s", codec->name, err.offset, err.message);
	}
	return print_json(codec->decode_links ? "links" : "records", arr);
}

/* The array of {"records": [...]} (or "links"); a bare array is taken too. */
static const json_t *payload_array(const json_t *root, const char *member, char *why, size_t len)
{
	if (json_is_array(root))
		return root;
	if (!json_is_object(root)) {
		snprintf(why, len, "expected an object {\"%s\": [...]}", member);
		return NULL;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)root, key, v) {
		if (strcmp(key, member) != 0) {
			snprintf(why, len, "%.40s: unknown member (expected \"%s\")", key, member);
			return NULL;
		}
	}
	const json_t *arr = json_object_get(root, member);
	if (!arr)
		snprintf(why, len, "%s: missing", member);
	return arr;
}

static int cmd_encode(struct ctl *c, int argc, char **argv)
{
	struct codec_args a;
	const struct lw_codec *codec;
	int rc = parse_codec_args(c, "encode", argc, argv, &a);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = prepare(c, &a, &codec)))
		return rc;
	if (!codec->encode && !codec->encode_links)
		return fail("encode %s: this codec cannot encode", codec->name);
	uint8_t *data;
	size_t len;
	if ((rc = read_input(a.file, &data, &len)))
		return rc;
	json_error_t jerr;
	json_t *root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	free(data);
	if (!root)
		return fail("encode %s: JSON line %d column %d (byte %d): %s", codec->name, jerr.line,
		            jerr.column, jerr.position, jerr.text);
	char why[256] = "";
	const char *member = codec->encode_links ? "links" : "records";
	const json_t *arr = payload_array(root, member, why, sizeof(why));
	struct lw_codec_error err = {0, ""};
	lw_buf out;
	lw_buf_init(&out);
	if (!arr) {
		rc = LW_EINVAL;
	} else if (codec->encode_links) {
		lw_links links;
		lw_links_init(&links);
		rc = lw_links_from_json(arr, &links, why, sizeof(why));
		if (!rc && (rc = codec->encode_links(&links, &out, &err)))
			snprintf(why, sizeof(why), "%s", err.message[0] ? err.message : lw_strerror(rc));
		lw_links_free(&links);
	} else {
		lw_records recs;
		lw_records_init(&recs);
		rc = lw_records_from_json(arr, &recs, why, sizeof(why));
		if (!rc && (rc = codec->encode(c->model, &a.base, &recs, &out, &err)))
			snprintf(why, sizeof(why), "%s", err.message[0] ? err.message : lw_strerror(rc));
		lw_records_free(&recs);
	}
	json_decref(root);
	if (!rc)
		rc = write_output(out.data, out.len);
	else
		rc = fail("encode %s: %s", codec->name, why[0] ? why : lw_strerror(rc));
	lw_buf_free(&out);
	return rc;
}

/* ---- the REST client commands ---- */

/*
 * Each one turns its arguments into one request (observe and events: a
 * stream too), prints the answer for a human (or raw with --json), and turns
 * an error answer into the one-line reason of API.md's error body.
 */

/* Which options a REST command takes, by their short letter. */
static const struct option rest_opts[] = {
	{"url", required_argument, NULL, OPT_URL},
	{"token", required_argument, NULL, OPT_TOKEN},
	{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	{"json", no_argument, NULL, 'j'},
	{"q", required_argument, NULL, 'q'},
	{"format", required_argument, NULL, 'f'},
	{"timeout", required_argument, NULL, 't'},
	{"type", required_argument, NULL, 'T'},
	{"mode", required_argument, NULL, 'm'},
	{"records", required_argument, NULL, 'r'},
	{"count", required_argument, NULL, 'n'},
	{"ep", required_argument, NULL, 'e'},
	{"path", required_argument, NULL, 'p'},
	{"from", required_argument, NULL, 'F'},
	{"to", required_argument, NULL, 'U'},
	{"limit", required_argument, NULL, 'l'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

struct rest_args {
	const char *cmd;
	int json;
	const char *q, *format, *type, *mode, *records, *ep;
	const char *path, *from, *to; /* data: as typed, checked by the command */
	long timeout, count, limit;
	char **pos; /* the positional arguments */
	int npos;
	char what[512]; /* "read dev1 /3/0": the start of every error line */
};

static volatile int interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Parses a command's arguments: the options it allows (letters of allowed),
 * then between min_pos and max_pos (-1: any) positional arguments. 0, or an
 * exit status.
 */
static int parse_rest_args(struct ctl *c, int argc, char **argv, const char *allowed, int min_pos,
                           int max_pos, struct rest_args *a)
{
	memset(a, 0, sizeof(*a));
	a->cmd = argv[0];
	optind = 0;
	int opt, rc = 0;
	while ((opt = getopt_long(argc, argv, "h", rest_opts, NULL)) != -1) {
		if (common_option(c, opt, &rc) == 0) {
			if (rc)
				return rc;
			continue;
		}
		if (opt == 'h') {
			usage(stdout);
			return -1;
		}
		if (opt == '?' || opt > 255 || !strchr(allowed, opt))
			return usage_error("%s: bad option (see the usage below)", a->cmd);
		switch (opt) {
		case 'j': a->json = 1; break;
		case 'q': a->q = optarg; break;
		case 'f': a->format = optarg; break;
		case 'T': a->type = optarg; break;
		case 'm': a->mode = optarg; break;
		case 'r': a->records = optarg; break;
		case 'e': a->ep = optarg; break;
		case 'p': a->path = optarg; break;
		case 'F': a->from = optarg; break;
		case 'U': a->to = optarg; break;
		case 'l':
			if (parse_long(optarg, 1, 10000, &a->limit))
				return usage_error("--limit \"%s\": a number from 1 to 10000", optarg);
			break;
		case 't':
			if (parse_long(optarg, 1, 86400, &a->timeout))
				return usage_error("--timeout \"%s\": seconds from 1 to 86400", optarg);
			break;
		case 'n':
			if (parse_long(optarg, 1, 1000000000, &a->count))
				return usage_error("--count \"%s\": a number from 1 up", optarg);
			break;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (a->npos < min_pos)
		return usage_error("%s: missing arguments (see the usage below)", a->cmd);
	if (max_pos >= 0 && a->npos > max_pos)
		return usage_error("unexpected argument \"%s\"", a->pos[max_pos]);
	size_t n = (size_t)snprintf(a->what, sizeof(a->what), "%s", a->cmd);
	for (int i = 0; i < a->npos && n < sizeof(a->what); i++)
		n += (size_t)snprintf(a->what + n, sizeof(a->what) - n, " %s", a->pos[i]);
	return 0;
}

/* The token file's first line, trimmed. */
static int read_token_file(struct ctl *c)
{
	FILE *f = fopen(c->token_file, "r");
	if (!f)
		return fail("--token-file %s: %s", c->token_file, strerror(errno));
	char line[4096] = "";
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	size_t n = strcspn(line, "\r\n");
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	line[n] = '\0';
	if (!line[0])
		return fail("--token-file %s: the file holds no token", c->token_file);
	c->token_buf = strdup(line);
	if (!c->token_buf)
		return fail("out of memory");
	c->token = c->token_buf;
	return 0;
}

/* URL and token from the options, else the environment; curl set up. */
static int rest_setup(struct ctl *c, struct rest *r, long timeout)
{
	if (!c->url) {
		const char *u = getenv("LWM2MD_URL");
		c->url = u && *u ? u : "http://127.0.0.1:8080";
	}
	if (!c->token && c->token_file) {
		int rc = read_token_file(c);
		if (rc)
			return rc;
	}
	if (!c->token) {
		const char *t = getenv("LWM2MD_TOKEN");
		c->token = t && *t ? t : NULL;
	}
	if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0) {
		fprintf(stderr, "lwm2mctl: --url \"%s\": not an http:// or https:// URL\n", c->url);
		return EXIT_USAGE;
	}
	if (!c->curl_up) {
		if (rest_global_init())
			return fail("cannot initialise libcurl");
		c->curl_up = 1;
	}
	memset(r, 0, sizeof(*r));
	r->url = c->url;
	r->token = c->token;
	r->timeout_s = timeout;
	return 0;
}

/* The reason of an error answer: "404 not-found: no client named dev1". */
static int fail_reply(const struct rest_args *a, const struct rest_reply *rep)
{
	json_t *root = json_loadb(rep->body, rep->len, 0, NULL);
	const char *code = json_string_value(json_object_get(root, "error"));
	const char *msg = json_string_value(json_object_get(root, "message"));
	const char *st = json_string_value(json_object_get(root, "status"));
	int rc;
	if (code && msg)
		rc = fail("%s: %ld %s: %s", a->what, rep->status, code, msg);
	else if (code || msg)
		rc = fail("%s: %ld %s", a->what, rep->status, code ? code : msg);
	else if (st)
		rc = fail("%s: %ld (CoAP %s)", a->what, rep->status, st);
	else if (rep->len)
		rc = fail("%s: %ld %.200s", a->what, rep->status, rep->body);
	else
		rc = fail("%s: %ld", a->what, rep->status);
	json_decref(root);
	return rc;
}

/*
 * Runs one request. On a 2xx answer *json gets the parsed body (NULL when
 * empty) and 0 is returned; otherwise the failure is printed and its exit
 * status returned.
 */
static int call(struct ctl *c, const struct rest_args *a, const char *method, const char *target,
                const char *body, json_t **json)
{
	struct rest r;
	*json = NULL;
	/* The server waits up to --timeout for the device; give it some slack. */
	int rc = rest_setup(c, &r, a->timeout ? a->timeout + 15 : 120);
	if (rc)
		return rc;
	struct rest_reply rep;
	char err[512];
	if (rest_request(&r, method, target, body, &rep, err, sizeof(err)) != 0)
		return fail("%s", err);
	if (rep.status < 200 || rep.status > 299) {
		rc = fail_reply(a, &rep);
	} else if (rep.len) {
		json_error_t je;
		*json = json_loadb(rep.body, rep.len, JSON_DECODE_ANY, &je);
		if (!*json)
			rc = fail("%s: the server's answer is not JSON: %s", a->what, je.text);
	}
	rest_reply_free(&rep);
	return rc;
}

/* "/api/v1/clients/EP" + rest: the endpoint name is one escaped segment. */
static char *client_target(const char *ep, const char *rest)
{
	char *e = rest_escape(ep);
	if (!e)
		return NULL;
	size_t len = strlen(e) + strlen(rest) + 32;
	char *t = malloc(len);
	if (t)
		snprintf(t, len, "/api/v1/clients/%s%s", e, rest);
	free(e);
	return t;
}

/* Checks an LwM2M path and gives it without a trailing "/" ("" for root). */
static int check_path(const char *p, char *out, size_t len)
{
	lw_path parsed;
	const char *why = NULL;
	if (lw_path_parse(p, strlen(p), &parsed, &why) != 0) {
		fprintf(stderr, "lwm2mctl: path \"%s\": %s\n", p, why ? why : "not an LwM2M path");
		return EXIT_USAGE;
	}
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	if (n + 1 > len) {
		fprintf(stderr, "lwm2mctl: path \"%s\" is too long\n", p);
		return EXIT_USAGE;
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* The client target for EP and PATH plus suffix (and query); NULL: failure printed. */
static char *path_target(const char *ep, const char *path, const char *suffix, int *rc)
{
	char p[256], rest[1024];
	*rc = check_path(path, p, sizeof(p));
	if (*rc)
		return NULL;
	snprintf(rest, sizeof(rest), "%s%s", p, suffix ? suffix : "");
	char *t = client_target(ep, rest);
	if (!t)
		*rc = fail("out of memory");
	return t;
}

/* Ends a command that printed: a write error (a full disk, a closed pipe) fails it. */
static int flush_output(void)
{
	return fflush(stdout) ? fail("cannot write the output: %s", strerror(errno)) : 0;
}

static int print_raw(const json_t *j)
{
	char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY) : strdup("null");
	if (!text)
		return fail("out of memory");
	printf("%s\n", text);
	free(text);
	return flush_output();
}

/* Seconds since the epoch as UTC ISO 8601, with milliseconds when they matter. */
static void format_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&s, &tm)) {
		snprintf(buf, len, "%.3f", t);
		return;
	}
	char base[40];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	int ms = (int)((t - (double)s) * 1000.0 + 0.5);
	if (ms > 0 && ms < 1000)
		snprintf(buf, len, "%s.%03dZ", base, ms);
	else
		snprintf(buf, len, "%sZ", base);
}

/* A JSON scalar as text (strings without quotes). */
static void format_value(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.15g", json_real_value(v));
	else if (json_is_true(v))
		snprintf(buf, len, "true");
	else if (json_is_false(v))
		snprintf(buf, len, "false");
	else if (!v || json_is_null(v))
		snprintf(buf, len, "-");
	else {
		char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(buf, len, "%s", t ? t : "?");
		free(t);
	}
}

static double number_of(const json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : 0;
}

/* The records of an answer as a table: PATH TYPE VALUE TIME. */
static void print_records_table(const json_t *records)
{
	size_t i, w = 4;
	json_t *r;
	json_array_foreach(records, i, r) {
		size_t n = strlen(json_string_value(json_object_get(r, "path")) ?: "");
		if (n > w)
			w = n;
	}
	printf("%-*s  %-8s  %-24s  %s\n", (int)w, "PATH", "TYPE", "VALUE", "TIME");
	json_array_foreach(records, i, r) {
		char value[1024], when[64] = "-";
		const char *type = json_string_value(json_object_get(r, "type"));
		const json_t *v = json_object_get(r, "value");
		/* A time resource reads better as a date. */
		if (type && !strcmp(type, "time") && json_is_number(v))
			format_time(number_of(v), value, sizeof(value));
		else
			format_value(v, value, sizeof(value));
		const json_t *t = json_object_get(r, "time");
		if (json_is_number(t))
			format_time(number_of(t), when, sizeof(when));
		printf("%-*s  %-8s  %-24s  %s\n", (int)w,
		       json_string_value(json_object_get(r, "path")) ?: "?",
		       json_string_value(json_object_get(r, "type")) ?: "?", value, when);
	}
}

/* A 202 answer: the device sleeps and the operation waits in its queue. */
static int queued(const json_t *j)
{
	const char *st = json_string_value(json_object_get(j, "status"));
	if (!st || strcmp(st, "queued") != 0)
		return 0;
	char id[64];
	format_value(json_object_get(j, "id"), id, sizeof(id));
	printf("queued as operation %s (the result comes on the event stream)\n", id);
	return 1;
}

static int cmd_clients(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jq", 0, 0, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char target[600] = "/api/v1/clients";
	if (a.q) {
		char *e = rest_escape(a.q);
		if (!e)
			return fail("out of memory");
		snprintf(target, sizeof(target), "/api/v1/clients?q=%s", e);
		free(e);
	}
	json_t *j;
	rc = call(c, &a, "GET", target, NULL, &j);
	if (rc)
		return rc;
	if (a.json || !json_is_array(j)) {
		rc = print_raw(j);
		json_decref(j);
		return rc;
	}
	/* In a cluster the list holds other nodes' clients too, each with the
	 * "node" that serves it: only then is a NODE column worth its width. */
	size_t i, w = 8, nw = 0;
	json_t *k;
	json_array_foreach(j, i, k) {
		size_t n = strlen(json_string_value(json_object_get(k, "endpoint")) ?: "");
		if (n > w)
			w = n;
		const json_t *node = json_object_get(k, "node");
		if (node) {
			char name[256];
			format_value(node, name, sizeof(name));
			n = strlen(name);
			nw = n > nw ? n : nw;
			nw = nw < 4 ? 4 : nw;
		}
	}
	printf("%-*s  ", (int)w, "ENDPOINT");
	if (nw)
		printf("%-*s  ", (int)nw, "NODE");
	printf("%-7s  %-7s  %8s  %-20s  %s\n", "VERSION", "BINDING", "LIFETIME", "LAST SEEN",
	       "ADDRESS");
	json_array_foreach(j, i, k) {
		char seen[64] = "-", life[32];
		if (json_is_number(json_object_get(k, "lastSeen")))
			format_time(floor(number_of(json_object_get(k, "lastSeen"))), seen,
			            sizeof(seen));
		format_value(json_object_get(k, "lifetime"), life, sizeof(life));
		printf("%-*s  ", (int)w, json_string_value(json_object_get(k, "endpoint")) ?: "?");
		if (nw) {
			char name[256];
			/* A client without "node" is served here: format_value gives "-". */
			format_value(json_object_get(k, "node"), name, sizeof(name));
			printf("%-*s  ", (int)nw, name);
		}
		printf("%-7s  %-7s  %8s  %-20s  %s\n",
		       json_string_value(json_object_get(k, "lwm2mVersion")) ?: "-",
		       json_string_value(json_object_get(k, "binding")) ?: "-", life, seen,
		       json_string_value(json_object_get(k, "address")) ?: "-");
	}
	json_decref(j);
	return flush_output();
}

/*
 * The commands that take "[-j] ENDPOINT" and GET one resource of that client
 * (rest: what follows /api/v1/clients/EP). 0 with the answer in *j; else
 * what the command returns, and *j is NULL (-1: nothing more to do).
 */
static int get_client(struct ctl *c, int argc, char **argv, const char *rest,
                      struct rest_args *a, json_t **j)
{
	*j = NULL;
	int rc = parse_rest_args(c, argc, argv, "j", 1, 1, a);
	if (rc)
		return rc;
	char *target = client_target(a->pos[0], rest);
	if (!target)
		return fail("out of memory");
	rc = call(c, a, "GET", target, NULL, j);
	free(target);
	return rc;
}

static int cmd_client(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	json_t *j;
	int rc = get_client(c, argc, argv, "", &a, &j);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (a.json || !json_is_object(j)) {
		rc = print_raw(j);
		json_decref(j);
		return rc;
	}
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		char text[2048];
		if (json_is_number(v) && (!strcmp(key, "registeredAt") || !strcmp(key, "lastSeen")))
			format_time(floor(number_of(v)), text, sizeof(text));
		else if (json_is_array(v)) {
			size_t i, n = 0;
			json_t *e;
			text[0] = '\0';
			json_array_foreach(v, i, e) {
				char one[256];
				format_value(e, one, sizeof(one));
				n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0,
				                      "%s%s", i ? " " : "", one);
			}
		} else
			format_value(v, text, sizeof(text));
		printf("%-14s %s\n", key, text);
	}
	json_decref(j);
	return flush_output();
}

static int cmd_observations(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	json_t *j;
	int rc = get_client(c, argc, argv, "/observations", &a, &j);
	if (rc)
		rc = rc < 0 ? 0 : rc;
	else
		rc = print_raw(j);
	json_decref(j);
	return rc;
}

/* "?format=F&timeout=S" as far as given, appended to target. */
static int add_read_query(const struct rest_args *a, char *q, size_t len)
{
	q[0] = '\0';
	char *e = a->format ? rest_escape(a->format) : NULL;
	if (a->format && !e)
		return fail("out of memory");
	if (e && a->timeout)
		snprintf(q, len, "?format=%s&timeout=%ld", e, a->timeout);
	else if (e)
		snprintf(q, len, "?format=%s", e);
	else if (a->timeout)
		snprintf(q, len, "?timeout=%ld", a->timeout);
	free(e);
	return 0;
}

static int print_records_answer(const struct rest_args *a, json_t *j)
{
	if (a->json || queued(j))
		return a->json ? print_raw(j) : 0;
	const json_t *records = json_object_get(j, "records");
	if (!json_is_array(records))
		return print_raw(j);
	print_records_table(records);
	return flush_output();
}

static int cmd_read(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jft", 2, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char q[300];
	if ((rc = add_read_query(&a, q, sizeof(q))))
		return rc;
	char *target = path_target(a.pos[0], a.pos[1], q, &rc);
	if (!target)
		return rc;
	json_t *j;
	rc = call(c, &a, "GET", target, NULL, &j);
	free(target);
	if (!rc)
		rc = print_records_answer(&a, j);
	json_decref(j);
	return rc;
}

/* Exactly n decimal digits at p, as a number; -1 when they are not there. */
static int fixed_digits(const char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Digits with at most one ".", and at least one digit: a plain decimal. */
static int plain_decimal(const char *s, size_t n)
{
	int digits = 0, dots = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.')
			dots++;
		else
			return 0;
	}
	return digits > 0 && dots <= 1;
}

/* "2026-11-21T10:00:00Z", seconds may have a fraction; 0 and *out, or -1. */
static int parse_iso_utc(const char *s, double *out)
{
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return -1;
	int y = fixed_digits(s, 4), mo = fixed_digits(s + 5, 2), d = fixed_digits(s + 8, 2);
	int h = fixed_digits(s + 11, 2), mi = fixed_digits(s + 14, 2), sec = fixed_digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || sec < 0 || sec > 59)
		return -1;
	const char *p = s + 19;
	double frac = 0;
	if (*p == '.') {
		size_t n = strspn(p + 1, "0123456789");
		if (!n)
			return -1;
		frac = strtod(p, NULL);
		p += 1 + n;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	                .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	time_t t = timegm(&tm);
	/* timegm moves "02-30" to March: a date that moved did not exist. */
	if (t == (time_t)-1 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
		return -1;
	*out = (double)t + frac;
	return 0;
}

/*
 * A time for data's --from and --to, as seconds since the epoch, which is
 * what the server takes: "1763750000.5" as it is, "-10m" (s, m, h, d, w) is
 * that long before now, or ISO 8601 UTC. 0, or -1 for anything else.
 */
static int parse_when(const char *s, double now, double *out)
{
	size_t n = strlen(s);
	if (n && plain_decimal(s, n)) {
		*out = strtod(s, NULL);
		return isfinite(*out) ? 0 : -1;
	}
	if (n >= 3 && s[0] == '-' && plain_decimal(s + 1, n - 2)) {
		static const char units[] = "smhdw";
		static const double secs[] = {1, 60, 3600, 86400, 7 * 86400};
		const char *u = strchr(units, s[n - 1]);
		if (!u)
			return -1;
		double ago = strtod(s + 1, NULL) * secs[u - units];
		if (!isfinite(ago) || ago > now)
			return -1;
		*out = now - ago;
		return 0;
	}
	return parse_iso_utc(s, out);
}

/* "&from=T" for one of data's time options, or "" when not given. */
static int when_query(const char *opt, const char *val, double now, char *q, size_t len)
{
	q[0] = '\0';
	if (!val)
		return 0;
	double t;
	if (parse_when(val, now, &t) != 0) {
		fprintf(stderr,
		        "lwm2mctl: --%s \"%s\": expected seconds since the epoch (1763750000.5), "
		        "-10m / -2h / -1d (before now) or UTC like 2026-11-21T10:00:00Z\n",
		        opt, val);
		return EXIT_USAGE;
	}
	snprintf(q, len, "&%s=%.6f", opt, t);
	return 0;
}

static double now_seconds(void);

/* The stored time series of a client: GET .../data, shown like a Read. */
static int cmd_data(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jpFUl", 1, 1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char p[256] = "", from[64], to[64], q[512];
	if (a.path && (rc = check_path(a.path, p, sizeof(p))))
		return rc;
	/* One "now" for both ends, so "--from -1h --to -1h" is one instant. */
	double now = now_seconds();
	if ((rc = when_query("from", a.from, now, from, sizeof(from))) ||
	    (rc = when_query("to", a.to, now, to, sizeof(to))))
		return rc;
	/* The path is digits and slashes (checked): safe in a query as it is.
	 * What is not given is left out, so the server's defaults apply. */
	char lim[32] = "";
	if (a.limit)
		snprintf(lim, sizeof(lim), "&limit=%ld", a.limit);
	snprintf(q, sizeof(q), "%s%s%s%s%s", p[0] ? "&path=" : "", p, from, to, lim);
	if (q[0])
		q[0] = '?';
	char rest[600];
	snprintf(rest, sizeof(rest), "/data%s", q);
	char *target = client_target(a.pos[0], rest);
	if (!target)
		return fail("out of memory");
	json_t *j;
	rc = call(c, &a, "GET", target, NULL, &j);
	free(target);
	if (!rc)
		rc = print_records_answer(&a, j);
	json_decref(j);
	return rc;
}

/* The records file given with --records: {"records": [...]} or a bare array. */
static json_t *load_records(const char *file, int *rc)
{
	json_error_t je;
	json_t *root = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &je) : json_load_file(file, 0, &je);
	if (!root) {
		if (je.line > 0)
			*rc = fail("--records %s: line %d: %s", file, je.line, je.text);
		else
			*rc = fail("--records %s: %s", file, je.text);
		return NULL;
	}
	json_t *arr = json_is_array(root) ? json_incref(root)
	                                  : json_incref(json_object_get(root, "records"));
	json_decref(root);
	if (!json_is_array(arr)) {
		json_decref(arr);
		*rc = fail("--records %s: expected {\"records\": [...]} or an array of records", file);
		return NULL;
	}
	json_t *body = json_object();
	if (!body || json_object_set_new(body, "records", arr)) {
		json_decref(body);
		*rc = fail("out of memory");
		return NULL;
	}
	return body;
}

/*
 * A value typed on the command line, as JSON of the resource's type (from
 * --type, else the object model): "42" is a number for an integer resource
 * but a string for a string one. For a resource the model does not know,
 * true/false become booleans, numbers numbers, anything else a string.
 */
static json_t *value_from_text(const char *s, const char *type)
{
	char *end;
	if (type && (!strcmp(type, "string") || !strcmp(type, "opaque") || !strcmp(type, "objlnk") ||
	             !strcmp(type, "corelnk")))
		return json_string(s);
	if (!strcmp(s, "true") || !strcmp(s, "false"))
		return json_boolean(!strcmp(s, "true"));
	if (type && !strcmp(type, "boolean") && (!strcmp(s, "1") || !strcmp(s, "0")))
		return json_boolean(!strcmp(s, "1"));
	errno = 0;
	long long i = strtoll(s, &end, 10);
	if (*s && !*end && !errno && (!type || strcmp(type, "float") != 0))
		return json_integer(i);
	errno = 0;
	double d = strtod(s, &end);
	if (*s && !*end && !errno && isfinite(d))
		return json_real(d);
	return json_string(s);
}

static int cmd_write(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jTmrt", 2, 3, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if ((a.npos == 3) == (a.records != NULL))
		return usage_error("%s: give either VALUE or --records FILE", a.cmd);
	if (a.mode && strcmp(a.mode, "update") != 0 && strcmp(a.mode, "replace") != 0)
		return usage_error("--mode \"%s\": replace or update", a.mode);
	static const char *const types[] = {"string", "integer", "unsigned", "float", "boolean",
	                                    "opaque", "time", "objlnk", "corelnk", NULL};
	if (a.type) {
		const char *const *t = types;
		while (*t && strcmp(*t, a.type) != 0)
			t++;
		if (!*t)
			return usage_error("--type \"%s\": string, integer, unsigned, float, boolean, "
			                   "opaque, time, objlnk or corelnk",
			                   a.type);
	}
	char q[64] = "";
	if (a.mode)
		snprintf(q, sizeof(q), "?mode=%s", a.mode);
	char *target = path_target(a.pos[0], a.pos[1], q, &rc);
	if (!target)
		return rc;
	json_t *body = NULL;
	if (a.records) {
		body = load_records(a.records, &rc);
	} else if (a.type) {
		char p[256];
		check_path(a.pos[1], p, sizeof(p));
		body = json_pack("{s:[{s:s, s:s, s:o}]}", "records", "path", p, "type", a.type,
		                 "value", value_from_text(a.pos[2], a.type));
	} else {
		lw_path lp;
		const char *type = NULL;
		if ((rc = load_model(c))) {
			free(target);
			return rc;
		}
		if (lw_path_parse(a.pos[1], strlen(a.pos[1]), &lp, NULL) == 0) {
			int t = lw_model_type(c->model, &lp);
			type = t != LW_TYPE_NONE ? lw_type_name(t) : NULL;
		}
		body = json_pack("{s:o}", "value", value_from_text(a.pos[2], type));
	}
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		free(target);
		return rc ? rc : fail("out of memory");
	}
	json_t *j;
	rc = call(c, &a, "PUT", target, text, &j);
	free(text);
	free(target);
	if (!rc && !queued(j))
		rc = a.json ? print_raw(j) : 0;
	json_decref(j);
	return rc;
}

/* For commands whose answer is only a status: --json shows it, else silence. */
static int simple_call(struct ctl *c, struct rest_args *a, const char *method, char *target,
                       const char *body)
{
	json_t *j;
	int rc = call(c, a, method, target, body, &j);
	free(target);
	if (!rc && !queued(j) && a->json)
		rc = print_raw(j);
	json_decref(j);
	return rc;
}

static int cmd_exec(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jt", 2, 3, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char *target = path_target(a.pos[0], a.pos[1], NULL, &rc);
	if (!target)
		return rc;
	char *text = NULL;
	if (a.npos == 3) {
		json_t *body = json_pack("{s:s}", "args", a.pos[2]);
		text = body ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (!text) {
			free(target);
			return fail("out of memory");
		}
	}
	rc = simple_call(c, &a, "POST", target, text);
	free(text);
	return rc;
}

static int cmd_create(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jrt", 2, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!a.records)
		return usage_error("%s: --records FILE is required", a.cmd);
	char *target = path_target(a.pos[0], a.pos[1], NULL, &rc);
	if (!target)
		return rc;
	json_t *body = load_records(a.records, &rc);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		free(target);
		return rc ? rc : fail("out of memory");
	}
	json_t *j;
	rc = call(c, &a, "POST", target, text, &j);
	free(text);
	free(target);
	if (!rc && !queued(j)) {
		/* Say which instance the device made, when the server tells. */
		const char *loc = json_string_value(json_object_get(j, "location"));
		if (a.json)
			rc = print_raw(j);
		else if (loc)
			printf("created %s\n", loc);
	}
	json_decref(j);
	return rc;
}

static int cmd_delete(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jt", 2, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char *target = path_target(a.pos[0], a.pos[1], NULL, &rc);
	return target ? simple_call(c, &a, "DELETE", target, NULL) : rc;
}

static int cmd_discover(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jt", 2, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char *target = path_target(a.pos[0], a.pos[1], "/discover", &rc);
	if (!target)
		return rc;
	json_t *j;
	rc = call(c, &a, "GET", target, NULL, &j);
	free(target);
	if (rc)
		return rc;
	const json_t *links = json_object_get(j, "links");
	if (a.json || !json_is_array(links)) {
		if (a.json || !queued(j))
			rc = print_raw(j);
		json_decref(j);
		return rc;
	}
	/* One link a line: the path, then its attributes as the wire has them. */
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l) {
		fputs(json_string_value(json_object_get(l, "path")) ?: "?", stdout);
		const char *key;
		json_t *v;
		json_object_foreach(json_object_get(l, "attributes"), key, v) {
			char text[256];
			format_value(v, text, sizeof(text));
			printf(" %s=%s", key, text);
		}
		putchar('\n');
	}
	json_decref(j);
	return flush_output();
}

static int cmd_attrs(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jt", 3, -1, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	static const char *const names[] = {"pmin", "pmax", "gt", "lt", "st", "epmin", "epmax",
	                                    "edge", "con", "hqmax", NULL};
	json_t *body = json_object();
	if (!body)
		return fail("out of memory");
	for (int i = 2; i < a.npos; i++) {
		const char *eq = strchr(a.pos[i], '=');
		const char *const *n = names;
		while (eq && *n && (strlen(*n) != (size_t)(eq - a.pos[i]) ||
		                    strncmp(*n, a.pos[i], (size_t)(eq - a.pos[i])) != 0))
			n++;
		char *end = NULL;
		double v = eq && eq[1] ? strtod(eq + 1, &end) : 0;
		if (eq && *n && !eq[1]) {
			/* "NAME=" with nothing: remove that attribute from the device. */
			json_object_set_new(body, *n, json_null());
			continue;
		}
		if (!eq || !*n || *end || !isfinite(v)) {
			json_decref(body);
			return usage_error("\"%s\": expected NAME=NUMBER or NAME=, NAME one of pmin, "
			                   "pmax, gt, lt, st, epmin, epmax, edge, con, hqmax",
			                   a.pos[i]);
		}
		json_t *num = v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v)
		                                              : json_real(v);
		json_object_set_new(body, *n, num);
	}
	char *text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	char *target = text ? path_target(a.pos[0], a.pos[1], "/attributes", &rc) : NULL;
	if (!target) {
		free(text);
		return text ? rc : fail("out of memory");
	}
	rc = simple_call(c, &a, "PUT", target, text);
	free(text);
	return rc;
}

/* ---- observe and events: the stream ---- */

struct follow {
	struct ctl *c;
	struct rest_args *a;
	const char *path;  /* observe: the observed path ("" for none) */
	char *obs_target;  /* observe: .../observe, posted once the stream is open */
	int observing;     /* the POST succeeded: cancel at the end */
	int rc;            /* a failure met inside a callback */
	long seen;
};

/* "TIME PATH VALUE" for every record of an answer or a notification. */
static void print_notification_records(const json_t *records, double event_time)
{
	size_t i;
	json_t *r;
	json_array_foreach(records, i, r) {
		char when[64], value[1024];
		const json_t *t = json_object_get(r, "time");
		format_time(json_is_number(t) ? number_of(t) : event_time, when, sizeof(when));
		format_value(json_object_get(r, "value"), value, sizeof(value));
		printf("%s %s %s\n", when, json_string_value(json_object_get(r, "path")) ?: "?",
		       value);
	}
	fflush(stdout);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The stream is open, so no notification can be missed: start observing now. */
static int observe_open(void *ctx)
{
	struct follow *f = ctx;
	if (!f->obs_target)
		return 0;
	json_t *j;
	f->rc = call(f->c, f->a, "POST", f->obs_target, NULL, &j);
	if (f->rc)
		return 1;
	f->observing = 1;
	if (f->a->json)
		f->rc = print_raw(j);
	else if (!queued(j) && json_is_array(json_object_get(j, "records")))
		print_notification_records(json_object_get(j, "records"), now_seconds());
	json_decref(j);
	return f->rc ? 1 : 0;
}

static int observe_event(void *ctx, const char *kind, const char *data)
{
	struct follow *f = ctx;
	if (strcmp(kind, "notification") != 0)
		return 0;
	json_t *j = json_loads(data, 0, NULL);
	const char *p = json_string_value(json_object_get(j, "path"));
	if (!p || strcmp(p, f->path) != 0) {
		json_decref(j);
		return 0; /* another observation of the same device */
	}
	if (f->a->json) {
		printf("%s\n", data);
		fflush(stdout);
	} else {
		print_notification_records(json_object_get(j, "records"),
		                           json_is_number(json_object_get(j, "time"))
		                                   ? number_of(json_object_get(j, "time"))
		                                   : now_seconds());
	}
	json_decref(j);
	f->seen++;
	return f->a->count && f->seen >= f->a->count;
}

static int raw_event(void *ctx, const char *kind, const char *data)
{
	struct follow *f = ctx;
	printf("event: %s\ndata: %s\n\n", kind, data);
	fflush(stdout);
	f->seen++;
	return f->a->count && f->seen >= f->a->count;
}

/* Follows /api/v1/events (?ep=) until --count, Ctrl-C or the server's end. */
static int follow_events(struct follow *f, const char *ep, rest_open_fn on_open, rest_event_fn fn)
{
	struct rest r;
	int rc = rest_setup(f->c, &r, 0);
	if (rc)
		return rc;
	char target[600] = "/api/v1/events";
	if (ep) {
		char *e = rest_escape(ep);
		if (!e)
			return fail("out of memory");
		snprintf(target, sizeof(target), "/api/v1/events?ep=%s", e);
		free(e);
	}
	struct sigaction sa = {.sa_handler = on_sigint}, old_int, old_term;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	struct rest_reply rep;
	char err[512];
	int s = rest_stream(&r, target, on_open, fn, f, &interrupted, &rep, err, sizeof(err));
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (s < 0)
		rc = fail("%s", err);
	else if (s > 0)
		rc = fail_reply(f->a, &rep);
	rest_reply_free(&rep);
	return f->rc ? f->rc : rc;
}

static int cmd_observe(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "jfnt", 2, 2, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	char p[256], q[300];
	if ((rc = check_path(a.pos[1], p, sizeof(p))) || (rc = add_read_query(&a, q, sizeof(q))))
		return rc;
	char suffix[400];
	snprintf(suffix, sizeof(suffix), "/observe%s", q);
	struct follow f = {.c = c, .a = &a, .path = p};
	f.obs_target = path_target(a.pos[0], a.pos[1], suffix, &rc);
	if (!f.obs_target)
		return rc;
	rc = follow_events(&f, a.pos[0], observe_open, observe_event);
	free(f.obs_target);
	if (f.observing) {
		/* Cancel, also after Ctrl-C: the device should stop reporting. */
		char *t = path_target(a.pos[0], a.pos[1], "/observe", &rc);
		json_t *j = NULL;
		int crc = t ? call(c, &a, "DELETE", t, NULL, &j) : EXIT_FAIL;
		json_decref(j);
		free(t);
		if (!rc)
			rc = crc;
	}
	return rc;
}

static int cmd_events(struct ctl *c, int argc, char **argv)
{
	struct rest_args a;
	int rc = parse_rest_args(c, argc, argv, "en", 0, 0, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct follow f = {.c = c, .a = &a, .path = ""};
	return follow_events(&f, a.ep, NULL, raw_event);
}

static const struct command commands[] = {
	{"decode", "decode --format F [--path P] [FILE]", "payload -> JSON records on stdout",
	 cmd_decode},
	{"encode", "encode --format F [--path P] [FILE]", "JSON records -> payload bytes on stdout",
	 cmd_encode},
	{"clients", "clients [--q TEXT] [--json]", "the registered clients", cmd_clients},
	{"client", "client EP [--json]", "one client's registration", cmd_client},
	{"read", "read EP PATH [--format F] [--timeout S]", "Read: the records as a table",
	 cmd_read},
	{"data", "data EP [--path P] [--limit N]", "stored values as a table, newest last",
	 cmd_data},
	{"data", "data EP [--from T] [--to T]", "T: epoch s, -10m, -2h, -1d, 2026-11-21T10:00:00Z",
	 cmd_data},
	{"write", "write EP PATH VALUE [--type T] [--mode M]", "Write one resource (M: replace, update)",
	 cmd_write},
	{"write", "write EP PATH --records FILE [--mode M]", "Write records", cmd_write},
	{"exec", "exec EP PATH [ARGS]", "Execute, ARGS as in 0='a',1", cmd_exec},
	{"create", "create EP OBJECT --records FILE", "Create an instance", cmd_create},
	{"delete", "delete EP PATH", "Delete an instance", cmd_delete},
	{"discover", "discover EP PATH", "Discover: links and attributes", cmd_discover},
	{"attrs", "attrs EP PATH NAME=VALUE...", "Write-Attributes (pmin=5 pmax=60 gt= lt= st=...)",
	 cmd_attrs},
	{"observe", "observe EP PATH [--count N]", "Observe: value, then notifications until ^C",
	 cmd_observe},
	{"observations", "observations EP", "the observations the server holds (JSON)",
	 cmd_observations},
	{"events", "events [--ep EP] [--count N]", "the raw event stream", cmd_events},
	{NULL, NULL, NULL, NULL},
};

static const struct option global_opts[] = {
	{"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
	{"models", required_argument, NULL, OPT_MODELS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{"url", required_argument, NULL, OPT_URL},
	{"token", required_argument, NULL, OPT_TOKEN},
	{"token-file", required_argument, NULL, OPT_TOKEN_FILE},
	{NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	struct ctl c;
	memset(&c, 0, sizeof(c));
	c.plugin_dir = getenv("LWM2MD_PLUGIN_DIR");
	if (!c.plugin_dir || !*c.plugin_dir)
		c.plugin_dir = LW_PLUGIN_DIR;
	/* The loader's "loaded plugin" lines are for the daemon's log, not here. */
	lw_log_set_level(LW_LOG_WARN);

	int opt, rc = 0;
	opterr = 1;
	/* "+": stop at the command; its own options are parsed by the command. */
	while ((opt = getopt_long(argc, argv, "+h", global_opts, NULL)) != -1) {
		if (common_option(&c, opt, &rc) == 0) {
			if (rc)
				goto out;
			continue;
		}
		switch (opt) {
		case 'h':
			usage(stdout);
			goto out;
		case OPT_VERSION:
			printf("lwm2mctl %s (plugin ABI %d)\n", PACKAGE_VERSION, LW_PLUGIN_ABI);
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind >= argc) {
		rc = usage_error("%s", "no command given");
		goto out;
	}
	const struct command *k = commands;
	while (k->name && strcmp(k->name, argv[optind]) != 0)
		k++;
	if (!k->name) {
		rc = usage_error("unknown command \"%s\"", argv[optind]);
		goto out;
	}
	rc = k->run(&c, argc - optind, argv + optind);
out:
	teardown(&c);
	free(c.model_dirs);
	free(c.token_buf);
	if (c.curl_up)
		rest_global_cleanup();
	return rc;
}
