/*
 * lwm2m/bootstrap_config.c: the bootstrap configurations, one per endpoint
 * name (see bootstrap.h). A configuration is checked whole when it is set,
 * so that a session never finds a value it cannot write: every later step
 * works from the parsed struct lw_bs_server, never from the JSON again.
 *
 * "bootstrapSecurity" is the device's credential towards this bootstrap
 * server (not towards the DM servers it configures): it lives in the
 * configuration's document, which the store keeps, and in cs->bs_creds, the
 * table the bootstrap DTLS listener looks identities up in. Same format and
 * rules as /api/v1/security, so the same code (security/credentials.c) parses
 * and indexes it; only the table differs.
 */
#include "lwm2m/bootstrap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/records_json.h"
#include "security/credentials.h"
#include "storage/backend.h"

static const char *const mode_names[] = {"psk", "rpk", "x509", "nosec"};

static int fail(char *why, size_t whylen, const char *fmt, ...) LW_PRINTF(3, 4);

static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return LW_EINVAL;
}

static uint64_t ep_hash(const char *ep)
{
	return lw_hash(ep, strlen(ep), 0xb5);
}

int lw_bs_configs_init(struct lw_bs_configs *cs)
{
	memset(cs, 0, sizeof(*cs));
	int rc = lw_htable_init(&cs->by_ep, 16);
	if (!rc && (rc = lw_credentials_init(&cs->bs_creds)) != 0)
		lw_htable_free(&cs->by_ep);
	return rc;
}

static void server_clear(struct lw_bs_server *s)
{
	/* Secrets leave memory zeroed, like the credentials'. */
	if (s->secret)
		memset(s->secret, 0, s->secret_len);
	free(s->identity);
	free(s->server_key);
	free(s->secret);
	s->identity = s->server_key = s->secret = NULL;
}

static void config_free(struct lw_bs_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		server_clear(&c->servers[i]);
	json_decref(c->doc);
	free(c);
}

void lw_bs_configs_free(struct lw_bs_configs *cs)
{
	for (size_t b = 0; cs->by_ep.buckets && b <= cs->by_ep.mask; b++) {
		struct lw_hnode *k = cs->by_ep.buckets[b];
		while (k) {
			struct lw_hnode *next = k->next;
			config_free(LW_CONTAINER_OF(k, struct lw_bs_config, node));
			k = next;
		}
	}
	lw_htable_free(&cs->by_ep);
	if (cs->bs_creds.by_ep.buckets)
		lw_credentials_free(&cs->bs_creds);
	memset(cs, 0, sizeof(*cs));
}

const struct lw_bs_config *lw_bs_config_find(const struct lw_bs_configs *cs, const char *ep)
{
	uint64_t h = ep_hash(ep);
	for (struct lw_hnode *k = lw_htable_bucket(&cs->by_ep, h); k; k = k->next) {
		const struct lw_bs_config *c = LW_CONTAINER_OF(k, struct lw_bs_config, node);
		if (k->hash == h && strcmp(c->endpoint, ep) == 0)
			return c;
	}
	return NULL;
}

/* ---- checking a configuration ---- */

/* "coap://host:port" or "coaps://[v6]:port" (or coap+tcp://, coaps+tcp://),
 * nothing after the port. */
static int parse_uri(struct lw_bs_server *s, const char *uri, char *why, size_t whylen)
{
	static const struct {
		const char *scheme;
		int secure, tcp;
	} schemes[] = {{"coap://", 0, 0}, {"coaps://", 1, 0}, {"coap+tcp://", 0, 1},
	               {"coaps+tcp://", 1, 1}};
	const char *p = NULL;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !p; i++) {
		size_t n = strlen(schemes[i].scheme);
		if (strncmp(uri, schemes[i].scheme, n) == 0) {
			p = uri + n;
			s->secure = schemes[i].secure;
			s->tcp = schemes[i].tcp;
		}
	}
	if (!p)
		return fail(why, whylen, "uri \"%s\" must start with coap://, coaps://, coap+tcp:// "
		            "or coaps+tcp://", uri);
	const char *host = p, *host_end;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return fail(why, whylen, "uri \"%s\": unclosed [ of an IPv6 address", uri);
		p = host_end + 1;
	} else {
		host_end = p + strcspn(p, ":/?#");
		p = host_end;
	}
	size_t hlen = (size_t)(host_end - host);
	if (hlen == 0 || hlen >= sizeof(s->host))
		return fail(why, whylen, "uri \"%s\" needs a host", uri);
	for (const char *h = host; h < host_end; h++)
		if ((unsigned char)*h <= 0x20 || *h == '@')
			return fail(why, whylen, "uri \"%s\": bad host", uri);
	if (*p != ':')
		return fail(why, whylen, "uri \"%s\" needs a port (coap://HOST:PORT)", uri);
	p++;
	long port = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9' && port <= 65535) {
		port = port * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || port < 1 || port > 65535)
		return fail(why, whylen, "uri \"%s\": the port must be 1 to 65535", uri);
	if (*p && strcmp(p, "/") != 0)
		return fail(why, whylen, "uri \"%s\": nothing may follow the port", uri);
	memcpy(s->host, host, hlen);
	s->host[hlen] = '\0';
	s->port = (int)port;
	snprintf(s->uri, sizeof(s->uri), "%s", uri);
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int take_hex(const char *name, const json_t *v, size_t max, uint8_t **out, size_t *len,
                    char *why, size_t whylen)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (!s || n == 0 || n % 2 || n / 2 > max)
		return fail(why, whylen, "\"%s\" must be 2 to %zu hex digits, an even number", name,
		            2 * max);
	*out = malloc(n / 2);
	if (!*out)
		return LW_ENOMEM;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return fail(why, whylen, "\"%s\" is not hexadecimal", name);
		(*out)[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int take_b64(const char *name, const json_t *v, uint8_t **out, size_t *len, char *why,
                    size_t whylen)
{
	const char *s = json_string_value(v);
	size_t n = s ? strlen(s) : 0;
	if (!s || n == 0 || n > 8192)
		return fail(why, whylen, "\"%s\" must be Base64 (DER), at most 8192 characters",
		            name);
	*out = malloc(lw_base64_decoded_max(n) + 1);
	if (!*out)
		return LW_ENOMEM;
	if (lw_base64_decode(s, n, *out, len, 0, NULL) != 0 || *len == 0)
		return fail(why, whylen, "\"%s\" is not Base64", name);
	return 0;
}

/* The members each mode takes; NULL-terminated. */
static const char *const psk_members[] = {"mode", "identity", "key", NULL};
static const char *const rpk_members[] = {"mode", "publicKey", "privateKey", "serverPublicKey",
                                          NULL};
static const char *const x509_members[] = {"mode", "certificate", "privateKey",
                                           "serverCertificate", NULL};
static const char *const nosec_members[] = {"mode", NULL};

static int only_members(const json_t *o, const char *const *allowed, const char *what, char *why,
                        size_t whylen)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		int known = 0;
		for (const char *const *a = allowed; *a; a++)
			known |= strcmp(*a, k) == 0;
		if (!known)
			return fail(why, whylen, "unknown member \"%s\" in %s", k, what);
	}
	return 0;
}

static int parse_security(struct lw_bs_server *s, const json_t *sec, char *why, size_t whylen)
{
	if (!sec) {
		if (s->secure)
			return fail(why, whylen, "server %u: a %s server needs \"security\"",
			            s->ssid, s->tcp ? "coaps+tcp://" : "coaps://");
		s->mode = LW_BS_NOSEC;
		return 0;
	}
	if (!json_is_object(sec))
		return fail(why, whylen, "server %u: \"security\" must be an object", s->ssid);
	const char *mode = json_string_value(json_object_get(sec, "mode"));
	s->mode = -1;
	for (int i = 0; mode && i < 4; i++)
		if (strcmp(mode, mode_names[i]) == 0)
			s->mode = i;
	if (s->mode < 0)
		return fail(why, whylen, "server %u: security \"mode\" must be psk, rpk, x509 or nosec",
		            s->ssid);
	if ((s->mode == LW_BS_NOSEC) == s->secure)
		return fail(why, whylen, "server %u: mode %s does not go with a %s uri", s->ssid,
		            mode, s->secure ? (s->tcp ? "coaps+tcp://" : "coaps://")
		                            : (s->tcp ? "coap+tcp://" : "coap://"));
	static const char *const *const members[] = {psk_members, rpk_members, x509_members,
	                                             nosec_members};
	char what[64];
	snprintf(what, sizeof(what), "the security of server %u", s->ssid);
	int rc = only_members(sec, members[s->mode], what, why, whylen);
	if (rc)
		return rc;
	switch (s->mode) {
	case LW_BS_PSK: {
		const char *id = json_string_value(json_object_get(sec, "identity"));
		if (!id || !*id || strlen(id) > LW_PSK_IDENTITY_MAX)
			return fail(why, whylen, "server %u: \"identity\" must be 1 to %d bytes",
			            s->ssid, LW_PSK_IDENTITY_MAX);
		s->identity = (uint8_t *)strdup(id);
		if (!s->identity)
			return LW_ENOMEM;
		s->identity_len = strlen(id);
		return take_hex("key", json_object_get(sec, "key"), LW_PSK_KEY_MAX, &s->secret,
		                &s->secret_len, why, whylen);
	}
	case LW_BS_RPK:
	case LW_BS_X509: {
		int rpk = s->mode == LW_BS_RPK;
		rc = take_b64(rpk ? "publicKey" : "certificate",
		              json_object_get(sec, rpk ? "publicKey" : "certificate"), &s->identity,
		              &s->identity_len, why, whylen);
		rc = rc ? rc
		        : take_b64("privateKey", json_object_get(sec, "privateKey"), &s->secret,
		                   &s->secret_len, why, whylen);
		const char *sk = rpk ? "serverPublicKey" : "serverCertificate";
		if (!rc && json_object_get(sec, sk))
			rc = take_b64(sk, json_object_get(sec, sk), &s->server_key, &s->server_key_len,
			              why, whylen);
		return rc;
	}
	default:
		return 0;
	}
}

static int parse_binding(struct lw_bs_server *s, const json_t *v, char *why, size_t whylen)
{
	const char *b = v ? json_string_value(v) : "U";
	size_t n = b ? strlen(b) : 0;
	if (!b || n == 0 || n >= sizeof(s->binding))
		return fail(why, whylen, "server %u: \"binding\" must be letters of U, T, S, N, Q",
		            s->ssid);
	for (size_t i = 0; i < n; i++)
		if (!strchr("UTSNQ", b[i]) || memchr(b, b[i], i))
			return fail(why, whylen,
			            "server %u: \"binding\" must be letters of U, T, S, N, Q, each once",
			            s->ssid);
	memcpy(s->binding, b, n + 1);
	return 0;
}

static const char *const server_members[] = {"shortServerId", "uri", "lifetime", "binding",
                                             "notificationStoring", "security", "local", NULL};

static int parse_server(struct lw_bs_server *s, const json_t *o, size_t index, char *why,
                        size_t whylen)
{
	if (!json_is_object(o))
		return fail(why, whylen, "servers[%zu] must be an object", index);
	char what[32];
	snprintf(what, sizeof(what), "servers[%zu]", index);
	int rc = only_members(o, server_members, what, why, whylen);
	if (rc)
		return rc;
	const json_t *v = json_object_get(o, "shortServerId");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 65534)
		return fail(why, whylen, "servers[%zu]: \"shortServerId\" must be 1 to 65534", index);
	s->ssid = (uint16_t)json_integer_value(v);
	const char *uri = json_string_value(json_object_get(o, "uri"));
	if (!uri)
		return fail(why, whylen, "server %u: \"uri\" is required", s->ssid);
	if (strlen(uri) >= sizeof(s->uri))
		return fail(why, whylen, "server %u: \"uri\" is too long", s->ssid);
	rc = parse_uri(s, uri, why, whylen);
	if (rc)
		return rc;
	v = json_object_get(o, "lifetime");
	s->lifetime = 86400;
	if (v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > (json_int_t)1 << 31)
			return fail(why, whylen, "server %u: \"lifetime\" must be 1 to 2147483648 s",
			            s->ssid);
		s->lifetime = (uint32_t)json_integer_value(v);
	}
	rc = parse_binding(s, json_object_get(o, "binding"), why, whylen);
	if (rc)
		return rc;
	v = json_object_get(o, "notificationStoring");
	if (v && !json_is_boolean(v))
		return fail(why, whylen, "server %u: \"notificationStoring\" must be true or false",
		            s->ssid);
	s->notification_storing = v ? json_is_true(v) : 1;
	v = json_object_get(o, "local");
	if (v && !json_is_boolean(v))
		return fail(why, whylen, "server %u: \"local\" must be true or false", s->ssid);
	s->local = v ? (json_is_true(v) ? 1 : 0) : -1;
	return parse_security(s, json_object_get(o, "security"), why, whylen);
}

/*
 * Parses bootstrapSecurity as /api/v1/security would, in a table of its own
 * so that nothing real changes. 0 with *out (the parsed credential, in
 * *scratch, which the caller frees) or LW_EINVAL / LW_ENOMEM with why.
 */
static int parse_bs_security(const char *endpoint, const json_t *sec,
                             struct lw_credentials *scratch, const struct lw_credential **out,
                             char *why, size_t whylen)
{
	*out = NULL;
	if (lw_credentials_init(scratch) != 0) {
		memset(scratch, 0, sizeof(*scratch)); /* nothing for the caller to free */
		return LW_ENOMEM;
	}
	const char *mode = json_string_value(json_object_get(sec, "mode"));
	if (!json_is_object(sec) || !mode ||
	    (strcmp(mode, "psk") && strcmp(mode, "rpk") && strcmp(mode, "x509")))
		return fail(why, whylen, "\"bootstrapSecurity\" must be an object with \"mode\" "
		            "psk, rpk or x509 (as for /api/v1/security)");
	if (json_object_get(sec, "endpoint"))
		return fail(why, whylen, "unknown member \"endpoint\" in \"bootstrapSecurity\"");
	char inner[160];
	int rc = lw_credentials_put(scratch, endpoint, sec, inner, sizeof(inner), NULL, NULL);
	if (rc == LW_EINVAL)
		return fail(why, whylen, "bootstrapSecurity: %s", inner);
	if (rc)
		return rc;
	*out = lw_credentials_by_endpoint(scratch, endpoint);
	return 0;
}

/* A new configuration from body, or NULL with why (*rc the status). */
static struct lw_bs_config *parse(const char *endpoint, const json_t *body, char *why,
                                  size_t whylen, int *rc)
{
	*rc = LW_EINVAL;
	if (!json_is_object(body)) {
		fail(why, whylen, "the body must be a JSON object {\"servers\": [...]}");
		return NULL;
	}
	static const char *const top[] = {"servers", "bootstrapSecurity", NULL};
	if (only_members(body, top, "the configuration", why, whylen))
		return NULL;
	const json_t *list = json_object_get(body, "servers");
	size_t n = json_array_size(list);
	if (!json_is_array(list) || n < 1 || n > LW_BS_MAX_SERVERS) {
		fail(why, whylen, "\"servers\" must be an array of 1 to %d servers",
		     LW_BS_MAX_SERVERS);
		return NULL;
	}
	size_t eplen = strlen(endpoint);
	struct lw_bs_config *c = calloc(1, sizeof(*c) + eplen + 1);
	if (!c) {
		*rc = LW_ENOMEM;
		return NULL;
	}
	memcpy(c->endpoint, endpoint, eplen + 1);
	for (size_t i = 0; i < n; i++) {
		struct lw_bs_server *s = &c->servers[i];
		c->n = i + 1;
		int r = parse_server(s, json_array_get(list, i), i, why, whylen);
		if (r) {
			*rc = r;
			if (r == LW_ENOMEM)
				fail(why, whylen, "out of memory");
			config_free(c);
			return NULL;
		}
		for (size_t j = 0; j < i; j++)
			if (c->servers[j].ssid == s->ssid) {
				fail(why, whylen, "shortServerId %u is given twice", s->ssid);
				config_free(c);
				return NULL;
			}
	}
	const json_t *bsec = json_object_get(body, "bootstrapSecurity");
	if (bsec) {
		struct lw_credentials scratch;
		const struct lw_credential *cred;
		int r = parse_bs_security(endpoint, bsec, &scratch, &cred, why, whylen);
		lw_credentials_free(&scratch);
		if (r) {
			*rc = r;
			if (r == LW_ENOMEM)
				fail(why, whylen, "out of memory");
			config_free(c);
			return NULL;
		}
		c->has_bs_security = 1;
	}
	c->doc = json_deep_copy(body);
	if (!c->doc) {
		*rc = LW_ENOMEM;
		config_free(c);
		return NULL;
	}
	return c;
}

/* LW_EEXIST (with why) when another endpoint's bootstrap credential has the
 * PSK identity or public key of c's: the listener could not tell them apart. */
static int bs_conflict(struct lw_bs_configs *cs, const struct lw_bs_config *c, char *why,
                       size_t whylen)
{
	if (!c->has_bs_security)
		return 0;
	struct lw_credentials scratch;
	const struct lw_credential *cred;
	int rc = parse_bs_security(c->endpoint, json_object_get(c->doc, "bootstrapSecurity"),
	                           &scratch, &cred, why, whylen);
	const struct lw_credential *other = NULL;
	if (!rc && cred->mode == LW_SEC_PSK)
		other = lw_credentials_by_psk_identity(&cs->bs_creds, cred->secret, cred->secret_len);
	else if (!rc && cred->mode == LW_SEC_RPK)
		other = lw_credentials_by_public_key(&cs->bs_creds, cred->secret, cred->secret_len);
	if (other && other->mode == cred->mode && strcmp(other->endpoint, c->endpoint) != 0) {
		snprintf(why, whylen, "bootstrapSecurity: another endpoint has this %s",
		         cred->mode == LW_SEC_PSK ? "identity" : "public key");
		rc = LW_EEXIST;
	}
	lw_credentials_free(&scratch);
	return rc;
}

/* Makes bs_creds hold c's bootstrap credential (or none). */
static void bs_credential_set(struct lw_bs_configs *cs, const struct lw_bs_config *c)
{
	if (!c->has_bs_security) {
		lw_credentials_del(&cs->bs_creds, c->endpoint, NULL, NULL);
		return;
	}
	char why[160];
	int rc = lw_credentials_put(&cs->bs_creds, c->endpoint,
	                            json_object_get(c->doc, "bootstrapSecurity"), why, sizeof(why),
	                            NULL, NULL);
	if (rc)
		lw_log(LW_LOG_WARN, "bootstrap: the bootstrap credential of %s is not in use: %s",
		       c->endpoint, rc == LW_ENOMEM ? "out of memory" : why);
}

/* ---- which server is this daemon ---- */

static int same_addr(const char *host, const struct sockaddr *sa)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
	                                         : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!inet_ntop(sa->sa_family, a, buf, sizeof(buf)))
		return 0;
	/* Compare in binary: "::0001" and "::1" are the same address. */
	unsigned char x[16], y[16];
	return inet_pton(sa->sa_family, host, x) == 1 && inet_pton(sa->sa_family, buf, y) == 1 &&
	       memcmp(x, y, sa->sa_family == AF_INET ? 4 : 16) == 0;
}

/* The host is one of this machine's names or addresses. */
static int host_is_here(const char *host, const char *bind)
{
	if (strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	    strcmp(host, "::1") == 0)
		return 1;
	if (bind && strcmp(bind, "0.0.0.0") != 0 && strcmp(bind, "::") != 0 &&
	    strcmp(host, bind) == 0)
		return 1;
	char name[256];
	if (gethostname(name, sizeof(name)) == 0 && strcasecmp(name, host) == 0)
		return 1;
	struct ifaddrs *ifs = NULL;
	int here = 0;
	if (getifaddrs(&ifs) != 0)
		return 0;
	for (struct ifaddrs *i = ifs; i && !here; i = i->ifa_next)
		if (i->ifa_addr &&
		    (i->ifa_addr->sa_family == AF_INET || i->ifa_addr->sa_family == AF_INET6))
			here = same_addr(host, i->ifa_addr);
	freeifaddrs(ifs);
	return here;
}

static int is_local(const struct lw_bs_configs *cs, const struct lw_bs_server *s)
{
	if (s->local >= 0)
		return s->local;
	int port = s->tcp ? (s->secure ? cs->coaps_tcp_port : cs->coap_tcp_port)
	                  : (s->secure ? cs->coaps_port : cs->coap_port);
	const char *bind = s->tcp ? (s->secure ? cs->coaps_tcp_bind : cs->coap_tcp_bind)
	                          : (s->secure ? cs->coaps_bind : cs->coap_bind);
	if (port == 0 || s->port != port)
		return 0;
	return host_is_here(s->host, bind);
}

/* The credential body for s (NULL: nothing to install, mode nosec). */
static json_t *credential_of(const struct lw_bs_server *s, const json_t *server_doc)
{
	const json_t *sec = json_object_get(server_doc, "security");
	switch (s->mode) {
	case LW_BS_PSK:
		return json_pack("{s:s, s:O, s:O}", "mode", "psk", "identity",
		                 json_object_get(sec, "identity"), "key", json_object_get(sec, "key"));
	case LW_BS_RPK:
		return json_pack("{s:s, s:O}", "mode", "rpk", "publicKey",
		                 json_object_get(sec, "publicKey"));
	case LW_BS_X509:
		return json_pack("{s:s}", "mode", "x509");
	default:
		return NULL;
	}
}

/* ---- setting and removing ---- */

/* Several store writes behind one done: the first failure wins. */
struct pending {
	int left, status;
	void (*done)(void *arg, int status);
	void *arg;
};

static void pending_one(void *arg, int status)
{
	struct pending *p = arg;
	if (status && !p->status)
		p->status = status;
	if (--p->left == 0) {
		if (p->done)
			p->done(p->arg, p->status);
		free(p);
	}
}

static void install(struct lw_bs_configs *cs, struct lw_bs_config *c)
{
	struct lw_bs_config *old = (struct lw_bs_config *)lw_bs_config_find(cs, c->endpoint);
	if (old) {
		lw_htable_remove(&cs->by_ep, &old->node);
		cs->count--;
		config_free(old);
	}
	lw_htable_insert(&cs->by_ep, &c->node, ep_hash(c->endpoint));
	cs->count++;
}

int lw_bs_config_put(struct lw_bs_configs *cs, const char *endpoint, const json_t *body,
                     char *why, size_t whylen, void (*done)(void *arg, int status), void *arg)
{
	if (!*endpoint || strlen(endpoint) > LW_ST_KEY_MAX)
		return fail(why, whylen, "the endpoint name must be 1 to 255 bytes");
	int rc;
	struct lw_bs_config *c = parse(endpoint, body, why, whylen, &rc);
	if (!c)
		return rc;
	for (size_t i = 0; i < c->n; i++)
		c->servers[i].local = is_local(cs, &c->servers[i]);
	char *doc = cs->st ? lw_json_dumps(c->doc, 0) : NULL;
	struct pending *p = calloc(1, sizeof(*p));
	if ((cs->st && !doc) || !p) {
		free(doc);
		free(p);
		config_free(c);
		return LW_ENOMEM;
	}
	rc = bs_conflict(cs, c, why, whylen);
	if (rc) {
		free(doc);
		free(p);
		config_free(c);
		return rc;
	}
	p->done = done;
	p->arg = arg;
	p->left = 1; /* ours, released at the end */
	/* The credential first: a conflict (identity of another endpoint)
	 * refuses the whole configuration before anything changed. Only the
	 * first local server with security: an endpoint has one credential. */
	for (size_t i = 0; i < c->n; i++) {
		const struct lw_bs_server *s = &c->servers[i];
		if (!s->local || s->mode == LW_BS_NOSEC || !cs->creds)
			continue;
		json_t *cred = credential_of(s, json_array_get(json_object_get(c->doc, "servers"), i));
		if (!cred) {
			rc = LW_ENOMEM;
		} else {
			p->left++;
			rc = lw_credentials_put(cs->creds, endpoint, cred, why, whylen, pending_one, p);
			if (rc)
				p->left--;
		}
		json_decref(cred);
		if (rc) {
			free(doc);
			free(p);
			config_free(c);
			return rc;
		}
		break;
	}
	install(cs, c);
	bs_credential_set(cs, c);
	if (cs->st) {
		p->left++;
		rc = cs->st->ops->doc_put(cs->st->be, LW_ST_BOOTSTRAP, endpoint, NULL, doc,
		                          strlen(doc), pending_one, p);
		if (rc) {
			p->left--;
			p->status = rc;
		}
		memset(doc, 0, strlen(doc));
		free(doc);
	}
	pending_one(p, 0);
	return 0;
}

int lw_bs_config_del(struct lw_bs_configs *cs, const char *endpoint,
                     void (*done)(void *arg, int status), void *arg)
{
	struct lw_bs_config *c = (struct lw_bs_config *)lw_bs_config_find(cs, endpoint);
	if (!c)
		return LW_ENOENT;
	lw_htable_remove(&cs->by_ep, &c->node);
	cs->count--;
	config_free(c);
	lw_credentials_del(&cs->bs_creds, endpoint, NULL, NULL);
	if (!cs->st) {
		if (done)
			done(arg, 0);
		return 0;
	}
	return cs->st->ops->doc_del(cs->st->be, LW_ST_BOOTSTRAP, endpoint, done, arg);
}

/* "a1b2...(16 bytes)": enough to tell two secrets apart, never to use one. */
static json_t *hint(const uint8_t *b, size_t n)
{
	char h[64];
	snprintf(h, sizeof(h), "%02x%02x...(%zu bytes)", n ? b[0] : 0, n > 1 ? b[1] : 0, n);
	return json_string(h);
}

json_t *lw_bs_config_json(const struct lw_bs_config *c)
{
	json_t *list = json_array();
	json_t *o = json_pack("{s:s, s:o}", "endpoint", c->endpoint, "servers", list);
	if (!o)
		return NULL;
	for (size_t i = 0; i < c->n; i++) {
		const struct lw_bs_server *s = &c->servers[i];
		json_t *sec = json_pack("{s:s}", "mode", mode_names[s->mode]);
		if (s->mode == LW_BS_PSK) {
			json_object_set_new(sec, "identity",
			                    json_stringn((const char *)s->identity, s->identity_len));
			json_object_set_new(sec, "keyHint", hint(s->secret, s->secret_len));
		} else if (s->mode != LW_BS_NOSEC) {
			const json_t *given = json_object_get(
				json_array_get(json_object_get(c->doc, "servers"), i), "security");
			const char *pub = s->mode == LW_BS_RPK ? "publicKey" : "certificate";
			const char *srv = s->mode == LW_BS_RPK ? "serverPublicKey" : "serverCertificate";
			/* Public material in full: it is not secret. */
			json_object_set(sec, pub, json_object_get(given, pub));
			if (json_object_get(given, srv))
				json_object_set(sec, srv, json_object_get(given, srv));
			json_object_set_new(sec, "privateKeyHint", hint(s->secret, s->secret_len));
		}
		json_array_append_new(
			list, json_pack("{s:i, s:s, s:I, s:s, s:b, s:b, s:o}", "shortServerId",
		                        (int)s->ssid, "uri", s->uri, "lifetime",
		                        (json_int_t)s->lifetime,
		                        "binding", s->binding, "notificationStoring",
		                        s->notification_storing, "local", s->local, "security", sec));
	}
	if (c->has_bs_security) {
		/* Parsed again (it was checked when set) for the one description
		 * of a credential that /api/v1/security gives too: hints only. */
		struct lw_credentials scratch;
		const struct lw_credential *bc = NULL;
		char why[160];
		parse_bs_security(c->endpoint, json_object_get(c->doc, "bootstrapSecurity"),
		                  &scratch, &bc, why, sizeof(why));
		json_t *bj = bc ? lw_credential_json(bc) : NULL;
		lw_credentials_free(&scratch);
		if (bj) {
			json_object_del(bj, "endpoint");
			json_object_set_new(o, "bootstrapSecurity", bj);
		}
	}
	return o;
}

/* ---- the records a session writes ---- */

static int add_rec(lw_records *out, lw_path p, int type, const void *bytes, size_t len,
                   int64_t i)
{
	lw_record *r = lw_records_add(out);
	if (!r)
		return LW_ENOMEM;
	r->path = p;
	r->type = (uint8_t)type;
	if (type == LW_TYPE_STRING || type == LW_TYPE_OPAQUE)
		return lw_records_set_bytes(out, r, bytes ? bytes : "", len);
	if (type == LW_TYPE_BOOLEAN)
		r->v.b = i != 0;
	else
		r->v.i = i;
	return 0;
}

#define RES(o, i, r) lw_path_make(3, (o), (i), (r), LW_ID_NONE)

int lw_bs_security_records(const struct lw_bs_server *s, uint16_t iid, lw_records *out)
{
	int rc = add_rec(out, RES(0, iid, 0), LW_TYPE_STRING, s->uri, strlen(s->uri), 0);
	rc = rc ? rc : add_rec(out, RES(0, iid, 1), LW_TYPE_BOOLEAN, NULL, 0, 0);
	rc = rc ? rc : add_rec(out, RES(0, iid, 2), LW_TYPE_INTEGER, NULL, 0, s->mode);
	rc = rc ? rc : add_rec(out, RES(0, iid, 3), LW_TYPE_OPAQUE, s->identity, s->identity_len, 0);
	rc = rc ? rc
	        : add_rec(out, RES(0, iid, 4), LW_TYPE_OPAQUE, s->server_key, s->server_key_len, 0);
	rc = rc ? rc : add_rec(out, RES(0, iid, 5), LW_TYPE_OPAQUE, s->secret, s->secret_len, 0);
	rc = rc ? rc : add_rec(out, RES(0, iid, 10), LW_TYPE_INTEGER, NULL, 0, s->ssid);
	return rc;
}

int lw_bs_server_records(const struct lw_bs_server *s, uint16_t iid, lw_records *out)
{
	int rc = add_rec(out, RES(1, iid, 0), LW_TYPE_INTEGER, NULL, 0, s->ssid);
	rc = rc ? rc : add_rec(out, RES(1, iid, 1), LW_TYPE_INTEGER, NULL, 0, s->lifetime);
	rc = rc ? rc
	        : add_rec(out, RES(1, iid, 6), LW_TYPE_BOOLEAN, NULL, 0, s->notification_storing);
	rc = rc ? rc : add_rec(out, RES(1, iid, 7), LW_TYPE_STRING, s->binding, strlen(s->binding), 0);
	return rc;
}

/* ---- loading ---- */

static int load_one(void *ctx, const struct lw_st_doc *doc)
{
	struct lw_bs_configs *cs = ctx;
	char why[200];
	int rc;
	json_t *j = json_loadb(doc->json, doc->json_len, 0, NULL);
	struct lw_bs_config *c = j ? parse(doc->key, j, why, sizeof(why), &rc) : NULL;
	json_decref(j);
	if (!c) {
		lw_log(LW_LOG_WARN, "bootstrap: the stored configuration of %s is unusable, skipped",
		       doc->key);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++)
		c->servers[i].local = is_local(cs, &c->servers[i]);
	char conflict[200];
	if (bs_conflict(cs, c, conflict, sizeof(conflict)) != 0) {
		lw_log(LW_LOG_WARN, "bootstrap: the stored configuration of %s: %s; its bootstrap "
		       "credential is not in use", doc->key, conflict);
		c->has_bs_security = 0;
	}
	install(cs, c);
	bs_credential_set(cs, c);
	return 1;
}

int lw_bs_configs_load(struct lw_bs_configs *cs, const struct lw_store *st,
                       struct event_base *base)
{
	cs->st = st;
	if (!st)
		return 0;
	size_t ok = 0, bad = 0;
	int rc = lw_storage_load(st, base, LW_ST_BOOTSTRAP, load_one, cs, &ok, &bad);
	if (!rc && (ok || bad))
		lw_log(LW_LOG_INFO, "bootstrap: %zu configurations loaded", ok);
	return rc;
}
