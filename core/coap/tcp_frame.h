/*
 * coap/tcp_frame.h: the message framing of CoAP over TCP and TLS (RFC 8323
 * section 3.2). A frame is
 *
 *   Len (4 bits) | TKL (4 bits) | extended Len (0, 1, 2 or 4 bytes) | Code |
 *   Token (TKL bytes) | Options and Payload (Len bytes)
 *
 * with Len 13, 14 and 15 meaning "13 + one byte", "269 + two bytes" and
 * "65805 + four bytes". There is no version, type or message id.
 *
 * Rather than a second option codec, frames are translated to and from the
 * RFC 7252 layout (a 4-byte header in place of Len/TKL/Code): the options and
 * the payload are byte-for-byte the same, so message.c parses and builds them.
 */
#ifndef LW_COAP_TCP_FRAME_H
#define LW_COAP_TCP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "coap/message.h"

/* RFC 8323 5.x signalling codes (class 7). */
enum lw_coap_signal {
	LW_COAP_CSM = LW_COAP_CODE(7, 1),
	LW_COAP_PING = LW_COAP_CODE(7, 2),
	LW_COAP_PONG = LW_COAP_CODE(7, 3),
	LW_COAP_RELEASE = LW_COAP_CODE(7, 4),
	LW_COAP_ABORT = LW_COAP_CODE(7, 5),
};

/* Signalling options (their numbers are per signalling code). */
#define LW_COAP_SIG_MAX_MESSAGE_SIZE 2 /* CSM */
#define LW_COAP_SIG_BLOCK_WISE 4       /* CSM */
#define LW_COAP_SIG_CUSTODY 2          /* Ping, Pong */
#define LW_COAP_SIG_BAD_CSM_OPTION 2   /* Abort */

/* RFC 8323 5.3.1: the Max-Message-Size a peer is assumed to have before its CSM. */
#define LW_COAP_TCP_DEFAULT_MMS 1152
/* Longest frame header: 1 + 4 (extended length) + 1 (code) + 8 (token). */
#define LW_COAP_TCP_MAX_HEADER 14

/*
 * Looks at the start of a byte stream. Returns 0 with *frame_len (the whole
 * frame's size) when the header is complete (the frame itself may not be
 * yet), LW_EAGAIN when more bytes are needed to know, or LW_EPROTO for a
 * token length over 8 (TKL 9 to 15 are reserved).
 */
int lw_coap_tcp_frame_size(const uint8_t *buf, size_t avail, size_t *frame_len);

/*
 * Parses one whole frame (exactly frame_len bytes, as lw_coap_tcp_frame_size
 * said) into m. The token, options and payload are copied into scratch
 * (frame_len + 4 bytes at least) and m points into it. m->type is NON and
 * m->mid 0. Returns 0, LW_EPROTO (malformed options: a connection error),
 * or LW_ENOSPC when scratch is too small.
 */
int lw_coap_tcp_parse(struct lw_coap_msg *m, const uint8_t *frame, size_t frame_len,
                      uint8_t *scratch, size_t scratch_cap);

/*
 * Re-frames an RFC 7252-encoded message (what the engine sends) for a
 * stream: its type and message id are dropped. Writes the frame header
 * (at most LW_COAP_TCP_MAX_HEADER bytes) into hdr and returns its length in
 * *hdr_len; the rest of the frame is udp[4 + tkl .. udp_len), whose offset
 * is returned in *body_off. Returns 0 or LW_EINVAL (not a CoAP message).
 */
int lw_coap_tcp_reframe(const uint8_t *udp, size_t udp_len, uint8_t hdr[LW_COAP_TCP_MAX_HEADER],
                        size_t *hdr_len, size_t *body_off);

/* Encodes a message struct as one frame (signals and tests). 0, LW_ENOSPC or LW_EINVAL. */
int lw_coap_tcp_encode(const struct lw_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

#endif
