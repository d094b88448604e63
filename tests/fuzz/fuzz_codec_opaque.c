/*
 * tests/fuzz/fuzz_codec_opaque.c: libFuzzer harness for the opaque decoder.
 * The first input byte picks the request path (an opaque resource, one of a
 * multi-instance resource's instances, a resource of another type, an
 * instance, the root), the second whether there is a model; the rest is the
 * payload. What decodes must be one record at the request path that encodes
 * back to the same bytes.
 */
#include "codec_fuzzkit.h"
#include "../../plugins/codec-opaque/opaque.h"

static const struct lw_resource_def all_res[] = {
	FK_RES(0, LW_TYPE_STRING, 0),
	FK_RES(5, LW_TYPE_OPAQUE, 0),
	FK_RES(13, LW_TYPE_OPAQUE, 1),
};

static struct lw_object_def objects[] = {FK_OBJ(9999, 1, all_res)};

#define N LW_ID_NONE
static const lw_path bases[] = {
	{9999, 0, 5, N}, {9999, 0, 13, 2}, {9999, 0, 13, N}, {9999, 0, 0, N},
	{9999, 0, 77, N}, {9999, 0, N, N}, {N, N, N, N},
};
#undef N

static const struct fk_codec opaque = {
	.codec = &lw_codec_opaque,
	.flags = FK_ONE_AT_BASE | FK_CANONICAL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_two_byte_input(&opaque, objects, FK_COUNT(objects), bases, FK_COUNT(bases), false, data,
	                  size);
	return 0;
}
