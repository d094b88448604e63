/*
 * codec-json/plugin.c: the plugin descriptor of the OMA JSON codec (json.c),
 * serving content format 11543 and the legacy 1543. No config keys.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"

extern const struct lw_codec lw_codec_json, lw_codec_json_legacy;

static int json_init(lw_plugin *self)
{
	const struct lw_codec *codecs[] = {&lw_codec_json, &lw_codec_json_legacy};
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
		int rc = lw_codec_register(self, codecs[i]);
		if (rc) {
			lw_plugin_set_error(self, "cannot register content format %u (%s)",
			                    codecs[i]->content_format, codecs[i]->name);
			return rc;
		}
	}
	return 0;
}

static const struct lw_plugin_desc json_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-json",
	.version = "1.0",
	.summary = "OMA JSON of LwM2M 1.0, content formats 11543 and 1543",
	.init = json_init,
};

LW_PLUGIN_DECLARE(json_desc)
