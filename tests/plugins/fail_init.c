/*
 * tests/plugins/fail_init.c: a plugin whose init fails after it subscribed to
 * events and said why with lw_plugin_set_error(). The loader must report the
 * reason, drop the subscription and never call this fini.
 */
#include "lwm2m/plugin.h"
#include "trace.h"

static void on_event(const lw_event *ev, void *ctx)
{
	plug_trace("fail-init event %s", lw_event_kind_name(lw_event_kind(ev)));
}

static int fail_init(lw_plugin *self)
{
	plug_trace("init fail-init");
	lw_event_subscribe(self, LW_EVENT_MASK_ALL, on_event, NULL);
	lw_plugin_set_error(self, "cannot reach %s", "the moon");
	return LW_EIO;
}

static void fail_fini(lw_plugin *self)
{
	plug_trace("fini fail-init");
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "fail-init",
	.version = "0",
	.summary = "loader test: init fails",
	.init = fail_init,
	.fini = fail_fini,
};

LW_PLUGIN_DECLARE(desc)
