/*
 * tests/integration/restops.h: the shared harness of the end-to-end REST
 * tests (restops.c): one daemon and one reference client per test, the
 * HTTP helpers, and the SSE reader. Each test file names its own suite with
 * setup/teardown from here.
 */
#ifndef LW_TEST_INTEGRATION_RESTOPS_H
#define LW_TEST_INTEGRATION_RESTOPS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"
#include "httpc.h"

#define TOKEN "rest-ops-token"
#define AUTH "Bearer " TOKEN

extern struct lwd d;
extern int http_port;
extern pid_t client_pid;
extern char client_out[300], client_err[300];

void setup(void);
void teardown(void);
/* conf: more config text (e.g. a [coap] section), or "". */
void start_daemon_with(const char *conf);
void start_daemon(void);
/* Starts lwm2m-client as ep (extra: more arguments) and waits for the list. */
void start_client(const char *ep, const char *const *extra);
void stop_client(void);
/* One request with the admin token; fails the test without a whole answer. */
void http(struct httpc_resp *r, const char *method, const char *target, const char *body);
json_t *json_body(const struct httpc_resp *r);
/* The record at path in an answer's "records", or NULL. */
json_t *record(json_t *answer, const char *path);
void expect_error(const struct httpc_resp *r, int status, const char *code);
/* Reads SSE frames from fd until n notification events arrived (or the
 * time is up): how many there are in buf. */
int notifications(int fd, char *buf, size_t cap, size_t *len, int n, int timeout_ms);

#endif
