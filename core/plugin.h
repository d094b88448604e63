/*
 * plugin.h: the loader. It finds plugin files, dlopen()s them, refuses the
 * ones that cannot work (wrong ABI, no entry symbol, duplicate name, bad
 * config section), starts the rest in order and stops them in reverse.
 */
#ifndef LW_CORE_PLUGIN_H
#define LW_CORE_PLUGIN_H

#include <stddef.h>

#include "config.h"
#include "lwm2m/plugin.h"

struct lw_events;
struct lw_worker_pool;

/* What the core lends its plugins. */
struct lw_loop;

struct lw_plugin_host {
	struct lw_events *events;
	struct lw_worker_pool *workers;
	struct lw_loop *loop; /* for lwm2m/loop.h; NULL in tools without a loop */
	const char *state_dir;
};

struct lw_plugin {
	const struct lw_plugin_host *host;
	const struct lw_plugin_desc *desc;
	void *dl;
	char *path;
	void *data;
	int started;
	const char **values; /* per schema key: the value in force, or NULL */
	char error[256];
	struct lw_plugin *next;
};

struct lw_plugins {
	struct lw_plugin *head; /* in load order */
	size_t count;
};

/*
 * Loads and validates the plugins the config names (or every *.so in
 * plugin_dir), then checks every plugin section of the config against the
 * schemas. Returns 0, or LW_E* with one line in err naming the file (and the
 * config line when the config is at fault). Nothing is started yet.
 */
int lw_plugins_load(struct lw_plugins *ps, const struct lw_config *cfg,
                    const struct lw_plugin_host *host, char *err, size_t errlen);
/* Calls init of each plugin in order; on a failure returns the status with
 * the reason in err, leaving those started for lw_plugins_unload() (after the
 * caller drained the workers, so no job completes after its plugin's fini). */
int lw_plugins_start(struct lw_plugins *ps, char *err, size_t errlen);
/* fini in reverse order for started plugins, then dlclose and free all. */
void lw_plugins_unload(struct lw_plugins *ps);

#endif
