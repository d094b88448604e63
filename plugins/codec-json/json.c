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
#include <math.h>
#include <string.h>

#include "../codec-senml-json/jsonkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"

/* The decoder's state: the shared part first (lwj_each_element hands it
 * back), then bn and bt, which apply to every entry. */
struct dec {
	struct lwj_dec j;
	const char *bn;
	size_t bn_len;
	double bt;
};

/* The JSON type of an entry's member (lwj_member); 0: not of the format,
 * ignored, as it has no extension rule. */
static char member_kind(const char *key)
{
	if (!strcmp(key, "n") || !strcmp(key, "sv") || !strcmp(key, "ov"))
		return 's';
	if (!strcmp(key, "t") || !strcmp(key, "v"))
		return 'n';
	if (!strcmp(key, "bv"))
		return 'b';
	return 0;
}

static int decode_entry(struct lwj_dec *jd, size_t i, size_t eoff, const json_t *ent)
{
	const struct dec *d = (const struct dec *)jd;
	const json_t *n = NULL, *t = NULL, *val = NULL;
	const char *vkey = NULL, *key;
	size_t voff = eoff, vlen = 0;
	json_t *v;
	int rc;

	json_object_foreach((json_t *)ent, key, v) {
		size_t off, len;
		char kind = member_kind(key);
		if ((rc = lwj_member(jd, i, eoff, key, v, kind, &off, &len)))
			return rc;
		if (!kind)
			continue;
		if (!strcmp(key, "n")) {
			n = v;
		} else if (!strcmp(key, "t")) {
			t = v;
		} else {
			if (val)
				return lw_codec_fail(jd->err, eoff,
				                     "entry %zu: more than one value (\"%s\" and \"%s\")",
				                     i, vkey, key);
			val = v;
			vkey = key;
			voff = off;
			vlen = len;
		}
	}

	lw_path path;
	char ptext[LW_PATH_MAX_TEXT];
	rc = lwj_element_path(jd, i, eoff, d->bn, d->bn_len, n ? json_string_value(n) : "",
	                      n ? json_string_length(n) : 0, &path, ptext);
	if (rc)
		return rc;
	if (!val)
		return lw_codec_fail(jd->err, eoff, "entry %zu (%s) has no value", i, ptext);
	if (lw_path_depth(&path) < 3)
		return lw_codec_fail(jd->err, eoff, "entry %zu: %s is not a resource path", i, ptext);
	lw_record *r =
		lwj_element_record(jd, i, eoff, &path, d->bt + (t ? json_number_value(t) : 0), &rc);
	if (!r)
		return rc;

	int mt = lwj_model_type(jd->m, &path);
	if (!strcmp(vkey, "v")) {
		struct lwj_num num;
		lwj_number(&jd->cur, val, voff, vlen, &num);
		return lwj_store_number(jd, i, voff, r, mt, vkey, &num, ptext);
	}
	if (!strcmp(vkey, "bv"))
		return lwj_store_bool(jd, i, eoff, r, mt, vkey, val, ptext);
	if (!strcmp(vkey, "ov"))
		return lwj_store_objlnk(jd, i, eoff, r, mt, vkey, val, ptext);
	/* sv: a string, a core link, or an opaque value in base64 when the
	 * model says opaque. */
	if (mt != LW_TYPE_OPAQUE)
		return lwj_store_string(jd, i, eoff, r, mt, vkey, val, ptext);
	r->type = LW_TYPE_OPAQUE;
	rc = lwj_base64_value(jd->out, r, json_string_value(val), json_string_length(val));
	if (rc == LW_EINVAL)
		return lw_codec_fail(jd->err, eoff, "entry %zu: opaque \"sv\" is not base64", i);
	return rc ? lwj_nomem(jd, eoff) : 0;
}

static int json_decode(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
                       lw_records *out, struct lw_codec_error *err)
{
	struct dec d = {.j = {.m = m, .base = base, .out = out, .err = err, .what = "entry"},
	                .bn = ""};
	struct lwj_cursor *cur = &d.j.cur;
	int rc;
	json_t *root = lwj_load(data, len, cur, err, &rc);
	if (!root)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return lw_codec_fail(err, lwj_skip_space(data, len),
		                     "OMA JSON is an object with an \"e\" array");
	}
	size_t root_off = lwj_take_container(cur);

	/* Root members first: bn and bt apply to entries written before them. */
	const json_t *e = NULL;
	struct lwj_cursor at_e = *cur;
	const char *key;
	json_t *v;
	rc = 0;
	json_object_foreach(root, key, v) {
		size_t off = root_off, n;
		if (json_is_number(v))
			off = lwj_take_number(cur, &n);
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
					off = lwj_take_container(cur);
				rc = lw_codec_fail(err, off, "\"e\" must be an array");
				break;
			}
			e = v;
			at_e = *cur;
			lwj_skip(cur, v);
		} else if (!json_is_number(v)) {
			lwj_skip(cur, v);
		}
	}
	if (!rc && !e)
		rc = lw_codec_fail(err, root_off, "no \"e\" array");
	if (!rc) {
		*cur = at_e;
		lwj_take_container(cur);
		rc = lwj_each_element(&d.j, e, decode_entry);
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
	static const char *const keys[LW_TYPE_CORELNK + 1] = {
		[LW_TYPE_STRING] = "sv", [LW_TYPE_INTEGER] = "v",  [LW_TYPE_UNSIGNED] = "v",
		[LW_TYPE_FLOAT] = "v",   [LW_TYPE_BOOLEAN] = "bv", [LW_TYPE_OPAQUE] = "sv",
		[LW_TYPE_TIME] = "v",    [LW_TYPE_OBJLNK] = "ov",  [LW_TYPE_CORELNK] = "sv",
	};
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
		char ptext[LW_PATH_MAX_TEXT], name[LW_PATH_MAX_TEXT];
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
		if (!rc) {
			rc = lwj_put_value(out, m, r, keys, comma, false, i, start, err);
			if (rc == LW_EINVAL)
				return rc;
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
	return rc ? lwj_output_failed(out, start, rc, err) : 0;
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
