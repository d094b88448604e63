/*
 * codec-senml-json/jsonkit.c: helpers shared by the SenML JSON and OMA JSON
 * codecs (see jsonkit.h for why the cursor exists). Everything here is pure:
 * no global state, so both codecs stay re-entrant.
 */
#include "jsonkit.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"

/* ---- loading ---- */

json_t *lwj_load(const uint8_t *data, size_t len, struct lwj_cursor *cur,
                 struct lw_codec_error *err, int *rc)
{
	*rc = LW_EINVAL;
	if (len > LWJ_MAX_INPUT) {
		lw_codec_fail(err, LWJ_MAX_INPUT, "payload larger than %u MiB",
		              LWJ_MAX_INPUT >> 20);
		return NULL;
	}
	if (len == 0) {
		lw_codec_fail(err, 0, "empty payload");
		return NULL;
	}
	/*
	 * Depth first, before jansson recurses: strings are skipped so their
	 * brackets do not count. Malformed text may confuse the count; jansson
	 * then reports the real error.
	 */
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];
		if (c == '"') {
			for (i++; i < len && data[i] != '"'; i++)
				if (data[i] == '\\')
					i++;
		} else if (c == '[' || c == '{') {
			if (++depth > LW_CODEC_MAX_DEPTH) {
				lw_codec_fail(err, i, "nested deeper than %d levels",
				              LW_CODEC_MAX_DEPTH);
				return NULL;
			}
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	json_error_t je;
	json_t *root = json_loadb((const char *)data, len,
	                          JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL,
	                          &je);
	if (!root) {
		size_t at = je.position > 0 ? (size_t)je.position : 0;
		if (json_error_code(&je) == json_error_out_of_memory) {
			lw_codec_fail(err, at, "out of memory");
			*rc = LW_ENOMEM;
		} else {
			lw_codec_fail(err, at > len ? len : at, "malformed JSON: %s", je.text);
		}
		return NULL;
	}
	cur->s = (const char *)data;
	cur->len = len;
	cur->pos = 0;
	return root;
}

/* The next '{', '[' or number outside strings; its offset (len at the end). */
static size_t cursor_next(struct lwj_cursor *c, size_t *numlen)
{
	*numlen = 0;
	while (c->pos < c->len) {
		char ch = c->s[c->pos];
		if (ch == '"') {
			for (c->pos++; c->pos < c->len && c->s[c->pos] != '"'; c->pos++)
				if (c->s[c->pos] == '\\')
					c->pos++;
			c->pos++;
			continue;
		}
		if (ch == '{' || ch == '[')
			return c->pos++;
		if (ch == '-' || (ch >= '0' && ch <= '9')) {
			size_t at = c->pos;
			while (c->pos < c->len) {
				ch = c->s[c->pos];
				if (!((ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' ||
				      ch == 'e' || ch == 'E'))
					break;
				c->pos++;
			}
			*numlen = c->pos - at;
			return at;
		}
		c->pos++;
	}
	return c->len;
}

size_t lwj_take_container(struct lwj_cursor *c)
{
	size_t n;
	return cursor_next(c, &n);
}

size_t lwj_take_number(struct lwj_cursor *c, size_t *len)
{
	return cursor_next(c, len);
}

void lwj_skip(struct lwj_cursor *c, const json_t *v)
{
	size_t n;
	const char *key;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		cursor_next(c, &n);
		json_object_foreach((json_t *)v, key, m)
			lwj_skip(c, m);
		break;
	case JSON_ARRAY:
		cursor_next(c, &n);
		json_array_foreach(v, i, m)
			lwj_skip(c, m);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		cursor_next(c, &n);
		break;
	default:
		break;
	}
}

/* ---- numbers ---- */

void lwj_number(const struct lwj_cursor *c, const json_t *v, size_t off, size_t len,
                struct lwj_num *n)
{
	memset(n, 0, sizeof(*n));
	n->d = json_number_value(v);
	n->off = off;
	n->integral = true;
	if (off + len > c->len)
		len = 0;
	const char *s = c->s + off;
	n->neg = len > 0 && s[0] == '-';
	for (size_t i = 0; i < len; i++)
		if (s[i] == '.' || s[i] == 'e' || s[i] == 'E')
			n->integral = false;
	if (!n->integral || len == 0 || len > 40) {
		/* More than 40 digits cannot fit 64 bits anyway. */
		return;
	}
	char buf[48];
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	errno = 0;
	long long i = strtoll(buf, &end, 10);
	if (errno == 0 && end == buf + len) {
		n->i_ok = true;
		n->i = i;
	}
	if (!n->neg) {
		errno = 0;
		unsigned long long u = strtoull(buf, &end, 10);
		if (errno == 0 && end == buf + len) {
			n->u_ok = true;
			n->u = u;
		}
	} else if (n->i_ok && n->i == 0) {
		n->u_ok = true; /* "-0" */
	}
	/* jansson read the same digits: both must round to its double. A
	 * mismatch would mean the cursor lost its place; trust jansson then. */
	if (n->i_ok && (double)n->i != n->d)
		n->i_ok = false;
	if (n->u_ok && (double)n->u != n->d)
		n->u_ok = false;
}

/* 2^63 and 2^64 as doubles (exact). */
#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

const char *lwj_number_value(lw_record *rec, int model_type, const struct lwj_num *n)
{
	double d = n->d;
	switch (model_type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		if (n->integral) {
			if (!n->i_ok)
				return "integer out of the 64-bit range";
			rec->v.i = n->i;
		} else {
			if (!(d >= -TWO63 && d < TWO63))
				return "integer out of the 64-bit range";
			if ((double)(int64_t)d != d)
				return "not an integer";
			rec->v.i = (int64_t)d;
		}
		rec->type = (uint8_t)model_type;
		return NULL;
	case LW_TYPE_UNSIGNED:
		if (n->integral) {
			if (n->neg && !n->u_ok)
				return "negative value for an unsigned integer";
			if (!n->u_ok)
				return "unsigned integer out of the 64-bit range";
			rec->v.u = n->u;
		} else {
			if (d < 0 && d != 0)
				return "negative value for an unsigned integer";
			if (!(d < TWO64))
				return "unsigned integer out of the 64-bit range";
			if ((double)(uint64_t)d != d)
				return "not an integer";
			rec->v.u = (uint64_t)d;
		}
		rec->type = LW_TYPE_UNSIGNED;
		return NULL;
	case LW_TYPE_FLOAT:
		rec->v.f = d;
		rec->type = LW_TYPE_FLOAT;
		return NULL;
	case LW_TYPE_NONE:
		/* Unknown resource: the text decides (documented in README.md). */
		if (n->integral && n->i_ok) {
			rec->v.i = n->i;
			rec->type = LW_TYPE_INTEGER;
		} else if (n->integral && n->u_ok) {
			rec->v.u = n->u;
			rec->type = LW_TYPE_UNSIGNED;
		} else {
			rec->v.f = d;
			rec->type = LW_TYPE_FLOAT;
		}
		return NULL;
	default:
		return "a number where the model expects another type";
	}
}

/* ---- base64 ---- */

int lwj_base64_value(lw_records *out, lw_record *rec, const char *s, size_t len)
{
	uint8_t small[192];
	size_t cap = lw_base64_decoded_max(len);
	uint8_t *buf = cap <= sizeof(small) ? small : malloc(cap);
	if (!buf)
		return LW_ENOMEM;
	size_t n = 0;
	int rc = lw_base64_decode(s, len, buf, &n, LW_BASE64_NOPAD | LW_BASE64_ANY_ALPHABET, NULL);
	if (rc == 0)
		rc = lw_records_set_bytes(out, rec, buf, n);
	if (buf != small)
		free(buf);
	return rc;
}

int lwj_put_base64(lw_buf *b, const uint8_t *data, size_t len, bool url)
{
	unsigned flags = url ? LW_BASE64_URL | LW_BASE64_NOPAD : 0;
	size_t n = lw_base64_encoded_len(len, flags);
	if (n > SIZE_MAX - 2)
		return LW_ENOMEM;
	/* Room for the quotes too, so that the value is appended whole or not. */
	int rc = lw_buf_reserve(b, n + 2);
	if (rc)
		return rc;
	b->data[b->len++] = '"';
	lw_base64_append(b, data, len, flags);
	b->data[b->len++] = '"';
	return 0;
}

/* ---- small parsers ---- */

static int parse_u16(const char *s, size_t len, uint16_t *out)
{
	if (len == 0 || len > 5)
		return LW_EINVAL;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return LW_EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return LW_EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int lwj_objlnk_parse(const char *s, size_t len, lw_objlnk *l)
{
	const char *colon = memchr(s, ':', len);
	if (!colon)
		return LW_EINVAL;
	size_t a = (size_t)(colon - s);
	if (parse_u16(s, a, &l->oid) || parse_u16(colon + 1, len - a - 1, &l->iid))
		return LW_EINVAL;
	return 0;
}

const char *lwj_name_path(const char *bn, size_t bn_len, const char *n, size_t n_len,
                          lw_path *out)
{
	char buf[LWJ_MAX_NAME];
	if (bn_len + n_len == 0)
		return "no name";
	if (bn_len > sizeof(buf) || n_len > sizeof(buf) - bn_len)
		return "name too long for an LwM2M path";
	memcpy(buf, bn, bn_len);
	memcpy(buf + bn_len, n, n_len);
	const char *why = NULL;
	if (lw_path_parse(buf, bn_len + n_len, out, &why))
		return why ? why : "not an LwM2M path";
	if (lw_path_depth(out) == 0)
		return "the root is not a record's path";
	return NULL;
}

lw_record *lwj_add(lw_records *out, size_t off, struct lw_codec_error *err, int *rc)
{
	lw_record *r = lw_records_add(out);
	if (r)
		return r;
	if (out->max_items && out->n >= out->max_items) {
		*rc = lw_codec_fail(err, off, "too many records (limit %zu)", out->max_items);
	} else {
		lw_codec_fail(err, off, "out of memory");
		*rc = LW_ENOMEM;
	}
	return NULL;
}

int lwj_model_type(const lw_model *m, const lw_path *p)
{
	return m ? lw_model_type(m, p) : LW_TYPE_NONE;
}

/* ---- decoding elements ---- */

size_t lwj_skip_space(const uint8_t *data, size_t len)
{
	size_t at = 0;
	while (at < len && (data[at] == ' ' || data[at] == '\t' || data[at] == '\r' ||
	                    data[at] == '\n'))
		at++;
	return at;
}

int lwj_each_element(struct lwj_dec *d, const json_t *arr,
                     int (*fn)(struct lwj_dec *d, size_t i, size_t off, const json_t *el))
{
	size_t i;
	json_t *el;
	json_array_foreach(arr, i, el) {
		if (!json_is_object(el)) {
			size_t at = d->cur.pos, n;
			if (json_is_number(el))
				at = lwj_take_number(&d->cur, &n);
			else if (json_is_array(el))
				at = lwj_take_container(&d->cur);
			return lw_codec_fail(d->err, at, "%s %zu is not a JSON object", d->what, i);
		}
		size_t off = lwj_take_container(&d->cur);
		int rc = fn(d, i, off, el);
		if (rc)
			return rc;
	}
	return 0;
}

int lwj_member(struct lwj_dec *d, size_t i, size_t eoff, const char *key, const json_t *v,
               char kind, size_t *off, size_t *len)
{
	bool number = json_is_number(v);
	const char *want;

	*off = eoff;
	*len = 0;
	if (number)
		*off = lwj_take_number(&d->cur, len);
	switch (kind) {
	case 's':
		want = json_is_string(v) ? NULL : "a string";
		break;
	case 'n':
		want = number ? NULL : "a number";
		break;
	case 'b':
		want = json_is_boolean(v) ? NULL : "true or false";
		break;
	default:
		if (!number)
			lwj_skip(&d->cur, v);
		return 0;
	}
	if (!want)
		return 0;
	if (json_is_object(v) || json_is_array(v))
		*off = lwj_take_container(&d->cur);
	return lw_codec_fail(d->err, *off, "%s %zu: \"%s\" must be %s", d->what, i, key, want);
}

int lwj_element_path(struct lwj_dec *d, size_t i, size_t eoff, const char *bn, size_t bn_len,
                     const char *n, size_t n_len, lw_path *path, char *ptext)
{
	const char *why = lwj_name_path(bn, bn_len, n, n_len, path);
	if (why) {
		int bl = (int)(bn_len > 40 ? 40 : bn_len), nl = (int)(n_len > 40 ? 40 : n_len);
		return lw_codec_fail(d->err, eoff, "%s %zu: name \"%.*s%.*s\": %s", d->what, i, bl, bn,
		                     nl, n, why);
	}
	lw_path_format(path, ptext, LW_PATH_MAX_TEXT);
	if (d->base && !lw_path_covers(d->base, path)) {
		char btext[LW_PATH_MAX_TEXT];
		lw_path_format(d->base, btext, sizeof(btext));
		return lw_codec_fail(d->err, eoff, "%s %zu: %s is outside the target %s", d->what, i,
		                     ptext, btext);
	}
	return 0;
}

lw_record *lwj_element_record(struct lwj_dec *d, size_t i, size_t eoff, const lw_path *path,
                              double time, int *rc)
{
	if (!isfinite(time)) {
		*rc = lw_codec_fail(d->err, eoff, "%s %zu: time out of range", d->what, i);
		return NULL;
	}
	lw_record *r = lwj_add(d->out, eoff, d->err, rc);
	if (!r)
		return NULL;
	r->path = *path;
	if (time != 0) {
		r->has_time = 1;
		r->time = time;
	}
	return r;
}

int lwj_mismatch(struct lwj_dec *d, size_t i, size_t off, const char *ptext, int mt,
                 const char *key)
{
	return lw_codec_fail(d->err, off, "%s %zu: %s is %s in the model, not \"%s\"", d->what, i,
	                     ptext, lw_type_name(mt), key);
}

int lwj_nomem(struct lwj_dec *d, size_t off)
{
	lw_codec_fail(d->err, off, "out of memory");
	return LW_ENOMEM;
}

int lwj_store_number(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const struct lwj_num *num, const char *ptext)
{
	const char *why = lwj_number_value(r, mt, num);
	if (why && mt != LW_TYPE_INTEGER && mt != LW_TYPE_UNSIGNED && mt != LW_TYPE_TIME &&
	    mt != LW_TYPE_FLOAT)
		return lwj_mismatch(d, i, off, ptext, mt, key);
	if (why)
		return lw_codec_fail(d->err, off, "%s %zu: %s: %s", d->what, i, ptext, why);
	return 0;
}

int lwj_store_bool(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt, const char *key,
                   const json_t *v, const char *ptext)
{
	if (mt != LW_TYPE_BOOLEAN && mt != LW_TYPE_NONE)
		return lwj_mismatch(d, i, off, ptext, mt, key);
	r->type = LW_TYPE_BOOLEAN;
	r->v.b = json_is_true(v);
	return 0;
}

int lwj_store_objlnk(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const json_t *v, const char *ptext)
{
	if (mt != LW_TYPE_OBJLNK && mt != LW_TYPE_NONE)
		return lwj_mismatch(d, i, off, ptext, mt, key);
	r->type = LW_TYPE_OBJLNK;
	if (lwj_objlnk_parse(json_string_value(v), json_string_length(v), &r->v.l))
		return lw_codec_fail(d->err, off, "%s %zu: \"%s\" is not an object link \"oid:iid\"",
		                     d->what, i, key);
	return 0;
}

int lwj_store_string(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const json_t *v, const char *ptext)
{
	if (mt != LW_TYPE_STRING && mt != LW_TYPE_CORELNK && mt != LW_TYPE_NONE)
		return lwj_mismatch(d, i, off, ptext, mt, key);
	r->type = mt == LW_TYPE_CORELNK ? LW_TYPE_CORELNK : LW_TYPE_STRING;
	if (lw_records_set_bytes(d->out, r, json_string_value(v), json_string_length(v)))
		return lwj_nomem(d, off);
	return 0;
}

/* ---- writing ---- */

/*
 * printf and strtod follow LC_NUMERIC; JSON wants '.'. The daemon never
 * changes the locale, but a program embedding the codec might: swap the
 * decimal point both ways (what jansson itself does).
 */
static char locale_point(void)
{
	const struct lconv *lc = localeconv();
	return lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
}

int lwj_format_double(double d, char *out, size_t cap)
{
	if (!isfinite(d) || cap < 32)
		return -1;
	/* Whole numbers within the exact integer range of a double are written
	 * as integers: "1700000000", not "1.7e9" (what the spec's examples show,
	 * and what a reader expects of a time). */
	if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == (double)(int64_t)d &&
	    !(d == 0 && signbit(d)))
		return snprintf(out, cap, "%" PRId64, (int64_t)d);
	char point = locale_point();
	/* Otherwise the fewest significant digits that read back as d: more digits never
	 * read back worse, so a binary search over 1..17 finds it. */
	int lo = 1, hi = 17;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(out, cap, "%.*g", mid, d);
		if (strtod(out, NULL) == d)
			hi = mid;
		else
			lo = mid + 1;
	}
	int n = snprintf(out, cap, "%.*g", hi, d);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	char *w = out;
	for (char *r = out; *r; r++) {
		char c = *r;
		if (c == point && point != '.')
			c = '.';
		if (c == 'e') {
			/* "1e+20" -> "1e20", "1e-05" -> "1e-5": same number, fewer bytes. */
			*w++ = 'e';
			r++;
			if (*r == '-')
				*w++ = *r++;
			else if (*r == '+')
				r++;
			while (*r == '0' && r[1])
				r++;
			while (*r)
				*w++ = *r++;
			break;
		}
		*w++ = c;
	}
	*w = '\0';
	return (int)(w - out);
}

int lwj_put_double(lw_buf *b, double d, bool mark_float)
{
	char text[40];
	int n = lwj_format_double(d, text, sizeof(text));
	if (n < 0)
		return LW_EINVAL;
	if (mark_float && !strpbrk(text, ".e")) {
		memcpy(text + n, ".0", 3);
		n += 2;
	}
	return lw_buf_append(b, text, (size_t)n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0. */
static size_t utf8_seq(const uint8_t *s, size_t len)
{
	uint8_t c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

int lwj_put_string(lw_buf *b, const uint8_t *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int rc = lw_buf_append_byte(b, '"');
	size_t run = 0; /* start of the bytes not yet written */
	for (size_t i = 0; i < len && rc == 0;) {
		uint8_t c = s[i];
		if (c >= 0x80) {
			size_t n = utf8_seq(s + i, len - i);
			if (n == 0)
				return LW_EINVAL;
			i += n;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		rc = lw_buf_append(b, s + run, i - run);
		char esc[6] = {'\\', 0};
		size_t k = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			k = 6;
		}
		if (rc == 0)
			rc = lw_buf_append(b, esc, k);
		run = ++i;
	}
	if (rc == 0)
		rc = lw_buf_append(b, s + run, len - run);
	if (rc == 0)
		rc = lw_buf_append_byte(b, '"');
	return rc;
}

/* ---- naming ---- */

static size_t path_text_len(const lw_path *p)
{
	char t[LW_PATH_MAX_TEXT];
	int n = lw_path_format(p, t, sizeof(t));
	return n > 0 ? (size_t)n : 1;
}

static uint16_t path_id(const lw_path *p, int level)
{
	const uint16_t ids[4] = {p->oid, p->iid, p->rid, p->riid};
	return ids[level];
}

void lwj_pick_naming(const lw_records *in, bool require_bn, struct lwj_naming *nm)
{
	nm->level = require_bn ? 0 : -1;
	strcpy(nm->bn, "/");
	if (in->n == 0)
		return;
	const lw_path *p0 = &in->items[0].path;

	/* One path for every record (a single value, a time series): it is the
	 * base name and records carry no name at all. */
	bool same = lw_path_depth(p0) > 0;
	for (size_t i = 1; i < in->n && same; i++)
		same = lw_path_equal(p0, &in->items[i].path);
	if (same) {
		nm->level = 4;
		lw_path_format(p0, nm->bn, sizeof(nm->bn));
		return;
	}

	/* Bytes of "n":"...", members (with their comma) for each choice. */
	size_t best = SIZE_MAX;
	if (!require_bn) {
		best = 0;
		for (size_t i = 0; i < in->n; i++)
			best += 7 + path_text_len(&in->items[i].path);
	}
	for (int level = 0; level <= 3; level++) {
		lw_path pre = lw_path_make(level, p0->oid, p0->iid, p0->rid, p0->riid);
		if (lw_path_depth(p0) < level)
			break;
		char bn[LW_PATH_MAX_TEXT + 2];
		int bl = lw_path_format(&pre, bn, sizeof(bn) - 1);
		if (bl < 0)
			break;
		if (level > 0) {
			bn[bl++] = '/';
			bn[bl] = '\0';
		}
		size_t cost = 8 + (size_t)bl;
		bool ok = true;
		for (size_t i = 0; i < in->n && ok; i++) {
			const lw_path *p = &in->items[i].path;
			if (lw_path_depth(p) < level || !lw_path_covers(&pre, p)) {
				ok = false;
				break;
			}
			size_t full = path_text_len(p);
			if (full > (size_t)bl)
				cost += 7 + full - (size_t)bl;
		}
		if (!ok)
			break;
		if (cost < best) {
			best = cost;
			nm->level = level;
			memcpy(nm->bn, bn, (size_t)bl + 1);
		}
	}
}

void lwj_relative_name(const struct lwj_naming *nm, const lw_path *p, char *out, size_t cap)
{
	if (nm->level < 0) {
		if (lw_path_format(p, out, cap) < 0 && cap)
			out[0] = '\0';
		return;
	}
	size_t k = 0;
	int depth = lw_path_depth(p);
	out[0] = '\0';
	for (int l = nm->level; l < depth && nm->level < 4; l++) {
		int n = snprintf(out + k, cap - k, "%s%u", l > nm->level ? "/" : "",
		                 (unsigned)path_id(p, l));
		if (n < 0 || (size_t)n >= cap - k)
			break;
		k += (size_t)n;
	}
}

const char *lwj_check_record(const lw_path *base, const lw_record *r)
{
	int depth = lw_path_depth(&r->path);
	if (depth == 0)
		return "no path";
	if (base && !lw_path_covers(base, &r->path))
		return "outside the target path";
	if (r->type > LW_TYPE_CORELNK)
		return "unknown type";
	if (r->type != LW_TYPE_NONE && depth < 3)
		return "a value needs a resource or resource instance path";
	if (r->has_time && !isfinite(r->time))
		return "time is not a finite number";
	return NULL;
}

int lwj_put_value(lw_buf *out, const lw_model *m, const lw_record *r,
                  const char *const keys[LW_TYPE_CORELNK + 1], bool comma, bool url, size_t i,
                  size_t start, struct lw_codec_error *err)
{
	char t[48];
	int n, rc;

	if (r->type == LW_TYPE_NONE || r->type > LW_TYPE_CORELNK)
		return 0;
	n = snprintf(t, sizeof(t), "%s\"%s\":", comma ? "," : "", keys[r->type]);
	if ((rc = lw_buf_append(out, t, (size_t)n)))
		return rc;
	switch (r->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
		rc = lwj_put_string(out, r->v.s.data, r->v.s.len);
		if (rc == LW_EINVAL) {
			char ptext[LW_PATH_MAX_TEXT];
			lw_path_format(&r->path, ptext, sizeof(ptext));
			out->len = start;
			return lw_codec_fail(err, i, "record %zu (%s): string is not UTF-8", i, ptext);
		}
		return rc;
	case LW_TYPE_FLOAT:
		return lwj_put_double(out, r->v.f, lwj_model_type(m, &r->path) != LW_TYPE_FLOAT);
	case LW_TYPE_BOOLEAN:
		return lw_buf_append(out, r->v.b ? "true" : "false", r->v.b ? 4 : 5);
	case LW_TYPE_OPAQUE:
		return lwj_put_base64(out, r->v.s.data, r->v.s.len, url);
	case LW_TYPE_UNSIGNED:
		n = snprintf(t, sizeof(t), "%" PRIu64, r->v.u);
		break;
	case LW_TYPE_OBJLNK:
		n = snprintf(t, sizeof(t), "\"%u:%u\"", (unsigned)r->v.l.oid, (unsigned)r->v.l.iid);
		break;
	default: /* integer, time */
		n = snprintf(t, sizeof(t), "%" PRId64, r->v.i);
		break;
	}
	return lw_buf_append(out, t, (size_t)n);
}

int lwj_output_failed(lw_buf *out, size_t start, int rc, struct lw_codec_error *err)
{
	out->len = start;
	lw_codec_fail(err, 0, "%s", rc == LW_ENOSPC ? "output too large" : "out of memory");
	return rc;
}
