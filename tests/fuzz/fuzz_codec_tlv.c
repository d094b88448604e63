/*
 * tests/fuzz/fuzz_codec_tlv.c: libFuzzer harness for the TLV decoder.
 *
 * Every TLV payload a device sends reaches this decoder, so no bytes may
 * make it read out of bounds, leak or crash. The first input byte picks the
 * request path (every depth, objects the small model knows as single- or
 * multi-instance, and one it does not know), the second whether there is a
 * model and a record limit; the rest is the payload. Beyond memory safety
 * the harness checks what the codec promises: records lie under the request
 * path, whatever decodes encodes again, the encoding decodes back to the same
 * records, and it is canonical (encoding those records again gives the very
 * same bytes). Any broken expectation calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-tlv/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

#define RES(id_, type_, multiple_) {.id = (id_), .type = (type_), .multiple = (multiple_), \
                                    .name = "r", .range = "", .units = "", .description = ""}

static const struct lw_resource_def device_res[] = {
	RES(0, LW_TYPE_STRING, 0),  RES(4, LW_TYPE_NONE, 0),     RES(6, LW_TYPE_INTEGER, 1),
	RES(7, LW_TYPE_INTEGER, 1), RES(9, LW_TYPE_INTEGER, 0),  RES(11, LW_TYPE_INTEGER, 1),
	RES(13, LW_TYPE_TIME, 0),   RES(16, LW_TYPE_STRING, 0),  RES(22, LW_TYPE_OBJLNK, 1),
};
static const struct lw_resource_def all_res[] = {
	RES(0, LW_TYPE_STRING, 0),    RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_UNSIGNED, 0),
	RES(3, LW_TYPE_FLOAT, 0),     RES(4, LW_TYPE_BOOLEAN, 0), RES(5, LW_TYPE_OPAQUE, 0),
	RES(6, LW_TYPE_TIME, 0),      RES(7, LW_TYPE_OBJLNK, 0),  RES(8, LW_TYPE_CORELNK, 0),
	RES(9, LW_TYPE_NONE, 0),      RES(10, LW_TYPE_STRING, 1), RES(11, LW_TYPE_INTEGER, 1),
	RES(12, LW_TYPE_UNSIGNED, 1), RES(13, LW_TYPE_FLOAT, 1),  RES(14, LW_TYPE_BOOLEAN, 1),
	RES(15, LW_TYPE_OPAQUE, 1),   RES(16, LW_TYPE_TIME, 1),   RES(17, LW_TYPE_OBJLNK, 1),
	RES(18, LW_TYPE_CORELNK, 1),  RES(300, LW_TYPE_STRING, 0),
};

#define OBJ(id_, multiple_, res_) {.id = (id_), .multiple = (multiple_), .name = "o",            \
                                   .version = "1.0", .lwm2m_version = "1.0", .urn = "",      \
                                   .description = "", .n_resources = sizeof(res_) / sizeof((res_)[0]), \
                                   .resources = (res_), .source = "fuzz"}

static struct lw_object_def objects[] = {
	OBJ(3, 0, device_res), OBJ(9998, 0, all_res), OBJ(9999, 1, all_res),
};

#define N LW_ID_NONE
static const lw_path bases[] = {
	{3, N, N, N},       {3, 0, N, N},       {3, 0, 6, N},    {3, 0, 6, 1},
	{3, 0, 9, N},       {9999, N, N, N},    {9999, 0, N, N}, {9999, 1, 13, N},
	{9999, 1, 13, 0},   {9999, 0, 300, N},  {9998, N, N, N}, {9998, 0, N, N},
	{4242, N, N, N},    {4242, 7, N, N},    {4242, 7, 1, N}, {4242, 7, 1, 2},
	{9999, 0, 3, N},    {9999, 0, 4, N},    {9999, 0, 7, N}, {N, N, N, N},
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
	case LW_TYPE_NONE:
		return 1;
	default:
		return a->v.u == b->v.u;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!model) {
		model = lw_model_new();
		CHECK(model);
		for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
			CHECK(lw_model_add(model, &objects[i], NULL) == 0);
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
	recs.max_items = (data[1] & 2) ? (size_t)(data[1] >> 2) + 1 : 0;

	int rc = lw_codec_tlv.decode(m, base, data + 2, size - 2, &recs, &err);
	CHECK(rc == 0 || rc == LW_EINVAL || rc == LW_ENOMEM);
	if (rc == LW_EINVAL)
		CHECK(err.offset <= size - 2 && err.message[0]);
	if (rc == 0) {
		for (size_t i = 0; i < recs.n; i++) {
			CHECK(lw_path_covers(base, &recs.items[i].path));
			CHECK(lw_path_depth(&recs.items[i].path) >= 2);
		}
		rc = lw_codec_tlv.encode(m, base, &recs, &out, &err);
		CHECK(rc == 0);
		rc = lw_codec_tlv.decode(m, base, out.data, out.len, &back, &err);
		CHECK(rc == 0);
		lw_records_sort(&recs);
		CHECK(back.n == recs.n);
		for (size_t i = 0; i < recs.n; i++)
			CHECK(same(&recs.items[i], &back.items[i]));
		CHECK(lw_codec_tlv.encode(m, base, &back, &again, &err) == 0);
		CHECK(again.len == out.len && (!out.len || memcmp(again.data, out.data, out.len) == 0));
	}
	lw_records_free(&recs);
	lw_records_free(&back);
	lw_buf_free(&out);
	lw_buf_free(&again);
	return 0;
}
