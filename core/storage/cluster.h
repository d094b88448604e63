/*
 * storage/cluster.h: several lwm2md nodes sharing one store. A device is
 * registered on one node (the one its datagrams reach: a UDP load balancer
 * with source-address affinity keeps it there); its registration document
 * names that node. An operation asked of another node is sent to the
 * device's node through the store (lwm2m/storage.h node_send, PostgreSQL
 * LISTEN/NOTIFY), carried out there, and its result comes back the same way
 * to the caller. See docs/cluster.md.
 *
 * Messages are JSON: {"t":"op","from":NODE,"rid":N,"req":{request}} and
 * {"t":"result","rid":N,"res":{result}}. A result too big for one message
 * is put in the store (LW_ST_OPERATIONS, key "result\n<node>\n<rid>") and
 * announced with {"t":"result-ref","rid":N,"key":KEY}.
 *
 * Loop thread only.
 */
#ifndef LW_STORAGE_CLUSTER_H
#define LW_STORAGE_CLUSTER_H

#include <stdint.h>

#include "lwm2m/ops.h"
#include "storage/backend.h"
#include "timer.h"
#include "util/hash.h"

struct lw_daemon;

/* Ids of operations sent to another node have this bit set. */
#define LW_CLUSTER_ID_BIT (UINT64_C(1) << 62)

struct lw_cluster {
	struct lw_daemon *d;
	const struct lw_store *st;
	char node[128];
	uint64_t next_rid;
	struct lw_htable pending; /* operations sent away, by rid */
	unsigned long long sent, received, answered, lost;
};

/* Cluster mode is on when st's backend can send to nodes. 0 or LW_ENOMEM. */
int lw_cluster_init(struct lw_cluster *c, struct lw_daemon *d, const struct lw_store *st,
                    const char *node);
/* Ends operations still waiting for another node: LW_ECANCELED. */
void lw_cluster_free(struct lw_cluster *c);
int lw_cluster_enabled(const struct lw_cluster *c);

/*
 * lw_ops_submit() that reaches devices registered on other nodes: a device
 * registered here, or any device when clustering is off, goes to the local
 * queue; otherwise the store says which node holds it. Same contract as
 * lw_ops_submit.
 */
int lw_cluster_submit(struct lw_cluster *c, const struct lw_op_request *req, lw_op_cb cb,
                      void *arg, uint64_t *id);
/* lw_ops_detach() for an id lw_cluster_submit returned (local or not). */
void lw_cluster_detach(struct lw_cluster *c, uint64_t id);

/* Where the store delivers messages for this node (ctx: the cluster). */
void lw_cluster_on_message(void *ctx, const char *msg, size_t len);

#endif
