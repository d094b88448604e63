/*
 * codec-tlv/tlv.c: the OMA LwM2M TLV format (Core specification 7.4.3),
 * content format 11542 and the LwM2M 1.0 number 1542.
 *
 * A TLV carries only relative ids, so both directions work against the
 * request path (base): a Read of /3 is answered with Object Instance TLVs, of
 * /3/0 with Resource TLVs, of /3/0/6 with one (Multiple) Resource TLV, of
 * /3/0/6/1 with one Resource Instance TLV. Values carry no type: the object
 * model gives it, and a resource the model does not know decodes as opaque.
 *
 * Devices answer in more shapes than the specification prints, and the
 * decoder accepts those that cannot be misread (see README.md): a wrapper
 * TLV above the request path whose id matches it (a Read of /3/0/1 answered
 * with an Object Instance TLV holding the resource), and Resource TLVs
 * without an Object Instance TLV on a Read of a single-instance object. The
 * encoder writes the canonical shape only.
 *
 * Decoding is one pass over the bytes with no allocation beyond the records
 * and their arena; checking that sibling ids are unique costs nothing while
 * they come in ascending order (as every encoder writes them) and falls back
 * to a sorted key list otherwise.
 */
#include "tlv.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

/* Bits 7-6 of the type byte. */
enum { K_OI = 0, K_RI = 1, K_MR = 2, K_R = 3, K_PAYLOAD = -1 };

static const char *const kind_names[] = {
	[K_OI] = "object instance",
	[K_RI] = "resource instance",
	[K_MR] = "multiple resource",
	[K_R] = "resource",
};

/* Path level an id of this kind fills: 2 iid, 3 rid, 4 riid. */
static int kind_level(int kind)
{
	return kind == K_OI ? 2 : kind == K_RI ? 4 : 3;
}

static uint16_t path_id(const lw_path *p, int level)
{
	return level == 1 ? p->oid : level == 2 ? p->iid : level == 3 ? p->rid : p->riid;
}

static void path_set(lw_path *p, int level, uint16_t id)
{
	if (level == 2)
		p->iid = id;
	else if (level == 3)
		p->rid = id;
	else
		p->riid = id;
}

/* ---- decoding ---- */

struct tlv {
	int kind;
	uint16_t id;
	size_t start; /* offset of the type byte */
	size_t value; /* offset of the value */
	size_t len;
};

struct key {
	uint64_t key; /* level and ids: equal keys are the same node given twice */
	size_t off;
};

struct dec {
	const uint8_t *d;
	lw_path base;
	int depth; /* of base, 1 to 4 */
	const struct lw_object_def *obj;
	lw_records *out;
	struct lw_codec_error *err;
	int top_level;  /* path level of the payload's TLVs, 0 before the first */
	int unordered;  /* some sibling ids did not ascend: look for duplicates */
	int key_mode;   /* second walk: collect keys, no records */
	struct key *keys;
	size_t n_keys, cap_keys;
	uint16_t cached_rid; /* the last model lookup */
	int cached_type;
};

static void path_text(const lw_path *p, char *buf)
{
	if (lw_path_format(p, buf, LW_PATH_MAX_TEXT) < 0)
		strcpy(buf, "?");
}

static int is_int_width(size_t n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

static uint64_t read_be(const uint8_t *v, size_t n)
{
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | v[i];
	return x;
}

static int64_t read_signed(const uint8_t *v, size_t n)
{
	uint64_t x = read_be(v, n);
	if (n < 8 && (v[0] & 0x80))
		x |= ~UINT64_C(0) << (8 * n); /* sign extension */
	int64_t s;
	memcpy(&s, &x, sizeof(s)); /* two's complement without an implementation-defined cast */
	return s;
}

static int value_type(struct dec *dc, uint16_t rid)
{
	if (dc->cached_rid != rid || dc->cached_type < 0) {
		const struct lw_resource_def *rd = dc->obj ? lw_object_resource(dc->obj, rid) : NULL;
		dc->cached_rid = rid;
		dc->cached_type = rd ? rd->type : LW_TYPE_NONE;
	}
	return dc->cached_type;
}

static lw_record *add_record(struct dec *dc, size_t off, int *rc)
{
	lw_record *r = lw_records_add(dc->out);
	if (r)
		return r;
	if (dc->out->max_items && dc->out->n >= dc->out->max_items)
		*rc = lw_codec_fail(dc->err, off, "too many records (limit %zu)", dc->out->max_items);
	else
		*rc = LW_ENOMEM;
	return NULL;
}

static int width_fail(struct dec *dc, const struct tlv *t, const lw_path *p, const char *what,
                      const char *allowed)
{
	char pt[LW_PATH_MAX_TEXT];
	path_text(p, pt);
	return lw_codec_fail(dc->err, t->value, "%s: %s value of %zu byte%s (%s allowed)", pt, what,
	                     t->len, t->len == 1 ? "" : "s", allowed);
}

/* A Resource or Resource Instance TLV: one record, typed by the model. */
static int emit_value(struct dec *dc, const struct tlv *t, const lw_path *p)
{
	const uint8_t *v = dc->d + t->value;
	size_t n = t->len;
	int type = value_type(dc, p->rid), rc = 0;
	lw_record *r;

	switch (type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
	case LW_TYPE_UNSIGNED:
		if (!is_int_width(n))
			return width_fail(dc, t, p, lw_type_name(type), "1, 2, 4 or 8");
		if (!(r = add_record(dc, t->start, &rc)))
			return rc;
		if (type == LW_TYPE_UNSIGNED)
			r->v.u = read_be(v, n);
		else
			r->v.i = read_signed(v, n);
		break;
	case LW_TYPE_FLOAT:
		if (n != 4 && n != 8)
			return width_fail(dc, t, p, "float", "4 or 8");
		if (!(r = add_record(dc, t->start, &rc)))
			return rc;
		if (n == 4) {
			uint32_t x = (uint32_t)read_be(v, 4);
			float f;
			memcpy(&f, &x, sizeof(f));
			r->v.f = f;
		} else {
			uint64_t x = read_be(v, 8);
			memcpy(&r->v.f, &x, sizeof(r->v.f));
		}
		break;
	case LW_TYPE_BOOLEAN:
		if (n != 1)
			return width_fail(dc, t, p, "boolean", "1");
		if (v[0] > 1) {
			char pt[LW_PATH_MAX_TEXT];
			path_text(p, pt);
			return lw_codec_fail(dc->err, t->value, "%s: boolean byte 0x%02x (0 or 1 allowed)",
			                     pt, v[0]);
		}
		if (!(r = add_record(dc, t->start, &rc)))
			return rc;
		r->v.b = v[0] == 1;
		break;
	case LW_TYPE_OBJLNK:
		if (n != 4)
			return width_fail(dc, t, p, "objlnk", "4");
		if (!(r = add_record(dc, t->start, &rc)))
			return rc;
		r->v.l.oid = (uint16_t)read_be(v, 2);
		r->v.l.iid = (uint16_t)read_be(v + 2, 2);
		break;
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
	default:
		/* Unknown to the model (or executable): keep the bytes as opaque. */
		if (type != LW_TYPE_STRING && type != LW_TYPE_CORELNK)
			type = LW_TYPE_OPAQUE;
		if (!(r = add_record(dc, t->start, &rc)))
			return rc;
		if (lw_records_set_bytes(dc->out, r, v, n))
			return LW_ENOMEM;
		break;
	}
	r->path = *p;
	r->type = (uint8_t)type;
	return 0;
}

/* An empty Object Instance or Multiple Resource TLV: a record with no value
 * says the node exists (an instance with nothing readable, a resource with
 * no instances), so that it survives a round trip. */
static int emit_empty(struct dec *dc, const struct tlv *t, const lw_path *p)
{
	int rc = 0;
	lw_record *r = add_record(dc, t->start, &rc);
	if (!r)
		return rc;
	r->path = *p;
	r->type = LW_TYPE_NONE;
	return 0;
}

static int push_key(struct dec *dc, int level, const lw_path *p, size_t off)
{
	if (dc->n_keys == dc->cap_keys) {
		size_t cap = dc->cap_keys ? dc->cap_keys * 2 : 64;
		struct key *k = realloc(dc->keys, cap * sizeof(*k));
		if (!k)
			return LW_ENOMEM;
		dc->keys = k;
		dc->cap_keys = cap;
	}
	dc->keys[dc->n_keys++] = (struct key){
		(uint64_t)level << 48 | (uint64_t)p->iid << 32 | (uint64_t)p->rid << 16 | p->riid,
		off,
	};
	return 0;
}

/* Reads the header of the TLV at pos, inside [pos, end). */
static int read_tlv(struct dec *dc, size_t pos, size_t end, int parent, size_t parent_off,
                    struct tlv *t)
{
	const uint8_t *d = dc->d;
	size_t left = end - pos;
	uint8_t type = d[pos];
	size_t id_len = (type & 0x20) ? 2 : 1, len_len = (type >> 3) & 3;
	size_t hdr = 1 + id_len + len_len;

	if (left < hdr) {
		if (parent != K_PAYLOAD)
			return lw_codec_fail(dc->err, pos,
			                     "truncated TLV header (%zu of %zu bytes) inside the %s TLV "
			                     "at offset %zu",
			                     left, hdr, kind_names[parent], parent_off);
		if (pos > 0)
			return lw_codec_fail(dc->err, pos,
			                     "%zu trailing byte%s after the last TLV (not a whole "
			                     "%zu-byte TLV header)",
			                     left, left == 1 ? "" : "s", hdr);
		return lw_codec_fail(dc->err, pos, "truncated TLV header (%zu of %zu bytes)", left,
		                     hdr);
	}
	t->kind = type >> 6;
	t->start = pos;
	t->id = (uint16_t)read_be(d + pos + 1, id_len);
	if (t->id == LW_ID_NONE)
		return lw_codec_fail(dc->err, pos + 1, "identifier 65535 is reserved");
	/* With a length field, bits 2-0 have no meaning: ignored. */
	t->len = len_len ? (size_t)read_be(d + pos + 1 + id_len, len_len) : (size_t)(type & 7);
	t->value = pos + hdr;
	if (t->len > end - t->value) {
		if (parent == K_PAYLOAD)
			return lw_codec_fail(dc->err, pos,
			                     "TLV value of %zu bytes runs past the end of the payload "
			                     "(%zu left)",
			                     t->len, end - t->value);
		return lw_codec_fail(dc->err, pos,
		                     "TLV value of %zu bytes runs past the end of the %s TLV at "
		                     "offset %zu (%zu left)",
		                     t->len, kind_names[parent], parent_off, end - t->value);
	}
	return 0;
}

/* Whether a TLV of this kind may stand where it is; fills the child's path. */
static int check_place(struct dec *dc, const struct tlv *t, int parent, lw_path *p)
{
	int level = kind_level(t->kind);
	char pt[LW_PATH_MAX_TEXT];

	if (parent == K_MR) {
		if (t->kind != K_RI)
			return lw_codec_fail(dc->err, t->start,
			                     "%s TLV inside a multiple resource TLV (only resource "
			                     "instances go there)",
			                     kind_names[t->kind]);
	} else if (parent == K_OI) {
		if (t->kind == K_OI)
			return lw_codec_fail(dc->err, t->start,
			                     "object instance TLV inside an object instance TLV");
		if (t->kind == K_RI)
			return lw_codec_fail(dc->err, t->start,
			                     "resource instance TLV outside a multiple resource TLV");
	} else {
		if (t->kind == K_RI && dc->depth < 4)
			return lw_codec_fail(dc->err, t->start,
			                     "resource instance TLV outside a multiple resource TLV");
		if (t->kind != K_OI && dc->depth == 1) {
			/*
			 * Core 7.4.3 asks for Object Instance TLVs when the request
			 * names no instance. Early clients left them out for
			 * single-instance objects; with the model saying the object
			 * has one instance, that instance can only be 0.
			 */
			if (!dc->obj || dc->obj->multiple)
				return lw_codec_fail(dc->err, t->start,
				                     "%s TLV without an object instance TLV: object %u "
				                     "is %s",
				                     kind_names[t->kind], dc->base.oid,
				                     dc->obj ? "multi-instance" : "not in the model");
			p->iid = 0;
		}
		if (dc->top_level && dc->top_level != level)
			return lw_codec_fail(dc->err, t->start,
			                     "%s TLV next to TLVs of another level at the top of the "
			                     "payload",
			                     kind_names[t->kind]);
		dc->top_level = level;
	}
	if (t->kind == K_R && dc->depth == 4) {
		path_text(&dc->base, pt);
		return lw_codec_fail(dc->err, t->start,
		                     "single resource TLV where resource instance %s was requested",
		                     pt);
	}
	if (level <= dc->depth && t->id != path_id(&dc->base, level)) {
		path_text(&dc->base, pt);
		return lw_codec_fail(dc->err, t->start, "%s %u is outside the request path %s",
		                     kind_names[t->kind], t->id, pt);
	}
	path_set(p, level, t->id);
	return 0;
}

/* The TLVs of [pos, end), inside a TLV of kind parent (or the payload). */
static int walk(struct dec *dc, size_t pos, size_t end, int parent, size_t parent_off,
                lw_path path)
{
	int first = 1;
	uint16_t last = 0;

	while (pos < end) {
		struct tlv t = {0};
		lw_path p = path;
		int rc = read_tlv(dc, pos, end, parent, parent_off, &t);
		if (!rc)
			rc = check_place(dc, &t, parent, &p);
		if (rc)
			return rc;
		if (!first && t.id <= last)
			dc->unordered = 1;
		first = 0;
		last = t.id;
		if (dc->key_mode && (rc = push_key(dc, kind_level(t.kind), &p, t.start)))
			return rc;

		if (t.kind == K_OI || t.kind == K_MR) {
			if (t.len)
				rc = walk(dc, t.value, t.value + t.len, t.kind, t.start, p);
			else if (kind_level(t.kind) < dc->depth)
				rc = lw_codec_fail(dc->err, t.start,
				                   "empty %s TLV around the requested path",
				                   kind_names[t.kind]);
			else if (!dc->key_mode)
				rc = emit_empty(dc, &t, &p);
		} else if (!dc->key_mode) {
			rc = emit_value(dc, &t, &p);
		}
		if (rc)
			return rc;
		pos = t.value + t.len;
	}
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Sibling ids came out of order: walk again, collecting every node's key,
 * and report the first repeated node by position. */
static int check_duplicates(struct dec *dc, size_t len)
{
	int rc;

	dc->key_mode = 1;
	dc->top_level = 0;
	rc = walk(dc, 0, len, K_PAYLOAD, 0, dc->base);
	if (!rc && dc->n_keys > 1) {
		size_t worst = SIZE_MAX, at = 0;
		qsort(dc->keys, dc->n_keys, sizeof(*dc->keys), key_cmp);
		for (size_t i = 1; i < dc->n_keys; i++)
			if (dc->keys[i].key == dc->keys[i - 1].key && dc->keys[i].off < worst) {
				worst = dc->keys[i].off;
				at = i;
			}
		if (worst != SIZE_MAX) {
			uint64_t k = dc->keys[at].key;
			int level = (int)(k >> 48);
			unsigned id = (unsigned)(k >> (16 * (4 - level))) & 0xFFFF;
			rc = lw_codec_fail(dc->err, worst, "duplicate %s %u",
			                   level == 2 ? "object instance"
			                   : level == 3 ? "resource"
			                                : "resource instance",
			                   id);
		}
	}
	free(dc->keys);
	dc->keys = NULL;
	return rc;
}

static int tlv_decode(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
                      lw_records *out, struct lw_codec_error *err)
{
	struct dec dc;
	int rc;

	memset(&dc, 0, sizeof(dc));
	dc.depth = lw_path_depth(base);
	if (dc.depth < 1)
		return lw_codec_fail(err, 0, "TLV needs a request path with an object id");
	if (len && !data)
		return lw_codec_fail(err, 0, "no data");
	dc.d = data;
	dc.base = *base;
	dc.obj = m ? lw_model_object(m, base->oid, NULL) : NULL;
	dc.out = out;
	dc.err = err;
	dc.cached_type = -1;
	/* Levels the request path fixes are the TLVs' own (checked as they come). */
	rc = walk(&dc, 0, len, K_PAYLOAD, 0, dc.base);
	if (!rc && dc.unordered)
		rc = check_duplicates(&dc, len);
	return rc;
}

/* ---- encoding ---- */

struct item {
	lw_path path;
	uint32_t idx; /* in the caller's records, for error offsets and stability */
};

struct enc {
	const lw_record *r;
	const struct item *order; /* sorted view, or NULL when r is sorted */
	size_t n;
	lw_path base;
	int depth;
	const struct lw_object_def *obj;
	lw_buf *out;
	struct lw_codec_error *err;
};

static const lw_record *rec(const struct enc *e, size_t k)
{
	return e->order ? &e->r[e->order[k].idx] : &e->r[k];
}

static size_t orig(const struct enc *e, size_t k)
{
	return e->order ? e->order[k].idx : k;
}

static int rec_fail(const struct enc *e, size_t k, const char *why)
{
	char pt[LW_PATH_MAX_TEXT];
	path_text(&rec(e, k)->path, pt);
	return lw_codec_fail(e->err, orig(e, k), "record %s: %s", pt, why);
}

static size_t len_field(size_t len)
{
	return len < 8 ? 0 : len <= 0xFF ? 1 : len <= 0xFFFF ? 2 : 3;
}

static size_t tlv_size(uint16_t id, size_t len)
{
	return 1 + (id > 0xFF ? 2 : 1) + len_field(len) + len;
}

static int put_header(lw_buf *b, int kind, uint16_t id, size_t len)
{
	uint8_t h[6];
	size_t n = 1, lf = len_field(len);
	uint8_t type = (uint8_t)(kind << 6);

	if (id > 0xFF) {
		type |= 0x20;
		h[n++] = (uint8_t)(id >> 8);
	}
	h[n++] = (uint8_t)id;
	if (lf == 0)
		type |= (uint8_t)len;
	else
		type |= (uint8_t)(lf << 3);
	for (size_t i = lf; i > 0; i--)
		h[n++] = (uint8_t)(len >> (8 * (i - 1)));
	h[0] = type;
	return lw_buf_append(b, h, n);
}

/* Big-endian, in the fewest of 1, 2, 4 or 8 bytes that hold v. */
static size_t put_signed(uint8_t *buf, int64_t v)
{
	size_t n = v >= INT8_MIN && v <= INT8_MAX     ? 1
	           : v >= INT16_MIN && v <= INT16_MAX ? 2
	           : v >= INT32_MIN && v <= INT32_MAX ? 4
	                                              : 8;
	uint64_t x;
	memcpy(&x, &v, sizeof(x));
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
	return n;
}

static size_t put_unsigned(uint8_t *buf, uint64_t v)
{
	size_t n = v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : v <= 0xFFFFFFFF ? 4 : 8;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}

/* The value bytes of a record: into tmp, or pointing at its own bytes. */
static int value_bytes(const struct enc *e, size_t k, uint8_t tmp[8], const uint8_t **p,
                       size_t *n)
{
	const lw_record *r = rec(e, k);
	*p = tmp;
	switch (r->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		*n = put_signed(tmp, r->v.i);
		break;
	case LW_TYPE_UNSIGNED: {
		/*
		 * LwM2M 1.1 reads an Unsigned Integer TLV as unsigned, so 200
		 * fits one byte; a resource the model does not call unsigned
		 * may be read as signed, where 0xC8 would be -56: keep the top
		 * bit clear there.
		 */
		const struct lw_resource_def *rd =
			e->obj ? lw_object_resource(e->obj, r->path.rid) : NULL;
		if ((rd && rd->type == LW_TYPE_UNSIGNED) || r->v.u > (uint64_t)INT64_MAX)
			*n = put_unsigned(tmp, r->v.u);
		else
			*n = put_signed(tmp, (int64_t)r->v.u);
		break;
	}
	case LW_TYPE_FLOAT: {
		double d = r->v.f;
		uint64_t x;
		/* 4 bytes only when the single holds the exact value; the range
		 * test keeps the conversion defined. NaN never compares equal,
		 * so it keeps all 8 bytes of its payload. */
		if (!isfinite(d) || fabs(d) <= FLT_MAX) {
			float f = (float)d;
			if ((double)f == d) {
				uint32_t y;
				memcpy(&y, &f, sizeof(y));
				for (size_t i = 0; i < 4; i++)
					tmp[i] = (uint8_t)(y >> (8 * (3 - i)));
				*n = 4;
				break;
			}
		}
		memcpy(&x, &d, sizeof(x));
		for (size_t i = 0; i < 8; i++)
			tmp[i] = (uint8_t)(x >> (8 * (7 - i)));
		*n = 8;
		break;
	}
	case LW_TYPE_BOOLEAN:
		tmp[0] = r->v.b ? 1 : 0;
		*n = 1;
		break;
	case LW_TYPE_OBJLNK:
		tmp[0] = (uint8_t)(r->v.l.oid >> 8);
		tmp[1] = (uint8_t)r->v.l.oid;
		tmp[2] = (uint8_t)(r->v.l.iid >> 8);
		tmp[3] = (uint8_t)r->v.l.iid;
		*n = 4;
		break;
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		if (r->v.s.len > 0xFFFFFF)
			return rec_fail(e, k, "value longer than a TLV can carry (16 MiB)");
		*p = r->v.s.data;
		*n = r->v.s.len;
		break;
	default:
		return rec_fail(e, k, "no value to write");
	}
	return 0;
}

/* One value TLV (Resource or Resource Instance). */
static int put_value(const struct enc *e, size_t k, int kind, uint16_t id, int write,
                     size_t *size)
{
	uint8_t tmp[8];
	const uint8_t *p;
	size_t n;
	int rc = value_bytes(e, k, tmp, &p, &n);
	if (rc)
		return rc;
	*size += tlv_size(id, n);
	if (!write)
		return 0;
	if ((rc = put_header(e->out, kind, id, n)) || (n && (rc = lw_buf_append(e->out, p, n))))
		return rc;
	return 0;
}

/*
 * The records [a, b) of one resource: its Resource TLV, its Multiple
 * Resource TLV, or (request path of depth 4) its one Resource Instance TLV.
 * Adds the size to *size; writes when write is set.
 */
static int put_resource(const struct enc *e, size_t a, size_t b, int write, size_t *size)
{
	const lw_record *first = rec(e, a);
	uint16_t rid = first->path.rid;

	if (first->path.riid == LW_ID_NONE && first->type == LW_TYPE_NONE && b - a > 1)
		a++; /* "no instances" is moot when instances follow */
	first = rec(e, a);
	if (first->path.riid == LW_ID_NONE) {
		if (b - a > 1)
			return rec_fail(e, a, "given both as a single value and with instances");
		if (first->type != LW_TYPE_NONE)
			return put_value(e, a, K_R, rid, write, size);
		/* A resource without a value: the only TLV for it is an empty
		 * Multiple Resource TLV (what the decoder makes such records of). */
		*size += tlv_size(rid, 0);
		return write ? put_header(e->out, K_MR, rid, 0) : 0;
	}
	if (e->depth == 4)
		return put_value(e, a, K_RI, first->path.riid, write, size);

	size_t body = 0;
	int rc;
	for (size_t k = a; k < b; k++)
		if ((rc = put_value(e, k, K_RI, rec(e, k)->path.riid, 0, &body)))
			return rc;
	if (body > 0xFFFFFF)
		return rec_fail(e, a, "resource longer than a TLV can carry (16 MiB)");
	*size += tlv_size(rid, body);
	if (!write)
		return 0;
	if ((rc = put_header(e->out, K_MR, rid, body)))
		return rc;
	for (size_t k = a; k < b; k++) {
		size_t ignored = 0;
		if ((rc = put_value(e, k, K_RI, rec(e, k)->path.riid, 1, &ignored)))
			return rc;
	}
	return 0;
}

/* The resources of the records [a, b) of one instance. */
static int put_resources(const struct enc *e, size_t a, size_t b, int write, size_t *size)
{
	if (a < b && rec(e, a)->path.rid == LW_ID_NONE)
		a++; /* the instance's own record (no value): its resources say more */
	while (a < b) {
		size_t c = a + 1;
		uint16_t rid = rec(e, a)->path.rid;
		while (c < b && rec(e, c)->path.rid == rid)
			c++;
		int rc = put_resource(e, a, c, write, size);
		if (rc)
			return rc;
		a = c;
	}
	return 0;
}

/* An instance as an Object Instance TLV around its resources. */
static int put_instance(const struct enc *e, size_t a, size_t b)
{
	size_t body = 0;
	uint16_t iid = rec(e, a)->path.iid;
	int rc = put_resources(e, a, b, 0, &body);
	if (rc)
		return rc;
	if (body > 0xFFFFFF)
		return rec_fail(e, a, "object instance longer than a TLV can carry (16 MiB)");
	if ((rc = put_header(e->out, K_OI, iid, body)))
		return rc;
	return put_resources(e, a, b, 1, &body);
}

static int path_well_formed(const lw_path *p)
{
	int depth = lw_path_depth(p);
	return (depth < 2 || p->iid != LW_ID_NONE) && (depth >= 2 || p->iid == LW_ID_NONE) &&
	       (depth >= 3 || p->rid == LW_ID_NONE) && (depth >= 4 || p->riid == LW_ID_NONE);
}

/* What a record may be: under the request path, a resource (instance)
 * with a value, or an instance or resource with none. */
static int check_record(const struct enc *e, size_t k)
{
	const lw_record *r = rec(e, k);
	int depth = lw_path_depth(&r->path);

	if (!path_well_formed(&r->path))
		return rec_fail(e, k, "malformed path");
	if (!lw_path_covers(&e->base, &r->path)) {
		char pt[LW_PATH_MAX_TEXT], bt[LW_PATH_MAX_TEXT];
		path_text(&r->path, pt);
		path_text(&e->base, bt);
		return lw_codec_fail(e->err, orig(e, k), "record %s is outside the request path %s",
		                     pt, bt);
	}
	if (r->type > LW_TYPE_CORELNK)
		return rec_fail(e, k, "unknown type");
	if (r->type == LW_TYPE_NONE) {
		if (depth < 2 || depth > 3)
			return rec_fail(e, k, "no value to write");
	} else if (depth < 3) {
		return rec_fail(e, k, "a value above the resource level");
	}
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = lw_path_compare(&x->path, &y->path);
	return c ? c : x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int encode_sorted(struct enc *e)
{
	int rc;

	for (size_t k = 0; k < e->n; k++) {
		if ((rc = check_record(e, k)))
			return rc;
		if (k && lw_path_equal(&rec(e, k - 1)->path, &rec(e, k)->path))
			return rec_fail(e, k, "two values for one path (TLV carries one)");
	}
	if (e->n == 0)
		return 0;
	if (e->depth >= 3) {
		size_t ignored = 0;
		return put_resource(e, 0, e->n, 1, &ignored);
	}
	for (size_t a = 0; a < e->n;) {
		size_t b = a + 1;
		uint16_t iid = rec(e, a)->path.iid;
		while (b < e->n && rec(e, b)->path.iid == iid)
			b++;
		/*
		 * Request path /o: Object Instance TLVs. Request path /o/i:
		 * the Resource TLVs alone (Core 7.4.3.1), unless there are
		 * none and only the instance's empty record says it exists.
		 */
		if (e->depth == 1 || (b - a == 1 && rec(e, a)->path.rid == LW_ID_NONE)) {
			rc = put_instance(e, a, b);
		} else {
			size_t ignored = 0;
			rc = put_resources(e, a, b, 1, &ignored);
		}
		if (rc)
			return rc;
		a = b;
	}
	return 0;
}

static int tlv_encode(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
                      struct lw_codec_error *err)
{
	struct enc e = {
		.r = in->items,
		.n = in->n,
		.base = *base,
		.depth = lw_path_depth(base),
		.obj = m ? lw_model_object(m, base->oid, NULL) : NULL,
		.out = out,
		.err = err,
	};
	struct item *order = NULL;
	int rc;

	if (e.depth < 1)
		return lw_codec_fail(err, 0, "TLV needs a request path with an object id");
	if (in->n > UINT32_MAX)
		return lw_codec_fail(err, 0, "too many records");
	for (size_t k = 1; k < in->n; k++) {
		if (lw_path_compare(&in->items[k - 1].path, &in->items[k].path) > 0) {
			/* Unsorted: sort a view, keeping the caller's order of equals. */
			order = malloc(in->n * sizeof(*order));
			if (!order)
				return LW_ENOMEM;
			for (size_t i = 0; i < in->n; i++)
				order[i] = (struct item){in->items[i].path, (uint32_t)i};
			qsort(order, in->n, sizeof(*order), item_cmp);
			e.order = order;
			break;
		}
	}
	size_t len0 = out->len;
	rc = encode_sorted(&e);
	if (rc)
		out->len = len0;
	free(order);
	return rc;
}

const struct lw_codec lw_codec_tlv = {
	.content_format = LW_CF_TLV,
	.media_type = "application/vnd.oma.lwm2m+tlv",
	.name = "tlv",
	.decode = tlv_decode,
	.encode = tlv_encode,
};

const struct lw_codec lw_codec_tlv_legacy = {
	.content_format = LW_CF_TLV_LEGACY,
	.media_type = "application/vnd.oma.lwm2m+tlv",
	.name = "tlv-legacy",
	.decode = tlv_decode,
	.encode = tlv_encode,
};
