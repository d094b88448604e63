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

#include "lwm2m/codec.h"
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
