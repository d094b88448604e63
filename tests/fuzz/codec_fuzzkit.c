/*
 * tests/fuzz/codec_fuzzkit.c: the round trip every codec fuzzer checks (see
 * codec_fuzzkit.h). One copy, so that the codecs are held to the same
 * promises and only the format's limits (what it can carry of a number, a
 * time, an order) differ, by flags.
 */
#include "codec_fuzzkit.h"

#include "lwm2m/error.h"
#include "lwm2m/links.h"
#include "lwm2m/model_int.h"

lw_model *fk_model(struct lw_object_def *objects, size_t n)
{
	lw_model *m = lw_model_new();
	FK_CHECK(m);
	for (size_t i = 0; i < n; i++)
		FK_CHECK(lw_model_add(m, &objects[i], NULL) == 0);
	return m;
}

void fk_two_byte_input(const struct fk_codec *fc, struct lw_object_def *objects,
                       size_t n_objects, const lw_path *bases, size_t n_bases, bool limits,
                       const uint8_t *data, size_t size)
{
	static lw_model *model;
	if (!model)
		model = fk_model(objects, n_objects);
	if (size < 2)
		return;
	const lw_path *base = &bases[data[0] % n_bases];
	size_t max_items = limits && (data[1] & 2) ? (size_t)(data[1] >> 2) + 1 : 0;
	fk_round_trip(fc, (data[1] & 1) ? NULL : model, base, max_items, data + 2, size - 2);
}

#define N LW_ID_NONE

static const struct lw_resource_def cbor_device[] = {
	FK_RES(0, LW_TYPE_STRING, 0), FK_RES(6, LW_TYPE_INTEGER, 1), FK_RES(9, LW_TYPE_INTEGER, 0),
	FK_RES(13, LW_TYPE_TIME, 0),  FK_RES(16, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def cbor_all[] = {
	FK_RES(0, LW_TYPE_STRING, 0),  FK_RES(1, LW_TYPE_INTEGER, 0), FK_RES(2, LW_TYPE_UNSIGNED, 0),
	FK_RES(3, LW_TYPE_FLOAT, 0),   FK_RES(4, LW_TYPE_BOOLEAN, 0), FK_RES(5, LW_TYPE_OPAQUE, 0),
	FK_RES(6, LW_TYPE_TIME, 0),    FK_RES(7, LW_TYPE_OBJLNK, 0),  FK_RES(8, LW_TYPE_CORELNK, 0),
	FK_RES(9, LW_TYPE_INTEGER, 1),
};
static struct lw_object_def cbor_objects[] = {
	FK_OBJ(3, 1, cbor_device), FK_OBJ(9000, 1, cbor_all),
};
static const lw_path cbor_bases[] = {
	{N, N, N, N}, {3, N, N, N},    {3, 0, N, N},    {3, 0, 9, N},
	{3, 0, 6, 1}, {9000, 0, N, N}, {9000, 0, 3, N}, {1, 0, 1, N},
};

void fk_cbor_input(const struct fk_codec *fc, const uint8_t *data, size_t size)
{
	static lw_model *model;
	if (!model)
		model = fk_model(cbor_objects, FK_COUNT(cbor_objects));
	if (size < 1)
		return;
	const lw_path *base = &cbor_bases[data[0] % FK_COUNT(cbor_bases)];
	fk_round_trip(fc, model, base, 1000, data + 1, size - 1);
}

static const struct lw_resource_def json_types[] = {
	FK_RES(0, LW_TYPE_STRING, 0),  FK_RES(1, LW_TYPE_INTEGER, 0), FK_RES(2, LW_TYPE_UNSIGNED, 0),
	FK_RES(3, LW_TYPE_FLOAT, 0),   FK_RES(4, LW_TYPE_BOOLEAN, 0), FK_RES(5, LW_TYPE_OPAQUE, 0),
	FK_RES(6, LW_TYPE_TIME, 0),    FK_RES(7, LW_TYPE_OBJLNK, 0),  FK_RES(8, LW_TYPE_CORELNK, 0),
	FK_RES(9, LW_TYPE_INTEGER, 1), FK_RES(12, LW_TYPE_NONE, 0),
};
static struct lw_object_def json_objects[] = {
	FK_OBJ(3, 1, json_types), FK_OBJ(10000, 1, json_types),
};
static const lw_path json_bases[] = {
	{N, N, N, N}, {3, N, N, N}, {3, 0, N, N}, {10000, 0, 9, N},
};

void fk_json_input(const struct fk_codec *fc, const uint8_t *data, size_t size)
{
	static lw_model *model;
	if (!model)
		model = fk_model(json_objects, FK_COUNT(json_objects));
	if (size < 1)
		return;
	const lw_path *base = &json_bases[data[0] & 3];
	fk_round_trip(fc, data[0] & 4 ? NULL : model, base, 4096, data + 1, size - 1);
}

#undef N

/* The promises about what decoded, before it goes back out. */
static void check_decoded(const struct fk_codec *fc, const lw_path *base, const lw_records *r)
{
	unsigned f = fc->flags;
	if (f & FK_ONE_AT_BASE)
		FK_CHECK(r->n == 1 && lw_path_equal(&r->items[0].path, base));
	for (size_t i = 0; i < r->n; i++) {
		const lw_record *x = &r->items[i];
		int depth = lw_path_depth(&x->path);
		if (fc->min_depth > 0)
			FK_CHECK(lw_path_covers(base, &x->path) && depth >= fc->min_depth);
		if (f & FK_VALUES_AT_RESOURCES)
			FK_CHECK(x->type == LW_TYPE_NONE || depth >= 3);
		if (f & FK_NO_TIME)
			FK_CHECK(!x->has_time);
		if (fc->utf8_valid && (x->type == LW_TYPE_STRING || x->type == LW_TYPE_CORELNK))
			FK_CHECK(fc->utf8_valid(x->v.s.data, x->v.s.len));
	}
}

void fk_round_trip(const struct fk_codec *fc, const lw_model *m, const lw_path *base,
                   size_t max_items, const uint8_t *data, size_t size)
{
	const struct lw_codec *c = fc->codec;
	unsigned f = fc->flags;
	struct lw_codec_error err;
	lw_records recs, back;
	lw_buf out, again;

	lw_records_init(&recs);
	lw_records_init(&back);
	lw_buf_init(&out);
	lw_buf_init(&again);
	recs.max_items = back.max_items = max_items;

	int rc = c->decode(m, base, data, size, &recs, &err);
	FK_CHECK(rc == 0 || rc == LW_EINVAL || (rc == LW_ENOMEM && !(f & FK_NO_ENOMEM)));
	if (rc == LW_EINVAL)
		FK_CHECK(err.offset <= size && err.message[0]);
	if (rc == 0) {
		check_decoded(fc, base, &recs);
		FK_CHECK(c->encode(m, base, &recs, &out, &err) == 0);
		FK_CHECK(c->decode(m, base, out.data, out.len, &back, &err) == 0);
		if (f & FK_SORTED)
			lw_records_sort(&recs);
		FK_CHECK(back.n == recs.n);
		for (size_t i = 0; i < recs.n; i++) {
			FK_CHECK(fk_same_record(&recs.items[i], &back.items[i], f));
			if (f & FK_DISTINCT)
				FK_CHECK(i == 0 || !lw_path_covers(&recs.items[i - 1].path,
				                                   &recs.items[i].path));
		}
		if (f & FK_CANONICAL) {
			FK_CHECK(c->encode(m, base, &back, &again, &err) == 0);
			FK_CHECK(again.len == out.len &&
			         (!out.len || memcmp(again.data, out.data, out.len) == 0));
		}
	}
	lw_records_free(&recs);
	lw_records_free(&back);
	lw_buf_free(&out);
	lw_buf_free(&again);
}

static void same_links(const lw_links *a, const lw_links *b)
{
	FK_CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct lw_link *x = &a->items[i], *y = &b->items[i];
		FK_CHECK(strcmp(x->target, y->target) == 0);
		FK_CHECK(x->is_path == y->is_path);
		FK_CHECK(x->n_attrs == y->n_attrs);
		for (size_t k = 0; k < x->n_attrs; k++) {
			FK_CHECK(strcmp(x->attrs[k].name, y->attrs[k].name) == 0);
			FK_CHECK(!x->attrs[k].value == !y->attrs[k].value);
			if (x->attrs[k].value)
				FK_CHECK(strcmp(x->attrs[k].value, y->attrs[k].value) == 0);
			if (x->attrs[k].quoted)
				FK_CHECK(y->attrs[k].quoted);
		}
	}
}

void fk_links_round_trip(const struct lw_codec *c, size_t max_items, const uint8_t *data,
                         size_t size)
{
	lw_links first, second;
	struct lw_codec_error err;

	lw_links_init(&first);
	lw_links_init(&second);
	first.max_items = max_items;
	memset(&err, 0, sizeof(err));
	int rc = c->decode_links(data, size, &first, &err);
	if (rc) {
		FK_CHECK(rc == LW_EINVAL);
		FK_CHECK(err.offset <= size);
		FK_CHECK(err.message[0] != '\0');
	} else {
		lw_buf a, b;
		lw_buf_init(&a);
		lw_buf_init(&b);
		FK_CHECK(c->encode_links(&first, &a, &err) == 0);
		FK_CHECK(c->decode_links(a.data, a.len, &second, &err) == 0);
		same_links(&first, &second);
		FK_CHECK(c->encode_links(&second, &b, &err) == 0);
		FK_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
		lw_buf_free(&a);
		lw_buf_free(&b);
	}
	lw_links_free(&first);
	lw_links_free(&second);
}
