/*
 * plugin.c: the plugin loader and the lw_plugin_* half of the plugin ABI.
 * Every refusal is one log-ready line naming the plugin file and the reason.
 */
#include "plugin.h"

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "events.h"
#include "lwm2m/codecs.h"
#include "plugin_loop.h"
#include "storage/backend.h"
#include "worker.h"

/* What a plugin registered through the ABI, forgotten when it stops. */
static void release_owned(struct lw_plugin *p)
{
	lw_events_unsubscribe_owner(p->host->events, p);
	lw_codecs_unregister_owner(p);
	lw_storage_unregister_owner(p);
	lw_plugin_loop_release(p);
	lw_plugin_metrics_release(p);
}

const char *lw_plugin_name(const lw_plugin *self)
{
	return self->desc->name;
}

void lw_plugin_set_data(lw_plugin *self, void *data)
{
	self->data = data;
}

void *lw_plugin_data(const lw_plugin *self)
{
	return self->data;
}

void lw_plugin_set_error(lw_plugin *self, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(self->error, sizeof(self->error), fmt, ap);
	va_end(ap);
}

void lw_plugin_log(const lw_plugin *self, int level, const char *fmt, ...)
{
	if (!lw_log_enabled(level))
		return;
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lw_log(level, "plugin %s: %s", self->desc->name, msg);
}

static int key_index(const lw_plugin *self, const char *key)
{
	const struct lw_conf_key *k = self->desc->conf;
	for (int i = 0; k && k[i].name; i++)
		if (strcmp(k[i].name, key) == 0)
			return i;
	return -1;
}

const char *lw_plugin_conf(const lw_plugin *self, const char *key)
{
	int i = key_index(self, key);
	return i < 0 ? NULL : self->values[i];
}

long long lw_plugin_conf_int(const lw_plugin *self, const char *key)
{
	long long v = 0;
	const char *s = lw_plugin_conf(self, key);
	if (s)
		lw_config_parse_int(s, 0, 0, &v);
	return v;
}

int lw_plugin_conf_bool(const lw_plugin *self, const char *key)
{
	int v = 0;
	const char *s = lw_plugin_conf(self, key);
	if (s)
		lw_config_parse_bool(s, &v);
	return v;
}

const char *lw_plugin_state_dir(const lw_plugin *self)
{
	return self->host->state_dir;
}

int lw_event_subscribe(lw_plugin *self, uint32_t mask, lw_event_cb cb, void *ctx)
{
	return lw_events_subscribe(self->host->events, self, mask, cb, ctx);
}

int lw_worker_submit(lw_plugin *self, lw_work_fn work, lw_done_fn done, void *arg)
{
	return lw_worker_pool_submit(self->host->workers, work, done, arg);
}

static int valid_name(const char *name)
{
	if (!name || !*name || strlen(name) > 64)
		return 0;
	for (const char *p = name; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return 0;
	return 1;
}

static void free_plugin(struct lw_plugin *p)
{
	if (p->dl)
		dlclose(p->dl);
	free(p->values);
	free(p->path);
	free(p);
}

/* Opens one file and checks its descriptor against this daemon. */
static int open_one(struct lw_plugins *ps, const char *path, const struct lw_plugin_host *host,
                    char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: plugin file not found", path);
		return LW_ENOENT;
	}
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		snprintf(err, errlen, "%s: cannot load plugin: %s", path, dlerror());
		return LW_EINVAL;
	}
	const struct lw_plugin_desc *(*entry)(void);
	*(void **)&entry = dlsym(dl, LW_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		snprintf(err, errlen, "%s: not an lwm2md plugin: no %s symbol", path,
		         LW_PLUGIN_ENTRY_SYMBOL);
		dlclose(dl);
		return LW_EINVAL;
	}
	const struct lw_plugin_desc *d = entry();
	const char *why = NULL;
	char buf[160];
	if (!d) {
		why = "its entry returned no descriptor";
	} else if (d->abi != LW_PLUGIN_ABI) {
		snprintf(buf, sizeof(buf), "built for plugin ABI %u, this lwm2md has ABI %u", d->abi,
		         LW_PLUGIN_ABI);
		why = buf;
	} else if (d->size < sizeof(struct lw_plugin_desc)) {
		why = "descriptor is smaller than this ABI's";
	} else if (!valid_name(d->name)) {
		why = "invalid name (want 1 to 64 of a-z, 0-9, -)";
	} else if (!d->init) {
		why = "descriptor has no init function";
	}
	if (why) {
		int rc = d && d->abi != LW_PLUGIN_ABI ? LW_EABI : LW_EINVAL;
		snprintf(err, errlen, "%s: plugin refused: %s", path, why);
		dlclose(dl); /* d and why point into the library: not used past here */
		return rc;
	}
	for (struct lw_plugin *q = ps->head; q; q = q->next) {
		if (strcmp(q->desc->name, d->name) == 0) {
			snprintf(err, errlen, "%s: plugin refused: duplicate name \"%s\" (already loaded from %s)",
			         path, d->name, q->path);
			dlclose(dl);
			return LW_EEXIST;
		}
	}
	struct lw_plugin *p = calloc(1, sizeof(*p));
	size_t nkeys = 0;
	while (d->conf && d->conf[nkeys].name)
		nkeys++;
	if (p) {
		p->values = calloc(nkeys + 1, sizeof(*p->values));
		p->path = strdup(path);
	}
	if (!p || !p->values || !p->path) {
		if (p)
			free_plugin(p);
		dlclose(dl);
		return LW_ENOMEM;
	}
	p->host = host;
	p->desc = d;
	p->dl = dl;
	for (size_t i = 0; i < nkeys; i++)
		p->values[i] = d->conf[i].default_value;
	struct lw_plugin **pp = &ps->head;
	while (*pp)
		pp = &(*pp)->next;
	*pp = p;
	ps->count++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the config has a section named like the plugin file name. */
static int has_section(const struct lw_config *cfg, const char *file)
{
	size_t n = strlen(file) - 3; /* without ".so" */
	for (size_t i = 0; i < cfg->n_extra; i++)
		if (strlen(cfg->extra[i].section) == n && !strncmp(cfg->extra[i].section, file, n))
			return 1;
	return 0;
}

/* Every *.so of dir in name order, so that load order is stable. The
 * examples (example-*) do work nobody asked for, such as writing every
 * event to a file: only those the config has a section for. */
static int open_dir(struct lw_plugins *ps, const struct lw_config *cfg,
                    const struct lw_plugin_host *host, char *err, size_t errlen)
{
	const char *dir = cfg->plugin_dir;
	DIR *dh = opendir(dir);
	if (!dh) {
		lw_log(LW_LOG_WARN, "plugin directory %s cannot be read: no plugins loaded", dir);
		return 0;
	}
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
			continue;
		if (!strncmp(de->d_name, "example-", 8) && !has_section(cfg, de->d_name))
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			names = grown ? grown : names;
			rc = LW_ENOMEM;
			break;
		}
		names = grown;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		if (!rc) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			rc = open_one(ps, path, host, err, errlen);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Checks each plugin section of the config file against its plugin's schema. */
static int check_sections(struct lw_plugins *ps, const struct lw_config *cfg, char *err,
                          size_t errlen)
{
	for (size_t i = 0; i < cfg->n_extra; i++) {
		const struct lw_conf_entry *e = &cfg->extra[i];
		struct lw_plugin *p = ps->head;
		while (p && strcmp(p->desc->name, e->section) != 0)
			p = p->next;
		if (!p) {
			snprintf(err, errlen, "%s:%d: unknown section [%s]: not a core section and no loaded plugin has that name",
			         cfg->path, e->line, e->section);
			return LW_EINVAL;
		}
		if (!e->key[0])
			continue; /* the section header itself */
		int k = key_index(p, e->key);
		if (k < 0) {
			snprintf(err, errlen, "%s:%d: unknown key \"%s\" in section [%s] (see plugin %s's keys)",
			         cfg->path, e->line, e->key, e->section, p->path);
			return LW_EINVAL;
		}
		const struct lw_conf_key *def = &p->desc->conf[k];
		long long v;
		int b, rc = 0;
		if (def->type == LW_CONF_INT)
			rc = lw_config_parse_int(e->value, def->min, def->max, &v);
		else if (def->type == LW_CONF_BOOL)
			rc = lw_config_parse_bool(e->value, &b);
		if (rc) {
			if (def->type == LW_CONF_BOOL)
				snprintf(err, errlen, "%s:%d: [%s] %s = \"%s\": expected true or false",
				         cfg->path, e->line, e->section, e->key, e->value);
			else if (def->min || def->max)
				snprintf(err, errlen, "%s:%d: [%s] %s = \"%s\": expected an integer from %lld to %lld",
				         cfg->path, e->line, e->section, e->key, e->value, def->min, def->max);
			else
				snprintf(err, errlen, "%s:%d: [%s] %s = \"%s\": expected an integer",
				         cfg->path, e->line, e->section, e->key, e->value);
			return LW_EINVAL;
		}
		p->values[k] = e->value;
	}
	return 0;
}

/* core/abi-exports.c (generated): referencing it links every ABI function in. */
extern const void *const lw_abi_exports[];
extern const unsigned long lw_abi_export_count;

int lw_plugins_load(struct lw_plugins *ps, const struct lw_config *cfg,
                    const struct lw_plugin_host *host, char *err, size_t errlen)
{
	lw_log(LW_LOG_DEBUG, "plugin ABI %d: %lu functions exported (first at %p)", LW_PLUGIN_ABI,
	       lw_abi_export_count, lw_abi_exports[0]);
	ps->head = NULL;
	ps->count = 0;
	int rc = 0;
	if (!cfg->plugins) {
		rc = open_dir(ps, cfg, host, err, errlen);
	} else {
		char *list = strdup(cfg->plugins), *save = NULL;
		if (!list)
			return LW_ENOMEM;
		for (char *name = strtok_r(list, " ,\t", &save); name && !rc;
		     name = strtok_r(NULL, " ,\t", &save)) {
			char path[4096];
			if (strchr(name, '/'))
				snprintf(path, sizeof(path), "%s", name);
			else
				snprintf(path, sizeof(path), "%s/%s%s", cfg->plugin_dir, name,
				         strstr(name, ".so") ? "" : ".so");
			rc = open_one(ps, path, host, err, errlen);
			if (rc == LW_ENOENT && cfg->path) {
				char msg[600];
				snprintf(msg, sizeof(msg), "%s", err);
				snprintf(err, errlen, "%s:%d: [server] plugins names \"%s\", but %s",
				         cfg->path, lw_config_line(cfg, "server", "plugins"), name, msg);
			}
		}
		free(list);
	}
	if (!rc)
		rc = check_sections(ps, cfg, err, errlen);
	if (rc)
		lw_plugins_unload(ps);
	return rc;
}

/* Stops started plugins newest first; the caller drains the workers before. */
static void stop_all(struct lw_plugins *ps)
{
	size_t n = ps->count;
	struct lw_plugin **v = calloc(n ? n : 1, sizeof(*v));
	size_t i = 0;
	for (struct lw_plugin *p = ps->head; p && v; p = p->next)
		v[i++] = p;
	while (v && i-- > 0) {
		struct lw_plugin *p = v[i];
		/* A store still open is closed while its plugin still stands. */
		lw_storage_unregister_owner(p);
		if (p->started && p->desc->fini)
			p->desc->fini(p);
		p->started = 0;
		release_owned(p);
	}
	free(v);
}

int lw_plugins_start(struct lw_plugins *ps, char *err, size_t errlen)
{
	for (struct lw_plugin *p = ps->head; p; p = p->next) {
		p->error[0] = '\0';
		int rc = p->desc->init(p);
		if (rc) {
			snprintf(err, errlen, "%s: plugin %s failed to start: %s (%s)", p->path,
			         p->desc->name, p->error[0] ? p->error : "no reason given",
			         lw_strerror(rc));
			release_owned(p);
			/* The caller drains the workers, then lw_plugins_unload() stops
			 * those started: no job's done may run after its plugin's fini. */
			return rc < 0 ? rc : LW_EINVAL;
		}
		p->started = 1;
		lw_log(LW_LOG_INFO, "loaded plugin %s %s from %s", p->desc->name,
		       p->desc->version ? p->desc->version : "", p->path);
	}
	return 0;
}

void lw_plugins_unload(struct lw_plugins *ps)
{
	stop_all(ps);
	while (ps->head) {
		struct lw_plugin *p = ps->head;
		ps->head = p->next;
		free_plugin(p);
	}
	ps->count = 0;
}
