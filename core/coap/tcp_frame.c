/* coap/tcp_frame.c: RFC 8323 framing (see tcp_frame.h). */
#include "coap/tcp_frame.h"

#include <string.h>

#include "lwm2m/error.h"

/* RFC 8323 3.2: extended lengths start where the shorter forms end. */
#define EXT1_BASE 13u
#define EXT2_BASE 269u
#define EXT4_BASE 65805u

int lw_coap_tcp_frame_size(const uint8_t *buf, size_t avail, size_t *frame_len)
{
	if (avail < 1)
		return LW_EAGAIN;
	unsigned nib = buf[0] >> 4, tkl = buf[0] & 0x0f;
	if (tkl > LW_COAP_MAX_TOKEN)
		return LW_EPROTO;
	size_t ext = nib == 13 ? 1 : nib == 14 ? 2 : nib == 15 ? 4 : 0;
	if (avail < 1 + ext)
		return LW_EAGAIN;
	uint64_t body;
	if (nib < 13)
		body = nib;
	else if (nib == 13)
		body = EXT1_BASE + buf[1];
	else if (nib == 14)
		body = EXT2_BASE + ((uint64_t)buf[1] << 8 | buf[2]);
	else
		body = EXT4_BASE + ((uint64_t)buf[1] << 24 | (uint64_t)buf[2] << 16 |
		                    (uint64_t)buf[3] << 8 | buf[4]);
	uint64_t total = 1 + ext + 1 + tkl + body;
	if (total > SIZE_MAX)
		return LW_EPROTO;
	*frame_len = (size_t)total;
	return 0;
}

int lw_coap_tcp_parse(struct lw_coap_msg *m, const uint8_t *frame, size_t frame_len,
                      uint8_t *scratch, size_t scratch_cap)
{
	size_t need;
	/* Not a memset: the option array is 1 KiB and only read up to n_opts. */
	m->type = LW_COAP_NON;
	m->code = 0;
	m->mid = 0;
	m->token_len = 0;
	m->n_opts = 0;
	m->payload = NULL;
	m->payload_len = 0;
	int rc = lw_coap_tcp_frame_size(frame, frame_len, &need);
	if (rc == LW_EAGAIN || (rc == 0 && need != frame_len))
		return LW_EPROTO; /* the caller's frame_len is not this frame's */
	if (rc)
		return rc;
	unsigned nib = frame[0] >> 4, tkl = frame[0] & 0x0f;
	size_t off = 1 + (nib == 13 ? 1 : nib == 14 ? 2 : nib == 15 ? 4 : 0);
	uint8_t code = frame[off++];
	size_t rest = frame_len - off; /* token, options, payload */
	if (rest + 4 > scratch_cap)
		return LW_ENOSPC;
	/* The same message in RFC 7252 layout: version 1, NON, mid 0. */
	scratch[0] = (uint8_t)(0x40 | LW_COAP_NON << 4 | tkl);
	scratch[1] = code;
	scratch[2] = scratch[3] = 0;
	memcpy(scratch + 4, frame + off, rest);
	if (code == LW_COAP_EMPTY && rest > tkl)
		return LW_EPROTO; /* RFC 8323 3.2 keeps 0.00 empty too */
	if (code == LW_COAP_EMPTY) {
		/* message.c refuses a token on an empty message, RFC 8323 does not. */
		m->code = code;
		m->token_len = (uint8_t)tkl;
		memcpy(m->token, scratch + 4, tkl);
		return 0;
	}
	rc = lw_coap_parse(m, scratch, rest + 4);
	return rc ? LW_EPROTO : 0;
}

/* Writes Len/TKL and the extended length for a body of len bytes. */
static size_t put_len(uint8_t *hdr, size_t body, unsigned tkl)
{
	if (body < EXT1_BASE) {
		hdr[0] = (uint8_t)(body << 4 | tkl);
		return 1;
	}
	if (body < EXT2_BASE) {
		hdr[0] = (uint8_t)(13u << 4 | tkl);
		hdr[1] = (uint8_t)(body - EXT1_BASE);
		return 2;
	}
	if (body < EXT4_BASE) {
		size_t v = body - EXT2_BASE;
		hdr[0] = (uint8_t)(14u << 4 | tkl);
		hdr[1] = (uint8_t)(v >> 8);
		hdr[2] = (uint8_t)v;
		return 3;
	}
	uint64_t v = (uint64_t)body - EXT4_BASE;
	hdr[0] = (uint8_t)(15u << 4 | tkl);
	hdr[1] = (uint8_t)(v >> 24);
	hdr[2] = (uint8_t)(v >> 16);
	hdr[3] = (uint8_t)(v >> 8);
	hdr[4] = (uint8_t)v;
	return 5;
}

int lw_coap_tcp_reframe(const uint8_t *udp, size_t udp_len, uint8_t hdr[LW_COAP_TCP_MAX_HEADER],
                        size_t *hdr_len, size_t *body_off)
{
	if (udp_len < 4 || udp[0] >> 6 != 1)
		return LW_EINVAL;
	unsigned tkl = udp[0] & 0x0f;
	if (tkl > LW_COAP_MAX_TOKEN || udp_len < 4 + tkl)
		return LW_EINVAL;
	size_t body = udp_len - 4 - tkl;
	size_t n = put_len(hdr, body, tkl);
	hdr[n++] = udp[1];
	memcpy(hdr + n, udp + 4, tkl);
	*hdr_len = n + tkl;
	*body_off = 4 + tkl;
	return 0;
}

int lw_coap_tcp_encode(const struct lw_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len)
{
	/* Encode in RFC 7252 layout at offset LW_COAP_TCP_MAX_HEADER - 4, then
	 * put the frame header right before the body: no second buffer. */
	const size_t at = LW_COAP_TCP_MAX_HEADER;
	if (cap < at)
		return LW_ENOSPC;
	size_t ulen;
	int rc = lw_coap_encode(m, buf + at, cap - at, &ulen);
	if (rc)
		return rc;
	uint8_t hdr[LW_COAP_TCP_MAX_HEADER];
	size_t hlen, body_off;
	rc = lw_coap_tcp_reframe(buf + at, ulen, hdr, &hlen, &body_off);
	if (rc)
		return rc;
	size_t body = ulen - body_off;
	memcpy(buf, hdr, hlen);
	memmove(buf + hlen, buf + at + body_off, body);
	*out_len = hlen + body;
	return 0;
}
