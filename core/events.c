/* events.c: the event bus (see events.h). */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct lw_subscription {
	const void *owner;
	uint32_t mask;
	lw_event_cb cb;
	void *ctx;
	struct lw_subscription *next;
};

static const char *const kind_names[LW_EVENT_KIND_COUNT] = {
	[LW_EVENT_STARTED] = "started",
	[LW_EVENT_STOPPING] = "stopping",
	[LW_EVENT_REGISTRATION] = "registration",
	[LW_EVENT_UPDATE] = "update",
	[LW_EVENT_DEREGISTRATION] = "deregistration",
	[LW_EVENT_EXPIRED] = "expired",
	[LW_EVENT_NOTIFICATION] = "notification",
	[LW_EVENT_SEND] = "send",
	[LW_EVENT_OPERATION] = "operation",
	[LW_EVENT_FIRMWARE] = "firmware",
	[LW_EVENT_CAMPAIGN] = "campaign",
	[LW_EVENT_BOOTSTRAP] = "bootstrap",
};

const char *lw_event_kind_name(int kind)
{
	if (kind <= 0 || kind >= LW_EVENT_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

int lw_event_kind(const lw_event *ev)
{
	return ev->kind;
}

const char *lw_event_endpoint(const lw_event *ev)
{
	return ev->endpoint;
}

double lw_event_time(const lw_event *ev)
{
	return ev->time;
}

static size_t json_str(char *out, size_t cap, const char *s);

/* The whole event as JSON, built from its parts at the first call: most
 * events (a notification with no stream open and no plugin reading JSON)
 * never need it. */
const char *lw_event_json(const lw_event *cev)
{
	struct lw_event *ev = (struct lw_event *)cev;
	if (ev->json)
		return ev->json;
	char *made = NULL;
	const char *fields = ev->fields;
	if (!fields && ev->make_fields)
		fields = made = ev->make_fields(ev->make_ctx);
	size_t eplen = ev->endpoint ? json_str(NULL, 0, ev->endpoint) : 0;
	size_t need = 128 + eplen + (fields ? strlen(fields) : 0);
	char *json = malloc(need);
	if (json) {
		int n = snprintf(json, need, "{\"event\":\"%s\",\"time\":%.3f",
		                 kind_names[ev->kind], ev->time);
		if (ev->endpoint) {
			n += snprintf(json + n, need - (size_t)n, ",\"endpoint\":");
			n += (int)json_str(json + n, need - (size_t)n, ev->endpoint);
		}
		snprintf(json + n, need - (size_t)n, "%s%s}", fields && *fields ? "," : "",
		         fields ? fields : "");
	}
	free(made);
	ev->json = json;
	return json ? json : "{}";
}

const struct lw_records *lw_event_records(const lw_event *ev)
{
	return ev->records;
}

void lw_events_init(struct lw_events *b)
{
	memset(b, 0, sizeof(*b));
}

void lw_events_free(struct lw_events *b)
{
	while (b->subs) {
		struct lw_subscription *s = b->subs;
		b->subs = s->next;
		free(s);
	}
}

int lw_events_subscribe(struct lw_events *b, const void *owner, uint32_t mask, lw_event_cb cb,
                        void *ctx)
{
	uint32_t known = 0;
	for (int k = 1; k < LW_EVENT_KIND_COUNT; k++)
		known |= LW_EVENT_MASK(k);
	if (mask != LW_EVENT_MASK_ALL && (mask & ~known))
		return LW_ENOTSUP;
	if (!cb)
		return LW_EINVAL;
	struct lw_subscription *s = malloc(sizeof(*s));
	if (!s)
		return LW_ENOMEM;
	*s = (struct lw_subscription){owner, mask & known, cb, ctx, NULL};
	/* Append: subscribers hear events in the order they subscribed. */
	struct lw_subscription **pp = &b->subs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = s;
	return 0;
}

void lw_events_unsubscribe_owner(struct lw_events *b, const void *owner)
{
	for (struct lw_subscription **pp = &b->subs; *pp;) {
		struct lw_subscription *s = *pp;
		if (s->owner == owner) {
			*pp = s->next;
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

/* Writes s as a JSON string literal (with quotes) into out. */
static size_t json_str(char *out, size_t cap, const char *s)
{
	size_t n = 0;
#define PUT(c)                                                                                  \
	do {                                                                                    \
		if (n + 1 < cap)                                                                \
			out[n] = (c);                                                           \
		n++;                                                                            \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			for (char *e = esc; *e; e++)
				PUT(*e);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	if (cap)
		out[n < cap ? n : cap - 1] = '\0';
	return n;
}

void lw_events_publish(struct lw_events *b, int kind, const char *endpoint, const char *fields)
{
	lw_events_publish_records(b, kind, endpoint, fields, NULL);
}

/* Calls every subscriber of ev's kind, then frees what ev built. */
static void deliver(struct lw_events *b, struct lw_event *ev)
{
	if (ev->kind <= 0 || ev->kind >= LW_EVENT_KIND_COUNT)
		return;
	b->published[ev->kind]++;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	for (struct lw_subscription *s = b->subs; s; s = s->next)
		if (s->mask & LW_EVENT_MASK(ev->kind))
			s->cb(ev, s->ctx);
	free(ev->json);
}

void lw_events_publish_records(struct lw_events *b, int kind, const char *endpoint,
                               const char *fields, const lw_records *records)
{
	struct lw_event ev = {.kind = kind, .endpoint = endpoint, .records = records,
	                      .fields = fields};
	deliver(b, &ev);
}

void lw_events_publish_lazy(struct lw_events *b, int kind, const char *endpoint,
                            char *(*make_fields)(void *ctx), void *ctx,
                            const lw_records *records)
{
	struct lw_event ev = {.kind = kind, .endpoint = endpoint, .records = records,
	                      .make_fields = make_fields, .make_ctx = ctx};
	deliver(b, &ev);
}
