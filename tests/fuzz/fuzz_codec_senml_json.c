/*
 * tests/fuzz/fuzz_codec_senml_json.c: libFuzzer harness for the SenML JSON
 * decoder (content format 110).
 *
 * The first input byte picks the request path (root, an object, an instance,
 * a resource) and whether a small model is used; the rest is the payload.
 * Beyond memory safety it checks that whatever decodes also encodes, and
 * that the encoded form decodes to the very same records (types, times and
 * values): the encoder's base name, base time and shortest numbers must lose
 * nothing. Any broken expectation calls abort().
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const struct lw_codec lw_codec_senml_json;

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

#define RES(id_, type_, multi_) {.id = id_, .type = type_, .ops = LW_OPS_RW, .multiple = multi_}

static const struct lw_resource_def types_res[] = {
	RES(0, LW_TYPE_STRING, 0),  RES(1, LW_TYPE_INTEGER, 0), RES(2, LW_TYPE_UNSIGNED, 0),
	RES(3, LW_TYPE_FLOAT, 0),   RES(4, LW_TYPE_BOOLEAN, 0), RES(5, LW_TYPE_OPAQUE, 0),
	RES(6, LW_TYPE_TIME, 0),    RES(7, LW_TYPE_OBJLNK, 0),  RES(8, LW_TYPE_CORELNK, 0),
	RES(9, LW_TYPE_INTEGER, 1), RES(12, LW_TYPE_NONE, 0),
};
static struct lw_object_def objects[] = {
	{.id = 3, .multiple = 1, .name = "t3", .version = "1.0", .lwm2m_version = "1.0",
	 .n_resources = sizeof(types_res) / sizeof(types_res[0]), .resources = types_res},
	{.id = 10000, .multiple = 1, .name = "t", .version = "1.0", .lwm2m_version = "1.0",
	 .n_resources = sizeof(types_res) / sizeof(types_res[0]), .resources = types_res},
};

static lw_model *get_model(void)
{
	static lw_model *m;
	if (!m) {
		m = lw_model_new();
		for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
			lw_model_add(m, &objects[i], NULL);
	}
	return m;
}

static int same(const lw_record *a, const lw_record *b)
{
	if (!lw_path_equal(&a->path, &b->path) || a->type != b->type ||
	    a->has_time != b->has_time || (a->has_time && a->time != b->time))
		return 0;
	switch (a->type) {
	case LW_TYPE_NONE: return 1;
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME: return a->v.i == b->v.i;
	case LW_TYPE_UNSIGNED: return a->v.u == b->v.u;
	case LW_TYPE_FLOAT: return a->v.f == b->v.f && signbit(a->v.f) == signbit(b->v.f);
	case LW_TYPE_BOOLEAN: return a->v.b == b->v.b;
	case LW_TYPE_OBJLNK: return a->v.l.oid == b->v.l.oid && a->v.l.iid == b->v.l.iid;
	default:
		return a->v.s.len == b->v.s.len &&
		       (!a->v.s.len || !memcmp(a->v.s.data, b->v.s.data, a->v.s.len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const lw_path bases[] = {
		{LW_ID_NONE, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE},
		{3, LW_ID_NONE, LW_ID_NONE, LW_ID_NONE},
		{3, 0, LW_ID_NONE, LW_ID_NONE},
		{10000, 0, 9, LW_ID_NONE},
	};
	if (size < 1)
		return 0;
	const lw_path *base = &bases[data[0] & 3];
	const lw_model *m = data[0] & 4 ? NULL : get_model();
	data++;
	size--;

	const struct lw_codec *c = &lw_codec_senml_json;
	lw_records r, back;
	lw_records_init(&r);
	lw_records_init(&back);
	r.max_items = 4096;
	struct lw_codec_error err;
	int rc = c->decode(m, base, data, size, &r, &err);
	CHECK(rc == 0 || rc == LW_EINVAL || rc == LW_ENOMEM);
	if (rc == LW_EINVAL)
		CHECK(err.offset <= size && err.message[0]);
	if (rc == 0) {
		lw_buf b;
		lw_buf_init(&b);
		CHECK(c->encode(m, base, &r, &b, &err) == 0);
		CHECK(c->decode(m, base, b.data, b.len, &back, &err) == 0);
		CHECK(back.n == r.n);
		for (size_t i = 0; i < r.n; i++)
			CHECK(same(&r.items[i], &back.items[i]));
		lw_buf_free(&b);
	}
	lw_records_free(&r);
	lw_records_free(&back);
	return 0;
}
