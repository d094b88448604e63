/*
 * config.h: the daemon's configuration: built-in defaults, an INI file (inih)
 * and a few environment variables, in that order of precedence (last wins).
 *
 * Core sections are checked against one table (config.c); every other section
 * belongs to a plugin of that name and is kept raw, with line numbers, until
 * the plugin's schema is known (plugin.c). All errors read "FILE:LINE: what".
 */
#ifndef LW_CORE_CONFIG_H
#define LW_CORE_CONFIG_H

#include <stddef.h>

/* One key of a plugin section, as read from the file. */
struct lw_conf_entry {
	char *section;
	char *key;
	char *value;
	int line;
	int used; /* set when a plugin schema claimed it */
};

struct lw_config {
	char *path; /* the file read, or NULL for built-in defaults */

	/* [server] */
	char *state_dir;
	char *plugin_dir;
	char *plugins; /* space/comma separated names; NULL: every *.so in plugin_dir */
	char *model_dirs; /* space/comma separated folders of DDF XML files */
	int workers;
	int worker_queue;
	int reobserve_on_register; /* observe again after a new Register (bool) */

	/* [log] */
	char *log_level;
	char *log_target; /* stderr, syslog, file */
	char *log_file;

	/* [coap] */
	char *coap_bind;
	int coap_port;
	int coap_rcvbuf;          /* bytes; 0 leaves the kernel default */
	int coap_dedup_max;       /* entries in the deduplication cache */
	int coap_peer_idle;       /* seconds before an idle peer is forgotten */
	int coap_ack_timeout_ms;  /* RFC 7252 ACK_TIMEOUT */
	int coap_max_retransmit;  /* RFC 7252 MAX_RETRANSMIT */
	int coap_nstart;          /* RFC 7252 NSTART */
	int coap_queue_awake;     /* s a queue-mode client listens after a message */
	int coap_credentials_required; /* plain CoAP refuses every endpoint (bool) */

	/* [coaps] */
	char *coaps_bind;
	int coaps_port;
	char *coaps_certificate;   /* PEM chain; with private_key enables RPK and X.509 */
	char *coaps_private_key;   /* PEM */
	char *coaps_ca_file;       /* PEM CAs that client certificates must chain to */
	int coaps_session_idle;    /* s before an idle DTLS session is dropped */
	int coaps_max_sessions;
	int coaps_handshake_timeout_ms;

	/* [coap_tcp], [coaps_tcp]: CoAP over TCP and TLS (RFC 8323, coap/tcp.h) */
	char *coap_tcp_bind;
	int coap_tcp_port;
	int coap_tcp_max_connections;
	int coap_tcp_idle;          /* s before a silent connection is closed */
	char *coaps_tcp_bind;
	int coaps_tcp_port;         /* TLS keys and CAs are [coaps]'s */

	/* [bootstrap] */
	char *bootstrap_bind;
	int bootstrap_port;
	int bootstrap_secure_port;
	int bootstrap_session_timeout; /* s a bootstrap session may take */

	/* [http] */
	char *http_bind;
	int http_port;
	char *http_admin_token;
	int http_sse_keepalive_ms;
	char *http_web_root; /* the console's files; "" serves none */
	char *http_admin_password; /* the first admin's password (first start only) */
	int http_session_ttl;      /* s a login session lasts */
	int http_threads;          /* CivetWeb workers: one per open connection */
	int http_keep_alive_ms;    /* idle time a connection is kept; 0: one request each */
	char *http_certificate;    /* PEM: HTTPS when set, with http_private_key */
	char *http_private_key;

	/* [storage] */
	char *storage_plugin;
	char *storage_conninfo;
	char *storage_node_id; /* NULL: the host name */
	char *storage_audit;   /* which operations the audit log keeps: all|changes|none */

	/* line of each core key in the file (0: not set there), by table index */
	int lines[64];

	/* sections the core does not know: plugin sections */
	struct lw_conf_entry *extra;
	size_t n_extra;
};

/* Fills cfg with the built-in defaults. */
void lw_config_defaults(struct lw_config *cfg);
/*
 * Reads path over the defaults already in cfg. Returns 0, or LW_EINVAL with
 * "FILE:LINE: problem" in err (LW_EIO when the file cannot be read).
 */
int lw_config_load(struct lw_config *cfg, const char *path, char *err, size_t errlen);
/* Applies LWM2MD_* environment overrides (LWM2MD_ADMIN_TOKEN). */
void lw_config_env(struct lw_config *cfg);
void lw_config_free(struct lw_config *cfg);

/* The line where [section] key was set, or 0 (defaults or unknown key). */
int lw_config_line(const struct lw_config *cfg, const char *section, const char *key);
/* Where an entry came from: "FILE:LINE" or "defaults". */
const char *lw_config_where(const struct lw_config *cfg, int line, char *buf, size_t len);

/* Parses a bool the way every section does (true/yes/on/1, false/no/off/0). */
int lw_config_parse_bool(const char *s, int *out);
/* Parses a decimal integer in [min, max]; returns 0 or LW_EINVAL / LW_ERANGE. */
int lw_config_parse_int(const char *s, long long min, long long max, long long *out);

#endif
