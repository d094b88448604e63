/*
 * lwm2m/observe.h: observations (RFC 7641 as LwM2M uses it). An Observe
 * operation that the client accepts (2.05 with an Observe option) leaves an
 * observation on the client's record: its token, path(s) and format. Each
 * notification that later arrives with that token is decoded and published
 * as a `notification` event, unless RFC 7641 3.4 says it is older than the
 * last one. Forgetting an observation makes the next notification get RST
 * (passive cancel); the reactive cancel is an operation (ops.h).
 *
 * Observations live as long as the registration: an Update keeps them; a
 * new Register ends them (the client forgets them too: a Register starts a
 * new session), and with lw_operations.reobserve ops.c observes the same
 * targets again on the new registration (new token, new operation id, the
 * old id in `replaces`).
 */
#ifndef LW_LWM2M_OBSERVE_H
#define LW_LWM2M_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#include "coap/message.h"
#include "lwm2m/path.h"

struct lw_operations;
struct lw_client;
struct lw_coap_peer;

/* Observations one client may hold; an Observe past it fails (LW_ENOSPC). */
#define LW_OBS_MAX 32

struct lw_observation {
	struct lw_observation *next;
	uint64_t id;          /* the Observe operation that made it */
	uint64_t replaces;    /* re-established after a new Register: the
	                       * observation (id) of the old registration; or 0 */
	uint64_t seq_time_ms; /* when the newest notification came (engine clock) */
	uint32_t seq;         /* its Observe sequence number */
	int format;           /* the Accept asked for, or -1 */
	int req_format;       /* the Observe request's format override, or -1 */
	uint8_t composite;
	uint8_t token_len;
	uint8_t token[LW_COAP_MAX_TOKEN];
	uint16_t n_paths;
	lw_path paths[]; /* the target(s) */
};

/*
 * RFC 7641 3.4: whether a notification with sequence number v2 at time t2
 * (ms) is newer than the one with v1 at t1.
 */
int lw_observe_is_fresh(uint32_t v1, uint64_t t1, uint32_t v2, uint64_t t2);

/* Adds an observation, replacing one on the same path(s). 0, LW_ENOSPC or
 * LW_ENOMEM. */
int lw_observe_add(struct lw_operations *o, struct lw_client *c, uint64_t id, const lw_path *paths,
                   size_t n_paths, int composite, const uint8_t *token, size_t token_len,
                   uint32_t seq, int format);
/* The observation on exactly these path(s), or NULL. */
struct lw_observation *lw_observe_find(struct lw_client *c, const lw_path *paths,
                                       size_t n_paths, int composite);
/* Unlinks and frees ob (and tells the store, o->store). */
void lw_observe_remove(struct lw_operations *o, struct lw_client *c, struct lw_observation *ob);
/* Frees every observation of c (the client is going away). */
void lw_observe_drop_all(struct lw_client *c);
/* Passive cancel: forgets the observation of endpoint on path (the next
 * notification gets RST). 0 or LW_ENOENT. */
int lw_observe_forget(struct lw_operations *o, const char *endpoint, const lw_path *path);
/* Observations of a client now. */
size_t lw_observe_count(struct lw_client *c);
/*
 * The client's observations as a JSON array (REST API):
 * [{"id": 7, "paths": ["/3/0/9"], "composite": false, "format": 11542}],
 * with "replaces": OLD_ID for one re-established after a new Register.
 * A malloc'd string, or NULL when out of memory.
 */
char *lw_observe_list_json(struct lw_client *c);

/* The engine's hook for unmatched responses (ctx is the lw_operations). */
int lw_observe_on_notify(void *ctx, struct lw_coap_peer *peer, const struct lw_coap_msg *m);

#endif
