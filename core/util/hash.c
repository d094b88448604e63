/*
 * util/hash.c: the table behind every keyed lookup of the core (peers,
 * exchanges, deduplication) and a fast keyed hash for short keys.
 */
#include "util/hash.h"

#include <gnutls/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

static uint64_t hash_seed = 0x9e3779b97f4a7c15ull;

void lw_hash_seed(void)
{
	uint64_t s;
	if (gnutls_rnd(GNUTLS_RND_NONCE, &s, sizeof(s)) == 0)
		hash_seed = s | 1;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	/* 64x64->128 multiply folded: strong enough diffusion for table indexes. */
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t lw_hash(const void *data, size_t len, uint64_t extra)
{
	const uint8_t *p = data;
	/* extra is mixed on its own first: xored straight into the state it could
	 * cancel against the first word of data (peer pointers and message ids
	 * differing in the same low bits collided wholesale). */
	uint64_t h = mix(hash_seed ^ extra, 0xa0761d6478bd642full) ^ (len * 0x9e3779b97f4a7c15ull);
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = mix(h ^ w, 0xe7037ed1a0b428dbull);
		p += 8;
		len -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, len);
	h = mix(h ^ w, 0x8ebc6af09c88c6e3ull);
	return mix(h, 0x589965cc75374cc3ull);
}

int lw_htable_init(struct lw_htable *t, size_t initial)
{
	size_t n = 16;
	while (n < initial)
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		return LW_ENOMEM;
	t->mask = n - 1;
	t->count = 0;
	return 0;
}

void lw_htable_free(struct lw_htable *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->mask = 0;
	t->count = 0;
}

static void grow(struct lw_htable *t)
{
	size_t n = (t->mask + 1) * 2;
	struct lw_hnode **b = calloc(n, sizeof(*b));
	if (!b)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		struct lw_hnode *node = t->buckets[i];
		while (node) {
			struct lw_hnode *next = node->next;
			size_t j = node->hash & (n - 1);
			node->next = b[j];
			b[j] = node;
			node = next;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

void lw_htable_insert(struct lw_htable *t, struct lw_hnode *n, uint64_t hash)
{
	if (t->count > t->mask)
		grow(t);
	n->hash = hash;
	struct lw_hnode **head = &t->buckets[hash & t->mask];
	n->next = *head;
	*head = n;
	t->count++;
}

void lw_htable_remove(struct lw_htable *t, struct lw_hnode *n)
{
	for (struct lw_hnode **pp = &t->buckets[n->hash & t->mask]; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->count--;
			return;
		}
	}
}
