/*
 * codec-link/plugin.c: the plugin descriptor of the CoRE link format codec
 * (link.c). It has no config keys: init only registers the codec.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"

extern const struct lw_codec lw_codec_link;

static int link_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_link);
	if (rc)
		lw_plugin_set_error(self, "cannot register content format %u (%s)",
		                    lw_codec_link.content_format, lw_codec_link.name);
	return rc;
}

static const struct lw_plugin_desc link_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-link",
	.version = "1.0",
	.summary = "CoRE link format (RFC 6690), content format 40",
	.init = link_init,
};

LW_PLUGIN_DECLARE(link_desc)
