/*
 * codec-senml-cbor/plugin.c: the plugin descriptor. Its init registers the
 * SenML CBOR codec (content format 112); the plugin has no config keys.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"
#include "senml_cbor.h"

static int senml_cbor_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_senml_cbor);
	if (rc)
		lw_plugin_set_error(self, "cannot register content format %u: %s",
		                    lw_codec_senml_cbor.content_format, lw_strerror(rc));
	return rc;
}

static const struct lw_plugin_desc senml_cbor_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-senml-cbor",
	.version = "1.0",
	.summary = "SenML CBOR (application/senml+cbor, content format 112)",
	.init = senml_cbor_init,
};
LW_PLUGIN_DECLARE(senml_cbor_desc)
