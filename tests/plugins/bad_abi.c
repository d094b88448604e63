/*
 * tests/plugins/bad_abi.c: a plugin built for the next ABI version. The
 * loader must refuse it before calling anything but its entry.
 */
#include "lwm2m/plugin.h"
#include "trace.h"

static int never_init(lw_plugin *self)
{
	plug_trace("init bad-abi");
	return 0;
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI + 1,
	.size = sizeof(struct lw_plugin_desc),
	.name = "bad-abi",
	.version = "0",
	.summary = "loader test: wrong ABI",
	.init = never_init,
};

LW_PLUGIN_DECLARE(desc)
