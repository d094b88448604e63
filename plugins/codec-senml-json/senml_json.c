/*
 * codec-senml-json/senml_json.c: SenML JSON (RFC 8428) as LwM2M 1.1 and 1.2
 * use it, content format 110 "application/senml+json".
 *
 * A pack is a JSON array of records. A record's path is its base name (bn,
 * carried over from earlier records) joined with its name (n); its time is
 * the base time (bt, carried over) plus its time (t); its value is one of v
 * (number: the model says integer, unsigned, float or time), vs (string or
 * core link), vb (boolean), vd (opaque, base64url) or vlo (object link
 * "oid:iid"). A record with no value names a path, as Read-Composite and
 * Observe-Composite requests do. README.md lists what else is accepted and
 * refused, and how types fall back when the model does not know a resource.
 *
 * The encoder writes the compact form the LwM2M specification prints: one
 * base name (the common prefix, when that is shorter), names relative to it,
 * one base time (the first record's time) with times relative to it, numbers
 * in their shortest form and opaque values in unpadded base64url.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"

/* What carries over from record to record (RFC 8428 section 4.1). */
struct base {
	const char *bn;
	size_t bn_len;
	double bt;
	double bv;
	bool has_bv;
};

/* The members of one record, as found. */
struct fields {
	const json_t *bn, *bt, *bv, *n, *t, *val;
	const char *val_key; /* "v", "vs", "vb", "vd" or "vlo" */
	size_t val_off, val_len;
};

/* The decoder's state: the shared part first (lwj_each_element hands it
 * back), then what carries over from record to record. */
struct dec {
	struct lwj_dec j;
	struct base b;
};

static bool is_value_key(const char *k)
{
	return !strcmp(k, "v") || !strcmp(k, "vs") || !strcmp(k, "vb") || !strcmp(k, "vd") ||
	       !strcmp(k, "vlo");
}

/* The JSON type of a record's member (lwj_member): 's', 'n', 'b'; 'S' for
 * the sums LwM2M does not use, '_' for a field RFC 8428 section 4.4 says
 * must be understood; 0 for the unknown ones, ignored (section 4.4). */
static char member_kind(const char *key)
{
	if (!strcmp(key, "bn") || !strcmp(key, "n") || !strcmp(key, "u") || !strcmp(key, "bu") ||
	    !strcmp(key, "vs") || !strcmp(key, "vd") || !strcmp(key, "vlo"))
		return 's';
	if (!strcmp(key, "bt") || !strcmp(key, "t") || !strcmp(key, "v") || !strcmp(key, "bv") ||
	    !strcmp(key, "ut") || !strcmp(key, "bver"))
		return 'n';
	if (!strcmp(key, "vb"))
		return 'b';
	if (!strcmp(key, "s") || !strcmp(key, "bs"))
		return 'S';
	if (key[0] && key[strlen(key) - 1] == '_')
		return '_';
	return 0;
}

/* Reads the members of record i (at offset roff) into f. */
static int collect(struct dec *d, size_t i, size_t roff, const json_t *rec, struct fields *f)
{
	const char *key;
	json_t *v;

	memset(f, 0, sizeof(*f));
	json_object_foreach((json_t *)rec, key, v) {
		size_t off, len;
		char kind = member_kind(key);
		if (kind == 'S')
			return lw_codec_fail(d->j.err, roff,
			                     "record %zu: sums (\"%s\") are not used by LwM2M", i, key);
		if (kind == '_')
			return lw_codec_fail(d->j.err, roff,
			                     "record %zu: unsupported mandatory field \"%.32s\"", i,
			                     key);
		int rc = lwj_member(&d->j, i, roff, key, v, kind, &off, &len);
		if (rc)
			return rc;
		if (!kind)
			continue;
		if (!strcmp(key, "bn"))
			f->bn = v;
		else if (!strcmp(key, "bt"))
			f->bt = v;
		else if (!strcmp(key, "bv"))
			f->bv = v;
		else if (!strcmp(key, "n"))
			f->n = v;
		else if (!strcmp(key, "t"))
			f->t = v;
		else if (!strcmp(key, "bver")) {
			/* Version 10 is RFC 8428; lower ones are its drafts, a subset. */
			double ver = json_number_value(v);
			if (!(ver >= 1 && ver <= 10) || ver != (int)ver)
				return lw_codec_fail(d->j.err, off,
				                     "record %zu: unsupported SenML version %g", i, ver);
		} else if (is_value_key(key)) {
			if (f->val)
				return lw_codec_fail(d->j.err, roff,
				                     "record %zu: more than one value (\"%s\" and \"%s\")",
				                     i, f->val_key, key);
			f->val = v;
			f->val_key = key;
			f->val_off = off;
			f->val_len = len;
		}
	}
	return 0;
}

static int decode_value(struct dec *d, size_t i, size_t roff, const struct fields *f,
                        lw_record *rec, const char *ptext)
{
	const char *k = f->val_key;
	const json_t *v = f->val;
	int mt = lwj_model_type(d->j.m, &rec->path);

	if (!strcmp(k, "v")) {
		struct lwj_num num;
		lwj_number(&d->j.cur, v, f->val_off, f->val_len, &num);
		if (d->b.has_bv) {
			/* RFC 8428 section 4.5.2: the value is the base value plus v.
			 * LwM2M never sends bv, so plain double arithmetic will do. */
			double sum = d->b.bv + num.d;
			const double lim = 9007199254740992.0; /* 2^53: exact integers */
			bool whole = num.integral && sum > -lim && sum < lim &&
			             sum == (double)(int64_t)sum && d->b.bv > -lim && d->b.bv < lim &&
			             d->b.bv == (double)(int64_t)d->b.bv;
			memset(&num, 0, sizeof(num));
			num.d = sum;
			num.neg = sum < 0;
			num.integral = whole;
			num.i_ok = whole;
			num.i = whole ? (int64_t)sum : 0;
			num.u_ok = whole && sum >= 0;
			num.u = num.u_ok ? (uint64_t)sum : 0;
		}
		if (!isfinite(num.d))
			return lw_codec_fail(d->j.err, f->val_off, "record %zu: value out of range", i);
		return lwj_store_number(&d->j, i, f->val_off, rec, mt, k, &num, ptext);
	}
	if (!strcmp(k, "vb"))
		return lwj_store_bool(&d->j, i, roff, rec, mt, k, v, ptext);
	if (!strcmp(k, "vs"))
		return lwj_store_string(&d->j, i, roff, rec, mt, k, v, ptext);
	if (!strcmp(k, "vlo"))
		return lwj_store_objlnk(&d->j, i, roff, rec, mt, k, v, ptext);
	/* vd */
	if (mt != LW_TYPE_OPAQUE && mt != LW_TYPE_NONE)
		return lwj_mismatch(&d->j, i, roff, ptext, mt, k);
	rec->type = LW_TYPE_OPAQUE;
	int rc = lwj_base64_value(d->j.out, rec, json_string_value(v), json_string_length(v));
	if (rc == LW_ENOMEM)
		return lwj_nomem(&d->j, roff);
	if (rc)
		return lw_codec_fail(d->j.err, roff, "record %zu: \"vd\" is not base64url", i);
	return 0;
}

static int decode_record(struct lwj_dec *jd, size_t i, size_t roff, const json_t *rec)
{
	struct dec *d = (struct dec *)jd;
	struct fields f;
	int rc = collect(d, i, roff, rec, &f);
	if (rc)
		return rc;

	if (f.bn) {
		d->b.bn = json_string_value(f.bn);
		d->b.bn_len = json_string_length(f.bn);
	}
	if (f.bt)
		d->b.bt = json_number_value(f.bt);
	if (f.bv) {
		d->b.bv = json_number_value(f.bv);
		d->b.has_bv = d->b.bv != 0;
	}

	lw_path path;
	char ptext[LW_PATH_MAX_TEXT];
	rc = lwj_element_path(jd, i, roff, d->b.bn, d->b.bn_len, f.n ? json_string_value(f.n) : "",
	                      f.n ? json_string_length(f.n) : 0, &path, ptext);
	if (rc)
		return rc;
	if (f.val && lw_path_depth(&path) < 3)
		return lw_codec_fail(jd->err, roff,
		                     "record %zu: %s has a value but is not a resource path", i,
		                     ptext);

	/* RFC 8428 section 4.5.3: time is bt + t. Zero means "now", the same
	 * as no time at all; values below 2^28 are relative to now, which only
	 * the receiver knows, so they are kept as they are (README.md). */
	lw_record *r = lwj_element_record(jd, i, roff, &path,
	                                  d->b.bt + (f.t ? json_number_value(f.t) : 0), &rc);
	if (!r)
		return rc;
	if (!f.val)
		return 0; /* a name alone: LW_TYPE_NONE */
	return decode_value(d, i, roff, &f, r, ptext);
}

static int senml_json_decode(const lw_model *m, const lw_path *base, const uint8_t *data,
                             size_t len, lw_records *out, struct lw_codec_error *err)
{
	struct dec d = {.j = {.m = m, .base = base, .out = out, .err = err, .what = "record"},
	                .b = {.bn = ""}};
	int rc;
	json_t *root = lwj_load(data, len, &d.j.cur, err, &rc);
	if (!root)
		return rc;
	if (!json_is_array(root)) {
		json_decref(root);
		return lw_codec_fail(err, lwj_skip_space(data, len),
		                     "SenML JSON is an array of records, not an object");
	}
	lwj_take_container(&d.j.cur);
	rc = lwj_each_element(&d.j, root, decode_record);
	json_decref(root);
	return rc;
}

/* ---- encoding ---- */

struct enc {
	lw_buf *b;
	bool first; /* no member written yet in this record */
	int rc;
};

/* Writes "key": (with the comma before it when needed). */
static void member(struct enc *e, const char *key)
{
	if (e->rc)
		return;
	char t[12];
	int n = snprintf(t, sizeof(t), "%s\"%s\":", e->first ? "" : ",", key);
	e->first = false;
	e->rc = lw_buf_append(e->b, t, (size_t)n);
}

static void put_text(struct enc *e, const char *s)
{
	if (!e->rc)
		e->rc = lw_buf_append(e->b, s, strlen(s));
}

static void put_number(struct enc *e, double d, bool mark_float)
{
	if (!e->rc)
		e->rc = lwj_put_double(e->b, d, mark_float);
}

static int senml_json_encode(const lw_model *m, const lw_path *base, const lw_records *in,
                             lw_buf *out, struct lw_codec_error *err)
{
	static const char *const keys[LW_TYPE_CORELNK + 1] = {
		[LW_TYPE_STRING] = "vs", [LW_TYPE_INTEGER] = "v",  [LW_TYPE_UNSIGNED] = "v",
		[LW_TYPE_FLOAT] = "v",   [LW_TYPE_BOOLEAN] = "vb", [LW_TYPE_OPAQUE] = "vd",
		[LW_TYPE_TIME] = "v",    [LW_TYPE_OBJLNK] = "vlo", [LW_TYPE_CORELNK] = "vs",
	};
	struct lwj_naming nm;
	struct enc e = {.b = out};
	size_t start = out->len;
	bool bt_set = false;
	double bt = 0;

	lwj_pick_naming(in, false, &nm);
	put_text(&e, "[");
	for (size_t i = 0; i < in->n && !e.rc; i++) {
		const lw_record *r = &in->items[i];
		char ptext[LW_PATH_MAX_TEXT];
		lw_path_format(&r->path, ptext, sizeof(ptext));
		const char *why = lwj_check_record(base, r);
		if (why) {
			out->len = start;
			return lw_codec_fail(err, i, "record %zu (%s): %s", i, ptext, why);
		}
		put_text(&e, i ? ",{" : "{");
		e.first = true;
		if (i == 0 && nm.level >= 0) {
			member(&e, "bn");
			put_text(&e, "\"");
			put_text(&e, nm.bn);
			put_text(&e, "\"");
		}

		/* Time: one bt, each record's t relative to it. An untimed record
		 * after bt gets t = -bt, which resolves to 0, "no time". A new bt
		 * is written only when the difference would not read back exactly. */
		bool timed = r->has_time && r->time != 0, put_t = false;
		double t = 0;
		if (timed && (!bt_set || r->time != bt)) {
			double delta = r->time - bt;
			if (bt_set && bt + delta == r->time) {
				t = delta;
				put_t = true;
			} else {
				bt = r->time;
				bt_set = true;
				member(&e, "bt");
				put_number(&e, bt, false);
			}
		} else if (!timed && bt_set) {
			t = -bt;
			put_t = true;
		}

		char name[LW_PATH_MAX_TEXT];
		lwj_relative_name(&nm, &r->path, name, sizeof(name));
		if (name[0]) {
			member(&e, "n");
			put_text(&e, "\"");
			put_text(&e, name);
			put_text(&e, "\"");
		}

		if (r->type == LW_TYPE_FLOAT && !isfinite(r->v.f)) {
			out->len = start;
			return lw_codec_fail(err, i, "record %zu (%s): %g has no JSON form", i, ptext,
			                     r->v.f);
		}
		if (!e.rc) {
			e.rc = lwj_put_value(out, m, r, keys, !e.first, true, i, start, err);
			if (e.rc == LW_EINVAL)
				return e.rc;
		}
		if (r->type != LW_TYPE_NONE)
			e.first = false;
		if (put_t) {
			member(&e, "t");
			put_number(&e, t, false);
		}
		put_text(&e, "}");
	}
	put_text(&e, "]");
	return e.rc ? lwj_output_failed(out, start, e.rc, err) : 0;
}

const struct lw_codec lw_codec_senml_json = {
	.content_format = LW_CF_SENML_JSON,
	.media_type = "application/senml+json",
	.name = "senml-json",
	.decode = senml_json_decode,
	.encode = senml_json_encode,
};
