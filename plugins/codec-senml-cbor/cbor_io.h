/*
 * codec-senml-cbor/cbor_io.h: the CBOR reading and writing that the SenML
 * CBOR and LwM2M CBOR codecs share (codec-lwm2m-cbor compiles cbor_io.c too).
 *
 * Reading is a pull tokenizer over libcbor's streaming decoder: each
 * lwcb_next() decodes one item head (with a definite string's bytes) through
 * cbor_stream_decode() and leaves it in reader->tok. No item tree is built and
 * nothing is allocated, so a declared length can never make us allocate it:
 * a string longer than the input is simply "truncated". The codecs walk the
 * structure themselves, which is where depth and shape are checked.
 *
 * Writing appends to an lw_buf with libcbor's head encoders, which always pick
 * the shortest head; floats go out in the narrowest width that keeps the
 * value exact (half, single, double).
 *
 * Also here, because both formats need them: typed numbers (a CBOR number
 * stored into a record as the model's type says), object links as "oid:iid"
 * text, fast path formatting, UTF-8 validation, the cached model lookup,
 * adding a record under the limit, and the checks both encoders make of the
 * records before writing any.
 */
#ifndef LW_CODEC_CBOR_IO_H
#define LW_CODEC_CBOR_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/buf.h"
#include "lwm2m/codec.h"
#include "lwm2m/model.h"
#include "lwm2m/path.h"
#include "lwm2m/records.h"

enum lwcb_kind {
	LWCB_UINT,        /* u */
	LWCB_NEGINT,      /* the value is -1 - u */
	LWCB_BYTES,       /* definite byte string: ptr, len */
	LWCB_TEXT,        /* definite text string: ptr, len */
	LWCB_BYTES_INDEF, /* chunks follow, then LWCB_BREAK */
	LWCB_TEXT_INDEF,
	LWCB_ARRAY,       /* u items follow */
	LWCB_ARRAY_INDEF, /* items follow, then LWCB_BREAK */
	LWCB_MAP,         /* u pairs follow */
	LWCB_MAP_INDEF,
	LWCB_TAG,         /* tag number u; the tagged item follows */
	LWCB_FLOAT,       /* f; fwidth 2, 4 or 8 bytes */
	LWCB_BOOL,        /* b */
	LWCB_NULL,
	LWCB_UNDEF,
	LWCB_BREAK,
};

struct lwcb_token {
	uint8_t kind;
	uint8_t fwidth;
	bool b;
	uint64_t u;
	double f;
	const uint8_t *ptr;
	size_t len;
};

struct lwcb_reader {
	const uint8_t *data;
	size_t len, pos;
	size_t at; /* offset of the current token */
	struct lwcb_token tok;
	struct lw_codec_error *err;
};

void lwcb_init(struct lwcb_reader *r, const uint8_t *data, size_t len,
               struct lw_codec_error *err);
/* Reads the next token. LW_EINVAL (message set) when the input ends or the
 * bytes are not CBOR. */
int lwcb_next(struct lwcb_reader *r);
/* Skips the item whose first token is current (its nested items too); depth
 * is the nesting level of that item, refused past LW_CODEC_MAX_DEPTH. */
int lwcb_skip(struct lwcb_reader *r, int depth);
/* "an unsigned integer", "a map"... for messages. */
const char *lwcb_kind_name(int kind);

/*
 * The whole string whose first token is current (definite, or indefinite
 * made of definite chunks of the same major type). A definite string points
 * into the input; chunks are joined in *tmp (malloc'd: the caller frees it,
 * NULL when unused).
 */
int lwcb_read_string(struct lwcb_reader *r, const uint8_t **ptr, size_t *len, uint8_t **tmp);

/* A number as CBOR carries it: an integer with its sign, or a float. */
struct lwcb_num {
	uint8_t is_float;
	uint8_t neg; /* integer: the value is -1 - mag */
	uint64_t mag;
	double f;
};

/* The current token as a number (integer, float, or tag 4 decimal fraction,
 * whose array is consumed). LW_EINVAL for any other item. */
int lwcb_read_num(struct lwcb_reader *r, struct lwcb_num *out);
double lwcb_num_double(const struct lwcb_num *n);
/*
 * Stores n into rec as the model's type (LW_TYPE_NONE: integer, or unsigned
 * above INT64_MAX, or float, as the CBOR type says). Returns NULL, or why the
 * number does not fit that type.
 */
const char *lwcb_num_store(lw_record *rec, int type, const struct lwcb_num *n);

/* ---- writing: each returns 0 or LW_ENOMEM / LW_ENOSPC from lw_buf ---- */
int lwcb_put_uint(lw_buf *b, uint64_t v);
int lwcb_put_int(lw_buf *b, int64_t v);
/* The negative integer -1 - n. */
int lwcb_put_negint(lw_buf *b, uint64_t n);
int lwcb_put_text(lw_buf *b, const void *s, size_t len);
int lwcb_put_bytes(lw_buf *b, const void *s, size_t len);
int lwcb_put_array(lw_buf *b, size_t n);
int lwcb_put_map(lw_buf *b, size_t n);
int lwcb_put_bool(lw_buf *b, bool v);
int lwcb_put_null(lw_buf *b);
int lwcb_put_tag(lw_buf *b, uint64_t tag);
/* The narrowest float (half, single, double) that holds v exactly. */
int lwcb_put_float(lw_buf *b, double v);
/* A float resource's value: as an integer when it is integral and the
 * model will type it back (int_ok), else lwcb_put_float. */
int lwcb_put_number(lw_buf *b, double v, bool int_ok);
/* Encoded sizes, for choosing between encodings before writing. */
size_t lwcb_head_size(uint64_t v);
size_t lwcb_number_size(double v, bool int_ok);

/* ---- helpers ---- */
/* Writes "/3/0/1" ("/" for the root) without a NUL; returns the length.
 * out needs LW_PATH_MAX_TEXT bytes. */
size_t lwcb_path_text(const lw_path *p, char *out);
/* "oid:iid" with decimal ids 0..65535; returns 0 or -1. */
int lwcb_objlnk_parse(const uint8_t *s, size_t len, lw_objlnk *out);
/* Writes "oid:iid" (at most 11 bytes, no NUL); returns the length. */
size_t lwcb_objlnk_text(const lw_objlnk *l, char *out);
bool lwcb_utf8_valid(const uint8_t *s, size_t len);

/* ---- what both codecs do around the records ---- */

/* The last model lookup: a payload names the same resources over and over,
 * and lw_model_type is a search. Zero-initialise; m may be NULL. */
struct lwcb_type_cache {
	const lw_model *m;
	bool valid;
	uint16_t oid, rid;
	int type;
};
int lwcb_model_type(struct lwcb_type_cache *c, const lw_path *p);

/* "out of memory" at at: LW_ENOMEM. */
int lwcb_oom(struct lw_codec_error *err, size_t at);
/* Adds a record, or fails at at with "too many records" (out->max_items) or
 * out of memory: NULL with *rc. */
lw_record *lwcb_add_record(lw_records *out, size_t at, struct lw_codec_error *err, int *rc);

/*
 * Checks what both encoders require of each record before writing any: a
 * known type, a path other than the root, a value only at a resource (or
 * resource instance), valid UTF-8 in strings and core links, and, when
 * time_refused is not NULL, no time ("record 2 has a time stamp, " then
 * time_refused). 0, or LW_EINVAL naming the first record at fault.
 */
int lwcb_check_records(const lw_records *in, const char *time_refused,
                       struct lw_codec_error *err);
/* Fails an encoder whose output could not grow (rc LW_ENOMEM or LW_ENOSPC)
 * at the output's length; returns rc. */
int lwcb_output_failed(const lw_buf *out, int rc, struct lw_codec_error *err);

#endif
