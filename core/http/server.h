/*
 * http/server.h: the console and REST API over HTTP (CivetWeb). CivetWeb runs
 * its own threads; every request that touches core state is handed to the
 * loop thread and answered from there (see server.c), so the one-owner rule
 * of the loop holds.
 */
#ifndef LW_HTTP_SERVER_H
#define LW_HTTP_SERVER_H

#include <stddef.h>

struct lw_daemon;

/* Returns an LW_EXIT_* status with one line in err on failure. */
int lw_http_start(struct lw_daemon *d, char *err, size_t errlen);
void lw_http_stop(struct lw_daemon *d);

#endif
