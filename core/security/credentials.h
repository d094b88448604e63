/*
 * security/credentials.h: who may speak for which endpoint. One credential
 * per endpoint, in one of the LwM2M security modes: a pre-shared key (an
 * identity and a key), a raw public key (the device's SubjectPublicKeyInfo),
 * or an X.509 certificate (checked against the configured CA, the endpoint
 * name bound to its CN or a SAN: nothing to keep but the mode).
 *
 * Managed through /api/v1/security, kept in the store (LW_ST_CREDENTIALS)
 * and in memory, found in O(1) by endpoint, by PSK identity and by public
 * key: the DTLS handshake looks a PSK identity up for each ClientHello, so
 * no fixed list is configured anywhere. Keys are never logged and never
 * returned in full (lw_credential_json shows a hint).
 *
 * Loop thread only.
 */
#ifndef LW_SECURITY_CREDENTIALS_H
#define LW_SECURITY_CREDENTIALS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/backend.h"
#include "util/hash.h"

struct event_base;

enum lw_sec_mode {
	LW_SEC_PSK = 1,
	LW_SEC_RPK = 2,
	LW_SEC_X509 = 3,
};

/* Longest PSK identity and key taken (RFC 4279 allows 2^16 - 1 for the
 * identity; LwM2M clients use a few dozen bytes, keys of 16 to 64). */
#define LW_PSK_IDENTITY_MAX 128
#define LW_PSK_KEY_MAX 64
#define LW_RPK_MAX 1024

struct lw_credential {
	struct lw_hnode by_ep, by_secret; /* by_secret: PSK identity or public key */
	int mode;                         /* enum lw_sec_mode */
	uint8_t *secret;                  /* PSK identity, or the public key (DER) */
	size_t secret_len;
	uint8_t key[LW_PSK_KEY_MAX]; /* PSK only */
	size_t key_len;
	char endpoint[];
};

struct lw_credentials {
	struct lw_htable by_ep, by_secret;
	const struct lw_store *st; /* NULL: kept in memory only */
	size_t count;
};

int lw_credentials_init(struct lw_credentials *cs);
void lw_credentials_free(struct lw_credentials *cs);
/* Reads every credential of the store (at start, running the loop). 0 or LW_E*. */
int lw_credentials_load(struct lw_credentials *cs, const struct lw_store *st,
                        struct event_base *base);

const struct lw_credential *lw_credentials_by_endpoint(const struct lw_credentials *cs,
                                                       const char *endpoint);
const struct lw_credential *lw_credentials_by_psk_identity(const struct lw_credentials *cs,
                                                           const void *identity, size_t len);
const struct lw_credential *lw_credentials_by_public_key(const struct lw_credentials *cs,
                                                         const void *der, size_t len);

/*
 * Sets endpoint's credential from the REST body ({"mode": "psk", "identity":
 * "ID", "key": "HEX"}, {"mode": "rpk", "publicKey": "BASE64 DER"} or {"mode":
 * "x509"}), replacing the one it had, in memory at once and in the store:
 * done(arg, status) runs when the store made it durable (at once, status 0,
 * without a store). Returns 0 (done will run), or LW_EINVAL with why (done
 * will not run), LW_EEXIST when another endpoint has this PSK identity or
 * public key, LW_ENOMEM, or the store's refusal.
 */
int lw_credentials_put(struct lw_credentials *cs, const char *endpoint, const json_t *body,
                       char *why, size_t whylen, void (*done)(void *arg, int status),
                       void *arg);
/* Removes endpoint's credential; LW_ENOENT when it had none. Same done. */
int lw_credentials_del(struct lw_credentials *cs, const char *endpoint,
                       void (*done)(void *arg, int status), void *arg);

/* {"endpoint", "mode", "identity", "keyHint": "a1b2…(16 bytes)"} or
 * {"endpoint", "mode": "rpk", "publicKeySha256": HEX}; never the key. */
json_t *lw_credential_json(const struct lw_credential *c);

#endif
