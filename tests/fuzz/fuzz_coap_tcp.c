/*
 * tests/fuzz/fuzz_coap_tcp.c: libFuzzer harness for the RFC 8323 framing.
 *
 * Bytes from a TCP or TLS connection are cut into frames by
 * lw_coap_tcp_frame_size() and parsed by lw_coap_tcp_parse(); neither may
 * read out of bounds. A frame that parses must re-encode (through the path
 * the transport sends with) to the same bytes: the length forms are
 * canonical once the options are, which the parser's re-encoding checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/tcp_frame.h"
#include "lwm2m/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

static uint8_t scratch[70000], out[70000 + LW_COAP_TCP_MAX_HEADER];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A stream: frame after frame, as the transport cuts them. */
	while (size > 0) {
		size_t flen;
		int rc = lw_coap_tcp_frame_size(data, size, &flen);
		if (rc == LW_EAGAIN || rc == LW_EPROTO)
			return 0;
		CHECK(rc == 0 && flen >= 2);
		if (flen > size || flen > 65536)
			return 0;
		struct lw_coap_msg m;
		rc = lw_coap_tcp_parse(&m, data, flen, scratch, sizeof(scratch));
		if (rc == 0) {
			CHECK(m.token_len <= LW_COAP_MAX_TOKEN);
			CHECK(m.payload_len < flen);
			size_t olen;
			if (m.code != 0 && lw_coap_tcp_encode(&m, out, sizeof(out), &olen) == 0) {
				struct lw_coap_msg m2;
				static uint8_t scratch2[70000];
				CHECK(lw_coap_tcp_parse(&m2, out, olen, scratch2, sizeof(scratch2)) == 0);
				CHECK(m2.code == m.code && m2.token_len == m.token_len &&
				      m2.n_opts == m.n_opts && m2.payload_len == m.payload_len);
				CHECK(memcmp(m2.token, m.token, m.token_len) == 0);
			}
		}
		data += flen;
		size -= flen;
	}
	return 0;
}
