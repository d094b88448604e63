/*
 * codec-opaque/plugin.c: the plugin descriptor of the opaque codec: its init
 * registers content format 42.
 */
#include "lwm2m/codec.h"
#include "lwm2m/plugin.h"
#include "opaque.h"

static int opaque_init(lw_plugin *self)
{
	int rc = lw_codec_register(self, &lw_codec_opaque);
	if (rc)
		lw_plugin_set_error(self, "cannot register the opaque codec: %s", lw_strerror(rc));
	return rc;
}

static const struct lw_plugin_desc opaque_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "codec-opaque",
	.version = "1.0",
	.summary = "LwM2M opaque, application/octet-stream (content format 42)",
	.init = opaque_init,
};

LW_PLUGIN_DECLARE(opaque_desc)
