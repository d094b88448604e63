/*
 * codec-senml-cbor/senml_cbor.h: the SenML layer under the LwM2M codec,
 * visible to the plugin's own files and its unit test only.
 *
 * A SenML CBOR pack (RFC 8428 section 6) is read record by record into a
 * struct senml_rec holding each label as written, before any base value is
 * applied; the LwM2M codec then resolves names, base values and types. The
 * same struct is what the encoder fills and senml_write_rec() writes, in the
 * order its labels were added. Keeping this layer apart lets the unit test
 * check RFC 8428's own example (whose names are not LwM2M paths) both ways.
 */
#ifndef LW_CODEC_SENML_CBOR_H
#define LW_CODEC_SENML_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cbor_io.h"
#include "lwm2m/codec.h"

/* The codec plugin.c registers. */
extern const struct lw_codec lw_codec_senml_cbor;

/* Every label of RFC 8428 Table 4, plus LwM2M's "vlo" (object link value). */
enum senml_label {
	SL_BVER, SL_BN, SL_BT, SL_BU, SL_BV, SL_BS,
	SL_N, SL_U, SL_V, SL_VS, SL_VB, SL_S, SL_T, SL_UT, SL_VD, SL_VLO,
	SL_COUNT,
};
#define SL_BIT(l) (UINT32_C(1) << (l))

struct senml_str {
	const uint8_t *ptr;
	size_t len;
};

struct senml_rec {
	uint32_t have;             /* SL_BIT of each label present */
	uint8_t n_order;
	uint8_t order[SL_COUNT];   /* labels in the order read (or to write) */
	size_t offset;             /* where the record's map starts */
	size_t at[SL_COUNT];       /* where each label's value starts */
	union {
		struct senml_str s;  /* bn bu n u vs vd vlo */
		struct lwcb_num num; /* bt bv bs v s t ut */
		uint64_t u;          /* bver */
		bool b;              /* vb */
	} val[SL_COUNT];
};

/* "bn", "vlo"...: the JSON name of a label. */
const char *senml_label_name(int label);

/*
 * Reads a pack: fn is called for each record in order (index from 0) and a
 * non-zero return stops the reading with that status. Labels are checked for
 * their CBOR type, duplicates and the must-understand rule; unknown text
 * labels are skipped. Returns 0 or an error status with err filled.
 */
typedef int (*senml_rec_fn)(void *ctx, const struct senml_rec *rec, size_t index);
int senml_read(const uint8_t *data, size_t len, senml_rec_fn fn, void *ctx,
               struct lw_codec_error *err);

/* Appends one record (a map of its labels in order[] order) to b. */
int senml_write_rec(lw_buf *b, const struct senml_rec *rec);

/* Adds a label to a record being built for senml_write_rec. */
void senml_add_str(struct senml_rec *rec, int label, const void *ptr, size_t len);
void senml_add_num(struct senml_rec *rec, int label, const struct lwcb_num *num);

#endif
