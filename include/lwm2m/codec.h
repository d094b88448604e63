/*
 * lwm2m/codec.h: content-format codecs. A codec plugin registers, in its
 * init, one struct lw_codec per content-format number it serves. Data
 * formats (text, opaque, TLV, JSON, SenML, LwM2M CBOR) turn bytes into
 * lw_records and back; the link format (40) turns bytes into lw_links.
 *
 * Rules for codec functions: pure (no I/O, no global state), re-entrant,
 * callable from any thread (the CLI and tests call them directly), never
 * aborting on bad input: they return LW_EINVAL after lw_codec_fail() with the
 * byte offset and a short reason (LW_ENOMEM may come without a message). They append to out and leave it as it was
 * on failure only as far as "appended items may remain": callers discard out
 * on error. Bounds: a decoder refuses nesting deeper than LW_CODEC_MAX_DEPTH
 * and stops at out->max_items when set.
 *
 * base is the request path (the target of the Read, Write, Notify...). Formats
 * that carry only relative ids (TLV, text, opaque) need it; the others use it
 * to check or to shorten names.
 *
 * Ownership: the struct lw_codec must be static in the plugin; the registry
 * keeps a pointer to it until the plugin is unloaded.
 */
#ifndef LWM2M_CODEC_H
#define LWM2M_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/buf.h"
#include "lwm2m/links.h"
#include "lwm2m/model.h"
#include "lwm2m/path.h"
#include "lwm2m/plugin.h"
#include "lwm2m/records.h"

#define LW_CODEC_MAX_DEPTH 16

/* Content-Format numbers (IANA CoAP registry / LwM2M Transport spec). */
enum lw_content_format {
	LW_CF_TEXT = 0,
	LW_CF_LINK = 40,
	LW_CF_OPAQUE = 42,
	LW_CF_CBOR = 60,
	LW_CF_SENML_JSON = 110,
	LW_CF_SENML_CBOR = 112,
	LW_CF_TLV_LEGACY = 1542,
	LW_CF_JSON_LEGACY = 1543,
	LW_CF_TLV = 11542,
	LW_CF_JSON = 11543,
	LW_CF_LWM2M_CBOR = 11544,
};

struct lw_codec_error {
	/* Decoders: the byte offset in the input where it went wrong. Encoders:
	 * the index of the record that cannot be encoded. */
	size_t offset;
	char message[160]; /* a short reason, no trailing period */
};

/* Fills err (if not NULL) and returns LW_EINVAL: "return lw_codec_fail(...)". */
LW_API int lw_codec_fail(struct lw_codec_error *err, size_t offset, const char *fmt, ...)
	LW_PRINTF(3, 4);

struct lw_codec {
	uint16_t content_format;
	const char *media_type; /* "application/vnd.oma.lwm2m+tlv" */
	const char *name;       /* "tlv": the REST ?format= and CLI --format name */
	/* Data formats (NULL for the link format). */
	int (*decode)(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
	              lw_records *out, struct lw_codec_error *err);
	int (*encode)(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
	              struct lw_codec_error *err);
	/* The link format (NULL for data formats). */
	int (*decode_links)(const uint8_t *data, size_t len, lw_links *out,
	                    struct lw_codec_error *err);
	int (*encode_links)(const lw_links *in, lw_buf *out, struct lw_codec_error *err);
	void *reserved[6]; /* zero */
};

/* Registers codec for its content format. LW_EEXIST when another plugin
 * serves that number or name already. */
LW_API int lw_codec_register(lw_plugin *self, const struct lw_codec *codec);
/* The codec serving a content format, or NULL. */
LW_API const struct lw_codec *lw_codec_by_format(uint16_t content_format);
/* The codec with that name ("tlv", "senml-json", ...), or NULL. */
LW_API const struct lw_codec *lw_codec_by_name(const char *name);

#endif
