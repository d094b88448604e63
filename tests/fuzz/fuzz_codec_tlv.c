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
#include "codec_fuzzkit.h"
#include "../../plugins/codec-tlv/tlv.h"

static const struct lw_resource_def device_res[] = {
	FK_RES(0, LW_TYPE_STRING, 0),  FK_RES(4, LW_TYPE_NONE, 0),     FK_RES(6, LW_TYPE_INTEGER, 1),
	FK_RES(7, LW_TYPE_INTEGER, 1), FK_RES(9, LW_TYPE_INTEGER, 0),  FK_RES(11, LW_TYPE_INTEGER, 1),
	FK_RES(13, LW_TYPE_TIME, 0),   FK_RES(16, LW_TYPE_STRING, 0),  FK_RES(22, LW_TYPE_OBJLNK, 1),
};
static const struct lw_resource_def all_res[] = {
	FK_RES(0, LW_TYPE_STRING, 0),    FK_RES(1, LW_TYPE_INTEGER, 0), FK_RES(2, LW_TYPE_UNSIGNED, 0),
	FK_RES(3, LW_TYPE_FLOAT, 0),     FK_RES(4, LW_TYPE_BOOLEAN, 0), FK_RES(5, LW_TYPE_OPAQUE, 0),
	FK_RES(6, LW_TYPE_TIME, 0),      FK_RES(7, LW_TYPE_OBJLNK, 0),  FK_RES(8, LW_TYPE_CORELNK, 0),
	FK_RES(9, LW_TYPE_NONE, 0),      FK_RES(10, LW_TYPE_STRING, 1), FK_RES(11, LW_TYPE_INTEGER, 1),
	FK_RES(12, LW_TYPE_UNSIGNED, 1), FK_RES(13, LW_TYPE_FLOAT, 1),  FK_RES(14, LW_TYPE_BOOLEAN, 1),
	FK_RES(15, LW_TYPE_OPAQUE, 1),   FK_RES(16, LW_TYPE_TIME, 1),   FK_RES(17, LW_TYPE_OBJLNK, 1),
	FK_RES(18, LW_TYPE_CORELNK, 1),  FK_RES(300, LW_TYPE_STRING, 0),
};

static struct lw_object_def objects[] = {
	FK_OBJ(3, 0, device_res), FK_OBJ(9998, 0, all_res), FK_OBJ(9999, 1, all_res),
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

static const struct fk_codec tlv = {
	.codec = &lw_codec_tlv,
	.flags = FK_SORTED | FK_CANONICAL,
	.min_depth = 2,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_two_byte_input(&tlv, objects, FK_COUNT(objects), bases, FK_COUNT(bases), true, data,
	                  size);
	return 0;
}
