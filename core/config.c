/*
 * config.c: one table describes every core key (section, name, type, range,
 * field); the INI reader, the defaults and the errors all come from it.
 * Lines are counted by our own reader around inih so that every error can
 * name the line it is about.
 */

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "lwm2m/error.h"

#ifndef LW_PLUGIN_DIR
#define LW_PLUGIN_DIR "/usr/local/lib/lwm2md/plugins"
#endif
#ifndef LW_WEB_DIR
#define LW_WEB_DIR "/usr/local/share/lwm2md/web"
#endif

enum def_type { T_STR, T_INT, T_PORT, T_ENUM, T_BOOL };

struct def {
	const char *section;
	const char *key;
	enum def_type type;
	size_t offset;
	const char *dflt;
	long long min, max;
	const char *choices; /* T_ENUM: '|'-separated */
};

#define F(field) offsetof(struct lw_config, field)

/* Every core key. docs/config.md describes each one; keep the two in step. */
static const struct def defs[] = {
	{"server", "state_dir", T_STR, F(state_dir), "./lwm2md-state", 0, 0, NULL},
	{"server", "plugin_dir", T_STR, F(plugin_dir), LW_PLUGIN_DIR, 0, 0, NULL},
	{"server", "plugins", T_STR, F(plugins), NULL, 0, 0, NULL},
	{"server", "model_dirs", T_STR, F(model_dirs), NULL, 0, 0, NULL},
	{"server", "workers", T_INT, F(workers), "2", 1, 64, NULL},
	{"server", "worker_queue", T_INT, F(worker_queue), "65536", 16, 16777216, NULL},
	{"server", "reobserve_on_register", T_BOOL, F(reobserve_on_register), "true", 0, 0, NULL},
	{"log", "level", T_ENUM, F(log_level), "info", 0, 0, "error|warn|info|debug"},
	{"log", "target", T_ENUM, F(log_target), "stderr", 0, 0, "stderr|syslog|file"},
	{"log", "file", T_STR, F(log_file), NULL, 0, 0, NULL},
	{"coap", "bind", T_STR, F(coap_bind), "0.0.0.0", 0, 0, NULL},
	{"coap", "port", T_PORT, F(coap_port), "5683", 0, 65535, NULL},
	{"coap", "rcvbuf", T_INT, F(coap_rcvbuf), "8388608", 0, 1073741824, NULL},
	{"coap", "dedup_max", T_INT, F(coap_dedup_max), "1000000", 0, 100000000, NULL},
	{"coap", "peer_idle_timeout", T_INT, F(coap_peer_idle), "600", 10, 86400 * 30, NULL},
	{"coap", "ack_timeout_ms", T_INT, F(coap_ack_timeout_ms), "2000", 100, 60000, NULL},
	{"coap", "max_retransmit", T_INT, F(coap_max_retransmit), "4", 0, 20, NULL},
	{"coap", "nstart", T_INT, F(coap_nstart), "1", 1, 64, NULL},
	{"coap", "queue_awake", T_INT, F(coap_queue_awake), "93", 1, 86400, NULL},
	{"coap", "credentials_required", T_BOOL, F(coap_credentials_required), "false", 0, 0, NULL},
	{"coaps", "bind", T_STR, F(coaps_bind), "0.0.0.0", 0, 0, NULL},
	{"coaps", "port", T_PORT, F(coaps_port), "5684", 0, 65535, NULL},
	{"coaps", "certificate", T_STR, F(coaps_certificate), NULL, 0, 0, NULL},
	{"coaps", "private_key", T_STR, F(coaps_private_key), NULL, 0, 0, NULL},
	{"coaps", "ca_file", T_STR, F(coaps_ca_file), NULL, 0, 0, NULL},
	{"coaps", "session_idle_timeout", T_INT, F(coaps_session_idle), "600", 10, 86400 * 30, NULL},
	{"coaps", "max_sessions", T_INT, F(coaps_max_sessions), "1000000", 1, 100000000, NULL},
	{"coaps", "handshake_timeout_ms", T_INT, F(coaps_handshake_timeout_ms), "30000", 1000,
	 600000, NULL},
	{"coap_tcp", "bind", T_STR, F(coap_tcp_bind), "0.0.0.0", 0, 0, NULL},
	{"coap_tcp", "port", T_PORT, F(coap_tcp_port), "5685", 0, 65535, NULL},
	{"coap_tcp", "max_connections", T_INT, F(coap_tcp_max_connections), "10000", 1, 10000000,
	 NULL},
	{"coap_tcp", "idle_timeout", T_INT, F(coap_tcp_idle), "600", 1, 86400 * 30, NULL},
	{"coaps_tcp", "bind", T_STR, F(coaps_tcp_bind), "0.0.0.0", 0, 0, NULL},
	{"coaps_tcp", "port", T_PORT, F(coaps_tcp_port), "5686", 0, 65535, NULL},
	{"bootstrap", "bind", T_STR, F(bootstrap_bind), "0.0.0.0", 0, 0, NULL},
	{"bootstrap", "port", T_PORT, F(bootstrap_port), "5783", 0, 65535, NULL},
	{"bootstrap", "secure_port", T_PORT, F(bootstrap_secure_port), "5784", 0, 65535, NULL},
	{"bootstrap", "session_timeout", T_INT, F(bootstrap_session_timeout), "60", 1, 3600, NULL},
	{"http", "bind", T_STR, F(http_bind), "0.0.0.0", 0, 0, NULL},
	{"http", "port", T_PORT, F(http_port), "8080", 0, 65535, NULL},
	{"http", "admin_token", T_STR, F(http_admin_token), NULL, 0, 0, NULL},
	{"http", "sse_keepalive_ms", T_INT, F(http_sse_keepalive_ms), "15000", 50, 3600000, NULL},
	{"http", "web_root", T_STR, F(http_web_root), LW_WEB_DIR, 0, 0, NULL},
	{"http", "admin_password", T_STR, F(http_admin_password), NULL, 0, 0, NULL},
	{"http", "session_ttl", T_INT, F(http_session_ttl), "43200", 1, 86400 * 30, NULL},
	{"http", "threads", T_INT, F(http_threads), "64", 16, 1024, NULL},
	{"http", "keep_alive_ms", T_INT, F(http_keep_alive_ms), "2000", 0, 3600000, NULL},
	{"http", "certificate", T_STR, F(http_certificate), NULL, 0, 0, NULL},
	{"http", "private_key", T_STR, F(http_private_key), NULL, 0, 0, NULL},
	{"storage", "plugin", T_STR, F(storage_plugin), "sqlite", 0, 0, NULL},
	{"storage", "conninfo", T_STR, F(storage_conninfo), NULL, 0, 0, NULL},
	{"storage", "node_id", T_STR, F(storage_node_id), NULL, 0, 0, NULL},
	{"storage", "audit", T_ENUM, F(storage_audit), "changes", 0, 0, "all|changes|none"},
};
#define N_DEFS (sizeof(defs) / sizeof(defs[0]))
_Static_assert(N_DEFS <= sizeof(((struct lw_config *)0)->lines) / sizeof(int),
               "struct lw_config lines[] too small for the key table");

static const char *const core_sections[] = {"server", "log",  "coap",    "coaps",
                                            "bootstrap", "http", "storage",
                                            "coap_tcp", "coaps_tcp"};

int lw_config_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = 0, 0;
	}
	return LW_EINVAL;
}

int lw_config_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE)
		return LW_EINVAL;
	if ((min != 0 || max != 0) && (v < min || v > max))
		return LW_ERANGE;
	*out = v;
	return 0;
}

static int enum_has(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; p;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

/* Sets one core field from text; writes the reason to err on failure. */
static int set_field(struct lw_config *cfg, const struct def *d, const char *value, char *err,
                     size_t errlen)
{
	char *base = (char *)cfg;
	if (d->type == T_STR || d->type == T_ENUM) {
		if (d->type == T_ENUM && !enum_has(d->choices, value)) {
			snprintf(err, errlen, "[%s] %s = \"%s\": expected one of %s", d->section,
			         d->key, value, d->choices);
			return LW_EINVAL;
		}
		char **slot = (char **)(base + d->offset);
		char *copy = strdup(value);
		if (!copy)
			return LW_ENOMEM;
		free(*slot);
		*slot = copy;
		return 0;
	}
	if (d->type == T_BOOL) {
		if (lw_config_parse_bool(value, (int *)(base + d->offset)) != 0) {
			snprintf(err, errlen, "[%s] %s = \"%s\": expected true or false", d->section,
			         d->key, value);
			return LW_EINVAL;
		}
		return 0;
	}
	long long v;
	int rc = lw_config_parse_int(value, d->min, d->max, &v);
	if (rc) {
		snprintf(err, errlen, "[%s] %s = \"%s\": %s %lld to %lld", d->section, d->key,
		         value, d->type == T_PORT ? "expected a port number from" : "expected an integer from",
		         d->min, d->max);
		return LW_EINVAL; /* lw_config_load answers LW_EINVAL, never LW_ERANGE */
	}
	*(int *)(base + d->offset) = (int)v;
	return 0;
}

void lw_config_defaults(struct lw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	char err[256];
	for (size_t i = 0; i < N_DEFS; i++)
		if (defs[i].dflt)
			set_field(cfg, &defs[i], defs[i].dflt, err, sizeof(err));
}

struct reader {
	FILE *f;
	int line;
	struct lw_config *cfg;
	int rc;
	int too_long; /* first line longer than inih's buffer, or 0 */
	int max_line; /* the longest line inih takes, in characters */
};

static int is_core_section(const char *section);
static int keep_extra(struct lw_config *cfg, const char *section, const char *key,
                      const char *value, int line);

/*
 * inih's reader: one line per call, so the count names the current line. It
 * also notes plugin section headers, which inih reports only with their keys,
 * so that an empty "[typo]" section is still checked against the plugins.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	char *s = fgets(str, num, r->f);
	if (!s)
		return s;
	r->line++;
	size_t n = strlen(s);
	if (n == (size_t)num - 1 && s[n - 1] != '\n') {
		/* inih would take the rest of this line for a line of its own. */
		int c = fgetc(r->f);
		if (c != '\n' && c != EOF) {
			while ((c = fgetc(r->f)) != EOF && c != '\n')
				;
			if (!r->too_long)
				r->too_long = r->line;
			r->max_line = num - 2;
			s[0] = '\0'; /* a blank line for inih; lw_config_load reports it */
			return s;
		}
	}
	const char *p = s + strspn(s, " \t");
	const char *end = *p == '[' ? strchr(p, ']') : NULL;
	if (end && end - p - 1 > 0 && end - p - 1 < 128) {
		char name[128];
		size_t len = (size_t)(end - p - 1);
		memcpy(name, p + 1, len);
		name[len] = '\0';
		if (!is_core_section(name) && !r->rc)
			r->rc = keep_extra(r->cfg, name, "", "", r->line);
	}
	return s;
}

struct parse {
	struct lw_config *cfg;
	struct reader *rd;
	char *err;
	size_t errlen;
	int rc;
	int err_line;
};

static int is_core_section(const char *section)
{
	for (size_t i = 0; i < sizeof(core_sections) / sizeof(core_sections[0]); i++)
		if (strcmp(section, core_sections[i]) == 0)
			return 1;
	return 0;
}

static int keep_extra(struct lw_config *cfg, const char *section, const char *key,
                      const char *value, int line)
{
	struct lw_conf_entry *e = realloc(cfg->extra, (cfg->n_extra + 1) * sizeof(*e));
	if (!e)
		return LW_ENOMEM;
	cfg->extra = e;
	e += cfg->n_extra;
	memset(e, 0, sizeof(*e));
	e->section = strdup(section);
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	cfg->n_extra++;
	if (!e->section || !e->key || !e->value)
		return LW_ENOMEM;
	return 0;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	char why[512];
	int rc;
	if (!key) /* a section header alone (INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	if (p->rc) /* inih reads on after a refusal: keep the first error */
		return 0;
	if (section[0] == '\0') {
		snprintf(why, sizeof(why), "key \"%s\" outside any [section]", key);
		rc = LW_EINVAL;
	} else if (!is_core_section(section)) {
		rc = keep_extra(p->cfg, section, key, value, p->rd->line);
		snprintf(why, sizeof(why), "%s", lw_strerror(rc));
	} else {
		const struct def *d = NULL;
		for (size_t i = 0; i < N_DEFS && !d; i++)
			if (strcmp(defs[i].section, section) == 0 && strcmp(defs[i].key, key) == 0)
				d = &defs[i];
		if (!d) {
			snprintf(why, sizeof(why), "unknown key \"%s\" in section [%s]", key, section);
			rc = LW_EINVAL;
		} else {
			rc = set_field(p->cfg, d, value, why, sizeof(why));
			p->cfg->lines[d - defs] = p->rd->line;
		}
	}
	if (rc) {
		snprintf(p->err, p->errlen, "%s:%d: %s", p->cfg->path, p->rd->line, why);
		p->rc = rc;
		p->err_line = p->rd->line;
		return 0; /* stop at the first error: one clear line */
	}
	return 1;
}

int lw_config_load(struct lw_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(errno));
		return LW_EIO;
	}
	free(cfg->path);
	cfg->path = strdup(path);
	struct reader rd = {f, 0, cfg, 0, 0, 0};
	struct parse p = {cfg, &rd, err, errlen, 0, 0};
	int line = ini_parse_stream(read_line, &rd, on_entry, &p);
	fclose(f);
	/* inih returns the first faulty line: ours (p.err_line) or a syntax error. */
	if (rd.too_long && (line <= 0 || rd.too_long < line)) {
		snprintf(err, errlen, "%s:%d: line longer than %d characters", path, rd.too_long,
		         rd.max_line);
		return LW_EINVAL;
	}
	if (p.rc && line == p.err_line)
		return p.rc;
	if (rd.rc) {
		snprintf(err, errlen, "%s: %s", path, lw_strerror(rd.rc));
		return rd.rc;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected [section], key = value or a comment)",
		         path, line);
		return LW_EINVAL;
	}
	if (line < 0) {
		snprintf(err, errlen, "%s: cannot parse config", path);
		return LW_EIO;
	}
	/* A certificate without its key (or the reverse) cannot be used, and
	 * a CA to check clients against means nothing without a certificate. */
	if (!cfg->coaps_certificate != !cfg->coaps_private_key || (cfg->coaps_ca_file &&
	                                                            !cfg->coaps_certificate)) {
		const char *key = cfg->coaps_certificate ? "certificate" :
		                  cfg->coaps_private_key ? "private_key" : "ca_file";
		snprintf(err, errlen, "%s:%d: [coaps] %s needs [coaps] %s", path,
		         lw_config_line(cfg, "coaps", key), key,
		         cfg->coaps_certificate ? "private_key" : "certificate");
		return LW_EINVAL;
	}
	if (strcmp(cfg->log_target, "file") == 0 && !cfg->log_file) {
		snprintf(err, errlen, "%s:%d: [log] target = file needs [log] file = PATH", path,
		         lw_config_line(cfg, "log", "target"));
		return LW_EINVAL;
	}
	return 0;
}

void lw_config_env(struct lw_config *cfg)
{
	const char *tok = getenv("LWM2MD_ADMIN_TOKEN");
	if (tok && *tok) {
		free(cfg->http_admin_token);
		cfg->http_admin_token = strdup(tok);
	}
}

int lw_config_line(const struct lw_config *cfg, const char *section, const char *key)
{
	for (size_t i = 0; i < N_DEFS; i++)
		if (strcmp(defs[i].section, section) == 0 && strcmp(defs[i].key, key) == 0)
			return cfg->lines[i];
	return 0;
}

const char *lw_config_where(const struct lw_config *cfg, int line, char *buf, size_t len)
{
	if (!cfg->path)
		snprintf(buf, len, "defaults");
	else
		snprintf(buf, len, "%s:%d", cfg->path, line);
	return buf;
}

void lw_config_free(struct lw_config *cfg)
{
	char *base = (char *)cfg;
	for (size_t i = 0; i < N_DEFS; i++)
		if (defs[i].type == T_STR || defs[i].type == T_ENUM)
			free(*(char **)(base + defs[i].offset));
	for (size_t i = 0; i < cfg->n_extra; i++) {
		free(cfg->extra[i].section);
		free(cfg->extra[i].key);
		free(cfg->extra[i].value);
	}
	free(cfg->extra);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}
