/*
 * tests/fuzz/fuzz_codec_json.c: libFuzzer harness for the OMA JSON
 * decoder (content formats 11543 and 1543).
 *
 * The first input byte picks the request path (root, an object, an instance,
 * a resource) and whether a small model is used; the rest is the payload.
 * Beyond memory safety it checks that whatever decodes also encodes, and
 * that the encoded form decodes to the very same records (types, times and
 * values): the encoder's base name, base time, base64 and shortest
 * numbers must lose nothing. Any broken expectation calls abort().
 */
#include "codec_fuzzkit.h"

extern const struct lw_codec lw_codec_json;

/* Decimal text: numbers compare by value (floats keep their sign), and a
 * time is bt + t, where the sign of a zero does not survive. */
static const struct fk_codec fc = {
	.codec = &lw_codec_json,
	.flags = FK_BY_VALUE | FK_FLOAT_SIGN,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_json_input(&fc, data, size);
	return 0;
}
