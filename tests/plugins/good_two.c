/*
 * tests/plugins/good_two.c: a second well-formed plugin, without a config
 * schema, so that start and stop order can be seen across plugins.
 */
#include "lwm2m/plugin.h"
#include "trace.h"

static int two_init(lw_plugin *self)
{
	plug_trace("init %s", lw_plugin_name(self));
	return 0;
}

static void two_fini(lw_plugin *self)
{
	plug_trace("fini %s", lw_plugin_name(self));
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "good-two",
	.version = "2",
	.summary = "loader test: a plugin with no config",
	.init = two_init,
	.fini = two_fini,
};

LW_PLUGIN_DECLARE(desc)
