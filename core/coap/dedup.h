/*
 * coap/dedup.h: the deduplication cache of RFC 7252 4.5. Every CON and NON
 * message received is remembered by (peer, message id) for EXCHANGE_LIFETIME
 * (CON) or NON_LIFETIME (NON), with the bytes we answered a CON with, so a
 * retransmitted request gets the same answer without running its handler again.
 *
 * All entries of one kind live equally long, so insertion order is expiry
 * order: two FIFO lists replace any timer per entry, and expiry only ever
 * looks at the heads. The cache is bounded (dedup_max); when full, the oldest
 * entry is dropped early, which only shortens the window for the oldest
 * exchange: a fleet storm degrades the cache, never the server's memory.
 */
#ifndef LW_COAP_DEDUP_H
#define LW_COAP_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "util/hash.h"

struct lw_coap_peer;

struct lw_coap_dedup_entry {
	struct lw_hnode node;
	struct lw_coap_dedup_entry *fifo_next;
	struct lw_coap_peer *peer;
	uint64_t expires;
	uint16_t mid;
	uint8_t con;
	uint16_t resp_len; /* 0: nothing to repeat (NON, or still being answered) */
	uint8_t resp[];
};

struct lw_coap_dedup {
	struct lw_htable table;
	struct lw_coap_dedup_entry *head[2], *tail[2]; /* [0] NON, [1] CON */
	uint64_t lifetime[2];
	size_t max;
	unsigned long long evicted;
};

int lw_coap_dedup_init(struct lw_coap_dedup *d, size_t max, uint64_t con_lifetime_ms,
                       uint64_t non_lifetime_ms);
void lw_coap_dedup_free(struct lw_coap_dedup *d);
struct lw_coap_dedup_entry *lw_coap_dedup_find(struct lw_coap_dedup *d,
                                               const struct lw_coap_peer *p, uint16_t mid);
/* Remembers (p, mid) with the answer to repeat (len may be 0). */
int lw_coap_dedup_add(struct lw_coap_dedup *d, struct lw_coap_peer *p, uint16_t mid, int con,
                      const uint8_t *resp, size_t len, uint64_t now);
size_t lw_coap_dedup_expire(struct lw_coap_dedup *d, uint64_t now);
static inline size_t lw_coap_dedup_count(const struct lw_coap_dedup *d)
{
	return d->table.count;
}

#endif
