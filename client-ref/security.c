/*
 * client-ref/security.c: the client's accounts and how it connects to
 * them. An account is a Security instance (server URI, Bootstrap-Server
 * flag, Security Mode, keys) and, for a DM server, the Server instance of
 * the same Short Server ID. The command line fills /0/0 (the -u server);
 * a bootstrap server writes more. This file reads an account out of the
 * tree and opens the libcoap session for it: plain CoAP for coap://, DTLS
 * with a pre-shared key, a raw public key or an X.509 certificate for
 * coaps://, and the same over TCP and TLS (RFC 8323) for coap+tcp:// and
 * coaps+tcp:// (libcoap's COAP_PROTO_TCP and COAP_PROTO_TLS: the keys and
 * checks are the same, only the protocol given to libcoap differs), and
 * reports a failed handshake or connection in one line.
 *
 * Keys come from the tree where they fit its slots (PSK identity and key,
 * up to 127 bytes each); certificates and private keys given on the
 * command line stay in their PEM files, which libcoap reads itself.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_int.h"
#include "lwm2m/base64.h"

/* ---- reading an account ---- */

static size_t slot_copy(struct lwc_instance *in, uint16_t rid, void *out, size_t cap)
{
	struct lwc_slot *s = lwc_slot_find(in, rid, LW_ID_NONE);
	if (!s || s->len == 0)
		return 0;
	size_t n = s->len < cap ? s->len : cap;
	memcpy(out, lwc_slot_bytes(s), n);
	return n;
}

/* The Server instance of short server id ssid, or LW_ID_NONE. */
static uint16_t server_of(struct lwc_objects *o, uint16_t ssid)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &o->inst[i];
		if (in->used && in->oid == 1 && lwc_get_int(o, 1, in->iid, 0, -1) == ssid)
			return in->iid;
	}
	return LW_ID_NONE;
}

int lwc_account_load(struct lwc_client *c, uint16_t sec_iid, struct lwc_account *a)
{
	struct lwc_instance *in = lwc_instance_find(&c->obj, 0, sec_iid);
	if (!in)
		return -1;
	memset(a, 0, sizeof(*a));
	a->sec_iid = sec_iid;
	a->bootstrap = lwc_is_bs_account(in);
	a->mode = (int)lwc_get_int(&c->obj, 0, sec_iid, 2, LWC_SEC_NOSEC);
	a->ssid = (uint16_t)lwc_get_int(&c->obj, 0, sec_iid, 10, 0);
	slot_copy(in, 0, a->uri, sizeof(a->uri) - 1);
	a->identity_len = slot_copy(in, 3, a->identity, sizeof(a->identity));
	a->server_key_len = slot_copy(in, 4, a->server_key, sizeof(a->server_key));
	a->key_len = slot_copy(in, 5, a->key, sizeof(a->key));
	a->srv_iid = a->bootstrap ? LW_ID_NONE : server_of(&c->obj, a->ssid);
	return 0;
}

int lwc_account_find(struct lwc_client *c, bool bootstrap, struct lwc_account *a)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &c->obj.inst[i];
		if (!in->used || in->oid != 0 || lwc_account_load(c, in->iid, a))
			continue;
		if (a->bootstrap != bootstrap || !a->uri[0])
			continue;
		if (bootstrap || a->srv_iid != LW_ID_NONE)
			return 0;
	}
	return -1;
}

bool lwc_uri_secure(const char *uri)
{
	return !strncmp(uri, "coaps://", 8) || !strncmp(uri, "coaps+tcp://", 12);
}

const char *lwc_proto_name(coap_proto_t proto)
{
	switch (proto) {
	case COAP_PROTO_DTLS: return "DTLS";
	case COAP_PROTO_TCP: return "TCP";
	case COAP_PROTO_TLS: return "TLS";
	default: return "UDP";
	}
}

/* ---- key material from the command line ---- */

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *buf = malloc(65537);
	size_t n = buf ? fread(buf, 1, 65536, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n == 65536) {
		free(buf);
		return NULL;
	}
	buf[n] = 0; /* libcoap's PEM buffers may count the NUL */
	*len = n + 1;
	return buf;
}

/* The DER inside a PEM file's first block (a public key to pin). */
static int pem_to_der(const char *pem, uint8_t *out, size_t cap, size_t *len)
{
	const char *b = strstr(pem, "-----BEGIN ");
	b = b ? strchr(b + 11, '\n') : NULL;
	const char *e = b ? strstr(b, "-----END ") : NULL;
	if (!e)
		return -1;
	char *text = malloc((size_t)(e - b) + 1);
	size_t n = 0;
	if (!text)
		return -1;
	for (const char *p = b; p < e; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ')
			text[n++] = *p;
	uint8_t *der = malloc(lw_base64_decoded_max(n) + 1);
	size_t dlen = 0;
	int rc = der ? lw_base64_decode(text, n, der, &dlen, 0, NULL) : -1;
	if (!rc && dlen <= cap) {
		memcpy(out, der, dlen);
		*len = dlen;
	} else {
		rc = -1;
	}
	free(der);
	free(text);
	return rc;
}

int lwc_security_init(struct lwc_client *c)
{
	const struct lwc_config *cfg = &c->cfg;
	uint8_t key[LWC_STR_MAX];
	size_t key_len = 0;
	int mode = LWC_SEC_NOSEC;
	const char *id = "";

	if (cfg->psk_identity || cfg->psk_key_hex) {
		if (!cfg->psk_identity || !cfg->psk_key_hex ||
		    hex_decode(cfg->psk_key_hex, key, sizeof(key) - 1, &key_len) ||
		    strlen(cfg->psk_identity) >= LWC_STR_MAX) {
			lwc_log("PSK: -i IDENTITY and -k HEXKEY go together (key: even hex digits, "
			        "identity and key under %d bytes)", LWC_STR_MAX);
			return -1;
		}
		mode = LWC_SEC_PSK;
		id = cfg->psk_identity;
	} else if (cfg->rpk_key_file) {
		c->rpk_pem = read_file(cfg->rpk_key_file, &c->rpk_pem_len);
		if (!c->rpk_pem || !strstr((char *)c->rpk_pem, "PRIVATE KEY-----")) {
			lwc_log("RPK: cannot read a PEM private key from %s", cfg->rpk_key_file);
			return -1;
		}
		mode = LWC_SEC_RPK;
	} else if (cfg->cert_file || cfg->key_file) {
		if (!cfg->cert_file || !cfg->key_file) {
			lwc_log("X.509: --cert and --key go together");
			return -1;
		}
		mode = LWC_SEC_CERT;
	}
	if (cfg->server_key_file) {
		size_t n = 0;
		uint8_t *pem = read_file(cfg->server_key_file, &n);
		int rc = pem ? pem_to_der((char *)pem, c->server_key, sizeof(c->server_key),
		                          &c->server_key_len)
		             : -1;
		free(pem);
		if (rc) {
			lwc_log("RPK: cannot read a PEM public key from %s", cfg->server_key_file);
			return -1;
		}
	}
	bool secure = lwc_uri_secure(cfg->server_uri);
	if (secure != (mode != LWC_SEC_NOSEC)) {
		lwc_log("%s: %s", cfg->server_uri,
		        secure ? "coaps:// and coaps+tcp:// need credentials (-i/-k, --cert/--key "
		                 "or --rpk-key)"
		               : "credentials need a coaps:// or coaps+tcp:// server");
		return -1;
	}
	return lwc_security_set(&c->obj, 0, cfg->server_uri, cfg->bootstrap, mode,
	                        (const uint8_t *)id, strlen(id), key, key_len);
}

void lwc_security_free(struct lwc_client *c)
{
	free(c->rpk_pem);
	c->rpk_pem = NULL;
}

/* ---- sessions ---- */

/* The address and the libcoap protocol of a server URI. */
static int resolve(const char *uri_s, coap_address_t *addr, coap_proto_t *proto, char *host,
                   size_t host_cap)
{
	coap_uri_t uri;
	if (coap_split_uri((const uint8_t *)uri_s, strlen(uri_s), &uri) < 0 ||
	    (uri.scheme != COAP_URI_SCHEME_COAP && uri.scheme != COAP_URI_SCHEME_COAPS &&
	     uri.scheme != COAP_URI_SCHEME_COAP_TCP && uri.scheme != COAP_URI_SCHEME_COAPS_TCP)) {
		lwc_log("%s: not a coap://, coaps://, coap+tcp:// or coaps+tcp:// URI", uri_s);
		return -1;
	}
	static const coap_proto_t protos[] = {
		[COAP_URI_SCHEME_COAP] = COAP_PROTO_UDP,
		[COAP_URI_SCHEME_COAPS] = COAP_PROTO_DTLS,
		[COAP_URI_SCHEME_COAP_TCP] = COAP_PROTO_TCP,
		[COAP_URI_SCHEME_COAPS_TCP] = COAP_PROTO_TLS,
	};
	*proto = protos[uri.scheme];
	if ((*proto == COAP_PROTO_TCP || *proto == COAP_PROTO_TLS) && !coap_tcp_is_supported()) {
		lwc_log("%s: this libcoap has no CoAP over TCP", uri_s);
		return -1;
	}
	char port[8];
	snprintf(host, host_cap, "%.*s", (int)uri.host.length, (const char *)uri.host.s);
	snprintf(port, sizeof(port), "%u", uri.port);
	int stream = *proto == COAP_PROTO_TCP || *proto == COAP_PROTO_TLS;
	struct addrinfo hints = {.ai_socktype = stream ? SOCK_STREAM : SOCK_DGRAM}, *ai;
	if (getaddrinfo(host, port, &hints, &ai)) {
		lwc_log("cannot resolve %s", host);
		return -1;
	}
	coap_address_init(addr);
	addr->size = ai->ai_addrlen;
	memcpy(&addr->addr, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return 0;
}

/*
 * Called once the TLS layer has checked the peer (its chain against --ca
 * for X.509). For a raw public key there is no chain: the key is the
 * identity, so it must be the pinned one when --server-key (or /0/x/4)
 * gave one.
 */
static int check_peer(const char *cn, const uint8_t *der, size_t len, coap_session_t *s,
                      unsigned depth, int validated, void *arg)
{
	struct lwc_client *c = arg;
	if (depth > 0)
		return 1;
	if (c->acct.mode == LWC_SEC_RPK) {
		const uint8_t *pin = c->server_key_len ? c->server_key : c->acct.server_key;
		size_t pin_len = c->server_key_len ? c->server_key_len : c->acct.server_key_len;
		if (pin_len && (len != pin_len || memcmp(der, pin, len))) {
			lwc_log("%s: the server's public key is not the pinned one",
			        lwc_proto_name(coap_session_get_proto(s)));
			return 0;
		}
		return 1;
	}
	if (c->cfg.verbose)
		lwc_log("%s: server certificate CN=%s (%s)",
		        lwc_proto_name(coap_session_get_proto(s)), cn ? cn : "?",
		        validated ? "validated" : "not validated");
	return 1;
}

/* A bootstrap-provisioned RPK private key (DER, /0/x/5) as the PEM buffer
 * libcoap's GnuTLS layer reads. */
static uint8_t *der_key_to_pem(const uint8_t *der, size_t len, size_t *out_len)
{
	lw_buf b;
	lw_buf_init(&b);
	lw_buf_printf(&b, "-----BEGIN EC PRIVATE KEY-----\n");
	lw_base64_append(&b, der, len, 0);
	lw_buf_printf(&b, "\n-----END EC PRIVATE KEY-----\n");
	lw_buf_append_byte(&b, 0);
	*out_len = b.len;
	return b.data;
}

int lwc_session_open(struct lwc_client *c)
{
	const struct lwc_account *a = &c->acct;
	coap_address_t addr;
	coap_proto_t proto;
	char host[256];

	coap_session_t *old = c->session;
	/* Unhooked first: its closing events are no news. */
	c->session = NULL;
	if (old)
		coap_session_release(old);
	c->session_failed = false;
	c->session_ok = false;
	/* What was in flight belongs to the old session. */
	for (size_t i = 0; i < MAX_PENDING; i++)
		c->pend[i].kind = 0;
	if (resolve(a->uri, &addr, &proto, host, sizeof(host)))
		return -1;
	bool secure = proto == COAP_PROTO_DTLS || proto == COAP_PROTO_TLS;
	if (!secure) {
		c->session = coap_new_client_session(c->ctx, NULL, &addr, proto);
	} else if (proto == COAP_PROTO_DTLS ? !coap_dtls_is_supported() : !coap_tls_is_supported()) {
		lwc_log("%s: this libcoap has no %s", a->uri, lwc_proto_name(proto));
		return -1;
	} else if (a->mode == LWC_SEC_PSK) {
		coap_dtls_cpsk_t psk = {.version = COAP_DTLS_CPSK_SETUP_VERSION};
		psk.psk_info.identity.s = a->identity;
		psk.psk_info.identity.length = a->identity_len;
		psk.psk_info.key.s = a->key;
		psk.psk_info.key.length = a->key_len;
		c->session = coap_new_client_session_psk2(c->ctx, NULL, &addr, proto, &psk);
	} else if (a->mode == LWC_SEC_RPK || a->mode == LWC_SEC_CERT) {
		coap_dtls_pki_t pki = {.version = COAP_DTLS_PKI_SETUP_VERSION};
		uint8_t *prov = NULL;
		size_t prov_len = 0;
		pki.validate_cn_call_back = check_peer;
		pki.cn_call_back_arg = c;
		if (a->mode == LWC_SEC_RPK) {
			const uint8_t *pem = c->rpk_pem;
			size_t pem_len = c->rpk_pem_len;
			if (a->sec_iid != 0 || !pem) {
				/* provisioned by the bootstrap server */
				if (a->key_len)
					prov = der_key_to_pem(a->key, a->key_len, &prov_len);
				pem = prov;
				pem_len = prov_len;
			}
			if (!pem) {
				lwc_log("%s: RPK mode without a private key", a->uri);
				return -1;
			}
			pki.is_rpk_not_cert = 1;
			pki.pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
			pki.pki_key.key.pem_buf.public_cert = pem;
			pki.pki_key.key.pem_buf.public_cert_len = pem_len;
			pki.pki_key.key.pem_buf.private_key = pem;
			pki.pki_key.key.pem_buf.private_key_len = pem_len;
		} else {
			if (a->sec_iid != 0 || !c->cfg.cert_file) {
				lwc_log("%s: certificate mode needs --cert and --key (a "
				        "certificate does not fit the Security object's slots)",
				        a->uri);
				return -1;
			}
			pki.verify_peer_cert = c->cfg.ca_file != NULL;
			pki.cert_chain_validation = 1;
			pki.cert_chain_verify_depth = 3;
			pki.client_sni = host;
			pki.pki_key.key_type = COAP_PKI_KEY_PEM;
			pki.pki_key.key.pem.ca_file = c->cfg.ca_file;
			pki.pki_key.key.pem.public_cert = c->cfg.cert_file;
			pki.pki_key.key.pem.private_key = c->cfg.key_file;
		}
		c->session = coap_new_client_session_pki(c->ctx, NULL, &addr, proto, &pki);
		free(prov);
	} else {
		lwc_log("%s: coaps:// with security mode %d (NoSec): no credentials", a->uri,
		        a->mode);
		return -1;
	}
	if (!c->session) {
		lwc_log("%s: cannot set up the session (bad key or certificate files?)", a->uri);
		return -1;
	}
	const coap_address_t *la = coap_session_get_addr_local(c->session);
	if (la && la->addr.sa.sa_family == AF_INET)
		lwc_log("session from local port %u (%s)", ntohs(la->addr.sin.sin_port),
		        lwc_proto_name(proto));
	return 0;
}

/*
 * DTLS and TLS events, and those of a TCP connection: a failed handshake or
 * connection fails the request waiting for it (the Register or
 * Bootstrap-Request) at once, with one clear line, instead of after the
 * CoAP retransmissions (which TCP does not have anyway); a connection that
 * closes later sends the client back to registering.
 */
int lwc_on_event(coap_session_t *s, const coap_event_t ev)
{
	struct lwc_client *c = the_client;
	if (!c || s != c->session)
		return 0;
	if (ev == COAP_EVENT_DTLS_CONNECTED || ev == COAP_EVENT_SESSION_CONNECTED)
		c->session_ok = true;
	bool tls_end = ev == COAP_EVENT_DTLS_ERROR || ev == COAP_EVENT_DTLS_CLOSED;
	bool tcp_end = ev == COAP_EVENT_TCP_FAILED || ev == COAP_EVENT_TCP_CLOSED ||
	               ev == COAP_EVENT_SESSION_FAILED || ev == COAP_EVENT_SESSION_CLOSED;
	if (!tls_end && !tcp_end)
		return 0;
	if (c->session_failed)
		return 0;
	c->session_failed = true;
	/* Nothing came back on this session yet: the handshake itself failed
	 * (wrong key, unknown identity, certificate refused), or the TCP
	 * connection was refused. */
	const char *name = lwc_proto_name(coap_session_get_proto(s));
	char why[48];
	if (tls_end)
		snprintf(why, sizeof(why), "%s %s", name,
		         c->session_ok ? "session closed" : "handshake failed");
	else
		snprintf(why, sizeof(why), "%s connection %s", name,
		         c->session_ok ? "closed" : "failed");
	lwc_log("%s with %s", why, c->acct.uri);
	c->connecting = 0;
	if (c->st == REG_PENDING || c->st == BS_PENDING || c->st == REGISTERED ||
	    c->st == BS_WAIT) {
		for (size_t i = 0; i < MAX_PENDING; i++)
			c->pend[i].kind = 0;
		lwc_fail(c, why);
	}
	return 0;
}
