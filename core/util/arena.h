/*
 * util/arena.h: bump allocation in chunks for the strings of records and
 * links: one free releases everything, and clear keeps the first chunk for
 * reuse, so decoding the next payload allocates nothing in the common case.
 */
#ifndef LW_UTIL_ARENA_H
#define LW_UTIL_ARENA_H

#include <stddef.h>

struct lw_arena_chunk {
	struct lw_arena_chunk *next;
	size_t used, size;
	unsigned char data[];
};

/* Copies len bytes (plus a NUL, so text can be used as a C string). */
void *lw_arena_copy(struct lw_arena_chunk **a, const void *data, size_t len);
void lw_arena_clear(struct lw_arena_chunk **a);
void lw_arena_free(struct lw_arena_chunk **a);

#endif
