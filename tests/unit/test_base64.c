/*
 * tests/unit/test_base64.c: Base64 of lwm2m/base64.h (core/util/base64.c),
 * the one implementation the REST API's JSON and the text, OMA JSON and
 * SenML JSON codecs share: RFC 4648 section 10's test vectors both ways in
 * both alphabets, every byte value, and each way a text can be wrong with
 * the character the error must name, strict and lenient.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"

TestSuite(base64, .timeout = 10);

/* RFC 4648 section 10. */
static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                    "Zm9vYmFy"};

Test(base64, rfc4648_test_vectors)
{
	for (int i = 0; i < 7; i++) {
		char out[16];
		uint8_t back[16];
		size_t m = 0;
		size_t n = lw_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out, 0);
		cr_expect_eq(n, strlen(coded[i]));
		cr_expect_str_eq(out, coded[i]);
		cr_expect_eq(lw_base64_encoded_len(strlen(plain[i]), 0), strlen(coded[i]));
		cr_assert_eq(lw_base64_decode(coded[i], strlen(coded[i]), back, &m, 0, NULL), 0,
		             "%s", coded[i]);
		cr_assert_eq(m, strlen(plain[i]), "%s", coded[i]);
		cr_expect_eq(memcmp(back, plain[i], m), 0);
	}
	/* Every byte value, every length modulo 3. */
	uint8_t all[256], back[256];
	char text[400];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	for (size_t len = 253; len <= 256; len++) {
		size_t m = 0;
		size_t n = lw_base64_encode(all, len, text, 0);
		cr_expect_eq(lw_base64_decode(text, n, back, &m, 0, NULL), 0);
		cr_expect_eq(m, len);
		cr_expect_eq(memcmp(all, back, len), 0);
	}
}

/* The same vectors in base64url without padding (RFC 4648 section 5 and
 * section 3.2; the form SenML JSON "vd" takes). */
Test(base64, url_without_padding)
{
	static const char *const url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE",
	                                  "Zm9vYmFy"};
	const unsigned f = LW_BASE64_URL | LW_BASE64_NOPAD;
	for (int i = 0; i < 7; i++) {
		char out[16];
		uint8_t back[16];
		size_t m = 0;
		cr_expect_eq(lw_base64_encode(plain[i], strlen(plain[i]), out, f), strlen(url[i]));
		cr_expect_str_eq(out, url[i]);
		cr_expect_eq(lw_base64_encoded_len(strlen(plain[i]), f), strlen(url[i]));
		/* Lenient decoding takes both the unpadded and the padded form. */
		cr_assert_eq(lw_base64_decode(url[i], strlen(url[i]), back, &m, f, NULL), 0, "%s",
		             url[i]);
		cr_expect_eq(m, strlen(plain[i]));
		cr_expect_eq(memcmp(back, plain[i], m), 0);
		cr_assert_eq(lw_base64_decode(coded[i], strlen(coded[i]), back, &m, f, NULL), 0,
		             "%s", coded[i]);
		cr_expect_eq(m, strlen(plain[i]));
		cr_expect_eq(memcmp(back, plain[i], m), 0);
	}
}

/* 0xfb 0xff 0xbf are the digits 62 and 63: '+' '/' or '-' '_'. */
Test(base64, the_two_alphabets)
{
	static const uint8_t bytes[] = {0xfb, 0xff, 0xbf, 0xfe};
	char out[16];
	uint8_t back[8];
	size_t m = 0;
	lw_base64_encode(bytes, 4, out, 0);
	cr_expect_str_eq(out, "+/+//g==");
	lw_base64_encode(bytes, 4, out, LW_BASE64_URL);
	cr_expect_str_eq(out, "-_-__g==");
	lw_base64_encode(bytes, 4, out, LW_BASE64_URL | LW_BASE64_NOPAD);
	cr_expect_str_eq(out, "-_-__g");

	struct lw_base64_error e;
	cr_expect_eq(lw_base64_decode("-_-__g==", 8, back, &m, 0, &e), LW_EINVAL);
	cr_expect_eq(e.offset, 0);
	cr_expect_eq(e.fault, LW_BASE64_BAD_CHARACTER);
	cr_expect_eq(lw_base64_decode("+/+//g==", 8, back, &m, LW_BASE64_URL, &e), LW_EINVAL);
	cr_expect_eq(e.offset, 0);
	cr_assert_eq(lw_base64_decode("-_-__g==", 8, back, &m, LW_BASE64_URL, NULL), 0);
	cr_expect(m == 4 && memcmp(back, bytes, 4) == 0);
	/* Either alphabet, even mixed, when the reader takes both. */
	cr_assert_eq(lw_base64_decode("+_-/_g", 6, back, &m,
	                              LW_BASE64_NOPAD | LW_BASE64_ANY_ALPHABET, NULL),
	             0);
	cr_expect(m == 4 && memcmp(back, bytes, 4) == 0);
}

struct bad {
	const char *text;
	unsigned flags;
	size_t offset;
	int fault;
};

/* Each fault at the character it must name. */
static const struct bad bad[] = {
	/* strict (the REST API's reader) */
	{"AAEC/w=", 0, 4, LW_BASE64_NOT_PADDED},
	{"AA=C", 0, 2, LW_BASE64_BAD_CHARACTER},
	{"AB==", 0, 1, LW_BASE64_NONZERO_BITS},
	{"AAB=", 0, 2, LW_BASE64_NONZERO_BITS},
	{"AA==AA==", 0, 2, LW_BASE64_BAD_CHARACTER},
	{"Zm9v Yg==", 0, 4, LW_BASE64_BAD_CHARACTER},
	{"Zm9-", 0, 3, LW_BASE64_BAD_CHARACTER},
	{"Zm9", 0, 0, LW_BASE64_NOT_PADDED},
	{"Z$9vY", 0, 1, LW_BASE64_BAD_CHARACTER},
	{"A===", 0, 1, LW_BASE64_TOO_MUCH_PADDING},
	{"====", 0, 0, LW_BASE64_TOO_MUCH_PADDING},
	{"Zm9v\n", 0, 4, LW_BASE64_NOT_PADDED},
	/* lenient (what the codecs accept from devices) */
	{"Zm9v Yg", LW_BASE64_NOPAD, 4, LW_BASE64_BAD_CHARACTER},
	{"Zm=9", LW_BASE64_NOPAD, 2, LW_BASE64_BAD_CHARACTER},
	{"Zg===", LW_BASE64_NOPAD, 2, LW_BASE64_TOO_MUCH_PADDING},
	{"Zm8==", LW_BASE64_NOPAD, 3, LW_BASE64_PADDING_MID_QUANTUM},
	{"Zg=", LW_BASE64_NOPAD, 2, LW_BASE64_PADDING_MID_QUANTUM},
	{"Zm9vY", LW_BASE64_NOPAD, 4, LW_BASE64_LONE_CHARACTER},
	{"Z", LW_BASE64_NOPAD, 0, LW_BASE64_LONE_CHARACTER},
	{"Zm9_", LW_BASE64_NOPAD, 3, LW_BASE64_BAD_CHARACTER},
	{"Zm9+", LW_BASE64_NOPAD | LW_BASE64_URL, 3, LW_BASE64_BAD_CHARACTER},
};

Test(base64, errors_name_the_character)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t out[16];
		size_t m = 99;
		struct lw_base64_error e = {0};
		const char *t = bad[i].text;
		cr_expect_eq(lw_base64_decode(t, strlen(t), out, &m, bad[i].flags, &e), LW_EINVAL,
		             "\"%s\" decoded", t);
		cr_expect_eq(e.offset, bad[i].offset, "\"%s\": offset %zu, expected %zu", t,
		             e.offset, bad[i].offset);
		cr_expect_eq(e.fault, bad[i].fault, "\"%s\": fault %d, expected %d", t, e.fault,
		             bad[i].fault);
		cr_expect(e.reason && e.reason[0], "\"%s\": no reason", t);
		cr_expect_eq(m, 99, "\"%s\": a failed decode set the length", t);
		/* err is optional. */
		cr_expect_eq(lw_base64_decode(t, strlen(t), out, &m, bad[i].flags, NULL), LW_EINVAL);
	}
}

/* What the strict reader refuses only for being non-canonical, the lenient
 * one reads (the codecs have always taken it). */
Test(base64, lenient_ignores_leftover_bits)
{
	uint8_t out[4];
	size_t m = 0;
	cr_assert_eq(lw_base64_decode("AB==", 4, out, &m, LW_BASE64_NOPAD, NULL), 0);
	cr_expect(m == 1 && out[0] == 0);
	cr_assert_eq(lw_base64_decode("AB", 2, out, &m, LW_BASE64_NOPAD, NULL), 0);
	cr_expect(m == 1 && out[0] == 0);
}

Test(base64, sizes)
{
	for (size_t len = 0; len < 40; len++) {
		size_t enc = lw_base64_encoded_len(len, 0);
		size_t url = lw_base64_encoded_len(len, LW_BASE64_URL | LW_BASE64_NOPAD);
		cr_expect_eq(enc, (len + 2) / 3 * 4, "%zu", len);
		cr_expect_eq(url, (len * 8 + 5) / 6, "%zu", len);
		/* The decoder's bound holds what both forms decode to. */
		cr_expect_geq(lw_base64_decoded_max(enc), len, "%zu", len);
		cr_expect_geq(lw_base64_decoded_max(url), len, "%zu", len);
	}
	cr_expect_eq(lw_base64_decoded_max(0), 0);
	cr_expect_eq(lw_base64_decoded_max(1), 0);
	cr_expect_eq(lw_base64_decoded_max(7), 5);
	cr_expect_eq(lw_base64_encoded_len(SIZE_MAX, 0), SIZE_MAX);
	cr_expect_eq(lw_base64_encoded_len(SIZE_MAX / 4 * 3, 0), SIZE_MAX);
}

Test(base64, append_to_a_buffer)
{
	lw_buf b;
	lw_buf_init(&b);
	cr_assert_eq(lw_buf_append(&b, "x=", 2), 0);
	cr_assert_eq(lw_base64_append(&b, "foob", 4, 0), 0);
	cr_assert_eq(lw_base64_append(&b, "", 0, 0), 0);
	cr_assert_eq(lw_base64_append(&b, "fo", 2, LW_BASE64_URL | LW_BASE64_NOPAD), 0);
	cr_assert_eq(b.len, 13);
	cr_expect_eq(memcmp(b.data, "x=Zm9vYg==Zm8", 13), 0);
	/* Past the buffer's limit: refused whole, nothing appended. */
	b.max = 17;
	cr_expect_eq(lw_base64_append(&b, "foo", 3, 0), 0);
	cr_expect_eq(b.len, 17);
	cr_expect_eq(lw_base64_append(&b, "f", 1, 0), LW_ENOSPC);
	cr_expect_eq(b.len, 17);
	cr_expect_eq(memcmp(b.data, "x=Zm9vYg==Zm8Zm9v", 17), 0);
	lw_buf_free(&b);
}
