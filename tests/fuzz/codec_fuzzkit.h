/*
 * tests/fuzz/codec_fuzzkit.h: what the codec fuzzers share (each compiles
 * codec_fuzzkit.c): decode -> encode -> decode -> compare, parameterised by
 * the codec and by what its format can promise, and the same for the link
 * format. Each fuzzer keeps its own binary, corpus and input layout (which
 * bytes pick the request path, the model, a record limit) and hands the
 * rest to the kit.
 *
 * A broken expectation calls abort(), which libFuzzer reports with the
 * input. Nothing here allocates beyond what the codecs do, and everything is
 * freed before returning, so that the leak checker sees the codec alone.
 */
#ifndef LW_TESTS_CODEC_FUZZKIT_H
#define LW_TESTS_CODEC_FUZZKIT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FK_CHECK(cond)                                                             \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

#define FK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* How numbers (float values, times) must read back. Default: bit for bit. */
#define FK_ANY_NAN 0x1u    /* a NaN for a NaN, whatever its payload (CBOR keeps one NaN) */
#define FK_BY_VALUE 0x2u   /* == rather than bit for bit (decimal text: -0 reads as 0) */
#define FK_FLOAT_SIGN 0x4u /* with FK_BY_VALUE: float values keep their sign all the same */

/* Same path, type, time and value; numbers as flags say. Header-only so that
 * fuzzers outside the codecs (fuzz_records_json.c) can compare records too. */
static inline bool fk_same_number(double a, double b, unsigned flags, bool value)
{
	if ((flags & FK_ANY_NAN) && isnan(a) && isnan(b))
		return true;
	if (flags & FK_BY_VALUE)
		return a == b && (!value || !(flags & FK_FLOAT_SIGN) || signbit(a) == signbit(b));
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static inline bool fk_same_record(const lw_record *a, const lw_record *b, unsigned flags)
{
	if (!lw_path_equal(&a->path, &b->path) || a->type != b->type || a->has_time != b->has_time)
		return false;
	if (a->has_time && !fk_same_number(a->time, b->time, flags, false))
		return false;
	switch (a->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		return a->v.s.len == b->v.s.len &&
		       (a->v.s.len == 0 || memcmp(a->v.s.data, b->v.s.data, a->v.s.len) == 0);
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		return a->v.i == b->v.i;
	case LW_TYPE_UNSIGNED:
		return a->v.u == b->v.u;
	case LW_TYPE_FLOAT:
		return fk_same_number(a->v.f, b->v.f, flags, true);
	case LW_TYPE_BOOLEAN:
		return a->v.b == b->v.b;
	case LW_TYPE_OBJLNK:
		return a->v.l.oid == b->v.l.oid && a->v.l.iid == b->v.l.iid;
	default:
		return true;
	}
}

/* What one codec promises, beyond memory safety and the number flags. */
#define FK_NO_ENOMEM 0x10u      /* decoding never answers LW_ENOMEM (the limits hold) */
#define FK_SORTED 0x20u         /* records read back in path order: compare sorted */
#define FK_DISTINCT 0x40u       /* (with FK_SORTED) no path twice, none inside another */
#define FK_CANONICAL 0x80u      /* the records read back encode to the very same bytes */
#define FK_ONE_AT_BASE 0x100u   /* exactly one record, at the request path */
#define FK_VALUES_AT_RESOURCES 0x200u /* a value only at a resource (instance) path */
#define FK_NO_TIME 0x400u       /* the format carries no time */

struct fk_codec {
	const struct lw_codec *codec;
	unsigned flags; /* FK_* above */
	/* > 0: every record lies under the request path, at least this deep. */
	int min_depth;
	/* Strings and core links must pass it (NULL: not checked). */
	bool (*utf8_valid)(const uint8_t *s, size_t len);
};

/* Static definitions of a small model (codecs look at ids, types and
 * multiplicity only). */
#define FK_RES(id_, type_, multiple_)                                                     \
	{.id = (id_), .type = (type_), .ops = LW_OPS_RW, .multiple = (multiple_), .name = "r", \
	 .range = "", .units = "", .description = ""}
#define FK_OBJ(id_, multiple_, res_)                                                      \
	{.id = (id_), .multiple = (multiple_), .name = "o", .version = "1.0",                \
	 .lwm2m_version = "1.0", .urn = "", .description = "",                             \
	 .n_resources = FK_COUNT(res_), .resources = (res_), .source = "fuzz"}

/* A model of objects (static), kept for the process: build it once. */
lw_model *fk_model(struct lw_object_def *objects, size_t n);

/*
 * The two-byte layout of the TLV and text fuzzers: byte 0 picks one of
 * bases (modulo n_bases), bit 0 of byte 1 drops the model of objects (built
 * on the first call: a fuzzer passes the same objects every time) and, with
 * limits, bit 1 sets a record limit of (byte 1 >> 2) + 1; the rest is the
 * payload.
 */
void fk_two_byte_input(const struct fk_codec *fc, struct lw_object_def *objects,
                       size_t n_objects, const lw_path *bases, size_t n_bases, bool limits,
                       const uint8_t *data, size_t size);

/*
 * The input layout, model and request paths two fuzzers of one family
 * share. The first input byte picks a request path from a table of the kit,
 * so the tables' order is part of the corpora: only append.
 * CBOR (SenML CBOR, LwM2M CBOR): byte 0 modulo 8 picks the path; the model
 * (parts of the Device object 3 and a test object 9000 with a resource of
 * each type) is always there; at most 1000 records.
 * JSON (SenML JSON, OMA JSON): bits 0-1 of byte 0 pick the path, bit 2 drops
 * the model (objects 3 and 10000 with a resource of each type, single and
 * multiple); at most 4096 records.
 */
void fk_cbor_input(const struct fk_codec *fc, const uint8_t *data, size_t size);
void fk_json_input(const struct fk_codec *fc, const uint8_t *data, size_t size);

/*
 * Decodes data at base with model m (may be NULL) and a record limit
 * (max_items, 0: none); when that succeeds, checks what fc promises of the
 * records, encodes them, decodes the encoding and compares.
 */
void fk_round_trip(const struct fk_codec *fc, const lw_model *m, const lw_path *base,
                   size_t max_items, const uint8_t *data, size_t size);

/*
 * The same for a link format codec: an error points inside the input; a list
 * that decodes encodes, reads back to the same links (targets, names, values,
 * and quotes kept where there were some) and encodes to the same bytes.
 */
void fk_links_round_trip(const struct lw_codec *c, size_t max_items, const uint8_t *data,
                         size_t size);

#endif
