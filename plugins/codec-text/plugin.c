/*
 * codec-text/plugin.c: the plugin descriptor of the text/plain codec: its
 * init registers content format 0.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"
#include "text.h"

static int text_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_text);
	if (rc)
		lw_plugin_set_error(self, "cannot register the text/plain codec: %s",
		                    lw_strerror(rc));
	return rc;
}

static const struct lw_plugin_desc text_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-text",
	.version = "1.0",
	.summary = "LwM2M plain text (content format 0)",
	.init = text_init,
};

LW_PLUGIN_DECLARE(text_desc)
