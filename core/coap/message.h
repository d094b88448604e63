/*
 * coap/message.h: CoAP messages (RFC 7252 section 3) as bytes and as a struct.
 *
 * Parsing is zero-copy: option values and the payload point into the buffer
 * given to lw_coap_parse(), which must outlive the lw_coap_msg. Options are
 * kept in wire order, which RFC 7252 makes ascending by number.
 * Encoding goes through a builder that writes straight into a caller buffer,
 * so the hot path makes no allocation.
 */
#ifndef LW_COAP_MESSAGE_H
#define LW_COAP_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define LW_COAP_MAX_TOKEN 8
/* More options than this in one message is treated as a format error. */
#define LW_COAP_MAX_OPTIONS 64

enum lw_coap_type {
	LW_COAP_CON = 0,
	LW_COAP_NON = 1,
	LW_COAP_ACK = 2,
	LW_COAP_RST = 3,
};

#define LW_COAP_CODE(c, dd) ((uint8_t)(((c) << 5) | (dd)))
#define LW_COAP_CLASS(code) ((code) >> 5)
#define LW_COAP_DETAIL(code) ((code)&0x1f)

enum lw_coap_code {
	LW_COAP_EMPTY = 0,
	LW_COAP_GET = 1,
	LW_COAP_POST = 2,
	LW_COAP_PUT = 3,
	LW_COAP_DELETE = 4,
	LW_COAP_FETCH = 5,
	LW_COAP_PATCH = 6,
	LW_COAP_IPATCH = 7,
	LW_COAP_CREATED = LW_COAP_CODE(2, 1),
	LW_COAP_DELETED = LW_COAP_CODE(2, 2),
	LW_COAP_VALID = LW_COAP_CODE(2, 3),
	LW_COAP_CHANGED = LW_COAP_CODE(2, 4),
	LW_COAP_CONTENT = LW_COAP_CODE(2, 5),
	LW_COAP_CONTINUE = LW_COAP_CODE(2, 31),
	LW_COAP_BAD_REQUEST = LW_COAP_CODE(4, 0),
	LW_COAP_UNAUTHORIZED = LW_COAP_CODE(4, 1),
	LW_COAP_BAD_OPTION = LW_COAP_CODE(4, 2),
	LW_COAP_FORBIDDEN = LW_COAP_CODE(4, 3),
	LW_COAP_NOT_FOUND = LW_COAP_CODE(4, 4),
	LW_COAP_METHOD_NOT_ALLOWED = LW_COAP_CODE(4, 5),
	LW_COAP_NOT_ACCEPTABLE = LW_COAP_CODE(4, 6),
	LW_COAP_REQUEST_ENTITY_INCOMPLETE = LW_COAP_CODE(4, 8),
	LW_COAP_CONFLICT = LW_COAP_CODE(4, 9),
	LW_COAP_PRECONDITION_FAILED = LW_COAP_CODE(4, 12),
	LW_COAP_REQUEST_ENTITY_TOO_LARGE = LW_COAP_CODE(4, 13),
	LW_COAP_UNSUPPORTED_CONTENT_FORMAT = LW_COAP_CODE(4, 15),
	LW_COAP_INTERNAL_SERVER_ERROR = LW_COAP_CODE(5, 0),
	LW_COAP_NOT_IMPLEMENTED = LW_COAP_CODE(5, 1),
	LW_COAP_SERVICE_UNAVAILABLE = LW_COAP_CODE(5, 3),
	LW_COAP_GATEWAY_TIMEOUT = LW_COAP_CODE(5, 4),
};

enum lw_coap_option_number {
	LW_COAP_OPT_IF_MATCH = 1,
	LW_COAP_OPT_URI_HOST = 3,
	LW_COAP_OPT_ETAG = 4,
	LW_COAP_OPT_IF_NONE_MATCH = 5,
	LW_COAP_OPT_OBSERVE = 6,
	LW_COAP_OPT_URI_PORT = 7,
	LW_COAP_OPT_LOCATION_PATH = 8,
	LW_COAP_OPT_OSCORE = 9,
	LW_COAP_OPT_URI_PATH = 11,
	LW_COAP_OPT_CONTENT_FORMAT = 12,
	LW_COAP_OPT_MAX_AGE = 14,
	LW_COAP_OPT_URI_QUERY = 15,
	LW_COAP_OPT_HOP_LIMIT = 16,
	LW_COAP_OPT_ACCEPT = 17,
	LW_COAP_OPT_Q_BLOCK1 = 19,
	LW_COAP_OPT_LOCATION_QUERY = 20,
	LW_COAP_OPT_BLOCK2 = 23,
	LW_COAP_OPT_BLOCK1 = 27,
	LW_COAP_OPT_SIZE2 = 28,
	LW_COAP_OPT_Q_BLOCK2 = 31,
	LW_COAP_OPT_PROXY_URI = 35,
	LW_COAP_OPT_PROXY_SCHEME = 39,
	LW_COAP_OPT_SIZE1 = 60,
	LW_COAP_OPT_NO_RESPONSE = 258,
};

/* RFC 7252 5.4.6: odd option numbers are critical. */
#define LW_COAP_OPT_IS_CRITICAL(n) ((n)&1)

struct lw_coap_option {
	uint16_t number;
	uint16_t len;
	const uint8_t *value; /* points into the parsed buffer */
};

struct lw_coap_msg {
	uint8_t type;      /* enum lw_coap_type */
	uint8_t code;      /* enum lw_coap_code */
	uint16_t mid;      /* message id */
	uint8_t token_len; /* 0..8 */
	uint8_t token[LW_COAP_MAX_TOKEN];
	uint16_t n_opts;
	struct lw_coap_option opts[LW_COAP_MAX_OPTIONS]; /* ascending by number */
	const uint8_t *payload; /* NULL when payload_len == 0 */
	size_t payload_len;
};

/*
 * Parses one datagram. Returns:
 *   0          the message is well formed;
 *   LW_EINVAL  not usable at all (shorter than 4 bytes, version not 1): ignore it;
 *   LW_EPROTO  the header is usable (type, code, mid set) but the rest is a
 *              message format error (RFC 7252 4.2/4.3): a CON gets an RST,
 *              anything else is silently ignored.
 * Rules enforced: token length <= 8; an empty message (code 0.00) has no token,
 * options or payload; option delta/length nibble 15 only as the 0xFF marker;
 * extended delta/length fit the buffer; option numbers fit 16 bits; a payload
 * marker is followed by at least one byte.
 */
int lw_coap_parse(struct lw_coap_msg *m, const uint8_t *buf, size_t len);

/*
 * RFC 7252 5.4.1 and 5.4.5: finds the first option that the receiver must
 * treat as unrecognised and critical: an unknown critical option, a known
 * critical option with a value length outside its range, or a second
 * occurrence of a non-repeatable critical option. Returns its number, or 0
 * when there is none (elective offenders are ignored by the accessors, which
 * only return the first occurrence of non-repeatable options).
 */
uint16_t lw_coap_bad_critical_option(const struct lw_coap_msg *m);

/* First occurrence of an option, or NULL. */
const struct lw_coap_option *lw_coap_find(const struct lw_coap_msg *m, uint16_t number);
/* Next occurrence of the same option after prev (for repeatable options), or NULL. */
const struct lw_coap_option *lw_coap_find_next(const struct lw_coap_msg *m,
                                               const struct lw_coap_option *prev);
/* Decodes a uint option value (0 to 4 bytes, big endian). LW_EINVAL if longer. */
int lw_coap_opt_uint(const struct lw_coap_option *o, uint32_t *out);
/* Value of a uint option, or dflt when absent or malformed. */
uint32_t lw_coap_get_uint(const struct lw_coap_msg *m, uint16_t number, uint32_t dflt);
/*
 * Writes the Uri-Path as "/seg1/seg2" (just "/" when there is none) into out,
 * NUL-terminated. Returns the length, LW_ENOSPC if it does not fit, or
 * LW_EINVAL when a segment holds '/' or NUL (the joined path would lie).
 */
int lw_coap_uri_path(const struct lw_coap_msg *m, char *out, size_t cap);

/* Metadata of a known option: used by the parser's checks and by the tests. */
enum lw_coap_opt_format {
	LW_COAP_FMT_EMPTY,
	LW_COAP_FMT_OPAQUE,
	LW_COAP_FMT_UINT,
	LW_COAP_FMT_STRING,
};
struct lw_coap_option_def {
	uint16_t number;
	const char *name;
	uint8_t format;     /* enum lw_coap_opt_format */
	uint8_t repeatable; /* 1 if it may occur more than once */
	uint16_t min_len, max_len;
};
/* The definition of a known option, or NULL for an unknown one. */
const struct lw_coap_option_def *lw_coap_option_def(uint16_t number);

/*
 * The builder: writes a message into buf in wire order. Options must be added
 * in non-decreasing number order. Errors are sticky: check once at the end.
 */
struct lw_coap_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint16_t last_opt;
	int err; /* 0, LW_ENOSPC (buffer full) or LW_EINVAL (bad order, token > 8) */
};

void lw_coap_build_start(struct lw_coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                         uint8_t code, uint16_t mid, const uint8_t *token, size_t token_len);
void lw_coap_build_opt(struct lw_coap_builder *b, uint16_t number, const void *value, size_t len);
/* A uint option in its shortest form (0 is the empty value). */
void lw_coap_build_opt_uint(struct lw_coap_builder *b, uint16_t number, uint32_t value);
/* A string option (strlen of value). */
void lw_coap_build_opt_str(struct lw_coap_builder *b, uint16_t number, const char *value);
/* Splits "/a/b" (or "a/b") into one option per segment (Uri-Path, Location-Path). */
void lw_coap_build_opt_path(struct lw_coap_builder *b, uint16_t number, const char *path);
/* Adds the 0xFF marker and the payload; nothing when len is 0. Ends the options. */
void lw_coap_build_payload(struct lw_coap_builder *b, const void *data, size_t len);
/* Returns b->err; on success *out_len is the message size. */
int lw_coap_build_end(struct lw_coap_builder *b, size_t *out_len);

/*
 * Encodes a whole message struct (options sorted first, stable for repeats).
 * Returns 0 and the size, or LW_ENOSPC / LW_EINVAL.
 */
int lw_coap_encode(const struct lw_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

/* "2.05"-style text of a code, into a buffer of at least 5 bytes. */
const char *lw_coap_code_str(uint8_t code, char buf[5]);

#endif
