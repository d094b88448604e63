/*
 * lwm2m/formats.c: the content-format choice (see formats.h).
 *
 * The registry keeps the first ct of the root link only; a client that lists
 * several ("60 110") is judged by its first, which is the one it prefers.
 * Without a ct the safe format of each version is used: TLV is the one every
 * 1.0 and 1.1 client that is not SenML-only supports, and 1.1+ clients that
 * advertise nothing are still asked for TLV rather than a format they may
 * lack.
 */
#include "lwm2m/formats.h"

#include <stdio.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/records.h"
#include "lwm2m/registry.h"

static int at_least(const struct lw_client *c, unsigned major, unsigned minor)
{
	return c->ver_major > major || (c->ver_major == major && c->ver_minor >= minor);
}

int lw_format_choose(const struct lw_client *c, enum lw_format_use use, const lw_path *p,
                     int type, int override)
{
	if (override >= 0)
		return override;
	uint16_t ct = c->objects.ct;
	int v11 = at_least(c, 1, 1), v12 = at_least(c, 1, 2);

	if (use == LW_FMT_COMPOSITE) {
		/* Composite operations exist from 1.1 on and only in these. */
		if (v12 && ct == LW_CF_LWM2M_CBOR)
			return LW_CF_LWM2M_CBOR;
		if (ct == LW_CF_SENML_CBOR)
			return LW_CF_SENML_CBOR;
		return LW_CF_SENML_JSON;
	}
	if (v12 && ct == LW_CF_LWM2M_CBOR)
		return LW_CF_LWM2M_CBOR;
	if (v11 && (ct == LW_CF_SENML_CBOR || ct == LW_CF_SENML_JSON))
		return ct;
	int single = lw_path_depth(p) >= 3;
	if (!v11) {
		if (single) {
			/* 1.0 single resources: plain text (opaque for opaque
			 * values); a Read leaves the choice to the client. */
			if (use == LW_FMT_READ)
				return LW_FMT_NONE;
			return type == LW_TYPE_OPAQUE ? LW_CF_OPAQUE : LW_CF_TEXT;
		}
		/* Pre-registration 1.0 clients speak the old numbers. */
		if (ct == LW_CF_TLV_LEGACY || ct == LW_CF_JSON_LEGACY || ct == LW_CF_JSON)
			return ct;
		return LW_CF_TLV;
	}
	return LW_CF_TLV;
}

int lw_format_decode(const struct lw_model *m, int cf, const lw_path *base,
                     const uint8_t *data, size_t len, lw_records *out, char *why,
                     size_t whylen)
{
	const struct lw_codec *codec = cf >= 0 && cf <= 65535 ? lw_codec_by_format((uint16_t)cf)
	                                                      : NULL;
	if (!codec || !codec->decode) {
		snprintf(why, whylen, "no codec for content format %d", cf);
		return LW_ENOTSUP;
	}
	struct lw_codec_error err = {0};
	int rc = codec->decode(m, base, data, len, out, &err);
	if (rc != 0) {
		if (err.message[0])
			snprintf(why, whylen, "%s payload at byte %zu: %s", codec->name, err.offset,
			         err.message);
		else
			snprintf(why, whylen, "%s payload: %s", codec->name, lw_strerror(rc));
		return rc == LW_ENOMEM ? LW_ENOMEM : LW_EINVAL;
	}
	return 0;
}
