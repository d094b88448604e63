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
#include "codec_fuzzkit.h"
#include "../../plugins/codec-text/text.h"

static const struct lw_resource_def all_res[] = {
	FK_RES(0, LW_TYPE_STRING, 0),  FK_RES(1, LW_TYPE_INTEGER, 0), FK_RES(2, LW_TYPE_UNSIGNED, 0),
	FK_RES(3, LW_TYPE_FLOAT, 0),   FK_RES(4, LW_TYPE_BOOLEAN, 0), FK_RES(5, LW_TYPE_OPAQUE, 0),
	FK_RES(6, LW_TYPE_TIME, 0),    FK_RES(7, LW_TYPE_OBJLNK, 0),  FK_RES(8, LW_TYPE_CORELNK, 0),
	FK_RES(9, LW_TYPE_NONE, 0),    FK_RES(13, LW_TYPE_FLOAT, 1),
};

static struct lw_object_def objects[] = {FK_OBJ(9999, 1, all_res)};

#define N LW_ID_NONE
static const lw_path bases[] = {
	{9999, 0, 0, N}, {9999, 0, 1, N},  {9999, 0, 2, N},  {9999, 0, 3, N},
	{9999, 0, 4, N}, {9999, 0, 5, N},  {9999, 0, 6, N},  {9999, 0, 7, N},
	{9999, 0, 8, N}, {9999, 0, 9, N},  {9999, 0, 13, N}, {9999, 0, 13, 2},
	{9999, 0, 77, N}, {9999, 0, N, N}, {N, N, N, N},
};
#undef N

static const struct fk_codec text = {
	.codec = &lw_codec_text,
	.flags = FK_ONE_AT_BASE | FK_CANONICAL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_two_byte_input(&text, objects, FK_COUNT(objects), bases, FK_COUNT(bases), false, data,
	                  size);
	return 0;
}
