/*
 * codec-opaque/one_value.h: what the formats that carry exactly one
 * resource value share (opaque here, text/plain in plugins/codec-text): the
 * request path must name that value, encoding takes the one record at it,
 * decoding adds it. format names the format in messages ("opaque").
 *
 * Header-only, static inline: each codec's sources are compiled as they are
 * into several programs (the modules, the tests, the reference client), and
 * a header needs no new entry in any of their source lists.
 */
#ifndef LW_CODEC_ONE_VALUE_H
#define LW_CODEC_ONE_VALUE_H

#include <stddef.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"

/* The request path must be a resource or a resource instance. */
static inline int one_need_resource(const lw_path *base, const char *format,
                                    struct lw_codec_error *err)
{
	char pt[LW_PATH_MAX_TEXT];
	if (lw_path_depth(base) >= 3)
		return 0;
	if (lw_path_format(base, pt, sizeof(pt)) < 0)
		strcpy(pt, "?");
	return lw_codec_fail(err, 0, "%s carries one resource value: %s is not a resource", format,
	                     pt);
}

/* The model's definition of the resource at base (in *rd, NULL when the
 * model does not know it); a multi-instance resource needs an instance. */
static inline int one_single_instance(const lw_model *m, const lw_path *base, const char *format,
                                      const struct lw_resource_def **rd,
                                      struct lw_codec_error *err)
{
	char pt[LW_PATH_MAX_TEXT];
	*rd = m ? lw_model_resource(m, base->oid, base->rid) : NULL;
	if (!*rd || !(*rd)->multiple || base->riid != LW_ID_NONE)
		return 0;
	lw_path_format(base, pt, sizeof(pt));
	return lw_codec_fail(err, 0, "%s has multiple instances: %s carries one, name it", pt,
	                     format);
}

/* Encoding: the one record of in, which must be at base; NULL with *rc. */
static inline const lw_record *one_record(const lw_records *in, const lw_path *base,
                                          const char *format, struct lw_codec_error *err,
                                          int *rc)
{
	char pt[LW_PATH_MAX_TEXT], bt[LW_PATH_MAX_TEXT];
	if (in->n != 1) {
		*rc = lw_codec_fail(err, in->n ? 1 : 0,
		                    "%s carries exactly one value (%zu records given)", format, in->n);
		return NULL;
	}
	const lw_record *r = &in->items[0];
	if (!lw_path_equal(&r->path, base)) {
		lw_path_format(&r->path, pt, sizeof(pt));
		lw_path_format(base, bt, sizeof(bt));
		*rc = lw_codec_fail(err, 0, "record %s is not the request path %s", pt, bt);
		return NULL;
	}
	return r;
}

/* Decoding: adds the record at base (of type), or fails with "too many
 * records" (out->max_items) or LW_ENOMEM: NULL with *rc. */
static inline lw_record *one_add(lw_records *out, const lw_path *base, int type,
                                 struct lw_codec_error *err, int *rc)
{
	lw_record *r = lw_records_add(out);
	if (!r) {
		*rc = out->max_items && out->n >= out->max_items
		              ? lw_codec_fail(err, 0, "too many records (limit %zu)", out->max_items)
		              : LW_ENOMEM;
		return NULL;
	}
	r->path = *base;
	r->type = (uint8_t)type;
	return r;
}

#endif
