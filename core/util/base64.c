/*
 * util/base64.c: Base64 of lwm2m/base64.h. One decoder serves the strict
 * reader of the REST API and the lenient ones of the codecs: both check the
 * characters first and the padding after, so each reports the leftmost fault
 * and the two only differ in what they accept.
 */
#include "lwm2m/base64.h"

#include <stdbool.h>

#include "lwm2m/error.h"

static const char alphabet_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t lw_base64_encoded_len(size_t len, unsigned flags)
{
	size_t rem = len % 3;
	if (len / 3 > (SIZE_MAX - 4) / 4)
		return SIZE_MAX;
	size_t n = len / 3 * 4;
	if (rem)
		n += (flags & LW_BASE64_NOPAD) ? rem + 1 : 4;
	return n;
}

/* The encoding without a NUL; returns its length. */
static size_t encode_raw(const uint8_t *in, size_t len, char *out, unsigned flags)
{
	const char *a = (flags & LW_BASE64_URL) ? alphabet_url : alphabet_std;
	bool pad = !(flags & LW_BASE64_NOPAD);
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		out[o++] = a[(v >> 6) & 63];
		out[o++] = a[v & 63];
	}
	if (i < len) {
		bool two = len - i == 2;
		uint32_t v = (uint32_t)in[i] << 16 | (two ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = a[v >> 18];
		out[o++] = a[(v >> 12) & 63];
		if (two)
			out[o++] = a[(v >> 6) & 63];
		else if (pad)
			out[o++] = '=';
		if (pad)
			out[o++] = '=';
	}
	return o;
}

size_t lw_base64_encode(const void *in, size_t len, char *out, unsigned flags)
{
	size_t n = encode_raw(in, len, out, flags);
	out[n] = '\0';
	return n;
}

int lw_base64_append(lw_buf *b, const void *in, size_t len, unsigned flags)
{
	size_t n = lw_base64_encoded_len(len, flags);
	if (n == SIZE_MAX)
		return LW_ENOMEM;
	if (n == 0)
		return 0;
	int rc = lw_buf_reserve(b, n);
	if (rc)
		return rc;
	b->len += encode_raw(in, len, (char *)b->data + b->len, flags);
	return 0;
}

size_t lw_base64_decoded_max(size_t len)
{
	return len / 4 * 3 + (len % 4 > 1 ? len % 4 - 1 : 0);
}

/* The value of c, or -1 when the alphabets flags allow do not have it. */
static int digit(uint8_t c, unsigned flags)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	bool any = flags & LW_BASE64_ANY_ALPHABET;
	bool std = any || !(flags & LW_BASE64_URL), url = any || (flags & LW_BASE64_URL);
	if ((c == '+' && std) || (c == '-' && url))
		return 62;
	if ((c == '/' && std) || (c == '_' && url))
		return 63;
	return -1;
}

static int fault(struct lw_base64_error *err, size_t offset, int what, const char *reason)
{
	if (err) {
		err->offset = offset;
		err->fault = what;
		err->reason = reason;
	}
	return LW_EINVAL;
}

int lw_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len,
                     unsigned flags, struct lw_base64_error *err)
{
	bool strict = !(flags & LW_BASE64_NOPAD);
	size_t end = len;
	while (end > 0 && in[end - 1] == '=')
		end--;
	size_t pad = len - end;
	/* Strict: a short last quantum is the fault, once the whole quanta
	 * before it are found good ('=' among them is a bad character). */
	size_t whole = strict && len % 4 ? len - len % 4 : end;

	for (size_t i = 0; i < whole; i++)
		if (digit((uint8_t)in[i], flags) < 0)
			return fault(err, i, LW_BASE64_BAD_CHARACTER, "not a Base64 character");
	if (strict && len % 4)
		return fault(err, whole, LW_BASE64_NOT_PADDED,
		             "not padded to a multiple of 4 characters");
	if (pad > 2)
		return fault(err, end, LW_BASE64_TOO_MUCH_PADDING, "too much padding");
	if (pad && len % 4)
		return fault(err, end, LW_BASE64_PADDING_MID_QUANTUM,
		             "padding does not end a quantum");
	if (end % 4 == 1)
		return fault(err, end - 1, LW_BASE64_LONE_CHARACTER, "a lone character at the end");

	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < end; i++) {
		acc = acc << 6 | (uint32_t)digit((uint8_t)in[i], flags);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (strict && (acc & ((1u << bits) - 1)))
		return fault(err, end - 1, LW_BASE64_NONZERO_BITS,
		             "the bits left over by the last character are not zero");
	*out_len = n;
	return 0;
}
