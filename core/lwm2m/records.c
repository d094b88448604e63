/* lwm2m/records.c: the record list and its arena (see include/lwm2m/records.h). */
#include "lwm2m/records.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lwm2m/error.h"
#include "util/arena.h"

static const char *const type_names[] = {
	[LW_TYPE_NONE] = "none",       [LW_TYPE_STRING] = "string",   [LW_TYPE_INTEGER] = "integer",
	[LW_TYPE_UNSIGNED] = "unsigned", [LW_TYPE_FLOAT] = "float",   [LW_TYPE_BOOLEAN] = "boolean",
	[LW_TYPE_OPAQUE] = "opaque",   [LW_TYPE_TIME] = "time",       [LW_TYPE_OBJLNK] = "objlnk",
	[LW_TYPE_CORELNK] = "corelnk",
};

const char *lw_type_name(int type)
{
	if (type < 0 || type > LW_TYPE_CORELNK)
		return "none";
	return type_names[type];
}

int lw_type_parse(const char *name, size_t len)
{
	/* DDF spells "Unsigned Integer"; REST spells "unsigned". */
	if (len == 16 && strncasecmp(name, "Unsigned Integer", 16) == 0)
		return LW_TYPE_UNSIGNED;
	for (int t = 0; t <= LW_TYPE_CORELNK; t++)
		if (strlen(type_names[t]) == len && strncasecmp(name, type_names[t], len) == 0)
			return t;
	return -1;
}

void lw_records_init(lw_records *r)
{
	memset(r, 0, sizeof(*r));
}

void lw_records_clear(lw_records *r)
{
	r->n = 0;
	lw_arena_clear(&r->arena);
}

void lw_records_free(lw_records *r)
{
	free(r->items);
	lw_arena_free(&r->arena);
	r->items = NULL;
	r->n = r->cap = 0;
}

lw_record *lw_records_add(lw_records *r)
{
	if (r->max_items && r->n >= r->max_items)
		return NULL;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		lw_record *items = realloc(r->items, cap * sizeof(*items));
		if (!items)
			return NULL;
		r->items = items;
		r->cap = cap;
	}
	lw_record *rec = &r->items[r->n++];
	memset(rec, 0, sizeof(*rec));
	rec->path = LW_PATH_ROOT;
	return rec;
}

int lw_records_set_bytes(lw_records *r, lw_record *rec, const void *data, size_t len)
{
	void *copy = lw_arena_copy(&r->arena, data, len);
	if (!copy)
		return LW_ENOMEM;
	rec->v.s.data = copy;
	rec->v.s.len = len;
	return 0;
}

static int has_bytes(int type)
{
	return type == LW_TYPE_STRING || type == LW_TYPE_OPAQUE || type == LW_TYPE_CORELNK;
}

int lw_records_append_copy(lw_records *r, const lw_record *src)
{
	lw_record tmp = *src; /* src may point into r->items, which add may move */
	lw_record *rec = lw_records_add(r);
	if (!rec)
		return r->max_items && r->n >= r->max_items ? LW_ENOSPC : LW_ENOMEM;
	*rec = tmp;
	if (has_bytes(tmp.type))
		return lw_records_set_bytes(r, rec, tmp.v.s.data, tmp.v.s.len);
	return 0;
}

/* A stable sort: records at one path keep their order (a time series). */
void lw_records_sort(lw_records *r)
{
	size_t n = r->n;
	if (n < 2)
		return;
	lw_record *tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		/* Out of memory: insertion sort needs none. */
		for (size_t i = 1; i < n; i++) {
			lw_record x = r->items[i];
			size_t j = i;
			for (; j > 0 && lw_path_compare(&r->items[j - 1].path, &x.path) > 0; j--)
				r->items[j] = r->items[j - 1];
			r->items[j] = x;
		}
		return;
	}
	lw_record *src = r->items, *dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, k = lo;
			while (a < mid && b < hi)
				dst[k++] = lw_path_compare(&src[b].path, &src[a].path) < 0 ? src[b++]
				                                                           : src[a++];
			while (a < mid)
				dst[k++] = src[a++];
			while (b < hi)
				dst[k++] = src[b++];
		}
		lw_record *t = src;
		src = dst;
		dst = t;
	}
	if (src != r->items)
		memcpy(r->items, src, n * sizeof(*src));
	free(tmp);
}
