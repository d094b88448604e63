/*
 * lwm2m/records_json.c: records and links <-> the JSON of the REST API (see
 * records_json.h). The readers judge request bodies from any client, so they
 * check everything and say exactly where the problem is; the writers must
 * never fail on what a device sent, so bytes that JSON cannot carry as they
 * are (strings that are not UTF-8, NaN) get a documented stand-in.
 */
#include "lwm2m/records_json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "lwm2m/path.h"

/* ---- text helpers ---- */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	uint32_t min, cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A JSON string of bytes that should be UTF-8: each bad byte becomes U+FFFD. */
static json_t *text_string(const uint8_t *s, size_t len)
{
	size_t bad = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(s + i, len - i);
		if (!k) {
			bad++;
			k = 1;
		}
		i += k;
	}
	if (!bad)
		return json_stringn_nocheck((const char *)s, len);
	char *fixed = malloc(len + 2 * bad);
	if (!fixed)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_seq(s + i, len - i);
		if (!k) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			continue;
		}
		memcpy(fixed + o, s + i, k);
		o += k;
		i += k;
	}
	json_t *j = json_stringn_nocheck(fixed, o);
	free(fixed);
	return j;
}

/* The shortest "%.Ng" that reads back as d, with ".0" added when it would
 * otherwise read as an integer. buf holds at least 32 bytes. */
static void fmt_real(double d, char *buf, size_t cap)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (!strpbrk(buf, ".eEni")) /* "inf"/"nan" never reach here: callers check */
		strncat(buf, ".0", cap - strlen(buf) - 1);
}

/* ---- records -> JSON ---- */

static json_t *record_value(const lw_record *rec)
{
	char tmp[48];
	switch (rec->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
		return text_string(rec->v.s.data, rec->v.s.len);
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		return json_integer(rec->v.i);
	case LW_TYPE_UNSIGNED:
		if (rec->v.u <= INT64_MAX)
			return json_integer((json_int_t)rec->v.u);
		snprintf(tmp, sizeof(tmp), "%" PRIu64, rec->v.u);
		return json_string(tmp);
	case LW_TYPE_FLOAT:
		if (isnan(rec->v.f))
			return json_string("NaN");
		if (isinf(rec->v.f))
			return json_string(rec->v.f > 0 ? "Infinity" : "-Infinity");
		return json_real(rec->v.f);
	case LW_TYPE_BOOLEAN:
		return json_boolean(rec->v.b);
	case LW_TYPE_OPAQUE: {
		size_t n = rec->v.s.len;
		size_t cap = lw_base64_encoded_len(n, 0);
		char *b = cap < SIZE_MAX ? malloc(cap + 1) : NULL;
		if (!b)
			return NULL;
		size_t len = lw_base64_encode(rec->v.s.data, n, b, 0);
		json_t *j = json_stringn_nocheck(b, len);
		free(b);
		return j;
	}
	case LW_TYPE_OBJLNK:
		snprintf(tmp, sizeof(tmp), "%u:%u", rec->v.l.oid, rec->v.l.iid);
		return json_string(tmp);
	default:
		return NULL;
	}
}

/* json_object_set_new that also frees the value when the object is NULL. */
static int set(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return LW_ENOMEM;
	return json_object_set_new(obj, key, v) ? LW_ENOMEM : 0;
}

static int record_to_json(const lw_record *rec, json_t **out)
{
	if (rec->type > LW_TYPE_CORELNK)
		return LW_EINVAL;
	if (rec->has_time && !isfinite(rec->time))
		return LW_EINVAL;
	json_t *o = json_object();
	if (!o)
		return LW_ENOMEM;
	char path[LW_PATH_MAX_TEXT];
	lw_path_format(&rec->path, path, sizeof(path));
	int rc = set(o, "path", json_string(path));
	if (!rc)
		rc = set(o, "type", json_string(lw_type_name(rec->type)));
	if (!rc && rec->type != LW_TYPE_NONE)
		rc = set(o, "value", record_value(rec));
	if (!rc && rec->has_time) {
		/* Whole seconds read better as integers; 2^53 keeps them exact.
		 * (Range first: the cast is only defined for values that fit.) */
		double t = rec->time;
		if (t > -9007199254740992.0 && t < 9007199254740992.0 && t == (double)(int64_t)t)
			rc = set(o, "time", json_integer((json_int_t)t));
		else
			rc = set(o, "time", json_real(t));
	}
	if (rc) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

int lw_records_to_json(const lw_records *r, json_t **out)
{
	json_t *arr = json_array();
	if (!arr)
		return LW_ENOMEM;
	for (size_t i = 0; i < r->n; i++) {
		json_t *o;
		int rc = record_to_json(&r->items[i], &o);
		if (!rc && json_array_append_new(arr, o))
			rc = LW_ENOMEM;
		if (rc) {
			json_decref(arr);
			return rc;
		}
	}
	*out = arr;
	return 0;
}

/* ---- JSON -> records ---- */

static int failf(char *err, size_t errlen, const char *fmt, ...) LW_PRINTF(3, 4);
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return LW_EINVAL;
}

static const char *json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* Decimal digits only, no sign, no leading zero, within max. */
static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	if (len == 0 || (len > 1 && s[0] == '0'))
		return -1;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* The value member for the record's type; rec->type is set. */
static int read_value(const json_t *v, lw_records *out, lw_record *rec, size_t i, char *err,
                      size_t errlen)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t slen = s ? json_string_length(v) : 0;
	uint64_t u;
	switch (rec->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
		if (!s)
			break;
		return lw_records_set_bytes(out, rec, s, slen);
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		if (!json_is_integer(v))
			break;
		rec->v.i = json_integer_value(v);
		return 0;
	case LW_TYPE_UNSIGNED:
		if (json_is_integer(v)) {
			if (json_integer_value(v) < 0)
				return failf(err, errlen,
				             "records[%zu].value: %" JSON_INTEGER_FORMAT
				             " is out of range for unsigned (0 to 18446744073709551615)",
				             i, json_integer_value(v));
			rec->v.u = (uint64_t)json_integer_value(v);
			return 0;
		}
		if (s) {
			if (parse_decimal(s, slen, UINT64_MAX, &u))
				return failf(err, errlen,
				             "records[%zu].value: expected an unsigned integer (0 to 18446744073709551615)",
				             i);
			rec->v.u = u;
			return 0;
		}
		return failf(err, errlen, "records[%zu].value: expected an unsigned integer, not %s", i,
		             json_kind(v));
	case LW_TYPE_FLOAT:
		if (json_is_number(v)) {
			rec->v.f = json_number_value(v);
			return 0;
		}
		if (s && strcmp(s, "NaN") == 0)
			rec->v.f = NAN;
		else if (s && strcmp(s, "Infinity") == 0)
			rec->v.f = INFINITY;
		else if (s && strcmp(s, "-Infinity") == 0)
			rec->v.f = -INFINITY;
		else
			return failf(err, errlen, "records[%zu].value: expected a number, not %s", i,
			             s ? "a string" : json_kind(v));
		return 0;
	case LW_TYPE_BOOLEAN:
		if (!json_is_boolean(v))
			break;
		rec->v.b = json_is_true(v);
		return 0;
	case LW_TYPE_OPAQUE: {
		if (!s)
			break;
		uint8_t *b = malloc(lw_base64_decoded_max(slen) + 1);
		if (!b)
			return LW_ENOMEM;
		size_t n = 0;
		struct lw_base64_error be;
		int rc = lw_base64_decode(s, slen, b, &n, 0, &be)
		                 ? failf(err, errlen,
		                         "records[%zu].value: invalid base64 at character %zu", i,
		                         be.offset)
		                 : lw_records_set_bytes(out, rec, b, n);
		free(b);
		return rc;
	}
	case LW_TYPE_OBJLNK: {
		const char *colon = s ? memchr(s, ':', slen) : NULL;
		uint64_t o, in;
		if (!colon || parse_decimal(s, (size_t)(colon - s), 65535, &o) ||
		    parse_decimal(colon + 1, slen - (size_t)(colon - s) - 1, 65535, &in))
			return failf(err, errlen,
			             "records[%zu].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)",
			             i);
		rec->v.l.oid = (uint16_t)o;
		rec->v.l.iid = (uint16_t)in;
		return 0;
	}
	}
	static const char *const want[] = {
		[LW_TYPE_STRING] = "a string",    [LW_TYPE_INTEGER] = "an integer",
		[LW_TYPE_BOOLEAN] = "true or false", [LW_TYPE_OPAQUE] = "a base64 string",
		[LW_TYPE_TIME] = "an integer (seconds since the epoch)",
		[LW_TYPE_CORELNK] = "a string",
	};
	return failf(err, errlen, "records[%zu].value: expected %s, not %s", i, want[rec->type],
	             json_kind(v));
}

static int record_from_json(const json_t *o, size_t i, lw_records *out, char *err, size_t errlen)
{
	if (!json_is_object(o))
		return failf(err, errlen, "records[%zu]: expected an object, not %s", i, json_kind(o));
	const char *key;
	json_t *m;
	json_object_foreach((json_t *)o, key, m) {
		if (strcmp(key, "path") && strcmp(key, "type") && strcmp(key, "value") &&
		    strcmp(key, "time"))
			return failf(err, errlen, "records[%zu].%.40s: unknown member (expected path, type, value, time)",
			             i, key);
	}
	const json_t *jp = json_object_get(o, "path"), *jt = json_object_get(o, "type");
	const json_t *jv = json_object_get(o, "value"), *jtime = json_object_get(o, "time");
	if (!jp)
		return failf(err, errlen, "records[%zu].path: missing", i);
	if (!json_is_string(jp))
		return failf(err, errlen, "records[%zu].path: expected a string, not %s", i,
		             json_kind(jp));
	lw_path path;
	const char *why;
	const char *ps = json_string_value(jp);
	if (lw_path_parse(ps, json_string_length(jp), &path, &why))
		return failf(err, errlen, "records[%zu].path: \"%.40s\": %s", i, ps, why);
	if (lw_path_depth(&path) < 3)
		return failf(err, errlen,
		             "records[%zu].path: \"%.40s\" is not a resource or resource instance path",
		             i, ps);
	if (!jt)
		return failf(err, errlen, "records[%zu].type: missing", i);
	int type = -1;
	if (json_is_string(jt))
		for (int t = LW_TYPE_NONE; t <= LW_TYPE_CORELNK; t++)
			if (strcmp(json_string_value(jt), lw_type_name(t)) == 0)
				type = t;
	if (type < 0)
		return failf(err, errlen,
		             "records[%zu].type: expected one of string, integer, unsigned, float, boolean, opaque, time, objlnk, corelnk, none",
		             i);
	if (type == LW_TYPE_NONE && jv)
		return failf(err, errlen, "records[%zu].value: type none takes no value", i);
	if (type != LW_TYPE_NONE && !jv)
		return failf(err, errlen, "records[%zu].value: missing", i);
	if (jtime && !json_is_number(jtime))
		return failf(err, errlen, "records[%zu].time: expected a number, not %s", i,
		             json_kind(jtime));
	lw_record *rec = lw_records_add(out);
	if (!rec) {
		if (out->max_items && out->n >= out->max_items)
			return failf(err, errlen, "records[%zu]: too many records (at most %zu)", i,
			             out->max_items);
		return LW_ENOMEM;
	}
	rec->path = path;
	rec->type = (uint8_t)type;
	if (jtime) {
		rec->has_time = 1;
		rec->time = json_number_value(jtime);
	}
	int rc = type == LW_TYPE_NONE ? 0 : read_value(jv, out, rec, i, err, errlen);
	if (rc)
		out->n--; /* the half-made record goes; its bytes stay in the arena */
	return rc;
}

int lw_records_from_json(const json_t *arr, lw_records *out, char *err, size_t errlen)
{
	if (!json_is_array(arr))
		return failf(err, errlen, "records: expected an array, not %s",
		             arr ? json_kind(arr) : "nothing");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		int rc = record_from_json(json_array_get(arr, i), i, out, err, errlen);
		if (rc) {
			if (rc == LW_ENOMEM)
				failf(err, errlen, "records[%zu]: out of memory", i);
			return rc;
		}
	}
	return 0;
}

/* ---- links <-> JSON ---- */

/* A bare value that reads back as the same text becomes a JSON number. */
static json_t *attr_number(const char *s)
{
	size_t i = 0, len = strlen(s);
	int real = 0;
	if (s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return NULL;
	if (s[i] == '0' && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '9')
		return NULL;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < len && s[i] == '.') {
		real = 1;
		size_t d = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d)
			return NULL;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
		real = 1, i = len + 1; /* exponents never read back the same: keep text */
	if (i != len)
		return NULL;
	char back[40];
	errno = 0;
	if (!real) {
		long long v = strtoll(s, NULL, 10);
		if (errno)
			return NULL;
		snprintf(back, sizeof(back), "%lld", v);
		return strcmp(back, s) == 0 ? json_integer(v) : NULL;
	}
	double d = strtod(s, NULL);
	if (errno || !isfinite(d))
		return NULL;
	fmt_real(d, back, sizeof(back));
	return strcmp(back, s) == 0 ? json_real(d) : NULL;
}

int lw_links_to_json(const lw_links *l, json_t **out)
{
	json_t *arr = json_array();
	if (!arr)
		return LW_ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		const struct lw_link *k = &l->items[i];
		json_t *o = json_object(), *attrs = json_object();
		int rc = o && attrs ? 0 : LW_ENOMEM;
		if (!rc)
			rc = set(o, "path", text_string((const uint8_t *)k->target, strlen(k->target)));
		for (size_t a = 0; a < k->n_attrs && !rc; a++) {
			const struct lw_link_attr *at = &k->attrs[a];
			if (json_object_get(attrs, at->name))
				continue; /* a repeated attribute: the first one counts */
			json_t *v = NULL;
			if (!at->value)
				v = json_null();
			else if (!at->quoted && strcmp(at->name, "ver") != 0)
				v = attr_number(at->value);
			if (!v)
				v = text_string((const uint8_t *)at->value, strlen(at->value));
			/* Names came through the link decoder; jansson wants UTF-8 keys. */
			json_t *name = text_string((const uint8_t *)at->name, strlen(at->name));
			if (!name || !v) {
				json_decref(name);
				json_decref(v);
				rc = LW_ENOMEM;
				break;
			}
			rc = set(attrs, json_string_value(name), v);
			json_decref(name);
		}
		if (!rc) {
			rc = set(o, "attributes", attrs);
			attrs = NULL;
		}
		if (!rc) {
			/* append_new takes o in every case, also when it fails */
			rc = json_array_append_new(arr, o) ? LW_ENOMEM : 0;
			o = NULL;
		}
		if (rc) {
			json_decref(attrs);
			json_decref(o);
			json_decref(arr);
			return rc;
		}
	}
	*out = arr;
	return 0;
}

/* Attributes that RFC 6690 (rt, if, anchor, title, ...) and the LwM2M
 * specification write in quotes. */
static int quoted_by_custom(const char *name)
{
	static const char *const names[] = {"rt", "if", "anchor", "rel", "rev", "title",
	                                    "type", "media", NULL};
	for (int k = 0; names[k]; k++)
		if (strcmp(names[k], name) == 0)
			return 1;
	return 0;
}

static int bad_char(const char *s, size_t len, int name)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];
		if (c < 0x20 || c == 0x7f || c == ' ' || c == '<' || c == '>')
			return 1;
		if (name && strchr(",;\"=\\", c))
			return 1;
	}
	return 0;
}

static int link_from_json(const json_t *o, size_t i, lw_links *out, char *err, size_t errlen)
{
	if (!json_is_object(o))
		return failf(err, errlen, "links[%zu]: expected an object, not %s", i, json_kind(o));
	const char *key;
	json_t *m;
	json_object_foreach((json_t *)o, key, m) {
		if (strcmp(key, "path") && strcmp(key, "attributes"))
			return failf(err, errlen,
			             "links[%zu].%.40s: unknown member (expected path, attributes)", i, key);
	}
	const json_t *jp = json_object_get(o, "path"), *ja = json_object_get(o, "attributes");
	if (!jp)
		return failf(err, errlen, "links[%zu].path: missing", i);
	if (!json_is_string(jp))
		return failf(err, errlen, "links[%zu].path: expected a string, not %s", i,
		             json_kind(jp));
	const char *target = json_string_value(jp);
	size_t tlen = json_string_length(jp);
	if (bad_char(target, tlen, 0))
		return failf(err, errlen,
		             "links[%zu].path: a link target cannot hold spaces, controls, '<' or '>'", i);
	if (ja && !json_is_object(ja))
		return failf(err, errlen, "links[%zu].attributes: expected an object, not %s", i,
		             json_kind(ja));
	if (!lw_links_add(out, target, tlen)) {
		if (out->max_items && out->n >= out->max_items)
			return failf(err, errlen, "links[%zu]: too many links (at most %zu)", i,
			             out->max_items);
		return LW_ENOMEM;
	}
	json_object_foreach((json_t *)ja, key, m) {
		size_t klen = strlen(key);
		if (klen == 0 || bad_char(key, klen, 1))
			return failf(err, errlen,
			             "links[%zu].attributes.%.40s: not a valid attribute name", i, key);
		char num[40];
		const char *v = NULL;
		size_t vlen = 0;
		int quoted = 0;
		if (json_is_integer(m)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(m));
			v = num;
		} else if (json_is_real(m)) {
			fmt_real(json_real_value(m), num, sizeof(num));
			v = num;
		} else if (json_is_string(m)) {
			v = json_string_value(m);
			vlen = json_string_length(m);
			if (memchr(v, '\0', vlen))
				return failf(err, errlen,
				             "links[%zu].attributes.%.40s: a value cannot hold NUL", i, key);
			quoted = quoted_by_custom(key);
		} else if (!json_is_null(m)) {
			return failf(err, errlen,
			             "links[%zu].attributes.%.40s: expected a number, a string or null, not %s",
			             i, key, json_kind(m));
		}
		if (v && v == num)
			vlen = strlen(num);
		if (lw_links_add_attr(out, key, klen, v, vlen, quoted))
			return LW_ENOMEM;
	}
	return 0;
}

int lw_links_from_json(const json_t *arr, lw_links *out, char *err, size_t errlen)
{
	if (!json_is_array(arr))
		return failf(err, errlen, "links: expected an array, not %s",
		             arr ? json_kind(arr) : "nothing");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		int rc = link_from_json(json_array_get(arr, i), i, out, err, errlen);
		if (rc) {
			if (rc == LW_ENOMEM)
				failf(err, errlen, "links[%zu]: out of memory", i);
			return rc;
		}
	}
	return 0;
}

/* ---- dumping ---- */

struct sink {
	char *data;
	size_t len, cap;
	int failed;
};

static void put(struct sink *s, const char *p, size_t n)
{
	if (s->failed)
		return;
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *d = realloc(s->data, cap);
		if (!d) {
			s->failed = 1;
			return;
		}
		s->data = d;
		s->cap = cap;
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	s->data[s->len] = '\0';
}

static void puts_(struct sink *s, const char *p)
{
	put(s, p, strlen(p));
}

static void put_string(struct sink *s, const char *p, size_t n)
{
	put(s, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];
		const char *esc = NULL;
		char u[8];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				esc = u;
			}
		}
		if (!esc)
			continue;
		put(s, p + run, i - run);
		puts_(s, esc);
		run = i + 1;
	}
	put(s, p + run, n - run);
	put(s, "\"", 1);
}

static void newline(struct sink *s, int indent, int level)
{
	if (!indent)
		return;
	put(s, "\n", 1);
	for (int i = 0; i < indent * level; i++)
		put(s, " ", 1);
}

static void dump(struct sink *s, const json_t *j, int indent, int level)
{
	char num[48];
	if (level > 64) { /* nothing of ours nests like that: refuse, do not recurse */
		s->failed = 1;
		return;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		if (json_object_size(j) == 0) {
			puts_(s, "{}");
			return;
		}
		put(s, "{", 1);
		const char *key;
		json_t *v;
		int first = 1;
		json_object_foreach((json_t *)j, key, v) {
			if (!first)
				put(s, ",", 1);
			first = 0;
			newline(s, indent, level + 1);
			put_string(s, key, strlen(key));
			puts_(s, indent ? ": " : ":");
			dump(s, v, indent, level + 1);
		}
		newline(s, indent, level);
		put(s, "}", 1);
		return;
	}
	case JSON_ARRAY: {
		if (json_array_size(j) == 0) {
			puts_(s, "[]");
			return;
		}
		put(s, "[", 1);
		for (size_t i = 0; i < json_array_size(j); i++) {
			if (i)
				put(s, ",", 1);
			newline(s, indent, level + 1);
			dump(s, json_array_get(j, i), indent, level + 1);
		}
		newline(s, indent, level);
		put(s, "]", 1);
		return;
	}
	case JSON_STRING:
		put_string(s, json_string_value(j), json_string_length(j));
		return;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		puts_(s, num);
		return;
	case JSON_REAL:
		fmt_real(json_real_value(j), num, sizeof(num));
		puts_(s, num);
		return;
	case JSON_TRUE:
		puts_(s, "true");
		return;
	case JSON_FALSE:
		puts_(s, "false");
		return;
	default:
		puts_(s, "null");
		return;
	}
}

char *lw_json_dumps(const json_t *j, int indent)
{
	struct sink s = {0};
	if (!j)
		return NULL;
	dump(&s, j, indent, 0);
	if (s.failed || !s.data) {
		free(s.data);
		return NULL;
	}
	return s.data;
}

char *lw_json_members(const json_t *j)
{
	char *s = json_is_object(j) ? lw_json_dumps(j, 0) : NULL;
	if (!s)
		return NULL;
	size_t len = strlen(s);
	memmove(s, s + 1, len - 2);
	s[len - 2] = '\0';
	return s;
}
