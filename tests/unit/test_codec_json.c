/*
 * tests/unit/test_codec_json.c: the OMA JSON codec of LwM2M 1.0 (content
 * formats 11543 and 1543) against the JSON examples of the LwM2M 1.0/1.1
 * specifications, the variants devices send (no bn, bn "/", "e" before
 * "bn"), record -> bytes -> record round trips for every type the format
 * carries, and errors with byte offsets. The codec is compiled into this
 * program; the model is built here (and from $LW_OMA_MODELS when the DDF
 * loader reads it).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/ddf.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"

extern const struct lw_codec lw_codec_json, lw_codec_json_legacy;
static const struct lw_codec *const C = &lw_codec_json;

/* ---- the model: objects the examples use, written from their tables ---- */

#define RES(id_, type_, multi_) {.id = id_, .type = type_, .ops = LW_OPS_RW, .multiple = multi_}

static const struct lw_resource_def device_res[] = {
	RES(0, LW_TYPE_STRING, 0),   RES(1, LW_TYPE_STRING, 0),   RES(2, LW_TYPE_STRING, 0),
	RES(3, LW_TYPE_STRING, 0),   RES(4, LW_TYPE_NONE, 0),     RES(5, LW_TYPE_NONE, 0),
	RES(6, LW_TYPE_INTEGER, 1),  RES(7, LW_TYPE_INTEGER, 1),  RES(8, LW_TYPE_INTEGER, 1),
	RES(9, LW_TYPE_INTEGER, 0),  RES(10, LW_TYPE_INTEGER, 0), RES(11, LW_TYPE_INTEGER, 1),
	RES(12, LW_TYPE_NONE, 0),    RES(13, LW_TYPE_TIME, 0),    RES(14, LW_TYPE_STRING, 0),
	RES(15, LW_TYPE_STRING, 0),  RES(16, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def server_res[] = {
	RES(0, LW_TYPE_INTEGER, 0), RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_INTEGER, 0),
	RES(3, LW_TYPE_INTEGER, 0), RES(6, LW_TYPE_BOOLEAN, 0), RES(7, LW_TYPE_STRING, 0),
};
/* Objects 65, 66 and 67 of the object link example (Core 1.0 section 6.4.4). */
static const struct lw_resource_def o65_res[] = {
	RES(0, LW_TYPE_OBJLNK, 1), RES(1, LW_TYPE_STRING, 0), RES(2, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def o66_res[] = {
	RES(0, LW_TYPE_STRING, 0), RES(1, LW_TYPE_STRING, 0), RES(2, LW_TYPE_OBJLNK, 0),
};
static const struct lw_resource_def o67_res[] = {
	RES(0, LW_TYPE_STRING, 0), RES(1, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def sensor_res[] = {
	RES(5700, LW_TYPE_FLOAT, 0), RES(5701, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def setpoint_res[] = {RES(5900, LW_TYPE_FLOAT, 0)};
static const struct lw_resource_def light_res[] = {
	RES(5850, LW_TYPE_BOOLEAN, 0), RES(5851, LW_TYPE_INTEGER, 0),
};
/* A test object with every type, single and multiple. */
static const struct lw_resource_def types_res[] = {
	RES(0, LW_TYPE_STRING, 0),   RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_UNSIGNED, 0),
	RES(3, LW_TYPE_FLOAT, 0),    RES(4, LW_TYPE_BOOLEAN, 0), RES(5, LW_TYPE_OPAQUE, 0),
	RES(6, LW_TYPE_TIME, 0),     RES(7, LW_TYPE_OBJLNK, 0),  RES(8, LW_TYPE_CORELNK, 0),
	RES(9, LW_TYPE_INTEGER, 1),  RES(10, LW_TYPE_FLOAT, 1),  RES(11, LW_TYPE_STRING, 1),
	RES(12, LW_TYPE_NONE, 0),
};

#define OBJ(id_, name_, res_)                                                              \
	{.id = id_, .multiple = 1, .name = name_, .version = "1.0", .lwm2m_version = "1.0",   \
	 .n_resources = sizeof(res_) / sizeof(res_[0]), .resources = res_, .source = "test"}

static struct lw_object_def objects[] = {
	OBJ(1, "LwM2M Server", server_res), OBJ(3, "Device", device_res),
	OBJ(65, "obj 65", o65_res),         OBJ(66, "obj 66", o66_res),
	OBJ(67, "obj 67", o67_res),         OBJ(3303, "Temperature", sensor_res),
	OBJ(3308, "Set Point", setpoint_res), OBJ(3311, "Light Control", light_res),
	OBJ(3316, "Voltage", sensor_res),   OBJ(3317, "Current", sensor_res),
	OBJ(10000, "types", types_res),
};

static lw_model *model;

static void setup(void)
{
	model = lw_model_new();
	cr_assert_not_null(model);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		cr_assert_eq(lw_model_add(model, &objects[i], NULL), 0);
}

static void teardown(void)
{
	lw_model_free(model);
	model = NULL;
}

TestSuite(oma_json, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static lw_path P(const char *s)
{
	lw_path p;
	cr_assert_eq(lw_path_parse(s, strlen(s), &p, NULL), 0, "bad test path %s", s);
	return p;
}

/* The text without white space outside strings: the spec prints its examples
 * over several lines, the encoder writes them compact. */
static char *squeeze(const char *s)
{
	char *o = malloc(strlen(s) + 1), *w = o;
	int in = 0;
	for (; *s; s++) {
		if (in) {
			*w++ = *s;
			if (*s == '\\' && s[1])
				*w++ = *++s;
			else if (*s == '"')
				in = 0;
		} else if (*s == '"') {
			*w++ = *s;
			in = 1;
		} else if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r') {
			*w++ = *s;
		}
	}
	*w = '\0';
	return o;
}

static void decode_ok(const lw_model *m, const char *base, const char *text, lw_records *out)
{
	struct lw_codec_error err = {0};
	lw_path b = base ? P(base) : LW_PATH_ROOT;
	int rc = C->decode(m, &b, (const uint8_t *)text, strlen(text), out, &err);
	cr_assert_eq(rc, 0, "decode failed at %zu: %s\n%s", err.offset, err.message, text);
}

/* Encodes and returns a NUL-terminated copy. */
static char *encode_ok(const lw_model *m, const char *base, const lw_records *in)
{
	struct lw_codec_error err = {0};
	lw_path b = base ? P(base) : LW_PATH_ROOT;
	lw_buf buf;
	lw_buf_init(&buf);
	int rc = C->encode(m, &b, in, &buf, &err);
	cr_assert_eq(rc, 0, "encode failed (record %zu): %s", err.offset, err.message);
	char *s = malloc(buf.len + 1);
	memcpy(s, buf.data, buf.len);
	s[buf.len] = '\0';
	lw_buf_free(&buf);
	return s;
}

static struct lw_codec_error decode_fail(const lw_model *m, const char *base, const char *text,
                                         size_t len)
{
	struct lw_codec_error err = {0};
	lw_path b = base ? P(base) : LW_PATH_ROOT;
	lw_records r;
	lw_records_init(&r);
	int rc = C->decode(m, &b, (const uint8_t *)text, len, &r, &err);
	lw_records_free(&r);
	cr_assert_eq(rc, LW_EINVAL, "decode of %.200s gave %d, not LW_EINVAL", text, rc);
	cr_assert_neq(err.message[0], '\0');
	return err;
}

/* Asserts the error message holds `what` and the offset is `at`. */
static void expect_error(const char *base, const char *text, size_t at, const char *what)
{
	struct lw_codec_error e = decode_fail(model, base, text, strlen(text));
	cr_expect(strstr(e.message, what) != NULL, "message \"%s\" lacks \"%s\" (%s)", e.message,
	          what, text);
	cr_expect_eq(e.offset, at, "offset %zu, expected %zu: %s (%s)", e.offset, at, e.message,
	             text);
}

static int same_value(const lw_record *a, const lw_record *b)
{
	switch (a->type) {
	case LW_TYPE_NONE: return 1;
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME: return a->v.i == b->v.i;
	case LW_TYPE_UNSIGNED: return a->v.u == b->v.u;
	case LW_TYPE_FLOAT: return a->v.f == b->v.f && signbit(a->v.f) == signbit(b->v.f);
	case LW_TYPE_BOOLEAN: return a->v.b == b->v.b;
	case LW_TYPE_OBJLNK: return a->v.l.oid == b->v.l.oid && a->v.l.iid == b->v.l.iid;
	default:
		return a->v.s.len == b->v.s.len &&
		       (a->v.s.len == 0 || memcmp(a->v.s.data, b->v.s.data, a->v.s.len) == 0);
	}
}

static void assert_same(const lw_records *want, const lw_records *got)
{
	cr_assert_eq(got->n, want->n, "%zu records, expected %zu", got->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		const lw_record *a = &want->items[i], *b = &got->items[i];
		char pa[LW_PATH_MAX_TEXT], pb[LW_PATH_MAX_TEXT];
		lw_path_format(&a->path, pa, sizeof(pa));
		lw_path_format(&b->path, pb, sizeof(pb));
		cr_assert(lw_path_equal(&a->path, &b->path), "record %zu: %s, expected %s", i, pb,
		          pa);
		cr_assert_eq(b->type, a->type, "record %zu (%s): type %s, expected %s", i, pa,
		             lw_type_name(b->type), lw_type_name(a->type));
		cr_assert_eq(b->has_time, a->has_time, "record %zu (%s): has_time", i, pa);
		if (a->has_time)
			cr_assert_eq(b->time, a->time, "record %zu (%s): time %.17g, expected %.17g", i,
			             pa, b->time, a->time);
		cr_assert(same_value(a, b), "record %zu (%s): value differs", i, pa);
	}
}

/* Record builders. */
static lw_record *add(lw_records *r, const char *path, int type)
{
	lw_record *rec = lw_records_add(r);
	cr_assert_not_null(rec);
	rec->path = P(path);
	rec->type = (uint8_t)type;
	return rec;
}

static void add_str(lw_records *r, const char *path, int type, const void *s, size_t len)
{
	lw_record *rec = add(r, path, type);
	cr_assert_eq(lw_records_set_bytes(r, rec, s, len), 0);
}

static void add_int(lw_records *r, const char *path, int64_t v)
{
	add(r, path, LW_TYPE_INTEGER)->v.i = v;
}

static void add_float(lw_records *r, const char *path, double v)
{
	add(r, path, LW_TYPE_FLOAT)->v.f = v;
}

static void timed(lw_records *r, double t)
{
	r->items[r->n - 1].has_time = 1;
	r->items[r->n - 1].time = t;
}

static const lw_record *rec_at(const lw_records *r, size_t i, const char *path, int type)
{
	cr_assert_lt(i, r->n);
	const lw_record *x = &r->items[i];
	lw_path p = P(path);
	char got[LW_PATH_MAX_TEXT];
	lw_path_format(&x->path, got, sizeof(got));
	cr_assert(lw_path_equal(&x->path, &p), "record %zu at %s, expected %s", i, got, path);
	cr_assert_eq(x->type, type, "record %zu (%s) is %s, expected %s", i, path,
	             lw_type_name(x->type), lw_type_name(type));
	return x;
}

static void expect_str(const lw_record *x, const char *s)
{
	cr_assert_eq(x->v.s.len, strlen(s));
	cr_assert(memcmp(x->v.s.data, s, x->v.s.len) == 0, "value \"%.*s\", expected \"%s\"",
	          (int)x->v.s.len, (const char *)x->v.s.data, s);
}

/* Decodes, encodes, decodes again: the records must survive unchanged. */
static void round_trip(const lw_model *m, const char *base, const lw_records *in, char **text)
{
	char *s = encode_ok(m, base, in);
	lw_records back;
	lw_records_init(&back);
	decode_ok(m, base, s, &back);
	assert_same(in, &back);
	lw_records_free(&back);
	if (text)
		*text = s;
	else
		free(s);
}

/* ---- the codecs' identity ---- */

Test(oma_json, identity)
{
	cr_assert_eq(lw_codec_json.content_format, 11543);
	cr_assert_str_eq(lw_codec_json.name, "json");
	cr_assert_eq(lw_codec_json_legacy.content_format, 1543);
	cr_assert_str_eq(lw_codec_json_legacy.name, "json-legacy");
	cr_assert_str_eq(lw_codec_json.media_type, "application/vnd.oma.lwm2m+json");
	cr_assert_str_eq(lw_codec_json_legacy.media_type, "application/vnd.oma.lwm2m+json");
	cr_assert_eq(lw_codecs_add(NULL, &lw_codec_json), 0);
	cr_assert_eq(lw_codecs_add(NULL, &lw_codec_json_legacy), 0);
	cr_assert_eq(lw_codec_by_format(LW_CF_JSON), &lw_codec_json);
	cr_assert_eq(lw_codec_by_format(LW_CF_JSON_LEGACY), &lw_codec_json_legacy);
	cr_assert_eq(lw_codec_by_name("json-legacy"), &lw_codec_json_legacy);
	lw_codecs_unregister_owner(NULL);
}

/* ---- the JSON examples of LwM2M 1.0 (section 6.4.4), kept in 1.1 ---- */

/* Read on the Device object instance /3/0. */
static const char spec_device[] =
	"{\"bn\":\"/3/0/\",\n"
	" \"e\":[\n"
	"  {\"n\":\"0\",\"sv\":\"Open Mobile Alliance\"},\n"
	"  {\"n\":\"1\",\"sv\":\"Lightweight M2M Client\"},\n"
	"  {\"n\":\"2\",\"sv\":\"345000123\"},\n"
	"  {\"n\":\"3\",\"sv\":\"1.0\"},\n"
	"  {\"n\":\"6/0\",\"v\":1},\n"
	"  {\"n\":\"6/1\",\"v\":5},\n"
	"  {\"n\":\"7/0\",\"v\":3800},\n"
	"  {\"n\":\"7/1\",\"v\":5000},\n"
	"  {\"n\":\"8/0\",\"v\":125},\n"
	"  {\"n\":\"8/1\",\"v\":900},\n"
	"  {\"n\":\"9\",\"v\":100},\n"
	"  {\"n\":\"10\",\"v\":15},\n"
	"  {\"n\":\"11/0\",\"v\":0},\n"
	"  {\"n\":\"13\",\"v\":1367491215},\n"
	"  {\"n\":\"14\",\"sv\":\"+02:00\"},\n"
	"  {\"n\":\"16\",\"sv\":\"U\"}]\n"
	"}";

static void check_device(const lw_records *r)
{
	cr_assert_eq(r->n, 16);
	expect_str(rec_at(r, 0, "/3/0/0", LW_TYPE_STRING), "Open Mobile Alliance");
	expect_str(rec_at(r, 1, "/3/0/1", LW_TYPE_STRING), "Lightweight M2M Client");
	expect_str(rec_at(r, 2, "/3/0/2", LW_TYPE_STRING), "345000123");
	expect_str(rec_at(r, 3, "/3/0/3", LW_TYPE_STRING), "1.0");
	static const struct {
		const char *path;
		int64_t v;
	} ints[] = {{"/3/0/6/0", 1},   {"/3/0/6/1", 5},   {"/3/0/7/0", 3800}, {"/3/0/7/1", 5000},
	            {"/3/0/8/0", 125}, {"/3/0/8/1", 900}, {"/3/0/9", 100},    {"/3/0/10", 15},
	            {"/3/0/11/0", 0}};
	for (size_t i = 0; i < 9; i++)
		cr_assert_eq(rec_at(r, 4 + i, ints[i].path, LW_TYPE_INTEGER)->v.i, ints[i].v);
	cr_assert_eq(rec_at(r, 13, "/3/0/13", LW_TYPE_TIME)->v.i, 1367491215);
	expect_str(rec_at(r, 14, "/3/0/14", LW_TYPE_STRING), "+02:00");
	expect_str(rec_at(r, 15, "/3/0/16", LW_TYPE_STRING), "U");
}

Test(oma_json, spec_device_instance)
{
	lw_records r;
	lw_records_init(&r);
	decode_ok(model, "/3/0", spec_device, &r);
	check_device(&r);
	char *s = encode_ok(model, "/3/0", &r), *want = squeeze(spec_device);
	cr_assert_str_eq(s, want);
	free(s);
	free(want);

	/* The legacy number reads and writes the same. */
	lw_records r2;
	lw_records_init(&r2);
	struct lw_codec_error err;
	lw_path base = P("/3/0");
	cr_assert_eq(lw_codec_json_legacy.decode(model, &base, (const uint8_t *)spec_device,
	                                         strlen(spec_device), &r2, &err),
	             0);
	assert_same(&r, &r2);
	lw_records_free(&r2);
	lw_records_free(&r);
}

Test(oma_json, spec_device_builtin_model)
{
	lw_model *m = lw_model_new();
	lw_model_add_builtin(m);
	if (!lw_model_object(m, 3, NULL)) {
		lw_model_free(m);
		cr_skip_test("the built-in model has no object 3 yet");
	}
	lw_records r;
	lw_records_init(&r);
	decode_ok(m, "/3/0", spec_device, &r);
	check_device(&r);
	char *s = encode_ok(m, "/3/0", &r), *want = squeeze(spec_device);
	cr_assert_str_eq(s, want);
	free(s);
	free(want);
	lw_records_free(&r);
	lw_model_free(m);
}

/* Time-stamped values of one resource: t relative to bt, bt after "e". */
Test(oma_json, spec_timestamped_values)
{
	static const char text[] = "{\"bn\":\"/1024/0/1\",\"e\":[\n"
	                           "  {\"v\":22.9,\"t\":-30},\n"
	                           "  {\"v\":22.4,\"t\":-5},\n"
	                           "  {\"v\":24.1,\"t\":-50}],\n"
	                           " \"bt\":25462634}";
	lw_records r;
	lw_records_init(&r);
	decode_ok(model, "/1024/0/1", text, &r);
	cr_assert_eq(r.n, 3);
	static const double v[] = {22.9, 22.4, 24.1}, t[] = {25462604, 25462629, 25462584};
	for (size_t i = 0; i < 3; i++) {
		const lw_record *x = rec_at(&r, i, "/1024/0/1", LW_TYPE_FLOAT);
		cr_assert_eq(x->v.f, v[i]);
		cr_assert(x->has_time && x->time == t[i]);
	}
	char *s;
	round_trip(model, "/1024/0/1", &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/1024/0/1\",\"bt\":25462604,\"e\":[{\"v\":22.9},"
	                    "{\"v\":22.4,\"t\":25},{\"v\":24.1,\"t\":-20}]}");
	free(s);
	lw_records_free(&r);
}

/* Object links between objects 65, 66 and 67, read from the root. */
static const char spec_objlnk[] = "{\"bn\":\"/\",\n"
                                  " \"e\":[\n"
                                  "  {\"n\":\"65/0/0/0\",\"ov\":\"66:0\"},\n"
                                  "  {\"n\":\"65/0/0/1\",\"ov\":\"66:1\"},\n"
                                  "  {\"n\":\"65/0/1\",\"sv\":\"8613800755500\"},\n"
                                  "  {\"n\":\"65/0/2\",\"v\":1},\n"
                                  "  {\"n\":\"66/0/0\",\"sv\":\"myService1\"},\n"
                                  "  {\"n\":\"66/0/1\",\"sv\":\"Internet.15.234\"},\n"
                                  "  {\"n\":\"66/0/2\",\"ov\":\"67:0\"},\n"
                                  "  {\"n\":\"66/1/0\",\"sv\":\"myService2\"},\n"
                                  "  {\"n\":\"66/1/1\",\"sv\":\"Internet.15.235\"},\n"
                                  "  {\"n\":\"66/1/2\",\"ov\":\"65535:65535\"},\n"
                                  "  {\"n\":\"67/0/0\",\"sv\":\"85.76.76.84\"},\n"
                                  "  {\"n\":\"67/0/1\",\"sv\":\"85.76.255.255\"}]\n"
                                  "}";

Test(oma_json, spec_object_links)
{
	lw_records r;
	lw_records_init(&r);
	decode_ok(model, "/", spec_objlnk, &r);
	cr_assert_eq(r.n, 12);
	const lw_record *x = rec_at(&r, 1, "/65/0/0/1", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 66 && x->v.l.iid == 1);
	cr_assert_eq(rec_at(&r, 3, "/65/0/2", LW_TYPE_INTEGER)->v.i, 1);
	x = rec_at(&r, 9, "/66/1/2", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 65535 && x->v.l.iid == 65535);
	expect_str(rec_at(&r, 10, "/67/0/0", LW_TYPE_STRING), "85.76.76.84");
	char *s = encode_ok(model, "/", &r), *want = squeeze(spec_objlnk);
	cr_assert_str_eq(s, want);
	free(s);
	free(want);
	lw_records_free(&r);
}

/* ---- what devices send ---- */

Test(oma_json, base_name_variants)
{
	/* Full names with bn "/", no bn at all, a bn without its leading
	 * slash, members in any order: all name the same resources. */
	static const char *const texts[] = {
		"{\"bn\":\"/\",\"e\":[{\"n\":\"3/0/9\",\"v\":100},{\"n\":\"3/0/6/1\",\"v\":5}]}",
		"{\"e\":[{\"n\":\"/3/0/9\",\"v\":100},{\"n\":\"/3/0/6/1\",\"v\":5}]}",
		"{\"bn\":\"3/0/\",\"e\":[{\"n\":\"9\",\"v\":100},{\"n\":\"6/1\",\"v\":5}]}",
		"{\"e\":[{\"v\":100,\"n\":\"9\"},{\"n\":\"6/1\",\"v\":5}],\"bn\":\"/3/0/\"}",
		"{\"e\":[{\"n\":\"/9\",\"v\":100},{\"n\":\"/6/1\",\"v\":5}],\"bn\":\"/3/0\",\"x\":[1,2]}",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		lw_records r;
		lw_records_init(&r);
		decode_ok(model, "/3/0", texts[i], &r);
		cr_assert_eq(r.n, 2, "%s", texts[i]);
		cr_assert_eq(rec_at(&r, 0, "/3/0/9", LW_TYPE_INTEGER)->v.i, 100);
		cr_assert_eq(rec_at(&r, 1, "/3/0/6/1", LW_TYPE_INTEGER)->v.i, 5);
		char *s = encode_ok(model, "/3/0", &r);
		cr_assert_str_eq(s, "{\"bn\":\"/3/0/\",\"e\":[{\"n\":\"9\",\"v\":100},{\"n\":\"6/1\",\"v\":5}]}");
		free(s);
		lw_records_free(&r);
	}
}

Test(oma_json, opaque_in_sv)
{
	/* The model says opaque: sv is base64 (padded or not); unknown
	 * resources keep sv as a string. */
	static const char text[] = "{\"bn\":\"/\",\"e\":[{\"n\":\"10000/0/5\",\"sv\":\"AQIDBAU=\"},"
	                           "{\"n\":\"10000/1/5\",\"sv\":\"-_8\"},"
	                           "{\"n\":\"20000/0/5\",\"sv\":\"AQIDBAU=\"}]}";
	lw_records r;
	lw_records_init(&r);
	decode_ok(model, NULL, text, &r);
	const lw_record *x = rec_at(&r, 0, "/10000/0/5", LW_TYPE_OPAQUE);
	cr_assert(x->v.s.len == 5 && !memcmp(x->v.s.data, "\1\2\3\4\5", 5));
	x = rec_at(&r, 1, "/10000/1/5", LW_TYPE_OPAQUE);
	cr_assert(x->v.s.len == 2 && !memcmp(x->v.s.data, "\xfb\xff", 2));
	expect_str(rec_at(&r, 2, "/20000/0/5", LW_TYPE_STRING), "AQIDBAU=");
	char *s;
	round_trip(model, NULL, &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/\",\"e\":[{\"n\":\"10000/0/5\",\"sv\":\"AQIDBAU=\"},"
	                    "{\"n\":\"10000/1/5\",\"sv\":\"+/8=\"},"
	                    "{\"n\":\"20000/0/5\",\"sv\":\"AQIDBAU=\"}]}");
	free(s);
	lw_records_free(&r);
}

/* ---- round trips ---- */

static void add_all_types(lw_records *r, const char *inst)
{
	char p[32];
	snprintf(p, sizeof(p), "%s/0", inst);
	add_str(r, p, LW_TYPE_STRING, "tab\there \"q\" \xe2\x82\xac", 16);
	snprintf(p, sizeof(p), "%s/1", inst);
	add_int(r, p, INT64_MIN);
	snprintf(p, sizeof(p), "%s/2", inst);
	add(r, p, LW_TYPE_UNSIGNED)->v.u = UINT64_MAX;
	snprintf(p, sizeof(p), "%s/3", inst);
	add_float(r, p, -0.000123);
	snprintf(p, sizeof(p), "%s/4", inst);
	add(r, p, LW_TYPE_BOOLEAN)->v.b = false;
	snprintf(p, sizeof(p), "%s/5", inst);
	add_str(r, p, LW_TYPE_OPAQUE, "\0\xff\x10", 3);
	snprintf(p, sizeof(p), "%s/6", inst);
	add(r, p, LW_TYPE_TIME)->v.i = -1;
	snprintf(p, sizeof(p), "%s/7", inst);
	lw_record *l = add(r, p, LW_TYPE_OBJLNK);
	l->v.l.oid = 0;
	l->v.l.iid = 0;
	snprintf(p, sizeof(p), "%s/8", inst);
	add_str(r, p, LW_TYPE_CORELNK, "</5>", 4);
	snprintf(p, sizeof(p), "%s/9/3", inst);
	add_int(r, p, 33);
	snprintf(p, sizeof(p), "%s/10/0", inst);
	add_float(r, p, 1e100);
}

Test(oma_json, round_trip_every_type)
{
	lw_records r;
	lw_records_init(&r);
	add_all_types(&r, "/10000/0");
	char *s;
	round_trip(model, "/10000/0", &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/10000/0/\",\"e\":["
	                    "{\"n\":\"0\",\"sv\":\"tab\\there \\\"q\\\" \xe2\x82\xac\"},"
	                    "{\"n\":\"1\",\"v\":-9223372036854775808},"
	                    "{\"n\":\"2\",\"v\":18446744073709551615},"
	                    "{\"n\":\"3\",\"v\":-0.000123},"
	                    "{\"n\":\"4\",\"bv\":false},"
	                    "{\"n\":\"5\",\"sv\":\"AP8Q\"},"
	                    "{\"n\":\"6\",\"v\":-1},"
	                    "{\"n\":\"7\",\"ov\":\"0:0\"},"
	                    "{\"n\":\"8\",\"sv\":\"</5>\"},"
	                    "{\"n\":\"9/3\",\"v\":33},"
	                    "{\"n\":\"10/0\",\"v\":1e100}]}");
	free(s);
	/* Single resources, several instances, several objects. */
	for (size_t i = 0; i < r.n; i++) {
		lw_records one;
		lw_records_init(&one);
		lw_records_append_copy(&one, &r.items[i]);
		round_trip(model, NULL, &one, NULL);
		lw_records_free(&one);
	}
	add_all_types(&r, "/10000/7");
	round_trip(model, "/10000", &r, NULL);
	add_int(&r, "/1/0/1", 300);
	add_str(&r, "/3/0/0", LW_TYPE_STRING, "x", 1);
	round_trip(model, NULL, &r, NULL);
	lw_records_free(&r);
}

Test(oma_json, round_trip_times)
{
	lw_records r;
	lw_records_init(&r);
	add_int(&r, "/3/0/9", 1);
	add_int(&r, "/3/0/9", 2);
	timed(&r, 1700000000.5);
	add_int(&r, "/3/0/9", 3);
	timed(&r, 1700000100);
	add_int(&r, "/3/0/10", 4);
	add_int(&r, "/3/0/9", 5);
	timed(&r, -60);
	char *s;
	round_trip(model, "/3/0", &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/3/0/\",\"bt\":1700000000.5,\"e\":["
	                    "{\"n\":\"9\",\"v\":1,\"t\":-1700000000.5},{\"n\":\"9\",\"v\":2},"
	                    "{\"n\":\"9\",\"v\":3,\"t\":99.5},{\"n\":\"10\",\"v\":4,\"t\":-1700000000.5},"
	                    "{\"n\":\"9\",\"v\":5,\"t\":-1700000060.5}]}");
	free(s);
	/* A difference that does not read back exactly: no bt, whole times. */
	lw_records_clear(&r);
	add_int(&r, "/3/0/9", 1);
	timed(&r, 3.0);
	add_int(&r, "/3/0/9", 2);
	timed(&r, 0.1);
	round_trip(model, "/3/0/9", &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/3/0/9\",\"e\":[{\"v\":1,\"t\":3},{\"v\":2,\"t\":0.1}]}");
	free(s);
	lw_records_free(&r);
}

/* ---- errors ---- */

Test(oma_json, structure_errors)
{
	expect_error(NULL, " [{\"n\":\"/3/0/9\",\"v\":1}]", 1, "object with an \"e\" array");
	expect_error(NULL, "{\"bn\":\"/3/0/\"}", 0, "no \"e\" array");
	expect_error(NULL, "{\"e\":{}}", 5, "\"e\" must be an array");
	expect_error(NULL, "{\"e\":7}", 5, "\"e\" must be an array");
	expect_error(NULL, "{\"bn\":1,\"e\":[]}", 6, "\"bn\" must be a string");
	expect_error(NULL, "{\"bt\":\"1\",\"e\":[]}", 0, "\"bt\" must be a number");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"v\":1},3]}", 27, "entry 1 is not a JSON object");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\"}]}", 6, "has no value");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"v\":1,\"bv\":true}]}", 6, "more than one value");
	expect_error(NULL, "{\"e\":[{\"n\":9,\"v\":1}]}", 11, "\"n\" must be a string");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"v\":\"1\"}]}", 6, "\"v\" must be a number");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"t\":[],\"v\":1}]}", 24, "\"t\" must be a number");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0\",\"v\":1}]}", 6, "not a resource path");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/x\",\"v\":1}]}", 6, "not a number");
	expect_error("/1", "{\"e\":[{\"n\":\"/3/0/9\",\"v\":1}]}", 6, "outside the target /1");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/0\",\"v\":1}]}", 24, "string in the model");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"sv\":\"1\"}]}", 6, "integer in the model");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"ov\":\"1:1\"}]}", 6, "integer in the model");
	expect_error(NULL, "{\"e\":[{\"n\":\"/65/0/0/0\",\"ov\":\"FFFF:FFFF\"}]}", 6,
	             "not an object link");
	expect_error(NULL, "{\"e\":[{\"n\":\"/10000/0/5\",\"sv\":\"A\"}]}", 6, "not base64");
	expect_error(NULL, "{\"e\":[{\"n\":\"/10000/0/2\",\"v\":-3}]}", 28, "negative value");
	expect_error(NULL, "{\"e\":[{\"n\":\"/3/0/9\",\"v\":1,\"t\":1e308}],\"bt\":1e308}", 6,
	             "time out of range");
	const char *t = "{\"e\":[{\"n\":\"/3/0/9\",\"v\":1}"; /* truncated */
	struct lw_codec_error e = decode_fail(model, NULL, t, strlen(t));
	cr_assert(strstr(e.message, "malformed JSON"), "%s", e.message);
	cr_assert_eq(e.offset, strlen(t));
}

Test(oma_json, limits)
{
	char t[80];
	memset(t, '[', 17);
	t[17] = '\0';
	expect_error(NULL, t, 16, "nested deeper than 16 levels");

	lw_buf b;
	lw_buf_init(&b);
	lw_buf_printf(&b, "{\"bn\":\"/3/0/11/\",\"e\":[");
	for (int i = 0; i < 1000; i++)
		lw_buf_printf(&b, "%s{\"n\":\"%d\",\"v\":%d}", i ? "," : "", i, i);
	lw_buf_printf(&b, "]}");
	lw_records r;
	lw_records_init(&r);
	struct lw_codec_error err;
	cr_assert_eq(C->decode(model, NULL, b.data, b.len, &r, &err), 0, "%s", err.message);
	cr_assert_eq(r.n, 1000);
	lw_records_clear(&r);
	r.max_items = 10;
	cr_assert_eq(C->decode(model, NULL, b.data, b.len, &r, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "too many records (limit 10)"), "%s", err.message);
	cr_assert_eq(b.data[err.offset], '{');
	lw_records_free(&r);
	lw_buf_free(&b);
}

Test(oma_json, encode_errors)
{
	lw_records r;
	lw_records_init(&r);
	lw_buf b;
	lw_buf_init(&b);
	struct lw_codec_error err;
	add(&r, "/3/0/9", LW_TYPE_NONE);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "without a value"), "%s", err.message);
	cr_assert_eq(b.len, 0);
	lw_records_clear(&r);
	add_float(&r, "/3303/0/5700", INFINITY);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "NaN"), "%s", err.message);
	lw_records_clear(&r);
	add_int(&r, "/3/0/9", 1);
	add_str(&r, "/3/0/0", LW_TYPE_STRING, "\xed\xa0\x80", 3); /* a surrogate */
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "record 1 (/3/0/0): string is not UTF-8"), "%s", err.message);
	cr_assert_eq(b.len, 0);
	lw_buf_free(&b);
	lw_records_free(&r);
}

/* ---- every resource type of the OMA registry ---- */

static void report(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

Test(oma_json, oma_registry_types)
{
	const char *dir = getenv("LW_OMA_MODELS");
	if (!dir || !*dir)
		cr_skip_test("LW_OMA_MODELS is not set");
	lw_model *m = lw_model_new();
	int added = lw_ddf_load_dir(m, dir, report, NULL);
	if (added <= 0) {
		lw_model_free(m);
		cr_skip_test("the DDF loader cannot read %s yet (%d)", dir, added);
	}
	size_t tested = 0;
	for (size_t k = 0; k < lw_model_count(m); k++) {
		const struct lw_object_def *o = lw_model_at(m, k);
		if (lw_model_object(m, o->id, NULL) != o)
			continue;
		lw_records r;
		lw_records_init(&r);
		for (size_t j = 0; j < o->n_resources; j++) {
			const struct lw_resource_def *d = &o->resources[j];
			lw_path p = lw_path_make(d->multiple ? 4 : 3, o->id, 1, d->id, 0);
			lw_record *x;
			switch (d->type) {
			case LW_TYPE_STRING:
			case LW_TYPE_CORELNK:
				add_str(&r, "/1/0/0", d->type, "s \"1\"", 5);
				break;
			case LW_TYPE_OPAQUE: add_str(&r, "/1/0/0", d->type, "\x01\x80", 2); break;
			case LW_TYPE_INTEGER:
			case LW_TYPE_TIME: add(&r, "/1/0/0", d->type)->v.i = -(int64_t)j; break;
			case LW_TYPE_UNSIGNED: add(&r, "/1/0/0", d->type)->v.u = UINT64_MAX - j; break;
			case LW_TYPE_FLOAT: add(&r, "/1/0/0", d->type)->v.f = j + 0.125; break;
			case LW_TYPE_BOOLEAN: add(&r, "/1/0/0", d->type)->v.b = true; break;
			case LW_TYPE_OBJLNK:
				x = add(&r, "/1/0/0", d->type);
				x->v.l = (lw_objlnk){o->id, (uint16_t)j};
				break;
			default: continue;
			}
			r.items[r.n - 1].path = p;
		}
		if (r.n)
			round_trip(m, NULL, &r, NULL);
		tested += r.n;
		lw_records_free(&r);
	}
	cr_assert_gt(tested, 1000, "only %zu resources tested", tested);
	lw_model_free(m);
}
