/*
 * codec-text/text.c: text/plain (content format 0), the LwM2M plain text
 * format (Core specification 7.4.1 and Appendix C): the one value of the
 * resource or resource instance the request names, written as text.
 *
 * The text carries no type: the object model gives it, and a resource the
 * model does not know reads as a string. Numbers are decimal in the "C"
 * locale whatever the process's locale; floats are written in the fewest
 * digits that read back to the same double; booleans are "0" and "1"; an
 * Objlnk is "oid:iid"; opaque values are Base64 (RFC 4648, with padding), as
 * the LwM2M 1.0.2 and later Appendix C says.
 */
#include "text.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "../codec-opaque/one_value.h"

/* A byte for a message: 'a' when printable, else "byte 0x0a". */
static const char *show(uint8_t c, char out[16])
{
	if (c >= 0x20 && c < 0x7F)
		snprintf(out, 16, "'%c'", c);
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

/* ---- numbers ---- */

/* Digits of [i, len) into *v, failing on overflow past max. */
static int parse_digits(const uint8_t *s, size_t len, size_t i, uint64_t max, uint64_t *v,
                        const char *what, struct lw_codec_error *err)
{
	uint64_t x = 0;
	char ch[16];
	if (i == len)
		return lw_codec_fail(err, i, "malformed %s: no digits", what);
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return lw_codec_fail(err, i, "malformed %s: unexpected %s", what, show(s[i], ch));
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (max - d) / 10)
			return lw_codec_fail(err, 0, "%s out of range", what);
		x = x * 10 + d;
	}
	*v = x;
	return 0;
}

static int parse_integer(const uint8_t *s, size_t len, int64_t *v, const char *what,
                         struct lw_codec_error *err)
{
	size_t i = 0;
	int neg = 0;
	uint64_t x;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	/* INT64_MIN has one more unit than INT64_MAX. */
	int rc = parse_digits(s, len, i, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &x,
	                      what, err);
	if (rc)
		return rc;
	if (neg) {
		x = ~x + 1; /* two's complement negation, defined for unsigned */
	}
	memcpy(v, &x, sizeof(*v));
	return 0;
}

/*
 * Decimal floats: [+-] digits [. digits] [(e|E) [+-] digits], with digits on
 * at least one side of the point. strtod alone would also take "inf",
 * "nan", hex floats and leading blanks, none of which is LwM2M text.
 */
static int parse_float(const uint8_t *s, size_t len, double *v, struct lw_codec_error *err)
{
	size_t i = 0, digits = 0;
	char ch[16];
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (!digits)
		return lw_codec_fail(err, i < len ? i : 0, "malformed float: no digits");
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
		if (!exp_digits)
			return lw_codec_fail(err, i, "malformed float: no exponent digits");
	}
	if (i < len)
		return lw_codec_fail(err, i, "malformed float: unexpected %s", show(s[i], ch));

	char small[128], *copy = len < sizeof(small) ? small : malloc(len + 1);
	if (!copy)
		return LW_ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c) {
		if (copy != small)
			free(copy);
		return LW_ENOMEM;
	}
	errno = 0;
	*v = strtod_l(copy, NULL, c);
	int overflow = errno == ERANGE && isinf(*v);
	freelocale(c);
	if (copy != small)
		free(copy);
	if (overflow)
		return lw_codec_fail(err, 0, "float out of range");
	return 0;
}

/*
 * The shortest text that reads back to v: the fewest significant digits
 * (%.*e tried from 1 to 17) laid out like ECMAScript's Number::toString,
 * plain decimals from 1e-6 up to 1e21 and an exponent outside, so that
 * small devices that parse no exponent get none for ordinary values.
 */
static int format_float(double v, char *out, size_t cap)
{
	char e[40], digits[24];
	int nd = 0, exp10, neg;
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	if (!c)
		return LW_ENOMEM;
	locale_t old = uselocale(c);
	for (int p = 0; p <= 16; p++) {
		snprintf(e, sizeof(e), "%.*e", p, v);
		if (strtod(e, NULL) == v)
			break;
	}
	uselocale(old);
	freelocale(c);

	/* e is [-]d[.ddd]e(+|-)xx */
	const char *q = e;
	neg = *q == '-';
	if (neg)
		q++;
	for (; *q && *q != 'e'; q++)
		if (*q >= '0' && *q <= '9')
			digits[nd++] = *q;
	exp10 = atoi(q + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';

	int n = exp10 + 1; /* digits before the point */
	size_t k = 0;
#define PUT(ch) do { if (k + 1 < cap) out[k++] = (ch); } while (0)
	if (neg)
		PUT('-');
	if (nd <= n && n <= 21) {
		for (int i = 0; i < nd; i++)
			PUT(digits[i]);
		for (int i = nd; i < n; i++)
			PUT('0');
	} else if (0 < n && n <= 21) {
		for (int i = 0; i < nd; i++) {
			if (i == n)
				PUT('.');
			PUT(digits[i]);
		}
	} else if (-6 < n && n <= 0) {
		PUT('0');
		PUT('.');
		for (int i = 0; i < -n; i++)
			PUT('0');
		for (int i = 0; i < nd; i++)
			PUT(digits[i]);
	} else {
		PUT(digits[0]);
		if (nd > 1) {
			PUT('.');
			for (int i = 1; i < nd; i++)
				PUT(digits[i]);
		}
		char x[16];
		snprintf(x, sizeof(x), "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
		for (const char *p = x; *p; p++)
			PUT(*p);
	}
#undef PUT
	out[k] = '\0';
	return (int)k;
}

/* ---- Base64 (RFC 4648 section 4, lwm2m/base64.h) ---- */

/* Decodes into out (lw_base64_decoded_max(len) bytes). Padding may be left
 * out; when present it must complete the last quantum. */
static int b64_decode(const uint8_t *s, size_t len, uint8_t *out, size_t *n,
                      struct lw_codec_error *err)
{
	struct lw_base64_error be;
	char ch[16];
	if (!lw_base64_decode((const char *)s, len, out, n, LW_BASE64_NOPAD, &be))
		return 0;
	if (be.fault == LW_BASE64_BAD_CHARACTER)
		return lw_codec_fail(err, be.offset, "malformed Base64: unexpected %s",
		                     show(s[be.offset], ch));
	return lw_codec_fail(err, be.offset, "malformed Base64: %s", be.reason);
}

/* ---- the codec ---- */

static int text_decode(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
                       lw_records *out, struct lw_codec_error *err)
{
	const struct lw_resource_def *rd = NULL;
	int rc = one_need_resource(base, "text/plain", err);
	if (rc)
		return rc;
	if (len && !data)
		return lw_codec_fail(err, 0, "no data");
	if ((rc = one_single_instance(m, base, "text/plain", &rd, err)))
		return rc;
	int type = rd ? rd->type : LW_TYPE_NONE;
	lw_record tmp;
	memset(&tmp, 0, sizeof(tmp));
	tmp.path = *base;

	switch (type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		rc = parse_integer(data, len, &tmp.v.i, type == LW_TYPE_TIME ? "time" : "integer",
		                   err);
		break;
	case LW_TYPE_UNSIGNED:
		rc = parse_digits(data, len, 0, UINT64_MAX, &tmp.v.u, "unsigned integer", err);
		break;
	case LW_TYPE_FLOAT:
		rc = parse_float(data, len, &tmp.v.f, err);
		break;
	case LW_TYPE_BOOLEAN:
		if (len != 1 || (data[0] != '0' && data[0] != '1'))
			return lw_codec_fail(err, 0, "boolean text must be \"0\" or \"1\"");
		tmp.v.b = data[0] == '1';
		break;
	case LW_TYPE_OBJLNK: {
		size_t colon = 0;
		uint64_t o = 0, i = 0;
		while (colon < len && data[colon] != ':')
			colon++;
		if (colon == len)
			return lw_codec_fail(err, 0, "malformed objlnk: \"oid:iid\" expected");
		rc = parse_digits(data, colon, 0, 65535, &o, "objlnk object id", err);
		if (!rc)
			rc = parse_digits(data, len, colon + 1, 65535, &i, "objlnk instance id", err);
		tmp.v.l.oid = (uint16_t)o;
		tmp.v.l.iid = (uint16_t)i;
		break;
	}
	case LW_TYPE_OPAQUE: {
		size_t cap = lw_base64_decoded_max(len);
		uint8_t small[96], *bin = cap <= sizeof(small) ? small : malloc(cap);
		size_t n = 0;
		if (!bin)
			return LW_ENOMEM;
		rc = b64_decode(data, len, bin, &n, err);
		if (!rc) {
			lw_record *r = one_add(out, base, LW_TYPE_OPAQUE, err, &rc);
			if (r)
				rc = lw_records_set_bytes(out, r, bin, n);
		}
		if (bin != small)
			free(bin);
		return rc;
	}
	default:
		/* String, corelnk, and whatever the model does not know. */
		if (type != LW_TYPE_CORELNK)
			type = LW_TYPE_STRING;
		break;
	}
	if (rc)
		return rc;

	lw_record *r = one_add(out, base, type, err, &rc);
	if (!r)
		return rc;
	r->v = tmp.v;
	if (type == LW_TYPE_STRING || type == LW_TYPE_CORELNK)
		return lw_records_set_bytes(out, r, data, len);
	return 0;
}

static int text_encode(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
                       struct lw_codec_error *err)
{
	char pt[LW_PATH_MAX_TEXT], num[40];
	(void)m;
	int rc = one_need_resource(base, "text/plain", err);
	if (rc)
		return rc;
	const lw_record *r = one_record(in, base, "text/plain", err, &rc);
	if (!r)
		return rc;
	size_t len0 = out->len;
	switch (r->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		rc = lw_buf_printf(out, "%" PRId64, r->v.i);
		break;
	case LW_TYPE_UNSIGNED:
		rc = lw_buf_printf(out, "%" PRIu64, r->v.u);
		break;
	case LW_TYPE_FLOAT:
		if (!isfinite(r->v.f))
			return lw_codec_fail(err, 0, "%s has no text form",
			                     isnan(r->v.f) ? "NaN" : "infinity");
		rc = format_float(r->v.f, num, sizeof(num));
		if (rc >= 0)
			rc = lw_buf_append(out, num, (size_t)rc);
		break;
	case LW_TYPE_BOOLEAN:
		rc = lw_buf_append_byte(out, r->v.b ? '1' : '0');
		break;
	case LW_TYPE_OBJLNK:
		rc = lw_buf_printf(out, "%u:%u", r->v.l.oid, r->v.l.iid);
		break;
	case LW_TYPE_OPAQUE:
		rc = lw_base64_append(out, r->v.s.data, r->v.s.len, 0);
		break;
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
		rc = r->v.s.len ? lw_buf_append(out, r->v.s.data, r->v.s.len) : 0;
		break;
	default:
		lw_path_format(&r->path, pt, sizeof(pt));
		return lw_codec_fail(err, 0, "record %s has no value to write", pt);
	}
	if (rc < 0)
		out->len = len0;
	return rc < 0 ? rc : 0;
}

const struct lw_codec lw_codec_text = {
	.content_format = LW_CF_TEXT,
	.media_type = "text/plain",
	.name = "text",
	.decode = text_decode,
	.encode = text_encode,
};
