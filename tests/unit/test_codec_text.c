/*
 * tests/unit/test_codec_text.c: the text/plain codec (plugins/codec-text):
 * the plain-text examples of the LwM2M Core specification, every type of
 * the Appendix C text rules both ways, the shortest float text, the errors
 * with the offsets they must name, and the plugin loaded by the real loader.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_testkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-text/text.h"

static const struct lw_resource_def device_res[] = {
	CK_RES(0, LW_TYPE_STRING, 0), CK_RES(6, LW_TYPE_INTEGER, 1), CK_RES(9, LW_TYPE_INTEGER, 0),
	CK_RES(13, LW_TYPE_TIME, 0),
};
static const struct lw_resource_def all_res[] = {
	CK_RES(0, LW_TYPE_STRING, 0),   CK_RES(1, LW_TYPE_INTEGER, 0), CK_RES(2, LW_TYPE_UNSIGNED, 0),
	CK_RES(3, LW_TYPE_FLOAT, 0),    CK_RES(4, LW_TYPE_BOOLEAN, 0), CK_RES(5, LW_TYPE_OPAQUE, 0),
	CK_RES(6, LW_TYPE_TIME, 0),     CK_RES(7, LW_TYPE_OBJLNK, 0),  CK_RES(8, LW_TYPE_CORELNK, 0),
	CK_RES(9, LW_TYPE_NONE, 0),     CK_RES(13, LW_TYPE_FLOAT, 1),
};

static struct lw_object_def objects[] = {CK_OBJ(3, 0, device_res), CK_OBJ(9999, 1, all_res)};

static lw_model *model;
static lw_records recs, back;
static lw_buf buf;
static struct lw_codec_error cerr;

static void setup(void)
{
	model = ck_model(objects, CK_COUNT(objects));
	ck_state_init(&recs, &back, &buf, &cerr);
}

static void teardown(void)
{
	lw_model_free(model);
	ck_state_free(&recs, &back, &buf);
}

TestSuite(text_spec, .init = setup, .fini = teardown);
TestSuite(text_decode, .init = setup, .fini = teardown);
TestSuite(text_encode, .init = setup, .fini = teardown);
TestSuite(text_errors, .init = setup, .fini = teardown);
TestSuite(text_plugin, .init = setup, .fini = teardown);

static int decode_n(const char *base, const char *text, size_t n)
{
	lw_records_clear(&recs);
	return ck_decode(&lw_codec_text, model, base, text, n, &recs, &cerr);
}

static const lw_record *decode_ok(const char *base, const char *text, int type)
{
	int rc = decode_n(base, text, strlen(text));
	lw_path want = ck_path(base);
	cr_assert_eq(rc, 0, "decode \"%s\" at %s failed at %zu: %s", text, base, cerr.offset,
	             cerr.message);
	cr_assert_eq(recs.n, 1);
	cr_assert(lw_path_equal(&recs.items[0].path, &want));
	cr_assert_eq(recs.items[0].type, type, "\"%s\" at %s: type %d, expected %d", text, base,
	             recs.items[0].type, type);
	return &recs.items[0];
}

static void decode_err(const char *base, const char *text, size_t offset, const char *what)
{
	ck_decode_err(&lw_codec_text, model, base, text, strlen(text), &recs, &cerr, offset, what);
}

/* Encodes the one record at its own path. */
static const char *encode_rec(const lw_record *x)
{
	static char out[512];
	lw_records one;
	lw_records_init(&one);
	cr_assert_eq(lw_records_append_copy(&one, x), 0);
	buf.len = 0;
	int rc = lw_codec_text.encode(model, &x->path, &one, &buf, &cerr);
	lw_records_free(&one);
	cr_assert_eq(rc, 0, "encode failed: %s", cerr.message);
	cr_assert_lt(buf.len, sizeof(out));
	memcpy(out, buf.data, buf.len);
	out[buf.len] = '\0';
	return out;
}

static const char *encode_float(double v)
{
	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/3", LW_TYPE_FLOAT)->v.f = v;
	return encode_rec(&recs.items[0]);
}

/* ---- Core specification examples ---- */

/* Core 1.1 and 1.2, 7.4.1 Plain Text: Read /3/0/0 answered with the
 * Manufacturer as text. */
Test(text_spec, manufacturer)
{
	const lw_record *x = decode_ok("/3/0/0", "Open Mobile Alliance", LW_TYPE_STRING);
	cr_assert_eq(x->v.s.len, 20);
	cr_assert_arr_eq(x->v.s.data, "Open Mobile Alliance", 20);
	cr_assert_str_eq(encode_rec(x), "Open Mobile Alliance");
}

/* Appendix C (Data Types), Opaque in text: {0x01, 0x02, 0x03, 0x04, 0x05}
 * is the Base64 string "AQIDBAU=". */
Test(text_spec, opaque_base64)
{
	const lw_record *x = decode_ok("/9999/0/5", "AQIDBAU=", LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 5);
	cr_assert_arr_eq(x->v.s.data, "\x01\x02\x03\x04\x05", 5);
	cr_assert_str_eq(encode_rec(x), "AQIDBAU=");
}

Test(text_spec, codec_identity)
{
	cr_assert_eq(lw_codec_text.content_format, 0);
	cr_assert_str_eq(lw_codec_text.media_type, "text/plain");
	cr_assert_str_eq(lw_codec_text.name, "text");
}

/* ---- decoding each type ---- */

Test(text_decode, integers)
{
	cr_assert_eq(decode_ok("/9999/0/1", "123", LW_TYPE_INTEGER)->v.i, 123);
	cr_assert_eq(decode_ok("/9999/0/1", "-123", LW_TYPE_INTEGER)->v.i, -123);
	cr_assert_eq(decode_ok("/9999/0/1", "+7", LW_TYPE_INTEGER)->v.i, 7);
	cr_assert_eq(decode_ok("/9999/0/1", "007", LW_TYPE_INTEGER)->v.i, 7);
	cr_assert_eq(decode_ok("/9999/0/1", "9223372036854775807", LW_TYPE_INTEGER)->v.i,
	             INT64_MAX);
	cr_assert_eq(decode_ok("/9999/0/1", "-9223372036854775808", LW_TYPE_INTEGER)->v.i,
	             INT64_MIN);
	cr_assert_eq(decode_ok("/3/0/6/1", "5", LW_TYPE_INTEGER)->v.i, 5);
	cr_assert_eq(decode_ok("/3/0/13", "1367491215", LW_TYPE_TIME)->v.i, 1367491215);
	cr_assert_eq(decode_ok("/9999/0/6", "-1", LW_TYPE_TIME)->v.i, -1);
	cr_assert_eq(decode_ok("/9999/0/2", "18446744073709551615", LW_TYPE_UNSIGNED)->v.u,
	             UINT64_MAX);
	cr_assert_eq(decode_ok("/9999/0/2", "0", LW_TYPE_UNSIGNED)->v.u, 0);
}

Test(text_decode, floats)
{
	cr_assert_eq(decode_ok("/9999/0/3", "3.14", LW_TYPE_FLOAT)->v.f, 3.14);
	cr_assert_eq(decode_ok("/9999/0/3", "-0.5", LW_TYPE_FLOAT)->v.f, -0.5);
	cr_assert_eq(decode_ok("/9999/0/3", "1e3", LW_TYPE_FLOAT)->v.f, 1000.0);
	cr_assert_eq(decode_ok("/9999/0/3", "1.5E-3", LW_TYPE_FLOAT)->v.f, 0.0015);
	cr_assert_eq(decode_ok("/9999/0/3", ".5", LW_TYPE_FLOAT)->v.f, 0.5);
	cr_assert_eq(decode_ok("/9999/0/3", "5.", LW_TYPE_FLOAT)->v.f, 5.0);
	cr_assert_eq(decode_ok("/9999/0/3", "+2", LW_TYPE_FLOAT)->v.f, 2.0);
	cr_assert_eq(decode_ok("/9999/0/3", "1.7976931348623157e308", LW_TYPE_FLOAT)->v.f, DBL_MAX);
	double z = decode_ok("/9999/0/3", "-0", LW_TYPE_FLOAT)->v.f;
	cr_assert(z == 0 && signbit(z));
	/* Below the smallest double reads as zero, like any decimal reader. */
	cr_assert_eq(decode_ok("/9999/0/3", "1e-400", LW_TYPE_FLOAT)->v.f, 0.0);
	cr_assert_eq(decode_ok("/9999/0/13/0", "2.5", LW_TYPE_FLOAT)->v.f, 2.5);
	/* Long but well-formed text goes through a heap copy. */
	char longtext[400];
	memset(longtext, '0', sizeof(longtext));
	longtext[0] = '1';
	longtext[1] = '.';
	longtext[sizeof(longtext) - 2] = '5';
	longtext[sizeof(longtext) - 1] = '\0';
	cr_assert_eq(decode_ok("/9999/0/3", longtext, LW_TYPE_FLOAT)->v.f, 1.0);
}

Test(text_decode, booleans_objlnks)
{
	cr_assert_eq(decode_ok("/9999/0/4", "0", LW_TYPE_BOOLEAN)->v.b, 0);
	cr_assert_eq(decode_ok("/9999/0/4", "1", LW_TYPE_BOOLEAN)->v.b, 1);
	const lw_record *x = decode_ok("/9999/0/7", "3303:12", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 3303 && x->v.l.iid == 12);
	x = decode_ok("/9999/0/7", "65535:65535", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 65535 && x->v.l.iid == 65535);
	x = decode_ok("/9999/0/7", "03:004", LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == 3 && x->v.l.iid == 4);
}

Test(text_decode, strings_links_and_unknown_resources)
{
	const lw_record *x = decode_ok("/9999/0/0", "h\xC3\xA9llo", LW_TYPE_STRING);
	cr_assert_eq(x->v.s.len, 6);
	x = decode_ok("/9999/0/0", "", LW_TYPE_STRING);
	cr_assert_eq(x->v.s.len, 0);
	cr_assert_eq(decode_n("/9999/0/0", "a\0b", 3), 0);
	cr_assert_eq(recs.items[0].v.s.len, 3);
	cr_assert_arr_eq(recs.items[0].v.s.data, "a\0b", 3);
	x = decode_ok("/9999/0/8", "</3/0>;ver=1.1", LW_TYPE_CORELNK);
	cr_assert_arr_eq(x->v.s.data, "</3/0>;ver=1.1", 14);
	/* Unknown to the model: a string. */
	x = decode_ok("/9999/0/77", "42", LW_TYPE_STRING);
	cr_assert_arr_eq(x->v.s.data, "42", 2);
	x = decode_ok("/4242/0/1", "x", LW_TYPE_STRING);
	lw_path b = ck_path("/3/0/9");
	lw_records_clear(&recs);
	cr_assert_eq(lw_codec_text.decode(NULL, &b, (const uint8_t *)"100", 3, &recs, &cerr), 0);
	cr_assert_eq(recs.items[0].type, LW_TYPE_STRING);
}

Test(text_decode, base64_forms)
{
	const lw_record *x = decode_ok("/9999/0/5", "AQIDBAU", LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 5);
	cr_assert_arr_eq(x->v.s.data, "\x01\x02\x03\x04\x05", 5);
	x = decode_ok("/9999/0/5", "AQIDBA==", LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 4);
	x = decode_ok("/9999/0/5", "AQID", LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 3);
	x = decode_ok("/9999/0/5", "", LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 0);
	x = decode_ok("/9999/0/5", "+/+/", LW_TYPE_OPAQUE);
	cr_assert_arr_eq(x->v.s.data, "\xFB\xFF\xBF", 3);
	/* Past the small stack buffer. */
	char big[400];
	for (size_t i = 0; i < 396; i++)
		big[i] = "QUJD"[i % 4];
	big[396] = '\0';
	x = decode_ok("/9999/0/5", big, LW_TYPE_OPAQUE);
	cr_assert_eq(x->v.s.len, 297);
	cr_assert_arr_eq(x->v.s.data, "ABCABC", 6);
}

/* ---- encoding ---- */

Test(text_encode, each_type)
{
	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/1", LW_TYPE_INTEGER)->v.i = -42;
	ck_add(&recs, "/9999/0/1", LW_TYPE_INTEGER)->v.i = INT64_MIN;
	ck_add(&recs, "/9999/0/2", LW_TYPE_UNSIGNED)->v.u = UINT64_MAX;
	ck_add(&recs, "/9999/0/4", LW_TYPE_BOOLEAN)->v.b = true;
	ck_add(&recs, "/9999/0/4", LW_TYPE_BOOLEAN)->v.b = false;
	ck_add(&recs, "/9999/0/6", LW_TYPE_TIME)->v.i = 1367491215;
	lw_record *l = ck_add(&recs, "/9999/0/7", LW_TYPE_OBJLNK);
	l->v.l.oid = 3303;
	l->v.l.iid = 12;
	lw_record *s = ck_add(&recs, "/9999/0/8", LW_TYPE_CORELNK);
	cr_assert_eq(lw_records_set_bytes(&recs, s, "</3/0>", 6), 0);
	s = ck_add(&recs, "/9999/0/5", LW_TYPE_OPAQUE);
	cr_assert_eq(lw_records_set_bytes(&recs, s, "\xFB\xFF", 2), 0);
	s = ck_add(&recs, "/9999/0/5", LW_TYPE_OPAQUE);
	cr_assert_eq(lw_records_set_bytes(&recs, s, "", 0), 0);
	s = ck_add(&recs, "/9999/0/0", LW_TYPE_STRING);
	cr_assert_eq(lw_records_set_bytes(&recs, s, "", 0), 0);
	const char *want[] = {"-42", "-9223372036854775808", "18446744073709551615", "1", "0",
	                      "1367491215", "3303:12", "</3/0>", "+/8=", "", ""};
	for (size_t i = 0; i < recs.n; i++)
		cr_assert_str_eq(encode_rec(&recs.items[i]), want[i], "record %zu", i);
}

/* The fewest digits that read back to the same double, plain decimals
 * from 1e-6 to 1e21 and an exponent beyond (ECMAScript's layout). */
Test(text_encode, shortest_float_text)
{
	const struct {
		double v;
		const char *text;
	} cases[] = {
		{0.1, "0.1"},
		{1.5, "1.5"},
		{100.0, "100"},
		{-2.5, "-2.5"},
		{0.0, "0"},
		{-0.0, "-0"},
		{1.0 / 3, "0.3333333333333333"},
		{123456.789, "123456.789"},
		{9007199254740992.0, "9007199254740992"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e300, "1.5e+300"},
		{0.000001, "0.000001"},
		{1.5e-7, "1.5e-7"},
		{5e-324, "5e-324"},
		{DBL_MAX, "1.7976931348623157e+308"},
		{-DBL_MIN, "-2.2250738585072014e-308"},
		{0.1 + 0.2, "0.30000000000000004"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_str_eq(encode_float(cases[i].v), cases[i].text, "case %zu", i);
}

/* Significant digits of a float text: its mantissa without leading or
 * trailing zeros ("100" has one, "0.0015" two). */
static int sig_digits(const char *t)
{
	char d[64];
	int n = 0, a = 0;
	for (; *t && *t != 'e'; t++)
		if (*t >= '0' && *t <= '9' && n < 63)
			d[n++] = *t;
	while (a < n && d[a] == '0')
		a++;
	while (n > a && d[n - 1] == '0')
		n--;
	return n - a;
}

/* Many doubles from every range (a fixed-seed generator over bit
 * patterns): the text reads back to the same bits, and one digit fewer
 * would not. */
Test(text_encode, float_text_round_trips_and_is_shortest)
{
	uint64_t state = 0x9E3779B97F4A7C15u;
	for (int i = 0; i < 20000; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		double v;
		uint64_t bits = state;
		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		const char *t = encode_float(v);
		char text[64];
		snprintf(text, sizeof(text), "%s", t);
		const lw_record *x = decode_ok("/9999/0/3", text, LW_TYPE_FLOAT);
		cr_assert(memcmp(&x->v.f, &v, sizeof(v)) == 0, "%s does not read back to %a", text,
		          v);
		int n = sig_digits(text);
		if (n > 1) {
			char fewer[64];
			snprintf(fewer, sizeof(fewer), "%.*e", n - 2, v);
			cr_assert_neq(strtod(fewer, NULL), v, "%s is not the shortest: %s", text, fewer);
		}
	}
}

/* Numbers are "C" locale text whatever the process's locale says. */
Test(text_encode, independent_of_the_locale)
{
	const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE"};
	const char *found = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !found; i++)
		if (setlocale(LC_NUMERIC, names[i]))
			found = names[i];
	if (!found)
		cr_skip("no locale with a decimal comma is installed");
	cr_assert_str_eq(encode_float(1.5), "1.5");
	cr_assert_eq(decode_ok("/9999/0/3", "2.25", LW_TYPE_FLOAT)->v.f, 2.25);
	setlocale(LC_NUMERIC, "C");
}

Test(text_encode, round_trips)
{
	lw_records_clear(&back);
	lw_record *x;
	x = ck_add(&back, "/9999/0/0", LW_TYPE_STRING);
	cr_assert_eq(lw_records_set_bytes(&back, x, "caf\xC3\xA9", 5), 0);
	ck_add(&back, "/9999/0/1", LW_TYPE_INTEGER)->v.i = -9876543210LL;
	ck_add(&back, "/9999/0/2", LW_TYPE_UNSIGNED)->v.u = 12345678901234567890u;
	ck_add(&back, "/9999/0/3", LW_TYPE_FLOAT)->v.f = -273.15;
	ck_add(&back, "/9999/0/4", LW_TYPE_BOOLEAN)->v.b = true;
	x = ck_add(&back, "/9999/0/5", LW_TYPE_OPAQUE);
	cr_assert_eq(lw_records_set_bytes(&back, x, "\x00\xFF\x10\x20", 4), 0);
	ck_add(&back, "/9999/0/6", LW_TYPE_TIME)->v.i = 1700000000;
	x = ck_add(&back, "/9999/0/7", LW_TYPE_OBJLNK);
	x->v.l.oid = 1;
	x->v.l.iid = 65534;
	x = ck_add(&back, "/9999/0/8", LW_TYPE_CORELNK);
	cr_assert_eq(lw_records_set_bytes(&back, x, "</1/0>", 6), 0);
	ck_add(&back, "/9999/0/13/7", LW_TYPE_FLOAT)->v.f = 6.02214076e23;
	for (size_t i = 0; i < back.n; i++) {
		const lw_record *in = &back.items[i];
		char base[LW_PATH_MAX_TEXT], text[128];
		lw_path_format(&in->path, base, sizeof(base));
		snprintf(text, sizeof(text), "%s", encode_rec(in));
		size_t n = buf.len;
		cr_assert_eq(decode_n(base, text, n), 0, "%s \"%s\": %s", base, text, cerr.message);
		const lw_record *out = &recs.items[0];
		cr_assert_eq(out->type, in->type, "%s", base);
		switch (in->type) {
		case LW_TYPE_STRING: case LW_TYPE_OPAQUE: case LW_TYPE_CORELNK:
			cr_assert_eq(out->v.s.len, in->v.s.len, "%s", base);
			cr_assert_arr_eq(out->v.s.data, in->v.s.data, in->v.s.len, "%s", base);
			break;
		case LW_TYPE_OBJLNK:
			cr_assert(out->v.l.oid == in->v.l.oid && out->v.l.iid == in->v.l.iid);
			break;
		case LW_TYPE_FLOAT:
			cr_assert_eq(out->v.f, in->v.f, "%s", base);
			break;
		case LW_TYPE_BOOLEAN:
			cr_assert_eq(out->v.b, in->v.b);
			break;
		default:
			cr_assert_eq(out->v.u, in->v.u, "%s", base);
			break;
		}
	}
}

Test(text_encode, appends_to_the_buffer)
{
	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/1", LW_TYPE_INTEGER)->v.i = 5;
	lw_buf_append(&buf, "x=", 2);
	lw_path b = ck_path("/9999/0/1");
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), 0);
	cr_assert_eq(buf.len, 3);
	cr_assert_arr_eq(buf.data, "x=5", 3);
}

/* ---- errors ---- */

Test(text_errors, not_a_resource)
{
	decode_err("/3/0", "x", 0, "text/plain carries one resource value: /3/0 is not a resource");
	decode_err("/3", "x", 0, "/3 is not a resource");
	decode_err("/", "x", 0, "/ is not a resource");
	decode_err("/3/0/6", "1", 0, "/3/0/6 has multiple instances");
	lw_records_clear(&recs);
	ck_add(&recs, "/3/0", LW_TYPE_INTEGER);
	lw_path b = ck_path("/3/0");
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_not_null(strstr(cerr.message, "is not a resource"));
}

Test(text_errors, malformed_integers)
{
	decode_err("/9999/0/1", "", 0, "malformed integer: no digits");
	decode_err("/9999/0/1", "-", 1, "malformed integer: no digits");
	decode_err("/9999/0/1", "12a", 2, "malformed integer: unexpected 'a'");
	decode_err("/9999/0/1", "1.5", 1, "unexpected '.'");
	decode_err("/9999/0/1", " 5", 0, "unexpected ' '");
	decode_err("/9999/0/1", "5\n", 1, "unexpected byte 0x0a");
	decode_err("/9999/0/1", "9223372036854775808", 0, "integer out of range");
	decode_err("/9999/0/1", "-9223372036854775809", 0, "integer out of range");
	decode_err("/9999/0/1", "99999999999999999999999", 0, "integer out of range");
	decode_err("/9999/0/6", "12:00", 2, "malformed time");
	decode_err("/9999/0/2", "-1", 0, "malformed unsigned integer");
	decode_err("/9999/0/2", "18446744073709551616", 0, "unsigned integer out of range");
}

Test(text_errors, malformed_floats)
{
	decode_err("/9999/0/3", "", 0, "malformed float: no digits");
	decode_err("/9999/0/3", ".", 0, "malformed float: no digits");
	decode_err("/9999/0/3", "inf", 0, "malformed float: no digits");
	decode_err("/9999/0/3", "nan", 0, "no digits");
	decode_err("/9999/0/3", "0x1p3", 1, "malformed float: unexpected 'x'");
	decode_err("/9999/0/3", "1,5", 1, "unexpected ','");
	decode_err("/9999/0/3", "1e", 2, "no exponent digits");
	decode_err("/9999/0/3", "1e+", 3, "no exponent digits");
	decode_err("/9999/0/3", "1.5 ", 3, "unexpected ' '");
	decode_err("/9999/0/3", "1e400", 0, "float out of range");
	decode_err("/9999/0/3", "-1e309", 0, "float out of range");
}

Test(text_errors, booleans_other_than_0_or_1)
{
	decode_err("/9999/0/4", "2", 0, "boolean text must be \"0\" or \"1\"");
	decode_err("/9999/0/4", "true", 0, "boolean");
	decode_err("/9999/0/4", "", 0, "boolean");
	decode_err("/9999/0/4", "01", 0, "boolean");
}

Test(text_errors, malformed_objlnks)
{
	decode_err("/9999/0/7", "3303", 0, "\"oid:iid\" expected");
	decode_err("/9999/0/7", "3303:", 5, "objlnk instance id: no digits");
	decode_err("/9999/0/7", ":1", 0, "objlnk object id: no digits");
	decode_err("/9999/0/7", "1:2:3", 3, "unexpected ':'");
	decode_err("/9999/0/7", "1:x", 2, "unexpected 'x'");
	decode_err("/9999/0/7", "65536:0", 0, "objlnk object id out of range");
	decode_err("/9999/0/7", "0:70000", 0, "objlnk instance id out of range");
}

Test(text_errors, malformed_base64)
{
	decode_err("/9999/0/5", "AQIDBA=", 6, "padding does not end a quantum");
	decode_err("/9999/0/5", "AQ$D", 2, "unexpected '$'");
	decode_err("/9999/0/5", "A", 0, "a lone character");
	decode_err("/9999/0/5", "AQIDB", 4, "a lone character");
	decode_err("/9999/0/5", "A===", 1, "too much padding");
	decode_err("/9999/0/5", "AQ=D", 2, "unexpected '='");
	decode_err("/9999/0/5", "AQID\n", 4, "unexpected byte 0x0a");
}

Test(text_errors, encode_what_text_cannot_carry)
{
	lw_path b = ck_path("/9999/0/3");
	lw_records_clear(&recs);
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_not_null(strstr(cerr.message, "exactly one value (0 records given)"));

	ck_add(&recs, "/9999/0/3", LW_TYPE_FLOAT)->v.f = 1;
	ck_add(&recs, "/9999/0/3", LW_TYPE_FLOAT)->v.f = 2;
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_eq(cerr.offset, 1);
	cr_assert_not_null(strstr(cerr.message, "exactly one value (2 records given)"));

	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/3", LW_TYPE_FLOAT)->v.f = NAN;
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_str_eq(cerr.message, "NaN has no text form");
	recs.items[0].v.f = -INFINITY;
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_str_eq(cerr.message, "infinity has no text form");

	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/1", LW_TYPE_INTEGER)->v.i = 1;
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_str_eq(cerr.message, "record /9999/0/1 is not the request path /9999/0/3");

	lw_records_clear(&recs);
	ck_add(&recs, "/9999/0/3", LW_TYPE_NONE);
	cr_assert_eq(lw_codec_text.encode(model, &b, &recs, &buf, &cerr), LW_EINVAL);
	cr_assert_str_eq(cerr.message, "record /9999/0/3 has no value to write");
	cr_assert_eq(buf.len, 0);
}

Test(text_errors, too_many_records)
{
	lw_path b = ck_path("/9999/0/1");
	recs.max_items = 1;
	cr_assert_eq(lw_codec_text.decode(model, &b, (const uint8_t *)"1", 1, &recs, &cerr), 0);
	cr_assert_eq(lw_codec_text.decode(model, &b, (const uint8_t *)"2", 1, &recs, &cerr),
	             LW_EINVAL);
	cr_assert_str_eq(cerr.message, "too many records (limit 1)");
	b = ck_path("/9999/0/5");
	cr_assert_eq(lw_codec_text.decode(model, &b, (const uint8_t *)"AA==", 4, &recs, &cerr),
	             LW_EINVAL);
	cr_assert_str_eq(cerr.message, "too many records (limit 1)");
	recs.max_items = 0;
}

/* ---- the plugin, loaded the way lwm2md loads it ---- */

Test(text_plugin, registers_content_format_0)
{
	struct ck_plugin pl;
	ck_plugin_load(&pl, "codec-text");
	const struct lw_codec *c = ck_registered(LW_CF_TEXT, "text");
	cr_assert_str_eq(c->media_type, "text/plain");
	lw_path b = ck_path("/3/0/9");
	cr_assert_eq(c->decode(model, &b, (const uint8_t *)"100", 3, &recs, &cerr), 0);
	cr_assert_eq(recs.items[0].type, LW_TYPE_INTEGER);
	cr_assert_eq(recs.items[0].v.i, 100);
	ck_plugin_unload(&pl);
	cr_assert_null(lw_codec_by_format(LW_CF_TEXT), "the codec outlived its plugin");
}
