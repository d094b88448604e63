/*
 * storage/backend.h: the storage backends plugins offered (lwm2m/storage.h),
 * the one the daemon opened, and the cluster messages that reach this node.
 *
 * One table for the process, like the codec table: a daemon has one store.
 * Loop thread only.
 */
#ifndef LW_STORAGE_BACKEND_H
#define LW_STORAGE_BACKEND_H

#include <stddef.h>

#include "lwm2m/storage.h"

/* The store in use: ops and be of the opened backend. */
struct lw_store {
	const struct lw_storage_ops *ops;
	void *be;
};

/*
 * Opens the backend called name ("none": no store). Returns 0 and the store
 * (ops NULL for "none"), LW_ENOENT when no loaded plugin offers that name
 * (err lists the names offered), or the backend's open() status.
 */
int lw_storage_open(const char *name, struct lw_store *out, char *err, size_t errlen);
/* Closes the opened backend (blocking: flushes); safe to call twice. */
void lw_storage_close(void);
/* The opened store, or NULL when none. */
const struct lw_store *lw_storage_current(void);

/* This node's id, the [storage] conninfo (kept, not copied: the config's)
 * and where cluster messages for this node go. */
void lw_storage_configure(const char *node_id, const char *conninfo,
                          void (*on_message)(void *ctx, const char *msg, size_t len), void *ctx);

struct event_base;
/*
 * At start, before serving anyone: calls each(ctx, doc) for every document
 * of coll (each returns 1 taken, 0 skipped, -1 unreadable: counted in *ok
 * and *bad), running the loop until the store has answered every page.
 * 0 or the store's LW_E* status (LW_ETIMEDOUT after 10 minutes).
 */
int lw_storage_load(const struct lw_store *st, struct event_base *base, int coll,
                    int (*each)(void *ctx, const struct lw_st_doc *doc), void *ctx, size_t *ok,
                    size_t *bad);

/* Forgets what owner registered (plugin unload). */
void lw_storage_unregister_owner(const void *owner);

#endif
