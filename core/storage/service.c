/* storage/service.c: the daemon's store as one piece (see service.h). */
#include "storage/service.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "lwm2m/server.h"

void lw_storage_service_configure(struct lw_storage_service *s, const struct lw_daemon *d)
{
	memset(s, 0, sizeof(*s));
	const struct lw_config *cfg = d->cfg;
	if (cfg->storage_node_id && *cfg->storage_node_id)
		snprintf(s->node, sizeof(s->node), "%s", cfg->storage_node_id);
	else if (gethostname(s->node, sizeof(s->node) - 1) != 0)
		snprintf(s->node, sizeof(s->node), "lwm2md");
	else {
		/* A host name may not suit a channel name: make it. */
		s->node[LW_ST_NODE_MAX] = '\0';
		for (char *c = s->node; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-')
				*c = '-';
	}
	lw_storage_configure(s->node, cfg->storage_conninfo, lw_cluster_on_message, &s->cluster);
}

int lw_storage_service_start(struct lw_storage_service *s, struct lw_daemon *d, char *err,
                             size_t errlen)
{
	const char *name = d->cfg->storage_plugin ? d->cfg->storage_plugin : "sqlite";
	/* The id names a PostgreSQL channel and goes into JSON unescaped. */
	size_t bad = strspn(s->node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                             "0123456789_.-");
	if (!s->node[0] || s->node[bad] || strlen(s->node) > LW_ST_NODE_MAX) {
		snprintf(err, errlen, "%s:%d: [storage] node_id \"%s\": use up to 51 letters, "
		         "digits, _, . and -", d->cfg->path ? d->cfg->path : "defaults",
		         lw_config_line(d->cfg, "storage", "node_id"), s->node);
		return LW_EXIT_CONFIG;
	}
	int rc = lw_storage_open(name, &s->store, err, errlen);
	if (rc)
		return rc == LW_ENOENT ? LW_EXIT_CONFIG : LW_EXIT_RUNTIME;
	s->opened = 1;
	if (lw_cluster_init(&s->cluster, d, s->store.ops ? &s->store : NULL, s->node) != 0) {
		snprintf(err, errlen, "out of memory");
		return LW_EXIT_RUNTIME;
	}
	s->clustered = 1;
	if (!s->store.ops) {
		lw_log(LW_LOG_WARN, "storage: none ([storage] plugin = none): registrations, "
		       "observations and reported values are kept in memory only");
		return LW_EXIT_OK;
	}
	if (lw_persist_start(&s->persist, d, &s->store, s->node, err, errlen) != 0)
		return LW_EXIT_RUNTIME;
	s->persisting = 1;
	lw_log(LW_LOG_INFO, "storage: %s%s%s", name,
	       lw_cluster_enabled(&s->cluster) ? ", cluster node " : "",
	       lw_cluster_enabled(&s->cluster) ? s->node : "");
	return LW_EXIT_OK;
}

void lw_storage_service_drain(struct lw_storage_service *s)
{
	if (s->persisting)
		lw_persist_drain(&s->persist);
}

void lw_storage_service_stop(struct lw_storage_service *s)
{
	if (s->clustered)
		lw_cluster_free(&s->cluster);
	s->clustered = 0;
	if (s->persisting)
		lw_persist_stop(&s->persist);
	s->persisting = 0;
	if (s->opened)
		lw_storage_close();
	s->opened = 0;
}

int lw_storage_submit(struct lw_daemon *d, const struct lw_op_request *req, lw_op_cb cb,
                      void *arg, uint64_t *id)
{
	if (d->storage && d->storage->clustered)
		return lw_cluster_submit(&d->storage->cluster, req, cb, arg, id);
	return lw_ops_submit(lw_server_ops(d), req, cb, arg, id);
}

void lw_storage_detach(struct lw_daemon *d, uint64_t id)
{
	if (d->storage && d->storage->clustered) {
		lw_cluster_detach(&d->storage->cluster, id);
		return;
	}
	struct lw_operations *ops = lw_server_ops(d);
	if (ops)
		lw_ops_detach(ops, id);
}
