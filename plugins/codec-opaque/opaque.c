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
#include "one_value.h"

/* The request path must name one value; decoding also wants the model to
 * agree that it is opaque (or not to know it). */
static int check_base(const lw_model *m, const lw_path *base, int decoding,
                      struct lw_codec_error *err)
{
	const struct lw_resource_def *rd = NULL;
	char pt[LW_PATH_MAX_TEXT];
	int rc = one_need_resource(base, "opaque", err);
	if (!rc)
		rc = one_single_instance(m, base, "opaque", &rd, err);
	if (rc || !rd)
		return rc;
	/* An executable (no type) has no value, but the model may call a
	 * resource "none" only because it lacks the type: let it through. */
	if (decoding && rd->type != LW_TYPE_OPAQUE && rd->type != LW_TYPE_NONE) {
		lw_path_format(base, pt, sizeof(pt));
		return lw_codec_fail(err, 0, "%s is of type %s, not opaque", pt,
		                     lw_type_name(rd->type));
	}
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
	lw_record *r = one_add(out, base, LW_TYPE_OPAQUE, err, &rc);
	return r ? lw_records_set_bytes(out, r, data, len) : rc;
}

static int opaque_encode(const lw_model *m, const lw_path *base, const lw_records *in, lw_buf *out,
                         struct lw_codec_error *err)
{
	char bt[LW_PATH_MAX_TEXT];
	int rc = check_base(m, base, 0, err);
	if (rc)
		return rc;
	const lw_record *r = one_record(in, base, "opaque", err, &rc);
	if (!r)
		return rc;
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
