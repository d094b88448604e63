/*
 * codec-json/json.c: the OMA JSON format of LwM2M 1.0 (content format 11543
 * "application/vnd.oma.lwm2m+json", and 1543 as LwM2M 1.0 drafts numbered
 * it), still spoken by 1.0 devices and kept, deprecated, in LwM2M 1.1.
 *
 * A payload is one object: {"bn":"/3/0/","bt":T,"e":[...]}. Each entry of e
 * has a name n relative to bn, an optional time t relative to bt, and one
 * value: v (number: integer, unsigned, float or time by the model), sv
 * (string; also core links and, base64-encoded, opaque values), bv (boolean)
 * or ov (object link "oid:iid"). The format carries no type, so the model
 * decides, as for SenML (README.md). Members may come in any order ("e"
 * before "bn" is seen in the field), so bn and bt are read first.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../codec-senml-json/jsonkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"

struct dec {
	const lw_model *m;
	const lw_path *base;
	struct lwj_cursor cur;
	lw_records *out;
	struct lw_codec_error *err;
	const char *bn;
	size_t bn_len;
	double bt;
};

static int mismatch(struct dec *d, size_t i, size_t off, const char *ptext, int mt,
                    const char *key)
{
	return lw_codec_fail(d->err, off, "entry %zu: %s is %s in the model, not \"%s\"", i, ptext,
	                     lw_type_name(mt), key);
}

static int decode_entry(struct dec *d, size_t i, size_t eoff, const json_t *ent)
{
	const json_t *n = NULL, *t = NULL, *val = NULL;
	const char *vkey = NULL, *key;
	size_t voff = eoff, vlen = 0;
	json_t *v;

	json_object_foreach((json_t *)ent, key, v) {
		size_t off = eoff, len = 0;
		bool number = json_is_number(v);
		if (number)
			off = lwj_take_number(&d->cur, &len);
		const char *want = NULL;
		if (!strcmp(key, "n") || !strcmp(key, "sv") || !strcmp(key, "ov"))
			want = json_is_string(v) ? NULL : "a string";
		else if (!strcmp(key, "t") || !strcmp(key, "v"))
			want = number ? NULL : "a number";
		else if (!strcmp(key, "bv"))
			want = json_is_boolean(v) ? NULL : "true or false";
		else {
			/* The format has no extension rule: unknown members are ignored. */
			if (!number)
				lwj_skip(&d->cur, v);
			continue;
		}
		if (want) {
			if (json_is_object(v) || json_is_array(v))
				off = lwj_take_container(&d->cur);
			return lw_codec_fail(d->err, off, "entry %zu: \"%s\" must be %s", i, key,
			                     want);
		}
		if (!strcmp(key, "n")) {
			n = v;
		} else if (!strcmp(key, "t")) {
			t = v;
		} else {
			if (val)
				return lw_codec_fail(d->err, eoff,
				                     "entry %zu: more than one value (\"%s\" and \"%s\")",
				                     i, vkey, key);
			val = v;
			vkey = key;
			voff = off;
			vlen = len;
		}
	}

	lw_path path;
	const char *ns = n ? json_string_value(n) : "";
	size_t ns_len = n ? json_string_length(n) : 0;
	const char *why = lwj_name_path(d->bn, d->bn_len, ns, ns_len, &path);
	if (why) {
		int bl = (int)(d->bn_len > 40 ? 40 : d->bn_len), nl = (int)(ns_len > 40 ? 40 : ns_len);
		return lw_codec_fail(d->err, eoff, "entry %zu: name \"%.*s%.*s\": %s", i, bl, d->bn,
		                     nl, ns, why);
	}
	char ptext[LW_PATH_MAX_TEXT];
	lw_path_format(&path, ptext, sizeof(ptext));
	if (d->base && !lw_path_covers(d->base, &path)) {
		char btext[LW_PATH_MAX_TEXT];
		lw_path_format(d->base, btext, sizeof(btext));
		return lw_codec_fail(d->err, eoff, "entry %zu: %s is outside the target %s", i,
		                     ptext, btext);
	}
	if (!val)
		return lw_codec_fail(d->err, eoff, "entry %zu (%s) has no value", i, ptext);
	if (lw_path_depth(&path) < 3)
		return lw_codec_fail(d->err, eoff, "entry %zu: %s is not a resource path", i, ptext);
	double time = d->bt + (t ? json_number_value(t) : 0);
	if (!isfinite(time))
		return lw_codec_fail(d->err, eoff, "entry %zu: time out of range", i);

	int rc = 0;
	lw_record *r = lwj_add(d->out, eoff, d->err, &rc);
	if (!r)
		return rc;
	r->path = path;
	if (time != 0) {
		r->has_time = 1;
		r->time = time;
	}

	int mt = lwj_model_type(d->m, &path);
	if (!strcmp(vkey, "v")) {
		struct lwj_num num;
		lwj_number(&d->cur, val, voff, vlen, &num);
		why = lwj_number_value(r, mt, &num);
		if (why && mt != LW_TYPE_INTEGER && mt != LW_TYPE_UNSIGNED && mt != LW_TYPE_TIME &&
		    mt != LW_TYPE_FLOAT)
			return mismatch(d, i, voff, ptext, mt, vkey);
		if (why)
			return lw_codec_fail(d->err, voff, "entry %zu: %s: %s", i, ptext, why);
		return 0;
	}
	if (!strcmp(vkey, "bv")) {
		if (mt != LW_TYPE_BOOLEAN && mt != LW_TYPE_NONE)
			return mismatch(d, i, eoff, ptext, mt, vkey);
		r->type = LW_TYPE_BOOLEAN;
		r->v.b = json_is_true(val);
		return 0;
	}
	const char *s = json_string_value(val);
	size_t len = json_string_length(val);
	if (!strcmp(vkey, "ov")) {
		if (mt != LW_TYPE_OBJLNK && mt != LW_TYPE_NONE)
			return mismatch(d, i, eoff, ptext, mt, vkey);
		r->type = LW_TYPE_OBJLNK;
		if (lwj_objlnk_parse(s, len, &r->v.l))
			return lw_codec_fail(d->err, eoff,
			                     "entry %zu: \"ov\" is not an object link \"oid:iid\"", i);
		return 0;
	}
	/* sv */
	switch (mt) {
	case LW_TYPE_OPAQUE:
		r->type = LW_TYPE_OPAQUE;
		rc = lwj_base64_value(d->out, r, s, len);
		if (rc == LW_EINVAL)
			return lw_codec_fail(d->err, eoff, "entry %zu: opaque \"sv\" is not base64", i);
		break;
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
	case LW_TYPE_NONE:
		r->type = mt == LW_TYPE_NONE ? LW_TYPE_STRING : (uint8_t)mt;
		rc = lw_records_set_bytes(d->out, r, s, len);
		break;
	default:
		return mismatch(d, i, eoff, ptext, mt, vkey);
	}
	if (rc) {
		lw_codec_fail(d->err, eoff, "out of memory");
		return LW_ENOMEM;
	}
	return 0;
}

static int json_decode(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
                       lw_records *out, struct lw_codec_error *err)
{
	struct dec d = {.m = m, .base = base, .out = out, .err = err, .bn = ""};
	int rc;
	json_t *root = lwj_load(data, len, &d.cur, err, &rc);
	if (!root)
		return rc;
	if (!json_is_object(root)) {
		size_t at = 0;
		while (at < len && (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' ||
		                    data[at] == '\n'))
			at++;
		json_decref(root);
		return lw_codec_fail(err, at, "OMA JSON is an object with an \"e\" array");
	}
	size_t root_off = lwj_take_container(&d.cur);

	/* Root members first: bn and bt apply to entries written before them. */
	const json_t *e = NULL;
	struct lwj_cursor at_e = d.cur;
	const char *key;
	json_t *v;
	rc = 0;
	json_object_foreach(root, key, v) {
		size_t off = root_off, n;
		if (json_is_number(v))
			off = lwj_take_number(&d.cur, &n);
		if (!strcmp(key, "bn")) {
			if (!json_is_string(v)) {
				rc = lw_codec_fail(err, off, "\"bn\" must be a string");
				break;
			}
			d.bn = json_string_value(v);
			d.bn_len = json_string_length(v);
		} else if (!strcmp(key, "bt")) {
			if (!json_is_number(v)) {
				rc = lw_codec_fail(err, off, "\"bt\" must be a number");
				break;
			}
			d.bt = json_number_value(v);
		} else if (!strcmp(key, "e")) {
			if (!json_is_array(v)) {
				if (json_is_object(v))
					off = lwj_take_container(&d.cur);
				rc = lw_codec_fail(err, off, "\"e\" must be an array");
				break;
			}
			e = v;
			at_e = d.cur;
			lwj_skip(&d.cur, v);
		} else if (!json_is_number(v)) {
			lwj_skip(&d.cur, v);
		}
	}
	if (!rc && !e)
		rc = lw_codec_fail(err, root_off, "no \"e\" array");
	if (rc) {
		json_decref(root);
		return rc;
	}

	d.cur = at_e;
	lwj_take_container(&d.cur);
	size_t i;
	json_t *ent;
	json_array_foreach(e, i, ent) {
		if (!json_is_object(ent)) {
			size_t at = d.cur.pos, n;
			if (json_is_number(ent))
				at = lwj_take_number(&d.cur, &n);
			else if (json_is_array(ent))
				at = lwj_take_container(&d.cur);
			rc = lw_codec_fail(err, at, "entry %zu is not a JSON object", i);
			break;
		}
		size_t eoff = lwj_take_container(&d.cur);
		rc = decode_entry(&d, i, eoff, ent);
		if (rc)
			break;
	}
	json_decref(root);
	return rc;
}

/* ---- encoding ---- */

static int put(lw_buf *b, const char *s)
{
	return lw_buf_append(b, s, strlen(s));
}

static int json_encode(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
                       struct lw_codec_error *err)
{
	struct lwj_naming nm;
	size_t start = out->len;
	int rc = 0;

	/* One base time for all: the first record's, unless some difference
	 * would not read back exactly; then times are written whole. */
	double bt = 0;
	for (size_t i = 0; i < in->n; i++) {
		const lw_record *r = &in->items[i];
		if (r->has_time && r->time != 0 && isfinite(r->time)) {
			bt = r->time;
			break;
		}
	}
	for (size_t i = 0; i < in->n && bt != 0; i++) {
		const lw_record *r = &in->items[i];
		if (r->has_time && r->time != 0 && isfinite(r->time) && bt + (r->time - bt) != r->time)
			bt = 0;
	}

	lwj_pick_naming(in, true, &nm);
	rc = put(out, "{\"bn\":\"");
	if (!rc)
		rc = put(out, nm.bn);
	if (!rc)
		rc = put(out, "\"");
	if (!rc && bt != 0) {
		rc = put(out, ",\"bt\":");
		if (!rc)
			rc = lwj_put_double(out, bt, false);
	}
	if (!rc)
		rc = put(out, ",\"e\":[");
	for (size_t i = 0; i < in->n && !rc; i++) {
		const lw_record *r = &in->items[i];
		char ptext[LW_PATH_MAX_TEXT], name[LW_PATH_MAX_TEXT], num[40];
		lw_path_format(&r->path, ptext, sizeof(ptext));
		const char *why = lwj_check_record(base, r);
		if (!why && r->type == LW_TYPE_NONE)
			why = "OMA JSON has no form for a record without a value";
		if (!why && r->type == LW_TYPE_FLOAT && !isfinite(r->v.f))
			why = "infinite or NaN float has no JSON form";
		if (why) {
			out->len = start;
			return lw_codec_fail(err, i, "record %zu (%s): %s", i, ptext, why);
		}
		rc = put(out, i ? ",{" : "{");
		lwj_relative_name(&nm, &r->path, name, sizeof(name));
		bool comma = false;
		if (!rc && name[0]) {
			rc = put(out, "\"n\":\"");
			if (!rc)
				rc = put(out, name);
			if (!rc)
				rc = put(out, "\"");
			comma = true;
		}
		if (!rc)
			rc = put(out, comma ? "," : "");
		if (rc)
			break;
		switch (r->type) {
		case LW_TYPE_STRING:
		case LW_TYPE_CORELNK:
			rc = put(out, "\"sv\":");
			if (!rc && lwj_put_string(out, r->v.s.data, r->v.s.len) == LW_EINVAL) {
				out->len = start;
				return lw_codec_fail(err, i, "record %zu (%s): string is not UTF-8", i,
				                     ptext);
			}
			break;
		case LW_TYPE_OPAQUE:
			rc = put(out, "\"sv\":");
			if (!rc)
				rc = lwj_put_base64(out, r->v.s.data, r->v.s.len, false);
			break;
		case LW_TYPE_INTEGER:
		case LW_TYPE_TIME:
			snprintf(num, sizeof(num), "\"v\":%" PRId64, r->v.i);
			rc = put(out, num);
			break;
		case LW_TYPE_UNSIGNED:
			snprintf(num, sizeof(num), "\"v\":%" PRIu64, r->v.u);
			rc = put(out, num);
			break;
		case LW_TYPE_FLOAT:
			rc = put(out, "\"v\":");
			if (!rc)
				rc = lwj_put_double(out, r->v.f,
				                    lwj_model_type(m, &r->path) != LW_TYPE_FLOAT);
			break;
		case LW_TYPE_BOOLEAN:
			rc = put(out, r->v.b ? "\"bv\":true" : "\"bv\":false");
			break;
		case LW_TYPE_OBJLNK:
			snprintf(num, sizeof(num), "\"ov\":\"%u:%u\"", (unsigned)r->v.l.oid,
			         (unsigned)r->v.l.iid);
			rc = put(out, num);
			break;
		}
		/* t relative to bt; an untimed record gets -bt, which reads as 0. */
		bool timed = r->has_time && r->time != 0;
		double t = timed ? r->time - bt : -bt;
		if (!rc && t != 0) {
			rc = put(out, ",\"t\":");
			if (!rc)
				rc = lwj_put_double(out, t, false);
		}
		if (!rc)
			rc = put(out, "}");
	}
	if (!rc)
		rc = put(out, "]}");
	if (rc) {
		out->len = start;
		lw_codec_fail(err, 0, "%s", rc == LW_ENOSPC ? "output too large" : "out of memory");
	}
	return rc;
}

const struct lw_codec lw_codec_json = {
	.content_format = LW_CF_JSON,
	.media_type = "application/vnd.oma.lwm2m+json",
	.name = "json",
	.decode = json_decode,
	.encode = json_encode,
};

/* The number LwM2M 1.0 drafts and early devices used for the same format. */
const struct lw_codec lw_codec_json_legacy = {
	.content_format = LW_CF_JSON_LEGACY,
	.media_type = "application/vnd.oma.lwm2m+json",
	.name = "json-legacy",
	.decode = json_decode,
	.encode = json_encode,
};
