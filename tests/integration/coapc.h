/*
 * tests/integration/coapc.h: a small CoAP client built on libcoap, so that the
 * daemon's answers are read by an independent CoAP stack (message layer,
 * option parsing, token matching all libcoap's) rather than by our own parser.
 */
#ifndef LW_TEST_INTEGRATION_COAPC_H
#define LW_TEST_INTEGRATION_COAPC_H

#include <stddef.h>

/* What came back. */
struct coapc_reply {
	int received;       /* 1 when the answer arrived */
	int type;           /* COAP_MESSAGE_CON/NON/ACK/RST */
	int code;           /* (class << 5) | detail */
	int mid;            /* message id of the answer */
	int sent_mid;       /* message id of what we sent */
	int content_format; /* -1 when absent */
	size_t payload_len;
	char payload[2048]; /* NUL-terminated copy (truncated to fit) */
};

/* CoAP ping (empty CON) to 127.0.0.1:port. 0 once the pong came, else -1. */
int coapc_ping(int port, int timeout_ms, struct coapc_reply *r);
/*
 * A GET of path ("/a/b") over CON (confirmable) or NON. 0 once a response came
 * back, -1 on timeout or error.
 */
int coapc_get(int port, const char *path, int confirmable, int timeout_ms,
              struct coapc_reply *r);

#endif
