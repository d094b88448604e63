/*
 * codec-senml-cbor/senml_cbor.c: SenML CBOR (RFC 8428 section 6, content
 * format 112) as LwM2M 1.1 uses it (Core 7.4.5): each record names one
 * resource or resource instance, bn + n being its path.
 *
 * Decoding is the hot path of a server taking in Send and Notify batches,
 * so it walks the CBOR once with the libcbor streaming tokenizer of
 * cbor_io.c, keeps names as pointers into the input, and costs one record
 * append, one path parse and (cached) one model lookup per record.
 *
 * Choices the RFC or LwM2M leave open, all documented in README.md:
 * - values are typed through the model; a resource the model does not know
 *   gets the CBOR type (integer, float, string, boolean, opaque, objlnk);
 * - base values (bn, bt, bv) hold until redefined; bt + t is stored as is,
 *   so times below 2^28 stay relative (RFC 8428 4.5.3) for the caller, which
 *   knows when the payload arrived, to resolve;
 * - bu, u, bs, s and ut are accepted and ignored (LwM2M has no use for them);
 * - a record with no value (Read-Composite, Observe-Composite requests)
 *   becomes a record of type none.
 */
#include "senml_cbor.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

/* ---- the SenML layer ---- */

enum vkind { VK_TEXT, VK_NUM, VK_UINT, VK_BOOL, VK_BYTES };

static const struct {
	const char *name;
	int8_t key; /* CBOR integer label (vlo has none) */
	uint8_t kind;
} labels[SL_COUNT] = {
	[SL_BVER] = {"bver", -1, VK_UINT}, [SL_BN] = {"bn", -2, VK_TEXT},
	[SL_BT] = {"bt", -3, VK_NUM},      [SL_BU] = {"bu", -4, VK_TEXT},
	[SL_BV] = {"bv", -5, VK_NUM},      [SL_BS] = {"bs", -6, VK_NUM},
	[SL_N] = {"n", 0, VK_TEXT},        [SL_U] = {"u", 1, VK_TEXT},
	[SL_V] = {"v", 2, VK_NUM},         [SL_VS] = {"vs", 3, VK_TEXT},
	[SL_VB] = {"vb", 4, VK_BOOL},      [SL_S] = {"s", 5, VK_NUM},
	[SL_T] = {"t", 6, VK_NUM},         [SL_UT] = {"ut", 7, VK_NUM},
	[SL_VD] = {"vd", 8, VK_BYTES},     [SL_VLO] = {"vlo", 0, VK_TEXT},
};

/* Integer label + 6 -> label (RFC 8428 Table 4 runs from -6 to 8). */
static const uint8_t by_key[15] = {
	SL_BS, SL_BV, SL_BU, SL_BT, SL_BN, SL_BVER, SL_N, SL_U,
	SL_V,  SL_VS, SL_VB, SL_S,  SL_T,  SL_UT,   SL_VD,
};

const char *senml_label_name(int label)
{
	return label >= 0 && label < SL_COUNT ? labels[label].name : "?";
}

static int label_of_key(struct lwcb_reader *r, size_t index, int *label)
{
	const struct lwcb_token *t = &r->tok;
	switch (t->kind) {
	case LWCB_UINT:
		if (t->u <= 8) {
			*label = by_key[t->u + 6];
			return 0;
		}
		return lw_codec_fail(r->err, r->at, "record %zu: unknown label %" PRIu64, index, t->u);
	case LWCB_NEGINT:
		if (t->u <= 5) {
			*label = by_key[5 - t->u];
			return 0;
		}
		/* The integer labels are conclusive (RFC 8428 section 6). */
		return lw_codec_fail(r->err, r->at, "record %zu: unknown label -%" PRIu64, index,
		                     t->u + 1);
	case LWCB_TEXT:
		if (t->len == 3 && memcmp(t->ptr, "vlo", 3) == 0) {
			*label = SL_VLO;
			return 0;
		}
		/* RFC 8428 4.4: a label ending in '_' must be understood. */
		if (t->len > 0 && t->ptr[t->len - 1] == '_')
			return lw_codec_fail(r->err, r->at,
			                     "record %zu: must-understand label \"%.*s\" is not supported",
			                     index, (int)(t->len > 40 ? 40 : t->len),
			                     (const char *)t->ptr);
		*label = -1; /* an extension: skip its value */
		return 0;
	case LWCB_TEXT_INDEF:
		return lw_codec_fail(r->err, r->at,
		                     "record %zu: indefinite-length strings are not allowed in "
		                     "SenML (RFC 8428 section 6)", index);
	default:
		return lw_codec_fail(r->err, r->at,
		                     "record %zu: a label must be an integer or a text string, not %s",
		                     index, lwcb_kind_name(t->kind));
	}
}

static int read_value(struct lwcb_reader *r, struct senml_rec *rec, int label, size_t index)
{
	const struct lwcb_token *t = &r->tok;
	int kind = labels[label].kind;
	int want;

	switch (kind) {
	case VK_NUM:
		return lwcb_read_num(r, &rec->val[label].num);
	case VK_UINT:
		if (t->kind != LWCB_UINT)
			return lw_codec_fail(r->err, r->at,
			                     "record %zu: %s must be an unsigned integer, not %s", index,
			                     labels[label].name, lwcb_kind_name(t->kind));
		rec->val[label].u = t->u;
		return 0;
	case VK_BOOL:
		if (t->kind != LWCB_BOOL)
			return lw_codec_fail(r->err, r->at, "record %zu: %s must be a boolean, not %s",
			                     index, labels[label].name, lwcb_kind_name(t->kind));
		rec->val[label].b = t->b;
		return 0;
	default:
		want = kind == VK_TEXT ? LWCB_TEXT : LWCB_BYTES;
		if (t->kind == want) {
			rec->val[label].s.ptr = t->ptr;
			rec->val[label].s.len = t->len;
			return 0;
		}
		if (t->kind == want + 2) /* the indefinite-length form of the same type */
			return lw_codec_fail(r->err, r->at,
			                     "record %zu: indefinite-length strings are not allowed in "
			                     "SenML (RFC 8428 section 6)", index);
		return lw_codec_fail(r->err, r->at, "record %zu: %s must be %s, not %s", index,
		                     labels[label].name, lwcb_kind_name(want),
		                     lwcb_kind_name(t->kind));
	}
}

static int read_record(struct lwcb_reader *r, struct senml_rec *rec, size_t index)
{
	int rc, label = -1;
	bool indef = r->tok.kind == LWCB_MAP_INDEF;
	uint64_t n = r->tok.u;

	if (r->tok.kind != LWCB_MAP && !indef)
		return lw_codec_fail(r->err, r->at, "record %zu is %s, not a map", index,
		                     lwcb_kind_name(r->tok.kind));
	rec->have = 0;
	rec->n_order = 0;
	rec->offset = r->at;
	for (uint64_t i = 0; indef || i < n; i++) {
		if ((rc = lwcb_next(r)))
			return rc;
		if (indef && r->tok.kind == LWCB_BREAK)
			break;
		if ((rc = label_of_key(r, index, &label)))
			return rc;
		if ((rc = lwcb_next(r)))
			return rc;
		if (label < 0) {
			/* pack array, record map, then this value: depth 3 */
			if ((rc = lwcb_skip(r, 3)))
				return rc;
			continue;
		}
		if (rec->have & SL_BIT(label))
			return lw_codec_fail(r->err, r->at, "record %zu: label %s appears twice", index,
			                     labels[label].name);
		rec->at[label] = r->at;
		if ((rc = read_value(r, rec, label, index)))
			return rc;
		rec->have |= SL_BIT(label);
		rec->order[rec->n_order++] = (uint8_t)label;
	}
	return 0;
}

int senml_read(const uint8_t *data, size_t len, senml_rec_fn fn, void *ctx,
               struct lw_codec_error *err)
{
	struct lwcb_reader r;
	struct senml_rec rec;
	int rc;

	lwcb_init(&r, data, len, err);
	if ((rc = lwcb_next(&r)))
		return rc;
	/* RFC 8428 section 6 wants a definite array except when streaming:
	 * both are read, so a streamed pack stored whole still decodes. */
	bool indef = r.tok.kind == LWCB_ARRAY_INDEF;
	if (r.tok.kind != LWCB_ARRAY && !indef)
		return lw_codec_fail(err, 0, "a SenML pack must be an array, not %s",
		                     lwcb_kind_name(r.tok.kind));
	uint64_t n = r.tok.u;
	for (uint64_t i = 0; indef || i < n; i++) {
		if ((rc = lwcb_next(&r)))
			return rc;
		if (indef && r.tok.kind == LWCB_BREAK)
			break;
		if ((rc = read_record(&r, &rec, (size_t)i)) || (rc = fn(ctx, &rec, (size_t)i)))
			return rc;
	}
	if (r.pos != len)
		return lw_codec_fail(err, r.pos, "%zu bytes after the end of the pack", len - r.pos);
	return 0;
}

void senml_add_str(struct senml_rec *rec, int label, const void *ptr, size_t len)
{
	rec->val[label].s.ptr = ptr;
	rec->val[label].s.len = len;
	rec->have |= SL_BIT(label);
	rec->order[rec->n_order++] = (uint8_t)label;
}

void senml_add_num(struct senml_rec *rec, int label, const struct lwcb_num *num)
{
	rec->val[label].num = *num;
	rec->have |= SL_BIT(label);
	rec->order[rec->n_order++] = (uint8_t)label;
}

int senml_write_rec(lw_buf *b, const struct senml_rec *rec)
{
	int rc = lwcb_put_map(b, rec->n_order);
	for (unsigned i = 0; !rc && i < rec->n_order; i++) {
		int l = rec->order[i];
		if (l == SL_VLO)
			rc = lwcb_put_text(b, "vlo", 3);
		else
			rc = lwcb_put_int(b, labels[l].key);
		if (rc)
			break;
		const struct lwcb_num *num = &rec->val[l].num;
		switch (labels[l].kind) {
		case VK_TEXT:
			rc = lwcb_put_text(b, rec->val[l].s.ptr, rec->val[l].s.len);
			break;
		case VK_BYTES:
			rc = lwcb_put_bytes(b, rec->val[l].s.ptr, rec->val[l].s.len);
			break;
		case VK_UINT:
			rc = lwcb_put_uint(b, rec->val[l].u);
			break;
		case VK_BOOL:
			rc = lwcb_put_bool(b, rec->val[l].b);
			break;
		default:
			if (num->is_float)
				rc = lwcb_put_float(b, num->f);
			else if (num->neg)
				rc = lwcb_put_negint(b, num->mag);
			else
				rc = lwcb_put_uint(b, num->mag);
		}
	}
	return rc;
}

/* ---- the LwM2M codec: decoding ---- */

/* The longest name that can be a path: "/65534/65534/65534/65534/". */
#define NAME_MAX_LEN 25

struct dec {
	const lw_model *m;
	const lw_path *base;
	lw_records *out;
	struct lw_codec_error *err;
	struct senml_str bn;
	bool have_bt, have_bv;
	double bt;
	struct lwcb_num bv;
	struct lwcb_type_cache types;
};

/* bv + v (RFC 8428 4.5.2): exact for integers that fit, a double otherwise. */
static struct lwcb_num add_base_value(const struct lwcb_num *bv, const struct lwcb_num *v)
{
	struct lwcb_num sum = {.is_float = 1};
	if (!bv->is_float && !v->is_float && bv->mag <= INT64_MAX && v->mag <= INT64_MAX) {
		int64_t a = bv->neg ? -1 - (int64_t)bv->mag : (int64_t)bv->mag;
		int64_t b = v->neg ? -1 - (int64_t)v->mag : (int64_t)v->mag;
		int64_t s;
		if (!__builtin_add_overflow(a, b, &s)) {
			sum.is_float = 0;
			sum.neg = s < 0;
			sum.mag = s < 0 ? (uint64_t)(-(s + 1)) : (uint64_t)s;
			return sum;
		}
	}
	sum.f = lwcb_num_double(bv) + lwcb_num_double(v);
	return sum;
}

static int resolve_name(struct dec *d, const struct senml_rec *rec, size_t index, lw_path *path)
{
	const struct senml_str *n = rec->have & SL_BIT(SL_N) ? &rec->val[SL_N].s : NULL;
	size_t bl = d->bn.len, nl = n ? n->len : 0;
	char name[NAME_MAX_LEN];
	const char *why;

	if (bl + nl == 0) {
		/* Lenient: a lone value addressed to the request's resource. */
		if (d->base && lw_path_depth(d->base) >= 3) {
			*path = *d->base;
			return 0;
		}
		return lw_codec_fail(d->err, rec->offset, "record %zu has no name (neither bn nor n)",
		                     index);
	}
	if (bl + nl > NAME_MAX_LEN) {
		why = "too long";
		goto bad;
	}
	if (bl)
		memcpy(name, d->bn.ptr, bl);
	if (nl)
		memcpy(name + bl, n->ptr, nl);
	if (lw_path_parse(name, bl + nl, path, &why) == 0) {
		if (lw_path_depth(path) > 0)
			return 0;
		why = "the root names no object";
	}
bad:
	return lw_codec_fail(d->err, rec->offset, "record %zu: name \"%.*s%.*s\" is not an LwM2M path (%s)",
	                     index, (int)(bl > 40 ? 40 : bl), (const char *)d->bn.ptr,
	                     (int)(nl > 40 ? 40 : nl), n ? (const char *)n->ptr : "", why);
}

static int wrong_value(struct dec *d, size_t at, size_t index, const char *what, int type)
{
	return lw_codec_fail(d->err, at, "record %zu: %s for a resource of type %s", index, what,
	                     lw_type_name(type));
}

static int set_value(struct dec *d, const struct senml_rec *rec, size_t index, lw_record *r,
                     uint32_t which)
{
	int type = lwcb_model_type(&d->types, &r->path);
	const struct senml_str *s;
	size_t at;

	switch (which) {
	case SL_BIT(SL_V): {
		struct lwcb_num v = rec->val[SL_V].num;
		if (d->have_bv)
			v = add_base_value(&d->bv, &v);
		const char *why = lwcb_num_store(r, type, &v);
		if (!why)
			return 0;
		if (type != LW_TYPE_INTEGER && type != LW_TYPE_UNSIGNED && type != LW_TYPE_FLOAT &&
		    type != LW_TYPE_TIME && type != LW_TYPE_NONE)
			return wrong_value(d, rec->at[SL_V], index, "a number (v)", type);
		return lw_codec_fail(d->err, rec->at[SL_V], "record %zu: %s", index, why);
	}
	case SL_BIT(SL_VB):
		if (type != LW_TYPE_BOOLEAN && type != LW_TYPE_NONE)
			return wrong_value(d, rec->at[SL_VB], index, "a boolean (vb)", type);
		r->type = LW_TYPE_BOOLEAN;
		r->v.b = rec->val[SL_VB].b;
		return 0;
	case SL_BIT(SL_VD):
		if (type != LW_TYPE_OPAQUE && type != LW_TYPE_NONE)
			return wrong_value(d, rec->at[SL_VD], index, "opaque data (vd)", type);
		r->type = LW_TYPE_OPAQUE;
		s = &rec->val[SL_VD].s;
		break;
	case SL_BIT(SL_VLO):
		if (type != LW_TYPE_OBJLNK && type != LW_TYPE_NONE)
			return wrong_value(d, rec->at[SL_VLO], index, "an object link (vlo)", type);
		s = &rec->val[SL_VLO].s;
		r->type = LW_TYPE_OBJLNK;
		if (lwcb_objlnk_parse(s->ptr, s->len, &r->v.l))
			return lw_codec_fail(d->err, rec->at[SL_VLO],
			                     "record %zu: vlo \"%.*s\" is not \"oid:iid\"", index,
			                     (int)(s->len > 40 ? 40 : s->len), (const char *)s->ptr);
		return 0;
	default: /* vs */
		s = &rec->val[SL_VS].s;
		at = rec->at[SL_VS];
		if (type == LW_TYPE_OBJLNK) {
			/* Lenient: some clients put object links in vs. */
			r->type = LW_TYPE_OBJLNK;
			if (lwcb_objlnk_parse(s->ptr, s->len, &r->v.l))
				return wrong_value(d, at, index, "a string (vs) that is not \"oid:iid\"",
				                   type);
			return 0;
		}
		if (type == LW_TYPE_NONE || type == LW_TYPE_STRING)
			r->type = LW_TYPE_STRING;
		else if (type == LW_TYPE_CORELNK)
			r->type = LW_TYPE_CORELNK;
		else
			return wrong_value(d, at, index, "a string (vs)", type);
		if (!lwcb_utf8_valid(s->ptr, s->len))
			return lw_codec_fail(d->err, at, "record %zu: vs is not valid UTF-8", index);
		break;
	}
	if (lw_records_set_bytes(d->out, r, s->ptr, s->len)) {
		lw_codec_fail(d->err, rec->offset, "out of memory");
		return LW_ENOMEM;
	}
	return 0;
}

#define VALUE_BITS \
	(SL_BIT(SL_V) | SL_BIT(SL_VS) | SL_BIT(SL_VB) | SL_BIT(SL_VD) | SL_BIT(SL_VLO))

static int on_record(void *ctx, const struct senml_rec *rec, size_t index)
{
	struct dec *d = ctx;
	uint32_t have = rec->have;
	lw_path path;
	int rc;

	if ((have & SL_BIT(SL_BVER)) && rec->val[SL_BVER].u > 10)
		return lw_codec_fail(d->err, rec->at[SL_BVER],
		                     "record %zu: SenML version %" PRIu64 " is newer than 10", index,
		                     rec->val[SL_BVER].u);
	if (have & SL_BIT(SL_BN))
		d->bn = rec->val[SL_BN].s;
	if (have & SL_BIT(SL_BT)) {
		d->bt = lwcb_num_double(&rec->val[SL_BT].num);
		d->have_bt = true;
	}
	if (have & SL_BIT(SL_BV)) {
		d->bv = rec->val[SL_BV].num;
		d->have_bv = true;
	}
	if ((rc = resolve_name(d, rec, index, &path)))
		return rc;
	if (d->base && !lw_path_covers(d->base, &path)) {
		char a[LW_PATH_MAX_TEXT], b[LW_PATH_MAX_TEXT];
		lw_path_format(&path, a, sizeof(a));
		lw_path_format(d->base, b, sizeof(b));
		return lw_codec_fail(d->err, rec->offset, "record %zu: %s is outside the request path %s",
		                     index, a, b);
	}
	uint32_t value = have & VALUE_BITS;
	if (value & (value - 1))
		return lw_codec_fail(d->err, rec->offset, "record %zu has more than one value", index);
	if (value && lw_path_depth(&path) < 3) {
		char a[LW_PATH_MAX_TEXT];
		lw_path_format(&path, a, sizeof(a));
		return lw_codec_fail(d->err, rec->offset,
		                     "record %zu: a value needs a resource path, not %s", index, a);
	}
	lw_record *r = lwcb_add_record(d->out, rec->offset, d->err, &rc);
	if (!r)
		return rc;
	r->path = path;
	if (value && (rc = set_value(d, rec, index, r, value)))
		return rc;
	if (have & SL_BIT(SL_T)) {
		double t = lwcb_num_double(&rec->val[SL_T].num);
		r->has_time = 1;
		r->time = d->have_bt ? d->bt + t : t;
	} else if (d->have_bt) {
		r->has_time = 1;
		r->time = d->bt;
	}
	return 0;
}

static int senml_cbor_decode(const lw_model *m, const lw_path *base, const uint8_t *data,
                             size_t len, lw_records *out, struct lw_codec_error *err)
{
	struct dec d = {.m = m, .base = base, .out = out, .err = err, .types = {.m = m}};
	if (base && lw_path_depth(base) == 0)
		d.base = NULL; /* the root covers everything */
	return senml_read(data, len, on_record, &d, err);
}

/* ---- the LwM2M codec: encoding ---- */

struct bn_choice {
	char text[LW_PATH_MAX_TEXT + 1];
	size_t len;  /* 0: no bn */
	bool full;   /* bn is every record's whole path: no n at all */
};

static size_t text_cost(size_t len)
{
	return lwcb_head_size(len) + len;
}

/* The length of lwcb_path_text(p) without writing it. */
static size_t text_len(const lw_path *p)
{
	const uint16_t ids[4] = {p->oid, p->iid, p->rid, p->riid};
	size_t len = 0;
	for (int i = 0; i < 4 && ids[i] != LW_ID_NONE; i++)
		len += 2 + (ids[i] >= 10) + (ids[i] >= 100) + (ids[i] >= 1000) + (ids[i] >= 10000);
	return len ? len : 1;
}

/*
 * bn is whichever of these makes the pack shortest: none, the request path
 * (as the Core spec's examples use it: "/3/0/" for a Read of /3/0, "/3/0/0"
 * alone for a resource), the longest common prefix ending in '/', or the one
 * path every record has. Ties go to the request path, then to no bn.
 */
static void choose_bn(const lw_path *base, const lw_records *in, struct bn_choice *c)
{
	char first[LW_PATH_MAX_TEXT], t[LW_PATH_MAX_TEXT];
	size_t n = in->n, fl, common, cost_none = 0, best;
	bool same = true;

	c->len = 0;
	c->full = false;
	if (n == 0)
		return;
	fl = lwcb_path_text(&in->items[0].path, first);
	common = fl;
	for (size_t i = 0; i < n; i++) {
		size_t l = lwcb_path_text(&in->items[i].path, t), k = 0;
		cost_none += 1 + text_cost(l);
		while (k < common && k < l && t[k] == first[k])
			k++;
		common = k;
		if (l != fl || k != fl)
			same = false;
	}
	best = cost_none;

	size_t cut = common;
	while (cut > 1 && first[cut - 1] != '/')
		cut--;
	size_t cost_cut = 1 + text_cost(cut);
	for (size_t i = 0; i < n; i++)
		cost_cut += 1 + text_cost(text_len(&in->items[i].path) - cut);
	if (cost_cut < best) {
		best = cost_cut;
		memcpy(c->text, first, cut);
		c->len = cut;
	}
	if (same && 1 + text_cost(fl) < best) {
		best = 1 + text_cost(fl);
		memcpy(c->text, first, fl);
		c->len = fl;
		c->full = true;
	}

	int bd = base ? lw_path_depth(base) : 0;
	if (bd == 0)
		return;
	bool all_equal = true, any_equal = false;
	for (size_t i = 0; i < n; i++) {
		const lw_path *p = &in->items[i].path;
		if (!lw_path_covers(base, p))
			return;
		bool eq = lw_path_equal(base, p);
		any_equal |= eq;
		all_equal &= eq;
	}
	char b[LW_PATH_MAX_TEXT + 1];
	size_t bl = lwcb_path_text(base, b), cost;
	if (all_equal && bd >= 3) {
		if (1 + text_cost(bl) <= best) {
			memcpy(c->text, b, bl);
			c->len = bl;
			c->full = true;
		}
		return;
	}
	if (any_equal)
		return;
	b[bl++] = '/';
	cost = 1 + text_cost(bl);
	for (size_t i = 0; i < n; i++)
		cost += 1 + text_cost(text_len(&in->items[i].path) - bl);
	if (cost <= best) {
		memcpy(c->text, b, bl);
		c->len = bl;
		c->full = false;
	}
}

/* Equal to the bit, so that -0.0 and 0.0 stay apart (NaN never matches). */
static bool same_time(double a, double b)
{
	return a == b && signbit(a) == signbit(b);
}

static struct lwcb_num num_of(double v)
{
	struct lwcb_num n = {.is_float = 1, .f = v};
	if (isfinite(v) && v == trunc(v) && !(v == 0 && signbit(v)) && v >= -9223372036854775808.0 &&
	    v < 18446744073709551616.0) {
		n.is_float = 0;
		n.neg = v < 0;
		if (v < 0) {
			int64_t iv = (int64_t)v;
			n.mag = (uint64_t)(-(iv + 1));
		} else {
			n.mag = (uint64_t)v;
		}
	}
	return n;
}

/*
 * bt is the first record's time when every record has one and writing the
 * others relative to it is exact and shorter (a time series); otherwise each
 * record carries its own t, and records without a time carry none.
 */
static bool choose_bt(const lw_records *in, double *bt)
{
	size_t n = in->n, with = 0, without = 0;
	if (n < 2)
		return false;
	*bt = in->items[0].time;
	for (size_t i = 0; i < n; i++) {
		const lw_record *r = &in->items[i];
		if (!r->has_time)
			return false;
		double dt = r->time - *bt;
		if (!same_time(*bt + dt, r->time))
			return false;
		without += 1 + lwcb_number_size(r->time, true);
		if (!same_time(r->time, *bt))
			with += 1 + lwcb_number_size(dt, true);
	}
	with += 1 + lwcb_number_size(*bt, true);
	return with < without;
}

static int senml_cbor_encode(const lw_model *m, const lw_path *base, const lw_records *in,
                             lw_buf *out, struct lw_codec_error *err)
{
	struct bn_choice bn;
	struct senml_rec rec;
	char text[LW_PATH_MAX_TEXT], link[12];
	struct lwcb_type_cache types = {.m = m};
	double bt = 0;
	bool use_bt;
	int rc = lwcb_check_records(in, NULL, err);

	if (rc)
		return rc;
	choose_bn(base, in, &bn);
	use_bt = choose_bt(in, &bt);

	if ((rc = lwcb_put_array(out, in->n)))
		goto nospace;
	for (size_t i = 0; i < in->n; i++) {
		const lw_record *r = &in->items[i];
		struct lwcb_num num;
		rec.have = 0;
		rec.n_order = 0;
		if (i == 0 && bn.len)
			senml_add_str(&rec, SL_BN, bn.text, bn.len);
		if (i == 0 && use_bt) {
			num = num_of(bt);
			senml_add_num(&rec, SL_BT, &num);
		}
		size_t l = lwcb_path_text(&r->path, text);
		if (!bn.full)
			senml_add_str(&rec, SL_N, text + bn.len, l - bn.len);
		switch (r->type) {
		case LW_TYPE_STRING:
		case LW_TYPE_CORELNK:
			senml_add_str(&rec, SL_VS, r->v.s.data, r->v.s.len);
			break;
		case LW_TYPE_OPAQUE:
			senml_add_str(&rec, SL_VD, r->v.s.data, r->v.s.len);
			break;
		case LW_TYPE_OBJLNK:
			senml_add_str(&rec, SL_VLO, link, lwcb_objlnk_text(&r->v.l, link));
			break;
		case LW_TYPE_BOOLEAN:
			rec.val[SL_VB].b = r->v.b;
			rec.have |= SL_BIT(SL_VB);
			rec.order[rec.n_order++] = SL_VB;
			break;
		case LW_TYPE_INTEGER:
		case LW_TYPE_TIME:
			num = (struct lwcb_num){.neg = r->v.i < 0,
			                        .mag = r->v.i < 0 ? (uint64_t)(-(r->v.i + 1))
			                                          : (uint64_t)r->v.i};
			senml_add_num(&rec, SL_V, &num);
			break;
		case LW_TYPE_UNSIGNED:
			num = (struct lwcb_num){.mag = r->v.u};
			senml_add_num(&rec, SL_V, &num);
			break;
		case LW_TYPE_FLOAT:
			/* An integral float goes out as an integer only when the model
			 * will type it back as a float. */
			if (lwcb_model_type(&types, &r->path) == LW_TYPE_FLOAT)
				num = num_of(r->v.f);
			else
				num = (struct lwcb_num){.is_float = 1, .f = r->v.f};
			senml_add_num(&rec, SL_V, &num);
			break;
		default:
			break;
		}
		if (use_bt) {
			if (!same_time(r->time, bt)) {
				num = num_of(r->time - bt);
				senml_add_num(&rec, SL_T, &num);
			}
		} else if (r->has_time) {
			num = num_of(r->time);
			senml_add_num(&rec, SL_T, &num);
		}
		if ((rc = senml_write_rec(out, &rec)))
			goto nospace;
	}
	return 0;
nospace:
	return lwcb_output_failed(out, rc, err);
}

const struct lw_codec lw_codec_senml_cbor = {
	.content_format = LW_CF_SENML_CBOR,
	.media_type = "application/senml+cbor",
	.name = "senml-cbor",
	.decode = senml_cbor_decode,
	.encode = senml_cbor_encode,
};
