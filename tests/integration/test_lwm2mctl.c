/*
 * tests/integration/test_lwm2mctl.c: the built lwm2mctl ($LW_BUILDDIR) with
 * the staged codec plugins (stage/plugins), run on files the way an
 * integrator runs it: decode/encode round trips for every codec whose plugin
 * is there (a codec not built yet is skipped with a message), bad input
 * (exit 1, one stderr line with the byte offset), bad usage (exit 2).
 *
 * A round trip is checked twice: the bytes are a fixpoint (encode, decode,
 * encode again gives the same bytes), and the records come back as they went
 * in, compared in full where the object model (the same built-in one as
 * lwm2mctl's) knows the resource's type, and by path otherwise.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "lwm2m/model.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records.h"

static char dir[256];
static char *err_text;
static lw_model *model;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lwm2mctl-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	model = lw_model_new();
	cr_assert_not_null(model);
	cr_assert_geq(lw_model_add_builtin(model), 0);
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
	free(err_text);
	err_text = NULL;
	lw_model_free(model);
}

TestSuite(ctl, .init = setup, .fini = teardown, .timeout = 60);

/* ---- running lwm2mctl ---- */

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

static uint8_t *read_bytes(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap + 1);
	size_t got;
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap + 1);
			cr_assert_not_null(b);
		}
	}
	fclose(f);
	b[n] = '\0';
	*len = n;
	return b;
}

static int have_plugin(const char *so)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/stage/plugins/%s", lw_builddir(), so);
	return access(path, R_OK) == 0;
}

/*
 * Runs lwm2mctl --plugin-dir BUILDDIR/stage/plugins ARGS with stdin from in
 * (NULL: /dev/null) and stdout into out (a file, so that binary output
 * survives). stderr lands in err_text. Returns the exit status.
 */
static int run(const char *in, const char *out, const char *const *args)
{
	char bin[1024], plugins[1024];
	lw_build_path(bin, sizeof(bin), "lwm2mctl");
	lw_build_path(plugins, sizeof(plugins), "stage/plugins");
	const char *argv[32] = {"/bin/sh", "-c", "in=$1; out=$2; shift 2; exec \"$@\" <\"$in\" >\"$out\"",
	                        "sh", in ? in : "/dev/null", out, bin, "--plugin-dir", plugins};
	int n = 9;
	for (int i = 0; args[i]; i++) {
		cr_assert_lt(n, 31);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	free(err_text);
	err_text = NULL;
	int rc = lw_run(argv, 20000, NULL, &err_text);
	cr_assert_not_null(err_text);
	return rc;
}

#define RUN(in, out, ...) run(in, out, (const char *const[]){__VA_ARGS__, NULL})

static void expect_one_line(const char *prefix)
{
	cr_expect_eq(lw_count_lines(err_text), 1, "expected one stderr line, got:\n%s", err_text);
	cr_expect_eq(strncmp(err_text, prefix, strlen(prefix)), 0, "stderr does not start with %s:\n%s",
	             prefix, err_text);
}

/* ---- usage ---- */

Test(ctl, usage_and_exit_statuses)
{
	char out[300];
	tmp_path(out, sizeof(out), "out");
	const char *argv0[] = {NULL};
	cr_expect_eq(run(NULL, out, argv0), 2);
	cr_expect(strstr(err_text, "no command given") && strstr(err_text, "Usage: lwm2mctl"),
	          "%s", err_text);

	cr_expect_eq(RUN(NULL, out, "--help"), 0);
	size_t len;
	char *text = (char *)read_bytes(out, &len);
	cr_expect(strstr(text, "Usage: lwm2mctl") && strstr(text, "decode --format F") &&
	          strstr(text, "encode --format F"), "%s", text);
	free(text);

	cr_expect_eq(RUN(NULL, out, "--version"), 0);
	text = (char *)read_bytes(out, &len);
	cr_expect_eq(strncmp(text, "lwm2mctl ", 9), 0, "%s", text);
	free(text);

	cr_expect_eq(RUN(NULL, out, "frobnicate"), 2);
	cr_expect(strstr(err_text, "unknown command \"frobnicate\""), "%s", err_text);
	cr_expect_eq(RUN(NULL, out, "decode"), 2);
	cr_expect(strstr(err_text, "--format is required"), "%s", err_text);
	cr_expect_eq(RUN(NULL, out, "decode", "--format", "link", "a", "b"), 2);
	cr_expect(strstr(err_text, "unexpected argument \"b\""), "%s", err_text);
	cr_expect_eq(RUN(NULL, out, "decode", "--bogus"), 2);
	cr_expect_eq(RUN(NULL, out, "decode", "--format", "link", "--path", "/3/x"), 2);
	cr_expect(strstr(err_text, "--path \"/3/x\": not a number"), "%s", err_text);
}

Test(ctl, unknown_format)
{
	char out[300];
	tmp_path(out, sizeof(out), "out");
	cr_expect_eq(RUN(NULL, out, "decode", "--format", "nope"), 2);
	expect_one_line("lwm2mctl: unknown format \"nope\"");
	cr_expect_eq(RUN(NULL, out, "encode", "-f", "65000"), 2);
	expect_one_line("lwm2mctl: unknown format \"65000\"");
	/* An empty plugin directory: nothing serves any format, and it says where
	 * it looked. */
	char empty[300];
	tmp_path(empty, sizeof(empty), "empty");
	cr_assert_eq(mkdir(empty, 0700), 0);
	cr_expect_eq(RUN(NULL, out, "decode", "--plugin-dir", empty, "--format", "tlv"), 2);
	expect_one_line("lwm2mctl: unknown format \"tlv\": no codec plugin in ");
	cr_expect(strstr(err_text, empty), "%s", err_text);
}

Test(ctl, missing_input_file)
{
	char out[300], missing[300];
	tmp_path(out, sizeof(out), "out");
	tmp_path(missing, sizeof(missing), "no-such-file");
	if (!have_plugin("codec-link.so"))
		cr_skip_test("codec-link.so is not in stage/plugins yet");
	cr_expect_eq(RUN(NULL, out, "decode", "--format", "link", missing), 1);
	expect_one_line("lwm2mctl: cannot open ");
}

/* ---- the link format ---- */

static const char reg_payload[] =
	"</>;rt=\"oma.lwm2m\";ct=110, </1/0>,</3/0>;ver=1.1,\n</3303>;ver=1.1,</10241/0>;dim=8";
static const char reg_canonical[] =
	"</>;rt=\"oma.lwm2m\";ct=110,</1/0>,</3/0>;ver=1.1,</3303>;ver=1.1,</10241/0>;dim=8";

Test(ctl, link_decode_encode)
{
	if (!have_plugin("codec-link.so"))
		cr_skip_test("codec-link.so is not in stage/plugins yet");
	char in[300], out[300], back[300];
	tmp_path(in, sizeof(in), "reg.txt");
	tmp_path(out, sizeof(out), "reg.json");
	tmp_path(back, sizeof(back), "reg.back");
	write_bytes(in, reg_payload, strlen(reg_payload));

	cr_assert_eq(RUN(NULL, out, "decode", "--format", "link", in), 0, "%s", err_text);
	cr_expect_str_eq(err_text, "");
	json_error_t je;
	json_t *root = json_load_file(out, JSON_REJECT_DUPLICATES, &je);
	cr_assert_not_null(root, "decode printed no JSON: %s", je.text);
	json_t *links = json_object_get(root, "links");
	cr_assert(json_is_array(links));
	cr_assert_eq(json_array_size(links), 5);
	json_t *l0 = json_array_get(links, 0), *l4 = json_array_get(links, 4);
	cr_expect_str_eq(json_string_value(json_object_get(l0, "path")), "/");
	json_t *a0 = json_object_get(l0, "attributes");
	cr_expect_str_eq(json_string_value(json_object_get(a0, "rt")), "oma.lwm2m");
	cr_expect_eq(json_integer_value(json_object_get(a0, "ct")), 110);
	cr_expect_str_eq(json_string_value(json_object_get(l4, "path")), "/10241/0");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(l4, "attributes"), "dim")), 8);
	json_t *ver = json_object_get(json_object_get(json_array_get(links, 2), "attributes"), "ver");
	cr_expect_str_eq(json_string_value(ver), "1.1");
	json_decref(root);

	/* Back to bytes, by content-format number this time: the canonical form. */
	cr_assert_eq(RUN(NULL, back, "encode", "--format", "40", out), 0, "%s", err_text);
	size_t len;
	char *bytes = (char *)read_bytes(back, &len);
	cr_expect_str_eq(bytes, reg_canonical);
	free(bytes);

	/* The plugin directory from the environment when --plugin-dir is absent. */
	char bin[1024], plugins[1100];
	lw_build_path(bin, sizeof(bin), "lwm2mctl");
	snprintf(plugins, sizeof(plugins), "LWM2MD_PLUGIN_DIR=%s/stage/plugins", lw_builddir());
	const char *env_argv[] = {"/usr/bin/env", plugins, bin, "decode", "-f", "link", in, NULL};
	char *env_out = NULL, *env_err = NULL;
	cr_expect_eq(lw_run(env_argv, 20000, &env_out, &env_err), 0, "%s", env_err);
	cr_expect(env_out && strstr(env_out, "\"/10241/0\""), "%s", env_out);
	free(env_out);
	free(env_err);

	/* Standard input, and "-" for it. */
	cr_assert_eq(RUN(in, out, "decode", "-f", "link"), 0, "%s", err_text);
	cr_assert_eq(RUN(out, back, "encode", "-f", "link", "-"), 0, "%s", err_text);
	bytes = (char *)read_bytes(back, &len);
	cr_expect_str_eq(bytes, reg_canonical);
	free(bytes);
}

Test(ctl, link_bad_input)
{
	if (!have_plugin("codec-link.so"))
		cr_skip_test("codec-link.so is not in stage/plugins yet");
	char in[300], out[300];
	tmp_path(in, sizeof(in), "bad.txt");
	tmp_path(out, sizeof(out), "out");
	write_bytes(in, "</1/0>,</3/0", 12);
	cr_expect_eq(RUN(NULL, out, "decode", "--format", "link", in), 1);
	cr_expect_str_eq(err_text, "lwm2mctl: decode link: byte 7: unterminated target (no '>')\n");
	size_t len;
	free(read_bytes(out, &len));
	cr_expect_eq(len, 0, "nothing on stdout after an error");

	write_text(in, "{\"links\": [{\"path\": \"/3/0\"},\n {\"path\": 5}]}");
	cr_expect_eq(RUN(NULL, out, "encode", "--format", "link", in), 1);
	cr_expect_str_eq(err_text,
	                 "lwm2mctl: encode link: links[1].path: expected a string, not an integer\n");

	write_text(in, "{\"links\": [}");
	cr_expect_eq(RUN(NULL, out, "encode", "--format", "link", in), 1);
	expect_one_line("lwm2mctl: encode link: JSON line 1 column ");

	write_text(in, "{\"records\": []}");
	cr_expect_eq(RUN(NULL, out, "encode", "--format", "link", in), 1);
	cr_expect_str_eq(err_text, "lwm2mctl: encode link: records: unknown member (expected \"links\")\n");

	write_text(in, "{\"links\": [], \"links\": []}");
	cr_expect_eq(RUN(NULL, out, "encode", "--format", "link", in), 1);
	expect_one_line("lwm2mctl: encode link: JSON line 1 ");
}

/* ---- data codecs: round trips ---- */

#define DEVICE                                                                              \
	"{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"Open Mobile Alliance\"},"     \
	"{\"path\":\"/3/0/1\",\"type\":\"string\",\"value\":\"Lightweight M2M Client\"},"   \
	"{\"path\":\"/3/0/2\",\"type\":\"string\",\"value\":\"345000123\"},"                \
	"{\"path\":\"/3/0/3\",\"type\":\"string\",\"value\":\"1.0\"},"                      \
	"{\"path\":\"/3/0/6/0\",\"type\":\"integer\",\"value\":1},"                         \
	"{\"path\":\"/3/0/6/1\",\"type\":\"integer\",\"value\":5},"                         \
	"{\"path\":\"/3/0/7/0\",\"type\":\"integer\",\"value\":3800},"                      \
	"{\"path\":\"/3/0/7/1\",\"type\":\"integer\",\"value\":5000},"                      \
	"{\"path\":\"/3/0/8/0\",\"type\":\"integer\",\"value\":125},"                       \
	"{\"path\":\"/3/0/8/1\",\"type\":\"integer\",\"value\":900},"                       \
	"{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":100},"                         \
	"{\"path\":\"/3/0/10\",\"type\":\"integer\",\"value\":15},"                         \
	"{\"path\":\"/3/0/11/0\",\"type\":\"integer\",\"value\":0},"                        \
	"{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":1367491215},"                    \
	"{\"path\":\"/3/0/14\",\"type\":\"string\",\"value\":\"+02:00\"},"                  \
	"{\"path\":\"/3/0/16\",\"type\":\"string\",\"value\":\"U\"}"

#define SENSOR                                                                              \
	"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":21.7},"                    \
	"{\"path\":\"/3303/0/5701\",\"type\":\"string\",\"value\":\"Cel\"}"

#define SERIES                                                                              \
	"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":21.7,\"time\":1763750000},"      \
	"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":22.25,\"time\":1763750060},"     \
	"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":-3.5,\"time\":1763750120.5}"

struct rt_case {
	const char *format;
	const char *path;
	const char *records;
};

static const struct rt_case cases[] = {
	{"text", "/3/0/0", "{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"Open Mobile Alliance\"}"},
	{"text", "/3/0/9", "{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":-100}"},
	{"text", "/3303/0/5700", "{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":21.7}"},
	{"text", "/1/0/6", "{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true}"},
	{"text", "/3/0/13", "{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":1367491215}"},
	{"opaque", "/5/0/0", "{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AAEC/wA=\"}"},
	{"tlv", "/3/0", DEVICE},
	{"tlv", "/3303/0", SENSOR},
	{"tlv", "/1/0/6", "{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":false}"},
	{"tlv", "/5/0/0", "{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AAEC/wA=\"}"},
	{"tlv-legacy", "/3/0", DEVICE},
	{"json", "/3/0", DEVICE},
	{"json", "/3303/0/5700", SERIES},
	{"senml-json", "/3/0", DEVICE},
	{"senml-json", "/", DEVICE "," SENSOR ",{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true}"},
	{"senml-json", "/3303/0/5700", SERIES},
	{"senml-cbor", "/3/0", DEVICE},
	{"senml-cbor", "/", DEVICE "," SENSOR ",{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true}"},
	{"senml-cbor", "/3303/0/5700", SERIES},
	{"lwm2m-cbor", "/3/0", DEVICE},
	{"lwm2m-cbor", "/", DEVICE "," SENSOR ",{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true}"},
};

/* The plugin file that serves a format name. */
static const char *plugin_of(const char *format)
{
	static char so[64];
	if (strcmp(format, "tlv-legacy") == 0)
		format = "tlv";
	snprintf(so, sizeof(so), "codec-%s.so", format);
	return so;
}

/* Orders records by path text, keeping the order of one path's records. */
static void sort_records(json_t *arr, json_t **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	for (size_t i = 1; i < n; i++) {
		json_t *x = v[i];
		const char *px = json_string_value(json_object_get(x, "path"));
		size_t j = i;
		while (j > 0 && strcmp(json_string_value(json_object_get(v[j - 1], "path")), px) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* The decoded records against those encoded (see the top comment). */
static void compare_records(const struct rt_case *c, json_t *want, json_t *got)
{
	size_t n = json_array_size(want);
	cr_assert_eq(json_array_size(got), n, "%s %s: %zu records came back, %zu went in",
	             c->format, c->path, json_array_size(got), n);
	json_t **a = calloc(n, sizeof(*a)), **b = calloc(n, sizeof(*b));
	sort_records(want, a, n);
	sort_records(got, b, n);
	size_t typed = 0;
	for (size_t i = 0; i < n; i++) {
		const char *path = json_string_value(json_object_get(a[i], "path"));
		cr_expect_str_eq(json_string_value(json_object_get(b[i], "path")), path, "%s",
		                 c->format);
		lw_path p;
		cr_assert_eq(lw_path_parse(path, strlen(path), &p, NULL), 0);
		if (lw_model_type(model, &p) == LW_TYPE_NONE)
			continue;
		typed++;
		char *sa = json_dumps(a[i], JSON_COMPACT), *sb = json_dumps(b[i], JSON_COMPACT);
		cr_expect(json_equal(a[i], b[i]), "%s --path %s: record %s came back as %s",
		          c->format, c->path, sa, sb);
		free(sa);
		free(sb);
	}
	if (typed < n)
		cr_log_warn("%s --path %s: the object model does not know %zu of %zu resources: "
		            "compared their paths only", c->format, c->path, n - typed, n);
	free(a);
	free(b);
}

static void round_trip(const char *format)
{
	if (!have_plugin(plugin_of(format)))
		cr_skip_test("%s is not in stage/plugins yet: %s not tested", plugin_of(format),
		             format);
	int n_cases = 0;
	for (size_t k = 0; k < sizeof(cases) / sizeof(*cases); k++) {
		const struct rt_case *c = &cases[k];
		if (strcmp(c->format, format) != 0)
			continue;
		n_cases++;
		char json_in[300], bytes1[300], json_out[300], bytes2[300];
		tmp_path(json_in, sizeof(json_in), "in.json");
		tmp_path(bytes1, sizeof(bytes1), "payload1");
		tmp_path(json_out, sizeof(json_out), "out.json");
		tmp_path(bytes2, sizeof(bytes2), "payload2");
		char text[8192];
		snprintf(text, sizeof(text), "{\"records\": [%s]}", c->records);
		write_bytes(json_in, text, strlen(text));

		int rc = RUN(NULL, bytes1, "encode", "--format", format, "--path", c->path, json_in);
		cr_assert_eq(rc, 0, "encode %s --path %s: exit %d: %s", format, c->path, rc, err_text);
		rc = RUN(NULL, json_out, "decode", "--format", format, "--path", c->path, bytes1);
		cr_assert_eq(rc, 0, "decode %s --path %s: exit %d: %s", format, c->path, rc, err_text);
		rc = RUN(NULL, bytes2, "encode", "--format", format, "--path", c->path, json_out);
		cr_assert_eq(rc, 0, "re-encode %s --path %s: exit %d: %s", format, c->path, rc,
		             err_text);

		size_t l1, l2;
		uint8_t *b1 = read_bytes(bytes1, &l1), *b2 = read_bytes(bytes2, &l2);
		cr_expect(l1 > 0, "%s: empty payload", format);
		cr_expect(l1 == l2 && memcmp(b1, b2, l1) == 0,
		          "%s --path %s: encode(decode(encode(x))) differs from encode(x) (%zu vs %zu bytes)",
		          format, c->path, l1, l2);
		free(b1);
		free(b2);

		json_error_t je;
		json_t *want = json_loads(text, 0, &je), *got = json_load_file(json_out, 0, &je);
		cr_assert_not_null(want);
		cr_assert_not_null(got, "decode %s printed no JSON: %s", format, je.text);
		compare_records(c, json_object_get(want, "records"), json_object_get(got, "records"));
		json_decref(want);
		json_decref(got);
	}
	cr_assert_gt(n_cases, 0);
}

Test(ctl, round_trip_text) { round_trip("text"); }
Test(ctl, round_trip_opaque) { round_trip("opaque"); }
Test(ctl, round_trip_tlv) { round_trip("tlv"); }
Test(ctl, round_trip_tlv_legacy) { round_trip("tlv-legacy"); }
Test(ctl, round_trip_json) { round_trip("json"); }
Test(ctl, round_trip_senml_json) { round_trip("senml-json"); }
Test(ctl, round_trip_senml_cbor) { round_trip("senml-cbor"); }
Test(ctl, round_trip_lwm2m_cbor) { round_trip("lwm2m-cbor"); }

/* ---- data codecs: bad input ---- */

struct bad_case {
	const char *format;
	const char *path;
	const char *bytes;
	size_t len;
};

static const struct bad_case bad_cases[] = {
	{"text", "/3/0/9", "12x", 3},                   /* not an integer */
	{"tlv", "/3/0", "\xc8\x00\x14\x4f\x70", 5},     /* says 20 bytes, has 2 */
	{"tlv-legacy", "/3/0", "\xc8\x00\x14\x4f\x70", 5},
	{"json", "/3/0", "{\"bn\":\"/3/0/\",\"e\":[{\"n\":", 24},
	{"senml-json", "/3/0", "[{\"n\":\"/3/0/0\",\"vs\":", 20},
	{"senml-cbor", "/3/0", "\x81\xa2\x00", 3},      /* array of a 2-pair map, cut */
	{"lwm2m-cbor", "/3/0", "\xa1\x03\xa1", 3},      /* nested map, cut */
};

static void bad_input(const char *format)
{
	if (!have_plugin(plugin_of(format)))
		cr_skip_test("%s is not in stage/plugins yet: %s not tested", plugin_of(format),
		             format);
	for (size_t k = 0; k < sizeof(bad_cases) / sizeof(*bad_cases); k++) {
		const struct bad_case *c = &bad_cases[k];
		if (strcmp(c->format, format) != 0)
			continue;
		char in[300], out[300];
		tmp_path(in, sizeof(in), "bad");
		tmp_path(out, sizeof(out), "out");
		write_bytes(in, c->bytes, c->len);
		cr_expect_eq(RUN(NULL, out, "decode", "--format", format, "--path", c->path, in), 1,
		             "%s accepted a bad payload", format);
		char prefix[100];
		snprintf(prefix, sizeof(prefix), "lwm2mctl: decode %s: byte ", format);
		expect_one_line(prefix);
		unsigned long off = strtoul(err_text + strlen(prefix), NULL, 10);
		cr_expect_leq(off, c->len, "offset %lu past the input (%zu bytes)", off, c->len);
		cr_expect(strstr(err_text + strlen(prefix), ": "), "no reason given: %s", err_text);
	}
}

Test(ctl, bad_input_text) { bad_input("text"); }
Test(ctl, bad_input_tlv) { bad_input("tlv"); }
Test(ctl, bad_input_tlv_legacy) { bad_input("tlv-legacy"); }
Test(ctl, bad_input_json) { bad_input("json"); }
Test(ctl, bad_input_senml_json) { bad_input("senml-json"); }
Test(ctl, bad_input_senml_cbor) { bad_input("senml-cbor"); }
Test(ctl, bad_input_lwm2m_cbor) { bad_input("lwm2m-cbor"); }

/* Records JSON that the reader refuses: the one line names index and field,
 * whatever data codec is there to receive it. */
Test(ctl, bad_records_json)
{
	static const char *const formats[] = {"tlv", "senml-json", "senml-cbor", "text", "opaque",
	                                      "json", "lwm2m-cbor"};
	const char *format = NULL;
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats) && !format; i++)
		if (have_plugin(plugin_of(formats[i])))
			format = formats[i];
	if (!format)
		cr_skip_test("no data codec in stage/plugins yet");
	char in[300], out[300];
	tmp_path(in, sizeof(in), "bad.json");
	tmp_path(out, sizeof(out), "out");
	const char *text = "{\"records\": [{\"path\": \"/3/0/0\", \"type\": \"string\", \"value\": \"a\"},"
	                   " {\"path\": \"/3303/0/5700\", \"type\": \"float\", \"value\": \"hot\"}]}";
	write_bytes(in, text, strlen(text));
	cr_expect_eq(RUN(NULL, out, "encode", "--format", format, "--path", "/", in), 1);
	char want[200];
	snprintf(want, sizeof(want),
	         "lwm2mctl: encode %s: records[1].value: expected a number, not a string\n", format);
	cr_expect_str_eq(err_text, want);
}

/* --models adds definitions: a vendor object the built-in model lacks gives
 * its type to the text format, which cannot say it itself. */
Test(ctl, models_option)
{
	if (!have_plugin("codec-text.so"))
		cr_skip_test("codec-text.so is not in stage/plugins yet");
	char models[300], ddf[400], in[300], out[300];
	tmp_path(models, sizeof(models), "models");
	cr_assert_eq(mkdir(models, 0700), 0);
	snprintf(ddf, sizeof(ddf), "%s/32769.xml", models);
	const char *xml =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
		"<LWM2M><Object ObjectType=\"MODefinition\"><Name>Test Counter</Name>"
		"<Description1>a test object</Description1><ObjectID>32769</ObjectID>"
		"<ObjectURN>urn:oma:lwm2m:x:32769</ObjectURN><LWM2MVersion>1.1</LWM2MVersion>"
		"<ObjectVersion>1.0</ObjectVersion><MultipleInstances>Multiple</MultipleInstances>"
		"<Mandatory>Optional</Mandatory><Resources>"
		"<Item ID=\"1\"><Name>Count</Name><Operations>R</Operations>"
		"<MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory>"
		"<Type>Integer</Type><RangeEnumeration></RangeEnumeration><Units></Units>"
		"<Description>how many</Description></Item>"
		"</Resources><Description2></Description2></Object></LWM2M>\n";
	write_bytes(ddf, xml, strlen(xml));
	tmp_path(in, sizeof(in), "count.txt");
	tmp_path(out, sizeof(out), "count.json");
	write_bytes(in, "42", 2);
	int rc = RUN(NULL, out, "--models", models, "decode", "--format", "text", "--path",
	             "/32769/0/1", in);
	if (rc != 0 && strstr(err_text, "not supported"))
		cr_skip_test("the DDF loader is not there yet: %s", err_text);
	cr_assert_eq(rc, 0, "%s", err_text);
	json_error_t je;
	json_t *root = json_load_file(out, 0, &je);
	cr_assert_not_null(root);
	json_t *r0 = json_array_get(json_object_get(root, "records"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r0, "type")), "integer");
	cr_expect_eq(json_integer_value(json_object_get(r0, "value")), 42);
	json_decref(root);

	/* Without --models the type is unknown: the text fallback is a string. */
	cr_assert_eq(RUN(NULL, out, "decode", "--format", "text", "--path", "/32769/0/1", in), 0);
	root = json_load_file(out, 0, &je);
	cr_assert_not_null(root);
	r0 = json_array_get(json_object_get(root, "records"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(r0, "type")), "string");
	json_decref(root);

	char missing[300];
	tmp_path(missing, sizeof(missing), "no-models");
	cr_expect_eq(RUN(NULL, out, "--models", missing, "decode", "-f", "text", in), 1);
	expect_one_line("lwm2mctl: --models ");
}
