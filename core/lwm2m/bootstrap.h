/*
 * lwm2m/bootstrap.h: the LwM2M Bootstrap Server inside lwm2md (Core spec,
 * the Bootstrap interface). Its own CoAP engine on its own ports ([bootstrap]
 * port 5783, CoAP over UDP, and secure_port 5784, over DTLS with the
 * bootstrap credentials), so that a device's factory bootstrap account never
 * reaches the device-management side, and a configuration per endpoint name:
 * the servers the device gets (Security and Server object instances) and
 * the device's own bootstrap credential.
 *
 * bootstrap_config.c keeps the configurations (REST /api/v1/bootstrap, the
 * store's LW_ST_BOOTSTRAP collection, memory by endpoint); bootstrap.c runs
 * the listeners and one session per device: Bootstrap-Request, then Delete,
 * Discover, Write of each instance, Finish, or a 1.2 Bootstrap-Pack.
 *
 * Loop thread only.
 */
#ifndef LW_LWM2M_BOOTSTRAP_H
#define LW_LWM2M_BOOTSTRAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/records.h"
#include "security/credentials.h"
#include "util/hash.h"

struct lw_daemon;
struct lw_store;
struct lw_credentials;
struct event_base;

#define LW_BS_MAX_SERVERS 16

/* The security modes of the Security object (/0/x/2). */
enum lw_bs_mode {
	LW_BS_PSK = 0,
	LW_BS_RPK = 1,
	LW_BS_X509 = 2,
	LW_BS_NOSEC = 3,
};

/* One server account of a configuration, parsed and checked. */
struct lw_bs_server {
	uint16_t ssid;
	char uri[256];
	int secure;    /* coaps:// or coaps+tcp:// */
	int tcp;       /* coap+tcp:// or coaps+tcp:// (RFC 8323) */
	char host[200];
	int port;
	uint32_t lifetime;
	char binding[8];
	int notification_storing;
	int mode; /* enum lw_bs_mode */
	/* Resource bytes: /0/x/3 identity or own public key or certificate,
	 * /0/x/4 the server's key or certificate, /0/x/5 the secret. */
	uint8_t *identity, *server_key, *secret;
	size_t identity_len, server_key_len, secret_len;
	int local; /* points at this daemon (its security is installed here); -1 while parsing: detect */
};

/* One endpoint's configuration. */
struct lw_bs_config {
	struct lw_hnode node;
	json_t *doc; /* the body as stored (keys in full) */
	int has_bs_security; /* "bootstrapSecurity": its credential is in bs_creds */
	size_t n;
	struct lw_bs_server servers[LW_BS_MAX_SERVERS];
	char endpoint[];
};

struct lw_bs_configs {
	struct lw_htable by_ep;
	size_t count;
	const struct lw_store *st; /* NULL: memory only */
	struct lw_credentials *creds; /* where local servers' security goes */
	/*
	 * The bootstrap credentials: what a device proves to the bootstrap
	 * server's DTLS listener ("bootstrapSecurity" of its configuration),
	 * apart from the DM credentials (creds) that the configuration installs
	 * for the DM server. Memory only: the configuration document is what
	 * the store keeps, and they are rebuilt from it at start.
	 */
	struct lw_credentials bs_creds;
	/* This daemon's own ports and addresses, to tell which uri is ours. */
	int coap_port, coaps_port, coap_tcp_port, coaps_tcp_port;
	const char *coap_bind, *coaps_bind, *coap_tcp_bind, *coaps_tcp_bind;
};

int lw_bs_configs_init(struct lw_bs_configs *cs);
void lw_bs_configs_free(struct lw_bs_configs *cs);
/* Reads every stored configuration (at start, running the loop). */
int lw_bs_configs_load(struct lw_bs_configs *cs, const struct lw_store *st,
                       struct event_base *base);
const struct lw_bs_config *lw_bs_config_find(const struct lw_bs_configs *cs, const char *ep);

/*
 * Checks body ({"servers": [...], "bootstrapSecurity": {...}},
 * docs/bootstrap.md) and sets endpoint's configuration, in memory at once and
 * in the store; the security of a server that points at this daemon becomes
 * endpoint's credential, and bootstrapSecurity (optional) its bootstrap
 * credential (a configuration without it drops the one it had). done(arg,
 * status) runs once everything is durable (at once without a store). Returns
 * 0 (done will run), LW_EINVAL with why (nothing changed), LW_EEXIST
 * (another endpoint has this PSK identity or key, as DM or as bootstrap
 * credential), LW_ENOMEM, or the store's refusal.
 */
int lw_bs_config_put(struct lw_bs_configs *cs, const char *endpoint, const json_t *body,
                     char *why, size_t whylen, void (*done)(void *arg, int status), void *arg);
/* LW_ENOENT when endpoint has none. Same done. The DM credential stays;
 * the bootstrap credential goes with the configuration. */
int lw_bs_config_del(struct lw_bs_configs *cs, const char *endpoint,
                     void (*done)(void *arg, int status), void *arg);
/* {"endpoint", "servers": [...], "bootstrapSecurity"} with secrets shown
 * as hints only. */
json_t *lw_bs_config_json(const struct lw_bs_config *c);

/*
 * The records that configure server i of c as Security instance sec_iid and
 * Server instance srv_iid (appended to out; paths are full). 0 or LW_ENOMEM.
 */
int lw_bs_security_records(const struct lw_bs_server *s, uint16_t sec_iid, lw_records *out);
int lw_bs_server_records(const struct lw_bs_server *s, uint16_t srv_iid, lw_records *out);

/* ---- the server (bootstrap.c) ---- */

/* Loads the configurations and opens the listener ([bootstrap] port 0: the
 * configurations are still served over REST). LW_EXIT_* with err. */
int lw_bootstrap_start(struct lw_daemon *d, char *err, size_t errlen);
void lw_bootstrap_stop(struct lw_daemon *d);
/* The configurations, or NULL when not started. */
struct lw_bs_configs *lw_bootstrap_configs(struct lw_daemon *d);
/* The UDP port bound, or 0. */
int lw_bootstrap_port(const struct lw_daemon *d);
/* The DTLS port bound ([bootstrap] secure_port), or 0. */
int lw_bootstrap_secure_port(const struct lw_daemon *d);

#endif
