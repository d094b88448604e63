/*
 * coap/dtls_auth.h: the DTLS listener's GnuTLS credentials and the rules of
 * the three LwM2M security modes: which key a PSK identity gets, which raw
 * public keys and certificates are accepted, and which endpoint name a
 * finished handshake proved. Internal to coap/dtls.c and coap/tcp.c (TLS).
 */
#ifndef LW_COAP_DTLS_AUTH_H
#define LW_COAP_DTLS_AUTH_H

#include <gnutls/gnutls.h>
#include <stddef.h>
#include <stdint.h>

struct lw_credentials;

struct lw_dtls_auth {
	gnutls_psk_server_credentials_t psk;
	gnutls_certificate_credentials_t cert; /* NULL: no certificate, PSK only */
	gnutls_certificate_credentials_t cert_rpk; /* the same key as a raw public key */
	gnutls_priority_t prio;
	gnutls_datum_t ticket_key; /* session tickets (resumption without server state) */
	const struct lw_credentials *creds;
	int have_ca; /* X.509 clients can be verified */
};

/* Loads what cert/key/ca name (each may be NULL). 0 or LW_E* with err. */
int lw_dtls_auth_init(struct lw_dtls_auth *a, const struct lw_credentials *creds,
                      const char *cert, const char *key, const char *ca, char *err,
                      size_t errlen);
void lw_dtls_auth_free(struct lw_dtls_auth *a);
/* Gives a new server session its credentials, priorities and tickets,
 * given the verified ClientHello that opens it. The session's user pointer
 * (gnutls_session_set_ptr) becomes a. */
int lw_dtls_auth_session(struct lw_dtls_auth *a, gnutls_session_t s, const uint8_t *hello,
                         size_t hello_len);
/* The same for a TLS session over TCP (coap/tcp.c), given the stream's
 * first record (the ClientHello, whole), so that RPK clients get the raw
 * key there too. The session must have been made with GNUTLS_ENABLE_RAWPK
 * when a->cert is set. */
int lw_tls_auth_session(struct lw_dtls_auth *a, gnutls_session_t s, const uint8_t *record,
                        size_t len);
/*
 * After a handshake (full or resumed): the endpoint name the peer proved,
 * malloc'd, and the mode ("psk", "rpk", "x509") in *mode; NULL when the
 * proof names no endpoint we may bind it to.
 */
char *lw_dtls_auth_identity(struct lw_dtls_auth *a, gnutls_session_t s, const char **mode);

#endif
