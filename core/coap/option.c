/*
 * coap/option.c: the table of CoAP options this server knows.
 *
 * RFC 7252 5.4.1 makes the receiver reject a request carrying a critical
 * option it does not recognise, so the parser needs to know which options
 * exist, how long their values may be and whether they may repeat. The
 * table covers RFC 7252 table 4 plus the options LwM2M peers actually send:
 * Observe (RFC 7641), Block1/Block2/Size2 (RFC 7959), OSCORE (RFC 8613),
 * Hop-Limit (RFC 8768), Q-Block1/Q-Block2 (RFC 9177), No-Response (RFC 7967).
 *
 * The lookup runs for every option of every datagram, so the table is
 * indexed directly by option number instead of being searched.
 */
#include <stddef.h>

#include "coap/message.h"

#define OPT(num, nm, fmt, rep, lo, hi)                                             \
	{                                                                          \
		.number = (num), .name = (nm), .format = LW_COAP_FMT_##fmt,        \
		.repeatable = (rep), .min_len = (lo), .max_len = (hi),             \
	}
#define DEF(num, nm, fmt, rep, lo, hi) [num] = OPT(num, nm, fmt, rep, lo, hi)

/* Holes (name == NULL) are unknown options. */
static const struct lw_coap_option_def low_defs[] = {
	DEF(LW_COAP_OPT_IF_MATCH, "If-Match", OPAQUE, 1, 0, 8),
	DEF(LW_COAP_OPT_URI_HOST, "Uri-Host", STRING, 0, 1, 255),
	DEF(LW_COAP_OPT_ETAG, "ETag", OPAQUE, 1, 1, 8),
	DEF(LW_COAP_OPT_IF_NONE_MATCH, "If-None-Match", EMPTY, 0, 0, 0),
	DEF(LW_COAP_OPT_OBSERVE, "Observe", UINT, 0, 0, 3),
	DEF(LW_COAP_OPT_URI_PORT, "Uri-Port", UINT, 0, 0, 2),
	DEF(LW_COAP_OPT_LOCATION_PATH, "Location-Path", STRING, 1, 0, 255),
	DEF(LW_COAP_OPT_OSCORE, "OSCORE", OPAQUE, 0, 0, 255),
	DEF(LW_COAP_OPT_URI_PATH, "Uri-Path", STRING, 1, 0, 255),
	DEF(LW_COAP_OPT_CONTENT_FORMAT, "Content-Format", UINT, 0, 0, 2),
	DEF(LW_COAP_OPT_MAX_AGE, "Max-Age", UINT, 0, 0, 4),
	DEF(LW_COAP_OPT_URI_QUERY, "Uri-Query", STRING, 1, 0, 255),
	DEF(LW_COAP_OPT_HOP_LIMIT, "Hop-Limit", UINT, 0, 1, 1),
	DEF(LW_COAP_OPT_ACCEPT, "Accept", UINT, 0, 0, 2),
	DEF(LW_COAP_OPT_Q_BLOCK1, "Q-Block1", UINT, 0, 0, 3),
	DEF(LW_COAP_OPT_LOCATION_QUERY, "Location-Query", STRING, 1, 0, 255),
	DEF(LW_COAP_OPT_BLOCK2, "Block2", UINT, 0, 0, 3),
	DEF(LW_COAP_OPT_BLOCK1, "Block1", UINT, 0, 0, 3),
	DEF(LW_COAP_OPT_SIZE2, "Size2", UINT, 0, 0, 4),
	/* RFC 9177 4.4: a GET may list several missing blocks at once. */
	DEF(LW_COAP_OPT_Q_BLOCK2, "Q-Block2", UINT, 1, 0, 3),
	DEF(LW_COAP_OPT_PROXY_URI, "Proxy-Uri", STRING, 0, 1, 1034),
	DEF(LW_COAP_OPT_PROXY_SCHEME, "Proxy-Scheme", STRING, 0, 1, 255),
	DEF(LW_COAP_OPT_SIZE1, "Size1", UINT, 0, 0, 4),
};

/* The only known option beyond the dense low range. */
static const struct lw_coap_option_def no_response_def =
	OPT(LW_COAP_OPT_NO_RESPONSE, "No-Response", UINT, 0, 0, 1);

const struct lw_coap_option_def *lw_coap_option_def(uint16_t number)
{
	if (number < sizeof(low_defs) / sizeof(low_defs[0]))
		return low_defs[number].name ? &low_defs[number] : NULL;
	if (number == LW_COAP_OPT_NO_RESPONSE)
		return &no_response_def;
	return NULL;
}
