/*
 * tests/unit/codec_testkit.c: see codec_testkit.h. Every codec test used to
 * carry its own copy of these; one copy means one message format and one
 * notion of "the same record" for all of them.
 */
#include "codec_testkit.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fuzz/codec_fuzzkit.h"
#include "helpers.h"
#include "log.h"
#include "lwm2m/codecs.h"
#include "lwm2m/ddf.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"

/* ---- models ---- */

lw_model *ck_model(struct lw_object_def *objects, size_t n)
{
	lw_model *m = lw_model_new();
	cr_assert_not_null(m);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(lw_model_add(m, &objects[i], NULL), 0, "object %u", objects[i].id);
	return m;
}

static const struct lw_resource_def sm_device[] = {
	CK_RES(0, LW_TYPE_STRING, 0),   CK_RES(1, LW_TYPE_STRING, 0),
	CK_RES(2, LW_TYPE_STRING, 0),   CK_RES(3, LW_TYPE_STRING, 0),
	CK_RES(4, LW_TYPE_NONE, 0),     CK_RES(6, LW_TYPE_INTEGER, 1),
	CK_RES(7, LW_TYPE_INTEGER, 1),  CK_RES(8, LW_TYPE_INTEGER, 1),
	CK_RES(9, LW_TYPE_INTEGER, 0),  CK_RES(10, LW_TYPE_INTEGER, 0),
	CK_RES(11, LW_TYPE_INTEGER, 1), CK_RES(13, LW_TYPE_TIME, 0),
	CK_RES(14, LW_TYPE_STRING, 0),  CK_RES(16, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def sm_server[] = {
	CK_RES(0, LW_TYPE_INTEGER, 0), CK_RES(1, LW_TYPE_INTEGER, 0),
	CK_RES(6, LW_TYPE_BOOLEAN, 0), CK_RES(7, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def sm_link[] = {
	CK_RES(0, LW_TYPE_OBJLNK, 1), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def sm_setpoint[] = {CK_RES(5900, LW_TYPE_FLOAT, 0)};
static const struct lw_resource_def sm_light[] = {
	CK_RES(5850, LW_TYPE_BOOLEAN, 0), CK_RES(5851, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def sm_all[] = {
	CK_RES(0, LW_TYPE_STRING, 0),  CK_RES(1, LW_TYPE_INTEGER, 0), CK_RES(2, LW_TYPE_UNSIGNED, 0),
	CK_RES(3, LW_TYPE_FLOAT, 0),   CK_RES(4, LW_TYPE_BOOLEAN, 0), CK_RES(5, LW_TYPE_OPAQUE, 0),
	CK_RES(6, LW_TYPE_TIME, 0),    CK_RES(7, LW_TYPE_OBJLNK, 0),  CK_RES(8, LW_TYPE_CORELNK, 0),
	CK_RES(9, LW_TYPE_INTEGER, 1), CK_RES(10, LW_TYPE_NONE, 0),
};
static struct lw_object_def sm_objects[] = {
	CK_OBJ(1, 1, sm_server),      CK_OBJ(3, 1, sm_device),    CK_OBJ(65, 1, sm_link),
	CK_OBJ(3308, 1, sm_setpoint), CK_OBJ(3311, 1, sm_light),  CK_OBJ(9000, 1, sm_all),
};

lw_model *ck_small_model(void)
{
	return ck_model(sm_objects, CK_COUNT(sm_objects));
}

lw_model *ck_builtin_model(uint16_t also)
{
	lw_model *m = lw_model_new();
	cr_assert_not_null(m);
	cr_assert_eq(lw_model_add_builtin(m), 0);
	if (!lw_model_object(m, 3, NULL) || (also && !lw_model_object(m, also, NULL))) {
		lw_model_free(m);
		cr_skip("the built-in object definitions are not there yet (core/lwm2m/objects.c)");
	}
	return m;
}

static void no_report(void *ctx, const char *line)
{
	(void)ctx;
	(void)line;
}

lw_model *ck_oma_model(void)
{
	const char *dir = getenv("LW_OMA_MODELS");
	if (!dir || !*dir)
		cr_skip("LW_OMA_MODELS is not set");
	lw_model *m = lw_model_new();
	cr_assert_not_null(m);
	int rc = lw_ddf_load_dir(m, dir, no_report, NULL);
	if (rc == LW_ENOTSUP || lw_model_count(m) == 0) {
		lw_model_free(m);
		cr_skip("the DDF loader read nothing from %s (%d)", dir, rc);
	}
	cr_assert_geq(rc, 0, "loading %s: %s", dir, lw_strerror(rc));
	return m;
}

void ck_state_init(lw_records *recs, lw_records *back, lw_buf *buf, struct lw_codec_error *err)
{
	lw_records_init(recs);
	if (back)
		lw_records_init(back);
	lw_buf_init(buf);
	memset(err, 0, sizeof(*err));
}

void ck_state_free(lw_records *recs, lw_records *back, lw_buf *buf)
{
	lw_records_free(recs);
	if (back)
		lw_records_free(back);
	lw_buf_free(buf);
	th_cleanup();
	th_check_leaks();
}

/* ---- text forms ---- */

lw_path ck_path(const char *s)
{
	lw_path p;
	const char *why = NULL;
	cr_assert_eq(lw_path_parse(s, strlen(s), &p, &why), 0, "bad test path %s: %s", s,
	             why ? why : "?");
	return p;
}

size_t ck_unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		cr_assert(n < cap, "hex longer than %zu bytes", cap);
		cr_assert_eq(sscanf(s, "%2x", &v), 1, "bad hex at \"%.8s\"", s);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

const char *ck_hex(const uint8_t *d, size_t n)
{
	static char bufs[2][1 << 15];
	static int which;
	char *out = bufs[which ^= 1];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 4 < sizeof(bufs[0]); i++)
		k += (size_t)sprintf(out + k, "%s%02X", i ? " " : "", d[i]);
	out[k] = '\0';
	return out;
}

char *ck_squeeze(const char *s)
{
	char *o = malloc(strlen(s) + 1), *w = o;
	int in = 0;
	cr_assert_not_null(o);
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

/* ---- building records ---- */

lw_record *ck_add(lw_records *r, const char *path, int type)
{
	lw_record *x = lw_records_add(r);
	cr_assert_not_null(x);
	x->path = ck_path(path);
	x->type = (uint8_t)type;
	return x;
}

void ck_add_str(lw_records *r, const char *path, int type, const void *s, size_t len)
{
	lw_record *x = ck_add(r, path, type);
	cr_assert_eq(lw_records_set_bytes(r, x, s, len), 0);
}

void ck_add_int(lw_records *r, const char *path, int64_t v)
{
	ck_add(r, path, LW_TYPE_INTEGER)->v.i = v;
}

void ck_add_uint(lw_records *r, const char *path, uint64_t v)
{
	ck_add(r, path, LW_TYPE_UNSIGNED)->v.u = v;
}

void ck_add_float(lw_records *r, const char *path, double v)
{
	ck_add(r, path, LW_TYPE_FLOAT)->v.f = v;
}

void ck_add_bool(lw_records *r, const char *path, bool v)
{
	ck_add(r, path, LW_TYPE_BOOLEAN)->v.b = v;
}

void ck_add_time(lw_records *r, const char *path, int64_t v)
{
	ck_add(r, path, LW_TYPE_TIME)->v.i = v;
}

void ck_add_objlnk(lw_records *r, const char *path, uint16_t oid, uint16_t iid)
{
	lw_record *x = ck_add(r, path, LW_TYPE_OBJLNK);
	x->v.l.oid = oid;
	x->v.l.iid = iid;
}

void ck_timed(lw_records *r, double t)
{
	cr_assert_gt(r->n, 0);
	r->items[r->n - 1].has_time = 1;
	r->items[r->n - 1].time = t;
}

void ck_add_one_of_each(lw_records *r, const char *inst)
{
	char p[32];
#define AT(rid) (snprintf(p, sizeof(p), "%s/%d", inst, (rid)), p)
	ck_add_str(r, AT(0), LW_TYPE_STRING, "h\xc3\xa9llo", 6);
	ck_add_int(r, AT(1), -123456789012LL);
	ck_add_uint(r, AT(2), UINT64_MAX);
	ck_add_float(r, AT(3), -273.15);
	ck_add_bool(r, AT(4), true);
	ck_add_str(r, AT(5), LW_TYPE_OPAQUE, "\x00\xff\x10", 3);
	ck_add_time(r, AT(6), 1700000000);
	ck_add_objlnk(r, AT(7), 3, 0);
	ck_add_str(r, AT(8), LW_TYPE_CORELNK, "</3/0>;ver=1.1", 14);
#undef AT
}

void ck_add_sample(lw_records *r, const lw_path *p, int type)
{
	lw_record *x = lw_records_add(r);
	cr_assert_not_null(x);
	x->path = *p;
	x->type = (uint8_t)type;
	switch (type) {
	case LW_TYPE_STRING: cr_assert_eq(lw_records_set_bytes(r, x, "text", 4), 0); break;
	case LW_TYPE_INTEGER: x->v.i = -42; break;
	case LW_TYPE_UNSIGNED: x->v.u = 42; break;
	case LW_TYPE_FLOAT: x->v.f = 3.25; break;
	case LW_TYPE_BOOLEAN: x->v.b = true; break;
	case LW_TYPE_OPAQUE: cr_assert_eq(lw_records_set_bytes(r, x, "\x01\x02", 2), 0); break;
	case LW_TYPE_TIME: x->v.i = 1700000000; break;
	case LW_TYPE_OBJLNK: x->v.l = (lw_objlnk){3, 0}; break;
	case LW_TYPE_CORELNK: cr_assert_eq(lw_records_set_bytes(r, x, "</3/0>", 6), 0); break;
	}
}

/* ---- checking records ---- */

void ck_assert_path(const lw_record *x, const char *path)
{
	char got[LW_PATH_MAX_TEXT];
	lw_path_format(&x->path, got, sizeof(got));
	cr_assert_str_eq(got, path);
}

const lw_record *ck_rec_at(const lw_records *r, size_t i, const char *path, int type)
{
	cr_assert_lt(i, r->n, "no record %zu (%zu records)", i, r->n);
	const lw_record *x = &r->items[i];
	lw_path p = ck_path(path);
	char got[LW_PATH_MAX_TEXT];
	lw_path_format(&x->path, got, sizeof(got));
	cr_assert(lw_path_equal(&x->path, &p), "record %zu at %s, expected %s", i, got, path);
	cr_assert_eq(x->type, type, "record %zu (%s) is %s, expected %s", i, path,
	             lw_type_name(x->type), lw_type_name(type));
	return x;
}

void ck_assert_str(const lw_record *x, const char *s)
{
	cr_assert_eq(x->v.s.len, strlen(s), "value of %zu bytes, expected \"%s\"", x->v.s.len, s);
	cr_assert(x->v.s.len == 0 || memcmp(x->v.s.data, s, x->v.s.len) == 0,
	          "value \"%.*s\", expected \"%s\"", (int)x->v.s.len, (const char *)x->v.s.data, s);
}

static void assert_type(const lw_record *x, const char *path, int type)
{
	ck_assert_path(x, path);
	cr_assert_eq(x->type, type, "%s: type %s, expected %s", path, lw_type_name(x->type),
	             lw_type_name(type));
}

void ck_assert_str_rec(const lw_record *x, const char *path, int type, const char *s)
{
	assert_type(x, path, type);
	ck_assert_str(x, s);
}

void ck_assert_int_rec(const lw_record *x, const char *path, int type, int64_t v)
{
	assert_type(x, path, type);
	cr_assert_eq(x->v.i, v, "%s: %lld, expected %lld", path, (long long)x->v.i, (long long)v);
}

void ck_assert_float_rec(const lw_record *x, const char *path, double v)
{
	assert_type(x, path, LW_TYPE_FLOAT);
	cr_assert_eq(x->v.f, v, "%s: %.17g, expected %.17g", path, x->v.f, v);
}

void ck_assert_objlnk_rec(const lw_record *x, const char *path, uint16_t oid, uint16_t iid)
{
	assert_type(x, path, LW_TYPE_OBJLNK);
	cr_assert(x->v.l.oid == oid && x->v.l.iid == iid, "%s: %u:%u, expected %u:%u", path,
	          x->v.l.oid, x->v.l.iid, oid, iid);
}

void ck_assert_device_instance(const lw_records *r, const char *prefix)
{
	static const char *const strs[][2] = {
		{"0", "Open Mobile Alliance"}, {"1", "Lightweight M2M Client"}, {"2", "345000123"},
		{"3", "1.0"},
	};
	static const struct {
		const char *tail;
		int64_t v;
	} ints[] = {{"6/0", 1},   {"6/1", 5},  {"7/0", 3800}, {"7/1", 5000}, {"8/0", 125},
	            {"8/1", 900}, {"9", 100},  {"10", 15},    {"11/0", 0}};
	char p[LW_PATH_MAX_TEXT + 8];
	const lw_record *x = r->items;

	cr_assert_eq(r->n, 16, "%zu records, expected the Device object's 16", r->n);
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", prefix, strs[i][0]);
		ck_assert_str_rec(&x[i], p, LW_TYPE_STRING, strs[i][1]);
	}
	for (size_t i = 0; i < 9; i++) {
		snprintf(p, sizeof(p), "%s/%s", prefix, ints[i].tail);
		ck_assert_int_rec(&x[4 + i], p, LW_TYPE_INTEGER, ints[i].v);
	}
	snprintf(p, sizeof(p), "%s/13", prefix);
	ck_assert_int_rec(&x[13], p, LW_TYPE_TIME, 1367491215);
	snprintf(p, sizeof(p), "%s/14", prefix);
	ck_assert_str_rec(&x[14], p, LW_TYPE_STRING, "+02:00");
	snprintf(p, sizeof(p), "%s/16", prefix);
	ck_assert_str_rec(&x[15], p, LW_TYPE_STRING, "U");
	for (size_t i = 0; i < r->n; i++)
		cr_assert_eq(x[i].has_time, 0, "record %zu has a time", i);
}

bool ck_same_record(const lw_record *a, const lw_record *b)
{
	return fk_same_record(a, b, 0); /* the fuzzers' comparison, bit for bit */
}

void ck_assert_same(const lw_records *want, const lw_records *got)
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
		cr_assert(ck_same_record(a, b), "record %zu (%s) differs", i, pa);
	}
}

void ck_assert_same_sorted(const lw_records *want, const lw_records *got)
{
	lw_records s;
	lw_records_init(&s);
	for (size_t i = 0; i < want->n; i++)
		cr_assert_eq(lw_records_append_copy(&s, &want->items[i]), 0);
	lw_records_sort(&s);
	/* Free the copy before a failing check ends the test. */
	bool same = s.n == got->n;
	size_t i = 0;
	for (; same && i < s.n; i++)
		same = ck_same_record(&s.items[i], &got->items[i]);
	char p[LW_PATH_MAX_TEXT] = "";
	if (!same && i > 0)
		lw_path_format(&s.items[i - 1].path, p, sizeof(p));
	size_t n = s.n;
	lw_records_free(&s);
	cr_assert_eq(got->n, n, "%zu records, expected %zu", got->n, n);
	cr_assert(same, "record %zu (%s) differs", i - 1, p);
}

/* ---- the codec steps ---- */

static lw_path base_of(const char *base)
{
	return base ? ck_path(base) : LW_PATH_ROOT;
}

int ck_decode(const struct lw_codec *c, const lw_model *m, const char *base, const void *data,
              size_t len, lw_records *out, struct lw_codec_error *err)
{
	lw_path b = base_of(base);
	memset(err, 0, sizeof(*err));
	return c->decode(m, &b, data, len, out, err);
}

void ck_decode_ok(const struct lw_codec *c, const lw_model *m, const char *base,
                  const void *data, size_t len, lw_records *out, struct lw_codec_error *err)
{
	int rc = ck_decode(c, m, base, data, len, out, err);
	cr_assert_eq(rc, 0, "decode at %s failed (%d) at %zu: %s", base ? base : "/", rc,
	             err->offset, err->message);
}

void ck_decode_err(const struct lw_codec *c, const lw_model *m, const char *base,
                   const void *data, size_t len, lw_records *out, struct lw_codec_error *err,
                   size_t offset, const char *what)
{
	lw_records_clear(out);
	int rc = ck_decode(c, m, base, data, len, out, err);
	const char *where = base ? base : "/";
	cr_assert_eq(rc, LW_EINVAL, "decode at %s: expected an error, got %d", where, rc);
	cr_assert_neq(err->message[0], '\0', "decode at %s: an error without a message", where);
	if (offset != CK_ANY_OFFSET)
		cr_assert_eq(err->offset, offset, "decode at %s: error offset %zu, expected %zu (%s)",
		             where, err->offset, offset, err->message);
	cr_assert_not_null(strstr(err->message, what), "decode at %s: error \"%s\" lacks \"%s\"",
	                   where, err->message, what);
}

int ck_encode(const struct lw_codec *c, const lw_model *m, const char *base,
              const lw_records *in, lw_buf *out, struct lw_codec_error *err)
{
	lw_path b = base_of(base);
	memset(err, 0, sizeof(*err));
	out->len = 0;
	return c->encode(m, &b, in, out, err);
}

void ck_encode_ok(const struct lw_codec *c, const lw_model *m, const char *base,
                  const lw_records *in, lw_buf *out, struct lw_codec_error *err)
{
	int rc = ck_encode(c, m, base, in, out, err);
	cr_assert_eq(rc, 0, "encode at %s failed (%d, record %zu): %s", base ? base : "/", rc,
	             err->offset, err->message);
}

void ck_encode_is(const struct lw_codec *c, const lw_model *m, const char *base,
                  const lw_records *in, lw_buf *out, struct lw_codec_error *err,
                  const uint8_t *want, size_t n)
{
	ck_encode_ok(c, m, base, in, out, err);
	cr_assert(out->len == n && (n == 0 || memcmp(out->data, want, n) == 0),
	          "encode at %s:\n got  %s\n want %s", base ? base : "/",
	          ck_hex(out->data, out->len), ck_hex(want, n));
}

void ck_encode_err(const struct lw_codec *c, const lw_model *m, const char *base,
                   const lw_records *in, lw_buf *out, struct lw_codec_error *err, size_t index,
                   const char *what)
{
	int rc = ck_encode(c, m, base, in, out, err);
	const char *where = base ? base : "/";
	cr_assert_eq(rc, LW_EINVAL, "encode at %s: expected an error, got %d", where, rc);
	if (index != CK_ANY_OFFSET)
		cr_assert_eq(err->offset, index, "encode at %s: error index %zu, expected %zu (%s)",
		             where, err->offset, index, err->message);
	cr_assert_not_null(strstr(err->message, what), "encode at %s: error \"%s\" lacks \"%s\"",
	                   where, err->message, what);
	cr_assert_eq(out->len, 0, "a failed encode left %zu bytes", out->len);
}

char *ck_buf_str(const lw_buf *buf)
{
	char *s = malloc(buf->len + 1);
	cr_assert_not_null(s);
	if (buf->len)
		memcpy(s, buf->data, buf->len);
	s[buf->len] = '\0';
	return s;
}

void ck_round_trip(const struct lw_codec *c, const lw_model *m, const char *base,
                   const lw_records *in, lw_buf *out, lw_records *back,
                   struct lw_codec_error *err, unsigned flags)
{
	ck_encode_ok(c, m, base, in, out, err);
	lw_records_clear(back);
	int rc = ck_decode(c, m, base, out->data, out->len, back, err);
	cr_assert_eq(rc, 0, "decode of %s at %s failed at %zu: %s", ck_hex(out->data, out->len),
	             base ? base : "/", err->offset, err->message);
	if (flags & CK_SORTED)
		ck_assert_same_sorted(in, back);
	else
		ck_assert_same(in, back);
}

void ck_oma_round_trip(const struct lw_codec *c, lw_records *recs, lw_records *back, lw_buf *buf,
                       struct lw_codec_error *err, unsigned flags)
{
	lw_model *oma = ck_oma_model();
	size_t records = 0, per_type[LW_TYPE_CORELNK + 1] = {0};
	for (size_t i = 0; i < lw_model_count(oma); i++) {
		const struct lw_object_def *o = lw_model_at(oma, i);
		if (lw_model_object(oma, o->id, NULL) != o)
			continue;
		lw_records_clear(recs);
		for (size_t k = 0; k < o->n_resources; k++) {
			const struct lw_resource_def *rd = &o->resources[k];
			if (rd->type == LW_TYPE_NONE)
				continue;
			lw_path p = lw_path_make(rd->multiple ? 4 : 3, o->id, 0, rd->id, 1);
			ck_add_sample(recs, &p, rd->type);
			per_type[rd->type]++;
		}
		if (recs->n == 0)
			continue;
		char base[16] = "/";
		if (flags & CK_OBJECT_BASE)
			snprintf(base, sizeof(base), "/%u", o->id);
		ck_round_trip(c, oma, base, recs, buf, back, err, flags);
		records += recs->n;
	}
	lw_model_free(oma);
	cr_assert_gt(records, 1000, "only %zu resources", records);
	for (int t = LW_TYPE_STRING; t <= LW_TYPE_OBJLNK; t++)
		cr_assert_gt(per_type[t], 0, "no resource of type %s in the registry", lw_type_name(t));
}

/* ---- text formats ---- */

static const struct lw_resource_def ex_device[] = {
	CK_RES(0, LW_TYPE_STRING, 0),   CK_RES(1, LW_TYPE_STRING, 0),
	CK_RES(2, LW_TYPE_STRING, 0),   CK_RES(3, LW_TYPE_STRING, 0),
	CK_RES(4, LW_TYPE_NONE, 0),     CK_RES(5, LW_TYPE_NONE, 0),
	CK_RES(6, LW_TYPE_INTEGER, 1),  CK_RES(7, LW_TYPE_INTEGER, 1),
	CK_RES(8, LW_TYPE_INTEGER, 1),  CK_RES(9, LW_TYPE_INTEGER, 0),
	CK_RES(10, LW_TYPE_INTEGER, 0), CK_RES(11, LW_TYPE_INTEGER, 1),
	CK_RES(12, LW_TYPE_NONE, 0),    CK_RES(13, LW_TYPE_TIME, 0),
	CK_RES(14, LW_TYPE_STRING, 0),  CK_RES(15, LW_TYPE_STRING, 0),
	CK_RES(16, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def ex_server[] = {
	CK_RES(0, LW_TYPE_INTEGER, 0), CK_RES(1, LW_TYPE_INTEGER, 0), CK_RES(2, LW_TYPE_INTEGER, 0),
	CK_RES(3, LW_TYPE_INTEGER, 0), CK_RES(6, LW_TYPE_BOOLEAN, 0), CK_RES(7, LW_TYPE_STRING, 0),
};
/* Objects 65, 66 and 67 of the object link example (Core 1.0 section 6.4.4,
 * Core 1.1 Table 7.4.4-4). */
static const struct lw_resource_def ex_o65[] = {
	CK_RES(0, LW_TYPE_OBJLNK, 1), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def ex_o66[] = {
	CK_RES(0, LW_TYPE_STRING, 0), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_OBJLNK, 0),
};
static const struct lw_resource_def ex_o67[] = {
	CK_RES(0, LW_TYPE_STRING, 0), CK_RES(1, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def ex_sensor[] = {
	CK_RES(5700, LW_TYPE_FLOAT, 0), CK_RES(5701, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def ex_setpoint[] = {CK_RES(5900, LW_TYPE_FLOAT, 0)};
static const struct lw_resource_def ex_light[] = {
	CK_RES(5850, LW_TYPE_BOOLEAN, 0), CK_RES(5851, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def ex_types[] = {
	CK_RES(0, LW_TYPE_STRING, 0),  CK_RES(1, LW_TYPE_INTEGER, 0), CK_RES(2, LW_TYPE_UNSIGNED, 0),
	CK_RES(3, LW_TYPE_FLOAT, 0),   CK_RES(4, LW_TYPE_BOOLEAN, 0), CK_RES(5, LW_TYPE_OPAQUE, 0),
	CK_RES(6, LW_TYPE_TIME, 0),    CK_RES(7, LW_TYPE_OBJLNK, 0),  CK_RES(8, LW_TYPE_CORELNK, 0),
	CK_RES(9, LW_TYPE_INTEGER, 1), CK_RES(10, LW_TYPE_FLOAT, 1),  CK_RES(11, LW_TYPE_STRING, 1),
	CK_RES(12, LW_TYPE_NONE, 0),
};

static struct lw_object_def ex_objects[] = {
	CK_OBJ(1, 1, ex_server),      CK_OBJ(3, 1, ex_device),    CK_OBJ(65, 1, ex_o65),
	CK_OBJ(66, 1, ex_o66),        CK_OBJ(67, 1, ex_o67),      CK_OBJ(3303, 1, ex_sensor),
	CK_OBJ(3308, 1, ex_setpoint), CK_OBJ(3311, 1, ex_light),  CK_OBJ(3316, 1, ex_sensor),
	CK_OBJ(3317, 1, ex_sensor),   CK_OBJ(10000, 1, ex_types),
};

lw_model *ck_example_model(void)
{
	return ck_model(ex_objects, CK_COUNT(ex_objects));
}

void ck_decode_text(const struct lw_codec *c, const lw_model *m, const char *base,
                    const char *text, lw_records *out)
{
	struct lw_codec_error err;
	int rc = ck_decode(c, m, base, text, strlen(text), out, &err);
	cr_assert_eq(rc, 0, "decode failed at %zu: %s\n%s", err.offset, err.message, text);
}

char *ck_encode_text(const struct lw_codec *c, const lw_model *m, const char *base,
                     const lw_records *in)
{
	struct lw_codec_error err;
	lw_buf buf;
	lw_buf_init(&buf);
	int rc = ck_encode(c, m, base, in, &buf, &err);
	char *s = ck_buf_str(&buf);
	lw_buf_free(&buf);
	if (rc)
		free(s);
	cr_assert_eq(rc, 0, "encode failed (record %zu): %s", err.offset, err.message);
	return s;
}

void ck_encode_text_is(const struct lw_codec *c, const lw_model *m, const char *base,
                       const lw_records *in, const char *printed)
{
	char *s = ck_encode_text(c, m, base, in), *want = ck_squeeze(printed);
	cr_assert_str_eq(s, want);
	free(s);
	free(want);
}

struct lw_codec_error ck_decode_text_fail(const struct lw_codec *c, const lw_model *m,
                                          const char *base, const char *text, size_t len)
{
	struct lw_codec_error err;
	lw_records r;
	lw_records_init(&r);
	int rc = ck_decode(c, m, base, text, len, &r, &err);
	lw_records_free(&r);
	cr_assert_eq(rc, LW_EINVAL, "decode of %.200s gave %d, not LW_EINVAL", text, rc);
	cr_assert_neq(err.message[0], '\0');
	return err;
}

void ck_expect_text_error(const struct lw_codec *c, const lw_model *m, const char *base,
                          const char *text, size_t at, const char *what)
{
	struct lw_codec_error e = ck_decode_text_fail(c, m, base, text, strlen(text));
	cr_expect(strstr(e.message, what) != NULL, "message \"%s\" lacks \"%s\" (%s)", e.message,
	          what, text);
	cr_expect_eq(e.offset, at, "offset %zu, expected %zu: %s (%s)", e.offset, at, e.message,
	             text);
}

void ck_round_trip_text(const struct lw_codec *c, const lw_model *m, const char *base,
                        const lw_records *in, char **text)
{
	struct lw_codec_error err;
	lw_buf buf;
	lw_records back;
	lw_buf_init(&buf);
	lw_records_init(&back);
	ck_round_trip(c, m, base, in, &buf, &back, &err, 0);
	if (text)
		*text = ck_buf_str(&buf);
	lw_records_free(&back);
	lw_buf_free(&buf);
}

/* ---- a codec plugin ---- */

void ck_plugin_load(struct ck_plugin *p, const char *name)
{
	char *so = th_strdupf("%s/plugins/%s/.libs/%s.so", th_builddir(), name, name);
	char err[512] = "";
	cr_assert_eq(access(so, R_OK), 0, "%s is missing: build plugins/%s/%s.la", so, name, name);
	memset(p, 0, sizeof(*p));
	lw_log_set_level(LW_LOG_WARN);
	lw_events_init(&p->events);
	p->host = (struct lw_plugin_host){.events = &p->events, .state_dir = "/nonexistent"};
	lw_config_defaults(&p->cfg);
	free(p->cfg.plugins);
	p->cfg.plugins = strdup(so);
	cr_assert_eq(lw_plugins_load(&p->ps, &p->cfg, &p->host, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(lw_plugins_start(&p->ps, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(p->ps.head->desc->name, name);
}

const struct lw_codec *ck_registered(int format, const char *name)
{
	const struct lw_codec *c = lw_codec_by_format(format);
	cr_assert_not_null(c, "no codec for content format %d", format);
	cr_assert_eq(lw_codec_by_name(name), c, "codec \"%s\" is not the one of %d", name, format);
	return c;
}

void ck_plugin_unload(struct ck_plugin *p)
{
	lw_plugins_unload(&p->ps);
	lw_events_free(&p->events);
	lw_config_free(&p->cfg);
}
