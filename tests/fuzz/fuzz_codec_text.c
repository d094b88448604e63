/*
 * tests/fuzz/fuzz_codec_text.c: libFuzzer harness for the text/plain
 * decoder.
 *
 * The first input byte picks the request path: a resource of each type the
 * small model knows, a multi-instance resource and one of its instances, a
 * resource the model does not know and paths that are not resources; the
 * second whether there is a model. The rest is the text. Beyond memory
 * safety the harness checks that what decodes is one record at the request
 * path, encodes again, reads back to the same value, and that the encoding
 * is canonical (the same value encodes to the same text). Any broken
 * expectation calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

#define RES(id_, type_, multiple_) {.id = (id_), .type = (type_), .multiple = (multiple_), \
                                    .name = "r", .range = "", .units = "", .description = ""}

static const struct lw_resource_def all_res[] = {
	RES(0, LW_TYPE_STRING, 0),  RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_UNSIGNED, 0),
	RES(3, LW_TYPE_FLOAT, 0),   RES(4, LW_TYPE_BOOLEAN, 0), RES(5, LW_TYPE_OPAQUE, 0),
	RES(6, LW_TYPE_TIME, 0),    RES(7, LW_TYPE_OBJLNK, 0),  RES(8, LW_TYPE_CORELNK, 0),
	RES(9, LW_TYPE_NONE, 0),    RES(13, LW_TYPE_FLOAT, 1),
};

static struct lw_object_def object = {
	.id = 9999, .multiple = 1, .name = "o", .version = "1.0", .lwm2m_version = "1.0",
	.urn = "", .description = "", .n_resources = sizeof(all_res) / sizeof(all_res[0]),
	.resources = all_res, .source = "fuzz",
};

#define N LW_ID_NONE
static const lw_path bases[] = {
	{9999, 0, 0, N}, {9999, 0, 1, N},  {9999, 0, 2, N},  {9999, 0, 3, N},
	{9999, 0, 4, N}, {9999, 0, 5, N},  {9999, 0, 6, N},  {9999, 0, 7, N},
	{9999, 0, 8, N}, {9999, 0, 9, N},  {9999, 0, 13, N}, {9999, 0, 13, 2},
	{9999, 0, 77, N}, {9999, 0, N, N}, {N, N, N, N},
};
#undef N

static lw_model *model;

static int same(const lw_record *a, const lw_record *b)
{
	if (!lw_path_equal(&a->path, &b->path) || a->type != b->type)
		return 0;
	switch (a->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		return a->v.s.len == b->v.s.len &&
		       (!a->v.s.len || memcmp(a->v.s.data, b->v.s.data, a->v.s.len) == 0);
	case LW_TYPE_FLOAT:
		return memcmp(&a->v.f, &b->v.f, sizeof(double)) == 0;
	case LW_TYPE_BOOLEAN:
		return a->v.b == b->v.b;
	case LW_TYPE_OBJLNK:
		return a->v.l.oid == b->v.l.oid && a->v.l.iid == b->v.l.iid;
	default:
		return a->v.u == b->v.u;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!model) {
		model = lw_model_new();
		CHECK(model && lw_model_add(model, &object, NULL) == 0);
	}
	if (size < 2)
		return 0;
	const lw_path *base = &bases[data[0] % (sizeof(bases) / sizeof(bases[0]))];
	const lw_model *m = (data[1] & 1) ? NULL : model;
	lw_records recs, back;
	lw_buf out, again;
	struct lw_codec_error err;

	lw_records_init(&recs);
	lw_records_init(&back);
	lw_buf_init(&out);
	lw_buf_init(&again);

	int rc = lw_codec_text.decode(m, base, data + 2, size - 2, &recs, &err);
	CHECK(rc == 0 || rc == LW_EINVAL || rc == LW_ENOMEM);
	if (rc == LW_EINVAL)
		CHECK(err.offset <= size - 2 && err.message[0]);
	if (rc == 0) {
		CHECK(recs.n == 1 && lw_path_equal(&recs.items[0].path, base));
		CHECK(lw_codec_text.encode(m, base, &recs, &out, &err) == 0);
		CHECK(lw_codec_text.decode(m, base, out.data, out.len, &back, &err) == 0);
		CHECK(back.n == 1 && same(&recs.items[0], &back.items[0]));
		CHECK(lw_codec_text.encode(m, base, &back, &again, &err) == 0);
		CHECK(again.len == out.len && (!out.len || memcmp(again.data, out.data, out.len) == 0));
	}
	lw_records_free(&recs);
	lw_records_free(&back);
	lw_buf_free(&out);
	lw_buf_free(&again);
	return 0;
}
