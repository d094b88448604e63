/*
 * lwm2m/links.h: CoRE link format (RFC 6690) as data: what a Register
 * payload, an Update and a Discover answer carry. A link is a target
 * ("</3/0>") with attributes (";ver=1.1", ";pmin=10", ";rt=\"oma.lwm2m\"").
 *
 * Ownership: lw_links owns every string of its links (one arena, like
 * lw_records); pointers stay valid until lw_links_clear()/lw_links_free().
 */
#ifndef LWM2M_LINKS_H
#define LWM2M_LINKS_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/path.h"

struct lw_link_attr {
	const char *name;
	const char *value; /* NULL for an attribute without "=value" */
	int quoted;        /* the value was (and is written back) in quotes */
};

struct lw_link {
	const char *target; /* the URI between < and >, unescaped as written */
	lw_path path;       /* target as an LwM2M path, when is_path */
	int is_path;
	size_t n_attrs;
	struct lw_link_attr *attrs; /* in the order written */
};

struct lw_arena_chunk;

typedef struct lw_links {
	struct lw_link *items;
	size_t n, cap;
	struct lw_arena_chunk *arena;
	size_t max_items; /* 0: no limit */
} lw_links;

LW_API void lw_links_init(lw_links *l);
LW_API void lw_links_clear(lw_links *l);
LW_API void lw_links_free(lw_links *l);
/* Appends a link to target (copied; len bytes); sets path/is_path from it. */
LW_API struct lw_link *lw_links_add(lw_links *l, const char *target, size_t len);
/* Adds an attribute to the last link added; value may be NULL. */
LW_API int lw_links_add_attr(lw_links *l, const char *name, size_t name_len, const char *value,
                             size_t value_len, int quoted);
/* The value of attribute name of a link, or NULL (also for a valueless one:
 * use lw_link_has_attr to tell). */
LW_API const char *lw_link_attr(const struct lw_link *k, const char *name);
LW_API int lw_link_has_attr(const struct lw_link *k, const char *name);

#endif
