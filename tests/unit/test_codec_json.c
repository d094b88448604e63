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

#include "codec_testkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"

extern const struct lw_codec lw_codec_json, lw_codec_json_legacy;
static const struct lw_codec *const C = &lw_codec_json;

static lw_model *model;

static void setup(void)
{
	model = ck_example_model();
}

static void teardown(void)
{
	lw_model_free(model);
	model = NULL;
}

TestSuite(oma_json, .init = setup, .fini = teardown);

/* Decoding text at base must fail at offset at with a message holding what. */
static void expect_error(const char *base, const char *text, size_t at, const char *what)
{
	ck_expect_text_error(C, model, base, text, at, what);
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

Test(oma_json, spec_device_instance)
{
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, "/3/0", spec_device, &r);
	ck_assert_device_instance(&r, "/3/0");
	ck_encode_text_is(C, model, "/3/0", &r, spec_device);

	/* The legacy number reads and writes the same. */
	lw_records r2;
	lw_records_init(&r2);
	struct lw_codec_error err;
	lw_path base = ck_path("/3/0");
	cr_assert_eq(lw_codec_json_legacy.decode(model, &base, (const uint8_t *)spec_device,
	                                         strlen(spec_device), &r2, &err),
	             0);
	ck_assert_same(&r, &r2);
	lw_records_free(&r2);
	lw_records_free(&r);
}

Test(oma_json, spec_device_builtin_model)
{
	lw_model *m = ck_builtin_model(0);
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, m, "/3/0", spec_device, &r);
	ck_assert_device_instance(&r, "/3/0");
	ck_encode_text_is(C, m, "/3/0", &r, spec_device);
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
	ck_decode_text(C, model, "/1024/0/1", text, &r);
	cr_assert_eq(r.n, 3);
	static const double v[] = {22.9, 22.4, 24.1}, t[] = {25462604, 25462629, 25462584};
	for (size_t i = 0; i < 3; i++) {
		const lw_record *x = ck_rec_at(&r, i, "/1024/0/1", LW_TYPE_FLOAT);
		cr_assert_eq(x->v.f, v[i]);
		cr_assert(x->has_time && x->time == t[i]);
	}
	char *s;
	ck_round_trip_text(C, model, "/1024/0/1", &r, &s);
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
	ck_decode_text(C, model, "/", spec_objlnk, &r);
	cr_assert_eq(r.n, 12);
	const lw_record *x = ck_rec_at(&r, 1, "/65/0/0/1", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 66 && x->v.l.iid == 1);
	cr_assert_eq(ck_rec_at(&r, 3, "/65/0/2", LW_TYPE_INTEGER)->v.i, 1);
	x = ck_rec_at(&r, 9, "/66/1/2", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 65535 && x->v.l.iid == 65535);
	ck_assert_str(ck_rec_at(&r, 10, "/67/0/0", LW_TYPE_STRING), "85.76.76.84");
	ck_encode_text_is(C, model, "/", &r, spec_objlnk);
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
		ck_decode_text(C, model, "/3/0", texts[i], &r);
		cr_assert_eq(r.n, 2, "%s", texts[i]);
		cr_assert_eq(ck_rec_at(&r, 0, "/3/0/9", LW_TYPE_INTEGER)->v.i, 100);
		cr_assert_eq(ck_rec_at(&r, 1, "/3/0/6/1", LW_TYPE_INTEGER)->v.i, 5);
		char *s = ck_encode_text(C, model, "/3/0", &r);
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
	ck_decode_text(C, model, NULL, text, &r);
	const lw_record *x = ck_rec_at(&r, 0, "/10000/0/5", LW_TYPE_OPAQUE);
	cr_assert(x->v.s.len == 5 && !memcmp(x->v.s.data, "\1\2\3\4\5", 5));
	x = ck_rec_at(&r, 1, "/10000/1/5", LW_TYPE_OPAQUE);
	cr_assert(x->v.s.len == 2 && !memcmp(x->v.s.data, "\xfb\xff", 2));
	ck_assert_str(ck_rec_at(&r, 2, "/20000/0/5", LW_TYPE_STRING), "AQIDBAU=");
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
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
	ck_add_str(r, p, LW_TYPE_STRING, "tab\there \"q\" \xe2\x82\xac", 16);
	snprintf(p, sizeof(p), "%s/1", inst);
	ck_add_int(r, p, INT64_MIN);
	snprintf(p, sizeof(p), "%s/2", inst);
	ck_add(r, p, LW_TYPE_UNSIGNED)->v.u = UINT64_MAX;
	snprintf(p, sizeof(p), "%s/3", inst);
	ck_add_float(r, p, -0.000123);
	snprintf(p, sizeof(p), "%s/4", inst);
	ck_add(r, p, LW_TYPE_BOOLEAN)->v.b = false;
	snprintf(p, sizeof(p), "%s/5", inst);
	ck_add_str(r, p, LW_TYPE_OPAQUE, "\0\xff\x10", 3);
	snprintf(p, sizeof(p), "%s/6", inst);
	ck_add(r, p, LW_TYPE_TIME)->v.i = -1;
	snprintf(p, sizeof(p), "%s/7", inst);
	lw_record *l = ck_add(r, p, LW_TYPE_OBJLNK);
	l->v.l.oid = 0;
	l->v.l.iid = 0;
	snprintf(p, sizeof(p), "%s/8", inst);
	ck_add_str(r, p, LW_TYPE_CORELNK, "</5>", 4);
	snprintf(p, sizeof(p), "%s/9/3", inst);
	ck_add_int(r, p, 33);
	snprintf(p, sizeof(p), "%s/10/0", inst);
	ck_add_float(r, p, 1e100);
}

Test(oma_json, round_trip_every_type)
{
	lw_records r;
	lw_records_init(&r);
	add_all_types(&r, "/10000/0");
	char *s;
	ck_round_trip_text(C, model, "/10000/0", &r, &s);
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
		ck_round_trip_text(C, model, NULL, &one, NULL);
		lw_records_free(&one);
	}
	add_all_types(&r, "/10000/7");
	ck_round_trip_text(C, model, "/10000", &r, NULL);
	ck_add_int(&r, "/1/0/1", 300);
	ck_add_str(&r, "/3/0/0", LW_TYPE_STRING, "x", 1);
	ck_round_trip_text(C, model, NULL, &r, NULL);
	lw_records_free(&r);
}

Test(oma_json, round_trip_times)
{
	lw_records r;
	lw_records_init(&r);
	ck_add_int(&r, "/3/0/9", 1);
	ck_add_int(&r, "/3/0/9", 2);
	ck_timed(&r, 1700000000.5);
	ck_add_int(&r, "/3/0/9", 3);
	ck_timed(&r, 1700000100);
	ck_add_int(&r, "/3/0/10", 4);
	ck_add_int(&r, "/3/0/9", 5);
	ck_timed(&r, -60);
	char *s;
	ck_round_trip_text(C, model, "/3/0", &r, &s);
	cr_assert_str_eq(s, "{\"bn\":\"/3/0/\",\"bt\":1700000000.5,\"e\":["
	                    "{\"n\":\"9\",\"v\":1,\"t\":-1700000000.5},{\"n\":\"9\",\"v\":2},"
	                    "{\"n\":\"9\",\"v\":3,\"t\":99.5},{\"n\":\"10\",\"v\":4,\"t\":-1700000000.5},"
	                    "{\"n\":\"9\",\"v\":5,\"t\":-1700000060.5}]}");
	free(s);
	/* A difference that does not read back exactly: no bt, whole times. */
	lw_records_clear(&r);
	ck_add_int(&r, "/3/0/9", 1);
	ck_timed(&r, 3.0);
	ck_add_int(&r, "/3/0/9", 2);
	ck_timed(&r, 0.1);
	ck_round_trip_text(C, model, "/3/0/9", &r, &s);
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
	struct lw_codec_error e = ck_decode_text_fail(C, model, NULL, t, strlen(t));
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
	ck_add(&r, "/3/0/9", LW_TYPE_NONE);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "without a value"), "%s", err.message);
	cr_assert_eq(b.len, 0);
	lw_records_clear(&r);
	ck_add_float(&r, "/3303/0/5700", INFINITY);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "NaN"), "%s", err.message);
	lw_records_clear(&r);
	ck_add_int(&r, "/3/0/9", 1);
	ck_add_str(&r, "/3/0/0", LW_TYPE_STRING, "\xed\xa0\x80", 3); /* a surrogate */
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "record 1 (/3/0/0): string is not UTF-8"), "%s", err.message);
	cr_assert_eq(b.len, 0);
	lw_buf_free(&b);
	lw_records_free(&r);
}

/* ---- every resource type of the OMA registry ---- */

Test(oma_json, oma_registry_types)
{
	lw_model *m = ck_oma_model();
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
				ck_add_str(&r, "/1/0/0", d->type, "s \"1\"", 5);
				break;
			case LW_TYPE_OPAQUE: ck_add_str(&r, "/1/0/0", d->type, "\x01\x80", 2); break;
			case LW_TYPE_INTEGER:
			case LW_TYPE_TIME: ck_add(&r, "/1/0/0", d->type)->v.i = -(int64_t)j; break;
			case LW_TYPE_UNSIGNED: ck_add(&r, "/1/0/0", d->type)->v.u = UINT64_MAX - j; break;
			case LW_TYPE_FLOAT: ck_add(&r, "/1/0/0", d->type)->v.f = j + 0.125; break;
			case LW_TYPE_BOOLEAN: ck_add(&r, "/1/0/0", d->type)->v.b = true; break;
			case LW_TYPE_OBJLNK:
				x = ck_add(&r, "/1/0/0", d->type);
				x->v.l = (lw_objlnk){o->id, (uint16_t)j};
				break;
			default: continue;
			}
			r.items[r.n - 1].path = p;
		}
		if (r.n)
			ck_round_trip_text(C, m, NULL, &r, NULL);
		tested += r.n;
		lw_records_free(&r);
	}
	cr_assert_gt(tested, 1000, "only %zu resources tested", tested);
	lw_model_free(m);
}
