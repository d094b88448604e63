/* lwm2m/path.c: LwM2M paths (see include/lwm2m/path.h). */
#include "lwm2m/path.h"

#include <stdio.h>

#include "lwm2m/error.h"

int lw_path_depth(const lw_path *p)
{
	if (p->oid == LW_ID_NONE)
		return 0;
	if (p->iid == LW_ID_NONE)
		return 1;
	if (p->rid == LW_ID_NONE)
		return 2;
	if (p->riid == LW_ID_NONE)
		return 3;
	return 4;
}

lw_path lw_path_make(int depth, uint16_t oid, uint16_t iid, uint16_t rid, uint16_t riid)
{
	lw_path p = LW_PATH_ROOT;
	if (depth >= 1)
		p.oid = oid;
	if (depth >= 2)
		p.iid = iid;
	if (depth >= 3)
		p.rid = rid;
	if (depth >= 4)
		p.riid = riid;
	return p;
}

static int fail(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return LW_EINVAL;
}

int lw_path_parse(const char *s, size_t len, lw_path *out, const char **why)
{
	uint16_t ids[4] = {LW_ID_NONE, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE};
	size_t i = 0;
	int n = 0;
	if (len == 0)
		return fail(why, "empty path");
	if (s[i] == '/')
		i++;
	while (i < len) {
		if (n == 4)
			return fail(why, "more than 4 levels");
		size_t start = i;
		unsigned long v = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned long)(s[i] - '0');
			if (v > 65534)
				return fail(why, "id above 65534");
			i++;
		}
		if (i == start)
			return fail(why, i < len && s[i] == '/' ? "empty level" : "not a number");
		if (i - start > 1 && s[start] == '0')
			return fail(why, "leading zero");
		ids[n++] = (uint16_t)v;
		if (i < len) {
			if (s[i] != '/')
				return fail(why, "not a number");
			i++; /* a trailing '/' is allowed: "/3/0/" */
		}
	}
	*out = (lw_path){ids[0], ids[1], ids[2], ids[3]};
	return 0;
}

int lw_path_format(const lw_path *p, char *out, size_t cap)
{
	int depth = lw_path_depth(p), n;
	const uint16_t ids[4] = {p->oid, p->iid, p->rid, p->riid};
	switch (depth) {
	case 0: n = snprintf(out, cap, "/"); break;
	case 1: n = snprintf(out, cap, "/%u", ids[0]); break;
	case 2: n = snprintf(out, cap, "/%u/%u", ids[0], ids[1]); break;
	case 3: n = snprintf(out, cap, "/%u/%u/%u", ids[0], ids[1], ids[2]); break;
	default: n = snprintf(out, cap, "/%u/%u/%u/%u", ids[0], ids[1], ids[2], ids[3]); break;
	}
	return n < 0 || (size_t)n >= cap ? LW_ENOSPC : n;
}

int lw_path_compare(const lw_path *a, const lw_path *b)
{
	/* LW_ID_NONE is 65535, above every id: map it to -1 so parents sort first. */
	const uint16_t x[4] = {a->oid, a->iid, a->rid, a->riid};
	const uint16_t y[4] = {b->oid, b->iid, b->rid, b->riid};
	for (int i = 0; i < 4; i++) {
		int u = x[i] == LW_ID_NONE ? -1 : x[i];
		int v = y[i] == LW_ID_NONE ? -1 : y[i];
		if (u != v)
			return u < v ? -1 : 1;
	}
	return 0;
}

int lw_path_equal(const lw_path *a, const lw_path *b)
{
	return a->oid == b->oid && a->iid == b->iid && a->rid == b->rid && a->riid == b->riid;
}

int lw_path_covers(const lw_path *prefix, const lw_path *p)
{
	const uint16_t x[4] = {prefix->oid, prefix->iid, prefix->rid, prefix->riid};
	const uint16_t y[4] = {p->oid, p->iid, p->rid, p->riid};
	for (int i = 0; i < 4; i++) {
		if (x[i] == LW_ID_NONE)
			return 1;
		if (x[i] != y[i])
			return 0;
	}
	return 1;
}
