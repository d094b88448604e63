/*
 * tests/fuzz/fuzz_codec_link.c: libFuzzer harness for the CoRE link format
 * codec (plugins/codec-link). Register, Update and Discover payloads come from
 * devices, so decoding must survive any bytes. Beyond memory safety: an error
 * must point inside the input; a list that decodes must encode, and the
 * canonical form must decode to the same links (targets, names, values, and
 * quotes kept where there were some) and encode to the very same bytes again.
 * Any broken expectation calls abort().
 */
#include "codec_fuzzkit.h"

extern const struct lw_codec lw_codec_link;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A small bound now and then, so that max_items is exercised too. */
	fk_links_round_trip(&lw_codec_link, size && data[0] == '!' ? 3 : 0, data, size);
	return 0;
}
