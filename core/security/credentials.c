/* security/credentials.c: the credentials of the endpoints (see credentials.h). */
#include "security/credentials.h"

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/records_json.h"

static const char *const mode_names[] = {[LW_SEC_PSK] = "psk", [LW_SEC_RPK] = "rpk",
                                         [LW_SEC_X509] = "x509"};

int lw_credentials_init(struct lw_credentials *cs)
{
	memset(cs, 0, sizeof(*cs));
	if (lw_htable_init(&cs->by_ep, 64) != 0)
		return LW_ENOMEM;
	if (lw_htable_init(&cs->by_secret, 64) != 0) {
		lw_htable_free(&cs->by_ep);
		return LW_ENOMEM;
	}
	return 0;
}

static void cred_free(struct lw_credential *c)
{
	if (!c)
		return;
	free(c->secret);
	/* Key material does not linger in freed memory. */
	gnutls_memset(c->key, 0, sizeof(c->key));
	free(c);
}

static uint64_t ep_hash(const char *ep)
{
	return lw_hash(ep, strlen(ep), 0x6372);
}

static uint64_t secret_hash(int mode, const void *s, size_t len)
{
	return lw_hash(s, len, 0x7363 + (uint64_t)mode);
}

static void unlink_cred(struct lw_credentials *cs, struct lw_credential *c)
{
	lw_htable_remove(&cs->by_ep, &c->by_ep);
	if (c->secret)
		lw_htable_remove(&cs->by_secret, &c->by_secret);
	cs->count--;
}

void lw_credentials_free(struct lw_credentials *cs)
{
	for (size_t b = 0; cs->by_ep.buckets && b <= cs->by_ep.mask; b++)
		while (cs->by_ep.buckets[b]) {
			struct lw_credential *c =
				LW_CONTAINER_OF(cs->by_ep.buckets[b], struct lw_credential, by_ep);
			unlink_cred(cs, c);
			cred_free(c);
		}
	lw_htable_free(&cs->by_ep);
	lw_htable_free(&cs->by_secret);
}

const struct lw_credential *lw_credentials_by_endpoint(const struct lw_credentials *cs,
                                                       const char *endpoint)
{
	uint64_t h = ep_hash(endpoint);
	for (struct lw_hnode *n = lw_htable_bucket(&cs->by_ep, h); n; n = n->next) {
		const struct lw_credential *c = LW_CONTAINER_OF(n, struct lw_credential, by_ep);
		if (n->hash == h && strcmp(c->endpoint, endpoint) == 0)
			return c;
	}
	return NULL;
}

static const struct lw_credential *by_secret(const struct lw_credentials *cs, int mode,
                                             const void *s, size_t len)
{
	uint64_t h = secret_hash(mode, s, len);
	for (struct lw_hnode *n = lw_htable_bucket(&cs->by_secret, h); n; n = n->next) {
		const struct lw_credential *c = LW_CONTAINER_OF(n, struct lw_credential, by_secret);
		if (n->hash == h && c->mode == mode && c->secret_len == len &&
		    memcmp(c->secret, s, len) == 0)
			return c;
	}
	return NULL;
}

const struct lw_credential *lw_credentials_by_psk_identity(const struct lw_credentials *cs,
                                                           const void *identity, size_t len)
{
	return by_secret(cs, LW_SEC_PSK, identity, len);
}

const struct lw_credential *lw_credentials_by_public_key(const struct lw_credentials *cs,
                                                         const void *der, size_t len)
{
	return by_secret(cs, LW_SEC_RPK, der, len);
}

static int fail(char *why, size_t whylen, const char *text)
{
	snprintf(why, whylen, "%s", text);
	return LW_EINVAL;
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}

/* A credential for endpoint from a body (REST) or a document (store). */
static struct lw_credential *parse(const char *endpoint, const json_t *body, char *why,
                                   size_t whylen)
{
	const char *mode = json_string_value(json_object_get(body, "mode"));
	int m = 0;
	for (int i = 1; mode && i <= LW_SEC_X509; i++)
		if (strcmp(mode, mode_names[i]) == 0)
			m = i;
	if (!json_is_object(body) || !m) {
		fail(why, whylen, "\"mode\" must be psk, rpk or x509");
		return NULL;
	}
	size_t eplen = strlen(endpoint);
	struct lw_credential *c = calloc(1, sizeof(*c) + eplen + 1);
	if (!c) {
		fail(why, whylen, "out of memory");
		return NULL;
	}
	memcpy(c->endpoint, endpoint, eplen + 1);
	c->mode = m;
	const char *allowed[4] = {"mode", NULL, NULL, "endpoint"};
	if (m == LW_SEC_PSK) {
		allowed[1] = "identity";
		allowed[2] = "key";
		const char *id = json_string_value(json_object_get(body, "identity"));
		const char *key = json_string_value(json_object_get(body, "key"));
		size_t idlen = id ? strlen(id) : 0;
		if (!idlen || idlen > LW_PSK_IDENTITY_MAX) {
			fail(why, whylen, "psk needs \"identity\": 1 to 128 bytes of text");
			goto bad;
		}
		if (!key || unhex(key, c->key, sizeof(c->key), &c->key_len) != 0) {
			fail(why, whylen, "psk needs \"key\": 1 to 64 bytes in hexadecimal");
			goto bad;
		}
		c->secret = malloc(idlen);
		if (!c->secret)
			goto oom;
		memcpy(c->secret, id, idlen);
		c->secret_len = idlen;
	} else if (m == LW_SEC_RPK) {
		allowed[1] = "publicKey";
		const char *b64 = json_string_value(json_object_get(body, "publicKey"));
		size_t n = b64 ? strlen(b64) : 0;
		if (!n || lw_base64_decoded_max(n) > LW_RPK_MAX) {
			fail(why, whylen, "rpk needs \"publicKey\": the key's DER in Base64");
			goto bad;
		}
		c->secret = malloc(lw_base64_decoded_max(n));
		if (!c->secret)
			goto oom;
		if (lw_base64_decode(b64, n, c->secret, &c->secret_len, 0, NULL) != 0) {
			fail(why, whylen, "\"publicKey\" is not Base64");
			goto bad;
		}
		/* Only a key GnuTLS reads is worth keeping: the handshake
		 * compares what the device presents with it. */
		gnutls_pubkey_t pk = NULL;
		gnutls_datum_t d = {c->secret, (unsigned)c->secret_len};
		int ok = gnutls_pubkey_init(&pk) == 0;
		ok = ok && gnutls_pubkey_import(pk, &d, GNUTLS_X509_FMT_DER) == 0;
		if (pk)
			gnutls_pubkey_deinit(pk);
		if (!ok) {
			fail(why, whylen, "\"publicKey\" is not a DER SubjectPublicKeyInfo");
			goto bad;
		}
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)body, k, v) {
		int known = 0;
		for (int i = 0; i < 4; i++)
			known |= allowed[i] && strcmp(allowed[i], k) == 0;
		if (!known) {
			snprintf(why, whylen, "unknown member \"%s\" for mode %s", k, mode);
			goto bad;
		}
	}
	return c;
oom:
	fail(why, whylen, "out of memory");
bad:
	cred_free(c);
	return NULL;
}

/* Puts c in the tables in place of endpoint's old one. LW_EEXIST when its
 * identity or key is another endpoint's. */
static int install(struct lw_credentials *cs, struct lw_credential *c)
{
	const struct lw_credential *other =
		c->secret ? by_secret(cs, c->mode, c->secret, c->secret_len) : NULL;
	if (other && strcmp(other->endpoint, c->endpoint) != 0)
		return LW_EEXIST;
	struct lw_credential *old = (struct lw_credential *)lw_credentials_by_endpoint(cs, c->endpoint);
	if (old) {
		unlink_cred(cs, old);
		cred_free(old);
	}
	lw_htable_insert(&cs->by_ep, &c->by_ep, ep_hash(c->endpoint));
	if (c->secret)
		lw_htable_insert(&cs->by_secret, &c->by_secret,
		                 secret_hash(c->mode, c->secret, c->secret_len));
	cs->count++;
	return 0;
}

/* The document kept in the store: the body as given (keys in full: the
 * store is the one place that must know them). */
static char *doc_of(const struct lw_credential *c)
{
	json_t *o = json_pack("{s:s, s:s}", "endpoint", c->endpoint, "mode", mode_names[c->mode]);
	if (!o)
		return NULL;
	if (c->mode == LW_SEC_PSK) {
		char hex[2 * LW_PSK_KEY_MAX + 1];
		for (size_t i = 0; i < c->key_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", c->key[i]);
		json_object_set_new(o, "identity", json_stringn((const char *)c->secret,
		                                                c->secret_len));
		json_object_set_new(o, "key", json_string(hex));
		gnutls_memset(hex, 0, sizeof(hex));
	} else if (c->mode == LW_SEC_RPK) {
		char *b64 = malloc(lw_base64_encoded_len(c->secret_len, 0) + 1);
		if (b64) {
			lw_base64_encode(c->secret, c->secret_len, b64, 0);
			json_object_set_new(o, "publicKey", json_string(b64));
			free(b64);
		}
	}
	char *s = lw_json_dumps(o, 0);
	json_decref(o);
	return s;
}

static void done_now(void (*done)(void *arg, int status), void *arg)
{
	if (done)
		done(arg, 0);
}

int lw_credentials_put(struct lw_credentials *cs, const char *endpoint, const json_t *body,
                       char *why, size_t whylen, void (*done)(void *arg, int status), void *arg)
{
	if (!*endpoint || strlen(endpoint) > LW_ST_KEY_MAX)
		return fail(why, whylen, "the endpoint name must be 1 to 255 bytes");
	struct lw_credential *c = parse(endpoint, body, why, whylen);
	if (!c)
		return LW_EINVAL;
	char *doc = cs->st ? doc_of(c) : NULL;
	if (cs->st && !doc) {
		cred_free(c);
		return LW_ENOMEM;
	}
	int rc = install(cs, c);
	if (rc) {
		snprintf(why, whylen, "another endpoint has this %s",
		         c->mode == LW_SEC_PSK ? "identity" : "public key");
		free(doc);
		cred_free(c);
		return rc;
	}
	if (!cs->st) {
		done_now(done, arg);
		return 0;
	}
	rc = cs->st->ops->doc_put(cs->st->be, LW_ST_CREDENTIALS, endpoint, NULL, doc, strlen(doc),
	                          done, arg);
	gnutls_memset(doc, 0, strlen(doc));
	free(doc);
	if (rc)
		snprintf(why, whylen, "the store refused it: %s", lw_strerror(rc));
	return rc;
}

int lw_credentials_del(struct lw_credentials *cs, const char *endpoint,
                       void (*done)(void *arg, int status), void *arg)
{
	struct lw_credential *c = (struct lw_credential *)lw_credentials_by_endpoint(cs, endpoint);
	if (!c)
		return LW_ENOENT;
	unlink_cred(cs, c);
	cred_free(c);
	if (!cs->st) {
		done_now(done, arg);
		return 0;
	}
	return cs->st->ops->doc_del(cs->st->be, LW_ST_CREDENTIALS, endpoint, done, arg);
}

json_t *lw_credential_json(const struct lw_credential *c)
{
	json_t *o = json_pack("{s:s, s:s}", "endpoint", c->endpoint, "mode", mode_names[c->mode]);
	if (!o)
		return NULL;
	if (c->mode == LW_SEC_PSK) {
		/* Enough to tell two keys apart, never enough to use one. */
		char hint[64];
		snprintf(hint, sizeof(hint), "%02x%02x...(%zu bytes)", c->key[0],
		         c->key_len > 1 ? c->key[1] : 0, c->key_len);
		json_object_set_new(o, "identity", json_stringn((const char *)c->secret,
		                                                c->secret_len));
		json_object_set_new(o, "keyHint", json_string(hint));
	} else if (c->mode == LW_SEC_RPK) {
		uint8_t digest[32];
		char hex[65];
		gnutls_hash_fast(GNUTLS_DIG_SHA256, c->secret, c->secret_len, digest);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
		json_object_set_new(o, "publicKeySha256", json_string(hex));
	}
	return o;
}

static int load_one(void *ctx, const struct lw_st_doc *doc)
{
	struct lw_credentials *cs = ctx;
	char why[160];
	json_t *j = json_loadb(doc->json, doc->json_len, 0, NULL);
	struct lw_credential *c = j ? parse(doc->key, j, why, sizeof(why)) : NULL;
	json_decref(j);
	if (!c || install(cs, c) != 0) {
		lw_log(LW_LOG_WARN, "security: the stored credential of %s is unusable, skipped",
		       doc->key);
		cred_free(c);
		return -1;
	}
	return 1;
}

int lw_credentials_load(struct lw_credentials *cs, const struct lw_store *st,
                        struct event_base *base)
{
	cs->st = st;
	if (!st)
		return 0;
	size_t ok = 0, bad = 0;
	int rc = lw_storage_load(st, base, LW_ST_CREDENTIALS, load_one, cs, &ok, &bad);
	if (!rc && (ok || bad))
		lw_log(LW_LOG_INFO, "security: %zu credentials loaded", ok);
	return rc;
}
