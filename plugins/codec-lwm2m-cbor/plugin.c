/*
 * codec-lwm2m-cbor/plugin.c: the plugin descriptor. Its init registers the
 * LwM2M CBOR codec (content format 11544, LwM2M 1.2); no config keys.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"
#include "lwm2m_cbor.h"

static int lwm2m_cbor_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_lwm2m_cbor);
	if (rc)
		lw_plugin_set_error(self, "cannot register content format %u: %s",
		                    lw_codec_lwm2m_cbor.content_format, lw_strerror(rc));
	return rc;
}

static const struct lw_plugin_desc lwm2m_cbor_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-lwm2m-cbor",
	.version = "1.0",
	.summary = "LwM2M CBOR (application/vnd.oma.lwm2m+cbor, content format 11544)",
	.init = lwm2m_cbor_init,
};
LW_PLUGIN_DECLARE(lwm2m_cbor_desc)
