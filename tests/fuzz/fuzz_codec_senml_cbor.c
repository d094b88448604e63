/*
 * tests/fuzz/fuzz_codec_senml_cbor.c: libFuzzer harness for the SenML CBOR
 * codec (content format 112).
 *
 * Send and Notify payloads from devices reach the decoder as they are, so
 * it must never crash, leak or read out of bounds. The first input byte picks
 * the request path; the rest is the payload. When it decodes, the records
 * must satisfy the codec's promises (inside the request path, a value only at
 * a resource, valid UTF-8 strings), re-encode without error and decode back to
 * the same records: the encoder's choices of bn, bt and number widths are
 * lossless. Any broken expectation calls abort().
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "senml_cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

#define RES(id, type, multiple) {id, type, LW_OPS_RW, multiple, 0, "r", "", "", ""}

static const struct lw_resource_def device_res[] = {
	RES(0, LW_TYPE_STRING, 0),  RES(6, LW_TYPE_INTEGER, 1), RES(9, LW_TYPE_INTEGER, 0),
	RES(13, LW_TYPE_TIME, 0),   RES(16, LW_TYPE_STRING, 0),
};
static const struct lw_resource_def all_res[] = {
	RES(0, LW_TYPE_STRING, 0),  RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_UNSIGNED, 0),
	RES(3, LW_TYPE_FLOAT, 0),   RES(4, LW_TYPE_BOOLEAN, 0), RES(5, LW_TYPE_OPAQUE, 0),
	RES(6, LW_TYPE_TIME, 0),    RES(7, LW_TYPE_OBJLNK, 0),  RES(8, LW_TYPE_CORELNK, 0),
	RES(9, LW_TYPE_INTEGER, 1),
};
#define OBJ(id, res) \
	{id, 1, 0, "o", "1.0", "1.1", "", "", sizeof(res) / sizeof(res[0]), res, "fuzz"}
static struct lw_object_def objects[] = {OBJ(3, device_res), OBJ(9000, all_res)};

static const lw_path bases[] = {
	{LW_ID_NONE, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE},
	{3, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE},
	{3, 0, LW_ID_NONE, LW_ID_NONE},
	{3, 0, 9, LW_ID_NONE},
	{3, 0, 6, 1},
	{9000, 0, LW_ID_NONE, LW_ID_NONE},
	{9000, 0, 3, LW_ID_NONE},
	{1, 0, 1, LW_ID_NONE},
};

static lw_model *model(void)
{
	static lw_model *m;
	if (!m) {
		m = lw_model_new();
		CHECK(m);
		for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
			CHECK(lw_model_add(m, &objects[i], NULL) == 0);
	}
	return m;
}

static int same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

static int same(const lw_record *a, const lw_record *b)
{
	if (a->type != b->type || !lw_path_equal(&a->path, &b->path) || a->has_time != b->has_time)
		return 0;
	if (a->has_time && !same_double(a->time, b->time))
		return 0;
	switch (a->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		return a->v.s.len == b->v.s.len &&
		       (a->v.s.len == 0 || memcmp(a->v.s.data, b->v.s.data, a->v.s.len) == 0);
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		return a->v.i == b->v.i;
	case LW_TYPE_UNSIGNED:
		return a->v.u == b->v.u;
	case LW_TYPE_FLOAT:
		return same_double(a->v.f, b->v.f);
	case LW_TYPE_BOOLEAN:
		return a->v.b == b->v.b;
	case LW_TYPE_OBJLNK:
		return a->v.l.oid == b->v.l.oid && a->v.l.iid == b->v.l.iid;
	default:
		return 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct lw_codec *c = &lw_codec_senml_cbor;
	struct lw_codec_error err;
	lw_records a, b;
	lw_buf out;

	if (size < 1)
		return 0;
	const lw_path *base = &bases[data[0] % (sizeof(bases) / sizeof(bases[0]))];
	data++;
	size--;
	lw_records_init(&a);
	lw_records_init(&b);
	lw_buf_init(&out);
	a.max_items = b.max_items = 1000;

	int rc = c->decode(model(), base, data, size, &a, &err);
	CHECK(rc == 0 || rc == LW_EINVAL);
	if (rc == LW_EINVAL)
		CHECK(err.offset <= size && err.message[0]);
	if (rc == 0) {
		for (size_t i = 0; i < a.n; i++) {
			const lw_record *r = &a.items[i];
			CHECK(lw_path_covers(base, &r->path));
			CHECK(lw_path_depth(&r->path) >= 1);
			CHECK(r->type == LW_TYPE_NONE || lw_path_depth(&r->path) >= 3);
			if (r->type == LW_TYPE_STRING || r->type == LW_TYPE_CORELNK)
				CHECK(lwcb_utf8_valid(r->v.s.data, r->v.s.len));
		}
		CHECK(c->encode(model(), base, &a, &out, &err) == 0);
		CHECK(c->decode(model(), base, out.data, out.len, &b, &err) == 0);
		CHECK(a.n == b.n);
		for (size_t i = 0; i < a.n; i++)
			CHECK(same(&a.items[i], &b.items[i]));
	}
	lw_records_free(&a);
	lw_records_free(&b);
	lw_buf_free(&out);
	return 0;
}
