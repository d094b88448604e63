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
#include "cbor_io.h"
#include "codec_fuzzkit.h"
#include "senml_cbor.h"

static const struct fk_codec fc = {
	.codec = &lw_codec_senml_cbor,
	.flags = FK_NO_ENOMEM | FK_ANY_NAN | FK_VALUES_AT_RESOURCES,
	.min_depth = 1,
	.utf8_valid = lwcb_utf8_valid,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_cbor_input(&fc, data, size);
	return 0;
}
