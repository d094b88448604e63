/*
 * tests/plugins/good.c: a well-formed plugin that uses every part of the ABI
 * the loader lends: a config schema (string, ranged int, bool, and a key with
 * no default), event subscriptions, the worker pool and its private data.
 * It traces what it read and did so that the test can check the loader gave
 * it the right values and called it in the right order.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/plugin.h"
#include "trace.h"

static const struct lw_conf_key keys[] = {
	{"greeting", LW_CONF_STRING, "hello", 0, 0, "a word to trace"},
	{"count", LW_CONF_INT, "3", 1, 10, "an integer from 1 to 10"},
	{"verbose", LW_CONF_BOOL, "false", 0, 0, "a flag"},
	{"label", LW_CONF_STRING, NULL, 0, 0, "a key with no default"},
	{"init_job", LW_CONF_BOOL, "no", 0, 0, "submit a worker job from init"},
	{NULL, 0, NULL, 0, 0, NULL},
};

struct good {
	lw_plugin *self;
	int events;
};

struct job {
	char what[128];
	pthread_t worker;
	int worked;
};

/* Worker thread: no ABI calls but logging, so only note where it ran. */
static void job_work(void *arg)
{
	struct job *j = arg;

	j->worker = pthread_self();
	j->worked = 1;
}

static void job_done(void *arg, int status)
{
	struct job *j = arg;

	plug_trace("good done %s worked=%d offthread=%d status=%d", j->what, j->worked,
	           j->worked && !pthread_equal(j->worker, pthread_self()), status);
	free(j);
}

static int submit(lw_plugin *self, const char *what)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return LW_ENOMEM;
	snprintf(j->what, sizeof(j->what), "%s", what);
	int rc = lw_worker_submit(self, job_work, job_done, j);
	if (rc)
		free(j);
	return rc;
}

static void on_event(const lw_event *ev, void *ctx)
{
	struct good *g = ctx;
	const char *ep = lw_event_endpoint(ev);

	g->events++;
	plug_trace("good event %s %s", lw_event_kind_name(lw_event_kind(ev)), ep ? ep : "-");
	int rc = submit(g->self, ep ? ep : "-");
	if (rc)
		plug_trace("good submit failed %d", rc);
}

static int good_init(lw_plugin *self)
{
	struct good *g = calloc(1, sizeof(*g));
	if (!g) {
		lw_plugin_set_error(self, "out of memory");
		return LW_ENOMEM;
	}
	g->self = self;
	lw_plugin_set_data(self, g);
	const char *label = lw_plugin_conf(self, "label");
	plug_trace("init good greeting=%s count=%lld verbose=%d label=%s state_dir=%s name=%s",
	           lw_plugin_conf(self, "greeting"), lw_plugin_conf_int(self, "count"),
	           lw_plugin_conf_bool(self, "verbose"), label ? label : "(null)",
	           lw_plugin_state_dir(self), lw_plugin_name(self));
	int rc = lw_event_subscribe(self,
	                            LW_EVENT_MASK(LW_EVENT_REGISTRATION) |
	                                    LW_EVENT_MASK(LW_EVENT_DEREGISTRATION),
	                            on_event, g);
	if (rc) {
		lw_plugin_set_error(self, "subscribe: %s", lw_strerror(rc));
		free(g);
		return rc;
	}
	/* A kind from a newer daemon: this one must say it does not know it. */
	plug_trace("good future-kind %d",
	           lw_event_subscribe(self, LW_EVENT_MASK(LW_EVENT_KIND_COUNT + 2), on_event, g));
	if (lw_plugin_conf_bool(self, "init_job")) {
		rc = submit(self, "init");
		if (rc)
			plug_trace("good submit failed %d", rc);
	}
	lw_plugin_log(self, LW_LOG_INFO, "started with %lld", lw_plugin_conf_int(self, "count"));
	return 0;
}

static void good_fini(lw_plugin *self)
{
	struct good *g = lw_plugin_data(self);

	plug_trace("fini good data=%s events=%d", g && g->self == self ? "ok" : "lost",
	           g ? g->events : -1);
	free(g);
}

static const struct lw_plugin_desc desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "good",
	.version = "1.0",
	.summary = "loader test: a well-formed plugin",
	.conf = keys,
	.init = good_init,
	.fini = good_fini,
};

LW_PLUGIN_DECLARE(desc)
