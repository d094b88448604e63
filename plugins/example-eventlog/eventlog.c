/*
 * example-eventlog: appends every event of the bus to a file, one JSON object
 * per line. It is the example of docs/plugins.md and shows the whole shape of
 * a plugin: a descriptor with a config schema, init and fini, an event
 * subscription, and blocking file I/O moved to the worker pool (the loop
 * thread only appends to a memory buffer; one write job at a time drains it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lwm2m/plugin.h"

struct buf {
	char *data;
	size_t len, cap;
};

struct eventlog {
	lw_plugin *self;
	int fd;
	int sync;              /* fdatasync after each write */
	struct buf pending;    /* filled on the loop thread */
	struct buf writing;    /* owned by the worker while busy */
	int busy;
	int write_errno;       /* set by the worker, read in done */
	unsigned long long lines, dropped;
	size_t max_pending;
};

static const struct lw_conf_key keys[] = {
	{"path", LW_CONF_STRING, "events.jsonl", 0, 0,
	 "file to append to; relative paths are under [server] state_dir"},
	{"sync", LW_CONF_BOOL, "false", 0, 0, "fdatasync after each batch of lines"},
	{"max_pending_kb", LW_CONF_INT, "4096", 1, 1048576,
	 "memory for lines not yet written; past it new lines are dropped and counted"},
	{NULL, 0, NULL, 0, 0, NULL},
};

static int buf_append(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *d = realloc(b->data, cap);
		if (!d)
			return LW_ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Worker thread: the only place that touches the file while running. */
static void write_job(void *arg)
{
	struct eventlog *el = arg;
	el->write_errno = write_all(el->fd, el->writing.data, el->writing.len);
	if (!el->write_errno && el->sync && fdatasync(el->fd) != 0)
		el->write_errno = errno;
}

static void kick(struct eventlog *el);

/* Loop thread: the write finished; start the next one if lines came meanwhile. */
static void write_done(void *arg, int status)
{
	struct eventlog *el = arg;
	if (el->write_errno)
		lw_plugin_log(el->self, LW_LOG_ERROR, "writing %s: %s (%zu bytes lost)",
		              lw_plugin_conf(el->self, "path"), strerror(el->write_errno),
		              el->writing.len);
	el->writing.len = 0;
	el->busy = 0;
	kick(el);
}

static void kick(struct eventlog *el)
{
	if (el->busy || el->pending.len == 0)
		return;
	struct buf t = el->writing;
	el->writing = el->pending;
	el->pending = t;
	el->busy = 1;
	if (lw_worker_submit(el->self, write_job, write_done, el) != 0) {
		/* Pool full or stopping: keep the lines for the next try (or fini). */
		t = el->writing;
		el->writing = el->pending;
		el->pending = t;
		el->busy = 0;
	}
}

static void on_event(const lw_event *ev, void *ctx)
{
	struct eventlog *el = ctx;
	const char *json = lw_event_json(ev);
	size_t n = strlen(json);
	if (el->pending.len + n + 1 > el->max_pending ||
	    buf_append(&el->pending, json, n) != 0 || buf_append(&el->pending, "\n", 1) != 0) {
		el->dropped++;
		return;
	}
	el->lines++;
	kick(el);
}

static int eventlog_init(lw_plugin *self)
{
	struct eventlog *el = calloc(1, sizeof(*el));
	if (!el)
		return LW_ENOMEM;
	el->self = self;
	el->sync = lw_plugin_conf_bool(self, "sync");
	el->max_pending = (size_t)lw_plugin_conf_int(self, "max_pending_kb") * 1024;
	const char *path = lw_plugin_conf(self, "path");
	char full[4096];
	if (path[0] == '/')
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", lw_plugin_state_dir(self), path);
	/* Opening is blocking I/O too, but init runs before the loop serves anyone. */
	el->fd = open(full, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (el->fd < 0) {
		lw_plugin_set_error(self, "cannot open %s: %s", full, strerror(errno));
		free(el);
		return LW_EIO;
	}
	int rc = lw_event_subscribe(self, LW_EVENT_MASK_ALL, on_event, el);
	if (rc) {
		lw_plugin_set_error(self, "cannot subscribe to events");
		close(el->fd);
		free(el);
		return rc;
	}
	lw_plugin_set_data(self, el);
	lw_plugin_log(self, LW_LOG_INFO, "appending events to %s", full);
	return 0;
}

static void eventlog_fini(lw_plugin *self)
{
	struct eventlog *el = lw_plugin_data(self);
	/* The daemon drained the workers before fini: what is left was never
	 * submitted, and is written here, at shutdown, where blocking is fine. */
	if (el->pending.len)
		write_all(el->fd, el->pending.data, el->pending.len);
	if (el->sync)
		fdatasync(el->fd);
	close(el->fd);
	lw_plugin_log(self, LW_LOG_INFO, "%llu events written, %llu dropped", el->lines,
	              el->dropped);
	free(el->pending.data);
	free(el->writing.data);
	free(el);
}

static const struct lw_plugin_desc eventlog_desc = {
	.abi = LW_PLUGIN_ABI,
	.size = sizeof(struct lw_plugin_desc),
	.name = "example-eventlog",
	.version = "1.0",
	.summary = "appends every event to a JSON-lines file",
	.conf = keys,
	.init = eventlog_init,
	.fini = eventlog_fini,
};

LW_PLUGIN_DECLARE(eventlog_desc)
