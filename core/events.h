/*
 * events.h: the event bus. Publishers (registry, operations, FOTA, ...) hand
 * it an event; it calls every subscriber whose mask matches, synchronously on
 * the loop thread. Subscribers are plugins (through lw_event_subscribe) and
 * core parts (owner NULL) such as the REST event stream.
 */
#ifndef LW_CORE_EVENTS_H
#define LW_CORE_EVENTS_H

#include <stdint.h>

#include "lwm2m/plugin.h"
#include "lwm2m/records.h"

struct lw_event {
	int kind;
	const char *endpoint; /* NULL when not about one client */
	double time;
	const lw_records *records; /* the data the event carries, or NULL */
	/* The members after the common ones, as JSON text: given, or made
	 * by make_fields (malloc'd) when lw_event_json() first needs them. */
	const char *fields;
	char *(*make_fields)(void *ctx);
	void *make_ctx;
	char *json; /* the whole event, once built; freed after delivery */
};

struct lw_subscription;

struct lw_events {
	struct lw_subscription *subs;
	unsigned long long published[LW_EVENT_KIND_COUNT];
};

void lw_events_init(struct lw_events *b);
void lw_events_free(struct lw_events *b);
int lw_events_subscribe(struct lw_events *b, const void *owner, uint32_t mask, lw_event_cb cb,
                        void *ctx);
/* Drops every subscription of owner (a plugin being unloaded). */
void lw_events_unsubscribe_owner(struct lw_events *b, const void *owner);
/*
 * Publishes an event. fields is the inside of the JSON object after the
 * common members (e.g. "\"lifetime\":300"), or NULL.
 */
void lw_events_publish(struct lw_events *b, int kind, const char *endpoint, const char *fields);
/* The same, for an event that carries data (notification, send, read
 * result): subscribers get records as they are, without parsing the JSON. */
void lw_events_publish_records(struct lw_events *b, int kind, const char *endpoint,
                               const char *fields, const lw_records *records);
/* The same, with the fields made only if a subscriber asks for the JSON:
 * make_fields(ctx) returns them malloc'd (NULL: none), during delivery. */
void lw_events_publish_lazy(struct lw_events *b, int kind, const char *endpoint,
                            char *(*make_fields)(void *ctx), void *ctx,
                            const lw_records *records);

#endif
