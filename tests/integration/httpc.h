/*
 * tests/integration/httpc.h: a tiny raw-socket HTTP/1.1 client for the
 * integration tests of the REST API. Raw sockets rather than a library, so
 * that the tests see exactly the bytes the daemon writes. An answer ends by
 * its Content-Length; httpc_request() then closes, so one request is one
 * connection (test_http.c checks keep-alive with raw sends).
 */
#ifndef LW_TEST_INTEGRATION_HTTPC_H
#define LW_TEST_INTEGRATION_HTTPC_H

#include <stddef.h>

/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
int httpc_free_port(void);
/* A TCP connection to 127.0.0.1:port, or -1. */
int httpc_connect(int port);
int httpc_send_all(int fd, const char *s, size_t len);
/*
 * Sends a request; auth ("Bearer X") and body may be NULL; more_headers are
 * whole CRLF-terminated lines. The socket, or -1.
 */
int httpc_send(int port, const char *method, const char *target, const char *auth,
               const char *more_headers, const char *body);
/*
 * Reads from fd into buf (appending at *len) until needle shows up, the peer
 * closes (needle NULL), or timeout_ms passes. 0 when found/closed, -1 not.
 */
int httpc_read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle,
                     int timeout_ms);

struct httpc_resp {
	int status;
	char raw[65536];
	const char *body; /* into raw */
};

/*
 * One whole request and its answer, which must carry Content-Length; waits
 * up to timeout_ms. 0, or -1 with a reason in r->raw's place (r->status 0).
 */
int httpc_request(struct httpc_resp *r, int port, const char *method, const char *target,
                  const char *auth, const char *more_headers, const char *body,
                  int timeout_ms);

#endif
