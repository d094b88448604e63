/*
 * codec-lwm2m-cbor/lwm2m_cbor.c: the LwM2M CBOR format of LwM2M 1.2 (Core
 * 7.4.7, content format 11544): one CBOR map whose keys are path ids
 * (object, instance, resource, resource instance) and whose values are either
 * maps of the next level or a resource's value. A key may also be an array of
 * ids standing for several levels at once, so {[3, 0, 9]: 95} and
 * {3: {0: {9: 95}}} say the same thing. Paths are always from the root.
 *
 * Values are plain CBOR items typed through the model, as in SenML CBOR:
 * integers, floats (any width), text (string, core link, and object links as
 * "oid:iid"), byte strings (opaque), booleans, and null for "no value" (a
 * Read-Composite or Write-Composite naming a path without a value). Time
 * values are integers; the tag 1 (epoch time) some encoders put on them is
 * accepted. The format has no time stamps, so records carrying one cannot be
 * encoded (use SenML CBOR for time series).
 *
 * Decoding walks the maps with the libcbor tokenizer of cbor_io.c (shared
 * with codec-senml-cbor), accepting definite and indefinite maps, arrays and
 * strings alike, as clients produce both. Encoding sorts a copy of the record
 * order, builds the nested maps by path and collapses every chain of levels
 * with a single child into one array key: never longer than the fully nested
 * form (shorter from three levels on), and shorter than the flat form of one
 * full-path key per value whenever paths share a prefix. Heads are always
 * the shortest.
 */
#include "lwm2m_cbor.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_io.h"
#include "lwm2m/error.h"

/* ---- decoding ---- */

struct seen {
	lw_path path;
	size_t at; /* offset of the key that named it */
};

struct dec {
	const lw_model *m;
	const lw_path *base; /* NULL: the root */
	lw_records *out;
	struct lw_codec_error *err;
	struct lwcb_reader r;
	struct seen *seen;
	size_t n_seen, cap_seen;
	struct lwcb_type_cache types;
};

static lw_path path_of(const uint16_t ids[4], int depth)
{
	return lw_path_make(depth, ids[0], ids[1], ids[2], ids[3]);
}

static int push_id(struct dec *d, uint16_t ids[4], int *depth)
{
	const struct lwcb_token *t = &d->r.tok;
	if (t->kind != LWCB_UINT)
		return lw_codec_fail(d->err, d->r.at, "a path id must be an unsigned integer, not %s",
		                     lwcb_kind_name(t->kind));
	if (t->u >= LW_ID_NONE)
		return lw_codec_fail(d->err, d->r.at, "path id %" PRIu64 " is above 65534", t->u);
	if (*depth == 4)
		return lw_codec_fail(d->err, d->r.at,
		                     "a path deeper than 4 levels (object, instance, resource, "
		                     "resource instance)");
	ids[(*depth)++] = (uint16_t)t->u;
	return 0;
}

/* A key: one id, or an array of ids for several levels. */
static int read_key(struct dec *d, uint16_t ids[4], int *depth)
{
	struct lwcb_reader *r = &d->r;
	int rc, start = *depth;

	switch (r->tok.kind) {
	case LWCB_UINT:
		return push_id(d, ids, depth);
	case LWCB_ARRAY:
		for (uint64_t i = r->tok.u; i > 0; i--)
			if ((rc = lwcb_next(r)) || (rc = push_id(d, ids, depth)))
				return rc;
		break;
	case LWCB_ARRAY_INDEF:
		for (;;) {
			if ((rc = lwcb_next(r)))
				return rc;
			if (r->tok.kind == LWCB_BREAK)
				break;
			if ((rc = push_id(d, ids, depth)))
				return rc;
		}
		break;
	default:
		return lw_codec_fail(d->err, r->at,
		                     "a key must be a path id or an array of ids, not %s",
		                     lwcb_kind_name(r->tok.kind));
	}
	if (*depth == start)
		return lw_codec_fail(d->err, r->at, "an empty array is not a path");
	return 0;
}

static int wrong_value(struct dec *d, size_t at, const char *what, int type)
{
	return lw_codec_fail(d->err, at, "%s for a resource of type %s", what, lw_type_name(type));
}

static int set_number(struct dec *d, lw_record *rec, int type, const struct lwcb_num *n,
                      size_t at)
{
	const char *why = lwcb_num_store(rec, type, n);
	if (!why)
		return 0;
	if (type != LW_TYPE_INTEGER && type != LW_TYPE_UNSIGNED && type != LW_TYPE_FLOAT &&
	    type != LW_TYPE_TIME && type != LW_TYPE_NONE)
		return wrong_value(d, at, "a number", type);
	return lw_codec_fail(d->err, at, "%s", why);
}

static int set_string(struct dec *d, lw_record *rec, int type, bool text, size_t at)
{
	const uint8_t *s;
	uint8_t *tmp;
	size_t len;
	int rc = lwcb_read_string(&d->r, &s, &len, &tmp);
	if (rc)
		return rc;
	if (!text) {
		if (type != LW_TYPE_OPAQUE && type != LW_TYPE_NONE) {
			rc = wrong_value(d, at, "a byte string", type);
			goto out;
		}
		rec->type = LW_TYPE_OPAQUE;
	} else if (type == LW_TYPE_OBJLNK) {
		rec->type = LW_TYPE_OBJLNK;
		if (lwcb_objlnk_parse(s, len, &rec->v.l))
			rc = lw_codec_fail(d->err, at, "object link \"%.*s\" is not \"oid:iid\"",
			                   (int)(len > 40 ? 40 : len), (const char *)s);
		goto out;
	} else {
		if (type == LW_TYPE_NONE || type == LW_TYPE_STRING)
			rec->type = LW_TYPE_STRING;
		else if (type == LW_TYPE_CORELNK)
			rec->type = LW_TYPE_CORELNK;
		else {
			rc = wrong_value(d, at, "a text string", type);
			goto out;
		}
		if (!lwcb_utf8_valid(s, len)) {
			rc = lw_codec_fail(d->err, at, "text string is not valid UTF-8");
			goto out;
		}
	}
	if (lw_records_set_bytes(d->out, rec, s, len))
		rc = lwcb_oom(d->err, at);
out:
	free(tmp);
	return rc;
}

static int leaf(struct dec *d, const uint16_t ids[4], int depth, size_t key_at)
{
	struct lwcb_reader *r = &d->r;
	size_t at = r->at;
	lw_path p = path_of(ids, depth);
	char text[LW_PATH_MAX_TEXT];
	struct lwcb_num num;
	int rc, type;

	if (r->tok.kind != LWCB_NULL && depth < 3) {
		lw_path_format(&p, text, sizeof(text));
		return lw_codec_fail(d->err, at,
		                     "a value at %s: values belong to resources and resource "
		                     "instances (null excepted)", text);
	}
	if (d->base && !lw_path_covers(d->base, &p)) {
		char b[LW_PATH_MAX_TEXT];
		lw_path_format(&p, text, sizeof(text));
		lw_path_format(d->base, b, sizeof(b));
		return lw_codec_fail(d->err, key_at, "%s is outside the request path %s", text, b);
	}
	lw_record *rec = lwcb_add_record(d->out, key_at, d->err, &rc);
	if (!rec)
		return rc;
	rec->path = p;
	if (d->n_seen == d->cap_seen) {
		size_t cap = d->cap_seen ? d->cap_seen * 2 : 32;
		struct seen *s = realloc(d->seen, cap * sizeof(*s));
		if (!s)
			return lwcb_oom(d->err, key_at);
		d->seen = s;
		d->cap_seen = cap;
	}
	d->seen[d->n_seen++] = (struct seen){p, key_at};
	if (r->tok.kind == LWCB_NULL)
		return 0; /* type none: a path without a value */

	type = lwcb_model_type(&d->types, &p);
	switch (r->tok.kind) {
	case LWCB_UINT:
	case LWCB_NEGINT:
	case LWCB_FLOAT:
		lwcb_read_num(r, &num);
		return set_number(d, rec, type, &num, at);
	case LWCB_TAG:
		if (r->tok.u == 4) {
			if ((rc = lwcb_read_num(r, &num)))
				return rc;
			return set_number(d, rec, type, &num, at);
		}
		if (r->tok.u != 1)
			return lw_codec_fail(d->err, at, "tag %" PRIu64 " is not allowed on a value",
			                     r->tok.u);
		/* Epoch time (RFC 8949 3.4.2): the time type unless the model says
		 * another numeric type. */
		if ((rc = lwcb_next(r)))
			return rc;
		if (r->tok.kind != LWCB_UINT && r->tok.kind != LWCB_NEGINT &&
		    r->tok.kind != LWCB_FLOAT)
			return lw_codec_fail(d->err, r->at, "tag 1 must be on a number, not %s",
			                     lwcb_kind_name(r->tok.kind));
		lwcb_read_num(r, &num);
		return set_number(d, rec, type == LW_TYPE_NONE ? LW_TYPE_TIME : type, &num, at);
	case LWCB_TEXT:
	case LWCB_TEXT_INDEF:
		return set_string(d, rec, type, true, at);
	case LWCB_BYTES:
	case LWCB_BYTES_INDEF:
		return set_string(d, rec, type, false, at);
	case LWCB_BOOL:
		if (type != LW_TYPE_BOOLEAN && type != LW_TYPE_NONE)
			return wrong_value(d, at, "a boolean", type);
		rec->type = LW_TYPE_BOOLEAN;
		rec->v.b = r->tok.b;
		return 0;
	case LWCB_BREAK:
		return lw_codec_fail(d->err, at, "a break where a value was expected");
	default:
		return lw_codec_fail(d->err, at, "a value cannot be %s", lwcb_kind_name(r->tok.kind));
	}
}

/* The map whose head is the current token, at path ids[0..depth). */
static int read_map(struct dec *d, const uint16_t ids[4], int depth)
{
	struct lwcb_reader *r = &d->r;
	bool indef = r->tok.kind == LWCB_MAP_INDEF;
	uint64_t n = r->tok.u;
	int rc;

	for (uint64_t i = 0; indef || i < n; i++) {
		uint16_t sub[4] = {ids[0], ids[1], ids[2], ids[3]};
		int sub_depth = depth;
		if ((rc = lwcb_next(r)))
			return rc;
		if (indef && r->tok.kind == LWCB_BREAK)
			break;
		size_t key_at = r->at;
		if ((rc = read_key(d, sub, &sub_depth)) || (rc = lwcb_next(r)))
			return rc;
		if (r->tok.kind == LWCB_MAP || r->tok.kind == LWCB_MAP_INDEF) {
			/* The path bounds the nesting: at most 4 maps below the top. */
			if (sub_depth == 4)
				return lw_codec_fail(d->err, r->at,
				                     "a map below a resource instance: paths have at "
				                     "most 4 levels");
			rc = read_map(d, sub, sub_depth);
		} else {
			rc = leaf(d, sub, sub_depth, key_at);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_seen(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;
	int c = lw_path_compare(&x->path, &y->path);
	if (c)
		return c;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* One value per path, and none inside another's: {[3,0,1]: 5, 3: {0: {1: 6}}}
 * names /3/0/1 twice through different keys, so this is checked on the paths,
 * not on the keys of each map. */
static int check_paths(struct dec *d)
{
	char a[LW_PATH_MAX_TEXT], b[LW_PATH_MAX_TEXT];
	if (d->n_seen < 2)
		return 0;
	qsort(d->seen, d->n_seen, sizeof(*d->seen), cmp_seen);
	for (size_t i = 1; i < d->n_seen; i++) {
		const struct seen *x = &d->seen[i - 1], *y = &d->seen[i];
		size_t at = x->at > y->at ? x->at : y->at;
		if (lw_path_equal(&x->path, &y->path)) {
			lw_path_format(&y->path, a, sizeof(a));
			return lw_codec_fail(d->err, at, "duplicate path %s", a);
		}
		if (lw_path_covers(&x->path, &y->path)) {
			lw_path_format(&y->path, a, sizeof(a));
			lw_path_format(&x->path, b, sizeof(b));
			return lw_codec_fail(d->err, at, "%s is inside %s, which has a value itself",
			                     a, b);
		}
	}
	return 0;
}

static int lwm2m_cbor_decode(const lw_model *m, const lw_path *base, const uint8_t *data,
                             size_t len, lw_records *out, struct lw_codec_error *err)
{
	static const uint16_t root[4] = {LW_ID_NONE, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE};
	struct dec d = {.m = m, .base = base, .out = out, .err = err, .types = {.m = m}};
	int rc;

	if (base && lw_path_depth(base) == 0)
		d.base = NULL;
	lwcb_init(&d.r, data, len, err);
	if ((rc = lwcb_next(&d.r)))
		return rc;
	if (d.r.tok.kind != LWCB_MAP && d.r.tok.kind != LWCB_MAP_INDEF)
		return lw_codec_fail(err, 0, "LwM2M CBOR is a map, not %s",
		                     lwcb_kind_name(d.r.tok.kind));
	rc = read_map(&d, root, 0);
	if (!rc && d.r.pos != len)
		rc = lw_codec_fail(err, d.r.pos, "%zu bytes after the end of the map", len - d.r.pos);
	if (!rc)
		rc = check_paths(&d);
	free(d.seen);
	return rc;
}

/* ---- encoding ---- */

struct enc {
	const lw_model *m;
	const lw_records *in;
	const size_t *order; /* indexes of in->items sorted by path */
	lw_buf *out;
	struct lwcb_type_cache types;
};

static uint16_t id_at(const lw_record *r, int level)
{
	const uint16_t ids[4] = {r->path.oid, r->path.iid, r->path.rid, r->path.riid};
	return ids[level];
}

#define REC(e, i) (&(e)->in->items[(e)->order[i]])

/*
 * What the model will type back needs no marking; what it will not gets
 * the mark CBOR has: a time outside a Time resource carries tag 1, a float
 * outside a Float resource stays a CBOR float even when integral.
 */
static int put_value(struct enc *e, const lw_record *r)
{
	char link[12];
	int rc;
	switch (r->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_CORELNK:
		return lwcb_put_text(e->out, r->v.s.data, r->v.s.len);
	case LW_TYPE_OPAQUE:
		return lwcb_put_bytes(e->out, r->v.s.data, r->v.s.len);
	case LW_TYPE_TIME:
		if (lwcb_model_type(&e->types, &r->path) != LW_TYPE_TIME && (rc = lwcb_put_tag(e->out, 1)))
			return rc;
		return lwcb_put_int(e->out, r->v.i);
	case LW_TYPE_INTEGER:
		return lwcb_put_int(e->out, r->v.i);
	case LW_TYPE_UNSIGNED:
		return lwcb_put_uint(e->out, r->v.u);
	case LW_TYPE_FLOAT:
		return lwcb_put_number(e->out, r->v.f, lwcb_model_type(&e->types, &r->path) == LW_TYPE_FLOAT);
	case LW_TYPE_BOOLEAN:
		return lwcb_put_bool(e->out, r->v.b);
	case LW_TYPE_OBJLNK:
		return lwcb_put_text(e->out, link, lwcb_objlnk_text(&r->v.l, link));
	default:
		return lwcb_put_null(e->out);
	}
}

/* The map of the sorted records [lo, hi), which share their first level ids. */
static int put_map(struct enc *e, size_t lo, size_t hi, int level)
{
	size_t children = 0, a, b;
	int rc;

	for (a = lo; a < hi; a = b) {
		uint16_t id = id_at(REC(e, a), level);
		for (b = a + 1; b < hi && id_at(REC(e, b), level) == id; b++)
			;
		children++;
	}
	if ((rc = lwcb_put_map(e->out, children)))
		return rc;
	for (a = lo; a < hi; a = b) {
		uint16_t key[4];
		int n = 0, lvl = level;
		key[n++] = id_at(REC(e, a), lvl++);
		for (b = a + 1; b < hi && id_at(REC(e, b), level) == key[0]; b++)
			;
		/* Follow the chain of levels with one child into a single key. */
		bool is_leaf;
		for (;;) {
			is_leaf = b - a == 1 && lw_path_depth(&REC(e, a)->path) == lvl;
			if (is_leaf || lvl == 4 || id_at(REC(e, a), lvl) != id_at(REC(e, b - 1), lvl))
				break;
			key[n++] = id_at(REC(e, a), lvl++);
		}
		if (n == 1) {
			rc = lwcb_put_uint(e->out, key[0]);
		} else {
			rc = lwcb_put_array(e->out, (size_t)n);
			for (int i = 0; !rc && i < n; i++)
				rc = lwcb_put_uint(e->out, key[i]);
		}
		if (!rc)
			rc = is_leaf ? put_value(e, REC(e, a)) : put_map(e, a, b, lvl);
		if (rc)
			return rc;
	}
	return 0;
}

/* A stable merge sort of record indexes by path (qsort has no context
 * argument in C11, and the codec must stay re-entrant). tmp holds n more. */
static void sort_order(const lw_records *in, size_t *order, size_t *tmp)
{
	size_t n = in->n, *src = order, *dst = tmp;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t x = lo, y = mid, k = lo;
			while (x < mid && y < hi)
				dst[k++] = lw_path_compare(&in->items[src[y]].path,
				                           &in->items[src[x]].path) < 0
				                   ? src[y++]
				                   : src[x++];
			while (x < mid)
				dst[k++] = src[x++];
			while (y < hi)
				dst[k++] = src[y++];
		}
		size_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != order)
		memcpy(order, src, n * sizeof(*order));
}

static int lwm2m_cbor_encode(const lw_model *m, const lw_path *base, const lw_records *in,
                             lw_buf *out, struct lw_codec_error *err)
{
	char a[LW_PATH_MAX_TEXT], b[LW_PATH_MAX_TEXT];
	int rc;

	(void)base; /* paths are always written from the root */
	rc = lwcb_check_records(in, "which LwM2M CBOR cannot carry (SenML CBOR can)", err);
	if (rc)
		return rc;
	if (in->n == 0) {
		rc = lwcb_put_map(out, 0);
		goto done;
	}
	if (in->n > SIZE_MAX / 2 / sizeof(size_t))
		return lwcb_oom(err, 0);
	size_t *order = malloc(2 * in->n * sizeof(*order));
	if (!order)
		return lwcb_oom(err, 0);
	for (size_t i = 0; i < in->n; i++)
		order[i] = i;
	sort_order(in, order, order + in->n);
	for (size_t i = 1; i < in->n; i++) {
		const lw_path *x = &in->items[order[i - 1]].path, *y = &in->items[order[i]].path;
		if (lw_path_covers(x, y)) {
			lw_path_format(y, a, sizeof(a));
			lw_path_format(x, b, sizeof(b));
			rc = lw_path_equal(x, y)
			             ? lw_codec_fail(err, order[i], "duplicate path %s (record %zu)", a,
			                             order[i])
			             : lw_codec_fail(err, order[i],
			                             "%s (record %zu) is inside %s, which has a value", a,
			                             order[i], b);
			free(order);
			return rc;
		}
	}
	struct enc e = {.m = m, .in = in, .order = order, .out = out, .types = {.m = m}};
	rc = put_map(&e, 0, in->n, 0);
	free(order);
done:
	return rc ? lwcb_output_failed(out, rc, err) : 0;
}

const struct lw_codec lw_codec_lwm2m_cbor = {
	.content_format = LW_CF_LWM2M_CBOR,
	.media_type = "application/vnd.oma.lwm2m+cbor",
	.name = "lwm2m-cbor",
	.decode = lwm2m_cbor_decode,
	.encode = lwm2m_cbor_encode,
};
