/*
 * codec-opaque/opaque.c: application/octet-stream (content format 42), the
 * LwM2M opaque format (Core specification 7.4.2): the raw bytes of one
 * resource or resource instance, as firmware images and other binary
 * resources travel. Nothing in the bytes needs parsing; what is checked is
 * that the request path names one value and that the model does not give it
 * a type other than opaque.
 */
#include "opaque.h"

#include <string.h>

#include "lwm2m/error.h"

/* The request path must name one value; decoding also wants the model to
 * agree that it is opaque (or not to know it). */
static int check_base(const lw_model *m, const lw_path *base, int decoding,
                      struct lw_codec_error *err)
{
	char pt[LW_PATH_MAX_TEXT];
	if (lw_path_format(base, pt, sizeof(pt)) < 0)
		strcpy(pt, "?");
	if (lw_path_depth(base) < 3)
		return lw_codec_fail(err, 0, "opaque carries one resource value: %s is not a resource",
		                     pt);
	const struct lw_resource_def *rd = m ? lw_model_resource(m, base->oid, base->rid) : NULL;
	if (!rd)
		return 0;
	if (rd->multiple && base->riid == LW_ID_NONE)
		return lw_codec_fail(err, 0,
		                     "%s has multiple instances: opaque carries one, name it", pt);
	/* An executable (no type) has no value, but the model may call a
	 * resource "none" only because it lacks the type: let it through. */
	if (decoding && rd->type != LW_TYPE_OPAQUE && rd->type != LW_TYPE_NONE)
		return lw_codec_fail(err, 0, "%s is of type %s, not opaque", pt,
		                     lw_type_name(rd->type));
	return 0;
}

static int opaque_decode(const lw_model *m, const lw_path *base, const uint8_t *data, size_t len,
                         lw_records *out, struct lw_codec_error *err)
{
	int rc = check_base(m, base, 1, err);
	if (rc)
		return rc;
	if (len && !data)
		return lw_codec_fail(err, 0, "no data");
	lw_record *r = lw_records_add(out);
	if (!r) {
		if (out->max_items && out->n >= out->max_items)
			return lw_codec_fail(err, 0, "too many records (limit %zu)", out->max_items);
		return LW_ENOMEM;
	}
	r->path = *base;
	r->type = LW_TYPE_OPAQUE;
	return lw_records_set_bytes(out, r, data, len);
}

static int opaque_encode(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
                         struct lw_codec_error *err)
{
	char pt[LW_PATH_MAX_TEXT], bt[LW_PATH_MAX_TEXT];
	int rc = check_base(m, base, 0, err);
	if (rc)
		return rc;
	if (in->n != 1)
		return lw_codec_fail(err, in->n ? 1 : 0,
		                     "opaque carries exactly one value (%zu records given)", in->n);
	const lw_record *r = &in->items[0];
	if (!lw_path_equal(&r->path, base)) {
		lw_path_format(&r->path, pt, sizeof(pt));
		lw_path_format(base, bt, sizeof(bt));
		return lw_codec_fail(err, 0, "record %s is not the request path %s", pt, bt);
	}
	/* Strings and links are bytes too: a device may want them so. */
	lw_path_format(base, bt, sizeof(bt));
	if (r->type != LW_TYPE_OPAQUE && r->type != LW_TYPE_STRING && r->type != LW_TYPE_CORELNK)
		return lw_codec_fail(err, 0,
		                     "record %s holds a value of type %s: opaque carries opaque, "
		                     "string or corelnk values",
		                     bt, lw_type_name(r->type));
	return r->v.s.len ? lw_buf_append(out, r->v.s.data, r->v.s.len) : 0;
}

const struct lw_codec lw_codec_opaque = {
	.content_format = LW_CF_OPAQUE,
	.media_type = "application/octet-stream",
	.name = "opaque",
	.decode = opaque_decode,
	.encode = opaque_encode,
};
