/*
 * tests/unit/codec_testkit.h: what the codec unit tests share (they link
 * tests/unit/libcodectest.la): models built from static definitions, paths
 * and hex written as text, record builders, record checks and comparison,
 * the decode / encode / round-trip steps with the assertion and the message
 * each needs, the OMA registry, and a codec plugin loaded the way lwm2md
 * loads it.
 *
 * Every check fails the running Criterion test with a message that names
 * the path, the offset or the bytes involved. Strings and models the kit
 * returns are the caller's to free unless a function says otherwise.
 */
#ifndef LW_TESTS_CODEC_TESTKIT_H
#define LW_TESTS_CODEC_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "events.h"
#include "plugin.h"
#include "lwm2m/codec.h"
#include "lwm2m/model.h"
#include "lwm2m/records.h"

/* ---- models: static definitions the codecs see (only ids, types and
 * multiplicity matter to them) ---- */

#define CK_RES(id_, type_, multiple_)                                                     \
	{.id = (id_), .type = (type_), .ops = LW_OPS_RW, .multiple = (multiple_), .name = "r", \
	 .range = "", .units = "", .description = ""}
#define CK_OBJ(id_, multiple_, res_)                                                      \
	{.id = (id_), .multiple = (multiple_), .name = "o", .version = "1.0",                \
	 .lwm2m_version = "1.0", .urn = "", .description = "",                             \
	 .n_resources = sizeof(res_) / sizeof((res_)[0]), .resources = (res_), .source = "test"}
#define CK_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A model of objects (static, never freed by the model). */
lw_model *ck_model(struct lw_object_def *objects, size_t n);
/*
 * The objects the CBOR tests use: parts of 1 (Server) and 3 (Device), 65 of
 * the object link example, 3308, 3311, and a test object 9000 with one
 * resource of each type (0 to 8 in lw_type order, 9 multiple integer, 10
 * untyped).
 */
lw_model *ck_small_model(void);
/* The built-in model (lw_model_add_builtin) when it has object 3 and, if
 * not 0, object also; otherwise skips the test. */
lw_model *ck_builtin_model(uint16_t also);
/* Every object of the OMA registry ($LW_OMA_MODELS); skips the test when
 * the variable is empty or the DDF loader reads nothing. */
lw_model *ck_oma_model(void);

/* The records (back may be NULL), buffer and error a test keeps between
 * steps: set up empty, then freed with a check that the test leaked nothing
 * (th_check_leaks of helpers.h, after th_cleanup). */
void ck_state_init(lw_records *recs, lw_records *back, lw_buf *buf, struct lw_codec_error *err);
void ck_state_free(lw_records *recs, lw_records *back, lw_buf *buf);

/* ---- text forms ---- */

/* The path of s; a bad test path fails the test. */
lw_path ck_path(const char *s);
/* Hex digits (white space between bytes allowed) into out; the length. */
size_t ck_unhex(const char *hex, uint8_t *out, size_t cap);
/* "0A 1B ..." in one of two alternating static buffers (a message shows
 * two), cut short past 32 KiB. */
const char *ck_hex(const uint8_t *d, size_t n);
/* s without white space outside JSON strings (the specifications print
 * their examples over several lines, encoders write them compact). */
char *ck_squeeze(const char *s);

/* ---- building records ---- */

lw_record *ck_add(lw_records *r, const char *path, int type);
void ck_add_str(lw_records *r, const char *path, int type, const void *s, size_t len);
void ck_add_int(lw_records *r, const char *path, int64_t v);
void ck_add_uint(lw_records *r, const char *path, uint64_t v);
void ck_add_float(lw_records *r, const char *path, double v);
void ck_add_bool(lw_records *r, const char *path, bool v);
void ck_add_time(lw_records *r, const char *path, int64_t v);
void ck_add_objlnk(lw_records *r, const char *path, uint16_t oid, uint16_t iid);
/* Gives the last record the time t. */
void ck_timed(lw_records *r, double t);
/* One record of each type under inst ("/9000/0"): resources 0 to 8 in
 * lw_type order, values at the edges CBOR cares about. */
void ck_add_one_of_each(lw_records *r, const char *inst);

/* A record at p with one sample value of type. */
void ck_add_sample(lw_records *r, const lw_path *p, int type);

/* ---- checking records ---- */

void ck_assert_path(const lw_record *x, const char *path);
/* Record i of r, which must be at path and of type. */
const lw_record *ck_rec_at(const lw_records *r, size_t i, const char *path, int type);
void ck_assert_str(const lw_record *x, const char *s);
void ck_assert_str_rec(const lw_record *x, const char *path, int type, const char *s);
void ck_assert_int_rec(const lw_record *x, const char *path, int type, int64_t v);
void ck_assert_float_rec(const lw_record *x, const char *path, double v);
void ck_assert_objlnk_rec(const lw_record *x, const char *path, uint16_t oid, uint16_t iid);
/*
 * The Device object instance of the Core specification's examples (Read
 * /3/0, Tables 7.4.3-1 and 7.4.4-2): 16 untimed records with the paths under
 * prefix ("/3/0").
 */
void ck_assert_device_instance(const lw_records *r, const char *prefix);

/* Same path, type, time and value; floats and times bit for bit (the
 * fuzzers' fk_same_record of tests/fuzz/codec_fuzzkit.h, flags 0). */
bool ck_same_record(const lw_record *a, const lw_record *b);
/* got holds want's records in want's order. */
void ck_assert_same(const lw_records *want, const lw_records *got);
/* got holds want's records in path order (what encoders that group write). */
void ck_assert_same_sorted(const lw_records *want, const lw_records *got);

/* ---- the codec steps (base NULL: the root path) ---- */

/* Decodes into out (appending) with err cleared first; the status. */
int ck_decode(const struct lw_codec *c, const lw_model *m, const char *base, const void *data,
              size_t len, lw_records *out, struct lw_codec_error *err);
void ck_decode_ok(const struct lw_codec *c, const lw_model *m, const char *base,
                  const void *data, size_t len, lw_records *out, struct lw_codec_error *err);
/* Any offset will do. */
#define CK_ANY_OFFSET SIZE_MAX
/* Decoding (out cleared first) must fail with LW_EINVAL at offset with a
 * message holding what. */
void ck_decode_err(const struct lw_codec *c, const lw_model *m, const char *base,
                   const void *data, size_t len, lw_records *out, struct lw_codec_error *err,
                   size_t offset, const char *what);

/* Encodes into out (emptied first) with err cleared first; the status. */
int ck_encode(const struct lw_codec *c, const lw_model *m, const char *base,
              const lw_records *in, lw_buf *out, struct lw_codec_error *err);
void ck_encode_ok(const struct lw_codec *c, const lw_model *m, const char *base,
                  const lw_records *in, lw_buf *out, struct lw_codec_error *err);
/* Encoding gives exactly want[0..n). */
void ck_encode_is(const struct lw_codec *c, const lw_model *m, const char *base,
                  const lw_records *in, lw_buf *out, struct lw_codec_error *err,
                  const uint8_t *want, size_t n);
/* Encoding must fail with LW_EINVAL naming record index (CK_ANY_OFFSET: any)
 * with a message holding what, and write nothing. */
void ck_encode_err(const struct lw_codec *c, const lw_model *m, const char *base,
                   const lw_records *in, lw_buf *out, struct lw_codec_error *err, size_t index,
                   const char *what);
/* The bytes of buf as a NUL-terminated malloc'd string. */
char *ck_buf_str(const lw_buf *buf);

/* records -> bytes -> records: in encodes into out, which decodes into back
 * (emptied first) to the same records, in in's order or with CK_SORTED in
 * path order. */
#define CK_SORTED 1u
void ck_round_trip(const struct lw_codec *c, const lw_model *m, const char *base,
                   const lw_records *in, lw_buf *out, lw_records *back,
                   struct lw_codec_error *err, unsigned flags);

/* Each object of the OMA registry (its newest version: the one
 * lw_model_type answers for) as records, a sample value at each typed
 * resource (instance 0, resource instance 1 of a multiple one), through c
 * and back as ck_round_trip does; with CK_OBJECT_BASE the request path is
 * the object, else the root. Every type but corelnk must occur, and more
 * than 1000 resources. */
#define CK_OBJECT_BASE 2u
void ck_oma_round_trip(const struct lw_codec *c, lw_records *recs, lw_records *back, lw_buf *buf,
                       struct lw_codec_error *err, unsigned flags);

/* ---- text formats (JSON): payloads as NUL-terminated strings ---- */

/*
 * The objects the Core specification's JSON and SenML examples use, typed
 * from its tables: 1 (Server), 3 (Device), 65, 66 and 67 of the object link
 * example, 3303, 3308, 3311, 3316, 3317, and a test object 10000 with a
 * resource of every type (0 to 8 single, 9 to 11 multiple, 12 untyped).
 */
lw_model *ck_example_model(void);

void ck_decode_text(const struct lw_codec *c, const lw_model *m, const char *base,
                    const char *text, lw_records *out);
/* What the encoder wrote, as a malloc'd string. */
char *ck_encode_text(const struct lw_codec *c, const lw_model *m, const char *base,
                     const lw_records *in);
/* The encoding is printed without its white space outside strings (how
 * the specifications print their examples). */
void ck_encode_text_is(const struct lw_codec *c, const lw_model *m, const char *base,
                       const lw_records *in, const char *printed);
/* Decoding len bytes of text must fail with a message; the error. */
struct lw_codec_error ck_decode_text_fail(const struct lw_codec *c, const lw_model *m,
                                          const char *base, const char *text, size_t len);
/* Decoding must fail at offset at with a message holding what. */
void ck_expect_text_error(const struct lw_codec *c, const lw_model *m, const char *base,
                          const char *text, size_t at, const char *what);
/* ck_round_trip in in's order; *text (when not NULL) gets the encoding as
 * a malloc'd string. */
void ck_round_trip_text(const struct lw_codec *c, const lw_model *m, const char *base,
                        const lw_records *in, char **text);

/* ---- a codec plugin, loaded by the real loader ---- */

struct ck_plugin {
	struct lw_events events;
	struct lw_config cfg;
	struct lw_plugins ps;
	struct lw_plugin_host host;
};

/* Loads and starts BUILDDIR/plugins/NAME/.libs/NAME.so ("codec-tlv"). */
void ck_plugin_load(struct ck_plugin *p, const char *name);
/* The codec registered for content format and (the same) under name. */
const struct lw_codec *ck_registered(int format, const char *name);
void ck_plugin_unload(struct ck_plugin *p);

#endif
