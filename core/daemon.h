/*
 * daemon.h: the running server as one object: its loop, workers, event bus,
 * plugins and listeners, started in order and stopped in reverse.
 */
#ifndef LW_CORE_DAEMON_H
#define LW_CORE_DAEMON_H

#include <time.h>

#include "config.h"
#include "events.h"
#include "loop.h"
#include "plugin.h"
#include "worker.h"

struct lw_coap_engine;
struct lw_model;
struct lw_server;
struct lw_http;
struct lw_storage_service;
struct lw_credentials;
struct lw_coap_udp;
struct lw_bootstrap;
struct lw_coap_dtls;
struct lw_coap_tcp;
struct event;

/* Exit statuses of lwm2md. */
enum {
	LW_EXIT_OK = 0,
	LW_EXIT_RUNTIME = 1, /* could not start or run: a port in use, a plugin's init failed */
	LW_EXIT_CONFIG = 2,  /* bad config or command line: nothing was started */
};

struct lw_daemon {
	struct lw_config *cfg;
	struct lw_loop loop;
	struct lw_worker_pool workers;
	struct lw_events events;
	struct lw_plugins plugins;
	struct lw_plugin_host host;
	struct lw_model *model;
	struct lw_coap_engine *coap;
	struct lw_coap_udp *udp;
	struct lw_coap_dtls *dtls; /* coap/dtls.c; NULL when [coaps] port = 0 */
	struct lw_coap_tcp *tcp, *tls; /* coap/tcp.c; NULL when off */
	struct lw_server *server; /* lwm2m/server.c */
	struct lw_http *http;     /* http/server.c */
	struct lw_storage_service *storage; /* storage/service.c */
	struct lw_credentials *creds;       /* security/credentials.c */
	struct lw_bootstrap *bootstrap;     /* lwm2m/bootstrap.c */
	struct event *sigs[3];
	time_t started;
	int workers_up, loop_up, plugins_loaded;
};

/*
 * Loads the plugins and checks every plugin section: what --check-config
 * does, and the first step of lw_daemon_start. Returns an LW_EXIT_* status,
 * with one line in err on failure.
 */
int lw_daemon_check(struct lw_daemon *d, struct lw_config *cfg, char *err, size_t errlen);
/* Starts everything; returns an LW_EXIT_* status with one line in err. */
int lw_daemon_start(struct lw_daemon *d, struct lw_config *cfg, char *err, size_t errlen);
/* Runs until SIGTERM or SIGINT. */
int lw_daemon_run(struct lw_daemon *d);
/* [coap]'s timing and limits, which every CoAP engine of the daemon shares. */
struct lw_coap_params;
void lw_daemon_coap_params(const struct lw_config *c, struct lw_coap_params *params);
/* [coaps]'s server identity and limits (certificate, key, CA, idle time,
 * sessions, handshake time), which every DTLS listener shares. */
struct lw_coap_dtls_config lw_daemon_dtls_config(const struct lw_config *c);
/* Stops whatever was started, in reverse, and frees it. */
void lw_daemon_stop(struct lw_daemon *d);

#endif
