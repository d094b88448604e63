/*
 * lwm2m/server.h: the LwM2M server side of the daemon: the registration
 * interface (/rd), the registry of clients, and (later) operations, observe
 * and Send. Started after the CoAP engine and the plugins (it needs the
 * codecs), stopped before them.
 */
#ifndef LW_LWM2M_SERVER_H
#define LW_LWM2M_SERVER_H

#include <stddef.h>

struct lw_daemon;
struct lw_registry;
struct lw_operations;

/* Returns an LW_EXIT_* status with one line in err on failure. */
int lw_server_start(struct lw_daemon *d, char *err, size_t errlen);
void lw_server_stop(struct lw_daemon *d);
/* Registered clients now (for health, metrics and logs). */
size_t lw_server_client_count(const struct lw_daemon *d);
/* The registry of clients (REST API, operations), or NULL when not started. */
struct lw_registry *lw_server_registry(struct lw_daemon *d);

/* The operation API (ops.h), or NULL when not started. */
struct lw_operations *lw_server_ops(struct lw_daemon *d);

#endif
