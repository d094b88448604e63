/*
 * coap/dtls.h: CoAP over DTLS 1.2 (RFC 7252 section 9, RFC 6347) on GnuTLS,
 * as one more endpoint of the same CoAP engine (ep.secure = 1).
 *
 * One UDP socket drained with recvmmsg. A datagram from an address without a
 * session must be a ClientHello carrying a valid stateless cookie (RFC 6347
 * 4.2.1) before anything is allocated for it: a flood of ClientHellos from
 * made-up addresses costs one HelloVerifyRequest each and no memory. Sessions
 * live in a hash table keyed by address; their handshake retransmissions,
 * handshake deadline and idle expiry run on the core timer heap (one timer
 * per session, re-armed lazily, never one libevent event per session).
 *
 * Security modes (LwM2M): PSK, identity looked up in the credentials at each
 * handshake; RPK, the client's raw public key must be a stored credential's;
 * X.509, the client's chain verified against the configured CAs and the
 * endpoint bound to its CN or a DNS/URI SAN. The endpoint a session proved
 * is what ep.peer_identity answers; the registration interface holds every
 * Register, Update and De-register to it.
 *
 * Loop thread only.
 */
#ifndef LW_COAP_DTLS_H
#define LW_COAP_DTLS_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct lw_coap_engine;
struct lw_credentials;
struct lw_coap_dtls;

struct lw_coap_dtls_config {
	const char *name; /* in logs and ep.name; NULL: "dtls" (must outlive the listener) */
	const char *bind;
	int port;
	int rcvbuf;              /* bytes; 0 keeps the kernel default */
	const char *certificate; /* PEM chain, or NULL: PSK only */
	const char *private_key; /* PEM, with certificate */
	const char *ca_file;     /* PEM CAs for client certificates, or NULL: no X.509 clients */
	uint64_t idle_ms;        /* an established session unused this long is dropped */
	size_t max_sessions;     /* sessions (handshaking or established) at most */
	uint32_t handshake_timeout_ms;
};

struct lw_coap_dtls_stats {
	unsigned long long handshakes_ok, handshakes_failed, handshakes_timeout;
	unsigned long long cookies_sent;    /* HelloVerifyRequests */
	unsigned long long records_dropped; /* datagrams no session took */
	unsigned long long resumed;         /* handshakes that resumed a session */
	unsigned long long idle_closed;
};

/*
 * Binds bind:port, loads the certificate and keys, and starts reading into
 * e. creds must outlive the listener (it is read at each handshake): the
 * device-management listener gets the DM credentials, the bootstrap
 * server's listener the bootstrap credentials (lwm2m/bootstrap.h); nothing
 * else differs. Returns
 * 0 with *out set, or LW_EEXIST (the port is in use), LW_EIO, LW_EINVAL or
 * LW_ENOMEM with the reason in err.
 */
int lw_coap_dtls_open(struct lw_coap_dtls **out, struct lw_coap_engine *e,
                      struct event_base *base, const struct lw_coap_dtls_config *cfg,
                      const struct lw_credentials *creds, char *err, size_t errlen);
/* Ends every session (close_notify) and frees the listener. NULL is fine. */
void lw_coap_dtls_close(struct lw_coap_dtls *d);
/* Stops (1) or resumes (0) reading. 0 or LW_E*. */
int lw_coap_dtls_pause(struct lw_coap_dtls *d, int paused);
/* The port actually bound. */
int lw_coap_dtls_port(const struct lw_coap_dtls *d);
/* Live sessions (handshaking or established). */
size_t lw_coap_dtls_sessions(const struct lw_coap_dtls *d);
const struct lw_coap_dtls_stats *lw_coap_dtls_stats(const struct lw_coap_dtls *d);

#endif
