/*
 * tests/plugins/no_entry.c: a shared object that looks like a plugin but
 * exports its descriptor under the wrong name, so it has no lw_plugin_entry.
 */
#include "lwm2m/plugin.h"

static int never_init(lw_plugin *self)
{
	return 0;
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "no-entry",
	.init = never_init,
};

LW_API const struct lw_plugin_desc *lw_plugin_entry_v0(void);
const struct lw_plugin_desc *lw_plugin_entry_v0(void)
{
	return &desc;
}
