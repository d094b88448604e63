/* coap/peer.c: the peer table (see peer.h). */
#include "coap/peer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

/* Hashes only what identifies an address: family, port and IP. */
static uint64_t addr_hash(const struct lw_coap_endpoint *ep, const struct lw_coap_addr *a)
{
	uint64_t extra = (uint64_t)(uintptr_t)ep;
	if (a->u.sa.sa_family == AF_INET) {
		uint8_t k[6];
		memcpy(k, &a->u.in.sin_addr, 4);
		memcpy(k + 4, &a->u.in.sin_port, 2);
		return lw_hash(k, sizeof(k), extra);
	}
	uint8_t k[22];
	memcpy(k, &a->u.in6.sin6_addr, 16);
	memcpy(k + 16, &a->u.in6.sin6_port, 2);
	memcpy(k + 18, &a->u.in6.sin6_scope_id, 4);
	return lw_hash(k, sizeof(k), extra);
}

static int addr_eq(const struct lw_coap_addr *a, const struct lw_coap_addr *b)
{
	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return 0;
	if (a->u.sa.sa_family == AF_INET)
		return a->u.in.sin_port == b->u.in.sin_port &&
		       a->u.in.sin_addr.s_addr == b->u.in.sin_addr.s_addr;
	return a->u.in6.sin6_port == b->u.in6.sin6_port &&
	       a->u.in6.sin6_scope_id == b->u.in6.sin6_scope_id &&
	       memcmp(&a->u.in6.sin6_addr, &b->u.in6.sin6_addr, 16) == 0;
}

static void lru_unlink(struct lw_coap_peer *p)
{
	p->lru_prev->lru_next = p->lru_next;
	p->lru_next->lru_prev = p->lru_prev;
}

static void lru_append(struct lw_coap_peers *ps, struct lw_coap_peer *p)
{
	p->lru_prev = ps->lru.lru_prev;
	p->lru_next = &ps->lru;
	ps->lru.lru_prev->lru_next = p;
	ps->lru.lru_prev = p;
}

int lw_coap_peers_init(struct lw_coap_peers *ps, uint64_t idle_ms)
{
	memset(ps, 0, sizeof(*ps));
	ps->lru.lru_next = ps->lru.lru_prev = &ps->lru;
	ps->idle_ms = idle_ms;
	ps->mid_seed = (uint16_t)lw_hash(&ps, sizeof(ps), 0);
	return lw_htable_init(&ps->table, 1024);
}

void lw_coap_peers_free(struct lw_coap_peers *ps)
{
	struct lw_coap_peer *p = ps->lru.lru_next;
	while (p != &ps->lru) {
		struct lw_coap_peer *next = p->lru_next;
		free(p);
		p = next;
	}
	ps->lru.lru_next = ps->lru.lru_prev = &ps->lru;
	lw_htable_free(&ps->table);
}

struct lw_coap_peer *lw_coap_peer_find(struct lw_coap_peers *ps, struct lw_coap_endpoint *ep,
                                       const struct lw_coap_addr *addr)
{
	uint64_t h = addr_hash(ep, addr);
	for (struct lw_hnode *n = lw_htable_bucket(&ps->table, h); n; n = n->next) {
		struct lw_coap_peer *p = LW_CONTAINER_OF(n, struct lw_coap_peer, node);
		if (n->hash == h && p->ep == ep && addr_eq(&p->addr, addr))
			return p;
	}
	return NULL;
}

void lw_coap_peer_touch(struct lw_coap_peers *ps, struct lw_coap_peer *p, uint64_t now)
{
	p->last_seen = now;
	if (ps->lru.lru_prev != p) {
		lru_unlink(p);
		lru_append(ps, p);
	}
}

struct lw_coap_peer *lw_coap_peer_get(struct lw_coap_peers *ps, struct lw_coap_endpoint *ep,
                                      const struct lw_coap_addr *addr, uint64_t now)
{
	struct lw_coap_peer *p = lw_coap_peer_find(ps, ep, addr);
	if (p) {
		lw_coap_peer_touch(ps, p, now);
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ep = ep;
	p->addr = *addr;
	p->last_seen = now;
	/* RFC 7252 4.4: start message ids at a random-looking point. */
	p->next_mid = (uint16_t)(ps->mid_seed + (uint16_t)addr_hash(ep, addr));
	lw_htable_insert(&ps->table, &p->node, addr_hash(ep, addr));
	lru_append(ps, p);
	return p;
}

size_t lw_coap_peers_expire(struct lw_coap_peers *ps, uint64_t now)
{
	size_t gone = 0;
	/* Look at no more peers than exist, so held peers moved to the back are
	 * not looked at twice in one pass. */
	for (size_t budget = ps->table.count; budget > 0; budget--) {
		struct lw_coap_peer *p = ps->lru.lru_next;
		if (p == &ps->lru || p->last_seen + ps->idle_ms > now)
			break;
		if (p->refs || p->n_dedup || p->in_flight || p->wait_head) {
			/* Still in use: give it another idle period before looking again. */
			lw_coap_peer_touch(ps, p, now);
			continue;
		}
		lru_unlink(p);
		lw_htable_remove(&ps->table, &p->node);
		free(p);
		gone++;
	}
	return gone;
}

const char *lw_coap_addr_str(const struct lw_coap_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	if (a->u.sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->u.in.sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(a->u.in.sin_port));
	} else if (a->u.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->u.in6.sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(a->u.in6.sin6_port));
	} else {
		snprintf(buf, len, "(unknown address)");
	}
	return buf;
}
