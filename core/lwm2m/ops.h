/*
 * lwm2m/ops.h: operations on registered clients (the Device Management and
 * Information Reporting interfaces seen from the server): Read, Write,
 * Execute, Create, Delete, Discover, Write-Attributes, Observe and its
 * cancellation, and the composite operations of 1.1. The REST layer (or any
 * core part on the loop thread) submits a request and gets exactly one
 * result through its callback; the same result goes on the event bus as an
 * `operation` event.
 *
 * Each client has one ordered queue: one operation in flight at a time
 * (devices handle one request at a time), at most LW_OPQ_MAX waiting, and
 * for a client in queue mode nothing goes out until it shows it is awake.
 * Nothing is allocated for a client until it gets its first operation.
 *
 * Everything runs on the loop thread.
 */
#ifndef LW_LWM2M_OPS_H
#define LW_LWM2M_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/links.h"
#include "lwm2m/model.h"
#include "lwm2m/path.h"
#include "lwm2m/records.h"
#include "timer.h"
#include "util/hash.h"

struct lw_coap_engine;
struct lw_events;
struct lw_registry;
struct lw_client;

/* Operations one client may have queued (waiting and in flight). */
#define LW_OPQ_MAX 64
/* The default timeout of an operation, waiting time included. */
#define LW_OP_DEFAULT_TIMEOUT_MS 60000u
/* How long a queue-mode client stays reachable after its last message, by
 * default: MAX_TRANSMIT_WAIT of RFC 7252 with the default parameters (93 s),
 * the time the Transport spec tells queue-mode clients to keep listening.
 * [coap] queue_awake sets it (struct lw_operations awake_s). */
#define LW_OP_AWAKE_S 93
/* Paths in one composite operation. */
#define LW_OP_MAX_PATHS 32

enum lw_op_kind {
	LW_OP_READ,
	LW_OP_WRITE,        /* replace: PUT */
	LW_OP_WRITE_UPDATE, /* partial update: POST */
	LW_OP_EXECUTE,
	LW_OP_CREATE,
	LW_OP_DELETE,
	LW_OP_DISCOVER,
	LW_OP_WRITE_ATTRS,
	LW_OP_OBSERVE,
	LW_OP_CANCEL_OBSERVE, /* reactive: GET with Observe 1 and the observation's token */
	LW_OP_READ_COMPOSITE,
	LW_OP_WRITE_COMPOSITE,
	LW_OP_OBSERVE_COMPOSITE,
	LW_OP_CANCEL_OBSERVE_COMPOSITE,
	LW_OP_KIND_COUNT
};

/* "read", "write", "write-update", ... (event and log names). */
const char *lw_op_kind_name(int kind);
/* The result an operation event was published for; NULL for another event. */
struct lw_event;
const struct lw_op_result *lw_ops_event_result(const struct lw_event *ev);

/* Write-Attributes: bit i of set gives attribute i its value, bit i of
 * clear sends it bare ("pmin", which removes it on the client). */
enum lw_attr {
	LW_ATTR_PMIN, LW_ATTR_PMAX, LW_ATTR_GT, LW_ATTR_LT, LW_ATTR_ST,
	LW_ATTR_EPMIN, LW_ATTR_EPMAX, LW_ATTR_EDGE, LW_ATTR_CON, LW_ATTR_HQMAX,
	LW_ATTR_COUNT
};
struct lw_attrs {
	uint32_t set, clear;
	double v[LW_ATTR_COUNT]; /* integer attributes are written without decimals */
};
/* "pmin", "pmax", ... */
const char *lw_attr_name(int attr);

/* What to do; nothing needs to outlive lw_ops_submit (it copies). */
struct lw_op_request {
	const char *endpoint;
	int kind;                  /* enum lw_op_kind */
	const lw_path *paths;      /* one target, or several for composites */
	size_t n_paths;
	const lw_records *records; /* Write, Create, Write-Composite */
	const struct lw_attrs *attrs; /* Write-Attributes */
	const char *args;          /* Execute arguments (text), or NULL */
	int format;                /* content format override, or -1 for the automatic choice */
	uint32_t timeout_ms;       /* 0: LW_OP_DEFAULT_TIMEOUT_MS */
};

/*
 * A terminal result. status is 0 when the client answered (code holds the
 * CoAP code, success or error), or LW_ETIMEDOUT, LW_ECANCELED, LW_ENOSPC
 * (queue full), LW_ENOENT (endpoint not registered), LW_ENOTSUP (no codec
 * for the format), LW_EINVAL (a bad request, or an answer that cannot be
 * decoded: code then holds the answer's code), LW_EPROTO (RST), LW_ENOMEM.
 * Pointers are valid only during the callback.
 */
struct lw_op_result {
	uint64_t id;
	int kind;
	const char *endpoint;
	lw_path path; /* the first path */
	int status;
	uint8_t code;
	int content_format;       /* of the answer's payload, -1 when none */
	const lw_records *records; /* decoded data (Read, Observe, composites), or NULL */
	const lw_links *links;     /* Discover, or NULL */
	const char *location;      /* Create: the new instance's path ("/3303/1"), or NULL */
	const char *message;       /* why, for errors of ours; NULL otherwise */
	uint64_t replaces;         /* an Observe re-issued after a new Register: the id of
	                            * the observation it re-establishes; 0 otherwise */
};

typedef void (*lw_op_cb)(void *arg, const struct lw_op_result *res);

/* "2.05", "timeout", "queue-full", ...: the `status` of operation events. */
const char *lw_op_status_text(int status, uint8_t code, char buf[5]);

/*
 * Counters for GET /metrics, kept by the loop thread in fixed storage: one
 * operation costs a few increments and never an allocation.
 *
 * Finished operations by (kind, status) live in a small open-addressed
 * table: a status key is the CoAP code (0..255) of an answer, or 256 + one
 * of our own statuses (timeout, cancelled, ...). A slot with n == 0 is free.
 * Durations (submit to end, waiting included) go into one histogram per
 * kind with the bounds of lw_op_duration_le_ms.
 */
#define LW_OPSTAT_SLOTS 256
#define LW_OP_DURATION_BUCKETS 14
extern const uint32_t lw_op_duration_le_ms[LW_OP_DURATION_BUCKETS];

struct lw_opstat {
	uint8_t kind;
	uint16_t status; /* status key, see above */
	unsigned long long n;
};

struct lw_op_stats {
	struct lw_opstat by_status[LW_OPSTAT_SLOTS];
	unsigned long long by_status_lost; /* the table was full (never in practice) */
	/* per kind: [i] counts durations <= le_ms[i] and > le_ms[i-1]; the last, the rest */
	unsigned long long dur_bucket[LW_OP_KIND_COUNT][LW_OP_DURATION_BUCKETS + 1];
	unsigned long long dur_count[LW_OP_KIND_COUNT];
	unsigned long long dur_sum_ms[LW_OP_KIND_COUNT];
	unsigned long long pending;         /* queued now, waiting and in flight */
	unsigned long long notifications;   /* notifications of a known observation */
	unsigned long long notifications_dropped; /* of those: stale or undecodable */
	unsigned long long reobserved;      /* Observes re-issued after a new Register */
	unsigned long long reobserve_skipped; /* observations not re-issued: object gone */
};

/* The status text of a status key of struct lw_opstat. */
const char *lw_op_stat_status(uint16_t key, char buf[5]);

struct lw_observation;

/*
 * What the store is told (storage/persist.c), so that observations and the
 * operations waiting for a sleeping device survive a restart. observation:
 * one was established (added 1: its fields are final) or ended while its
 * registration goes on (added 0; the end of a registration drops them all
 * without a call). queued: an operation waits for a sleeping device
 * (deadline in wall-clock seconds); unqueued: it left the queue (sent, or
 * ended), not called while the server stops, so that what waited is still
 * waiting after a restart.
 */
struct lw_ops_store_hooks {
	void (*observation)(void *ctx, const struct lw_client *c, const struct lw_observation *ob,
	                    int added);
	void (*queued)(void *ctx, const struct lw_client *c, uint64_t id,
	               const struct lw_op_request *req, double deadline);
	void (*unqueued)(void *ctx, const struct lw_client *c, uint64_t id);
	void *ctx;
};

struct lw_operations {
	const struct lw_ops_store_hooks *store; /* NULL: nothing is kept */
	struct lw_coap_engine *coap;
	struct lw_registry *reg;
	struct lw_events *events; /* may be NULL */
	const lw_model *model;    /* may be NULL: codecs fall back to what they carry */
	struct lw_timers *timers;
	struct lw_htable by_id;   /* every live operation */
	struct lw_client_ops *states; /* every per-client state, for shutdown */
	uint64_t next_id;
	uint32_t awake_s; /* queue mode: reachable this long after a message */
	/* After a new Register of a known endpoint, observe again what the old
	 * registration observed ([server] reobserve_on_register). 0 after
	 * lw_ops_init: the daemon sets it from its config. */
	int reobserve;
	unsigned long long done[LW_OP_KIND_COUNT];
	struct lw_op_stats stats;
};

struct lw_client;
/* Whether a queue-mode client is asleep (silent for awake_s): operations for
 * it wait in its queue until its next message. */
int lw_ops_client_asleep(const struct lw_operations *o, const struct lw_client *c);

/*
 * Hooks into the registry (wake and end of clients) and the engine
 * (notifications). One lw_operations per registry and engine. 0 or LW_ENOMEM.
 */
int lw_ops_init(struct lw_operations *o, struct lw_coap_engine *coap, struct lw_registry *reg,
                struct lw_events *events, const lw_model *model);
/* Ends every operation (LW_ECANCELED results) and observation; unhooks. */
void lw_ops_free(struct lw_operations *o);

/*
 * Submits an operation. cb runs exactly once with the result: later, or
 * already during this call when the operation cannot start (unknown
 * endpoint, queue full, bad request); the return value then is that status,
 * otherwise 0. *id (if not NULL) gets the operation's id either way.
 */
int lw_ops_submit(struct lw_operations *o, const struct lw_op_request *req, lw_op_cb cb,
                  void *arg, uint64_t *id);
/* Cancels an operation: its callback runs with LW_ECANCELED. 0 or LW_ENOENT. */
int lw_ops_cancel(struct lw_operations *o, uint64_t id);
/* Forgets a caller's callback (an HTTP request that went away): the
 * operation goes on and still ends with its event. 0 or LW_ENOENT. */
int lw_ops_detach(struct lw_operations *o, uint64_t id);
/* Operations queued for a client (waiting and in flight). */
size_t lw_ops_pending(const struct lw_client *c);
/*
 * The client showed it is reachable (Register, Update, Notify, Send): sends
 * what waits for it. Called by the registry's hook and by observe.c and
 * send.c.
 */
void lw_ops_wake(struct lw_operations *o, struct lw_client *c);

/* ---- for observe.c ---- */

struct lw_observation;

/* The per-client state (queue and observations); NULL when out of memory. */
struct lw_client_ops *lw_ops_state(struct lw_operations *o, struct lw_client *c);
/* Frees c's state if it holds nothing any more (an observation went). */
void lw_ops_settle(struct lw_client *c);
/* The head of c's observation list (observe.c owns the list). */
struct lw_observation **lw_ops_observations(struct lw_client *c);

#endif
