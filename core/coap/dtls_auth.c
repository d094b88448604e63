/*
 * coap/dtls_auth.c: credentials and security-mode rules of the DTLS listener
 * (see dtls_auth.h). Nothing here logs a key: PSK keys go straight from the
 * credential store into GnuTLS's buffer.
 */
#include "coap/dtls_auth.h"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "security/credentials.h"

/*
 * DTLS 1.2 only. LwM2M's mandatory suites need CCM-8 added to NORMAL
 * (TLS_PSK_WITH_AES_128_CCM_8, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8); SHA256
 * brings TLS_PSK_WITH_AES_128_CBC_SHA256; ECDHE-PSK for clients that want
 * forward secrecy with a PSK; CTYPE-ALL lets RFC 7250 raw public keys be
 * negotiated next to X.509.
 */
static const char PRIORITIES[] = "NORMAL:-VERS-ALL:+VERS-DTLS1.2:+PSK:+ECDHE-PSK:"
                                 "+AES-128-CCM-8:+AES-128-CCM:+SHA256:+CTYPE-ALL";

static int psk_key(gnutls_session_t s, const gnutls_datum_t *identity, gnutls_datum_t *key)
{
	struct lw_dtls_auth *a = gnutls_session_get_ptr(s);
	const struct lw_credential *c =
		a->creds ? lw_credentials_by_psk_identity(a->creds, identity->data, identity->size)
		         : NULL;
	if (!c || c->mode != LW_SEC_PSK || c->key_len == 0)
		return -1; /* unknown identity: the handshake fails */
	key->data = gnutls_malloc(c->key_len);
	if (!key->data)
		return -1;
	memcpy(key->data, c->key, c->key_len);
	key->size = (unsigned)c->key_len;
	return 0;
}

/* Runs during the handshake, so that a refused key or chain aborts it. */
static int verify_peer(gnutls_session_t s)
{
	struct lw_dtls_auth *a = gnutls_session_get_ptr(s);
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0)
		return -1;
	gnutls_certificate_type_t t = gnutls_certificate_type_get2(s, GNUTLS_CTYPE_CLIENT);
	if (t == GNUTLS_CRT_RAWPK) {
		const struct lw_credential *c =
			a->creds ? lw_credentials_by_public_key(a->creds, certs[0].data, certs[0].size)
			         : NULL;
		return c && c->mode == LW_SEC_RPK ? 0 : -1;
	}
	if (t != GNUTLS_CRT_X509 || !a->have_ca)
		return -1;
	unsigned status = 0;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0)
		return -1; /* unknown CA, expired, not yet valid, revoked, ... */
	return 0;
}

static int load_pem(const char *path, gnutls_datum_t *out, const char *what, char *err,
                    size_t errlen)
{
	int rc = gnutls_load_file(path, out);
	if (rc < 0) {
		snprintf(err, errlen, "%s %s: cannot read: %s", what, path, gnutls_strerror(rc));
		return LW_EIO;
	}
	return 0;
}

/* The raw public key offered to RPK clients: the certificate's own key. */
static int add_rawpk(gnutls_certificate_credentials_t cred, const char *cert, const char *key,
                     char *err, size_t errlen)
{
	gnutls_datum_t pem = {0}, kpem = {0}, spki = {0};
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	int rc = load_pem(cert, &pem, "certificate", err, errlen);
	if (rc)
		return rc;
	rc = load_pem(key, &kpem, "private_key", err, errlen);
	int g = 0;
	if (!rc && ((g = gnutls_x509_crt_init(&crt)) < 0 ||
	            (g = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM)) < 0 ||
	            (g = gnutls_pubkey_init(&pub)) < 0 ||
	            (g = gnutls_pubkey_import_x509(pub, crt, 0)) < 0 ||
	            (g = gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_PEM, &spki)) < 0 ||
	            (g = gnutls_certificate_set_rawpk_key_mem(cred, &spki, &kpem,
	                                                      GNUTLS_X509_FMT_PEM, NULL, 0, NULL,
	                                                      0, 0)) < 0)) {
		snprintf(err, errlen, "certificate %s: cannot use its key as a raw public key: %s",
		         cert, gnutls_strerror(g));
		rc = LW_EINVAL;
	}
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	gnutls_free(spki.data);
	gnutls_free(pem.data);
	if (kpem.data) {
		gnutls_memset(kpem.data, 0, kpem.size);
		gnutls_free(kpem.data);
	}
	return rc;
}

int lw_dtls_auth_init(struct lw_dtls_auth *a, const struct lw_credentials *creds,
                      const char *cert, const char *key, const char *ca, char *err,
                      size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->creds = creds;
	const char *where = NULL;
	int g = gnutls_psk_allocate_server_credentials(&a->psk);
	if (g >= 0)
		gnutls_psk_set_server_credentials_function2(a->psk, psk_key);
	if (g >= 0)
		g = gnutls_priority_init(&a->prio, PRIORITIES, &where);
	if (g >= 0)
		g = gnutls_session_ticket_key_generate(&a->ticket_key);
	if (g < 0) {
		snprintf(err, errlen, "DTLS set-up failed: %s%s%s", gnutls_strerror(g),
		         where ? " at " : "", where ? where : "");
		lw_dtls_auth_free(a);
		return LW_ENOMEM;
	}
	if (!cert || !key)
		return 0;
	if ((g = gnutls_certificate_allocate_credentials(&a->cert)) < 0 ||
	    (g = gnutls_certificate_allocate_credentials(&a->cert_rpk)) < 0) {
		snprintf(err, errlen, "DTLS set-up failed: %s", gnutls_strerror(g));
		lw_dtls_auth_free(a);
		return LW_ENOMEM;
	}
	g = gnutls_certificate_set_x509_key_file2(a->cert, cert, key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (g < 0) {
		snprintf(err, errlen, "certificate %s / private_key %s: %s", cert, key,
		         gnutls_strerror(g));
		lw_dtls_auth_free(a);
		return LW_EINVAL;
	}
	int rc = add_rawpk(a->cert_rpk, cert, key, err, errlen);
	if (rc) {
		lw_dtls_auth_free(a);
		return rc;
	}
	if (ca) {
		g = gnutls_certificate_set_x509_trust_file(a->cert, ca, GNUTLS_X509_FMT_PEM);
		if (g <= 0) {
			snprintf(err, errlen, "ca_file %s: %s", ca,
			         g == 0 ? "no certificate in it" : gnutls_strerror(g));
			lw_dtls_auth_free(a);
			return LW_EINVAL;
		}
		a->have_ca = 1;
	}
	gnutls_certificate_set_verify_function(a->cert, verify_peer);
	gnutls_certificate_set_verify_function(a->cert_rpk, verify_peer);
	return 0;
}

void lw_dtls_auth_free(struct lw_dtls_auth *a)
{
	if (a->psk)
		gnutls_psk_free_server_credentials(a->psk);
	if (a->cert)
		gnutls_certificate_free_credentials(a->cert);
	if (a->cert_rpk)
		gnutls_certificate_free_credentials(a->cert_rpk);
	if (a->prio)
		gnutls_priority_deinit(a->prio);
	if (a->ticket_key.data) {
		gnutls_memset(a->ticket_key.data, 0, a->ticket_key.size);
		gnutls_free(a->ticket_key.data);
	}
	memset(a, 0, sizeof(*a));
}

/*
 * Whether a ClientHello offers only raw public keys for its own certificate
 * (RFC 7250 client_certificate_type, extension 19). A GnuTLS server picks
 * its own certificate type in the client's order, and clients such as
 * libcoap list X.509 first even when they would refuse it; a client that
 * authenticates with a raw key gets the server's raw key. b[p..end) is the
 * ClientHello body; DTLS has a cookie after the session id, TLS not.
 */
static int hello_only_rawpk(const uint8_t *b, size_t p, size_t end, int dtls)
{
	p += 2 + 32; /* version, random */
	if (p + 1 > end)
		return 0;
	p += 1 + (size_t)b[p]; /* session id */
	if (dtls) {
		if (p + 1 > end)
			return 0;
		p += 1 + (size_t)b[p]; /* cookie */
	}
	if (p + 2 > end)
		return 0;
	p += 2 + (((size_t)b[p] << 8) | b[p + 1]); /* cipher suites */
	if (p + 1 > end)
		return 0;
	p += 1 + (size_t)b[p]; /* compression methods */
	if (p + 2 > end)
		return 0;
	size_t ext_end = p + 2 + (((size_t)b[p] << 8) | b[p + 1]);
	p += 2;
	if (ext_end > end)
		return 0;
	while (p + 4 <= ext_end) {
		unsigned type = ((unsigned)b[p] << 8) | b[p + 1];
		size_t elen = ((size_t)b[p + 2] << 8) | b[p + 3];
		p += 4;
		if (p + elen > ext_end)
			return 0;
		if (type == 19 && elen >= 1 && (size_t)b[p] + 1 == elen) {
			int rawpk = 0, other = 0;
			for (size_t i = 1; i < elen; i++)
				b[p + i] == 2 ? rawpk++ : other++;
			return rawpk && !other;
		}
		p += elen;
	}
	return 0;
}

/* The same for one whole DTLS record holding an unfragmented ClientHello. */
static int offers_only_rawpk(const uint8_t *b, size_t len)
{
	size_t p = 13; /* record header */
	if (len < p + 12 || b[p] != 1)
		return 0;
	size_t body = ((size_t)b[p + 1] << 16) | ((size_t)b[p + 2] << 8) | b[p + 3];
	size_t frag_off = ((size_t)b[p + 6] << 16) | ((size_t)b[p + 7] << 8) | b[p + 8];
	size_t frag_len = ((size_t)b[p + 9] << 16) | ((size_t)b[p + 10] << 8) | b[p + 11];
	p += 12;
	if (frag_off != 0 || frag_len != body || p + body > len)
		return 0;
	return hello_only_rawpk(b, p, p + body, 1);
}

/* And for the first TLS record of a stream (record 5 + handshake 4 bytes). */
static int tls_offers_only_rawpk(const uint8_t *b, size_t len)
{
	if (len < 9 || b[0] != 22 || b[5] != 1)
		return 0;
	size_t body = ((size_t)b[6] << 16) | ((size_t)b[7] << 8) | b[8];
	if (9 + body > len)
		return 0;
	return hello_only_rawpk(b, 9, 9 + body, 0);
}

static int session_setup(struct lw_dtls_auth *a, gnutls_session_t s, int rpk)
{
	gnutls_session_set_ptr(s, a);
	int g = gnutls_priority_set(s, a->prio);
	if (g >= 0)
		g = gnutls_credentials_set(s, GNUTLS_CRD_PSK, a->psk);
	if (g >= 0 && a->cert) {
		g = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, rpk ? a->cert_rpk : a->cert);
		/* LwM2M's RPK and X.509 modes are mutual: no anonymous client. */
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	}
	if (g >= 0)
		g = gnutls_session_ticket_enable_server(s, &a->ticket_key);
	return g < 0 ? LW_ENOMEM : 0;
}

int lw_dtls_auth_session(struct lw_dtls_auth *a, gnutls_session_t s, const uint8_t *hello,
                         size_t hello_len)
{
	return session_setup(a, s, hello && offers_only_rawpk(hello, hello_len));
}

int lw_tls_auth_session(struct lw_dtls_auth *a, gnutls_session_t s, const uint8_t *record,
                        size_t len)
{
	return session_setup(a, s, record && tls_offers_only_rawpk(record, len));
}

/* A name is a usable endpoint when it is printable and no other mode's
 * credential claims it (a credential pins its endpoint to one mode). */
static int x509_name_ok(struct lw_dtls_auth *a, const char *name, size_t len, int *pinned)
{
	if (len == 0 || len != strlen(name) || len > 255)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	const struct lw_credential *c = a->creds ? lw_credentials_by_endpoint(a->creds, name) : NULL;
	*pinned = c && c->mode == LW_SEC_X509;
	return !c || c->mode == LW_SEC_X509;
}

/*
 * The CN and the DNS/URI SANs are all names the CA vouched for: the first
 * one that has an x509 credential wins, else the CN, else the first SAN.
 */
static char *x509_identity(struct lw_dtls_auth *a, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return NULL;
	}
	char best[256] = "", name[256];
	int best_pinned = 0, pinned = 0;
	size_t sz = sizeof(name);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name, &sz) == 0 &&
	    x509_name_ok(a, name, sz, &pinned)) {
		snprintf(best, sizeof(best), "%s", name);
		best_pinned = pinned;
	}
	for (unsigned i = 0; !best_pinned; i++) {
		sz = sizeof(name) - 1;
		int t = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &sz, NULL);
		if (t == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (t < 0 || (t != GNUTLS_SAN_DNSNAME && t != GNUTLS_SAN_URI))
			continue;
		name[sz] = '\0';
		if (!x509_name_ok(a, name, sz, &pinned))
			continue;
		if (pinned || !best[0]) {
			snprintf(best, sizeof(best), "%s", name);
			best_pinned = pinned;
		}
	}
	gnutls_x509_crt_deinit(crt);
	return best[0] ? strdup(best) : NULL;
}

char *lw_dtls_auth_identity(struct lw_dtls_auth *a, gnutls_session_t s, const char **mode)
{
	gnutls_kx_algorithm_t kx = gnutls_kx_get(s);
	if (kx == GNUTLS_KX_PSK || kx == GNUTLS_KX_ECDHE_PSK || kx == GNUTLS_KX_DHE_PSK) {
		*mode = "psk";
		gnutls_datum_t id = {0};
		/* Also right for a resumed session: the identity travels in the ticket. */
		if (gnutls_psk_server_get_username2(s, &id) < 0 || !a->creds)
			return NULL;
		const struct lw_credential *c =
			lw_credentials_by_psk_identity(a->creds, id.data, id.size);
		return c && c->mode == LW_SEC_PSK ? strdup(c->endpoint) : NULL;
	}
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
	if (!certs || n == 0)
		return NULL;
	if (gnutls_certificate_type_get2(s, GNUTLS_CTYPE_CLIENT) == GNUTLS_CRT_RAWPK) {
		*mode = "rpk";
		const struct lw_credential *c =
			a->creds ? lw_credentials_by_public_key(a->creds, certs[0].data, certs[0].size)
			         : NULL;
		return c && c->mode == LW_SEC_RPK ? strdup(c->endpoint) : NULL;
	}
	*mode = "x509";
	return x509_identity(a, &certs[0]);
}
