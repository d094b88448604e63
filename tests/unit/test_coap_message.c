/*
 * tests/unit/test_coap_message.c: the CoAP message parser, builder and
 * encoder against byte vectors.
 *
 * The vectors come from three places: the RFC 7252 examples, hand-made
 * boundary cases of the option header encoding (RFC 7252 3.1), and real
 * datagrams written by libcoap, so that the parser is checked against an
 * independent encoder and not only against our own builder.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "coap/message.h"
#include "lwm2m/error.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

/*
 * Parses into m from a copy that outlives the statement: a compound literal
 * inside cr_assert() dies with the assertion's block, while m keeps
 * pointers into it.
 */
#define PARSE(...) parse_kept(BYTES(__VA_ARGS__))

static struct lw_coap_msg m;
static uint8_t kept[256];

static int parse_kept(const uint8_t *buf, size_t len)
{
	cr_assert_leq(len, sizeof(kept));
	memcpy(kept, buf, len);
	return lw_coap_parse(&m, kept, len);
}

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (s[0] && s[1]) {
		cr_assert(n < cap);
		cr_assert_eq(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* parse -> encode must give back exactly the same bytes. */
static void assert_round_trip(const uint8_t *buf, size_t len)
{
	struct lw_coap_msg m2;
	uint8_t out[2048];
	size_t out_len = 0;

	cr_assert_eq(lw_coap_parse(&m2, buf, len), 0);
	cr_assert_eq(lw_coap_encode(&m2, out, sizeof(out), &out_len), 0);
	cr_assert_eq(out_len, len);
	cr_assert_arr_eq(out, buf, len);
}

static void assert_opt(unsigned i, uint16_t number, const char *value)
{
	cr_assert_lt(i, m.n_opts);
	cr_assert_eq(m.opts[i].number, number, "opt %u: %u != %u", i, m.opts[i].number, number);
	cr_assert_eq(m.opts[i].len, strlen(value));
	cr_assert_arr_eq(m.opts[i].value, value, m.opts[i].len);
}

static void assert_payload(const char *text)
{
	cr_assert_eq(m.payload_len, strlen(text));
	cr_assert_arr_eq(m.payload, text, m.payload_len);
}

/* ---- RFC 7252 examples ---- */

Test(coap_rfc, con_get_temperature)
{
	static const uint8_t v[] = { 0x40, 0x01, 0x7d, 0x34, 0xbb, 't', 'e', 'm', 'p',
				     'e',  'r',  'a',  't',  'u',  'r', 'e' };
	char path[32];

	cr_assert_eq(lw_coap_parse(&m, v, sizeof(v)), 0);
	cr_assert_eq(m.type, LW_COAP_CON);
	cr_assert_eq(m.code, LW_COAP_GET);
	cr_assert_eq(m.mid, 0x7d34);
	cr_assert_eq(m.token_len, 0);
	cr_assert_eq(m.n_opts, 1);
	assert_opt(0, LW_COAP_OPT_URI_PATH, "temperature");
	cr_assert_null(m.payload);
	cr_assert_eq(m.payload_len, 0);
	cr_assert_eq(lw_coap_uri_path(&m, path, sizeof(path)), 12);
	cr_assert_str_eq(path, "/temperature");
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	assert_round_trip(v, sizeof(v));
}

Test(coap_rfc, ack_content_payload)
{
	static const uint8_t v[] = { 0x60, 0x45, 0x7d, 0x34, 0xff, '2', '2', '.', '3', ' ', 'C' };

	cr_assert_eq(lw_coap_parse(&m, v, sizeof(v)), 0);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_CONTENT);
	cr_assert_eq(m.mid, 0x7d34);
	cr_assert_eq(m.n_opts, 0);
	assert_payload("22.3 C");
	assert_round_trip(v, sizeof(v));
}

Test(coap_rfc, con_get_with_token)
{
	static const uint8_t v[] = { 0x42, 0x01, 0x7d, 0x35, 0x71, 0x3a, 0xbb, 't', 'e', 'm',
				     'p',  'e',  'r',  'a',  't',  'u',  'r',  'e' };

	cr_assert_eq(lw_coap_parse(&m, v, sizeof(v)), 0);
	cr_assert_eq(m.token_len, 2);
	cr_assert_eq(m.token[0], 0x71);
	cr_assert_eq(m.token[1], 0x3a);
	assert_opt(0, LW_COAP_OPT_URI_PATH, "temperature");
	assert_round_trip(v, sizeof(v));
}

Test(coap_rfc, empty_ack_rst_ping)
{
	cr_assert_eq(PARSE(0x60, 0x00, 0x7d, 0x34), 0);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_EMPTY);
	cr_assert_eq(m.mid, 0x7d34);

	cr_assert_eq(PARSE(0x70, 0x00, 0x12, 0x34), 0);
	cr_assert_eq(m.type, LW_COAP_RST);
	cr_assert_eq(m.mid, 0x1234);

	/* CoAP ping: an empty CON. */
	cr_assert_eq(PARSE(0x40, 0x00, 0xbe, 0xef), 0);
	cr_assert_eq(m.type, LW_COAP_CON);
	cr_assert_eq(m.code, LW_COAP_EMPTY);
	cr_assert_eq(m.n_opts, 0);
	cr_assert_null(m.payload);
	assert_round_trip(BYTES(0x40, 0x00, 0xbe, 0xef));
	assert_round_trip(BYTES(0x70, 0x00, 0x12, 0x34));
}

/* ---- header errors ---- */

Test(coap_parse, short_and_bad_version_einval)
{
	static const uint8_t v[] = { 0x40, 0x01, 0x00, 0x01 };
	unsigned ver;

	for (size_t len = 0; len <= sizeof(v); len++)
		cr_assert_eq(lw_coap_parse(&m, v, len), len < 4 ? LW_EINVAL : 0);
	cr_assert_eq(lw_coap_parse(&m, NULL, 0), LW_EINVAL);
	for (ver = 0; ver < 4; ver++) {
		uint8_t h[4] = { (uint8_t)(ver << 6), 0x01, 0, 1 };

		cr_assert_eq(lw_coap_parse(&m, h, sizeof(h)), ver == 1 ? 0 : LW_EINVAL);
	}
}

Test(coap_parse, tokens)
{
	uint8_t buf[4 + 15];
	unsigned tkl, i;

	for (tkl = 0; tkl <= 15; tkl++) {
		buf[0] = (uint8_t)(0x50 | tkl);
		buf[1] = LW_COAP_POST;
		buf[2] = 0xab;
		buf[3] = 0xcd;
		for (i = 0; i < tkl; i++)
			buf[4 + i] = (uint8_t)(0xa0 + i);
		if (tkl <= LW_COAP_MAX_TOKEN) {
			cr_assert_eq(lw_coap_parse(&m, buf, 4 + tkl), 0, "tkl %u", tkl);
			cr_assert_eq(m.token_len, tkl);
			cr_assert_arr_eq(m.token, buf + 4, tkl);
			assert_round_trip(buf, 4 + tkl);
		} else {
			cr_assert_eq(lw_coap_parse(&m, buf, 4 + tkl), LW_EPROTO, "tkl %u", tkl);
			/* The header is still usable, for the RST decision. */
			cr_assert_eq(m.type, LW_COAP_NON);
			cr_assert_eq(m.code, LW_COAP_POST);
			cr_assert_eq(m.mid, 0xabcd);
			cr_assert_eq(m.token_len, 0);
		}
	}
	/* Token length larger than what follows the header. */
	cr_assert_eq(PARSE(0x44, 0x01, 0, 1, 1, 2, 3), LW_EPROTO);
}

Test(coap_parse, empty_message_must_be_bare)
{
	cr_assert_eq(PARSE(0x41, 0x00, 0, 1, 0xaa), LW_EPROTO);
	/* TKL set but no byte: still a format error. */
	cr_assert_eq(PARSE(0x41, 0x00, 0, 1), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 0x00, 0, 1, 0xb1, 'a'), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 0x00, 0, 1, 0xff, 'x'), LW_EPROTO);
	cr_assert_eq(m.type, LW_COAP_CON);
	cr_assert_eq(m.code, LW_COAP_EMPTY);
	cr_assert_eq(m.mid, 1);
}

/* ---- option header encoding ---- */

Test(coap_parse, delta_boundaries)
{
	struct {
		uint16_t number;
		uint8_t hdr[3];
		size_t hdr_len;
	} c[] = {
		{ 12, { 0xc0 }, 1 },         { 13, { 0xd0, 0x00 }, 2 },
		{ 14, { 0xd0, 0x01 }, 2 },    { 268, { 0xd0, 0xff }, 2 },
		{ 269, { 0xe0, 0x00, 0x00 }, 3 }, { 270, { 0xe0, 0x00, 0x01 }, 3 },
		{ 65535, { 0xe0, 0xfe, 0xf2 }, 3 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t buf[8] = { 0x40, 0x01, 0, 1 };
		uint8_t built[8];
		struct lw_coap_builder b;
		size_t len;

		memcpy(buf + 4, c[i].hdr, c[i].hdr_len);
		cr_assert_eq(lw_coap_parse(&m, buf, 4 + c[i].hdr_len), 0, "number %u", c[i].number);
		cr_assert_eq(m.n_opts, 1);
		cr_assert_eq(m.opts[0].number, c[i].number);
		cr_assert_eq(m.opts[0].len, 0);

		/* The builder must pick exactly the same header. */
		lw_coap_build_start(&b, built, sizeof(built), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
		lw_coap_build_opt(&b, c[i].number, NULL, 0);
		cr_assert_eq(lw_coap_build_end(&b, &len), 0);
		cr_assert_eq(len, 4 + c[i].hdr_len);
		cr_assert_arr_eq(built, buf, len);
	}
	/* 269 + 0xfef3 = 65536 does not fit the 16-bit option number. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0, 0xfe, 0xf3), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0, 0xff, 0xff), LW_EPROTO);
	/* Nor does a sum of deltas: 65535 then +1. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0, 0xfe, 0xf2, 0x10), LW_EPROTO);
	cr_assert_eq(m.n_opts, 0);
}

/* A CON GET with one option 1 (If-Match) whose value has the given length. */
static size_t make_len_msg(uint8_t *buf, size_t len)
{
	size_t h = 4;

	buf[0] = 0x40;
	buf[1] = 0x01;
	buf[2] = 0;
	buf[3] = 1;
	if (len < 13) {
		buf[h++] = (uint8_t)(0x10 | len);
	} else if (len < 269) {
		buf[h++] = 0x1d;
		buf[h++] = (uint8_t)(len - 13);
	} else {
		buf[h++] = 0x1e;
		buf[h++] = (uint8_t)((len - 269) >> 8);
		buf[h++] = (uint8_t)(len - 269);
	}
	memset(buf + h, 'v', len);
	return h + len;
}

Test(coap_parse, length_boundaries)
{
	static uint8_t buf[8 + 65535];
	static uint8_t out[8 + 65535];
	static const size_t lens[] = { 0, 12, 13, 14, 268, 269, 270, 1034, 65535 };
	struct lw_coap_builder b;
	size_t n, out_len;

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = make_len_msg(buf, lens[i]);
		cr_assert_eq(lw_coap_parse(&m, buf, n), 0, "len %zu", lens[i]);
		cr_assert_eq(m.n_opts, 1);
		cr_assert_eq(m.opts[0].len, lens[i]);
		cr_assert_eq(m.opts[0].value, buf + n - lens[i]);
		cr_assert_eq(lw_coap_encode(&m, out, sizeof(out), &out_len), 0);
		cr_assert_eq(out_len, n);
		cr_assert_arr_eq(out, buf, n);
	}
	/* 65536 bytes: the 2-byte extension allows it, the 16-bit len does not. */
	buf[4] = 0x1e;
	buf[5] = 0xfe;
	buf[6] = 0xf3;
	cr_assert_eq(lw_coap_parse(&m, buf, sizeof(buf)), LW_EPROTO);
	/* The builder refuses it too. */
	lw_coap_build_start(&b, out, sizeof(out), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt(&b, 1, buf, 65536);
	cr_assert_eq(lw_coap_build_end(&b, &n), LW_EINVAL);
}

Test(coap_parse, value_past_end)
{
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb3, 'a', 'b'), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xbd, 0x00, 'a'), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb3, 'a', 'b', 'c'), 0);
}

Test(coap_parse, nibble_15_misuse)
{
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xf0), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xf1, 'a'), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x0f), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xbf, 'a'), LW_EPROTO);
	/* After a valid option too. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb1, 'a', 0x1f), LW_EPROTO);
	cr_assert_eq(m.n_opts, 0);
}

Test(coap_parse, truncated_extensions)
{
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xd0), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0, 0x01), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x1d), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x1e, 0x00), LW_EPROTO);
	/* Both extended: delta ext present, length ext cut off. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xee, 0x00, 0x00, 0x00), LW_EPROTO);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xdd, 0x00), LW_EPROTO);
}

Test(coap_parse, payload_marker)
{
	cr_assert_eq(PARSE(0x40, 2, 0, 1, 0xff), LW_EPROTO);
	cr_assert_eq(PARSE(0x41, 2, 0, 1, 0x07, 0xb1, 'a', 0xff), LW_EPROTO);
	cr_assert_null(m.payload);
	cr_assert_eq(PARSE(0x41, 2, 0, 1, 0x07, 0xb1, 'a', 0xff, 0xff), 0);
	cr_assert_eq(m.payload_len, 1);
	cr_assert_eq(m.payload[0], 0xff);
}

Test(coap_parse, too_many_options)
{
	uint8_t buf[4 + LW_COAP_MAX_OPTIONS + 1] = { 0x40, 0x01, 0, 1 };

	/* Zero-length options with delta 0: option number 0, repeated. */
	cr_assert_eq(lw_coap_parse(&m, buf, 4 + LW_COAP_MAX_OPTIONS), 0);
	cr_assert_eq(m.n_opts, LW_COAP_MAX_OPTIONS);
	cr_assert_eq(lw_coap_parse(&m, buf, 4 + LW_COAP_MAX_OPTIONS + 1), LW_EPROTO);
	cr_assert_eq(m.n_opts, 0);
}

/* ---- critical options ---- */

Test(coap_options, bad_critical)
{
	/* Unknown critical 13 (odd). */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xd1, 0x00, 'x'), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 13);
	/* Unknown elective 2 is ignored. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x21, 'x'), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	/* The highest number is odd and unknown. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xe0, 0xfe, 0xf2), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 65535);
	/* The first offender is reported: Uri-Host (3) empty, then 13. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x30, 0xa0), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 3);
}

Test(coap_options, known_bad_length)
{
	/* If-Match longer than 8. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 9), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_IF_MATCH);
	/* Uri-Port of 3 bytes. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x73, 1, 2, 3), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_URI_PORT);
	/* If-None-Match must be empty. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x51, 0), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_IF_NONE_MATCH);
	/* Hop-Limit is exactly one byte. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xd0, 0x03), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0); /* 16 is elective */
	/* Block1 (27) of 4 bytes: critical. */
	cr_assert_eq(PARSE(0x40, 3, 0, 1, 0xd4, 14, 1, 2, 3, 4), 0);
	cr_assert_eq(m.opts[0].number, 27);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_BLOCK1);
	/* Elective Content-Format of 3 bytes: not reported, but ignored. */
	cr_assert_eq(PARSE(0x40, 2, 0, 1, 0xc3, 0, 0, 40), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	cr_assert_null(lw_coap_find(&m, LW_COAP_OPT_CONTENT_FORMAT));
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_CONTENT_FORMAT, 77), 77);
}

Test(coap_options, repeated)
{
	/* Uri-Host twice: non-repeatable critical. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x31, 'a', 0x01, 'b'), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_URI_HOST);
	/* Accept (17) twice. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xd1, 4, 40, 0x01, 50), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), LW_COAP_OPT_ACCEPT);
	/* Uri-Path and Uri-Query repeat freely. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb1, 'a', 0x01, 'b', 0x41, 'q', 0x01, 'r'), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	/* Content-Format twice: elective, the first one wins. */
	cr_assert_eq(PARSE(0x40, 2, 0, 1, 0xc1, 40, 0x01, 50), 0);
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_CONTENT_FORMAT, 0), 40);
	cr_assert_null(lw_coap_find_next(&m, lw_coap_find(&m, LW_COAP_OPT_CONTENT_FORMAT)));
}

Test(coap_options, table)
{
	static const struct {
		uint16_t number;
		const char *name;
		uint8_t format, repeatable;
		uint16_t min, max;
	} want[] = {
		{ 1, "If-Match", LW_COAP_FMT_OPAQUE, 1, 0, 8 },
		{ 3, "Uri-Host", LW_COAP_FMT_STRING, 0, 1, 255 },
		{ 4, "ETag", LW_COAP_FMT_OPAQUE, 1, 1, 8 },
		{ 5, "If-None-Match", LW_COAP_FMT_EMPTY, 0, 0, 0 },
		{ 6, "Observe", LW_COAP_FMT_UINT, 0, 0, 3 },
		{ 7, "Uri-Port", LW_COAP_FMT_UINT, 0, 0, 2 },
		{ 8, "Location-Path", LW_COAP_FMT_STRING, 1, 0, 255 },
		{ 9, "OSCORE", LW_COAP_FMT_OPAQUE, 0, 0, 255 },
		{ 11, "Uri-Path", LW_COAP_FMT_STRING, 1, 0, 255 },
		{ 12, "Content-Format", LW_COAP_FMT_UINT, 0, 0, 2 },
		{ 14, "Max-Age", LW_COAP_FMT_UINT, 0, 0, 4 },
		{ 15, "Uri-Query", LW_COAP_FMT_STRING, 1, 0, 255 },
		{ 16, "Hop-Limit", LW_COAP_FMT_UINT, 0, 1, 1 },
		{ 17, "Accept", LW_COAP_FMT_UINT, 0, 0, 2 },
		{ 19, "Q-Block1", LW_COAP_FMT_UINT, 0, 0, 3 },
		{ 20, "Location-Query", LW_COAP_FMT_STRING, 1, 0, 255 },
		{ 23, "Block2", LW_COAP_FMT_UINT, 0, 0, 3 },
		{ 27, "Block1", LW_COAP_FMT_UINT, 0, 0, 3 },
		{ 28, "Size2", LW_COAP_FMT_UINT, 0, 0, 4 },
		{ 31, "Q-Block2", LW_COAP_FMT_UINT, 1, 0, 3 },
		{ 35, "Proxy-Uri", LW_COAP_FMT_STRING, 0, 1, 1034 },
		{ 39, "Proxy-Scheme", LW_COAP_FMT_STRING, 0, 1, 255 },
		{ 60, "Size1", LW_COAP_FMT_UINT, 0, 0, 4 },
		{ 258, "No-Response", LW_COAP_FMT_UINT, 0, 0, 1 },
	};
	static const uint16_t unknown[] = { 0, 2, 10, 13, 18, 21, 59, 61, 128, 257, 259, 65535 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct lw_coap_option_def *d = lw_coap_option_def(want[i].number);

		cr_assert_not_null(d, "option %u", want[i].number);
		cr_assert_eq(d->number, want[i].number);
		cr_assert_str_eq(d->name, want[i].name);
		cr_assert_eq(d->format, want[i].format, "%s", d->name);
		cr_assert_eq(d->repeatable, want[i].repeatable, "%s", d->name);
		cr_assert_eq(d->min_len, want[i].min, "%s", d->name);
		cr_assert_eq(d->max_len, want[i].max, "%s", d->name);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		cr_assert_null(lw_coap_option_def(unknown[i]), "option %u", unknown[i]);
}

/* ---- accessors ---- */

Test(coap_access, find_and_next)
{
	const struct lw_coap_option *o;

	/* ETag "" (bad, skipped), ETag "x", Uri-Path a, b, c; If-Match absent. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x40, 0x01, 'x', 0x71, 'a', 0x01, 'b', 0x01, 'c'), 0);
	o = lw_coap_find(&m, LW_COAP_OPT_ETAG);
	cr_assert_eq(o, &m.opts[1]);
	cr_assert_null(lw_coap_find_next(&m, o));
	o = lw_coap_find(&m, LW_COAP_OPT_URI_PATH);
	cr_assert_eq(o, &m.opts[2]);
	o = lw_coap_find_next(&m, o);
	cr_assert_eq(o, &m.opts[3]);
	o = lw_coap_find_next(&m, o);
	cr_assert_eq(o, &m.opts[4]);
	cr_assert_null(lw_coap_find_next(&m, o));
	cr_assert_null(lw_coap_find_next(&m, NULL));
	cr_assert_null(lw_coap_find(&m, LW_COAP_OPT_IF_MATCH));
	cr_assert_null(lw_coap_find(&m, LW_COAP_OPT_URI_QUERY));
}

Test(coap_access, uints)
{
	struct lw_coap_option o = { .number = LW_COAP_OPT_SIZE1 };
	static const uint8_t v[] = { 0x12, 0x34, 0x56, 0x78, 0x9a };
	uint32_t out = 99;

	o.value = v;
	o.len = 0;
	cr_assert_eq(lw_coap_opt_uint(&o, &out), 0);
	cr_assert_eq(out, 0);
	o.len = 1;
	cr_assert_eq(lw_coap_opt_uint(&o, &out), 0);
	cr_assert_eq(out, 0x12);
	o.len = 3;
	cr_assert_eq(lw_coap_opt_uint(&o, &out), 0);
	cr_assert_eq(out, 0x123456);
	o.len = 4;
	cr_assert_eq(lw_coap_opt_uint(&o, &out), 0);
	cr_assert_eq(out, 0x12345678);
	o.len = 5;
	cr_assert_eq(lw_coap_opt_uint(&o, &out), LW_EINVAL);
	cr_assert_eq(lw_coap_opt_uint(NULL, &out), LW_EINVAL);

	/* Observe 0 is zero-length; Max-Age 0x010203; Content-Format absent. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0x60, 0x83, 1, 2, 3), 0);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_OBSERVE, 7), 0);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_MAX_AGE, 60), 0x010203);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_CONTENT_FORMAT, 0xffff), 0xffff);
	/* An unknown option longer than 4 bytes is not a uint. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xd5, 0x31, 1, 2, 3, 4, 5), 0);
	cr_assert_eq(lw_coap_get_uint(&m, 62, 5), 5);
}

Test(coap_access, uri_path)
{
	char out[16];

	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb2, 'r', 'd', 0x05, 'a', 'b', 'c', 'd', 'e'), 0);
	cr_assert_eq(lw_coap_uri_path(&m, out, sizeof(out)), 9);
	cr_assert_str_eq(out, "/rd/abcde");
	/* Exactly fits with its NUL, then one byte short. */
	cr_assert_eq(lw_coap_uri_path(&m, out, 10), 9);
	cr_assert_str_eq(out, "/rd/abcde");
	cr_assert_eq(lw_coap_uri_path(&m, out, 9), LW_ENOSPC);
	cr_assert_str_eq(out, "");
	cr_assert_eq(lw_coap_uri_path(&m, NULL, 0), LW_ENOSPC);

	/* No Uri-Path at all. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1), 0);
	cr_assert_eq(lw_coap_uri_path(&m, out, sizeof(out)), 1);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(lw_coap_uri_path(&m, out, 1), LW_ENOSPC);
	cr_assert_eq(lw_coap_uri_path(&m, NULL, 0), LW_ENOSPC);

	/* Empty segments are kept: "/a//". */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb1, 'a', 0x00, 0x00), 0);
	cr_assert_eq(lw_coap_uri_path(&m, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "/a//");

	/* A '/' or a NUL inside a segment would be ambiguous. */
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb3, 'a', '/', 'b'), 0);
	cr_assert_eq(lw_coap_uri_path(&m, out, sizeof(out)), LW_EINVAL);
	cr_assert_eq(PARSE(0x40, 1, 0, 1, 0xb1, 'x', 0x03, 'a', 0, 'b'), 0);
	cr_assert_eq(lw_coap_uri_path(&m, out, sizeof(out)), LW_EINVAL);
	cr_assert_str_eq(out, "");
}

Test(coap_access, code_str)
{
	char buf[5];

	cr_assert_str_eq(lw_coap_code_str(LW_COAP_EMPTY, buf), "0.00");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_GET, buf), "0.01");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_CONTENT, buf), "2.05");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_CONTINUE, buf), "2.31");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_NOT_FOUND, buf), "4.04");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_UNSUPPORTED_CONTENT_FORMAT, buf), "4.15");
	cr_assert_str_eq(lw_coap_code_str(LW_COAP_SERVICE_UNAVAILABLE, buf), "5.03");
	cr_assert_str_eq(lw_coap_code_str(0xff, buf), "7.31");
}

/* ---- builder ---- */

Test(coap_build, request)
{
	static const uint8_t tok[] = { 0xde, 0xad };
	static const uint8_t want[] = { 0x42, 0x02, 0x12, 0x34, 0xde, 0xad, 0xb2, 'r', 'd', 0x11,
					0x28, 0x37, 'e',  'p',  '=',  'n',  'o',  'd', 'e', 0xff,
					'<',  '/',  '1',  '>' };
	struct lw_coap_builder b;
	uint8_t buf[64];
	size_t len;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_POST, 0x1234, tok, 2);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, "/rd");
	lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, 40);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, "ep=node");
	lw_coap_build_payload(&b, "</1>", 4);
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(len, sizeof(want));
	cr_assert_arr_eq(buf, want, len);
}

Test(coap_build, out_of_order_is_sticky)
{
	struct lw_coap_builder b;
	uint8_t buf[8];
	size_t len = 1234;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "a");
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "b"); /* same number: fine */
	cr_assert_eq(b.err, 0);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_HOST, "h");
	cr_assert_eq(b.err, LW_EINVAL);
	/* A later overflow does not hide the first error. */
	lw_coap_build_payload(&b, "0123456789", 10);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	cr_assert_eq(len, 1234);
}

Test(coap_build, enospc)
{
	static const uint8_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct lw_coap_builder b;
	uint8_t buf[16];
	size_t len;

	lw_coap_build_start(&b, buf, 3, LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);
	lw_coap_build_start(&b, buf, 11, LW_COAP_CON, LW_COAP_GET, 1, tok, 8);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);
	lw_coap_build_start(&b, NULL, 0, LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);

	/* Header 4 + option 1+3 = 8 fits exactly; one more byte does not. */
	lw_coap_build_start(&b, buf, 8, LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "abc");
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(len, 8);
	lw_coap_build_opt(&b, LW_COAP_OPT_URI_PATH, NULL, 0);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);

	/* Payload: marker plus data must fit. */
	lw_coap_build_start(&b, buf, 9, LW_COAP_ACK, LW_COAP_CONTENT, 1, NULL, 0);
	lw_coap_build_payload(&b, "abcd", 4);
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(len, 9);
	lw_coap_build_start(&b, buf, 9, LW_COAP_ACK, LW_COAP_CONTENT, 1, NULL, 0);
	lw_coap_build_payload(&b, "abcde", 5);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);
	lw_coap_build_start(&b, buf, 9, LW_COAP_ACK, LW_COAP_CONTENT, 1, NULL, 0);
	lw_coap_build_payload(&b, "x", (size_t)-1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);
	/* Extended length: header 4 + 1 + 1 ext + 13 = 19 > 16. */
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "0123456789abc");
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_ENOSPC);
}

Test(coap_build, bad_arguments)
{
	static const uint8_t tok[9] = { 0 };
	struct lw_coap_builder b;
	uint8_t buf[32];
	size_t len;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, tok, 9);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), 4, LW_COAP_GET, 1, NULL, 0);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	/* Empty messages are the bare header. */
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_EMPTY, 1, tok, 1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_ACK, LW_COAP_EMPTY, 1, NULL, 0);
	lw_coap_build_opt(&b, LW_COAP_OPT_ETAG, "x", 1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_ACK, LW_COAP_EMPTY, 1, NULL, 0);
	lw_coap_build_payload(&b, "x", 1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_ACK, LW_COAP_EMPTY, 0x55aa, NULL, 0);
	lw_coap_build_payload(&b, NULL, 0);
	cr_assert_eq(lw_coap_build_end(&b, &len), 0);
	cr_assert_eq(len, 4);
	cr_assert_arr_eq(buf, ((uint8_t[]){ 0x60, 0x00, 0x55, 0xaa }), 4);
	/* NULL values. */
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, NULL);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, NULL);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt(&b, LW_COAP_OPT_ETAG, NULL, 1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
}

Test(coap_build, nothing_after_payload)
{
	struct lw_coap_builder b;
	uint8_t buf[32];
	size_t len;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_PUT, 1, NULL, 0);
	lw_coap_build_payload(&b, "x", 1);
	lw_coap_build_opt_uint(&b, LW_COAP_OPT_SIZE1, 1);
	cr_assert_eq(lw_coap_build_end(&b, &len), LW_EINVAL);
	/* An empty payload ends the options as well. */
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_PUT, 1, NULL, 0);
	lw_coap_build_payload(&b, NULL, 0);
	lw_coap_build_opt_uint(&b, LW_COAP_OPT_SIZE1, 1);
	cr_assert_neq(lw_coap_build_end(&b, &len), 0);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_PUT, 1, NULL, 0);
	lw_coap_build_payload(&b, "x", 1);
	lw_coap_build_payload(&b, "y", 1);
	cr_assert_neq(lw_coap_build_end(&b, &len), 0);
}

Test(coap_build, uint_shortest_form)
{
	static const struct {
		uint32_t v;
		size_t n;
	} c[] = {
		{ 0, 0 },	     { 1, 1 },		{ 0xff, 1 },	   { 0x100, 2 },
		{ 0xffff, 2 },	     { 0x10000, 3 },	{ 0xffffff, 3 },   { 0x1000000, 4 },
		{ 0xffffffff, 4 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct lw_coap_builder b;
		uint8_t buf[16];
		size_t len;

		lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_ACK, LW_COAP_CONTENT, 1, NULL, 0);
		lw_coap_build_opt_uint(&b, LW_COAP_OPT_MAX_AGE, c[i].v);
		cr_assert_eq(lw_coap_build_end(&b, &len), 0);
		cr_assert_eq(len, 6 + c[i].n, "value %u", c[i].v);
		cr_assert_eq(buf[4], 0xd0 | c[i].n); /* delta 14 = 13 + 1 */
		cr_assert_eq(buf[5], 1);
		cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
		cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_MAX_AGE, 12345), c[i].v);
	}
}

Test(coap_build, paths)
{
	static const struct {
		const char *path;
		const char *joined;
		unsigned n;
	} c[] = {
		{ "/a/b", "/a/b", 2 }, { "a/b", "/a/b", 2 }, { "/", "/", 0 },
		{ "", "/", 0 },        { "/rd/", "/rd/", 2 }, { "/1//2", "/1//2", 3 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct lw_coap_builder b;
		uint8_t buf[32];
		char out[32];
		size_t len;

		lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
		lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, c[i].path);
		cr_assert_eq(lw_coap_build_end(&b, &len), 0);
		cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
		cr_assert_eq(m.n_opts, c[i].n, "%s", c[i].path);
		cr_assert_geq(lw_coap_uri_path(&m, out, sizeof(out)), 0);
		cr_assert_str_eq(out, c[i].joined);
	}
}

/* ---- encode ---- */

Test(coap_encode, sorts_stably)
{
	static const uint8_t want[] = { 0x40, 0x01, 0x00, 0x07, 0x31, 'h', 0x81, 'a', 0x01,
					'b',  0x01, 'c',  0x41, 'q' };
	struct lw_coap_msg e = {
		.type = LW_COAP_CON,
		.code = LW_COAP_GET,
		.mid = 7,
		.n_opts = 5,
		.opts = {
			{ LW_COAP_OPT_URI_PATH, 1, (const uint8_t *)"a" },
			{ LW_COAP_OPT_URI_QUERY, 1, (const uint8_t *)"q" },
			{ LW_COAP_OPT_URI_PATH, 1, (const uint8_t *)"b" },
			{ LW_COAP_OPT_URI_HOST, 1, (const uint8_t *)"h" },
			{ LW_COAP_OPT_URI_PATH, 1, (const uint8_t *)"c" },
		},
	};
	uint8_t buf[32];
	size_t len;

	cr_assert_eq(lw_coap_encode(&e, buf, sizeof(buf), &len), 0);
	cr_assert_eq(len, sizeof(want));
	cr_assert_arr_eq(buf, want, len);
	cr_assert_eq(lw_coap_encode(&e, buf, sizeof(want) - 1, &len), LW_ENOSPC);
	e.n_opts = LW_COAP_MAX_OPTIONS + 1;
	cr_assert_eq(lw_coap_encode(&e, buf, sizeof(buf), &len), LW_EINVAL);
	e.n_opts = 0;
	e.payload_len = 3;
	cr_assert_eq(lw_coap_encode(&e, buf, sizeof(buf), &len), LW_EINVAL);
	e.payload_len = 0;
	e.token_len = 9;
	cr_assert_eq(lw_coap_encode(&e, buf, sizeof(buf), &len), LW_EINVAL);
}

Test(coap_encode, round_trips)
{
	static const char *const v[] = {
		"5001000a",
		"4801abcd0102030405060708b474657374",
		"6445beef0a0b0c0dc1282100ff7b7d",
		"4001ffffd2e63ff8e30001616263",
		"4001ffff34686f7374",
	};
	uint8_t buf[256];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_round_trip(buf, unhex(v[i], buf, sizeof(buf)));
}

/* ---- datagrams written by libcoap 4.3.1 over 127.0.0.1 ---- */

Test(coap_libcoap, put_with_query_and_option_2048)
{
	/* coap-client-gnutls -m put -e hello -t 0 -O 2048,abc coap://127.0.0.1:15701/a/b?x=1 */
	static const char *hex = "4103bc0b01723d55416101621033783d31e306e4616263ff68656c6c6f";
	uint8_t buf[128];
	size_t len = unhex(hex, buf, sizeof(buf));
	char path[16];

	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	cr_assert_eq(m.type, LW_COAP_CON);
	cr_assert_eq(m.code, LW_COAP_PUT);
	cr_assert_eq(m.mid, 0xbc0b);
	cr_assert_eq(m.token_len, 1);
	cr_assert_eq(m.n_opts, 6);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_URI_PORT, 0), 15701);
	assert_opt(1, LW_COAP_OPT_URI_PATH, "a");
	assert_opt(2, LW_COAP_OPT_URI_PATH, "b");
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_CONTENT_FORMAT, 99), 0);
	assert_opt(4, LW_COAP_OPT_URI_QUERY, "x=1");
	assert_opt(5, 2048, "abc");
	assert_payload("hello");
	cr_assert_eq(lw_coap_uri_path(&m, path, sizeof(path)), 4);
	cr_assert_str_eq(path, "/a/b");
	cr_assert_eq(lw_coap_bad_critical_option(&m), 0);
	assert_round_trip(buf, len);
}

Test(coap_libcoap, get_well_known_core)
{
	/* coap-client-gnutls -m get -T cafe coap://127.0.0.1:15702/.well-known/core */
	static const char *hex = "4401d16863616666723d564b2e77656c6c2d6b6e6f776e04636f7265";
	uint8_t buf[128];
	size_t len = unhex(hex, buf, sizeof(buf));
	char path[32];

	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	cr_assert_eq(m.code, LW_COAP_GET);
	cr_assert_eq(m.token_len, 4);
	cr_assert_arr_eq(m.token, "caff", 4); /* libcoap bumps the -T token */
	cr_assert_eq(lw_coap_uri_path(&m, path, sizeof(path)), 17);
	cr_assert_str_eq(path, "/.well-known/core");
	cr_assert_null(m.payload);
	assert_round_trip(buf, len);
}

Test(coap_libcoap, post_register)
{
	/*
	 * coap-client-gnutls -m post -t 40 -e '</1/0>' -O 11,rd
	 *     'coap://127.0.0.1:15703/?ep=node1&lt=300'
	 */
	static const char *hex =
		"4102b2d101723d5742726411283865703d6e6f646531066c743d333030ff3c2f312f303e";
	uint8_t buf[128];
	size_t len = unhex(hex, buf, sizeof(buf));
	const struct lw_coap_option *q;

	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	cr_assert_eq(m.code, LW_COAP_POST);
	assert_opt(1, LW_COAP_OPT_URI_PATH, "rd");
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_CONTENT_FORMAT, 0), 40);
	q = lw_coap_find(&m, LW_COAP_OPT_URI_QUERY);
	cr_assert_not_null(q);
	cr_assert_eq(q->len, 8);
	cr_assert_arr_eq(q->value, "ep=node1", 8);
	q = lw_coap_find_next(&m, q);
	cr_assert_not_null(q);
	cr_assert_arr_eq(q->value, "lt=300", 6);
	assert_payload("</1/0>");
	assert_round_trip(buf, len);
}

Test(coap_libcoap, observe_get)
{
	/* coap-client-gnutls -m get -s 60 coap://127.0.0.1:15704/3/0/1 */
	static const char *hex = "410179190160123d58413301300131";
	uint8_t buf[64];
	size_t len = unhex(hex, buf, sizeof(buf));
	char path[16];

	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	cr_assert_not_null(lw_coap_find(&m, LW_COAP_OPT_OBSERVE));
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_OBSERVE, 9), 0);
	cr_assert_eq(lw_coap_uri_path(&m, path, sizeof(path)), 6);
	cr_assert_str_eq(path, "/3/0/1");
	assert_round_trip(buf, len);
}

Test(coap_libcoap, server_ack_content)
{
	/*
	 * coap-server-gnutls -A 127.0.0.1 -p 15683, answering the CON GET /time
	 * 41 01 12 35 55 b4 "time" sent from a python3 UDP socket.
	 */
	static const char *hex = "6145123555d10101ff4e6f762032312032313a32313a3538";
	uint8_t buf[64];
	size_t len = unhex(hex, buf, sizeof(buf));

	cr_assert_eq(lw_coap_parse(&m, buf, len), 0);
	cr_assert_eq(m.type, LW_COAP_ACK);
	cr_assert_eq(m.code, LW_COAP_CONTENT);
	cr_assert_eq(m.mid, 0x1235);
	cr_assert_eq(m.token_len, 1);
	cr_assert_eq(m.token[0], 0x55);
	cr_assert_eq(lw_coap_get_uint(&m, LW_COAP_OPT_MAX_AGE, 60), 1);
	assert_payload("Nov 21 21:21:58");
	assert_round_trip(buf, len);
}
