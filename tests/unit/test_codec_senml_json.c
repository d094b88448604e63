/*
 * tests/unit/test_codec_senml_json.c: the SenML JSON codec (content format
 * 110) against the examples printed in the LwM2M Core specification and RFC
 * 8428, record -> bytes -> record round trips for every type and shape, and
 * the errors (with byte offsets) for malformed, mistyped, too deep and too
 * big inputs. The codec is compiled into this program; the model is built
 * here from the specification's object tables, and the OMA registry in
 * $LW_OMA_MODELS is used when the DDF loader can read it.
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

extern const struct lw_codec lw_codec_senml_json;
static const struct lw_codec *const C = &lw_codec_senml_json;

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

TestSuite(senml_json, .init = setup, .fini = teardown);

/* Decoding text at base must fail at offset at with a message holding what. */
static void expect_error(const char *base, const char *text, size_t at, const char *what)
{
	ck_expect_text_error(C, model, base, text, at, what);
}

/* ---- the codec's identity ---- */

Test(senml_json, identity)
{
	cr_assert_eq(C->content_format, 110);
	cr_assert_str_eq(C->media_type, "application/senml+json");
	cr_assert_str_eq(C->name, "senml-json");
	cr_assert_null(C->decode_links);
	cr_assert_eq(lw_codecs_add(NULL, C), 0);
	cr_assert_eq(lw_codec_by_format(LW_CF_SENML_JSON), C);
	cr_assert_eq(lw_codec_by_name("senml-json"), C);
	lw_codecs_unregister_owner(NULL);
}

/* ---- LwM2M Core 1.1, section 7.4.4 (SenML JSON) examples ---- */

/* Core 1.1 Table 7.4.4-2: Read on Device object instance /3/0. */
static const char spec_device[] =
	"[{\"bn\":\"/3/0/\",\"n\":\"0\",\"vs\":\"Open Mobile Alliance\"},\n"
	" {\"n\":\"1\",\"vs\":\"Lightweight M2M Client\"},\n"
	" {\"n\":\"2\",\"vs\":\"345000123\"},\n"
	" {\"n\":\"3\",\"vs\":\"1.0\"},\n"
	" {\"n\":\"6/0\",\"v\":1},\n"
	" {\"n\":\"6/1\",\"v\":5},\n"
	" {\"n\":\"7/0\",\"v\":3800},\n"
	" {\"n\":\"7/1\",\"v\":5000},\n"
	" {\"n\":\"8/0\",\"v\":125},\n"
	" {\"n\":\"8/1\",\"v\":900},\n"
	" {\"n\":\"9\",\"v\":100},\n"
	" {\"n\":\"10\",\"v\":15},\n"
	" {\"n\":\"11/0\",\"v\":0},\n"
	" {\"n\":\"13\",\"v\":1367491215},\n"
	" {\"n\":\"14\",\"vs\":\"+02:00\"},\n"
	" {\"n\":\"16\",\"vs\":\"U\"}]";

Test(senml_json, spec_device_instance)
{
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, "/3/0", spec_device, &r);
	ck_assert_device_instance(&r, "/3/0");
	ck_encode_text_is(C, model, "/3/0", &r, spec_device);
	lw_records_free(&r);
}

/* The same example against the built-in definitions, once objects.c has them. */
Test(senml_json, spec_device_builtin_model)
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

/* Core 1.1 Table 7.4.4-3: a resource with three timestamped values. */
Test(senml_json, spec_timestamped_values)
{
	static const char text[] =
		"[{\"bn\":\"/72/\",\"bt\":25462634,\"n\":\"1/2\",\"v\":22.4,\"t\":-5},\n"
		" {\"n\":\"1/2\",\"v\":22.9,\"t\":-30},\n"
		" {\"n\":\"1/2\",\"v\":24.1,\"t\":-50}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, "/72", text, &r);
	cr_assert_eq(r.n, 3);
	static const double v[] = {22.4, 22.9, 24.1}, t[] = {25462629, 25462604, 25462584};
	for (size_t i = 0; i < 3; i++) {
		/* Object 72 is not in the model: a number with a fraction is a float. */
		const lw_record *x = ck_rec_at(&r, i, "/72/1/2", LW_TYPE_FLOAT);
		cr_assert_eq(x->v.f, v[i]);
		cr_assert_eq(x->has_time, 1);
		cr_assert_eq(x->time, t[i]);
	}
	/* Our form: the one path as bn, the first time as bt. */
	char *s;
	ck_round_trip_text(C, model, "/72", &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/72/1/2\",\"bt\":25462629,\"v\":22.4},{\"v\":22.9,\"t\":-25},"
	                    "{\"v\":24.1,\"t\":-45}]");
	free(s);
	lw_records_free(&r);
}

/*
 * Core 1.1 Table 7.4.4-4: object links across objects 65, 66 and 67. The
 * specification prints the last link of 66/1/2 in hexadecimal; the format is
 * decimal "oid:iid", so it is 65535:65535 here.
 */
static const char spec_objlnk[] =
	"[{\"bn\":\"/\",\"n\":\"65/0/0/0\",\"vlo\":\"66:0\"},\n"
	" {\"n\":\"65/0/0/1\",\"vlo\":\"66:1\"},\n"
	" {\"n\":\"65/0/1\",\"vs\":\"8613800755500\"},\n"
	" {\"n\":\"65/0/2\",\"v\":1},\n"
	" {\"n\":\"66/0/0\",\"vs\":\"myService1\"},\n"
	" {\"n\":\"66/0/1\",\"vs\":\"Internet.15.234\"},\n"
	" {\"n\":\"66/0/2\",\"vlo\":\"67:0\"},\n"
	" {\"n\":\"66/1/0\",\"vs\":\"myService2\"},\n"
	" {\"n\":\"66/1/1\",\"vs\":\"Internet.15.235\"},\n"
	" {\"n\":\"66/1/2\",\"vlo\":\"65535:65535\"},\n"
	" {\"n\":\"67/0/0\",\"vs\":\"85.76.76.84\"},\n"
	" {\"n\":\"67/0/1\",\"vs\":\"85.76.255.255\"}]";

Test(senml_json, spec_object_links)
{
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, "/", spec_objlnk, &r);
	cr_assert_eq(r.n, 12);
	const lw_record *x = ck_rec_at(&r, 0, "/65/0/0/0", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 66 && x->v.l.iid == 0);
	x = ck_rec_at(&r, 1, "/65/0/0/1", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 66 && x->v.l.iid == 1);
	ck_assert_str(ck_rec_at(&r, 2, "/65/0/1", LW_TYPE_STRING), "8613800755500");
	cr_assert_eq(ck_rec_at(&r, 3, "/65/0/2", LW_TYPE_INTEGER)->v.i, 1);
	x = ck_rec_at(&r, 6, "/66/0/2", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 67 && x->v.l.iid == 0);
	x = ck_rec_at(&r, 9, "/66/1/2", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 65535 && x->v.l.iid == 65535);
	ck_assert_str(ck_rec_at(&r, 11, "/67/0/1", LW_TYPE_STRING), "85.76.255.255");
	ck_encode_text_is(C, model, "/", &r, spec_objlnk);
	lw_records_free(&r);
}

/* Core 1.1 Table 7.4.4-5: Read on a single resource /3/0/0 (the spec's
 * closing quote of the value is missing; restored). */
Test(senml_json, spec_single_resource)
{
	static const char text[] = "[{\"bn\":\"/3/0/0\",\"vs\":\"Open Mobile Alliance\"}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, "/3/0/0", text, &r);
	cr_assert_eq(r.n, 1);
	ck_assert_str(ck_rec_at(&r, 0, "/3/0/0", LW_TYPE_STRING), "Open Mobile Alliance");
	char *s = ck_encode_text(C, model, "/3/0/0", &r);
	cr_assert_str_eq(s, text);
	free(s);
	lw_records_free(&r);
}

/* Core 1.1 Table 7.4.4-6: the Read-Composite request, names without values. */
Test(senml_json, spec_read_composite_request)
{
	static const char text[] = "[{\"n\":\"/3/0/0\"},\n {\"n\":\"/3/0/9\"},\n {\"n\":\"/1/0/1\"}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 3);
	ck_rec_at(&r, 0, "/3/0/0", LW_TYPE_NONE);
	ck_rec_at(&r, 1, "/3/0/9", LW_TYPE_NONE);
	ck_rec_at(&r, 2, "/1/0/1", LW_TYPE_NONE);
	ck_encode_text_is(C, model, NULL, &r, text);
	lw_records_free(&r);
}

/* Core 1.1 Table 7.4.4-7: the Read-Composite response. */
Test(senml_json, spec_read_composite_response)
{
	static const char text[] = "[{\"n\":\"/3/0/0\", \"vs\":\"Open Mobile Alliance\"},\n"
	                           " {\"n\" :\"/3/0/9\", \"v\":95},\n"
	                           " {\"n\":\"/1/0/1\", \"v\":86400}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 3);
	ck_assert_str(ck_rec_at(&r, 0, "/3/0/0", LW_TYPE_STRING), "Open Mobile Alliance");
	cr_assert_eq(ck_rec_at(&r, 1, "/3/0/9", LW_TYPE_INTEGER)->v.i, 95);
	cr_assert_eq(ck_rec_at(&r, 2, "/1/0/1", LW_TYPE_INTEGER)->v.i, 86400);
	ck_encode_text_is(C, model, NULL, &r, text);
	lw_records_free(&r);
}

/* Core 1.1 Table 7.4.4-8: the Write-Composite request. */
Test(senml_json, spec_write_composite)
{
	static const char text[] = "[{\"n\":\"/3311/0/5850\", \"vb\":false},\n"
	                           " {\"n\":\"/3311/1/5850\", \"vb\":false},\n"
	                           " {\"n\":\"/3311/2/5851\", \"v\":20},\n"
	                           " {\"n\":\"/3308/0/5900\", \"v\":18}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(ck_rec_at(&r, 0, "/3311/0/5850", LW_TYPE_BOOLEAN)->v.b, false);
	cr_assert_eq(ck_rec_at(&r, 1, "/3311/1/5850", LW_TYPE_BOOLEAN)->v.b, false);
	cr_assert_eq(ck_rec_at(&r, 2, "/3311/2/5851", LW_TYPE_INTEGER)->v.i, 20);
	cr_assert_eq(ck_rec_at(&r, 3, "/3308/0/5900", LW_TYPE_FLOAT)->v.f, 18.0);
	ck_encode_text_is(C, model, NULL, &r, text);
	lw_records_free(&r);
}

/* ---- RFC 8428 section 5.1 examples, names mapped to LwM2M paths ---- */

/* 5.1.1: the names are URNs, which are no LwM2M paths: refused. */
Test(senml_json, rfc8428_urn_names_refused)
{
	expect_error(NULL, "[{\"n\":\"urn:dev:ow:10e2073a01080063\",\"u\":\"Cel\",\"v\":23.1}]", 1,
	             "name \"urn:dev:ow:10e2073a01080063\"");
}

/* 5.1.2: two datapoints "now", bn prefixed, units ignored. */
Test(senml_json, rfc8428_multiple_datapoints)
{
	static const char text[] = "[{\"bn\":\"/3316/0/\",\"n\":\"5700\",\"u\":\"V\",\"v\":120.1},"
	                           "{\"bn\":\"/3317/0/\",\"n\":\"5700\",\"u\":\"A\",\"v\":1.2}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(ck_rec_at(&r, 0, "/3316/0/5700", LW_TYPE_FLOAT)->v.f, 120.1);
	cr_assert_eq(ck_rec_at(&r, 1, "/3317/0/5700", LW_TYPE_FLOAT)->v.f, 1.2);
	cr_assert_eq(r.items[0].has_time + r.items[1].has_time, 0);
	ck_round_trip_text(C, model, NULL, &r, NULL);
	lw_records_free(&r);
}

/*
 * 5.1.3: a series with a fractional base time, bu, bver 5 and relative
 * times; 5.1.4 gives the same data resolved (absolute times, full names):
 * both must decode to the same records.
 */
Test(senml_json, rfc8428_series_and_resolved_form)
{
	static const char pack[] =
		"[{\"bn\":\"/\",\"bt\":1.276020076001e+09,\"bu\":\"A\",\"bver\":5,"
		"\"n\":\"3316/0/5700\",\"u\":\"V\",\"v\":120.1},"
		"{\"n\":\"3317/0/5700\",\"t\":-5,\"v\":1.2},"
		"{\"n\":\"3317/0/5700\",\"t\":-4,\"v\":1.3},"
		"{\"n\":\"3317/0/5700\",\"t\":-3,\"v\":1.4},"
		"{\"n\":\"3317/0/5700\",\"t\":-2,\"v\":1.5},"
		"{\"n\":\"3317/0/5700\",\"t\":-1,\"v\":1.6},"
		"{\"n\":\"3317/0/5700\",\"v\":1.7}]";
	static const char resolved[] =
		"[{\"n\":\"/3316/0/5700\",\"u\":\"V\",\"t\":1.276020076001e+09,\"v\":120.1},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020071001e+09,\"v\":1.2},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020072001e+09,\"v\":1.3},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020073001e+09,\"v\":1.4},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020074001e+09,\"v\":1.5},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020075001e+09,\"v\":1.6},"
		"{\"n\":\"/3317/0/5700\",\"u\":\"A\",\"t\":1.276020076001e+09,\"v\":1.7}]";
	lw_records a, b;
	lw_records_init(&a);
	lw_records_init(&b);
	ck_decode_text(C, model, NULL, pack, &a);
	ck_decode_text(C, model, NULL, resolved, &b);
	cr_assert_eq(a.n, 7);
	cr_assert_eq(ck_rec_at(&a, 0, "/3316/0/5700", LW_TYPE_FLOAT)->time, 1276020076.001);
	cr_assert_eq(ck_rec_at(&a, 1, "/3317/0/5700", LW_TYPE_FLOAT)->time, 1276020076.001 - 5);
	cr_assert_eq(ck_rec_at(&a, 6, "/3317/0/5700", LW_TYPE_FLOAT)->v.f, 1.7);
	/* 1.276020071001e9 is not exactly 1.276020076001e9 - 5 in binary:
	 * compare the resolved times to within a microsecond. */
	cr_assert_eq(b.n, a.n);
	for (size_t i = 0; i < a.n; i++) {
		cr_assert(lw_path_equal(&a.items[i].path, &b.items[i].path));
		cr_assert_eq(a.items[i].v.f, b.items[i].v.f);
		cr_assert_lt(fabs(a.items[i].time - b.items[i].time), 1e-6);
	}
	ck_round_trip_text(C, model, NULL, &a, NULL);
	ck_round_trip_text(C, model, NULL, &b, NULL);
	lw_records_free(&a);
	lw_records_free(&b);
}

/* 5.1.5: several data types; vd is base64url without padding. */
Test(senml_json, rfc8428_multiple_types)
{
	static const char text[] = "[{\"bn\":\"/20000/0/\",\"n\":\"1\",\"u\":\"Cel\",\"v\":23.1},"
	                           "{\"n\":\"2\",\"vs\":\"Machine Room\"},"
	                           "{\"n\":\"3\",\"vb\":false},"
	                           "{\"n\":\"4\",\"vd\":\"aGkgCg\"}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 4);
	cr_assert_eq(ck_rec_at(&r, 0, "/20000/0/1", LW_TYPE_FLOAT)->v.f, 23.1);
	ck_assert_str(ck_rec_at(&r, 1, "/20000/0/2", LW_TYPE_STRING), "Machine Room");
	cr_assert_eq(ck_rec_at(&r, 2, "/20000/0/3", LW_TYPE_BOOLEAN)->v.b, false);
	ck_assert_str(ck_rec_at(&r, 3, "/20000/0/4", LW_TYPE_OPAQUE), "hi \n");
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
	/* Without "u" (units are not kept) the encoder writes the same pack. */
	cr_assert_str_eq(s, "[{\"bn\":\"/20000/0/\",\"n\":\"1\",\"v\":23.1},{\"n\":\"2\",\"vs\":"
	                    "\"Machine Room\"},{\"n\":\"3\",\"vb\":false},{\"n\":\"4\",\"vd\":"
	                    "\"aGkgCg\"}]");
	free(s);
	lw_records_free(&r);
}

/* ---- decoding details ---- */

Test(senml_json, base_name_forms)
{
	/* bn with and without a trailing '/', names with a leading '/', bn
	 * changing mid-pack and a name without a leading '/'. */
	static const char text[] = "[{\"bn\":\"/3/0\",\"n\":\"/9\",\"v\":1},"
	                           "{\"bn\":\"/1/0/\",\"n\":\"1\",\"v\":2},"
	                           "{\"bn\":\"\",\"n\":\"3/0/10\",\"v\":3},"
	                           "{\"bn\":\"/3/0/11/\",\"n\":\"\",\"v\":4},"
	                           "{\"n\":\"0\",\"v\":5}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(ck_rec_at(&r, 0, "/3/0/9", LW_TYPE_INTEGER)->v.i, 1);
	cr_assert_eq(ck_rec_at(&r, 1, "/1/0/1", LW_TYPE_INTEGER)->v.i, 2);
	cr_assert_eq(ck_rec_at(&r, 2, "/3/0/10", LW_TYPE_INTEGER)->v.i, 3);
	ck_rec_at(&r, 3, "/3/0/11", LW_TYPE_INTEGER);
	cr_assert_eq(ck_rec_at(&r, 4, "/3/0/11/0", LW_TYPE_INTEGER)->v.i, 5);
	lw_records_free(&r);
}

Test(senml_json, time_rules)
{
	/* bt carries over; t adds to it; bt + t == 0 is "now", no time; t
	 * alone is kept even when negative (relative to the reception, which
	 * only the caller knows); a later bt replaces the earlier one. */
	static const char text[] = "[{\"n\":\"/3/0/9\",\"v\":1,\"t\":-10},"
	                           "{\"bt\":1700000000,\"n\":\"/3/0/9\",\"v\":2},"
	                           "{\"n\":\"/3/0/9\",\"v\":3,\"t\":0.5},"
	                           "{\"n\":\"/3/0/9\",\"v\":4,\"t\":-1700000000},"
	                           "{\"bt\":0,\"n\":\"/3/0/9\",\"v\":5}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 5);
	cr_assert(r.items[0].has_time && r.items[0].time == -10);
	cr_assert(r.items[1].has_time && r.items[1].time == 1700000000);
	cr_assert(r.items[2].has_time && r.items[2].time == 1700000000.5);
	cr_assert_eq(r.items[3].has_time, 0);
	cr_assert_eq(r.items[4].has_time, 0);
	ck_round_trip_text(C, model, NULL, &r, NULL);
	lw_records_free(&r);
}

Test(senml_json, base_value_and_ignored_fields)
{
	/* bv adds to v (RFC 8428 4.5.2); u, bu, ut and unknown fields (even
	 * structured ones) are ignored; bver up to 10 is accepted. */
	static const char text[] =
		"[{\"bver\":10,\"bv\":100,\"n\":\"/3/0/9\",\"v\":-1,\"u\":\"%\",\"ut\":60,"
		"\"x-vendor\":{\"a\":[1,2,{\"b\":3}]}},"
		"{\"n\":\"/3303/0/5700\",\"v\":0.5,\"foo\":[7,8]},"
		"{\"bv\":0,\"n\":\"/3/0/10\",\"v\":7}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 3);
	cr_assert_eq(ck_rec_at(&r, 0, "/3/0/9", LW_TYPE_INTEGER)->v.i, 99);
	cr_assert_eq(ck_rec_at(&r, 1, "/3303/0/5700", LW_TYPE_FLOAT)->v.f, 100.5);
	cr_assert_eq(ck_rec_at(&r, 2, "/3/0/10", LW_TYPE_INTEGER)->v.i, 7);
	lw_records_free(&r);
}

Test(senml_json, numbers_by_model_type)
{
	static const char text[] =
		"[{\"bn\":\"/10000/0/\",\"n\":\"1\",\"v\":-9223372036854775808},"
		"{\"n\":\"2\",\"v\":18446744073709551615},"
		"{\"n\":\"3\",\"v\":7},"
		"{\"n\":\"6\",\"v\":1e3},"
		"{\"n\":\"1\",\"v\":9223372036854775807},"
		"{\"n\":\"2\",\"v\":-0},"
		"{\"bn\":\"/20000/0/\",\"n\":\"1\",\"v\":-5},"
		"{\"n\":\"2\",\"v\":18446744073709551615},"
		"{\"n\":\"3\",\"v\":5.0},"
		"{\"n\":\"4\",\"v\":1e400000000000000000000}]";
	/* The last one overflows a double: jansson refuses it. */
	struct lw_codec_error e = ck_decode_text_fail(C, model, NULL, text, strlen(text));
	cr_assert(strstr(e.message, "malformed JSON"), "%s", e.message);

	lw_records r;
	lw_records_init(&r);
	size_t len = (size_t)(strstr(text, ",{\"n\":\"4\"") - text);
	char *ok = malloc(len + 2);
	memcpy(ok, text, len);
	memcpy(ok + len, "]", 2);
	ck_decode_text(C, model, NULL, ok, &r);
	cr_assert_eq(r.n, 9);
	cr_assert_eq(ck_rec_at(&r, 0, "/10000/0/1", LW_TYPE_INTEGER)->v.i, INT64_MIN);
	cr_assert_eq(ck_rec_at(&r, 1, "/10000/0/2", LW_TYPE_UNSIGNED)->v.u, UINT64_MAX);
	cr_assert_eq(ck_rec_at(&r, 2, "/10000/0/3", LW_TYPE_FLOAT)->v.f, 7.0);
	cr_assert_eq(ck_rec_at(&r, 3, "/10000/0/6", LW_TYPE_TIME)->v.i, 1000);
	cr_assert_eq(ck_rec_at(&r, 4, "/10000/0/1", LW_TYPE_INTEGER)->v.i, INT64_MAX);
	cr_assert_eq(ck_rec_at(&r, 5, "/10000/0/2", LW_TYPE_UNSIGNED)->v.u, 0);
	/* Unknown resources: integer if it fits, then unsigned, else float. */
	cr_assert_eq(ck_rec_at(&r, 6, "/20000/0/1", LW_TYPE_INTEGER)->v.i, -5);
	cr_assert_eq(ck_rec_at(&r, 7, "/20000/0/2", LW_TYPE_UNSIGNED)->v.u, UINT64_MAX);
	cr_assert_eq(ck_rec_at(&r, 8, "/20000/0/3", LW_TYPE_FLOAT)->v.f, 5.0);
	ck_round_trip_text(C, model, NULL, &r, NULL);
	free(ok);
	lw_records_free(&r);
}

Test(senml_json, string_escapes_and_unicode)
{
	static const char text[] =
		"[{\"n\":\"/10000/0/0\",\"vs\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0000\\u001f "
		"\\u00e9\\ud83d\\ude00 \xc3\xa9\"}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	const lw_record *x = ck_rec_at(&r, 0, "/10000/0/0", LW_TYPE_STRING);
	static const char want[] = "a\"b\\c/d\b\f\n\r\t\0\x1f \xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9";
	cr_assert_eq(x->v.s.len, sizeof(want) - 1);
	cr_assert(memcmp(x->v.s.data, want, sizeof(want) - 1) == 0);
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/10000/0/0\",\"vs\":\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0000"
	                    "\\u001f \xc3\xa9\xf0\x9f\x98\x80 \xc3\xa9\"}]");
	free(s);
	lw_records_free(&r);
}

Test(senml_json, opaque_padding_and_alphabets)
{
	/* Padded and unpadded, URL-safe and standard alphabets all decode. */
	static const char text[] = "[{\"bn\":\"/10000/0/5\",\"vd\":\"-_8\"},{\"vd\":\"+/8=\"},"
	                           "{\"vd\":\"AQIDBAU=\"},{\"vd\":\"AQIDBAU\"},{\"vd\":\"\"}]";
	lw_records r;
	lw_records_init(&r);
	ck_decode_text(C, model, NULL, text, &r);
	cr_assert_eq(r.n, 5);
	static const uint8_t a[] = {0xfb, 0xff}, b[] = {1, 2, 3, 4, 5};
	for (size_t i = 0; i < 2; i++) {
		const lw_record *x = ck_rec_at(&r, i, "/10000/0/5", LW_TYPE_OPAQUE);
		cr_assert(x->v.s.len == 2 && memcmp(x->v.s.data, a, 2) == 0);
	}
	for (size_t i = 2; i < 4; i++) {
		const lw_record *x = ck_rec_at(&r, i, "/10000/0/5", LW_TYPE_OPAQUE);
		cr_assert(x->v.s.len == 5 && memcmp(x->v.s.data, b, 5) == 0);
	}
	cr_assert_eq(ck_rec_at(&r, 4, "/10000/0/5", LW_TYPE_OPAQUE)->v.s.len, 0);
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/10000/0/5\",\"vd\":\"-_8\"},{\"vd\":\"-_8\"},"
	                    "{\"vd\":\"AQIDBAU\"},{\"vd\":\"AQIDBAU\"},{\"vd\":\"\"}]");
	free(s);
	lw_records_free(&r);
}

/* ---- round trips: every type, every shape ---- */

static void add_all_types(lw_records *r, const char *inst)
{
	char p[32];
	snprintf(p, sizeof(p), "%s/0", inst);
	ck_add_str(r, p, LW_TYPE_STRING, "hello \"world\"\n", 14);
	snprintf(p, sizeof(p), "%s/1", inst);
	ck_add_int(r, p, -1234567890123LL);
	snprintf(p, sizeof(p), "%s/2", inst);
	ck_add(r, p, LW_TYPE_UNSIGNED)->v.u = 18446744073709551000ULL;
	snprintf(p, sizeof(p), "%s/3", inst);
	ck_add_float(r, p, 3.141592653589793);
	snprintf(p, sizeof(p), "%s/4", inst);
	ck_add(r, p, LW_TYPE_BOOLEAN)->v.b = true;
	static const uint8_t bin[] = {0, 1, 2, 0xfe, 0xff, '"', '\\', 0x80};
	snprintf(p, sizeof(p), "%s/5", inst);
	ck_add_str(r, p, LW_TYPE_OPAQUE, bin, sizeof(bin));
	snprintf(p, sizeof(p), "%s/6", inst);
	ck_add(r, p, LW_TYPE_TIME)->v.i = 1700000000;
	snprintf(p, sizeof(p), "%s/7", inst);
	lw_record *l = ck_add(r, p, LW_TYPE_OBJLNK);
	l->v.l.oid = 3;
	l->v.l.iid = 65535;
	snprintf(p, sizeof(p), "%s/8", inst);
	ck_add_str(r, p, LW_TYPE_CORELNK, "</3/0>;ct=110,</1/0>", 20);
}

Test(senml_json, round_trip_single_resources)
{
	/* One record each, so the whole path is bn. */
	lw_records all;
	lw_records_init(&all);
	add_all_types(&all, "/10000/0");
	for (size_t i = 0; i < all.n; i++) {
		lw_records one;
		lw_records_init(&one);
		cr_assert_eq(lw_records_append_copy(&one, &all.items[i]), 0);
		char base[LW_PATH_MAX_TEXT];
		lw_path_format(&all.items[i].path, base, sizeof(base));
		ck_round_trip_text(C, model, base, &one, NULL);
		lw_records_free(&one);
	}
	lw_records_free(&all);
}

Test(senml_json, round_trip_object_instance)
{
	lw_records r;
	lw_records_init(&r);
	add_all_types(&r, "/10000/0");
	char *s;
	ck_round_trip_text(C, model, "/10000/0", &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/10000/0/\",\"n\":\"0\",\"vs\":\"hello \\\"world\\\"\\n\"},"
	                    "{\"n\":\"1\",\"v\":-1234567890123},"
	                    "{\"n\":\"2\",\"v\":18446744073709551000},"
	                    "{\"n\":\"3\",\"v\":3.141592653589793},"
	                    "{\"n\":\"4\",\"vb\":true},"
	                    "{\"n\":\"5\",\"vd\":\"AAEC_v8iXIA\"},"
	                    "{\"n\":\"6\",\"v\":1700000000},"
	                    "{\"n\":\"7\",\"vlo\":\"3:65535\"},"
	                    "{\"n\":\"8\",\"vs\":\"</3/0>;ct=110,</1/0>\"}]");
	free(s);
	lw_records_free(&r);
}

Test(senml_json, round_trip_instances_object_and_composite)
{
	lw_records r;
	lw_records_init(&r);
	add_all_types(&r, "/10000/0");
	add_all_types(&r, "/10000/1");
	add_all_types(&r, "/10000/65534");
	ck_round_trip_text(C, model, "/10000", &r, NULL);

	/* Several objects: what Read-Composite and Send carry. */
	ck_add_str(&r, "/3/0/0", LW_TYPE_STRING, "OMA", 3);
	ck_add_int(&r, "/1/0/1", 86400);
	ck_add_float(&r, "/3303/0/5700", -40.5);
	ck_round_trip_text(C, model, NULL, &r, NULL);
	lw_records_free(&r);
}

Test(senml_json, round_trip_resource_instances)
{
	lw_records r;
	lw_records_init(&r);
	ck_add_int(&r, "/10000/0/9/0", 1);
	ck_add_int(&r, "/10000/0/9/7", -7);
	ck_add_int(&r, "/10000/0/9/65534", 65534);
	char *s;
	ck_round_trip_text(C, model, "/10000/0/9", &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/10000/0/9/\",\"n\":\"0\",\"v\":1},{\"n\":\"7\",\"v\":-7},"
	                    "{\"n\":\"65534\",\"v\":65534}]");
	free(s);
	ck_add_float(&r, "/10000/0/10/1", 0.25);
	ck_add_str(&r, "/10000/0/11/3", LW_TYPE_STRING, "", 0);
	ck_round_trip_text(C, model, "/10000/0", &r, NULL);
	lw_records_free(&r);
}

Test(senml_json, round_trip_float_values)
{
	static const double v[] = {0.0,     -0.0,   0.1,     1.0 / 3,  1e300,   -1e-300, 5e-324,
	                           1.7976931348623157e308, 23.0, 123456789012345678.0, -2.5,
	                           1e21,    1e-7};
	lw_records r;
	lw_records_init(&r);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_add_float(&r, "/10000/0/10/0", v[i]);
		r.items[r.n - 1].path.riid = (uint16_t)i;
	}
	char *s;
	ck_round_trip_text(C, model, "/10000/0/10", &r, &s);
	/* The shortest texts that read back exactly; known floats carry no ".0". */
	cr_assert_str_eq(s, "[{\"bn\":\"/10000/0/10/\",\"n\":\"0\",\"v\":0},{\"n\":\"1\",\"v\":-0},"
	                    "{\"n\":\"2\",\"v\":0.1},{\"n\":\"3\",\"v\":0.3333333333333333},"
	                    "{\"n\":\"4\",\"v\":1e300},{\"n\":\"5\",\"v\":-1e-300},"
	                    "{\"n\":\"6\",\"v\":5e-324},{\"n\":\"7\",\"v\":1.7976931348623157e308},"
	                    "{\"n\":\"8\",\"v\":23},{\"n\":\"9\",\"v\":1.2345678901234568e17},"
	                    "{\"n\":\"10\",\"v\":-2.5},{\"n\":\"11\",\"v\":1e21},"
	                    "{\"n\":\"12\",\"v\":1e-7}]");
	free(s);

	/* A whole float at a path the model does not know keeps its type. */
	lw_records u;
	lw_records_init(&u);
	ck_add_float(&u, "/20000/0/1", 23.0);
	ck_add_float(&u, "/20000/0/2", -0.0);
	ck_round_trip_text(C, model, NULL, &u, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/20000/0/\",\"n\":\"1\",\"v\":23.0},{\"n\":\"2\",\"v\":-0.0}]");
	free(s);
	ck_round_trip_text(C, NULL, NULL, &u, NULL); /* no model at all */
	lw_records_free(&u);
	lw_records_free(&r);
}

Test(senml_json, round_trip_timestamps)
{
	lw_records r;
	lw_records_init(&r);
	/* A time series at one path: bn is the path, bt the first time. */
	for (int i = 0; i < 4; i++) {
		ck_add_float(&r, "/3303/0/5700", 20.5 + i);
		ck_timed(&r, 1700000000 + 10 * i);
	}
	char *s;
	ck_round_trip_text(C, model, "/3303/0/5700", &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/3303/0/5700\",\"bt\":1700000000,\"v\":20.5},"
	                    "{\"v\":21.5,\"t\":10},{\"v\":22.5,\"t\":20},{\"v\":23.5,\"t\":30}]");
	free(s);

	/* Mixed: untimed before and after timed ones, fractional and
	 * relative (negative) times, a difference that would not read back
	 * exactly (3.0 then 0.1: a new bt), several objects. */
	lw_records_clear(&r);
	ck_add_int(&r, "/3/0/9", 50);
	ck_add_int(&r, "/3/0/9", 51);
	ck_timed(&r, 1700000000.25);
	ck_add_int(&r, "/3/0/10", 52);
	ck_add_int(&r, "/1/0/1", 53);
	ck_timed(&r, -30);
	ck_add_int(&r, "/1/0/1", 54);
	ck_timed(&r, 3.0);
	ck_add_int(&r, "/1/0/1", 55);
	ck_timed(&r, 0.1);
	ck_add_int(&r, "/1/0/1", 56);
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert(strstr(s, "\"bt\":0.1"), "no new base time in %s", s);
	free(s);
	lw_records_free(&r);
}

Test(senml_json, round_trip_names_only)
{
	/* Read-Composite / Observe-Composite requests: paths at any depth. */
	lw_records r;
	lw_records_init(&r);
	ck_add(&r, "/1", LW_TYPE_NONE);
	ck_add(&r, "/3/0", LW_TYPE_NONE);
	ck_add(&r, "/3/0/9", LW_TYPE_NONE);
	ck_add(&r, "/3/0/6/1", LW_TYPE_NONE);
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert_str_eq(s, "[{\"n\":\"/1\"},{\"n\":\"/3/0\"},{\"n\":\"/3/0/9\"},{\"n\":\"/3/0/6/1\"}]");
	free(s);
	lw_records_clear(&r);
	ck_add(&r, "/3/0", LW_TYPE_NONE);
	ck_add(&r, "/3/0/1", LW_TYPE_NONE);
	ck_add(&r, "/3/0/2", LW_TYPE_NONE);
	ck_add(&r, "/3/0/3", LW_TYPE_NONE);
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert_str_eq(s, "[{\"bn\":\"/3/0/\"},{\"n\":\"1\"},{\"n\":\"2\"},{\"n\":\"3\"}]");
	free(s);
	lw_records_free(&r);
}

Test(senml_json, round_trip_empty)
{
	lw_records r;
	lw_records_init(&r);
	char *s;
	ck_round_trip_text(C, model, NULL, &r, &s);
	cr_assert_str_eq(s, "[]");
	free(s);
	lw_records_free(&r);
}

/* ---- errors ---- */

Test(senml_json, malformed_json)
{
	/* jansson's position: the byte where it gave up. */
	const char *t = "[{\"n\":\"/3/0/0\",\"vs\":\"x\"},]";
	struct lw_codec_error e = ck_decode_text_fail(C, model, NULL, t, strlen(t));
	cr_assert(strstr(e.message, "malformed JSON"), "%s", e.message);
	cr_assert(e.offset >= 24 && e.offset <= 26, "offset %zu", e.offset);

	t = "[{\"n\":\"/3/0/0\",\"v\":1"; /* truncated */
	e = ck_decode_text_fail(C, model, NULL, t, strlen(t));
	cr_assert(strstr(e.message, "malformed JSON"), "%s", e.message);
	cr_assert_eq(e.offset, strlen(t));

	t = "[{\"n\":\"/3/0/0\",\"vs\":\"\xff\"}]"; /* not UTF-8 */
	e = ck_decode_text_fail(C, model, NULL, t, strlen(t));
	cr_assert(strstr(e.message, "malformed JSON"), "%s", e.message);

	t = "[{\"n\":\"/3/0/9\",\"v\":1,\"v\":2}]"; /* duplicate key */
	e = ck_decode_text_fail(C, model, NULL, t, strlen(t));
	cr_assert(strstr(e.message, "duplicate"), "%s", e.message);

	expect_error(NULL, "", 0, "empty payload");
	expect_error(NULL, "  {\"bn\":\"/3/0/\"}", 2, "array of records");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":1}, 7]", 23, "record 1 is not a JSON object");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":1},[]]", 22, "record 1 is not a JSON object");
}

Test(senml_json, wrong_member_types)
{
	expect_error(NULL, "[{\"n\":5,\"v\":1}]", 6, "\"n\" must be a string");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":\"1\"}]", 1, "\"v\" must be a number");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":[1]}]", 19, "\"v\" must be a number");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":null}]", 1, "\"v\" must be a number");
	expect_error(NULL, "[{\"n\":\"/3311/0/5850\",\"vb\":1}]", 26, "\"vb\" must be true or false");
	expect_error(NULL, "[{\"bn\":{},\"n\":\"0\"}]", 7, "\"bn\" must be a string");
	expect_error(NULL, "[{\"bt\":\"1\",\"n\":\"/3/0/9\"}]", 1, "\"bt\" must be a number");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"t\":true}]", 1, "\"t\" must be a number");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":1,\"vs\":\"1\"}]", 1, "more than one value");
}

Test(senml_json, values_against_the_model)
{
	/* Offsets: the number for v, else the record. */
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"vs\":\"100\"}]", 1, "integer in the model, not \"vs\"");
	expect_error(NULL, "[{\"n\":\"/3/0/0\",\"v\":1}]", 19, "string in the model, not \"v\"");
	expect_error(NULL, "[{\"n\":\"/3/0/0\",\"vd\":\"AA\"}]", 1, "string in the model");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"vlo\":\"1:0\"}]", 1, "integer in the model");
	expect_error(NULL, "[{\"n\":\"/3303/0/5700\",\"vb\":true}]", 1, "float in the model");
	expect_error(NULL, "[{\"n\":\"/10000/0/1\",\"v\":9223372036854775808}]", 23,
	             "out of the 64-bit range");
	expect_error(NULL, "[{\"n\":\"/10000/0/1\",\"v\":1.5}]", 23, "not an integer");
	expect_error(NULL, "[{\"n\":\"/10000/0/2\",\"v\":-1}]", 23, "negative value");
	expect_error(NULL, "[{\"n\":\"/10000/0/2\",\"v\":18446744073709551616}]", 23,
	             "out of the 64-bit range");
	expect_error(NULL, "[{\"n\":\"/10000/0/6\",\"v\":1e30}]", 23, "out of the 64-bit range");
	expect_error(NULL, "[{\"n\":\"/10000/0/5\",\"vd\":\"A\"}]", 1, "not base64url");
	expect_error(NULL, "[{\"n\":\"/10000/0/5\",\"vd\":\"AA$=\"}]", 1, "not base64url");
	expect_error(NULL, "[{\"n\":\"/10000/0/5\",\"vd\":\"A===\"}]", 1, "not base64url");
	static const char *const bad_links[] = {"3", "3:", ":3", "70000:0", "3:0:1", "-1:0", "a:b"};
	for (size_t i = 0; i < sizeof(bad_links) / sizeof(bad_links[0]); i++) {
		char t[80];
		snprintf(t, sizeof(t), "[{\"n\":\"/10000/0/7\",\"vlo\":\"%s\"}]", bad_links[i]);
		expect_error(NULL, t, 1, "not an object link");
	}
}

Test(senml_json, bad_names)
{
	expect_error(NULL, "[{\"n\":\"/3/x/0\",\"v\":1}]", 1, "not a number");
	expect_error(NULL, "[{\"n\":\"/3/0/0/0/0\",\"v\":1}]", 1, "more than 4 levels");
	expect_error(NULL, "[{\"n\":\"/70000/0/0\",\"v\":1}]", 1, "above 65534");
	expect_error(NULL, "[{\"n\":\"/3//0\",\"v\":1}]", 1, "empty level");
	expect_error(NULL, "[{\"n\":\"/03/0/0\",\"v\":1}]", 1, "leading zero");
	expect_error(NULL, "[{\"v\":1}]", 1, "no name");
	expect_error(NULL, "[{\"n\":\"/\"}]", 1, "root");
	expect_error(NULL, "[{\"bn\":\"/3/0/\",\"n\":\"/1\",\"v\":1}]", 1, "empty level");
	expect_error(NULL, "[{\"n\":\"/3/0\",\"v\":1}]", 1, "not a resource path");
	expect_error(NULL, "[{\"n\":\"/3/0/\\u00001\",\"v\":1}]", 1, "name");
	char t[200];
	snprintf(t, sizeof(t), "[{\"bn\":\"/3/0/%060d\",\"n\":\"1\",\"v\":1}]", 0);
	expect_error(NULL, t, 1, "too long");
	/* Records outside the request's path. */
	expect_error("/3/0", "[{\"n\":\"/3/0/9\",\"v\":1},{\"n\":\"/1/0/1\",\"v\":1}]", 22,
	             "/1/0/1 is outside the target /3/0");
}

Test(senml_json, senml_rules)
{
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"v\":1,\"x_\":1}]", 1,
	             "unsupported mandatory field \"x_\"");
	expect_error(NULL, "[{\"bver\":11,\"n\":\"/3/0/9\",\"v\":1}]", 9, "unsupported SenML version 11");
	expect_error(NULL, "[{\"bver\":2.5,\"n\":\"/3/0/9\",\"v\":1}]", 9, "unsupported SenML version");
	expect_error(NULL, "[{\"n\":\"/3/0/9\",\"s\":1}]", 1, "sums");
	expect_error(NULL, "[{\"bs\":1,\"n\":\"/3/0/9\",\"v\":1}]", 1, "sums");
	expect_error(NULL, "[{\"bt\":1e308,\"n\":\"/3/0/9\",\"t\":1e308,\"v\":1}]", 1,
	             "time out of range");
	expect_error(NULL, "[{\"bv\":1e308,\"n\":\"/3303/0/5700\",\"v\":1e308}]", 36,
	             "value out of range");
}

Test(senml_json, nesting_limit)
{
	char t[64];
	/* 17 levels: refused at the 17th bracket, before jansson parses. */
	memset(t, '[', 17);
	memset(t + 17, ']', 17);
	t[34] = '\0';
	expect_error(NULL, t, 16, "nested deeper than 16 levels");
	/* Brackets inside strings do not count. */
	expect_error(NULL, "[{\"n\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[\",\"v\":1}]", 1, "name");
	/* 16 levels pass the limit and fail on what they are. */
	memset(t, '[', 16);
	memset(t + 16, ']', 16);
	t[32] = '\0';
	expect_error(NULL, t, 1, "record 0 is not a JSON object");
}

Test(senml_json, size_and_count_limits)
{
	/* Over the input limit: refused without parsing. */
	size_t big = (8u << 20) + 1;
	char *t = malloc(big);
	memset(t, ' ', big);
	t[0] = '[';
	t[big - 1] = ']';
	struct lw_codec_error e = ck_decode_text_fail(C, model, NULL, t, big);
	cr_assert(strstr(e.message, "larger than 8 MiB"), "%s", e.message);
	free(t);

	/* Many records: fine without a limit, "too many records" past one. */
	const size_t n = 20000;
	lw_buf b;
	lw_buf_init(&b);
	lw_buf_append(&b, "[", 1);
	for (size_t i = 0; i < n; i++)
		lw_buf_printf(&b, "%s{\"n\":\"/3/0/11/%zu\",\"v\":%zu}", i ? "," : "", i, i);
	lw_buf_append(&b, "]", 1);
	lw_records r;
	lw_records_init(&r);
	struct lw_codec_error err = {0};
	cr_assert_eq(C->decode(model, NULL, b.data, b.len, &r, &err), 0, "%s", err.message);
	cr_assert_eq(r.n, n);
	cr_assert_eq(r.items[n - 1].v.i, (int64_t)(n - 1));
	lw_records_clear(&r);
	r.max_items = 3;
	cr_assert_eq(C->decode(model, NULL, b.data, b.len, &r, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "too many records (limit 3)"), "%s", err.message);
	/* The offset is the fourth record's '{'. */
	size_t fourth = 0;
	for (int k = 0; k < 4; k++)
		fourth = (size_t)((const uint8_t *)memchr(b.data + fourth + 1, '{', b.len - fourth - 1) - b.data);
	cr_assert_eq(err.offset, fourth);
	lw_records_free(&r);
	lw_buf_free(&b);
}

Test(senml_json, encode_errors)
{
	lw_records r;
	lw_records_init(&r);
	lw_buf b;
	lw_buf_init(&b);
	lw_buf_append(&b, "keep", 4);
	struct lw_codec_error err = {0};
	lw_path base = ck_path("/3/0");

	ck_add_float(&r, "/3303/0/5700", NAN);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "no JSON form"), "%s", err.message);
	cr_assert_eq(b.len, 4, "output not rolled back");

	lw_records_clear(&r);
	ck_add_int(&r, "/3/0/9", 1);
	ck_add_str(&r, "/3/0/0", LW_TYPE_STRING, "\xc3\x28", 2);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "record 1 (/3/0/0): string is not UTF-8"), "%s", err.message);
	cr_assert_eq(err.offset, 1);
	cr_assert_eq(b.len, 4);

	lw_records_clear(&r);
	ck_add_int(&r, "/1/0/1", 1);
	cr_assert_eq(C->encode(model, &base, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "outside the target"), "%s", err.message);

	lw_records_clear(&r);
	ck_add_int(&r, "/3/0", 1);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "needs a resource"), "%s", err.message);

	lw_records_clear(&r);
	ck_add(&r, "/3/0/9", 42);
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "unknown type"), "%s", err.message);

	lw_records_clear(&r);
	ck_add_int(&r, "/3/0/9", 1);
	r.items[0].path = LW_PATH_ROOT;
	cr_assert_eq(C->encode(model, NULL, &r, &b, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "no path"), "%s", err.message);

	/* A bounded buffer too small for the payload. */
	lw_records_clear(&r);
	add_all_types(&r, "/10000/0");
	lw_buf small;
	lw_buf_init(&small);
	small.max = 40;
	cr_assert_neq(C->encode(model, NULL, &r, &small, &err), 0);
	cr_assert_eq(small.len, 0);
	lw_buf_free(&small);
	lw_buf_free(&b);
	lw_records_free(&r);
}

/* ---- every resource type of the OMA registry ---- */

/* A value of each type; i varies it. */
static void sample(lw_records *r, const lw_path *p, int type, unsigned i)
{
	lw_record *x = lw_records_add(r);
	cr_assert_not_null(x);
	x->path = *p;
	x->type = (uint8_t)type;
	switch (type) {
	case LW_TYPE_STRING: lw_records_set_bytes(r, x, "value \xe2\x82\xac", 9); break;
	case LW_TYPE_INTEGER: x->v.i = -(int64_t)i * 1000003; break;
	case LW_TYPE_UNSIGNED: x->v.u = UINT64_MAX - i; break;
	case LW_TYPE_FLOAT: x->v.f = i / 7.0; break;
	case LW_TYPE_BOOLEAN: x->v.b = i & 1; break;
	case LW_TYPE_OPAQUE: lw_records_set_bytes(r, x, "\x00\x01\xff", 3); break;
	case LW_TYPE_TIME: x->v.i = 1600000000 + i; break;
	case LW_TYPE_OBJLNK: x->v.l = (lw_objlnk){(uint16_t)i, 1}; break;
	case LW_TYPE_CORELNK: lw_records_set_bytes(r, x, "</1/0>", 6); break;
	default: break;
	}
}

Test(senml_json, oma_registry_types)
{
	lw_model *m = ck_oma_model();
	size_t tested = 0;
	for (size_t k = 0; k < lw_model_count(m); k++) {
		const struct lw_object_def *o = lw_model_at(m, k);
		/* Only the default (highest) version answers lw_model_type. */
		if (lw_model_object(m, o->id, NULL) != o)
			continue;
		lw_records r;
		lw_records_init(&r);
		for (size_t j = 0; j < o->n_resources; j++) {
			const struct lw_resource_def *d = &o->resources[j];
			if (d->type == LW_TYPE_NONE)
				continue;
			lw_path p = lw_path_make(d->multiple ? 4 : 3, o->id, 0, d->id, 1);
			sample(&r, &p, d->type, (unsigned)j);
			if (d->type == LW_TYPE_FLOAT || d->type == LW_TYPE_TIME) {
				/* And timestamped, as a Send would carry it. */
				sample(&r, &p, d->type, (unsigned)j + 1);
				ck_timed(&r, 1700000000.5 + j);
			}
		}
		char base[16];
		snprintf(base, sizeof(base), "/%u", o->id);
		if (r.n)
			ck_round_trip_text(C, m, base, &r, NULL);
		tested += r.n;
		lw_records_free(&r);
	}
	cr_assert_gt(tested, 1000, "only %zu resources tested", tested);
	lw_model_free(m);
}
