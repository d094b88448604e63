/*
 * lwm2m/path.h: LwM2M paths /object/instance/resource/resource-instance.
 *
 * Each id is 16 bits; LW_ID_NONE (65535) marks a level that is absent, so
 * "/3/0" is {3, 0, NONE, NONE} and "/" is all NONE. A path never has a level
 * after an absent one. Plain values, no ownership.
 */
#ifndef LWM2M_PATH_H
#define LWM2M_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"

#define LW_ID_NONE UINT16_C(65535)

typedef struct lw_path {
	uint16_t oid, iid, rid, riid;
} lw_path;

#define LW_PATH_ROOT ((lw_path){LW_ID_NONE, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE})

/* How many levels are present: 0 (root) to 4. */
LW_API int lw_path_depth(const lw_path *p);
/* The path of depth n made of the given ids (unused ids ignored). */
LW_API lw_path lw_path_make(int depth, uint16_t oid, uint16_t iid, uint16_t rid, uint16_t riid);

/*
 * Parses "/3/0/1", "3/0/1", "/3303/0/5700/" or "/" (len bytes of s, which
 * need not be NUL-terminated). Ids are decimal 0 to 65534 without sign or
 * leading zeros (a lone "0" is fine). Returns 0, or LW_EINVAL with a short
 * reason in *why (a constant string) when why is not NULL.
 */
LW_API int lw_path_parse(const char *s, size_t len, lw_path *out, const char **why);
/* Writes "/3/0/1" (or "/" for the root) with a NUL; returns the length, or
 * LW_ENOSPC when cap is too small (LW_PATH_MAX_TEXT bytes always suffice). */
LW_API int lw_path_format(const lw_path *p, char *out, size_t cap);
#define LW_PATH_MAX_TEXT 25 /* "/65534/65534/65534/65534" and its NUL */

/* Orders paths level by level, absent before present (a parent sorts first). */
LW_API int lw_path_compare(const lw_path *a, const lw_path *b);
LW_API int lw_path_equal(const lw_path *a, const lw_path *b);
/* Whether prefix is p itself or one of its ancestors ("/3" covers "/3/0/1"). */
LW_API int lw_path_covers(const lw_path *prefix, const lw_path *p);

#endif
