/*
 * lwm2m/registry.h: the registered LwM2M clients, found by endpoint name and
 * by registration id in O(1), each with its lifetime timer in the core's one
 * timer heap. It owns struct lw_client: the registration interface
 * (registration.c) and, later, the REST API and the operation queue read it.
 *
 * Memory is budgeted (< 1 KiB per client, DESIGN.md): a client keeps its
 * object list as compact (oid, iid, version) entries, never a parsed lw_links.
 *
 * Everything runs on the loop thread.
 */
#ifndef LW_LWM2M_REGISTRY_H
#define LW_LWM2M_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "timer.h"
#include "util/hash.h"

struct lw_coap_peer;
struct lw_events;

/* Registration ids: this many characters of [a-z0-9], about 50 random bits. */
#define LW_REG_ID_LEN 10
/* Longest binding text kept ("UQS" of 1.0 or "UT" of 1.1 and a margin). */
#define LW_REG_BINDING_MAX 7
#define LW_REG_DEFAULT_LIFETIME 86400u
#define LW_REG_NO_CT UINT16_C(0xffff)
/* Longest firmware version kept, in bytes; a longer one is cut there. */
#define LW_REG_FIRMWARE_MAX 64
/* Offline clients remembered (struct lw_gone): at most this many, for at
 * most this long; the oldest go first. */
#define LW_REG_GONE_MAX 100000
#define LW_REG_GONE_TTL_S (7 * 86400)

/* One entry of the object list: /oid (iid LW_ID_NONE) or /oid/iid. */
struct lw_reg_link {
	uint16_t oid, iid;
	uint8_t ver_major, ver_minor; /* the ver attribute; 0.0 when absent */
};

/* What a Register or Update says, parsed (registration.c fills it). */
struct lw_reg_objects {
	struct lw_reg_link *links; /* malloc'd; taken over by the registry */
	uint16_t n;
	char *root;    /* malloc'd alternate root path ("/lwm2m"), NULL for "/" */
	uint16_t ct;   /* the root's ct, LW_REG_NO_CT when absent */
};

struct lw_client_ops;

struct lw_client {
	struct lw_hnode by_ep, by_id;
	struct lw_client_ops *ops; /* queue and observations (ops.c); NULL until needed */
	struct lw_timer expiry;
	struct lw_registry *reg;
	struct lw_coap_peer *peer; /* held while registered; peer->user is us */
	struct lw_reg_objects objects;
	char *sms;                 /* malloc'd MSISDN, or NULL */
	/* The last /3/0/3 (Firmware Version) seen in a Read result, Notify or
	 * Send, malloc'd valid UTF-8 of at most LW_REG_FIRMWARE_MAX bytes, or
	 * NULL when none was seen. Kept across new registrations of the endpoint
	 * (it is the last value seen, not one checked at Register). */
	char *firmware;
	int64_t registered_at;     /* wall clock, seconds */
	int64_t last_seen;         /* wall clock, seconds */
	uint32_t lifetime;         /* seconds */
	uint8_t ver_major, ver_minor;
	uint8_t queue_mode;
	char binding[LW_REG_BINDING_MAX + 1];
	char id[LW_REG_ID_LEN + 1];
	char endpoint[]; /* NUL-terminated */
};

/*
 * A client that is gone: its registration expired (lifetime passed without
 * an Update) or it de-registered. The console shows these as "offline";
 * a new Register of the endpoint takes it back (and its firmware version).
 * What the registration said is kept (objects too: they move over from the
 * client, nothing is copied); not the address nor the SMS number.
 */
enum { LW_GONE_EXPIRED = 1, LW_GONE_DEREGISTERED = 2 };

struct lw_gone {
	struct lw_hnode by_ep;
	struct lw_gone *older, *newer; /* in order of going */
	struct lw_reg_objects objects;
	char *firmware;
	int64_t gone_at, registered_at, last_seen; /* wall clock, seconds */
	uint32_t lifetime;
	uint8_t ver_major, ver_minor, queue_mode, reason;
	char binding[LW_REG_BINDING_MAX + 1];
	char endpoint[];
};

struct lw_registry {
	struct lw_htable by_ep, by_id;
	/* Offline clients: by endpoint, and a list oldest first. */
	struct lw_htable gone_by_ep;
	struct lw_gone *gone_oldest, *gone_newest;
	size_t gone_count;
	size_t gone_max;    /* LW_REG_GONE_MAX unless a test sets it */
	int64_t gone_ttl_s; /* LW_REG_GONE_TTL_S unless a test sets it */
	struct lw_timers *timers;
	struct lw_events *events; /* may be NULL: no events */
	size_t count;
	/* Wall clock in seconds (time(NULL) unless a test sets it). */
	int64_t (*wall)(void *ctx);
	void *wall_ctx;
	/*
	 * The operation layer's hooks (ops.c), NULL when none. on_wake runs
	 * after a Register or an Update was applied and published (the client
	 * is reachable now). on_gone runs before a client is freed
	 * (de-registration, expiry, or replaced by a new registration of the
	 * same endpoint: then successor is the new client, not yet in the
	 * tables), so that it can end what hangs off c->ops.
	 */
	void (*on_wake)(void *ctx, struct lw_client *c);
	void (*on_gone)(void *ctx, struct lw_client *c, struct lw_client *successor);
	void *hook_ctx;
};

/* What a Register carries; strings need not outlive the call. */
struct lw_reg_params {
	const char *endpoint;
	uint32_t lifetime; /* 0: LW_REG_DEFAULT_LIFETIME (Register) or unchanged (Update) */
	uint8_t ver_major, ver_minor;
	const char *binding; /* NULL: "U" (Register) or unchanged (Update) */
	const char *sms;     /* NULL: none (Register) or unchanged (Update) */
	int queue;           /* the Q parameter was present */
	int has_objects;     /* objects is set (Update: a payload came) */
	struct lw_reg_objects objects; /* taken over by the registry on success */
};

int lw_registry_init(struct lw_registry *r, struct lw_timers *timers, struct lw_events *events);
/* Forgets every client without events: releases peers, cancels timers. */
void lw_registry_free(struct lw_registry *r);

struct lw_client *lw_registry_find_ep(const struct lw_registry *r, const char *endpoint);
struct lw_client *lw_registry_find_id(const struct lw_registry *r, const char *id, size_t len);

/*
 * Registers p->endpoint from peer, replacing an earlier registration of the
 * same endpoint (which ends without an event of its own: the new
 * registration event says "replaced"). Publishes a registration event.
 * Returns 0 and the client, or LW_ENOMEM (p->objects is then still the
 * caller's).
 */
int lw_registry_register(struct lw_registry *r, struct lw_reg_params *p,
                         struct lw_coap_peer *peer, struct lw_client **out);
/* What the store kept of a registration beside its Register parameters. */
struct lw_reg_saved {
	const char *id; /* LW_REG_ID_LEN characters */
	int64_t registered_at, last_seen;
	uint64_t remaining_ms; /* of its lifetime */
};

/*
 * Puts back a registration read from the store at start, with its id, times
 * and the rest of its lifetime: no event and no hooks (nothing happened to
 * the device). LW_EEXIST when the endpoint or the id is registered already
 * (a newer Register won), LW_ENOMEM; on failure p->objects is the caller's.
 */
int lw_registry_restore(struct lw_registry *r, struct lw_reg_params *p,
                        const struct lw_reg_saved *saved, struct lw_coap_peer *peer,
                        struct lw_client **out);
/* Applies an Update (from peer: it may have moved, NAT) and restarts the
 * lifetime. Publishes an update event. 0 or LW_ENOMEM. */
int lw_registry_update(struct lw_registry *r, struct lw_client *c, struct lw_reg_params *p,
                       struct lw_coap_peer *peer);
/* De-register: publishes a deregistration event and frees c. */
void lw_registry_deregister(struct lw_registry *r, struct lw_client *c);

/*
 * The client's fields as the inside of a JSON object (the members after
 * "endpoint" of the REST API's client and of the events). Returns a malloc'd
 * string or NULL.
 */
char *lw_client_json_fields(const struct lw_client *c);
/* The same for an offline client (without registrationId and address). */
char *lw_gone_json_fields(const struct lw_gone *g);
/* "expired" or "deregistered". */
const char *lw_gone_reason_name(int reason);
/* Forgets the offline clients older than gone_ttl_s (also done as others go). */
void lw_registry_gone_purge(struct lw_registry *r);
struct lw_gone *lw_registry_find_gone(const struct lw_registry *r, const char *endpoint);
/*
 * Keeps value (len bytes, not NUL-terminated) as c's firmware version:
 * bytes that are not valid UTF-8, and control characters, become '?', and
 * it is cut at LW_REG_FIRMWARE_MAX bytes. An empty value forgets it.
 * 0 or LW_ENOMEM. The registry calls it for every /3/0/3 of a Read result,
 * Notify or Send it sees on the event bus.
 */
int lw_client_set_firmware(struct lw_client *c, const void *value, size_t len);
/* "ip:port" of the client's peer into buf. */
const char *lw_client_address(const struct lw_client *c, char *buf, size_t len);

#endif
