/*
 * client-ref/fleet/tls.c: DTLS 1.2 for lwm2m-fleet, with GnuTLS directly:
 * one non-blocking gnutls_session_t per device over the device's own
 * connected UDP socket. Nothing here blocks: the shard's epoll loop hands
 * each datagram to the session (the pull function returns it once, then
 * EAGAIN), and the handshake's retransmissions run on the device's timer
 * in the shard's timer heap, armed from gnutls_dtls_get_timeout().
 *
 * Credentials are per process, not per device: one PSK credential whose
 * callback derives the asking device's identity and key when the handshake
 * needs them, and one certificate credential whose callback gives the
 * device's key (RPK or X.509), loaded when its handshake starts and dropped
 * with its session. A device without a session holds no GnuTLS state.
 *
 * The fleet does not authenticate the server (it is a load generator, on
 * loopback): any server certificate or raw key is accepted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <gnutls/crypto.h>
#include <gnutls/dtls.h>

#include "fleet.h"
#include "lwm2m/base64.h"

/* Handshake retransmission: GnuTLS doubles it from 1 s; the whole
 * handshake may take this long before it fails. */
#define HS_RETRANS_MS 1000
#define HS_TOTAL_MS 30000
#define DTLS_MTU 1280

/* PSK alone: no public-key operation in the handshake, and the LwM2M
 * mandatory suite first. */
static const char PRIO_PSK[] = "NONE:+VERS-DTLS1.2:+PSK:+AES-128-CCM-8:+AES-128-CCM:"
                               "+AES-128-GCM:+AES-128-CBC:+AEAD:+SHA256:+COMP-NULL:"
                               "+SIGN-ALL:+GROUP-ALL";
static const char PRIO_CERT[] = "NONE:+VERS-DTLS1.2:+ECDHE-ECDSA:+AES-128-CCM-8:+AES-128-CCM:"
                                "+AES-128-GCM:+AEAD:+SHA256:+COMP-NULL:+SIGN-ALL:"
                                "+GROUP-ALL:+CTYPE-CLI-X509:+CTYPE-SRV-X509";
/* The client offers only raw keys for itself (the server then shows its
 * own raw key, see docs/dtls.md). */
static const char PRIO_RPK[] = "NONE:+VERS-DTLS1.2:+ECDHE-ECDSA:+AES-128-CCM-8:+AES-128-CCM:"
                               "+AES-128-GCM:+AEAD:+SHA256:+COMP-NULL:+SIGN-ALL:"
                               "+GROUP-ALL:+CTYPE-CLI-RAWPK:+CTYPE-SRV-RAWPK:+CTYPE-SRV-X509";

static gnutls_psk_client_credentials_t psk_cred;
static gnutls_certificate_credentials_t cert_cred;
static gnutls_priority_t prio[3]; /* by mode: PSK, RPK, X.509 */
static const struct fleet_cfg *tcfg;

size_t fleet_psk_key(const struct fleet_cfg *cfg, uint32_t idx, uint8_t *out)
{
	if (!cfg->psk_seed) {
		memcpy(out, cfg->psk_key, cfg->psk_key_len);
		return cfg->psk_key_len;
	}
	/* HMAC-SHA256(seed, endpoint), cut to 16 bytes: a provisioner that
	 * knows the seed computes the same keys (--print-credentials). */
	char ep[96];
	uint8_t mac[32];
	fleet_endpoint(cfg, idx, ep, sizeof(ep));
	if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, cfg->psk_seed, strlen(cfg->psk_seed), ep,
	                     strlen(ep), mac) < 0)
		return 0;
	memcpy(out, mac, 16);
	return 16;
}

static int psk_cb(gnutls_session_t ses, gnutls_datum_t *user, gnutls_datum_t *key)
{
	struct fleet_dev *d = gnutls_session_get_ptr(ses);
	const struct fleet_acct *a = d->sec ? d->sec->acct : NULL;
	if (a && d->sec->bootstrapped && a->mode == SEC_PSK) {
		user->data = gnutls_malloc(a->ident_len + 1u);
		key->data = gnutls_malloc(a->secret_len ? a->secret_len : 1u);
		if (!user->data || !key->data)
			goto fail;
		memcpy(user->data, a->ident, a->ident_len);
		user->size = a->ident_len;
		memcpy(key->data, a->secret, a->secret_len);
		key->size = a->secret_len;
		return 0;
	}
	char ep[96];
	fleet_endpoint(tcfg, d->idx, ep, sizeof(ep));
	size_t n = strlen(ep);
	user->data = gnutls_malloc(n + 1);
	key->data = gnutls_malloc(FLEET_PSK_MAX);
	if (!user->data || !key->data)
		goto fail;
	memcpy(user->data, ep, n);
	user->size = (unsigned)n;
	key->size = (unsigned)fleet_psk_key(tcfg, d->idx, key->data);
	return key->size ? 0 : -1;
fail:
	gnutls_free(user->data);
	gnutls_free(key->data);
	user->data = key->data = NULL;
	return -1;
}

static int cert_cb(gnutls_session_t ses, const gnutls_datum_t *req_ca, int nreq,
                   const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert,
                   unsigned *npcert, gnutls_privkey_t *pkey)
{
	(void)req_ca;
	(void)nreq;
	(void)algos;
	(void)nalgos;
	struct fleet_dev *d = gnutls_session_get_ptr(ses);
	if (!d->sec || !d->sec->pcert)
		return -1;
	*pcert = d->sec->pcert;
	*npcert = 1;
	*pkey = d->sec->pkey;
	return 0;
}

int fleet_tls_init(const struct fleet_cfg *cfg)
{
	tcfg = cfg;
	const char *err = NULL;
	const char *defs[3] = {PRIO_PSK, PRIO_RPK, PRIO_CERT};
	for (int i = 0; i < 3; i++) {
		const char *p = cfg->priority ? cfg->priority : defs[i];
		if (gnutls_priority_init(&prio[i], p, &err) < 0) {
			fprintf(stderr, "lwm2m-fleet: bad priority string at \"%s\"\n", err ? err : p);
			return -1;
		}
	}
	if (gnutls_psk_allocate_client_credentials(&psk_cred) < 0 ||
	    gnutls_certificate_allocate_credentials(&cert_cred) < 0)
		return -1;
	gnutls_psk_set_client_credentials_function2(psk_cred, psk_cb);
	gnutls_certificate_set_retrieve_function2(cert_cred, cert_cb);
	return 0;
}

void fleet_tls_deinit(void)
{
	for (int i = 0; i < 3; i++)
		if (prio[i])
			gnutls_priority_deinit(prio[i]);
	memset(prio, 0, sizeof(prio));
	if (psk_cred)
		gnutls_psk_free_client_credentials(psk_cred);
	if (cert_cred)
		gnutls_certificate_free_credentials(cert_cred);
	psk_cred = NULL;
	cert_cred = NULL;
}

/* ---- transport: the device's socket and the datagram being fed ---- */

static ssize_t push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	struct fleet_dev *d = p;
	ssize_t n = send(d->fd, buf, len, MSG_DONTWAIT);
	if (n < 0) {
		gnutls_transport_set_errno(d->sec->ses, errno == EWOULDBLOCK ? EAGAIN : errno);
		return -1;
	}
	fleet_self->stats.c.tx++;
	return n;
}

/* A whole flight in one datagram where the MTU allows (ClientKeyExchange,
 * ChangeCipherSpec and Finished): a third of the datagrams of one push
 * per record, for us and for the server. */
static ssize_t vec_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct fleet_dev *d = p;
	struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(d->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		gnutls_transport_set_errno(d->sec->ses, errno == EWOULDBLOCK ? EAGAIN : errno);
		return -1;
	}
	fleet_self->stats.c.tx++;
	return n;
}

static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	struct fleet_dev *d = p;
	struct fleet_sec *x = d->sec;
	if (!x->rx) {
		gnutls_transport_set_errno(x->ses, EAGAIN);
		return -1;
	}
	size_t n = x->rx_len < len ? x->rx_len : len;
	memcpy(buf, x->rx, n);
	x->rx = NULL;
	return (ssize_t)n;
}

/* Called only when GnuTLS would wait: we never wait, the loop calls back. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned ms)
{
	(void)ms;
	struct fleet_dev *d = p;
	return d->sec->rx ? 1 : 0;
}

/* ---- this device's key (RPK, X.509) ---- */

static void drop_key(struct fleet_sec *x)
{
	if (x->pcert) {
		gnutls_pcert_deinit(x->pcert);
		free(x->pcert);
		x->pcert = NULL;
	}
	if (x->pkey)
		gnutls_privkey_deinit(x->pkey);
	x->pkey = NULL;
}

static int load_file(const char *dir, const char *ep, const char *ext, gnutls_datum_t *out)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%s", dir, ep, ext);
	return gnutls_load_file(path, out) < 0 ? -1 : 0;
}

/* From the account bootstrap wrote (DER), or DIR/ENDPOINT.key (+.crt). */
static int load_key(struct fleet_shard *s, struct fleet_dev *d, uint8_t mode)
{
	struct fleet_sec *x = d->sec;
	const struct fleet_acct *a = x->bootstrapped ? x->acct : NULL;
	gnutls_datum_t key = {0}, crt = {0};
	gnutls_x509_crt_fmt_t fmt = GNUTLS_X509_FMT_PEM;
	bool own = true; /* key/crt data are ours to free */
	int rc = -1;
	if (a) {
		key = (gnutls_datum_t){a->secret, a->secret_len};
		crt = (gnutls_datum_t){a->ident, a->ident_len};
		fmt = GNUTLS_X509_FMT_DER;
		own = false;
	} else {
		char ep[96];
		fleet_endpoint(s->cfg, d->idx, ep, sizeof(ep));
		if (!s->cfg->key_dir || load_file(s->cfg->key_dir, ep, "key", &key) ||
		    (mode == SEC_X509 && load_file(s->cfg->key_dir, ep, "crt", &crt))) {
			if (s->cfg->verbose)
				fprintf(stderr, "lwm2m-fleet: device %u: no key in %s\n", d->idx,
				        s->cfg->key_dir ? s->cfg->key_dir : "(none)");
			goto out;
		}
	}
	x->pcert = calloc(1, sizeof(*x->pcert));
	if (!x->pcert || gnutls_privkey_init(&x->pkey) < 0) {
		free(x->pcert);
		x->pcert = NULL;
		goto out;
	}
	if (gnutls_privkey_import_x509_raw(x->pkey, &key, fmt, NULL, 0) < 0)
		goto bad;
	if (mode == SEC_X509) {
		if (gnutls_pcert_import_x509_raw(x->pcert, &crt, fmt, 0) < 0)
			goto bad;
	} else {
		gnutls_pubkey_t pub;
		if (gnutls_pubkey_init(&pub) < 0)
			goto bad;
		int g = gnutls_pubkey_import_privkey(pub, x->pkey, 0, 0);
		if (g >= 0)
			g = gnutls_pcert_import_rawpk(x->pcert, pub, 0);
		if (g < 0) {
			gnutls_pubkey_deinit(pub);
			goto bad;
		}
		/* The pcert owns pub now. */
	}
	rc = 0;
	goto out;
bad:
	/* The pcert was not filled: nothing in it to deinit. */
	free(x->pcert);
	x->pcert = NULL;
	gnutls_privkey_deinit(x->pkey);
	x->pkey = NULL;
out:
	if (own) {
		gnutls_free(key.data);
		gnutls_free(crt.data);
	}
	return rc;
}

/* ---- the session ---- */

void fleet_tls_end(struct fleet_dev *d, bool bye)
{
	struct fleet_sec *x = d->sec;
	if (!x || !x->ses)
		return;
	/* One close_notify, not waited for: the server frees its session at
	 * once instead of at its idle timeout. */
	if (bye && x->established && d->fd >= 0)
		gnutls_bye(x->ses, GNUTLS_SHUT_WR);
	gnutls_deinit(x->ses);
	x->ses = NULL;
	x->rx = NULL;
	x->established = 0;
	drop_key(x);
}

static void hs_failed(struct fleet_shard *s, struct fleet_dev *d, const char *why)
{
	s->stats.c.hs_failures++;
	if (s->cfg->verbose)
		fprintf(stderr, "lwm2m-fleet: device %u: DTLS handshake failed: %s\n", d->idx, why);
	fleet_tls_end(d, false);
	fleet_dev_backoff(s, d);
}

void fleet_tls_start(struct fleet_shard *s, struct fleet_dev *d)
{
	struct fleet_sec *x = fleet_sec(d);
	bool secure;
	uint8_t mode = SEC_PSK;
	fleet_dev_peer(s, d, &secure, &mode);
	if (!x) {
		hs_failed(s, d, "out of memory");
		return;
	}
	fleet_tls_end(d, false);
	d->state = DEV_HANDSHAKE;
	d->req = REQ_NONE;
	unsigned flags = GNUTLS_CLIENT | GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL |
	                 /* never resumed: each handshake is a full one */
	                 GNUTLS_NO_TICKETS;
	if (mode == SEC_RPK)
		flags |= GNUTLS_ENABLE_RAWPK;
	if (gnutls_init(&x->ses, flags) < 0) {
		x->ses = NULL;
		hs_failed(s, d, "gnutls_init");
		return;
	}
	int pi = mode == SEC_RPK ? 1 : mode == SEC_X509 ? 2 : 0;
	int g = gnutls_priority_set(x->ses, prio[pi]);
	if (g >= 0 && mode == SEC_PSK)
		g = gnutls_credentials_set(x->ses, GNUTLS_CRD_PSK, psk_cred);
	if (g >= 0 && mode != SEC_PSK)
		g = load_key(s, d, mode) ? -1 : gnutls_credentials_set(x->ses, GNUTLS_CRD_CERTIFICATE,
		                                                        cert_cred);
	if (g < 0) {
		hs_failed(s, d, g == -1 ? "no key" : gnutls_strerror(g));
		return;
	}
	gnutls_session_set_ptr(x->ses, d);
	gnutls_transport_set_ptr(x->ses, d);
	gnutls_transport_set_push_function(x->ses, push);
	gnutls_transport_set_vec_push_function(x->ses, vec_push);
	gnutls_transport_set_pull_function(x->ses, pull);
	gnutls_transport_set_pull_timeout_function(x->ses, pull_timeout);
	gnutls_dtls_set_mtu(x->ses, DTLS_MTU);
	gnutls_dtls_set_timeouts(x->ses, HS_RETRANS_MS, HS_TOTAL_MS);
	d->sent_ms = 0;
	fleet_tls_step(s, d);
}

void fleet_tls_step(struct fleet_shard *s, struct fleet_dev *d)
{
	struct fleet_sec *x = d->sec;
	if (!x || !x->ses || d->state != DEV_HANDSHAKE)
		return;
	int g = gnutls_handshake(x->ses);
	x->rx = NULL;
	if (g == GNUTLS_E_AGAIN || g == GNUTLS_E_INTERRUPTED) {
		unsigned ms = gnutls_dtls_get_timeout(x->ses);
		lw_timer_in(&s->timers, &d->timer, ms ? ms : 1);
		return;
	}
	if (g < 0) {
		hs_failed(s, d, gnutls_strerror(g));
		return;
	}
	lw_timer_cancel(&s->timers, &d->timer);
	x->established = 1;
	s->stats.c.handshakes++;
	s->stats.c.last_hs_s = (double)fleet_now(s) / 1000.0;
	fleet_dev_connected(s, d);
}

void fleet_tls_input(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len)
{
	struct fleet_sec *x = d->sec;
	x->rx = buf;
	x->rx_len = len;
	if (d->state == DEV_HANDSHAKE) {
		fleet_tls_step(s, d);
		return;
	}
	/* A datagram may hold several records: one call each. A record may
	 * end this session (Bootstrap-Finish moves the device to its DM
	 * server: a new session, its handshake started): stop there. */
	uint8_t plain[2048];
	gnutls_session_t ses = x->ses;
	for (int guard = 0; guard < 64 && x->ses == ses && d->state != DEV_HANDSHAKE; guard++) {
		ssize_t n = gnutls_record_recv(x->ses, plain, sizeof(plain));
		if (n > 0) {
			fleet_dev_input(s, d, plain, (size_t)n);
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			break;
		if (n == 0 || gnutls_error_is_fatal((int)n)) {
			/* close_notify or a fatal alert: the session is gone, and
			 * with it what the server knew us by. */
			if (s->cfg->verbose)
				fprintf(stderr, "lwm2m-fleet: device %u: DTLS session ended: %s\n",
				        d->idx, n == 0 ? "close_notify" : gnutls_strerror((int)n));
			fleet_tls_end(d, false);
			if (d->state == DEV_DEREGISTERING || s->stopping)
				fleet_dev_done(s, d);
			else
				fleet_dev_backoff(s, d);
			return;
		}
	}
	if (x->ses == ses)
		x->rx = NULL;
}

void fleet_tls_send(struct fleet_shard *s, struct fleet_dev *d, const uint8_t *buf, size_t len)
{
	struct fleet_sec *x = d->sec;
	if (!x->established) {
		s->stats.c.errors++;
		return;
	}
	ssize_t n = gnutls_record_send(x->ses, buf, len);
	if (n < 0)
		s->stats.c.errors++;
}

/* ---- provisioning ---- */

static int pubkey_b64(const char *dir, const char *ep, char *out, size_t cap)
{
	gnutls_datum_t key = {0}, der = {0};
	gnutls_privkey_t pk = NULL;
	gnutls_pubkey_t pub = NULL;
	int rc = -1;
	if (load_file(dir, ep, "key", &key) || gnutls_privkey_init(&pk) < 0 ||
	    gnutls_privkey_import_x509_raw(pk, &key, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
	    gnutls_pubkey_init(&pub) < 0 || gnutls_pubkey_import_privkey(pub, pk, 0, 0) < 0 ||
	    gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der) < 0)
		goto out;
	if (lw_base64_encoded_len(der.size, 0) >= cap)
		goto out;
	lw_base64_encode(der.data, der.size, out, 0);
	rc = 0;
out:
	gnutls_free(key.data);
	gnutls_free(der.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (pk)
		gnutls_privkey_deinit(pk);
	return rc;
}

int fleet_credential_json(const struct fleet_cfg *cfg, uint32_t idx, char *out, size_t cap)
{
	char ep[96];
	fleet_endpoint(cfg, idx, ep, sizeof(ep));
	if (cfg->mode == SEC_X509) {
		snprintf(out, cap, "{\"mode\":\"x509\"}");
		return 0;
	}
	if (cfg->mode == SEC_RPK) {
		char b64[1024];
		if (!cfg->key_dir || pubkey_b64(cfg->key_dir, ep, b64, sizeof(b64)))
			return -1;
		snprintf(out, cap, "{\"mode\":\"rpk\",\"publicKey\":\"%s\"}", b64);
		return 0;
	}
	uint8_t key[FLEET_PSK_MAX];
	size_t n = fleet_psk_key(cfg, idx, key);
	char hex[2 * FLEET_PSK_MAX + 1];
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[2 * n] = 0;
	if (!n)
		return -1;
	snprintf(out, cap, "{\"mode\":\"psk\",\"identity\":\"%s\",\"key\":\"%s\"}", ep, hex);
	return 0;
}
