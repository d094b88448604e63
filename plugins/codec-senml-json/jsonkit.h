/*
 * codec-senml-json/jsonkit.h: what the two JSON codecs of lwm2md share
 * (SenML JSON here, OMA JSON in plugins/codec-json, which compiles
 * jsonkit.c too): loading a payload with jansson under our limits, finding
 * byte offsets and exact number texts that jansson does not keep, reading an
 * element (an OMA JSON entry, a SenML record: its members, path, time and
 * value by the model's type, with the same messages), base64 values (over
 * lwm2m/base64.h), shortest double and string output, writing a value, and
 * the choice of a base name. The formats differ in layout (an object with
 * "e" against an array, bn/bt once against carried over, member names);
 * what an element means is the same.
 *
 * Why the cursor: jansson gives positions only for syntax errors, and turns
 * every number into a double (we ask it to, so integers above 2^63 do not fail
 * the whole parse). The cursor walks the same text in document order beside
 * the jansson tree (jansson keeps object members in insertion order), so each
 * object, array and number value found in the tree gets its byte offset, and
 * integers are read from their own digits with no precision lost.
 */
#ifndef LW_JSONKIT_H
#define LW_JSONKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lwm2m/buf.h"
#include "lwm2m/codec.h"
#include "lwm2m/records.h"

/* Largest payload either JSON decoder accepts (a CoAP body is far smaller;
 * the bound keeps jansson's tree of a hostile input within reason). */
#define LWJ_MAX_INPUT (8u << 20)

/* Longest name (base name + name) that can still be an LwM2M path. */
#define LWJ_MAX_NAME 48

/* ---- decoding ---- */

struct lwj_cursor {
	const char *s;
	size_t len, pos;
};

/* Checks size and nesting, then parses. NULL on failure, with err filled and
 * *rc the status (LW_EINVAL or LW_ENOMEM). */
json_t *lwj_load(const uint8_t *data, size_t len, struct lwj_cursor *cur,
                 struct lw_codec_error *err, int *rc);

/* Offset of the object or array value that comes next in document order. */
size_t lwj_take_container(struct lwj_cursor *c);
/* Offset and length of the number value that comes next. */
size_t lwj_take_number(struct lwj_cursor *c, size_t *len);
/* Moves the cursor past v (the next value in document order) and everything
 * in it. */
void lwj_skip(struct lwj_cursor *c, const json_t *v);

/* A number as found in the text. */
struct lwj_num {
	double d;         /* jansson's value */
	bool integral;    /* written without fraction or exponent */
	bool neg;         /* written with a minus sign */
	bool i_ok, u_ok;  /* fits int64 / uint64 exactly (integral only) */
	int64_t i;
	uint64_t u;
	size_t off;
};

void lwj_number(const struct lwj_cursor *c, const json_t *v, size_t off, size_t len,
                struct lwj_num *n);

/*
 * Turns the number n into the value of rec for the model's type at rec->path
 * (LW_TYPE_NONE when unknown: INTEGER when written as an integer that fits,
 * else UNSIGNED when it fits, else FLOAT). Returns NULL, or a reason.
 */
const char *lwj_number_value(lw_record *rec, int model_type, const struct lwj_num *n);

/* Decodes base64 (standard or URL-safe alphabet, padding optional) into the
 * records' arena as rec's value. 0, LW_EINVAL (bad text) or LW_ENOMEM. */
int lwj_base64_value(lw_records *out, lw_record *rec, const char *s, size_t len);

/* "oid:iid" with decimal ids 0..65535. */
int lwj_objlnk_parse(const char *s, size_t len, lw_objlnk *l);

/* Joins base name and name and parses the result as a path. NULL or a reason. */
const char *lwj_name_path(const char *bn, size_t bn_len, const char *n, size_t n_len,
                          lw_path *out);

/* Adds a record, or fails with "too many records" / out of memory. */
lw_record *lwj_add(lw_records *out, size_t off, struct lw_codec_error *err, int *rc);

/* The model's type at p, LW_TYPE_NONE when m is NULL or does not know it. */
int lwj_model_type(const lw_model *m, const lw_path *p);

/* ---- decoding elements (an OMA JSON entry, a SenML record) ---- */

/*
 * What both decoders keep while they walk the elements of a payload. A
 * codec's own decoder state starts with it, so that lwj_each_element can
 * hand it back. Messages name element i as "<what> i".
 */
struct lwj_dec {
	const lw_model *m;
	const lw_path *base; /* the request path: elements must lie under it */
	struct lwj_cursor cur;
	lw_records *out;
	struct lw_codec_error *err;
	const char *what; /* "entry" or "record" */
};

/* Offset of the first byte that is not JSON white space (where an error
 * about the root points). */
size_t lwj_skip_space(const uint8_t *data, size_t len);

/*
 * Calls fn for each element of arr (the cursor just inside arr) with the
 * element's offset, until one fails; an element that is not an object fails
 * with "<what> i is not a JSON object". 0 or the failure.
 */
int lwj_each_element(struct lwj_dec *d, const json_t *arr,
                     int (*fn)(struct lwj_dec *d, size_t i, size_t off, const json_t *el));

/*
 * Takes member key (value v) of element i at eoff from the cursor and checks
 * that it has the JSON type kind says: 's' a string, 'n' a number, 'b' true
 * or false; 0 for a member the format ignores (skipped). Sets *off (a
 * number's own offset, else eoff) and *len (a number's length). 0, or fails
 * with "<what> i: \"key\" must be a string" at the value.
 */
int lwj_member(struct lwj_dec *d, size_t i, size_t eoff, const char *key, const json_t *v,
               char kind, size_t *off, size_t *len);

/* Joins base name and name into element i's path, its text in ptext
 * (LW_PATH_MAX_TEXT bytes), and checks it lies under the request path. */
int lwj_element_path(struct lwj_dec *d, size_t i, size_t eoff, const char *bn, size_t bn_len,
                     const char *n, size_t n_len, lw_path *path, char *ptext);

/* Adds element i's record at path with time (none when 0), which must be
 * finite. NULL with *rc on failure. */
lw_record *lwj_element_record(struct lwj_dec *d, size_t i, size_t eoff, const lw_path *path,
                              double time, int *rc);

/* "<what> i: /3/0/1 is string in the model, not \"key\"" at off. */
int lwj_mismatch(struct lwj_dec *d, size_t i, size_t off, const char *ptext, int mt,
                 const char *key);
/* "out of memory" at off: LW_ENOMEM. */
int lwj_nomem(struct lwj_dec *d, size_t off);

/*
 * Stores a value of member key into r as the model's type mt says, failing
 * at off with a type mismatch or what is wrong with the value: a number
 * (integer, unsigned, float or time), a boolean, an object link "oid:iid",
 * a string (a core link when the model says so).
 */
int lwj_store_number(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const struct lwj_num *num, const char *ptext);
int lwj_store_bool(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt, const char *key,
                   const json_t *v, const char *ptext);
int lwj_store_objlnk(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const json_t *v, const char *ptext);
int lwj_store_string(struct lwj_dec *d, size_t i, size_t off, lw_record *r, int mt,
                     const char *key, const json_t *v, const char *ptext);

/* ---- encoding ---- */

/* The shortest text that reads back as d (NaN and infinities have none):
 * returns its length, or -1. cap must be at least 32. */
int lwj_format_double(double d, char *out, size_t cap);
/* Appends a number value: integers in decimal, floats in their shortest form
 * (with ".0" added to a whole float the model does not call Float, so a reader
 * without the model still sees a float). LW_EINVAL for NaN and infinities. */
int lwj_put_double(lw_buf *b, double d, bool mark_float);
/* Appends s as a JSON string; LW_EINVAL when it is not valid UTF-8. */
int lwj_put_string(lw_buf *b, const uint8_t *s, size_t len);
/* Appends base64 of data in quotes: url selects the URL-safe alphabet without
 * padding (SenML), else the standard one with padding (OMA JSON). */
int lwj_put_base64(lw_buf *b, const uint8_t *data, size_t len, bool url);

/*
 * How records are named: with bn, the common prefix "/3/0/" (level 2) or
 * one full path when every record has it; names are then the rest ("1",
 * "6/0", or none). Without bn, names are whole paths. The choice made is the
 * one that writes the fewest bytes.
 */
struct lwj_naming {
	int level;      /* -1: no bn; 0..3: bn ends with '/' after that many ids; 4: full */
	char bn[LW_PATH_MAX_TEXT + 2];
};

/* Picks the naming for in (require_bn: never level -1). */
void lwj_pick_naming(const lw_records *in, bool require_bn, struct lwj_naming *nm);
/* The name of p under nm ("" when the base name says it all). */
void lwj_relative_name(const struct lwj_naming *nm, const lw_path *p, char *out, size_t cap);

/* Checks what both encoders require of a record before writing it. NULL or a
 * reason. */
const char *lwj_check_record(const lw_path *base, const lw_record *r);

/*
 * Appends "key":value for r (after a ',' when comma), keys[r->type] naming
 * the member; nothing for LW_TYPE_NONE. Floats (finite: the encoders refuse
 * the others first, each with its own message) as lwj_put_double, marked as
 * floats when the model does not call the resource Float; opaque values in
 * base64 (url: SenML's base64url). 0, LW_ENOMEM / LW_ENOSPC, or LW_EINVAL
 * after failing record i with "string is not UTF-8" (out back at start).
 */
int lwj_put_value(lw_buf *out, const lw_model *m, const lw_record *r,
                  const char *const keys[LW_TYPE_CORELNK + 1], bool comma, bool url, size_t i,
                  size_t start, struct lw_codec_error *err);

/* Fails an encoder whose output could not grow (rc LW_ENOMEM or LW_ENOSPC):
 * out back at start, a message, rc. */
int lwj_output_failed(lw_buf *out, size_t start, int rc, struct lw_codec_error *err);

#endif
