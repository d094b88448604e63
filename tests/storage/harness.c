/*
 * tests/storage/harness.c: see harness.h. The start order is core/daemon.c's
 * (config, plugins loaded and checked, loop, workers, plugins started, store
 * opened) and the stop order its reverse, with the store closed while the
 * workers still run, so that a backend's close() can count on its jobs.
 */
#include "harness.h"

#include <errno.h>
#include <event2/event.h>
#include <ftw.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

const char *lw_sh_backend(void)
{
	const char *b = getenv("LW_STORAGE");
	return b && *b ? b : "sqlite";
}

static void set_err(struct lw_sh *h, const char *fmt, const char *a, const char *b)
{
	snprintf(h->err, sizeof(h->err), fmt, a ? a : "", b ? b : "");
}

/* The value of "key = value" in LW_STORAGE_CONF, into out. */
static int conf_value(const char *key, char *out, size_t len)
{
	const char *c = getenv("LW_STORAGE_CONF");
	size_t kl = strlen(key);
	while (c && *c) {
		while (*c == ' ' || *c == '\t' || *c == '\n' || *c == ';')
			c++;
		const char *end = c + strcspn(c, "\n;");
		if (strncmp(c, key, kl) == 0) {
			const char *v = c + kl;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				snprintf(out, len, "%.*s", (int)(end - v), v);
				return 0;
			}
		}
		c = end;
	}
	return LW_ENOENT;
}

/* Runs one statement on the server's admin database ("postgres"). */
static int pg_admin(struct lw_sh *h, const char *sql)
{
	char ci[700];
	snprintf(ci, sizeof(ci), "%s dbname=postgres", h->conninfo);
	PGconn *c = PQconnectdb(ci);
	int rc = 0;
	if (PQstatus(c) != CONNECTION_OK) {
		set_err(h, "postgres: cannot connect (%s): %s", ci, PQerrorMessage(c));
		rc = LW_EIO;
	} else {
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			set_err(h, "postgres: %s: %s", sql, PQerrorMessage(c));
			rc = LW_EIO;
		}
		PQclear(r);
	}
	PQfinish(c);
	return rc;
}

int lw_sh_create(struct lw_sh *h)
{
	static unsigned seq;
	memset(h, 0, sizeof(*h));
	snprintf(h->backend, sizeof(h->backend), "%s", lw_sh_backend());
	const char *tmp = getenv("TMPDIR");
	snprintf(h->dir, sizeof(h->dir), "%s/lw-storage-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(h->dir)) {
		set_err(h, "mkdtemp %s: %s", h->dir, strerror(errno));
		return LW_EIO;
	}
	h->created = 1;
	if (strcmp(h->backend, "postgres") == 0) {
		if (conf_value("conninfo", h->conninfo, sizeof(h->conninfo)) != 0) {
			set_err(h, "LW_STORAGE_CONF has no \"conninfo = ...\" line%s%s", NULL, NULL);
			return LW_EINVAL;
		}
		snprintf(h->dbname, sizeof(h->dbname), "lw_test_%ld_%u", (long)getpid(), seq++);
		char sql[128];
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", h->dbname);
		return pg_admin(h, sql);
	}
	return 0;
}

/* Appends one "key = value" line to the plugin's section in cfg. */
static int add_entry(struct lw_config *cfg, const char *section, const char *line, size_t len,
                     int lineno)
{
	const char *eq = memchr(line, '=', len);
	if (!eq)
		return 0;
	const char *k = line, *ke = eq, *v = eq + 1, *ve = line + len;
	while (k < ke && (*k == ' ' || *k == '\t'))
		k++;
	while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
		ke--;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
		ve--;
	struct lw_conf_entry *e = realloc(cfg->extra, (cfg->n_extra + 1) * sizeof(*e));
	if (!e)
		return LW_ENOMEM;
	cfg->extra = e;
	e = &cfg->extra[cfg->n_extra++];
	memset(e, 0, sizeof(*e));
	e->section = strdup(section);
	e->key = strndup(k, (size_t)(ke - k));
	e->value = strndup(v, (size_t)(ve - v));
	e->line = lineno;
	return e->section && e->key && e->value ? 0 : LW_ENOMEM;
}

static int add_lines(struct lw_config *cfg, const char *section, const char *text, int *lineno,
                     const char *skip_key)
{
	while (text && *text) {
		size_t n = strcspn(text, "\n;");
		const char *k = text;
		while (*k == ' ' || *k == '\t')
			k++;
		int skip = skip_key && strncmp(k, skip_key, strlen(skip_key)) == 0;
		if (n && !skip) {
			int rc = add_entry(cfg, section, text, n, ++*lineno);
			if (rc)
				return rc;
		}
		text += n;
		if (*text)
			text++;
	}
	return 0;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

int lw_sh_start(struct lw_sh *h, const char *conf)
{
	char so[4096], section[64];
	const char *dir = getenv("LW_STORAGE_PLUGIN_DIR");
	const char *bd = getenv("LW_BUILDDIR");
	if (dir && *dir)
		snprintf(so, sizeof(so), "%s/storage-%s.so", dir, h->backend);
	else
		snprintf(so, sizeof(so), "%s/stage/plugins/storage-%s.so", bd && *bd ? bd : ".",
		         h->backend);
	snprintf(section, sizeof(section), "storage-%s", h->backend);
	if (access(so, R_OK) != 0) {
		snprintf(h->err, sizeof(h->err), "%.900s: %s (build and stage the plugin: make all)",
		         so, strerror(errno));
		return LW_ENOENT;
	}

	lw_config_defaults(&h->cfg);
	free(h->cfg.plugins);
	free(h->cfg.state_dir);
	h->cfg.plugins = strdup(so);
	h->cfg.state_dir = strdup(h->dir);
	h->cfg.path = strdup("LW_STORAGE_CONF");
	int line = 0, rc = 0;
	if (h->dbname[0]) {
		char ci[700];
		snprintf(ci, sizeof(ci), "conninfo = %s dbname=%s", h->conninfo, h->dbname);
		rc = add_lines(&h->cfg, section, ci, &line, NULL);
		/* conninfo holds '=' and maybe ';': it goes in whole, above. */
	}
	if (!rc)
		rc = add_lines(&h->cfg, section, getenv("LW_STORAGE_CONF"), &line,
		               h->dbname[0] ? "conninfo" : NULL);
	if (!rc)
		rc = add_lines(&h->cfg, section, conf, &line, NULL);
	if (rc || !h->cfg.plugins || !h->cfg.state_dir || !h->cfg.path) {
		lw_config_free(&h->cfg);
		set_err(h, "out of memory%s%s", NULL, NULL);
		return LW_ENOMEM;
	}

	lw_events_init(&h->events);
	h->host = (struct lw_plugin_host){.events = &h->events,
	                                  .workers = &h->workers,
	                                  .loop = &h->loop,
	                                  .state_dir = h->cfg.state_dir};
	rc = lw_plugins_load(&h->plugins, &h->cfg, &h->host, h->err, sizeof(h->err));
	if (rc) {
		lw_events_free(&h->events);
		lw_config_free(&h->cfg);
		return rc;
	}
	if (lw_loop_init(&h->loop) != 0 ||
	    lw_worker_pool_start(&h->workers, h->loop.base, 2, 4096) != 0) {
		set_err(h, "cannot start the loop and the workers%s%s", NULL, NULL);
		lw_plugins_unload(&h->plugins);
		lw_loop_free(&h->loop);
		lw_events_free(&h->events);
		lw_config_free(&h->cfg);
		return LW_EIO;
	}
	h->tick = evtimer_new(h->loop.base, on_tick, NULL);
	h->running = 1;
	rc = lw_plugins_start(&h->plugins, h->err, sizeof(h->err));
	if (!rc)
		rc = lw_storage_open(h->backend, &h->store, h->err, sizeof(h->err));
	if (rc) {
		lw_sh_stop(h);
		return rc;
	}
	return 0;
}

void lw_sh_stop(struct lw_sh *h)
{
	if (!h->running)
		return;
	h->running = 0;
	lw_storage_close();
	h->store = (struct lw_store){0};
	lw_worker_pool_stop(&h->workers);
	lw_plugins_unload(&h->plugins);
	if (h->tick)
		event_free(h->tick);
	h->tick = NULL;
	lw_loop_free(&h->loop);
	lw_events_free(&h->events);
	lw_config_free(&h->cfg);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void lw_sh_destroy(struct lw_sh *h)
{
	lw_sh_stop(h);
	if (!h->created)
		return;
	h->created = 0;
	if (getenv("LW_STORAGE_KEEP")) {
		fprintf(stderr, "kept store: %s %s\n", h->dir, h->dbname);
		return;
	}
	nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (h->dbname[0]) {
		char sql[160];
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", h->dbname);
		if (pg_admin(h, sql) != 0)
			fprintf(stderr, "%s\n", h->err);
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lw_sh_pump(struct lw_sh *h, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(h->tick, &tv);
	event_base_loop(h->loop.base, EVLOOP_ONCE);
}

int lw_sh_wait(struct lw_sh *h, const int *flag, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	while (!*flag) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return LW_ETIMEDOUT;
		lw_sh_pump(h, left > 100 ? 100 : (int)left);
	}
	return 0;
}
