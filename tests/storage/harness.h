/*
 * tests/storage/harness.h: a storage plugin loaded the way the daemon loads
 * it (core/plugin.h's loader, a loop, the event bus, the worker pool), its
 * backend opened with lw_storage_open(), and a loop to run until a callback
 * fired. The conformance suite (test_conformance.c) and the ingest bench
 * (bench/storage/ts_ingest.c) drive a real plugin through it.
 *
 * The program's interface is its environment:
 *
 *   LW_STORAGE             the backend under test: sqlite (default) or
 *                          postgres; the plugin file is storage-NAME.so and
 *                          its config section [storage-NAME].
 *   LW_STORAGE_PLUGIN_DIR  where that .so is (default
 *                          $LW_BUILDDIR/stage/plugins, else ./stage/plugins).
 *   LW_STORAGE_CONF        lines of the plugin's config section, "key = value"
 *                          separated by newlines or ';', for every test
 *                          (e.g. "synchronous = normal"). For postgres it must
 *                          hold "conninfo = ..." (host, port, user: no
 *                          dbname), e.g.
 *                          "conninfo = host=127.0.0.1 port=5433 user=lw".
 *   LW_STORAGE_TINY_QUEUE_CONF  the config line that bounds the backend's
 *                          queue to a handful of operations, for the
 *                          back-pressure test (default "queue_max = 4";
 *                          postgres: "spool_max = 4").
 *   LW_STORAGE_KEEP        set: keep each test's store (debugging).
 *
 * Each test gets a store of its own, removed after it: SQLite, a fresh
 * temporary state_dir (so the default file STATE_DIR/lwm2md.db); PostgreSQL,
 * a fresh database lw_test_PID_N, created and dropped through libpq on the
 * server's "postgres" database, with the plugin given "conninfo = CONNINFO
 * dbname=lw_test_PID_N". Every test may stop and start the plugin on the same
 * store (durability across a close and a re-open).
 */
#ifndef LW_TESTS_STORAGE_HARNESS_H
#define LW_TESTS_STORAGE_HARNESS_H

#include <stddef.h>

#include "config.h"
#include "events.h"
#include "loop.h"
#include "lwm2m/storage.h"
#include "plugin.h"
#include "storage/backend.h"
#include "worker.h"

struct event;

struct lw_sh {
	char backend[32];       /* "sqlite", "postgres" */
	char dir[256];          /* the state_dir (a fresh temporary folder) */
	char dbname[64];        /* postgres: this test's database */
	char conninfo[512];     /* postgres: LW_STORAGE_CONF's conninfo */
	char err[1024];         /* why the last call failed */

	struct lw_config cfg;
	struct lw_events events;
	struct lw_loop loop;
	struct lw_worker_pool workers;
	struct lw_plugin_host host;
	struct lw_plugins plugins;
	struct lw_store store;
	struct event *tick;
	int running; /* between lw_sh_start() and lw_sh_stop() */
	int created; /* the store exists (lw_sh_create) */
};

/* The backend named by LW_STORAGE ("sqlite" when unset). */
const char *lw_sh_backend(void);

/* Creates a fresh, empty store for this test. 0, or LW_E* with h->err. */
int lw_sh_create(struct lw_sh *h);
/*
 * Loads the plugin, starts it and opens its backend on the store. conf: more
 * lines of the plugin's section for this start ("queue_max = 4\n"), after
 * LW_STORAGE_CONF's; NULL for none. 0, or the failing status with h->err
 * (then everything started is undone: lw_sh_stop is not needed).
 */
int lw_sh_start(struct lw_sh *h, const char *conf);
/* Closes the backend (it flushes), drains the workers, unloads the plugin. */
void lw_sh_stop(struct lw_sh *h);
/* Stops if running, then removes the store. */
void lw_sh_destroy(struct lw_sh *h);

/* The opened backend's ops and state. */
static inline const struct lw_storage_ops *lw_sh_ops(const struct lw_sh *h)
{
	return h->store.ops;
}

/*
 * Runs the loop until *flag is non-zero; LW_ETIMEDOUT if it is still zero
 * after timeout_ms. 0 when it fired.
 */
int lw_sh_wait(struct lw_sh *h, const int *flag, int timeout_ms);
/* Runs the loop once for at most ms milliseconds (pumps completions). */
void lw_sh_pump(struct lw_sh *h, int ms);

#endif
