/*
 * storage/service.h: the daemon's store as one piece: it opens the backend
 * the config names ([storage] plugin), restores what the store kept
 * (persist.h) and joins the cluster when the backend can (cluster.h).
 */
#ifndef LW_STORAGE_SERVICE_H
#define LW_STORAGE_SERVICE_H

#include <stddef.h>

#include "storage/backend.h"
#include "storage/cluster.h"
#include "storage/persist.h"

struct lw_daemon;

struct lw_storage_service {
	struct lw_store store; /* ops NULL: [storage] plugin = none */
	struct lw_persist persist;
	struct lw_cluster cluster;
	int opened, persisting, clustered;
	char node[128];
};

/* Call once before the plugins' init: what lw_storage_node_id() and
 * lw_storage_conninfo() answer them. */
void lw_storage_service_configure(struct lw_storage_service *s, const struct lw_daemon *d);
/*
 * After the LwM2M server started, with the CoAP listener paused: opens the
 * store and restores. An LW_EXIT_* status with one line in err.
 */
int lw_storage_service_start(struct lw_storage_service *s, struct lw_daemon *d, char *err,
                             size_t errlen);
/* Before the LwM2M server stops: lets the store catch up (persist.h). */
void lw_storage_service_drain(struct lw_storage_service *s);
/* After the LwM2M server stopped: flushes and closes the store. */
void lw_storage_service_stop(struct lw_storage_service *s);

/* lw_ops_submit through the cluster when there is one. */
int lw_storage_submit(struct lw_daemon *d, const struct lw_op_request *req, lw_op_cb cb,
                      void *arg, uint64_t *id);
void lw_storage_detach(struct lw_daemon *d, uint64_t id);

#endif
