/*
 * tests/fuzz/fuzz_codec_lwm2m_cbor.c: libFuzzer harness for the LwM2M CBOR
 * codec (content format 11544).
 *
 * Payloads from devices reach the decoder as they are, so it must never
 * crash, leak or read out of bounds. The first input byte picks the request
 * path; the rest is the payload. When it decodes, the records must satisfy
 * the codec's promises (inside the request path, a value only at a resource,
 * no path twice or inside another, valid UTF-8 strings), re-encode without
 * error and decode back to the same records in path order: the encoder's key
 * grouping and number widths are lossless. Any broken expectation calls
 * abort().
 */
#include "cbor_io.h"
#include "codec_fuzzkit.h"
#include "lwm2m_cbor.h"

static const struct fk_codec fc = {
	.codec = &lw_codec_lwm2m_cbor,
	.flags = FK_NO_ENOMEM | FK_ANY_NAN | FK_VALUES_AT_RESOURCES | FK_NO_TIME |
	         FK_SORTED | FK_DISTINCT,
	.min_depth = 1,
	.utf8_valid = lwcb_utf8_valid,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fk_cbor_input(&fc, data, size);
	return 0;
}
