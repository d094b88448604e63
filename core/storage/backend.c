/* storage/backend.c: the table of storage backends (see backend.h). */
#include "storage/backend.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "log.h"

#define MAX_BACKENDS 8

struct entry {
	const struct lw_storage_ops *ops;
	void *be;
	const void *owner;
};

static struct entry table[MAX_BACKENDS];
static size_t n_backends;
static struct lw_store current;
static int opened;
static char node_id[128];
static const char *conninfo;
static void (*node_cb)(void *ctx, const char *msg, size_t len);
static void *node_ctx;

static const char *const coll_names[LW_ST_COLL_COUNT] = {
	[LW_ST_REGISTRATIONS] = "registrations",
	[LW_ST_OBSERVATIONS] = "observations",
	[LW_ST_OPERATIONS] = "operations",
	[LW_ST_CREDENTIALS] = "credentials",
	[LW_ST_BOOTSTRAP] = "bootstrap",
	[LW_ST_FIRMWARE] = "firmware",
	[LW_ST_CAMPAIGNS] = "campaigns",
	[LW_ST_CAMPAIGN_DEVICES] = "campaign_devices",
	[LW_ST_USERS] = "users",
	[LW_ST_TOKENS] = "tokens",
};

const char *lw_st_coll_name(int coll)
{
	if (coll <= 0 || coll >= LW_ST_COLL_COUNT)
		return NULL;
	return coll_names[coll];
}

int lw_storage_register(lw_plugin *self, const struct lw_storage_ops *ops, void *be)
{
	/* The size check lets a newer header's plugin, whose vtable only grew,
	 * still be told apart from one built against another layout. */
	if (!ops || ops->abi != LW_STORAGE_ABI || ops->size < sizeof(struct lw_storage_ops) ||
	    !ops->name || !ops->open || !ops->close || !ops->doc_put || !ops->doc_del ||
	    !ops->doc_del_owner || !ops->doc_get || !ops->doc_list || !ops->ts_append ||
	    !ops->ts_query || !ops->ts_prune || !ops->audit_append || !ops->audit_query ||
	    !ops->flush)
		return LW_EINVAL;
	for (size_t i = 0; i < n_backends; i++)
		if (strcmp(table[i].ops->name, ops->name) == 0)
			return LW_EEXIST;
	if (n_backends == MAX_BACKENDS)
		return LW_ENOSPC;
	table[n_backends++] = (struct entry){ops, be, self};
	return 0;
}

int lw_storage_open(const char *name, struct lw_store *out, char *err, size_t errlen)
{
	*out = (struct lw_store){0};
	if (strcmp(name, "none") == 0)
		return 0;
	for (size_t i = 0; i < n_backends; i++) {
		if (strcmp(table[i].ops->name, name) != 0)
			continue;
		int rc = table[i].ops->open(table[i].be);
		if (rc != 0) {
			snprintf(err, errlen, "storage %s: could not open (%s)", name,
			         lw_strerror(rc));
			return rc;
		}
		current = (struct lw_store){table[i].ops, table[i].be};
		opened = 1;
		*out = current;
		return 0;
	}
	size_t off = (size_t)snprintf(err, errlen, "storage %s: no loaded plugin offers it", name);
	for (size_t i = 0; i < n_backends && off < errlen; i++)
		off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? ", " : " (offered: ",
		                        table[i].ops->name);
	if (n_backends && off < errlen)
		snprintf(err + off, errlen - off, ")");
	return LW_ENOENT;
}

void lw_storage_close(void)
{
	if (!opened)
		return;
	opened = 0;
	current.ops->close(current.be);
	current = (struct lw_store){0};
}

const struct lw_store *lw_storage_current(void)
{
	return opened ? &current : NULL;
}

void lw_storage_unregister_owner(const void *owner)
{
	size_t k = 0;
	for (size_t i = 0; i < n_backends; i++) {
		if (table[i].owner != owner) {
			table[k++] = table[i];
			continue;
		}
		if (opened && current.be == table[i].be)
			lw_storage_close();
	}
	n_backends = k;
}

void lw_storage_configure(const char *id, const char *conn,
                          void (*on_message)(void *ctx, const char *msg, size_t len), void *ctx)
{
	snprintf(node_id, sizeof(node_id), "%s", id ? id : "");
	conninfo = conn;
	node_cb = on_message;
	node_ctx = ctx;
}

const char *lw_storage_node_id(const lw_plugin *self)
{
	(void)self;
	return node_id;
}

const char *lw_storage_conninfo(const lw_plugin *self)
{
	(void)self;
	return conninfo;
}

void lw_storage_node_message(lw_plugin *self, const char *msg, size_t len)
{
	(void)self;
	if (node_cb)
		node_cb(node_ctx, msg, len);
	else
		lw_log(LW_LOG_WARN, "cluster message dropped: this node does not take any");
}

/* ---- reading a whole collection at start ---- */

#define LOAD_PAGE 1000
/* Loading a million documents takes seconds; a store that has not answered
 * in this long is broken. */
#define LOAD_TIMEOUT_S 600

struct load {
	const struct lw_store *st;
	int coll;
	int (*each)(void *ctx, const struct lw_st_doc *doc);
	void *ctx;
	int done, status;
	size_t ok, bad;
};

static void on_load_page(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct load *ld = arg;
	if (status != 0) {
		ld->status = status;
		ld->done = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		int r = ld->each(ld->ctx, &docs[i]);
		if (r > 0)
			ld->ok++;
		else if (r < 0)
			ld->bad++;
	}
	if (n < LOAD_PAGE) {
		ld->done = 1;
		return;
	}
	int rc = ld->st->ops->doc_list(ld->st->be, ld->coll, NULL, docs[n - 1].key, LOAD_PAGE,
	                               on_load_page, ld);
	if (rc) {
		ld->status = rc;
		ld->done = 1;
	}
}

int lw_storage_load(const struct lw_store *st, struct event_base *base, int coll,
                    int (*each)(void *ctx, const struct lw_st_doc *doc), void *ctx, size_t *ok,
                    size_t *bad)
{
	struct load *ld = calloc(1, sizeof(*ld));
	if (!ld)
		return LW_ENOMEM;
	*ld = (struct load){.st = st, .coll = coll, .each = each, .ctx = ctx};
	int rc = st->ops->doc_list(st->be, coll, NULL, NULL, LOAD_PAGE, on_load_page, ld);
	if (rc) {
		free(ld);
		return rc;
	}
	time_t deadline = time(NULL) + LOAD_TIMEOUT_S;
	while (!ld->done && time(NULL) < deadline)
		event_base_loop(base, EVLOOP_ONCE);
	if (!ld->done)
		return LW_ETIMEDOUT; /* ld stays: a late answer must find it (the daemon stops) */
	rc = ld->status;
	if (ok)
		*ok = ld->ok;
	if (bad)
		*bad = ld->bad;
	free(ld);
	return rc;
}
