/*
 * util/hash.h: an intrusive chained hash table and a seeded hash function.
 *
 * Items embed a struct lw_hnode; the table never allocates items, only its
 * bucket array, which doubles when the load reaches 1. Lookup is open-coded
 * by the caller (walk lw_htable_bucket(), compare node->hash first, then the
 * key), so each table compares keys its own way without a callback.
 * Keys that come from the network (addresses, tokens) are hashed with a
 * per-process random seed so that nobody can aim collisions at one bucket.
 */
#ifndef LW_UTIL_HASH_H
#define LW_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

struct lw_hnode {
	struct lw_hnode *next;
	uint64_t hash;
};

struct lw_htable {
	struct lw_hnode **buckets;
	size_t mask; /* bucket count - 1 (a power of two) */
	size_t count;
};

/* initial is rounded up to a power of two (at least 16). 0 or LW_ENOMEM. */
int lw_htable_init(struct lw_htable *t, size_t initial);
void lw_htable_free(struct lw_htable *t);
/* Inserts n (not already in a table). Growth failure is not fatal: the
 * table just gets longer chains. */
void lw_htable_insert(struct lw_htable *t, struct lw_hnode *n, uint64_t hash);
/* Removes n, which must be in t. */
void lw_htable_remove(struct lw_htable *t, struct lw_hnode *n);

static inline struct lw_hnode *lw_htable_bucket(const struct lw_htable *t, uint64_t hash)
{
	return t->buckets[hash & t->mask];
}

/* Seeds lw_hash() once per process from the system's random source. */
void lw_hash_seed(void);
uint64_t lw_hash(const void *data, size_t len, uint64_t extra);

#define LW_CONTAINER_OF(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
