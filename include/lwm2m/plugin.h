/*
 * lwm2m/plugin.h: the ABI between the lwm2md daemon and its plugins.
 *
 * A plugin is a shared object in the plugin directory. It exports exactly one
 * symbol, lw_plugin_entry, a function made by LW_PLUGIN_DECLARE() that returns
 * the plugin's descriptor. The daemon dlopen()s the file (RTLD_NOW|RTLD_LOCAL),
 * checks the descriptor's ABI version, validates the plugin's config section
 * against the descriptor's schema, then calls init(). At shutdown it calls
 * fini() of every plugin whose init succeeded, in reverse load order.
 *
 * In init a plugin registers what it provides (event subscriptions now; codecs,
 * storage backends, firmware repositories and forwarders through the headers
 * that declare them) and keeps its own state with lw_plugin_set_data().
 *
 * Threads: every callback into a plugin (init, fini, event handlers, worker
 * completions) runs on the daemon's loop thread and must not block. Blocking
 * work (files, databases, HTTP) goes through lw_worker_submit(): its work
 * function runs on a worker thread, where the only ABI calls allowed are
 * lw_log() and lw_plugin_log(); its done function runs back on the loop thread.
 *
 * Ownership: strings passed into a plugin are owned by the daemon and valid for
 * the duration of the call, unless a function says otherwise. Strings a plugin
 * passes in are copied when the daemon needs to keep them. The descriptor and
 * the schema it points to must be static: the daemon keeps pointers to them
 * until the plugin is unloaded.
 *
 * Compatibility: LW_PLUGIN_ABI changes only when an existing function or
 * structure changes meaning or layout; the daemon refuses a plugin built for
 * another ABI. New functions and event kinds may be added without a change:
 * lw_event_subscribe() answers LW_ENOTSUP for a kind this daemon does not know,
 * so a newer plugin can tell an older daemon and say so.
 */
#ifndef LWM2M_PLUGIN_H
#define LWM2M_PLUGIN_H

#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"

#define LW_PLUGIN_ABI 1
#define LW_PLUGIN_ENTRY_SYMBOL "lw_plugin_entry"

/* One loaded plugin, as its own code sees it. Owned by the daemon. */
typedef struct lw_plugin lw_plugin;

/* The type of a config key in a plugin's schema. */
enum lw_conf_type {
	LW_CONF_STRING = 1,
	LW_CONF_INT = 2,  /* decimal, checked against [min, max] */
	LW_CONF_BOOL = 3, /* true/false, yes/no, on/off, 1/0 */
};

/*
 * One key of a plugin's config section ([plugin-name] in the config file).
 * A schema is an array ending with an entry whose name is NULL. A key in the
 * file that the schema does not list is a config error (file, line, key), and
 * so is a value of the wrong type or out of range: init() never sees them.
 */
struct lw_conf_key {
	const char *name;
	int type;                  /* enum lw_conf_type */
	const char *default_value; /* text form; NULL: no default (value unset) */
	long long min, max;        /* LW_CONF_INT only; min == max == 0: any value */
	const char *help;          /* one line, shown by docs and errors */
};

struct lw_plugin_desc {
	uint32_t abi;  /* LW_PLUGIN_ABI the plugin was built with */
	uint32_t size; /* sizeof(struct lw_plugin_desc) the plugin was built with */
	const char *name;    /* unique, [a-z0-9-]+, also the config section name */
	const char *version; /* the plugin's own version, free text */
	const char *summary; /* one line for logs and docs */
	const struct lw_conf_key *conf; /* schema of its config section, or NULL */
	/* Returns 0, or a negative LW_E* code after lw_plugin_set_error(). */
	int (*init)(lw_plugin *self);
	/* Releases everything init and later callbacks acquired. May be NULL. */
	void (*fini)(lw_plugin *self);
	void *reserved[8]; /* zero: room for later fields without an ABI change */
};

/* Defines the entry symbol returning desc (a static struct lw_plugin_desc). */
#define LW_PLUGIN_DECLARE(desc)                                                         \
	LW_API const struct lw_plugin_desc *lw_plugin_entry(void);                      \
	const struct lw_plugin_desc *lw_plugin_entry(void) { return &(desc); }

/* ---- the plugin's own handle ---- */

LW_API const char *lw_plugin_name(const lw_plugin *self);
/* Private state of the plugin; the daemon never looks at it. */
LW_API void lw_plugin_set_data(lw_plugin *self, void *data);
LW_API void *lw_plugin_data(const lw_plugin *self);
/* The reason init failed; the loader logs it with the plugin file's name. */
LW_API void lw_plugin_set_error(lw_plugin *self, const char *fmt, ...) LW_PRINTF(2, 3);
/* lw_log() with "plugin NAME: " in front. */
LW_API void lw_plugin_log(const lw_plugin *self, int level, const char *fmt, ...)
	LW_PRINTF(3, 4);

/*
 * Config values of the plugin's section, validated against its schema. Each
 * returns the value from the file, else the schema's default. lw_plugin_conf
 * returns NULL for a key with neither (or not in the schema); the string is
 * valid until fini returns.
 */
LW_API const char *lw_plugin_conf(const lw_plugin *self, const char *key);
LW_API long long lw_plugin_conf_int(const lw_plugin *self, const char *key);
LW_API int lw_plugin_conf_bool(const lw_plugin *self, const char *key);

/* The daemon's state directory ([server] state_dir), where plugins keep files. */
LW_API const char *lw_plugin_state_dir(const lw_plugin *self);

/* ---- events ---- */

/* What happened. Numbers are stable; new kinds are appended. */
enum lw_event_kind {
	LW_EVENT_STARTED = 1,        /* the daemon finished starting */
	LW_EVENT_STOPPING = 2,       /* the daemon is about to stop */
	LW_EVENT_REGISTRATION = 3,   /* a client registered */
	LW_EVENT_UPDATE = 4,         /* a client updated its registration */
	LW_EVENT_DEREGISTRATION = 5, /* a client deregistered */
	LW_EVENT_EXPIRED = 6,        /* a registration's lifetime ran out */
	LW_EVENT_NOTIFICATION = 7,   /* an observed value was notified */
	LW_EVENT_SEND = 8,           /* a client sent data (LwM2M Send) */
	LW_EVENT_OPERATION = 9,      /* an operation on a client ended */
	LW_EVENT_FIRMWARE = 10,      /* a firmware update changed state */
	LW_EVENT_CAMPAIGN = 11,      /* a campaign changed state */
	LW_EVENT_BOOTSTRAP = 12,     /* a bootstrap session ended (finished, failed, timeout) */
	LW_EVENT_KIND_COUNT          /* one past the last kind this header knows */
};
#define LW_EVENT_MASK(kind) (UINT32_C(1) << (kind))
#define LW_EVENT_MASK_ALL UINT32_C(0xfffffffe)

/* One event; valid only during the callback that receives it. */
typedef struct lw_event lw_event;

LW_API int lw_event_kind(const lw_event *ev);
/* "registration", "update", ...: the names of the REST event stream. */
LW_API const char *lw_event_kind_name(int kind);
/* The client's endpoint name, or NULL for events not about one client. */
LW_API const char *lw_event_endpoint(const lw_event *ev);
/* When it happened, in seconds since the epoch. */
LW_API double lw_event_time(const lw_event *ev);
/* The event as one JSON object, the same text the REST event stream sends. */
LW_API const char *lw_event_json(const lw_event *ev);
/* The values a notification, send or operation (read) event carries, as
 * records (lwm2m/records.h) with full paths; NULL for other events. Valid
 * during the callback only. */
struct lw_records;
LW_API const struct lw_records *lw_event_records(const lw_event *ev);

typedef void (*lw_event_cb)(const lw_event *ev, void *ctx);

/*
 * Calls cb(ev, ctx) on the loop thread for every event whose kind is in mask
 * (LW_EVENT_MASK bits). Returns LW_ENOTSUP if mask names a kind this daemon
 * does not know. Subscriptions end when the plugin is unloaded.
 */
LW_API int lw_event_subscribe(lw_plugin *self, uint32_t mask, lw_event_cb cb, void *ctx);

/* ---- the worker pool ---- */

/*
 * Runs work(arg) on a worker thread, then done(arg, status) on the loop
 * thread with status 0 (other values are reserved for later use). Returns 0;
 * LW_EAGAIN when the pool's queue is full (back-pressure: retry later or
 * drop); LW_ECANCELED once the daemon has finished stopping. When the daemon
 * stops it first drains: every accepted job runs and its done is called
 * before any plugin's fini. Jobs start in submission order; with several
 * workers they may finish in any order. done may be NULL.
 */
typedef void (*lw_work_fn)(void *arg);
typedef void (*lw_done_fn)(void *arg, int status);
LW_API int lw_worker_submit(lw_plugin *self, lw_work_fn work, lw_done_fn done, void *arg);

#endif
