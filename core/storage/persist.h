/*
 * storage/persist.h: the daemon's use of its store. At start it puts the
 * registrations the store kept back into the registry (with what is left of
 * their lifetimes); while running it writes registrations, reported values
 * (time series) and finished operations (audit log) as events happen.
 *
 * Loop thread only.
 */
#ifndef LW_STORAGE_PERSIST_H
#define LW_STORAGE_PERSIST_H

#include <stddef.h>

#include "lwm2m/ops.h"
#include "storage/backend.h"

struct lw_daemon;
struct lw_registry;

struct lw_persist_stats {
	unsigned long long written;        /* writes the store made durable */
	unsigned long long failed;         /* writes the store could not make */
	unsigned long long refused;        /* calls refused (LW_EAGAIN: the store is behind) */
	unsigned long long points;         /* time-series points handed to the store */
	unsigned long long points_refused; /* points the store refused */
};

struct lw_persist {
	struct lw_daemon *d;
	const struct lw_store *st;
	struct lw_registry *reg;
	char node[128];
	int refusing, failing; /* an episode is under way: logged once */
	int drained;           /* lw_persist_drain: the flush came back */
	struct lw_persist_stats stats;
	struct lw_ops_store_hooks hooks; /* what the operation layer tells us */
};

/*
 * Restores the registrations of st (running the loop until the store has
 * answered), then subscribes to the events it persists. Call after the
 * LwM2M server started and before the CoAP listener reads. 0, or LW_E*
 * with one line in err.
 */
int lw_persist_start(struct lw_persist *p, struct lw_daemon *d, const struct lw_store *st,
                     const char *node, char *err, size_t errlen);
/* At stop, before the LwM2M side goes: runs the loop until the store has
 * made everything so far durable (at most 10 s), so that answers that still
 * look at registrations come while those exist. */
void lw_persist_drain(struct lw_persist *p);
void lw_persist_stop(struct lw_persist *p);

#endif
