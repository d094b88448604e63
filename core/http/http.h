/*
 * http/http.h: the inside of the HTTP server, shared by its files only.
 *
 * Threads: CivetWeb calls our handlers on its own worker threads. Those
 * threads may parse, authenticate and route a request (all of that reads only
 * what is fixed at start), but anything that reads or changes core state runs
 * on the loop thread through the bridge (bridge.c): the CivetWeb thread queues
 * a job, wakes the loop with an eventfd and waits on a condition variable for
 * the answer, or gives up with 503 after a timeout. Event streams (sse.c) are
 * fed by a bus subscription on the loop thread through per-connection queues.
 * Everything shared between the two sides is guarded by lw_http.mu.
 */
#ifndef LW_HTTP_HTTP_H
#define LW_HTTP_HTTP_H

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct lw_daemon;
struct mg_connection;
struct event;
struct lw_http_job;
struct lw_sse_conn;

#define LW_HTTP_MAX_SSE 8           /* event streams at once: each holds a thread */
#define LW_HTTP_MAX_BODY (1 << 20)  /* request bodies over this get 413 */
#define LW_HTTP_BRIDGE_MS 10000     /* how long a request waits for the loop */
#define LW_HTTP_SSE_QUEUE 1024      /* events waiting per stream before it is dropped */
#define LW_HTTP_MAX_PARAMS 4

struct lw_http {
	struct lw_daemon *d;
	struct mg_context *ctx;
	char token[256]; /* the admin token; fixed after start */
	size_t token_len;
	struct lw_http_auth *auth; /* users, tokens, login throttle (users.c) */
	int tls;                   /* serving HTTPS */

	pthread_mutex_t mu;
	pthread_cond_t cv; /* a request in flight ended: stopping waits for them */
	/* the bridge's queue (bridge.c): its own lock, held for a push or a take */
	pthread_mutex_t qmu;
	int qmu_ok;
	struct lw_http_job *q_head, *q_tail;
	int q_closed;                 /* stopping: no job is taken any more */
	struct lw_http_job *deferred; /* jobs whose answer waits for a device (loop thread) */
	int stopping;
	int efd;
	struct event *ev;
	int bridge_ms; /* LW_HTTP_BRIDGE_MS; tests lower it */

	struct lw_sse_conn *sse; /* open event streams */
	int n_sse;
	int n_busy; /* requests between routing and their answer's last byte */
	int sse_keepalive_ms;
	unsigned long long sse_dropped; /* streams closed for falling behind */

	atomic_ullong responses[6];   /* by status class: [2] = 2xx, ... */
	atomic_ullong bridge_timeouts;
};

/* One request as a route handler sees it. */
struct lw_http_req {
	struct lw_http *h;
	const char *method;
	const char *path;  /* URL-decoded, without the query */
	const char *query; /* raw query string or NULL */
	char params[LW_HTTP_MAX_PARAMS][256]; /* the {} segments of the route */
	int n_params;
	json_t *body; /* the parsed JSON body of routes that take one, or NULL */

	/* a deferred answer (bridge.c): set on the loop thread */
	struct lw_http_job *job;
	int deferred, finished;

	/* who asks (auth.c): a role of security/users.h, the user or "@admin-token" */
	int role;
	char user[72];
	char token_id[20]; /* the token used ("" for the admin token) */
	double token_expires;

	/* the answer */
	int status;
	char *out; /* malloc'd */
	size_t out_len;
	const char *ctype;
	char hdrs[128]; /* extra CRLF-terminated header lines of the answer */
};

/*
 * Runs on the loop thread; answers through lw_http_reply_* before returning,
 * or calls lw_http_defer() and answers later (still on the loop thread)
 * followed by lw_http_finish().
 */
typedef void (*lw_http_loop_fn)(struct lw_http_req *r);
/* Runs on the CivetWeb thread and writes the response itself (streams). */
typedef int (*lw_http_direct_fn)(struct lw_http *h, struct mg_connection *c,
                                 struct lw_http_req *r);

enum {
	LW_ROUTE_PUBLIC = 1, /* no token needed */
	LW_ROUTE_JSON = 2,   /* takes a JSON body */
	/* Who may call it (security/users.h): a route with neither is for
	 * admins only, so that a route added without thought fails closed. */
	LW_ROUTE_VIEWER = 4,   /* every signed-in role */
	LW_ROUTE_OPERATOR = 8, /* operators and admins */
};

struct lw_http_route {
	const char *method;
	const char *pattern; /* "/api/v1/clients/{}": {} is one path segment */
	int flags;
	lw_http_loop_fn loop;
	lw_http_direct_fn direct;
};

/* ---- rest.c ---- */
extern const struct lw_http_route lw_http_routes[];
extern const size_t lw_http_n_routes;
/*
 * Matches path against pattern; 1 with the {} segments in r->params (when r
 * is not NULL), 0 otherwise.
 */
int lw_http_match(const char *pattern, const char *path, struct lw_http_req *r);
/* A query variable into out: 1 found, 0 absent, -1 longer than len. */
int lw_http_qvar(const struct lw_http_req *r, const char *name, char *out, size_t len);
/* The error body {"error": code, "message": ...}: a malloc'd string. */
char *lw_http_error_json(const char *code, const char *message);
/*
 * Parses a JSON body: 0 with *out, or -1 with a message that says where
 * (jansson's line, column and reason).
 */
int lw_http_parse_json(const char *buf, size_t len, json_t **out, char *msg, size_t msglen);
void lw_http_reply_json(struct lw_http_req *r, int status, json_t *body); /* steals body */
void lw_http_reply_text(struct lw_http_req *r, int status, const char *ctype, char *text,
                        size_t len); /* steals text */
void lw_http_reply_error(struct lw_http_req *r, int status, const char *code, const char *fmt,
                         ...) __attribute__((format(printf, 4, 5)));

/* ---- auth.c ---- */
/* Compares in time that depends only on the lengths, never on the contents. */
int lw_http_ct_equal(const char *a, size_t alen, const char *b, size_t blen);
/* 1 when the Authorization header carries the admin token. */
int lw_http_authorized(const struct lw_http *h, const char *authorization);
/* Sets h->token from the config, or from state_dir/admin.token (made if missing). */
int lw_http_auth_setup(struct lw_http *h, char *err, size_t errlen);
/*
 * Who the Authorization header speaks for: the admin token, a session or an
 * API token (users.c). Its role (0: nobody) and, when r is not NULL, the
 * principal in r->role, r->user, r->token_id.
 */
int lw_http_authenticate(struct lw_http *h, const char *authorization, struct lw_http_req *r);
/* The role a route needs (LW_ROUTE_VIEWER, ...: enum lw_role). */
int lw_http_route_role(int flags);

/* ---- tls.c ---- */
/* With [http] certificate: the PEM file CivetWeb is to use into pem, and
 * h->tls set; pem "" without. 0, or -1 with a reason in err. */
int lw_http_tls_setup(struct lw_http *h, char *pem, size_t pemlen, char *err, size_t errlen);

/* ---- users.c: users, login, sessions and API tokens ---- */
/* At start, on the loop thread: loads users and tokens, makes the first admin. */
int lw_http_users_setup(struct lw_http *h, char *err, size_t errlen);
void lw_http_users_free(struct lw_http *h);
int lw_http_login(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r);
void lw_http_logout(struct lw_http_req *r);
void lw_http_me(struct lw_http_req *r);
void lw_http_users_list(struct lw_http_req *r);
int lw_http_users_create(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r);
void lw_http_users_delete(struct lw_http_req *r);
/* PUT /api/v1/users/{name}/password: answers on the socket itself. */
int lw_http_users_password(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r);
void lw_http_tokens_list(struct lw_http_req *r);
void lw_http_tokens_create(struct lw_http_req *r);
void lw_http_tokens_delete(struct lw_http_req *r);

/* ---- bridge.c ---- */
int lw_http_bridge_init(struct lw_http *h);
/* Fails every queued job (their callers answer 503); called when stopping. */
void lw_http_bridge_fail_all(struct lw_http *h);
void lw_http_bridge_free(struct lw_http *h);
/*
 * From a CivetWeb thread: runs fn(r) on the loop thread and waits for it.
 * 0 when it ran, LW_ETIMEDOUT or LW_ECANCELED (shutting down) when not.
 */
int lw_http_bridge_call(struct lw_http *h, lw_http_loop_fn fn, struct lw_http_req *r);
/*
 * Loop thread, from a loop handler: the answer comes later, from the
 * callback of operation op_id, which must then call lw_http_finish(). The
 * CivetWeb thread waits up to wait_ms (plus a margin); when that runs out it
 * has the loop detach the operation, so that its callback never runs, and
 * answers 504. Calling it after the callback already answered (an operation
 * that failed during lw_ops_submit) is harmless.
 */
void lw_http_defer(struct lw_http_req *r, uint64_t op_id, int wait_ms);
/* The same for an answer that comes from elsewhere (a storage query):
 * detach(h, ctx) runs on the loop thread when the waiter gives up or the
 * daemon stops, and must make sure the answer is never written. */
void lw_http_defer_fn(struct lw_http_req *r, void (*detach)(struct lw_http *h, void *ctx),
                      void *ctx, int wait_ms);
/* Loop thread: the deferred answer of r is written; wakes its waiter. */
void lw_http_finish(struct lw_http_req *r);
/* Loop thread, while stopping: detaches the operations of every deferred
 * job and fails the jobs, whose waiters answer 503. */
void lw_http_bridge_fail_deferred(struct lw_http *h);

/* ---- ops.c: the device-management routes (loop handlers) ---- */
void lw_http_op_get(struct lw_http_req *r);    /* Read, Discover */
void lw_http_op_put(struct lw_http_req *r);    /* Write, Write-Attributes */
void lw_http_op_post(struct lw_http_req *r);   /* Create, Execute, Observe */
void lw_http_op_delete(struct lw_http_req *r); /* Delete, cancel of an observation */
void lw_http_op_composite(struct lw_http_req *r);
void lw_http_op_observations(struct lw_http_req *r);

/* ---- metrics.c ---- */
void lw_http_metrics(struct lw_http_req *r);

/* ---- clients.c: the registered clients (of every node in a cluster) ---- */
void lw_http_clients_list(struct lw_http_req *r);
void lw_http_client_get(struct lw_http_req *r);

/* ---- keyed.c: the REST verbs of a table keyed by endpoint ---- */
struct lw_http_keyed {
	const char *what;        /* "credential": for "no credential for endpoint ..." */
	const char *bad;         /* the error code of a refused body ("bad-credential") */
	const char *unavailable; /* the 503 message when table() gives NULL */
	void *(*table)(struct lw_daemon *d);
	/* Calls add(ctx, item) with each entry as JSON (without secrets). */
	void (*each)(void *table, void (*add)(void *ctx, json_t *item), void *ctx);
	json_t *(*describe)(void *table, const char *endpoint); /* NULL: none */
	/* As lw_credentials_put and _del (security/credentials.h). */
	int (*put)(void *table, const char *endpoint, const json_t *body, char *why,
	           size_t whylen, void (*done)(void *arg, int status), void *arg);
	int (*del)(void *table, const char *endpoint, void (*done)(void *arg, int status),
	           void *arg);
};
void lw_http_keyed_list(struct lw_http_req *r, const struct lw_http_keyed *k);
void lw_http_keyed_get(struct lw_http_req *r, const struct lw_http_keyed *k);
void lw_http_keyed_put(struct lw_http_req *r, const struct lw_http_keyed *k);
void lw_http_keyed_delete(struct lw_http_req *r, const struct lw_http_keyed *k);

/* ---- security.c: /api/v1/security, the endpoints' credentials ---- */
void lw_http_security_list(struct lw_http_req *r);
void lw_http_security_get(struct lw_http_req *r);
void lw_http_security_put(struct lw_http_req *r);
void lw_http_security_delete(struct lw_http_req *r);

/* ---- bootstrap.c: /api/v1/bootstrap, the bootstrap configurations ---- */
void lw_http_bootstrap_list(struct lw_http_req *r);
void lw_http_bootstrap_get(struct lw_http_req *r);
void lw_http_bootstrap_put(struct lw_http_req *r);
void lw_http_bootstrap_delete(struct lw_http_req *r);
void lw_http_bootstrap_start(struct lw_http_req *r); /* POST .../{ep}/start */

/* ---- data.c: stored time series ---- */
void lw_http_data(struct lw_http_req *r);

/* ---- sse.c ---- */
int lw_http_sse_init(struct lw_http *h);      /* loop thread: subscribes to the bus */
void lw_http_sse_close_all(struct lw_http *h); /* under h->mu: wakes every stream to end */
void lw_http_sse_free(struct lw_http *h);      /* loop thread, after mg_stop */
int lw_http_sse_stream(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r);

/* ---- static.c: the console's files under [http] web_root ---- */
/* Writes the file for a GET/HEAD of path: 200 when it did, 0 when there is
 * none (the caller answers 404). */
int lw_http_static(struct lw_http *h, struct mg_connection *c, const char *method,
                   const char *path);

/* ---- objects.c: the object model (/api/v1/objects) ---- */
void lw_http_objects_list(struct lw_http_req *r);
void lw_http_object_get(struct lw_http_req *r);

/* ---- server.c ---- */
/* The headers every response carries (CRLF-terminated lines). */
extern const char lw_http_security_headers[];
/* The Connection header of an answer with this status, "keep-alive" or
 * "close"; CivetWeb closes the connection after it in the second case. */
const char *lw_http_connection(const struct lw_http *h, struct mg_connection *c, int status);

#endif
