/* lwm2m/links.c: link lists and their arena (see include/lwm2m/links.h). */
#include "lwm2m/links.h"

#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "util/arena.h"

void lw_links_init(lw_links *l)
{
	memset(l, 0, sizeof(*l));
}

static void free_attrs(lw_links *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].attrs);
}

void lw_links_clear(lw_links *l)
{
	free_attrs(l);
	l->n = 0;
	lw_arena_clear(&l->arena);
}

void lw_links_free(lw_links *l)
{
	free_attrs(l);
	free(l->items);
	lw_arena_free(&l->arena);
	l->items = NULL;
	l->n = l->cap = 0;
}

struct lw_link *lw_links_add(lw_links *l, const char *target, size_t len)
{
	if (l->max_items && l->n >= l->max_items)
		return NULL;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct lw_link *items = realloc(l->items, cap * sizeof(*items));
		if (!items)
			return NULL;
		l->items = items;
		l->cap = cap;
	}
	const char *t = lw_arena_copy(&l->arena, target, len);
	if (!t)
		return NULL;
	struct lw_link *k = &l->items[l->n++];
	memset(k, 0, sizeof(*k));
	k->target = t;
	k->is_path = lw_path_parse(t, len, &k->path, NULL) == 0;
	if (!k->is_path)
		k->path = LW_PATH_ROOT;
	return k;
}

int lw_links_add_attr(lw_links *l, const char *name, size_t name_len, const char *value,
                      size_t value_len, int quoted)
{
	if (l->n == 0)
		return LW_EINVAL;
	struct lw_link *k = &l->items[l->n - 1];
	/* The capacity is implied: 4, doubled each time it fills up. */
	size_t n_now = k->n_attrs;
	if (n_now == 0 || (n_now >= 4 && (n_now & (n_now - 1)) == 0)) {
		struct lw_link_attr *a = realloc(k->attrs, (n_now ? n_now * 2 : 4) * sizeof(*a));
		if (!a)
			return LW_ENOMEM;
		k->attrs = a;
	}
	const char *n = lw_arena_copy(&l->arena, name, name_len);
	const char *v = value ? lw_arena_copy(&l->arena, value, value_len) : NULL;
	if (!n || (value && !v))
		return LW_ENOMEM;
	k->attrs[k->n_attrs++] = (struct lw_link_attr){n, v, quoted};
	return 0;
}

static const struct lw_link_attr *find(const struct lw_link *k, const char *name)
{
	for (size_t i = 0; i < k->n_attrs; i++)
		if (strcmp(k->attrs[i].name, name) == 0)
			return &k->attrs[i];
	return NULL;
}

const char *lw_link_attr(const struct lw_link *k, const char *name)
{
	const struct lw_link_attr *a = find(k, name);
	return a ? a->value : NULL;
}

int lw_link_has_attr(const struct lw_link *k, const char *name)
{
	return find(k, name) != NULL;
}
