/*
 * coap/message.c: CoAP message parsing and encoding (RFC 7252 section 3).
 *
 * Every datagram the server receives goes through lw_coap_parse(), so the
 * parser makes a single pass over the bytes, copies nothing but the token
 * and never allocates: options and payload are pointers into the datagram.
 * Encoding writes straight into the caller's buffer through a builder whose
 * errors are sticky, so callers chain calls and check once at the end.
 */
#include <string.h>

#include "coap/message.h"
#include "lwm2m/error.h"

#define COAP_VERSION 1
#define COAP_HEADER_LEN 4
#define COAP_PAYLOAD_MARKER 0xff

/* Option delta and length nibbles (RFC 7252 3.1). */
#define NIB_EXT8 13  /* one extension byte follows, value - 13 */
#define NIB_EXT16 14 /* two extension bytes follow, value - 269 */
#define NIB_RESERVED 15
#define EXT8_BASE 13
#define EXT16_BASE 269

/* ---- parsing ---- */

/*
 * Decodes the value behind one 4-bit delta or length field, consuming its
 * extension bytes. Nibble 15 is only legal as part of the payload marker,
 * which the caller has already ruled out.
 */
static int read_ext(unsigned nib, const uint8_t **pp, const uint8_t *end, uint32_t *out)
{
	const uint8_t *p = *pp;

	switch (nib) {
	case NIB_EXT8:
		if (end - p < 1)
			return LW_EPROTO;
		*out = EXT8_BASE + p[0];
		*pp = p + 1;
		return 0;
	case NIB_EXT16:
		if (end - p < 2)
			return LW_EPROTO;
		*out = EXT16_BASE + ((uint32_t)p[0] << 8 | p[1]);
		*pp = p + 2;
		return 0;
	case NIB_RESERVED:
		return LW_EPROTO;
	default:
		*out = nib;
		return 0;
	}
}

static int parse_options(struct lw_coap_msg *m, const uint8_t *p, const uint8_t *end)
{
	uint32_t number = 0;

	while (p < end) {
		struct lw_coap_option *o;
		uint32_t delta, len;
		uint8_t b = *p++;

		if (b == COAP_PAYLOAD_MARKER) {
			/* RFC 7252 3: a marker with nothing after it is an error. */
			if (p == end)
				return LW_EPROTO;
			m->payload = p;
			m->payload_len = (size_t)(end - p);
			return 0;
		}
		if (read_ext(b >> 4, &p, end, &delta) || read_ext(b & 0x0f, &p, end, &len))
			return LW_EPROTO;
		number += delta;
		if (number > UINT16_MAX || len > UINT16_MAX || len > (size_t)(end - p))
			return LW_EPROTO;
		if (m->n_opts == LW_COAP_MAX_OPTIONS)
			return LW_EPROTO;
		o = &m->opts[m->n_opts++];
		o->number = (uint16_t)number;
		o->len = (uint16_t)len;
		o->value = p;
		p += len;
	}
	return 0;
}

int lw_coap_parse(struct lw_coap_msg *m, const uint8_t *buf, size_t len)
{
	unsigned tkl;
	int err;

	/* Not a memset: the option array is 1 KiB and is only read up to n_opts. */
	m->type = 0;
	m->code = 0;
	m->mid = 0;
	m->token_len = 0;
	m->n_opts = 0;
	m->payload = NULL;
	m->payload_len = 0;

	if (len < COAP_HEADER_LEN || buf[0] >> 6 != COAP_VERSION)
		return LW_EINVAL;
	m->type = (buf[0] >> 4) & 3;
	m->code = buf[1];
	m->mid = (uint16_t)(buf[2] << 8 | buf[3]);
	tkl = buf[0] & 0x0f;

	/* RFC 7252 4.1: an empty message is the bare header. */
	if (m->code == LW_COAP_EMPTY)
		return tkl == 0 && len == COAP_HEADER_LEN ? 0 : LW_EPROTO;
	if (tkl > LW_COAP_MAX_TOKEN || tkl > len - COAP_HEADER_LEN)
		return LW_EPROTO;
	memcpy(m->token, buf + COAP_HEADER_LEN, tkl);
	m->token_len = (uint8_t)tkl;

	err = parse_options(m, buf + COAP_HEADER_LEN + tkl, buf + len);
	if (err) {
		/* Leave only the header usable, as documented. */
		m->token_len = 0;
		m->n_opts = 0;
		m->payload = NULL;
		m->payload_len = 0;
	}
	return err;
}

/* ---- accessors ---- */

static int len_ok(const struct lw_coap_option_def *def, const struct lw_coap_option *o)
{
	return !def || (o->len >= def->min_len && o->len <= def->max_len);
}

/* Guards readers against a hand-made struct with a corrupt count. */
static const struct lw_coap_option *opts_end(const struct lw_coap_msg *m)
{
	unsigned n = m->n_opts;

	return m->opts + (n < LW_COAP_MAX_OPTIONS ? n : LW_COAP_MAX_OPTIONS);
}

uint16_t lw_coap_bad_critical_option(const struct lw_coap_msg *m)
{
	const struct lw_coap_option *o, *end = opts_end(m);

	for (o = m->opts; o < end; o++) {
		const struct lw_coap_option_def *def;

		if (!LW_COAP_OPT_IS_CRITICAL(o->number))
			continue;
		def = lw_coap_option_def(o->number);
		if (!def || !len_ok(def, o))
			return o->number;
		/* Options are sorted, so a repeat is always adjacent. */
		if (!def->repeatable && o > m->opts && o[-1].number == o->number)
			return o->number;
	}
	return 0;
}

/*
 * RFC 7252 5.4.3 and 5.4.5: an occurrence with a bad length, or a repeat of
 * a non-repeatable option, must be treated as unrecognised; for elective
 * options that means ignored, which is what the accessors do here.
 */
const struct lw_coap_option *lw_coap_find(const struct lw_coap_msg *m, uint16_t number)
{
	const struct lw_coap_option_def *def = lw_coap_option_def(number);
	const struct lw_coap_option *o, *end = opts_end(m);

	for (o = m->opts; o < end && o->number <= number; o++) {
		if (o->number != number)
			continue;
		if (len_ok(def, o))
			return o;
		if (def && !def->repeatable)
			return NULL;
	}
	return NULL;
}

const struct lw_coap_option *lw_coap_find_next(const struct lw_coap_msg *m,
                                               const struct lw_coap_option *prev)
{
	const struct lw_coap_option_def *def;
	const struct lw_coap_option *o, *end = opts_end(m);

	if (!prev)
		return NULL;
	def = lw_coap_option_def(prev->number);
	if (def && !def->repeatable)
		return NULL;
	/* Sorted: the other occurrences directly follow prev. */
	for (o = prev + 1; o < end && o->number == prev->number; o++) {
		if (len_ok(def, o))
			return o;
	}
	return NULL;
}

int lw_coap_opt_uint(const struct lw_coap_option *o, uint32_t *out)
{
	uint32_t v = 0;
	unsigned i;

	if (!o || o->len > 4)
		return LW_EINVAL;
	for (i = 0; i < o->len; i++)
		v = v << 8 | o->value[i];
	*out = v;
	return 0;
}

uint32_t lw_coap_get_uint(const struct lw_coap_msg *m, uint16_t number, uint32_t dflt)
{
	uint32_t v;

	if (lw_coap_opt_uint(lw_coap_find(m, number), &v))
		return dflt;
	return v;
}

/*
 * A segment holding '/' would make "/a%2Fb" and "/a/b" look alike to the
 * router, and a NUL would cut the string short: both are refused.
 */
static int segment_ok(const struct lw_coap_option *o)
{
	return o->len == 0 || (!memchr(o->value, '/', o->len) && !memchr(o->value, '\0', o->len));
}

int lw_coap_uri_path(const struct lw_coap_msg *m, char *out, size_t cap)
{
	const struct lw_coap_option *o = lw_coap_find(m, LW_COAP_OPT_URI_PATH);
	size_t n = 0;
	int err = 0;

	if (!o) {
		if (cap < 2)
			return LW_ENOSPC;
		out[0] = '/';
		out[1] = '\0';
		return 1;
	}
	for (; o; o = lw_coap_find_next(m, o)) {
		if (!segment_ok(o)) {
			err = LW_EINVAL;
			break;
		}
		/* Room was kept for the NUL, so n <= cap and this cannot wrap. */
		if (cap - n < (size_t)o->len + 2) {
			err = LW_ENOSPC;
			break;
		}
		out[n++] = '/';
		if (o->len)
			memcpy(out + n, o->value, o->len);
		n += o->len;
	}
	if (err) {
		/* Never leave a truncated path that could be mistaken for a real one. */
		if (cap > 0)
			out[0] = '\0';
		return err;
	}
	out[n] = '\0';
	return (int)n;
}

const char *lw_coap_code_str(uint8_t code, char buf[5])
{
	unsigned detail = LW_COAP_DETAIL(code);

	buf[0] = (char)('0' + LW_COAP_CLASS(code));
	buf[1] = '.';
	buf[2] = (char)('0' + detail / 10);
	buf[3] = (char)('0' + detail % 10);
	buf[4] = '\0';
	return buf;
}

/* ---- builder ---- */

static void fail(struct lw_coap_builder *b, int err)
{
	if (!b->err)
		b->err = err;
}

/* Checks that n more bytes fit; written so that a huge n cannot wrap. */
static int room(struct lw_coap_builder *b, size_t n)
{
	if (b->err)
		return 0;
	if (b->cap - b->len < n) {
		fail(b, LW_ENOSPC);
		return 0;
	}
	return 1;
}

static int is_empty_msg(const struct lw_coap_builder *b)
{
	return b->buf[1] == LW_COAP_EMPTY;
}

void lw_coap_build_start(struct lw_coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                         uint8_t code, uint16_t mid, const uint8_t *token, size_t token_len)
{
	b->buf = buf;
	b->cap = buf ? cap : 0;
	b->len = 0;
	b->last_opt = 0;
	b->err = 0;

	if (type > LW_COAP_RST || token_len > LW_COAP_MAX_TOKEN || (token_len && !token) ||
	    (code == LW_COAP_EMPTY && token_len)) {
		fail(b, LW_EINVAL);
		return;
	}
	if (!room(b, COAP_HEADER_LEN + token_len))
		return;
	buf[0] = (uint8_t)(COAP_VERSION << 6 | type << 4 | token_len);
	buf[1] = code;
	buf[2] = (uint8_t)(mid >> 8);
	buf[3] = (uint8_t)mid;
	if (token_len)
		memcpy(buf + COAP_HEADER_LEN, token, token_len);
	b->len = COAP_HEADER_LEN + token_len;
}

static unsigned ext_nibble(uint32_t v)
{
	if (v < EXT8_BASE)
		return v;
	return v < EXT16_BASE ? NIB_EXT8 : NIB_EXT16;
}

static size_t ext_size(unsigned nib)
{
	return nib == NIB_EXT8 ? 1 : nib == NIB_EXT16 ? 2 : 0;
}

static uint8_t *put_ext(uint8_t *p, unsigned nib, uint32_t v)
{
	if (nib == NIB_EXT8) {
		*p++ = (uint8_t)(v - EXT8_BASE);
	} else if (nib == NIB_EXT16) {
		v -= EXT16_BASE;
		*p++ = (uint8_t)(v >> 8);
		*p++ = (uint8_t)v;
	}
	return p;
}

void lw_coap_build_opt(struct lw_coap_builder *b, uint16_t number, const void *value, size_t len)
{
	unsigned dn, ln;
	uint32_t delta;
	uint8_t *p;

	if (b->err)
		return;
	if (number < b->last_opt || len > UINT16_MAX || (len && !value) || is_empty_msg(b)) {
		fail(b, LW_EINVAL);
		return;
	}
	delta = (uint32_t)(number - b->last_opt);
	dn = ext_nibble(delta);
	ln = ext_nibble((uint32_t)len);
	if (!room(b, 1 + ext_size(dn) + ext_size(ln) + len))
		return;
	p = b->buf + b->len;
	*p++ = (uint8_t)(dn << 4 | ln);
	p = put_ext(p, dn, delta);
	p = put_ext(p, ln, (uint32_t)len);
	if (len)
		memcpy(p, value, len);
	b->len = (size_t)(p - b->buf) + len;
	b->last_opt = number;
}

void lw_coap_build_opt_uint(struct lw_coap_builder *b, uint16_t number, uint32_t value)
{
	uint8_t be[4];
	size_t n = 0;

	/* RFC 7252 3.2: as few bytes as possible, so 0 has no bytes at all. */
	while (n < sizeof(be) && value >> (8 * n))
		n++;
	be[0] = (uint8_t)(value >> 24);
	be[1] = (uint8_t)(value >> 16);
	be[2] = (uint8_t)(value >> 8);
	be[3] = (uint8_t)value;
	lw_coap_build_opt(b, number, be + sizeof(be) - n, n);
}

void lw_coap_build_opt_str(struct lw_coap_builder *b, uint16_t number, const char *value)
{
	if (!value) {
		fail(b, LW_EINVAL);
		return;
	}
	lw_coap_build_opt(b, number, value, strlen(value));
}

/*
 * RFC 7252 6.4 step 8: "/" alone means no segment at all, while every other
 * '/' separates segments, so "/a/" is "a" followed by an empty segment.
 */
void lw_coap_build_opt_path(struct lw_coap_builder *b, uint16_t number, const char *path)
{
	if (!path) {
		fail(b, LW_EINVAL);
		return;
	}
	if (*path == '/')
		path++;
	if (!*path)
		return;
	for (;;) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);

		lw_coap_build_opt(b, number, path, n);
		if (!slash || b->err)
			return;
		path = slash + 1;
	}
}

void lw_coap_build_payload(struct lw_coap_builder *b, const void *data, size_t len)
{
	if (b->err)
		return;
	if (len) {
		if (!data || is_empty_msg(b)) {
			fail(b, LW_EINVAL);
			return;
		}
		/* Written so that 1 + len cannot wrap. */
		if (b->cap - b->len < 1 || b->cap - b->len - 1 < len) {
			fail(b, LW_ENOSPC);
			return;
		}
		b->buf[b->len++] = COAP_PAYLOAD_MARKER;
		memcpy(b->buf + b->len, data, len);
		b->len += len;
	}
	/*
	 * The message is complete. The struct has no flag for that, so close
	 * it through its fields: any later option is out of order (EINVAL)
	 * and any later byte does not fit (ENOSPC).
	 */
	b->last_opt = UINT16_MAX;
	b->cap = b->len;
}

int lw_coap_build_end(struct lw_coap_builder *b, size_t *out_len)
{
	if (!b->err && out_len)
		*out_len = b->len;
	return b->err;
}

/* ---- encoding a struct ---- */

/*
 * Stable insertion sort of option indexes by number. Options almost always
 * arrive sorted, which makes this one linear pass; the worst case is
 * bounded by LW_COAP_MAX_OPTIONS squared, a constant.
 */
static void sort_options(const struct lw_coap_msg *m, uint8_t *order)
{
	unsigned i, j;

	for (i = 0; i < m->n_opts; i++) {
		uint8_t cur = (uint8_t)i;

		for (j = i; j > 0 && m->opts[order[j - 1]].number > m->opts[cur].number; j--)
			order[j] = order[j - 1];
		order[j] = cur;
	}
}

int lw_coap_encode(const struct lw_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	uint8_t order[LW_COAP_MAX_OPTIONS];
	struct lw_coap_builder b;
	unsigned i;

	if (m->n_opts > LW_COAP_MAX_OPTIONS || (m->payload_len && !m->payload))
		return LW_EINVAL;
	sort_options(m, order);
	lw_coap_build_start(&b, buf, cap, m->type, m->code, m->mid, m->token, m->token_len);
	for (i = 0; i < m->n_opts; i++) {
		const struct lw_coap_option *o = &m->opts[order[i]];

		lw_coap_build_opt(&b, o->number, o->value, o->len);
	}
	lw_coap_build_payload(&b, m->payload, m->payload_len);
	return lw_coap_build_end(&b, out_len);
}
