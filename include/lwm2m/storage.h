/*
 * lwm2m/storage.h: the storage ABI, what lwm2md persists and how a storage
 * plugin provides it.
 *
 * A storage plugin registers one backend (a vtable and its state) in init
 * with lw_storage_register(), without opening anything: several storage
 * plugins may be loaded, and the daemon opens only the one that the config
 * names ([storage] plugin = sqlite, the default, or postgres; "none" keeps
 * nothing). open() then runs once at start, before
 * the daemon serves anyone, and close() once at stop, after the last call.
 *
 * What is stored:
 *   - documents: small keyed JSON objects in collections (enum lw_st_coll):
 *     registrations, their observations, queued operations, credentials,
 *     bootstrap configurations, firmware images' metadata, campaigns and
 *     their per-device progress, console users and tokens. The core owns
 *     their JSON shape; a backend stores the text as given and may index
 *     the key and the owner (the endpoint a document belongs to);
 *   - time series: one point per reported value (Notify, Send, Read);
 *   - the audit log: who asked what of which device, when, and the result.
 *
 * Threads and timing: every function of the vtable is called on the loop
 * thread and must return at once (never wait on a disk or a network round
 * trip), except open() and close(), which may block. Work goes to the
 * backend's own queue and is done off the loop (lw_worker_submit(), or a
 * connection driven by lw_watch_fd()); each call's callback then runs on the
 * loop thread exactly once. A write's callback means durable: the data is
 * committed and survives a crash of the daemon (and, as far as the engine
 * promises, of the machine). Backends batch writes: thousands of points per
 * transaction.
 *
 * Order: calls take effect in the order they are made. A read sees every
 * write submitted before it, durable or not yet (read your writes).
 *
 * Return values of the vtable's calls: 0 when accepted (the callback will
 * run, later, exactly once); LW_EAGAIN when the backend's bounded queue is
 * full (back-pressure: the callback will not run, the caller retries or
 * drops and counts); LW_EINVAL for bad arguments; LW_ECANCELED after close.
 * Callback statuses: 0, or LW_EIO (the store failed; the backend logged
 * why), LW_ENOENT (doc_get of a missing key).
 *
 * Ownership: every pointer passed into a call (keys, JSON, points, their
 * bytes) is valid only during the call: a backend copies what it queues.
 * Pointers passed to a callback are valid only during the callback.
 *
 * Metrics (lwm2m/metrics.h): every storage plugin may use the same names
 * (lwm2md_storage_queued, ...), so a backend creates its metrics in open(),
 * where it is the only one, never in init.
 */
#ifndef LWM2M_STORAGE_H
#define LWM2M_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/path.h"
#include "lwm2m/plugin.h"
#include "lwm2m/records.h"

#define LW_STORAGE_ABI 1

/* Collections of documents. Numbers are stable; new ones are appended. */
enum lw_st_coll {
	LW_ST_REGISTRATIONS = 1,    /* key: endpoint */
	LW_ST_OBSERVATIONS = 2,     /* key: endpoint "\n" token (hex); owner: endpoint */
	LW_ST_OPERATIONS = 3,       /* queued operations; key: id; owner: endpoint */
	LW_ST_CREDENTIALS = 4,      /* key: endpoint */
	LW_ST_BOOTSTRAP = 5,        /* bootstrap configurations; key: endpoint */
	LW_ST_FIRMWARE = 6,         /* firmware images; key: image id */
	LW_ST_CAMPAIGNS = 7,        /* key: campaign id */
	LW_ST_CAMPAIGN_DEVICES = 8, /* key: campaign id "\n" endpoint; owner: endpoint */
	LW_ST_USERS = 9,            /* console users; key: user name */
	LW_ST_TOKENS = 10,          /* API tokens; key: hash of the token; owner: user */
	LW_ST_COLL_COUNT            /* one past the last collection */
};

/* Longest key and owner a backend must accept, in bytes. */
#define LW_ST_KEY_MAX 255

/* Name of a collection ("registrations", ...), for logs and SQL schemas. */
LW_API const char *lw_st_coll_name(int coll);

/* One document as read back. */
struct lw_st_doc {
	const char *key;
	const char *owner; /* NULL when the document has none */
	const char *json;  /* NUL-terminated */
	size_t json_len;
	double updated; /* when it was last put, seconds since the epoch */
};

/* One time-series point: a reported value of one client. The record's path
 * is a full resource (or resource instance) path and has_time is set. */
struct lw_st_point {
	const char *endpoint;
	lw_record rec; /* string and opaque bytes valid during the call */
};

/* What a time-series query asks: the points of one endpoint under path
 * (a prefix: /3303 matches /3303/0/5700; the root path matches all), with
 * from <= time <= to, at most limit of them (0: the backend's own cap,
 * 10,000). When more match, the newest limit points are returned. Results
 * are ordered by time, oldest first (newest last); ties in insertion order. */
struct lw_st_ts_query {
	const char *endpoint;
	lw_path path;
	double from, to;
	size_t limit;
};

/* One entry of the audit log. */
struct lw_st_audit {
	double time;
	const char *actor;    /* who asked: "admin", a user name, "campaign:7", "core" */
	const char *endpoint; /* the device, or NULL */
	const char *action;   /* "read", "write", "register", "firmware", ... */
	const char *detail;   /* JSON object: path, status, ...; NULL for none */
};

typedef void (*lw_st_done_fn)(void *arg, int status);
/* docs[0..n): for doc_get one document (n 1) or none (status LW_ENOENT). */
typedef void (*lw_st_docs_fn)(void *arg, int status, const struct lw_st_doc *docs, size_t n);
/* The points as records of one endpoint (paths and times set). */
typedef void (*lw_st_points_fn)(void *arg, int status, const lw_records *points);
typedef void (*lw_st_audit_fn)(void *arg, int status, const struct lw_st_audit *entries,
                               size_t n);

struct lw_storage_ops {
	uint32_t abi;  /* LW_STORAGE_ABI */
	uint32_t size; /* sizeof(struct lw_storage_ops) */
	const char *name; /* what [server] storage names: "sqlite", "postgres" */

	/* Connects, creates or migrates the schema. May block. 0, or a
	 * negative LW_E* after logging one line that says why. */
	int (*open)(void *be);
	/* Makes everything accepted so far durable, then releases the
	 * connection. Callbacks still pending run (with their status) before
	 * it returns. May block. It runs on the loop thread while the worker
	 * pool still runs, but the loop does not turn during it: the done of
	 * a job in flight would come only after close returned, so a backend
	 * waits for its own work itself. Always before the plugin's fini. */
	void (*close)(void *be);

	/* Documents. put replaces a document of the same key. */
	int (*doc_put)(void *be, int coll, const char *key, const char *owner, const char *json,
	               size_t json_len, lw_st_done_fn done, void *arg);
	/* Deleting a missing key is not an error. */
	int (*doc_del)(void *be, int coll, const char *key, lw_st_done_fn done, void *arg);
	/* Deletes every document of the collection whose owner is owner. */
	int (*doc_del_owner)(void *be, int coll, const char *owner, lw_st_done_fn done,
	                     void *arg);
	int (*doc_get)(void *be, int coll, const char *key, lw_st_docs_fn cb, void *arg);
	/* Documents in key order (bytewise), those with key > after (NULL: from
	 * the first), owned by owner (NULL: any), at most limit (> 0). Paging:
	 * pass the last key of one page as after of the next. */
	int (*doc_list)(void *be, int coll, const char *owner, const char *after, size_t limit,
	                lw_st_docs_fn cb, void *arg);

	/* Time series. n > 0 (LW_EINVAL for none). */
	int (*ts_append)(void *be, const struct lw_st_point *points, size_t n, lw_st_done_fn done,
	                 void *arg);
	int (*ts_query)(void *be, const struct lw_st_ts_query *q, lw_st_points_fn cb, void *arg);
	/* Deletes the points older than before (retention). */
	int (*ts_prune)(void *be, double before, lw_st_done_fn done, void *arg);

	/* The audit log. */
	int (*audit_append)(void *be, const struct lw_st_audit *entry, lw_st_done_fn done,
	                    void *arg);
	/* Entries with from <= time <= to, of endpoint (NULL: all), the newest
	 * limit (> 0) of them, oldest first. */
	int (*audit_query)(void *be, double from, double to, const char *endpoint, size_t limit,
	                   lw_st_audit_fn cb, void *arg);

	/* done runs when everything accepted before this call is durable. */
	int (*flush)(void *be, lw_st_done_fn done, void *arg);

	/*
	 * Cluster: several daemons sharing one store (optional: NULL for a
	 * backend that serves one node). node_send delivers msg to the daemon
	 * whose [storage] node_id is node; the backend hands it there to
	 * lw_storage_node_message() on that daemon's loop thread. done means
	 * the message was handed to the store, not that it arrived. At most
	 * LW_ST_MSG_MAX bytes.
	 */
	int (*node_send)(void *be, const char *node, const char *msg, size_t len,
	                 lw_st_done_fn done, void *arg);

	void *reserved[8]; /* NULL */
};

#define LW_ST_MSG_MAX 7900

/*
 * Offers a backend. ops must be static (kept until the plugin is unloaded);
 * be is the backend's state, passed back to every call. LW_EINVAL for a
 * wrong abi or size, LW_EEXIST when another plugin registered the same name.
 */
LW_API int lw_storage_register(lw_plugin *self, const struct lw_storage_ops *ops, void *be);

/* This daemon's node id ([storage] node_id; the host name by default): the
 * channel a cluster backend listens on. At most LW_ST_NODE_MAX bytes of
 * [A-Za-z0-9_.-] (the daemon refuses to start with another). */
#define LW_ST_NODE_MAX 51
LW_API const char *lw_storage_node_id(const lw_plugin *self);

/* [storage] conninfo of the daemon's config, the connection string of a
 * database backend; NULL when unset. Valid until the plugin's fini. */
LW_API const char *lw_storage_conninfo(const lw_plugin *self);

/* A cluster backend delivers a message another node sent to this one.
 * Loop thread only; msg valid during the call. */
LW_API void lw_storage_node_message(lw_plugin *self, const char *msg, size_t len);

#endif
