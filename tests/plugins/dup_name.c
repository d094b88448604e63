/*
 * tests/plugins/dup_name.c: a valid plugin that takes the name of good.c, so
 * that loading both must refuse the second with the first one's file named.
 */
#include "lwm2m/plugin.h"
#include "trace.h"

static int dup_init(lw_plugin *self)
{
	plug_trace("init dup-name");
	return 0;
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "good",
	.version = "9",
	.summary = "loader test: same name as good",
	.init = dup_init,
};

LW_PLUGIN_DECLARE(desc)
