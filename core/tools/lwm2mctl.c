/*
 * tools/lwm2mctl.c: the operator's command line (API.md). For now it has the
 * offline commands, decode and encode, which turn a payload in any content
 * format into the JSON records of the REST API and back, so that integrators
 * can look inside what a device sent and make what it should receive. The
 * REST client commands come later: each command is one row of the table
 * below, with its own option parsing, so they slot in without touching the
 * others.
 *
 * The codecs are the daemon's own plugins (every codec-*.so of the plugin
 * directory, through the core's loader), and the object model is the
 * daemon's too (built-in definitions plus DDF folders), so what lwm2mctl
 * says about a payload is what lwm2md would make of it.
 *
 * Exit status: 0 ok, 1 bad input or a failure (one line on stderr saying
 * what and where), 2 bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "log.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/ddf.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records_json.h"
#include "plugin.h"
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
	fprintf(out, "Usage: lwm2mctl [--plugin-dir DIR] [--models DIR]... COMMAND [ARGS]\n\n"
	             "Commands:\n");
	for (const struct command *k = commands; k->name; k++)
		fprintf(out, "  %-38s %s\n", k->synopsis, k->summary);
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
	c->host = (struct lw_plugin_host){&c->events, &c->workers, "."};

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

enum { OPT_PLUGIN_DIR = 256, OPT_MODELS, OPT_VERSION };

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

static const struct command commands[] = {
	{"decode", "decode --format F [--path P] [FILE]", "payload -> JSON records on stdout",
	 cmd_decode},
	{"encode", "encode --format F [--path P] [FILE]", "JSON records -> payload bytes on stdout",
	 cmd_encode},
	{NULL, NULL, NULL, NULL},
};

static const struct option global_opts[] = {
	{"plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR},
	{"models", required_argument, NULL, OPT_MODELS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
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
	return rc;
}
