/*
 * codec-tlv/plugin.c: the plugin descriptor of the TLV codec. Its init
 * registers the format under both numbers it has had: 11542 (LwM2M 1.1 and
 * later) and 1542 (LwM2M 1.0 clients still send and expect it).
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"
#include "tlv.h"

static int tlv_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_tlv);
	if (!rc)
		rc = lw_codec_register(self, &lw_codec_tlv_legacy);
	if (rc)
		lw_plugin_set_error(self, "cannot register the TLV codec: %s", lw_strerror(rc));
	return rc;
}

static const struct lw_plugin_desc tlv_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-tlv",
	.version = "1.0",
	.summary = "OMA LwM2M TLV (content formats 11542 and 1542)",
	.init = tlv_init,
};

LW_PLUGIN_DECLARE(tlv_desc)
