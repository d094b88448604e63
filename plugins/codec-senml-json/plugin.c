/*
 * codec-senml-json/plugin.c: the plugin descriptor of the SenML JSON codec
 * (senml_json.c). It has no config keys: init only registers the codec.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"

extern const struct lw_codec lw_codec_senml_json;

static int senml_json_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_senml_json);
	if (rc)
		lw_plugin_set_error(self, "cannot register content format %u (%s)",
		                    lw_codec_senml_json.content_format, lw_codec_senml_json.name);
	return rc;
}

static const struct lw_plugin_desc senml_json_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-senml-json",
	.version = "1.0",
	.summary = "SenML JSON (RFC 8428, LwM2M 1.1/1.2), content format 110",
	.init = senml_json_init,
};

LW_PLUGIN_DECLARE(senml_json_desc)
