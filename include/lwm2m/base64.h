/*
 * lwm2m/base64.h: Base64 (RFC 4648), the one implementation of lwm2md for
 * every format that carries bytes as text: the standard alphabet with '='
 * padding (section 4: OMA JSON "sv", text/plain opaque values, the REST
 * API's JSON) and the URL and filename safe alphabet (section 5: SenML JSON
 * "vd", written without padding as RFC 8428 does).
 *
 * Flags choose the variant; 0 is the strict standard form: padded to a
 * multiple of 4 characters and canonical (RFC 4648 section 3.5: the bits the
 * last character leaves over are zero), so that every byte string has one
 * spelling. Decoders that must take what devices send pass LW_BASE64_NOPAD.
 * White space is never skipped: no LwM2M format folds Base64 into lines.
 *
 * Ownership: the caller owns every buffer. Nothing allocates except
 * lw_base64_append(), which grows the caller's lw_buf. The functions keep no
 * state and may be called from any thread.
 */
#ifndef LWM2M_BASE64_H
#define LWM2M_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/buf.h"

/* '-' and '_' stand for 62 and 63 (section 5) instead of '+' and '/'. */
#define LW_BASE64_URL 0x1u
/* Encoding: no '=' padding. Decoding: the padding may be left out (when
 * present it must complete the last quantum), and the bits the last
 * character leaves over are not checked. */
#define LW_BASE64_NOPAD 0x2u
/* Decoding: '+' '/' and '-' '_' alike, whatever LW_BASE64_URL says. */
#define LW_BASE64_ANY_ALPHABET 0x4u

/* Characters of the encoding of len bytes (no NUL); SIZE_MAX when that does
 * not fit a size_t. */
LW_API size_t lw_base64_encoded_len(size_t len, unsigned flags);

/* Writes the encoding of in and a NUL to out, which holds
 * lw_base64_encoded_len(len, flags) + 1 bytes; returns the characters
 * written (without the NUL). */
LW_API size_t lw_base64_encode(const void *in, size_t len, char *out, unsigned flags);

/* Appends the encoding (no NUL) to b: 0, or LW_ENOMEM / LW_ENOSPC with b
 * unchanged. */
LW_API int lw_base64_append(lw_buf *b, const void *in, size_t len, unsigned flags);

/* The most bytes len characters can decode to: the size out needs. */
LW_API size_t lw_base64_decoded_max(size_t len);

/* Why a text is not Base64 (struct lw_base64_error). */
enum lw_base64_fault {
	LW_BASE64_BAD_CHARACTER = 1, /* not of the alphabet, or '=' before the end */
	LW_BASE64_TOO_MUCH_PADDING,  /* more than two '=' */
	LW_BASE64_PADDING_MID_QUANTUM, /* '=' that does not complete a quantum */
	LW_BASE64_LONE_CHARACTER,    /* one character after the last quantum: 6 bits */
	LW_BASE64_NOT_PADDED,        /* strict: not a multiple of 4 characters */
	LW_BASE64_NONZERO_BITS,      /* strict: leftover bits of the last character set */
};

struct lw_base64_error {
	size_t offset;      /* index of the character at fault */
	int fault;          /* enum lw_base64_fault */
	const char *reason; /* a constant phrase: "too much padding", ... */
};

/*
 * Decodes len characters of in into out (lw_base64_decoded_max(len) bytes)
 * and sets *out_len. Returns 0, or LW_EINVAL with *err (when not NULL) naming
 * the first character at fault: checks go left to right, so a strict decode
 * stops at a bad character of a whole quantum before it reports the missing
 * padding at the start of the short one.
 */
LW_API int lw_base64_decode(const char *in, size_t len, uint8_t *out, size_t *out_len,
                            unsigned flags, struct lw_base64_error *err);

#endif
