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
#include <inttypes.h>
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

struct dec {
	const lw_model *m;
	const lw_path *base;
	struct lwj_cursor cur;
	lw_records *out;
	struct lw_codec_error *err;
	struct base b;
};

static bool is_value_key(const char *k)
{
	return !strcmp(k, "v") || !strcmp(k, "vs") || !strcmp(k, "vb") || !strcmp(k, "vd") ||
	       !strcmp(k, "vlo");
}

/* Reads the members of record i (at offset roff) into f. */
static int collect(struct dec *d, size_t i, size_t roff, const json_t *rec, struct fields *f)
{
	const char *key;
	json_t *v;

	memset(f, 0, sizeof(*f));
	json_object_foreach((json_t *)rec, key, v) {
		size_t off = roff, len = 0;
		bool number = json_is_number(v);
		if (number)
			off = lwj_take_number(&d->cur, &len);
		const char *want = NULL; /* the JSON type this member must have */
		if (!strcmp(key, "bn") || !strcmp(key, "n") || !strcmp(key, "u") ||
		    !strcmp(key, "bu") || !strcmp(key, "vs") || !strcmp(key, "vd") ||
		    !strcmp(key, "vlo"))
			want = json_is_string(v) ? NULL : "a string";
		else if (!strcmp(key, "bt") || !strcmp(key, "t") || !strcmp(key, "v") ||
		         !strcmp(key, "bv") || !strcmp(key, "ut") || !strcmp(key, "bver"))
			want = number ? NULL : "a number";
		else if (!strcmp(key, "vb"))
			want = json_is_boolean(v) ? NULL : "true or false";
		else if (!strcmp(key, "s") || !strcmp(key, "bs"))
			return lw_codec_fail(d->err, roff,
			                     "record %zu: sums (\"%s\") are not used by LwM2M", i, key);
		else if (key[0] && key[strlen(key) - 1] == '_')
			/* RFC 8428 section 4.4: names ending in '_' must be understood. */
			return lw_codec_fail(d->err, roff,
			                     "record %zu: unsupported mandatory field \"%.32s\"", i,
			                     key);
		else {
			/* Unknown fields are ignored (RFC 8428 section 4.4). */
			if (!number)
				lwj_skip(&d->cur, v);
			continue;
		}
		if (want) {
			if (json_is_object(v) || json_is_array(v))
				off = lwj_take_container(&d->cur);
			return lw_codec_fail(d->err, off, "record %zu: \"%s\" must be %s", i, key,
			                     want);
		}
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
				return lw_codec_fail(d->err, off,
				                     "record %zu: unsupported SenML version %g", i, ver);
		} else if (is_value_key(key)) {
			if (f->val)
				return lw_codec_fail(d->err, roff,
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

static int type_mismatch(struct dec *d, size_t i, size_t off, const char *ptext, int mt,
                         const char *key)
{
	return lw_codec_fail(d->err, off, "record %zu: %s is %s in the model, not \"%s\"", i, ptext,
	                     lw_type_name(mt), key);
}

static int decode_value(struct dec *d, size_t i, size_t roff, const struct fields *f,
                        lw_record *rec, const char *ptext)
{
	const char *k = f->val_key;
	const json_t *v = f->val;
	int mt = lwj_model_type(d->m, &rec->path);

	if (!strcmp(k, "v")) {
		struct lwj_num num;
		lwj_number(&d->cur, v, f->val_off, f->val_len, &num);
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
			return lw_codec_fail(d->err, f->val_off, "record %zu: value out of range", i);
		const char *why = lwj_number_value(rec, mt, &num);
		if (why && mt != LW_TYPE_INTEGER && mt != LW_TYPE_UNSIGNED && mt != LW_TYPE_TIME &&
		    mt != LW_TYPE_FLOAT)
			return type_mismatch(d, i, f->val_off, ptext, mt, k);
		if (why)
			return lw_codec_fail(d->err, f->val_off, "record %zu: %s: %s", i, ptext, why);
		return 0;
	}
	if (!strcmp(k, "vb")) {
		if (mt != LW_TYPE_BOOLEAN && mt != LW_TYPE_NONE)
			return type_mismatch(d, i, roff, ptext, mt, k);
		rec->type = LW_TYPE_BOOLEAN;
		rec->v.b = json_is_true(v);
		return 0;
	}
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (!strcmp(k, "vs")) {
		if (mt != LW_TYPE_STRING && mt != LW_TYPE_CORELNK && mt != LW_TYPE_NONE)
			return type_mismatch(d, i, roff, ptext, mt, k);
		rec->type = mt == LW_TYPE_CORELNK ? LW_TYPE_CORELNK : LW_TYPE_STRING;
		if (lw_records_set_bytes(d->out, rec, s, len))
			goto nomem;
		return 0;
	}
	if (!strcmp(k, "vd")) {
		if (mt != LW_TYPE_OPAQUE && mt != LW_TYPE_NONE)
			return type_mismatch(d, i, roff, ptext, mt, k);
		rec->type = LW_TYPE_OPAQUE;
		int rc = lwj_base64_value(d->out, rec, s, len);
		if (rc == LW_ENOMEM)
			goto nomem;
		if (rc)
			return lw_codec_fail(d->err, roff, "record %zu: \"vd\" is not base64url", i);
		return 0;
	}
	/* vlo */
	if (mt != LW_TYPE_OBJLNK && mt != LW_TYPE_NONE)
		return type_mismatch(d, i, roff, ptext, mt, k);
	rec->type = LW_TYPE_OBJLNK;
	if (lwj_objlnk_parse(s, len, &rec->v.l))
		return lw_codec_fail(d->err, roff,
		                     "record %zu: \"vlo\" is not an object link \"oid:iid\"", i);
	return 0;
nomem:
	lw_codec_fail(d->err, roff, "out of memory");
	return LW_ENOMEM;
}

static int decode_record(struct dec *d, size_t i, size_t roff, const json_t *rec)
{
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
	const char *n = f.n ? json_string_value(f.n) : "";
	size_t n_len = f.n ? json_string_length(f.n) : 0;
	const char *why = lwj_name_path(d->b.bn, d->b.bn_len, n, n_len, &path);
	if (why) {
		int bl = (int)(d->b.bn_len > 40 ? 40 : d->b.bn_len);
		int nl = (int)(n_len > 40 ? 40 : n_len);
		return lw_codec_fail(d->err, roff, "record %zu: name \"%.*s%.*s\": %s", i, bl,
		                     d->b.bn, nl, n, why);
	}
	char ptext[LW_PATH_MAX_TEXT];
	lw_path_format(&path, ptext, sizeof(ptext));
	if (d->base && !lw_path_covers(d->base, &path)) {
		char btext[LW_PATH_MAX_TEXT];
		lw_path_format(d->base, btext, sizeof(btext));
		return lw_codec_fail(d->err, roff, "record %zu: %s is outside the target %s", i,
		                     ptext, btext);
	}
	if (f.val && lw_path_depth(&path) < 3)
		return lw_codec_fail(d->err, roff,
		                     "record %zu: %s has a value but is not a resource path", i,
		                     ptext);

	/* RFC 8428 section 4.5.3: time is bt + t. Zero means "now", the same
	 * as no time at all; values below 2^28 are relative to now, which only
	 * the receiver knows, so they are kept as they are (README.md). */
	double time = d->b.bt + (f.t ? json_number_value(f.t) : 0);
	if (!isfinite(time))
		return lw_codec_fail(d->err, roff, "record %zu: time out of range", i);

	lw_record *r = lwj_add(d->out, roff, d->err, &rc);
	if (!r)
		return rc;
	r->path = path;
	if (time != 0) {
		r->has_time = 1;
		r->time = time;
	}
	if (!f.val)
		return 0; /* a name alone: LW_TYPE_NONE */
	return decode_value(d, i, roff, &f, r, ptext);
}

static int senml_json_decode(const lw_model *m, const lw_path *base, const uint8_t *data,
                             size_t len, lw_records *out, struct lw_codec_error *err)
{
	struct dec d = {.m = m, .base = base, .out = out, .err = err, .b = {.bn = ""}};
	int rc;
	json_t *root = lwj_load(data, len, &d.cur, err, &rc);
	if (!root)
		return rc;
	if (!json_is_array(root)) {
		size_t at = 0;
		while (at < len && (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' ||
		                    data[at] == '\n'))
			at++;
		json_decref(root);
		return lw_codec_fail(err, at, "SenML JSON is an array of records, not an object");
	}
	lwj_take_container(&d.cur);
	size_t i;
	json_t *rec;
	rc = 0;
	json_array_foreach(root, i, rec) {
		if (!json_is_object(rec)) {
			size_t at = d.cur.pos, n;
			if (json_is_number(rec))
				at = lwj_take_number(&d.cur, &n);
			else if (json_is_array(rec))
				at = lwj_take_container(&d.cur);
			rc = lw_codec_fail(err, at, "record %zu is not a JSON object", i);
			break;
		}
		size_t roff = lwj_take_container(&d.cur);
		rc = decode_record(&d, i, roff, rec);
		if (rc)
			break;
	}
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

		char num[32];
		switch (r->type) {
		case LW_TYPE_NONE:
			break;
		case LW_TYPE_STRING:
		case LW_TYPE_CORELNK:
			member(&e, "vs");
			if (!e.rc && lwj_put_string(out, r->v.s.data, r->v.s.len) == LW_EINVAL) {
				out->len = start;
				return lw_codec_fail(err, i, "record %zu (%s): string is not UTF-8", i,
				                     ptext);
			}
			break;
		case LW_TYPE_INTEGER:
		case LW_TYPE_TIME:
			member(&e, "v");
			snprintf(num, sizeof(num), "%" PRId64, r->v.i);
			put_text(&e, num);
			break;
		case LW_TYPE_UNSIGNED:
			member(&e, "v");
			snprintf(num, sizeof(num), "%" PRIu64, r->v.u);
			put_text(&e, num);
			break;
		case LW_TYPE_FLOAT:
			if (!isfinite(r->v.f)) {
				out->len = start;
				return lw_codec_fail(err, i, "record %zu (%s): %g has no JSON form", i,
				                     ptext, r->v.f);
			}
			member(&e, "v");
			put_number(&e, r->v.f, lwj_model_type(m, &r->path) != LW_TYPE_FLOAT);
			break;
		case LW_TYPE_BOOLEAN:
			member(&e, "vb");
			put_text(&e, r->v.b ? "true" : "false");
			break;
		case LW_TYPE_OPAQUE:
			member(&e, "vd");
			if (!e.rc)
				e.rc = lwj_put_base64(out, r->v.s.data, r->v.s.len, true);
			break;
		case LW_TYPE_OBJLNK:
			member(&e, "vlo");
			snprintf(num, sizeof(num), "\"%u:%u\"", (unsigned)r->v.l.oid,
			         (unsigned)r->v.l.iid);
			put_text(&e, num);
			break;
		}
		if (put_t) {
			member(&e, "t");
			put_number(&e, t, false);
		}
		put_text(&e, "}");
	}
	put_text(&e, "]");
	if (e.rc) {
		out->len = start;
		lw_codec_fail(err, 0, "%s", e.rc == LW_ENOSPC ? "output too large" : "out of memory");
		return e.rc;
	}
	return 0;
}

const struct lw_codec lw_codec_senml_json = {
	.content_format = LW_CF_SENML_JSON,
	.media_type = "application/senml+json",
	.name = "senml-json",
	.decode = senml_json_decode,
	.encode = senml_json_encode,
};
