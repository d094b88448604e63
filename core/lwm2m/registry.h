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
	int64_t registered_at;     /* wall clock, seconds */
	int64_t last_seen;         /* wall clock, seconds */
	uint32_t lifetime;         /* seconds */
	uint8_t ver_major, ver_minor;
	uint8_t queue_mode;
	char binding[LW_REG_BINDING_MAX + 1];
	char id[LW_REG_ID_LEN + 1];
	char endpoint[]; /* NUL-terminated */
};

struct lw_registry {
	struct lw_htable by_ep, by_id;
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
/* "ip:port" of the client's peer into buf. */
const char *lw_client_address(const struct lw_client *c, char *buf, size_t len);

#endif
