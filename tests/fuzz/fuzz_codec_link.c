/*
 * tests/fuzz/fuzz_codec_link.c: libFuzzer harness for the CoRE link format
 * codec (plugins/codec-link). Register, Update and Discover payloads come from
 * devices, so decoding must survive any bytes. Beyond memory safety: an error
 * must point inside the input; a list that decodes must encode, and the
 * canonical form must decode to the same links (targets, names, values, and
 * quotes kept where there were some) and encode to the very same bytes again.
 * Any broken expectation calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/links.h"

extern const struct lw_codec lw_codec_link;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

static void same_links(const lw_links *a, const lw_links *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct lw_link *x = &a->items[i], *y = &b->items[i];
		CHECK(strcmp(x->target, y->target) == 0);
		CHECK(x->is_path == y->is_path);
		CHECK(x->n_attrs == y->n_attrs);
		for (size_t k = 0; k < x->n_attrs; k++) {
			CHECK(strcmp(x->attrs[k].name, y->attrs[k].name) == 0);
			CHECK(!x->attrs[k].value == !y->attrs[k].value);
			if (x->attrs[k].value)
				CHECK(strcmp(x->attrs[k].value, y->attrs[k].value) == 0);
			if (x->attrs[k].quoted)
				CHECK(y->attrs[k].quoted);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lw_links first, second;
	lw_links_init(&first);
	lw_links_init(&second);
	/* A small bound now and then, so that max_items is exercised too. */
	if (size && data[0] == '!')
		first.max_items = 3;
	struct lw_codec_error err;
	memset(&err, 0, sizeof(err));
	int rc = lw_codec_link.decode_links(data, size, &first, &err);
	if (rc) {
		CHECK(rc == LW_EINVAL);
		CHECK(err.offset <= size);
		CHECK(err.message[0] != '\0');
	} else {
		lw_buf a, b;
		lw_buf_init(&a);
		lw_buf_init(&b);
		CHECK(lw_codec_link.encode_links(&first, &a, &err) == 0);
		CHECK(lw_codec_link.decode_links(a.data, a.len, &second, &err) == 0);
		same_links(&first, &second);
		CHECK(lw_codec_link.encode_links(&second, &b, &err) == 0);
		CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
		lw_buf_free(&a);
		lw_buf_free(&b);
	}
	lw_links_free(&first);
	lw_links_free(&second);
	return 0;
}
