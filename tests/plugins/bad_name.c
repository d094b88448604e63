/*
 * tests/plugins/bad_name.c: a plugin whose name cannot be a config section
 * name ([a-z0-9-]+): the loader must refuse it.
 */
#include "lwm2m/plugin.h"
#include "trace.h"

static int never_init(lw_plugin *self)
{
	plug_trace("init Bad-Name");
	return 0;
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "Bad-Name",
	.version = "0",
	.summary = "loader test: upper case in the name",
	.init = never_init,
};

LW_PLUGIN_DECLARE(desc)
