/*
 * codec-senml-cbor/cbor_io.c: CBOR tokens in, CBOR heads out, for the SenML
 * CBOR and LwM2M CBOR codecs (see cbor_io.h for why it is shaped this way).
 */
#include "cbor_io.h"

#include <cbor.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

/* ---- libcbor callbacks: each stores the one item head it was given ---- */

#define TOK(ctx) (&((struct lwcb_reader *)(ctx))->tok)

static void on_uint8(void *c, uint8_t v) { TOK(c)->kind = LWCB_UINT; TOK(c)->u = v; }
static void on_uint16(void *c, uint16_t v) { TOK(c)->kind = LWCB_UINT; TOK(c)->u = v; }
static void on_uint32(void *c, uint32_t v) { TOK(c)->kind = LWCB_UINT; TOK(c)->u = v; }
static void on_uint64(void *c, uint64_t v) { TOK(c)->kind = LWCB_UINT; TOK(c)->u = v; }
static void on_neg8(void *c, uint8_t v) { TOK(c)->kind = LWCB_NEGINT; TOK(c)->u = v; }
static void on_neg16(void *c, uint16_t v) { TOK(c)->kind = LWCB_NEGINT; TOK(c)->u = v; }
static void on_neg32(void *c, uint32_t v) { TOK(c)->kind = LWCB_NEGINT; TOK(c)->u = v; }
static void on_neg64(void *c, uint64_t v) { TOK(c)->kind = LWCB_NEGINT; TOK(c)->u = v; }

static void on_bytes(void *c, cbor_data d, size_t n)
{
	TOK(c)->kind = LWCB_BYTES;
	TOK(c)->ptr = d;
	TOK(c)->len = n;
}

static void on_text(void *c, cbor_data d, size_t n)
{
	TOK(c)->kind = LWCB_TEXT;
	TOK(c)->ptr = d;
	TOK(c)->len = n;
}

static void on_bytes_indef(void *c) { TOK(c)->kind = LWCB_BYTES_INDEF; }
static void on_text_indef(void *c) { TOK(c)->kind = LWCB_TEXT_INDEF; }
static void on_array(void *c, size_t n) { TOK(c)->kind = LWCB_ARRAY; TOK(c)->u = n; }
static void on_array_indef(void *c) { TOK(c)->kind = LWCB_ARRAY_INDEF; }
static void on_map(void *c, size_t n) { TOK(c)->kind = LWCB_MAP; TOK(c)->u = n; }
static void on_map_indef(void *c) { TOK(c)->kind = LWCB_MAP_INDEF; }
static void on_tag(void *c, uint64_t v) { TOK(c)->kind = LWCB_TAG; TOK(c)->u = v; }

static void on_float2(void *c, float f)
{
	TOK(c)->kind = LWCB_FLOAT;
	TOK(c)->fwidth = 2;
	TOK(c)->f = f;
}

static void on_float4(void *c, float f)
{
	TOK(c)->kind = LWCB_FLOAT;
	TOK(c)->fwidth = 4;
	TOK(c)->f = f;
}

static void on_float8(void *c, double f)
{
	TOK(c)->kind = LWCB_FLOAT;
	TOK(c)->fwidth = 8;
	TOK(c)->f = f;
}

static void on_undef(void *c) { TOK(c)->kind = LWCB_UNDEF; }
static void on_null(void *c) { TOK(c)->kind = LWCB_NULL; }
static void on_bool(void *c, bool b) { TOK(c)->kind = LWCB_BOOL; TOK(c)->b = b; }
static void on_break(void *c) { TOK(c)->kind = LWCB_BREAK; }

static const struct cbor_callbacks callbacks = {
	.uint8 = on_uint8,
	.uint16 = on_uint16,
	.uint32 = on_uint32,
	.uint64 = on_uint64,
	.negint8 = on_neg8,
	.negint16 = on_neg16,
	.negint32 = on_neg32,
	.negint64 = on_neg64,
	.byte_string = on_bytes,
	.byte_string_start = on_bytes_indef,
	.string = on_text,
	.string_start = on_text_indef,
	.array_start = on_array,
	.indef_array_start = on_array_indef,
	.map_start = on_map,
	.indef_map_start = on_map_indef,
	.tag = on_tag,
	.float2 = on_float2,
	.float4 = on_float4,
	.float8 = on_float8,
	.undefined = on_undef,
	.null = on_null,
	.boolean = on_bool,
	.indef_break = on_break,
};

/* ---- reading ---- */

void lwcb_init(struct lwcb_reader *r, const uint8_t *data, size_t len,
               struct lw_codec_error *err)
{
	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	r->err = err;
}

/* Says what is missing: a string's declared length is worth showing, since a
 * huge one is the classic attack on decoders that allocate it. */
static int truncated(struct lwcb_reader *r)
{
	const uint8_t *p = r->data + r->pos;
	size_t left = r->len - r->pos;
	unsigned major = p[0] >> 5, info = p[0] & 31;

	if ((major == 2 || major == 3) && info >= 24 && info <= 27) {
		size_t w = (size_t)1 << (info - 24);
		if (left > w) {
			uint64_t n = 0;
			for (size_t i = 1; i <= w; i++)
				n = n << 8 | p[i];
			return lw_codec_fail(r->err, r->at,
			                     "truncated: a %s string of %" PRIu64
			                     " bytes where %zu bytes are left",
			                     major == 2 ? "byte" : "text", n, left - 1 - w);
		}
	}
	return lw_codec_fail(r->err, r->at, "truncated: the item runs past the end of the input");
}

int lwcb_next(struct lwcb_reader *r)
{
	r->at = r->pos;
	if (r->pos >= r->len)
		return lw_codec_fail(r->err, r->pos, "truncated: the input ends where an item was expected");
	struct cbor_decoder_result res =
		cbor_stream_decode(r->data + r->pos, r->len - r->pos, &callbacks, r);
	if (res.status == CBOR_DECODER_FINISHED) {
		r->pos += res.read;
		return 0;
	}
	if (res.status == CBOR_DECODER_NEDATA)
		return truncated(r);
	return lw_codec_fail(r->err, r->at, "malformed CBOR: byte 0x%02x is reserved or unassigned",
	                     r->data[r->pos]);
}

const char *lwcb_kind_name(int kind)
{
	switch (kind) {
	case LWCB_UINT: return "an unsigned integer";
	case LWCB_NEGINT: return "a negative integer";
	case LWCB_BYTES: case LWCB_BYTES_INDEF: return "a byte string";
	case LWCB_TEXT: case LWCB_TEXT_INDEF: return "a text string";
	case LWCB_ARRAY: case LWCB_ARRAY_INDEF: return "an array";
	case LWCB_MAP: case LWCB_MAP_INDEF: return "a map";
	case LWCB_TAG: return "a tag";
	case LWCB_FLOAT: return "a float";
	case LWCB_BOOL: return "a boolean";
	case LWCB_NULL: return "null";
	case LWCB_UNDEF: return "undefined";
	default: return "a break";
	}
}

static int too_deep(struct lwcb_reader *r)
{
	return lw_codec_fail(r->err, r->at, "nesting deeper than %d levels", LW_CODEC_MAX_DEPTH);
}

static int read_chunks(struct lwcb_reader *r, int chunk_kind, uint8_t **buf, size_t *len)
{
	size_t cap = 0;
	*buf = NULL;
	*len = 0;
	for (;;) {
		int rc = lwcb_next(r);
		if (rc)
			return rc;
		if (r->tok.kind == LWCB_BREAK)
			return 0;
		if (r->tok.kind != chunk_kind)
			return lw_codec_fail(r->err, r->at,
			                     "a chunk of an indefinite-length string must be a "
			                     "definite string of the same type, not %s",
			                     lwcb_kind_name(r->tok.kind));
		if (r->tok.len == 0)
			continue;
		if (*len + r->tok.len > cap) {
			/* Chunks lie inside the input, so the total never exceeds it. */
			size_t ncap = cap ? cap * 2 : 64;
			while (ncap < *len + r->tok.len)
				ncap *= 2;
			uint8_t *n = realloc(*buf, ncap);
			if (!n)
				return LW_ENOMEM;
			*buf = n;
			cap = ncap;
		}
		memcpy(*buf + *len, r->tok.ptr, r->tok.len);
		*len += r->tok.len;
	}
}

int lwcb_skip(struct lwcb_reader *r, int depth)
{
	int rc;
	uint64_t i;

	if (depth > LW_CODEC_MAX_DEPTH)
		return too_deep(r);
	switch (r->tok.kind) {
	case LWCB_BYTES_INDEF:
	case LWCB_TEXT_INDEF: {
		int want = r->tok.kind == LWCB_BYTES_INDEF ? LWCB_BYTES : LWCB_TEXT;
		for (;;) {
			if ((rc = lwcb_next(r)))
				return rc;
			if (r->tok.kind == LWCB_BREAK)
				return 0;
			if (r->tok.kind != want)
				return lw_codec_fail(r->err, r->at,
				                     "a chunk of an indefinite-length string must "
				                     "be a definite string of the same type");
		}
	}
	case LWCB_ARRAY:
		for (i = r->tok.u; i > 0; i--)
			if ((rc = lwcb_next(r)) || (rc = lwcb_skip(r, depth + 1)))
				return rc;
		return 0;
	case LWCB_ARRAY_INDEF:
		for (;;) {
			if ((rc = lwcb_next(r)))
				return rc;
			if (r->tok.kind == LWCB_BREAK)
				return 0;
			if ((rc = lwcb_skip(r, depth + 1)))
				return rc;
		}
	case LWCB_MAP:
		for (i = r->tok.u; i > 0; i--)
			if ((rc = lwcb_next(r)) || (rc = lwcb_skip(r, depth + 1)) ||
			    (rc = lwcb_next(r)) || (rc = lwcb_skip(r, depth + 1)))
				return rc;
		return 0;
	case LWCB_MAP_INDEF:
		for (;;) {
			if ((rc = lwcb_next(r)))
				return rc;
			if (r->tok.kind == LWCB_BREAK)
				return 0;
			if ((rc = lwcb_skip(r, depth + 1)) || (rc = lwcb_next(r)) ||
			    (rc = lwcb_skip(r, depth + 1)))
				return rc;
		}
	case LWCB_TAG:
		if ((rc = lwcb_next(r)))
			return rc;
		return lwcb_skip(r, depth + 1);
	case LWCB_BREAK:
		return lw_codec_fail(r->err, r->at, "a break where an item was expected");
	default:
		return 0;
	}
}

int lwcb_read_string(struct lwcb_reader *r, const uint8_t **ptr, size_t *len, uint8_t **tmp)
{
	*tmp = NULL;
	switch (r->tok.kind) {
	case LWCB_BYTES:
	case LWCB_TEXT:
		*ptr = r->tok.ptr;
		*len = r->tok.len;
		return 0;
	case LWCB_BYTES_INDEF:
	case LWCB_TEXT_INDEF: {
		int rc = read_chunks(r, r->tok.kind == LWCB_BYTES_INDEF ? LWCB_BYTES : LWCB_TEXT, tmp,
		                     len);
		if (rc) {
			free(*tmp);
			*tmp = NULL;
			return rc;
		}
		*ptr = *tmp ? *tmp : (const uint8_t *)"";
		return 0;
	}
	default:
		return lw_codec_fail(r->err, r->at, "expected a string, got %s",
		                     lwcb_kind_name(r->tok.kind));
	}
}

/* Tag 4 (RFC 8949 3.4.4): [exponent, mantissa] meaning mantissa * 10^exponent.
 * strtod does the decimal-to-binary rounding correctly, so go through text. */
static int read_decimal_fraction(struct lwcb_reader *r, struct lwcb_num *out)
{
	size_t at = r->at;
	uint64_t mag[2];
	bool neg[2];
	int rc = lwcb_next(r);
	if (rc)
		return rc;
	if (r->tok.kind != LWCB_ARRAY || r->tok.u != 2)
		return lw_codec_fail(r->err, r->at,
		                     "a decimal fraction (tag 4) must be an array of 2 integers");
	for (int i = 0; i < 2; i++) {
		if ((rc = lwcb_next(r)))
			return rc;
		if (r->tok.kind != LWCB_UINT && r->tok.kind != LWCB_NEGINT)
			return lw_codec_fail(r->err, r->at,
			                     "a decimal fraction (tag 4) must be an array of 2 "
			                     "integers, not %s (bignums are not supported)",
			                     lwcb_kind_name(r->tok.kind));
		neg[i] = r->tok.kind == LWCB_NEGINT;
		mag[i] = r->tok.u;
	}
	/* -1 - n: print n + 1, which overflows only for n = UINT64_MAX. */
	char text[64], m[24], e[24];
	if (neg[1] && mag[1] == UINT64_MAX)
		snprintf(m, sizeof(m), "18446744073709551616");
	else
		snprintf(m, sizeof(m), "%" PRIu64, neg[1] ? mag[1] + 1 : mag[1]);
	if (neg[0] && mag[0] == UINT64_MAX)
		snprintf(e, sizeof(e), "18446744073709551616");
	else
		snprintf(e, sizeof(e), "%" PRIu64, neg[0] ? mag[0] + 1 : mag[0]);
	snprintf(text, sizeof(text), "%s%se%s%s", neg[1] ? "-" : "", m, neg[0] ? "-" : "", e);
	double v = strtod(text, NULL);
	if (!isfinite(v))
		return lw_codec_fail(r->err, at, "decimal fraction out of the range of a double");
	out->is_float = 1;
	out->neg = 0;
	out->mag = 0;
	out->f = v;
	return 0;
}

int lwcb_read_num(struct lwcb_reader *r, struct lwcb_num *out)
{
	switch (r->tok.kind) {
	case LWCB_UINT:
	case LWCB_NEGINT:
		out->is_float = 0;
		out->neg = r->tok.kind == LWCB_NEGINT;
		out->mag = r->tok.u;
		out->f = 0;
		return 0;
	case LWCB_FLOAT:
		out->is_float = 1;
		out->neg = 0;
		out->mag = 0;
		out->f = r->tok.f;
		return 0;
	case LWCB_TAG:
		if (r->tok.u == 4)
			return read_decimal_fraction(r, out);
		return lw_codec_fail(r->err, r->at, "tag %" PRIu64 " is not allowed on a number",
		                     r->tok.u);
	default:
		return lw_codec_fail(r->err, r->at, "expected a number, got %s",
		                     lwcb_kind_name(r->tok.kind));
	}
}

double lwcb_num_double(const struct lwcb_num *n)
{
	if (n->is_float)
		return n->f;
	if (!n->neg)
		return (double)n->mag;
	/* -(mag + 1) with one rounding: -1.0 - (double)mag would round twice. */
	return n->mag == UINT64_MAX ? -18446744073709551616.0 : -(double)(n->mag + 1);
}

/* 2^63 and 2^64 as doubles (both exact). */
#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

const char *lwcb_num_store(lw_record *rec, int type, const struct lwcb_num *n)
{
	switch (type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		if (!n->is_float) {
			if (n->mag > INT64_MAX)
				return "integer out of the 64-bit signed range";
			rec->v.i = n->neg ? -1 - (int64_t)n->mag : (int64_t)n->mag;
		} else {
			if (!isfinite(n->f) || n->f != trunc(n->f))
				return "a number with a fraction where an integer is expected";
			if (n->f < -TWO63 || n->f >= TWO63)
				return "integer out of the 64-bit signed range";
			rec->v.i = (int64_t)n->f;
		}
		rec->type = (uint8_t)type;
		return NULL;
	case LW_TYPE_UNSIGNED:
		if (!n->is_float) {
			if (n->neg)
				return "a negative number where an unsigned integer is expected";
			rec->v.u = n->mag;
		} else {
			if (!isfinite(n->f) || n->f != trunc(n->f))
				return "a number with a fraction where an unsigned integer is expected";
			if (n->f < 0 || n->f >= TWO64)
				return "out of the range of an unsigned integer";
			rec->v.u = (uint64_t)n->f;
		}
		rec->type = LW_TYPE_UNSIGNED;
		return NULL;
	case LW_TYPE_FLOAT:
		rec->v.f = lwcb_num_double(n);
		rec->type = LW_TYPE_FLOAT;
		return NULL;
	case LW_TYPE_NONE:
		/* Unknown to the model: the CBOR type is all we have. */
		if (n->is_float) {
			rec->v.f = n->f;
			rec->type = LW_TYPE_FLOAT;
		} else if (n->mag <= INT64_MAX) {
			rec->v.i = n->neg ? -1 - (int64_t)n->mag : (int64_t)n->mag;
			rec->type = LW_TYPE_INTEGER;
		} else if (!n->neg) {
			rec->v.u = n->mag;
			rec->type = LW_TYPE_UNSIGNED;
		} else {
			return "integer below the 64-bit signed range";
		}
		return NULL;
	default:
		return "a number where the resource is not numeric";
	}
}

/* ---- writing ---- */

size_t lwcb_head_size(uint64_t v)
{
	if (v < 24)
		return 1;
	if (v <= UINT8_MAX)
		return 2;
	if (v <= UINT16_MAX)
		return 3;
	if (v <= UINT32_MAX)
		return 5;
	return 9;
}

#define ROOM(b) ((b)->data + (b)->len), ((b)->cap - (b)->len)

int lwcb_put_uint(lw_buf *b, uint64_t v)
{
	int rc = lw_buf_reserve(b, lwcb_head_size(v));
	if (rc)
		return rc;
	b->len += cbor_encode_uint(v, ROOM(b));
	return 0;
}

int lwcb_put_int(lw_buf *b, int64_t v)
{
	if (v >= 0)
		return lwcb_put_uint(b, (uint64_t)v);
	return lwcb_put_negint(b, (uint64_t)(-(v + 1)));
}

int lwcb_put_negint(lw_buf *b, uint64_t n)
{
	int rc = lw_buf_reserve(b, lwcb_head_size(n));
	if (rc)
		return rc;
	b->len += cbor_encode_negint(n, ROOM(b));
	return 0;
}

static int put_string(lw_buf *b, bool text, const void *s, size_t len)
{
	size_t h = lwcb_head_size(len);
	if (len > SIZE_MAX - h)
		return LW_ENOMEM;
	int rc = lw_buf_reserve(b, h + len);
	if (rc)
		return rc;
	b->len += text ? cbor_encode_string_start(len, ROOM(b))
	               : cbor_encode_bytestring_start(len, ROOM(b));
	if (len)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	return 0;
}

int lwcb_put_text(lw_buf *b, const void *s, size_t len)
{
	return put_string(b, true, s, len);
}

int lwcb_put_bytes(lw_buf *b, const void *s, size_t len)
{
	return put_string(b, false, s, len);
}

int lwcb_put_array(lw_buf *b, size_t n)
{
	int rc = lw_buf_reserve(b, lwcb_head_size(n));
	if (rc)
		return rc;
	b->len += cbor_encode_array_start(n, ROOM(b));
	return 0;
}

int lwcb_put_map(lw_buf *b, size_t n)
{
	int rc = lw_buf_reserve(b, lwcb_head_size(n));
	if (rc)
		return rc;
	b->len += cbor_encode_map_start(n, ROOM(b));
	return 0;
}

int lwcb_put_bool(lw_buf *b, bool v)
{
	int rc = lw_buf_reserve(b, 1);
	if (rc)
		return rc;
	b->len += cbor_encode_bool(v, ROOM(b));
	return 0;
}

int lwcb_put_null(lw_buf *b)
{
	int rc = lw_buf_reserve(b, 1);
	if (rc)
		return rc;
	b->len += cbor_encode_null(ROOM(b));
	return 0;
}

int lwcb_put_tag(lw_buf *b, uint64_t tag)
{
	int rc = lw_buf_reserve(b, lwcb_head_size(tag));
	if (rc)
		return rc;
	b->len += cbor_encode_tag(tag, ROOM(b));
	return 0;
}

/*
 * The half-precision bits of v when v is exactly representable, else false.
 * Done here rather than with cbor_encode_half() because that one rounds
 * whatever it is given, and we must know exactness before choosing a width.
 */
static bool half_exact(double v, uint16_t *h)
{
	if (isnan(v)) {
		*h = 0x7e00; /* the canonical quiet NaN of RFC 8949 4.2.2 */
		return true;
	}
	uint16_t sign = signbit(v) ? 0x8000 : 0;
	double a = fabs(v);
	if (isinf(a)) {
		*h = sign | 0x7c00;
		return true;
	}
	if (a == 0) {
		*h = sign;
		return true;
	}
	int e;
	frexp(a, &e); /* a = m * 2^e with m in [0.5, 1): the binary exponent is e - 1 */
	int exp2 = e - 1;
	if (exp2 > 15)
		return false;
	if (exp2 >= -14) {
		double m = ldexp(a, 10 - exp2); /* 1024..2047 when 10 fraction bits suffice */
		if (m != floor(m))
			return false;
		*h = sign | (uint16_t)((exp2 + 15) << 10) | (uint16_t)((unsigned)m - 1024);
		return true;
	}
	double m = ldexp(a, 24); /* subnormal: a = m * 2^-24, m in 1..1023 */
	if (m != floor(m) || m >= 1024)
		return false;
	*h = sign | (uint16_t)m;
	return true;
}

static size_t float_size(double v)
{
	uint16_t h;
	if (half_exact(v, &h))
		return 3;
	if ((double)(float)v == v)
		return 5;
	return 9;
}

int lwcb_put_float(lw_buf *b, double v)
{
	uint16_t h;
	int rc = lw_buf_reserve(b, 9);
	if (rc)
		return rc;
	if (half_exact(v, &h)) {
		uint8_t *p = b->data + b->len;
		p[0] = 0xf9;
		p[1] = (uint8_t)(h >> 8);
		p[2] = (uint8_t)h;
		b->len += 3;
	} else if ((double)(float)v == v) {
		b->len += cbor_encode_single((float)v, ROOM(b));
	} else {
		b->len += cbor_encode_double(v, ROOM(b));
	}
	return 0;
}

/* Whether v can go out as a CBOR integer and read back as the same double. */
static bool int_form(double v)
{
	if (!isfinite(v) || v != trunc(v) || (v == 0 && signbit(v)))
		return false;
	return v >= -TWO63 && v < TWO64;
}

size_t lwcb_number_size(double v, bool int_ok)
{
	if (int_ok && int_form(v))
		return lwcb_head_size(v >= 0 ? (uint64_t)v : (uint64_t)(-((int64_t)v + 1)));
	return float_size(v);
}

int lwcb_put_number(lw_buf *b, double v, bool int_ok)
{
	if (int_ok && int_form(v))
		return v >= 0 ? lwcb_put_uint(b, (uint64_t)v) : lwcb_put_int(b, (int64_t)v);
	return lwcb_put_float(b, v);
}

/* ---- helpers ---- */

static char *put_id(char *o, unsigned v)
{
	char tmp[5];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*o++ = tmp[--n];
	return o;
}

size_t lwcb_path_text(const lw_path *p, char *out)
{
	const uint16_t ids[4] = {p->oid, p->iid, p->rid, p->riid};
	char *o = out;
	for (int i = 0; i < 4 && ids[i] != LW_ID_NONE; i++) {
		*o++ = '/';
		o = put_id(o, ids[i]);
	}
	if (o == out)
		*o++ = '/';
	return (size_t)(o - out);
}

static int parse_id(const uint8_t *s, size_t len, uint16_t *out)
{
	uint32_t v = 0;
	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int lwcb_objlnk_parse(const uint8_t *s, size_t len, lw_objlnk *out)
{
	const uint8_t *colon = memchr(s, ':', len);
	if (!colon)
		return -1;
	size_t a = (size_t)(colon - s);
	if (parse_id(s, a, &out->oid) || parse_id(colon + 1, len - a - 1, &out->iid))
		return -1;
	return 0;
}

size_t lwcb_objlnk_text(const lw_objlnk *l, char *out)
{
	char *o = put_id(out, l->oid);
	*o++ = ':';
	o = put_id(o, l->iid);
	return (size_t)(o - out);
}

bool lwcb_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* ---- around the records ---- */

int lwcb_model_type(struct lwcb_type_cache *c, const lw_path *p)
{
	if (c->valid && c->oid == p->oid && c->rid == p->rid)
		return c->type;
	c->valid = true;
	c->oid = p->oid;
	c->rid = p->rid;
	c->type = c->m ? lw_model_type(c->m, p) : LW_TYPE_NONE;
	return c->type;
}

int lwcb_oom(struct lw_codec_error *err, size_t at)
{
	lw_codec_fail(err, at, "out of memory");
	return LW_ENOMEM;
}

lw_record *lwcb_add_record(lw_records *out, size_t at, struct lw_codec_error *err, int *rc)
{
	lw_record *r = lw_records_add(out);
	if (r)
		return r;
	if (out->max_items && out->n >= out->max_items)
		*rc = lw_codec_fail(err, at, "too many records (the limit is %zu)", out->max_items);
	else
		*rc = lwcb_oom(err, at);
	return NULL;
}

int lwcb_check_records(const lw_records *in, const char *time_refused,
                       struct lw_codec_error *err)
{
	for (size_t i = 0; i < in->n; i++) {
		const lw_record *r = &in->items[i];
		int depth = lw_path_depth(&r->path);
		if (r->type > LW_TYPE_CORELNK)
			return lw_codec_fail(err, i, "record %zu has an unknown type %u", i, r->type);
		if (depth == 0)
			return lw_codec_fail(err, i, "record %zu has the root path", i);
		if (r->type != LW_TYPE_NONE && depth < 3)
			return lw_codec_fail(err, i, "record %zu: a value needs a resource path", i);
		if (time_refused && r->has_time)
			return lw_codec_fail(err, i, "record %zu has a time stamp, %s", i, time_refused);
		if ((r->type == LW_TYPE_STRING || r->type == LW_TYPE_CORELNK) &&
		    !lwcb_utf8_valid(r->v.s.data, r->v.s.len))
			return lw_codec_fail(err, i, "record %zu: the string is not valid UTF-8", i);
	}
	return 0;
}

int lwcb_output_failed(const lw_buf *out, int rc, struct lw_codec_error *err)
{
	lw_codec_fail(err, out->len, rc == LW_ENOSPC ? "output larger than the buffer's limit"
	                                             : "out of memory");
	return rc;
}
