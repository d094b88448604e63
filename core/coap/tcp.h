/*
 * coap/tcp.h: CoAP over TCP and over TLS (RFC 8323), the transports of
 * LwM2M 1.1+ clients that bind with "T". Each listener is one more endpoint
 * of the same CoAP engine, marked reliable (engine.h): a connection is a
 * peer, messages carry no type or id, responses are matched by token.
 *
 * Connections are raw non-blocking sockets on the loop (one read event each,
 * a write event only while output waits). Bytes are reassembled into frames
 * in a per-connection buffer bounded by our Max-Message-Size; TLS runs GnuTLS
 * over those buffers with the credentials and security-mode rules of the
 * DTLS listener (coap/dtls_auth.h), so PSK, RPK and X.509 identities bind to
 * endpoint names the same way. Each side opens with a CSM (RFC 8323 5.3);
 * Ping gets Pong, Release and Abort end the connection, a malformed frame
 * is answered with Abort. Idle connections are closed; the number of
 * connections is bounded.
 *
 * A registration made over a connection keeps the connection's peer: when
 * the connection closes the registration stays until its lifetime ends, and
 * requests to it fail at once (LW_EIO) until the client connects again and
 * sends an Update, which moves the registration to the new connection.
 *
 * Loop thread only.
 */
#ifndef LW_COAP_TCP_H
#define LW_COAP_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct event_base;
struct lw_coap_engine;
struct lw_credentials;
struct lw_coap_tcp;

struct lw_coap_tcp_config {
	const char *bind;
	int port;
	int tls;                 /* 1: TLS (coaps+tcp), 0: plain (coap+tcp) */
	const char *certificate; /* TLS: PEM chain, or NULL: PSK only */
	const char *private_key;
	const char *ca_file;     /* TLS: CAs for client certificates, or NULL */
	uint64_t idle_ms;        /* a connection silent this long is closed */
	size_t max_connections;
	uint32_t handshake_timeout_ms; /* TLS */
	size_t max_message;      /* our Max-Message-Size; 0: 65536 */
	/* Plain only: see lw_coap_endpoint.unsecured_ok. */
	int (*unsecured_ok)(void *ctx, const char *endpoint);
	void *unsecured_ctx;
};

/* Why a connection ended (the reason label of the closed metric). */
enum lw_coap_tcp_close {
	LW_TCP_CLOSED_PEER,         /* the peer closed the socket */
	LW_TCP_CLOSED_RELEASE,      /* the peer sent Release */
	LW_TCP_CLOSED_ABORT_IN,     /* the peer sent Abort */
	LW_TCP_CLOSED_ABORT_OUT,    /* we sent Abort (malformed input, no CSM first) */
	LW_TCP_CLOSED_IDLE,         /* silent longer than idle_ms */
	LW_TCP_CLOSED_TLS,          /* TLS: close_notify or a fatal alert after the handshake */
	LW_TCP_CLOSED_HANDSHAKE,    /* TLS: the handshake failed or timed out */
	LW_TCP_CLOSED_ERROR,        /* a write failed, out of memory */
	LW_TCP_CLOSED_SHUTDOWN,     /* the daemon stopped */
	LW_TCP_CLOSED_REASONS
};

/* The signals of RFC 8323 section 5, by direction. */
enum lw_coap_tcp_signal { LW_TCP_SIG_CSM, LW_TCP_SIG_PING, LW_TCP_SIG_PONG,
	                  LW_TCP_SIG_RELEASE, LW_TCP_SIG_ABORT, LW_TCP_SIGNALS };

struct lw_coap_tcp_stats {
	unsigned long long accepted;
	unsigned long long refused; /* over max_connections: closed at once, not counted below */
	unsigned long long closed[LW_TCP_CLOSED_REASONS];
	unsigned long long signals_in[LW_TCP_SIGNALS], signals_out[LW_TCP_SIGNALS];
	unsigned long long handshakes_ok, handshakes_failed, handshakes_timeout; /* TLS */
};

/*
 * Listens on bind:port. creds (TLS) must outlive the listener. Returns 0
 * with *out, or LW_EEXIST (port in use), LW_EIO, LW_EINVAL, LW_ENOMEM with
 * the reason in err.
 */
int lw_coap_tcp_open(struct lw_coap_tcp **out, struct lw_coap_engine *e, struct event_base *base,
                     const struct lw_coap_tcp_config *cfg, const struct lw_credentials *creds,
                     char *err, size_t errlen);
/* Closes every connection and the listener. NULL is fine. */
void lw_coap_tcp_close(struct lw_coap_tcp *t);
int lw_coap_tcp_port(const struct lw_coap_tcp *t);
size_t lw_coap_tcp_connections(const struct lw_coap_tcp *t);
const struct lw_coap_tcp_stats *lw_coap_tcp_stats(const struct lw_coap_tcp *t);
/* Connections closed for any reason. */
unsigned long long lw_coap_tcp_closed_total(const struct lw_coap_tcp *t);

/*
 * GET /metrics (Prometheus text): the lwm2md_tcp_* series of the plain (tcp)
 * and TLS (tls) listeners, labelled transport="tcp" / "tls", and
 * lwm2md_tls_handshakes_total. Either may be NULL (that listener is off);
 * nothing is written when both are.
 */
void lw_coap_tcp_metrics(FILE *f, const struct lw_coap_tcp *tcp, const struct lw_coap_tcp *tls);

#endif
