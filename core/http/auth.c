/*
 * http/auth.c: the admin bearer token. It comes from [http] admin_token (or
 * LWM2MD_ADMIN_TOKEN); when neither is set, the daemon makes a random one at
 * first start and keeps it in state_dir/admin.token (mode 0600), so that the
 * API is never open to anyone and never unusable either: the operator reads
 * the file, and the token survives restarts. Console users and their
 * tokens come next (users.c).
 */
#include "http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"

int lw_http_ct_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	/* Walk the expected length (b) whatever a holds, folding differences. */
	volatile unsigned char diff = (unsigned char)(alen != blen);
	for (size_t i = 0; i < blen; i++) {
		unsigned char ca = i < alen ? (unsigned char)a[i] : 0;
		diff |= (unsigned char)(ca ^ (unsigned char)b[i]);
	}
	return diff == 0;
}

int lw_http_authorized(const struct lw_http *h, const char *authorization)
{
	if (!authorization || h->token_len == 0)
		return 0;
	if (strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	const char *tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	size_t len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	return lw_http_ct_equal(tok, len, h->token, h->token_len);
}

static int read_token_file(struct lw_http *h, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char buf[sizeof(h->token)];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	if (n < 16)
		return -1; /* empty or truncated: make a new one */
	memcpy(h->token, buf, n + 1);
	h->token_len = n;
	return 0;
}

static int make_token_file(struct lw_http *h, const char *path, char *err, size_t errlen)
{
	unsigned char raw[24];
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0) {
		snprintf(err, errlen, "[http] cannot make an admin token: no randomness");
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(h->token + 2 * i, 3, "%02x", raw[i]);
	h->token_len = 2 * sizeof(raw);
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "[http] cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	char line[sizeof(h->token) + 1];
	int n = snprintf(line, sizeof(line), "%s\n", h->token);
	int ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "[http] cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int admin_token_setup(struct lw_http *h, char *err, size_t errlen)
{
	const struct lw_config *cfg = h->d->cfg;
	const char *conf = cfg->http_admin_token;
	if (conf && *conf) {
		size_t n = strlen(conf);
		if (n >= sizeof(h->token)) {
			snprintf(err, errlen, "[http] admin_token is longer than %zu characters",
			         sizeof(h->token) - 1);
			return -1;
		}
		memcpy(h->token, conf, n + 1);
		h->token_len = n;
		return 0;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/admin.token", cfg->state_dir);
	if (read_token_file(h, path) == 0) {
		lw_log(LW_LOG_INFO, "http: no [http] admin_token set: the API token is in %s", path);
		return 0;
	}
	if (make_token_file(h, path, err, errlen) != 0)
		return -1;
	lw_log(LW_LOG_WARN,
	       "http: no [http] admin_token set: generated an API token into %s (mode 0600)", path);
	return 0;
}

int lw_http_auth_setup(struct lw_http *h, char *err, size_t errlen)
{
	if (admin_token_setup(h, err, errlen) != 0)
		return -1;
	return lw_http_users_setup(h, err, errlen);
}
