/*
 * tests/fuzz/fuzz_coap_message.c: libFuzzer harness for the CoAP parser.
 *
 * Every datagram from the network reaches lw_coap_parse(), so it must never
 * read out of bounds whatever the bytes. Beyond memory safety the harness
 * checks the parser's invariants and that the option encoding is canonical:
 * a message that parses must re-encode to the very same bytes and parse
 * again to the same fields. Any broken expectation calls abort().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/message.h"
#include "lwm2m/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

static void check_invariants(const struct lw_coap_msg *m, const uint8_t *data, size_t size)
{
	unsigned i;

	CHECK(m->type <= LW_COAP_RST);
	CHECK(m->token_len <= LW_COAP_MAX_TOKEN);
	CHECK(m->n_opts <= LW_COAP_MAX_OPTIONS);
	CHECK((m->payload == NULL) == (m->payload_len == 0));
	if (m->payload)
		CHECK(m->payload >= data && m->payload + m->payload_len == data + size);
	for (i = 0; i < m->n_opts; i++) {
		const struct lw_coap_option *o = &m->opts[i];

		CHECK(o->value >= data && o->value + o->len <= data + size);
		CHECK(i == 0 || m->opts[i - 1].number <= o->number);
	}
}

/* The builder's shortest-form uint must read back as the same value. */
static void check_uint_builder(uint16_t number, uint32_t v)
{
	struct lw_coap_builder b;
	struct lw_coap_msg m;
	uint8_t buf[16];
	uint32_t back;
	size_t len;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_uint(&b, number, v);
	CHECK(lw_coap_build_end(&b, &len) == 0);
	CHECK(lw_coap_parse(&m, buf, len) == 0 && m.n_opts == 1);
	CHECK(m.opts[0].len == 0 || m.opts[0].value[0] != 0);
	CHECK(lw_coap_opt_uint(&m.opts[0], &back) == 0 && back == v);
}

/* A joined Uri-Path split again by the builder joins to the same text. */
static void check_path_builder(const char *path)
{
	struct lw_coap_builder b;
	struct lw_coap_msg m;
	static uint8_t buf[1024];
	char again[300];
	size_t len;

	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_GET, 1, NULL, 0);
	lw_coap_build_opt_path(&b, LW_COAP_OPT_URI_PATH, path);
	CHECK(lw_coap_build_end(&b, &len) == 0);
	CHECK(lw_coap_parse(&m, buf, len) == 0);
	CHECK(lw_coap_uri_path(&m, again, sizeof(again)) == (int)strlen(path));
	CHECK(!strcmp(again, path));
}

/* Runs every accessor; their results only have to be self-consistent. */
static void exercise(const struct lw_coap_msg *m)
{
	char path[300], code[5];
	unsigned i;
	int n;

	(void)lw_coap_bad_critical_option(m);
	lw_coap_code_str(m->code, code);
	CHECK(code[1] == '.' && code[4] == '\0');

	n = lw_coap_uri_path(m, path, sizeof(path));
	CHECK(n == LW_ENOSPC || n == LW_EINVAL || (n > 0 && strlen(path) == (size_t)n));
	if (n > 0)
		check_path_builder(path);
	n = lw_coap_uri_path(m, path, 2);
	CHECK(n == LW_ENOSPC || n == LW_EINVAL || n == 1);
	CHECK(lw_coap_uri_path(m, NULL, 0) < 0);

	for (i = 0; i < m->n_opts; i++) {
		const struct lw_coap_option *o = &m->opts[i], *f;
		const struct lw_coap_option_def *def = lw_coap_option_def(o->number);
		uint32_t v;
		int err;

		CHECK(!def || def->number == o->number);
		err = lw_coap_opt_uint(o, &v);
		CHECK(err == (o->len > 4 ? LW_EINVAL : 0));
		if (!err)
			check_uint_builder(o->number, v);
		(void)lw_coap_get_uint(m, o->number, 0);
		for (f = lw_coap_find(m, o->number); f; f = lw_coap_find_next(m, f))
			CHECK(f->number == o->number && f >= m->opts && f < m->opts + m->n_opts);
	}
}

static void check_same(const struct lw_coap_msg *a, const struct lw_coap_msg *b)
{
	unsigned i;

	CHECK(a->type == b->type && a->code == b->code && a->mid == b->mid);
	CHECK(a->token_len == b->token_len && !memcmp(a->token, b->token, a->token_len));
	CHECK(a->n_opts == b->n_opts);
	for (i = 0; i < a->n_opts; i++) {
		const struct lw_coap_option *x = &a->opts[i], *y = &b->opts[i];

		CHECK(x->number == y->number && x->len == y->len);
		CHECK(x->len == 0 || !memcmp(x->value, y->value, x->len));
	}
	CHECK(a->payload_len == b->payload_len);
	CHECK(a->payload_len == 0 || !memcmp(a->payload, b->payload, a->payload_len));
}

static void round_trip(const struct lw_coap_msg *m, const uint8_t *data, size_t size)
{
	struct lw_coap_msg m2;
	uint8_t *out;
	size_t out_len = 0;

	/* Exactly size bytes, on the heap, so that ASan sees any overrun. */
	out = malloc(size);
	CHECK(out);
	CHECK(lw_coap_encode(m, out, size, &out_len) == 0);
	/* The option header encoding has a single form: same bytes back. */
	CHECK(out_len == size && !memcmp(out, data, size));
	CHECK(lw_coap_parse(&m2, out, out_len) == 0);
	check_same(m, &m2);
	CHECK(lw_coap_encode(m, out, size - 1, &out_len) == LW_ENOSPC);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lw_coap_msg m;
	int err;

	err = lw_coap_parse(&m, data, size);
	if (err == LW_EINVAL) {
		CHECK(size < 4 || data[0] >> 6 != 1);
		return 0;
	}
	CHECK(err == 0 || err == LW_EPROTO);
	check_invariants(&m, data, size);
	if (err) {
		CHECK(m.n_opts == 0 && m.payload == NULL && m.token_len == 0);
		return 0;
	}
	exercise(&m);
	round_trip(&m, data, size);
	return 0;
}
