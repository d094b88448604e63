/*
 * coap/peer.h: the remote ends the engine talks to, one record per address
 * (and, later, per DTLS session), in a hash table so that finding the peer of
 * a datagram costs the same with ten peers or a million.
 *
 * Peers are kept in least-recently-seen order; an idle peer nobody holds is
 * forgotten after peer_idle_ms, checked from the cold end of that list only,
 * so expiry never scans the table.
 */
#ifndef LW_COAP_PEER_H
#define LW_COAP_PEER_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util/hash.h"

struct lw_coap_endpoint;
struct lw_coap_exchange;

struct lw_coap_addr {
	socklen_t len;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
};

struct lw_coap_peer {
	struct lw_hnode node;
	struct lw_coap_peer *lru_prev, *lru_next;
	struct lw_coap_endpoint *ep;
	struct lw_coap_addr addr;
	uint64_t last_seen; /* ms on the engine clock */
	uint32_t refs;      /* holders besides the table (registrations, exchanges) */
	uint16_t next_mid;
	uint16_t in_flight; /* our CONs awaiting their ACK (NSTART) */
	uint32_t n_dedup;   /* dedup entries that point here */
	struct lw_coap_exchange *wait_head, *wait_tail; /* held back by NSTART */
	void *user; /* the upper layer's state (the registration) */
};

struct lw_coap_peers {
	struct lw_htable table;
	struct lw_coap_peer lru; /* sentinel: lru.lru_next is the least recent */
	uint64_t idle_ms;
	uint16_t mid_seed;
};

int lw_coap_peers_init(struct lw_coap_peers *ps, uint64_t idle_ms);
/* Frees every peer, held or not (engine shutdown). */
void lw_coap_peers_free(struct lw_coap_peers *ps);
struct lw_coap_peer *lw_coap_peer_find(struct lw_coap_peers *ps, struct lw_coap_endpoint *ep,
                                       const struct lw_coap_addr *addr);
/* Finds or creates the peer and marks it seen now. NULL when out of memory. */
struct lw_coap_peer *lw_coap_peer_get(struct lw_coap_peers *ps, struct lw_coap_endpoint *ep,
                                      const struct lw_coap_addr *addr, uint64_t now);
void lw_coap_peer_touch(struct lw_coap_peers *ps, struct lw_coap_peer *p, uint64_t now);
static inline void lw_coap_peer_hold(struct lw_coap_peer *p)
{
	p->refs++;
}
static inline void lw_coap_peer_release(struct lw_coap_peer *p)
{
	p->refs--;
}
/* Forgets idle peers that nothing holds; returns how many. */
size_t lw_coap_peers_expire(struct lw_coap_peers *ps, uint64_t now);
static inline size_t lw_coap_peers_count(const struct lw_coap_peers *ps)
{
	return ps->table.count;
}
/* "127.0.0.1:5683" or "[::1]:5683". */
const char *lw_coap_addr_str(const struct lw_coap_addr *a, char *buf, size_t len);

#endif
