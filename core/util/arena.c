/* util/arena.c: the chunked bump allocator (see arena.h). */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

void *lw_arena_copy(struct lw_arena_chunk **a, const void *data, size_t len)
{
	size_t need = len + 1;
	struct lw_arena_chunk *c = *a;
	if (!c || c->size - c->used < need) {
		size_t size = need > CHUNK / 2 ? need : CHUNK;
		if (c && c->used == 0 && c->size >= need) {
			size = c->size;
		} else {
			struct lw_arena_chunk *n = malloc(sizeof(*n) + size);
			if (!n)
				return NULL;
			n->size = size;
			n->used = 0;
			n->next = c;
			*a = c = n;
		}
	}
	unsigned char *p = c->data + c->used;
	if (len)
		memcpy(p, data, len);
	p[len] = '\0';
	/* Keep 8-byte alignment for whoever reads numbers out of opaque data. */
	c->used += (need + 7) & ~(size_t)7;
	if (c->used > c->size)
		c->used = c->size;
	return p;
}

void lw_arena_clear(struct lw_arena_chunk **a)
{
	struct lw_arena_chunk *c = *a;
	if (!c)
		return;
	/* Keep the newest chunk (the one in use), free the older ones. */
	struct lw_arena_chunk *old = c->next;
	while (old) {
		struct lw_arena_chunk *next = old->next;
		free(old);
		old = next;
	}
	c->next = NULL;
	c->used = 0;
}

void lw_arena_free(struct lw_arena_chunk **a)
{
	while (*a) {
		struct lw_arena_chunk *next = (*a)->next;
		free(*a);
		*a = next;
	}
}
