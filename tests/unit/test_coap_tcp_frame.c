/*
 * tests/unit/test_coap_tcp_frame.c: the RFC 8323 framing (coap/tcp_frame.c)
 * against frames written out by hand from the RFC's figures: every length
 * form (4-bit, 8-bit, 16-bit and 32-bit extended), their boundaries, tokens,
 * options, signals, and what a broken stream gives.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "coap/tcp_frame.h"
#include "lwm2m/error.h"

static uint8_t scratch[300000];

/* A GET /3/0 with token 0xab: Len 4 (two Uri-Path options), TKL 1. */
Test(tcp_frame, short_form_by_hand)
{
	static const uint8_t f[] = {0x41, 0x01, 0xab, 0xb1, '3', 0x01, '0'};
	size_t flen;
	cr_assert_eq(lw_coap_tcp_frame_size(f, sizeof(f), &flen), 0);
	cr_assert_eq(flen, sizeof(f));
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_tcp_parse(&m, f, sizeof(f), scratch, sizeof(scratch)), 0);
	cr_expect_eq(m.code, LW_COAP_GET);
	cr_expect_eq(m.token_len, 1);
	cr_expect_eq(m.token[0], 0xab);
	char path[32];
	cr_expect_eq(lw_coap_uri_path(&m, path, sizeof(path)), 4);
	cr_expect_str_eq(path, "/3/0");
	/* And back: the encoder gives the same bytes. */
	uint8_t out[64];
	size_t olen;
	cr_assert_eq(lw_coap_tcp_encode(&m, out, sizeof(out), &olen), 0);
	cr_assert_eq(olen, sizeof(f));
	cr_expect_eq(memcmp(out, f, olen), 0);
}

/* A 2.05 with a body of n bytes (marker + payload) encoded and re-read. */
static void roundtrip_body(size_t payload, uint8_t want_nibble, size_t want_ext)
{
	uint8_t *pl = malloc(payload);
	cr_assert_not_null(pl);
	for (size_t i = 0; i < payload; i++)
		pl[i] = (uint8_t)(i * 7);
	struct lw_coap_msg m = {.code = LW_COAP_CONTENT, .token_len = 2, .token = {1, 2},
	                        .payload = pl, .payload_len = payload};
	size_t cap = payload + 64;
	uint8_t *out = malloc(cap);
	cr_assert_not_null(out);
	size_t olen;
	cr_assert_eq(lw_coap_tcp_encode(&m, out, cap, &olen), 0);
	size_t body = payload ? payload + 1 : 0;
	cr_expect_eq(out[0] >> 4, want_nibble, "body %zu: Len nibble %d", body, out[0] >> 4);
	cr_expect_eq(out[0] & 15, 2);
	cr_expect_eq(olen, 1 + want_ext + 1 + 2 + body);
	/* The extended length is body minus the form's base, big endian. */
	size_t base = want_ext == 1 ? 13 : want_ext == 2 ? 269 : want_ext == 4 ? 65805 : 0;
	size_t ext = 0;
	for (size_t i = 0; i < want_ext; i++)
		ext = ext << 8 | out[1 + i];
	if (want_ext)
		cr_expect_eq(ext, body - base);
	cr_expect_eq(out[1 + want_ext], LW_COAP_CONTENT);
	size_t flen;
	/* Incomplete headers ask for more. */
	for (size_t i = 0; i < 1 + want_ext; i++)
		cr_expect_eq(lw_coap_tcp_frame_size(out, i, &flen), LW_EAGAIN);
	cr_assert_eq(lw_coap_tcp_frame_size(out, 1 + want_ext, &flen), 0);
	cr_expect_eq(flen, olen);
	struct lw_coap_msg r;
	cr_assert_eq(lw_coap_tcp_parse(&r, out, olen, scratch, sizeof(scratch)), 0);
	cr_expect_eq(r.payload_len, payload);
	if (payload)
		cr_expect_eq(memcmp(r.payload, pl, payload), 0);
	/* A frame cut short is not a frame. */
	cr_expect_neq(lw_coap_tcp_parse(&r, out, olen - 1, scratch, sizeof(scratch)), 0);
	free(out);
	free(pl);
}

Test(tcp_frame, every_length_form_and_boundary)
{
	roundtrip_body(0, 0, 0);
	roundtrip_body(11, 12, 0);     /* body 12: the largest 4-bit length */
	roundtrip_body(12, 13, 1);     /* body 13: the first 8-bit form */
	roundtrip_body(267, 13, 1);    /* body 268: the last */
	roundtrip_body(268, 14, 2);    /* body 269: the first 16-bit form */
	roundtrip_body(65803, 14, 2);  /* body 65804: the last */
	roundtrip_body(65804, 15, 4);  /* body 65805: the first 32-bit form */
	roundtrip_body(200000, 15, 4);
}

Test(tcp_frame, extended_lengths_by_hand)
{
	/* Len 13, ext 0x00: 13 bytes of options/payload follow code and token. */
	uint8_t f[2 + 1 + 13] = {0xd0, 0x00, LW_COAP_CONTENT, 0xff};
	size_t flen;
	cr_assert_eq(lw_coap_tcp_frame_size(f, 2, &flen), 0);
	cr_expect_eq(flen, sizeof(f));
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_tcp_parse(&m, f, sizeof(f), scratch, sizeof(scratch)), 0);
	cr_expect_eq(m.payload_len, 12);
	/* Len 14, ext 0x0001: 270 bytes; Len 15, ext 0x00000002: 65807. */
	static const uint8_t h14[] = {0xe3, 0x00, 0x01};
	cr_assert_eq(lw_coap_tcp_frame_size(h14, sizeof(h14), &flen), 0);
	cr_expect_eq(flen, 3 + 1 + 3 + 270);
	static const uint8_t h15[] = {0xf8, 0x00, 0x00, 0x00, 0x02};
	cr_assert_eq(lw_coap_tcp_frame_size(h15, sizeof(h15), &flen), 0);
	cr_expect_eq(flen, 5 + 1 + 8 + 65807);
	static const uint8_t h15max[] = {0xf0, 0xff, 0xff, 0xff, 0xff};
	cr_assert_eq(lw_coap_tcp_frame_size(h15max, sizeof(h15max), &flen), 0);
	cr_expect_eq(flen, 5 + 1 + (size_t)0xffffffffu + 65805);
}

Test(tcp_frame, signals_and_empty)
{
	/* CSM with Max-Message-Size 1152 (0x0480): option 2, length 2. */
	static const uint8_t csm[] = {0x30, 0xe1, 0x22, 0x04, 0x80};
	struct lw_coap_msg m;
	cr_assert_eq(lw_coap_tcp_parse(&m, csm, sizeof(csm), scratch, sizeof(scratch)), 0);
	cr_expect_eq(m.code, LW_COAP_CSM);
	cr_assert_eq(m.n_opts, 1);
	cr_expect_eq(m.opts[0].number, LW_COAP_SIG_MAX_MESSAGE_SIZE);
	cr_expect_eq(lw_coap_get_uint(&m, LW_COAP_SIG_MAX_MESSAGE_SIZE, 0), 1152);
	/* Ping with a token: allowed over TCP, unlike an empty UDP message. */
	static const uint8_t ping[] = {0x02, 0xe2, 0x11, 0x22};
	cr_assert_eq(lw_coap_tcp_parse(&m, ping, sizeof(ping), scratch, sizeof(scratch)), 0);
	cr_expect_eq(m.code, LW_COAP_PING);
	cr_expect_eq(m.token_len, 2);
	static const uint8_t empty[] = {0x00, 0x00};
	cr_assert_eq(lw_coap_tcp_parse(&m, empty, sizeof(empty), scratch, sizeof(scratch)), 0);
	cr_expect_eq(m.code, 0);
	/* An empty message with a payload is malformed. */
	static const uint8_t bad_empty[] = {0x20, 0x00, 0xff, 0x01};
	cr_expect_eq(lw_coap_tcp_parse(&m, bad_empty, sizeof(bad_empty), scratch, sizeof(scratch)),
	             LW_EPROTO);
}

Test(tcp_frame, malformed)
{
	size_t flen;
	struct lw_coap_msg m;
	/* TKL 9..15 are reserved. */
	static const uint8_t tkl9[] = {0x09, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	cr_expect_eq(lw_coap_tcp_frame_size(tkl9, sizeof(tkl9), &flen), LW_EPROTO);
	cr_expect_eq(lw_coap_tcp_parse(&m, tkl9, sizeof(tkl9), scratch, sizeof(scratch)), LW_EPROTO);
	/* Option delta nibble 15 that is not the payload marker. */
	static const uint8_t badopt[] = {0x10, 0x01, 0xf1};
	cr_expect_eq(lw_coap_tcp_parse(&m, badopt, sizeof(badopt), scratch, sizeof(scratch)),
	             LW_EPROTO);
	/* A payload marker with nothing after it. */
	static const uint8_t marker[] = {0x10, 0x45, 0xff};
	cr_expect_eq(lw_coap_tcp_parse(&m, marker, sizeof(marker), scratch, sizeof(scratch)),
	             LW_EPROTO);
	/* An option running past the frame. */
	static const uint8_t longopt[] = {0x20, 0x01, 0xb5, 'a'};
	cr_expect_eq(lw_coap_tcp_parse(&m, longopt, sizeof(longopt), scratch, sizeof(scratch)),
	             LW_EPROTO);
	/* Scratch too small is not taken for a protocol error. */
	static const uint8_t ok[] = {0x41, 0x01, 0xab, 0xb1, '3', 0x01, '0'};
	uint8_t tiny[4];
	cr_expect_eq(lw_coap_tcp_parse(&m, ok, sizeof(ok), tiny, sizeof(tiny)), LW_ENOSPC);
}

Test(tcp_frame, reframe_drops_type_and_mid)
{
	/* RFC 7252: ver 1, CON, TKL 2, 2.05, mid 0x1234, token 9 8, payload "x". */
	static const uint8_t udp[] = {0x42, 0x45, 0x12, 0x34, 9, 8, 0xff, 'x'};
	uint8_t hdr[LW_COAP_TCP_MAX_HEADER];
	size_t hlen, off;
	cr_assert_eq(lw_coap_tcp_reframe(udp, sizeof(udp), hdr, &hlen, &off), 0);
	static const uint8_t want[] = {0x22, 0x45, 9, 8};
	cr_assert_eq(hlen, sizeof(want));
	cr_expect_eq(memcmp(hdr, want, hlen), 0);
	cr_expect_eq(off, 6);
	static const uint8_t notcoap[] = {0x82, 0x45, 0, 0};
	cr_expect_eq(lw_coap_tcp_reframe(notcoap, sizeof(notcoap), hdr, &hlen, &off), LW_EINVAL);
}
