/*
 * tools/rest_client.h: the small HTTP client lwm2mctl talks to lwm2md's REST
 * API with (libcurl underneath). It knows the base URL and the bearer token,
 * runs one request at a time and hands back the status and body, or follows
 * the Server-Sent Events stream event by event. It knows nothing about
 * LwM2M: the commands in lwm2mctl.c build the paths and read the JSON.
 */
#ifndef LW_TOOLS_REST_CLIENT_H
#define LW_TOOLS_REST_CLIENT_H

#include <stddef.h>

struct rest {
	const char *url;   /* base, e.g. http://127.0.0.1:8080 (no trailing /api/v1) */
	const char *token; /* NULL: no Authorization header */
	long timeout_s;    /* whole request; 0: none */
};

struct rest_reply {
	long status; /* HTTP status */
	char *body;  /* NUL-terminated, malloc'd; may be empty */
	size_t len;
};

/* Once per process, before any request; 0 or -1. */
int rest_global_init(void);
void rest_global_cleanup(void);

/*
 * method target (target starts with "/", e.g. "/api/v1/clients?q=x"), with a
 * JSON body when body is not NULL. 0 when an HTTP answer came (whatever its
 * status), -1 when none did; err then says why in one line.
 */
int rest_request(const struct rest *r, const char *method, const char *target, const char *body,
                 struct rest_reply *out, char *err, size_t errlen);
void rest_reply_free(struct rest_reply *rep);

/*
 * Called once per event of the stream: kind is the "event:" field ("message"
 * when absent), data the joined "data:" lines. Nonzero stops the stream.
 */
typedef int (*rest_event_fn)(void *ctx, const char *kind, const char *data);
/*
 * Called when the stream has opened with a 2xx status, before the first event
 * (nonzero stops); NULL for none.
 */
typedef int (*rest_open_fn)(void *ctx);

/*
 * GET target as an event stream until fn returns nonzero, *stop becomes
 * nonzero (checked often; a signal handler may set it) or the server ends it.
 * Returns 0 when it ended for one of those reasons, -1 when the connection
 * failed (err says why), or 1 when the server answered with a non-2xx status:
 * *rep then holds that answer.
 */
int rest_stream(const struct rest *r, const char *target, rest_open_fn on_open, rest_event_fn fn,
                void *ctx, volatile int *stop, struct rest_reply *rep, char *err, size_t errlen);

/* The percent-encoded form of one path segment (malloc'd), or NULL. */
char *rest_escape(const char *segment);

#endif
