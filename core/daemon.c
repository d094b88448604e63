/*
 * daemon.c: start-up and shut-down order of the server. Start: config checked,
 * plugins loaded and their sections checked, loop and workers up, listeners
 * bound, plugins started, a link-format codec required (Register needs it),
 * "started" published. Stop: the reverse, with the
 * worker pool drained before any plugin's fini so that no accepted job is lost.
 */
#include "daemon.h"

#include "lwm2m/model_int.h"

#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "coap/engine.h"
#include "coap/dtls.h"
#include "coap/tcp.h"
#include "coap/udp.h"
#include "http/server.h"
#include "lwm2m/server.h"
#include "lwm2m/bootstrap.h"
#include "security/credentials.h"
#include "storage/service.h"
#include "log.h"
#include "lwm2m/codec.h"
#include "lwm2m/ddf.h"
#include "lwm2m/ops.h"

static int mkdir_p(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

static void report_ddf(void *ctx, const char *line)
{
	lw_log(LW_LOG_WARN, "object model: %s (file skipped)", line);
}

/* Built-in objects, then every DDF file of [server] model_dirs. */
static int load_model(struct lw_daemon *d, char *err, size_t errlen)
{
	const struct lw_config *cfg = d->cfg;
	d->model = lw_model_new();
	if (!d->model || lw_model_add_builtin(d->model) != 0) {
		snprintf(err, errlen, "cannot build the object model: out of memory");
		return LW_EXIT_RUNTIME;
	}
	if (!cfg->model_dirs)
		return LW_EXIT_OK;
	char *list = strdup(cfg->model_dirs), *save = NULL;
	if (!list)
		return LW_EXIT_RUNTIME;
	int rc = LW_EXIT_OK;
	for (char *dir = strtok_r(list, " ,\t", &save); dir && !rc;
	     dir = strtok_r(NULL, " ,\t", &save)) {
		int n = lw_ddf_load_dir(d->model, dir, report_ddf, NULL);
		if (n < 0) {
			snprintf(err, errlen, "%s:%d: [server] model_dirs: cannot read folder %s",
			         cfg->path ? cfg->path : "defaults",
			         lw_config_line(cfg, "server", "model_dirs"), dir);
			rc = LW_EXIT_CONFIG;
		} else {
			lw_log(LW_LOG_INFO, "object model: %d definitions from %s", n, dir);
		}
	}
	free(list);
	return rc;
}

int lw_daemon_check(struct lw_daemon *d, struct lw_config *cfg, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	int rc = load_model(d, err, errlen);
	if (rc)
		return rc;
	lw_events_init(&d->events);
	d->host.events = &d->events;
	d->host.workers = &d->workers;
	d->host.loop = &d->loop;
	d->host.state_dir = cfg->state_dir;
	if (lw_plugins_load(&d->plugins, cfg, &d->host, err, errlen) != 0)
		return LW_EXIT_CONFIG;
	d->plugins_loaded = 1;
	return LW_EXIT_OK;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct lw_daemon *d = arg;
	if (sig == SIGHUP) {
		lw_log(LW_LOG_INFO, "SIGHUP: reopening the log");
		lw_log_reopen();
		return;
	}
	lw_log(LW_LOG_INFO, "%s: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	lw_loop_break(&d->loop);
}

/* Plain CoAP: an endpoint with a credential must use DTLS, and with
 * [coap] credentials_required every endpoint must. */
static int unsecured_ok(void *ctx, const char *endpoint)
{
	struct lw_daemon *d = ctx;
	if (d->cfg->coap_credentials_required)
		return 0;
	return !d->creds || !lw_credentials_by_endpoint(d->creds, endpoint);
}

void lw_daemon_coap_params(const struct lw_config *c, struct lw_coap_params *params)
{
	lw_coap_params_default(params);
	params->ack_timeout_ms = (uint32_t)c->coap_ack_timeout_ms;
	params->max_retransmit = (uint32_t)c->coap_max_retransmit;
	params->nstart = (uint32_t)c->coap_nstart;
	params->peer_idle_ms = (uint64_t)c->coap_peer_idle * 1000;
	params->dedup_max = (size_t)c->coap_dedup_max;
}

static int open_listeners(struct lw_daemon *d, char *err, size_t errlen)
{
	const struct lw_config *c = d->cfg;
	struct lw_coap_params params;
	lw_daemon_coap_params(c, &params);
	d->coap = malloc(sizeof(*d->coap));
	if (!d->coap || lw_coap_engine_init(d->coap, &d->loop.timers, &params) != 0) {
		free(d->coap);
		d->coap = NULL;
		snprintf(err, errlen, "cannot set up the CoAP engine: out of memory");
		return LW_EXIT_RUNTIME;
	}
	if (c->coap_port == 0)
		return LW_EXIT_OK;
	d->udp = malloc(sizeof(*d->udp));
	if (!d->udp) {
		snprintf(err, errlen, "out of memory");
		return LW_EXIT_RUNTIME;
	}
	char why[300];
	if (lw_coap_udp_open(d->udp, d->coap, d->loop.base, c->coap_bind, c->coap_port,
	                     c->coap_rcvbuf, why, sizeof(why)) != 0) {
		free(d->udp);
		d->udp = NULL;
		snprintf(err, errlen, "[coap] %s", why);
		return LW_EXIT_RUNTIME;
	}
	d->udp->ep.unsecured_ok = unsecured_ok;
	d->udp->ep.unsecured_ctx = d;
	lw_loop_set_batcher(&d->loop, lw_coap_udp_hold, lw_coap_udp_release, d->udp);
	return LW_EXIT_OK;
}

struct lw_coap_dtls_config lw_daemon_dtls_config(const struct lw_config *c)
{
	return (struct lw_coap_dtls_config){
		.certificate = c->coaps_certificate,
		.private_key = c->coaps_private_key,
		.ca_file = c->coaps_ca_file,
		.idle_ms = (uint64_t)c->coaps_session_idle * 1000,
		.max_sessions = (size_t)c->coaps_max_sessions,
		.handshake_timeout_ms = (uint32_t)c->coaps_handshake_timeout_ms,
	};
}

/* The DTLS listener, once the credentials it checks handshakes against are
 * loaded; it reads nothing until the registrations are back. */
static int open_dtls(struct lw_daemon *d, char *err, size_t errlen)
{
	const struct lw_config *c = d->cfg;
	if (c->coaps_port == 0)
		return LW_EXIT_OK;
	struct lw_coap_dtls_config dc = lw_daemon_dtls_config(c);
	dc.bind = c->coaps_bind;
	dc.port = c->coaps_port;
	dc.rcvbuf = c->coap_rcvbuf;
	char why[400];
	int rc = lw_coap_dtls_open(&d->dtls, d->coap, d->loop.base, &dc, d->creds, why,
	                           sizeof(why));
	/* The default port taken (another daemon, a test harness that does
	 * not know [coaps]) is worth a warning; a port the file asks for is
	 * not negotiable. */
	if (rc == LW_EEXIST && lw_config_line(c, "coaps", "port") == 0) {
		lw_log(LW_LOG_WARN, "[coaps] %s: DTLS is off (set [coaps] port, 0 to disable)", why);
		return LW_EXIT_OK;
	}
	if (rc) {
		snprintf(err, errlen, "[coaps] %s", why);
		return LW_EXIT_RUNTIME;
	}
	return LW_EXIT_OK;
}

/* CoAP over TCP and TLS (RFC 8323), once the credentials are loaded. As
 * for DTLS, a default port already taken only turns the listener off. */
static int open_tcp_one(struct lw_daemon *d, int tls, char *err, size_t errlen)
{
	const struct lw_config *c = d->cfg;
	const char *sec = tls ? "coaps_tcp" : "coap_tcp";
	struct lw_coap_tcp_config tc = {
		.bind = tls ? c->coaps_tcp_bind : c->coap_tcp_bind,
		.port = tls ? c->coaps_tcp_port : c->coap_tcp_port,
		.tls = tls,
		.certificate = c->coaps_certificate,
		.private_key = c->coaps_private_key,
		.ca_file = c->coaps_ca_file,
		.idle_ms = (uint64_t)c->coap_tcp_idle * 1000,
		.max_connections = (size_t)c->coap_tcp_max_connections,
		.handshake_timeout_ms = (uint32_t)c->coaps_handshake_timeout_ms,
		.unsecured_ok = unsecured_ok,
		.unsecured_ctx = d,
	};
	if (tc.port == 0)
		return LW_EXIT_OK;
	char why[400];
	int rc = lw_coap_tcp_open(tls ? &d->tls : &d->tcp, d->coap, d->loop.base, &tc, d->creds,
	                          why, sizeof(why));
	if (rc == LW_EEXIST && lw_config_line(c, sec, "port") == 0) {
		lw_log(LW_LOG_WARN, "[%s] %s: off (set [%s] port, 0 to disable)", sec, why, sec);
		return LW_EXIT_OK;
	}
	if (rc) {
		snprintf(err, errlen, "[%s] %s", sec, why);
		return LW_EXIT_RUNTIME;
	}
	return LW_EXIT_OK;
}

/* The endpoints' credentials, from the store when there is one. */
static int start_credentials(struct lw_daemon *d, char *err, size_t errlen)
{
	d->creds = calloc(1, sizeof(*d->creds));
	if (!d->creds || lw_credentials_init(d->creds) != 0) {
		free(d->creds);
		d->creds = NULL;
		snprintf(err, errlen, "out of memory");
		return LW_EXIT_RUNTIME;
	}
	const struct lw_store *st = d->storage->store.ops ? &d->storage->store : NULL;
	int rc = lw_credentials_load(d->creds, st, d->loop.base);
	if (rc) {
		snprintf(err, errlen, "security: reading credentials failed: %s", lw_strerror(rc));
		return LW_EXIT_RUNTIME;
	}
	return LW_EXIT_OK;
}

int lw_daemon_start(struct lw_daemon *d, struct lw_config *cfg, char *err, size_t errlen)
{
	int rc = lw_daemon_check(d, cfg, err, errlen);
	if (rc)
		return rc;
	d->started = time(NULL);
	if (mkdir_p(cfg->state_dir) != 0) {
		snprintf(err, errlen, "cannot create state directory %s: %s", cfg->state_dir,
		         strerror(errno));
		return LW_EXIT_RUNTIME;
	}
	if (lw_loop_init(&d->loop) != 0) {
		snprintf(err, errlen, "cannot create the event loop");
		return LW_EXIT_RUNTIME;
	}
	d->loop_up = 1;
	lw_hash_seed();
	if (lw_worker_pool_start(&d->workers, d->loop.base, cfg->workers,
	                         (size_t)cfg->worker_queue) != 0) {
		snprintf(err, errlen, "cannot start %d worker threads", cfg->workers);
		return LW_EXIT_RUNTIME;
	}
	d->workers_up = 1;
	static const int signals[3] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		d->sigs[i] = evsignal_new(d->loop.base, signals[i], on_signal, d);
		if (d->sigs[i])
			evsignal_add(d->sigs[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	rc = open_listeners(d, err, errlen);
	if (rc)
		return rc;
	d->storage = calloc(1, sizeof(*d->storage));
	if (!d->storage) {
		snprintf(err, errlen, "out of memory");
		return LW_EXIT_RUNTIME;
	}
	lw_storage_service_configure(d->storage, d);
	if (lw_plugins_start(&d->plugins, err, errlen) != 0)
		return LW_EXIT_RUNTIME;
	/* Every Register carries its object list in link format: without a
	 * codec for it, each one would be refused. Codecs exist only once the
	 * plugins' init ran, so this is checked here and not by --check. */
	const struct lw_codec *link = lw_codec_by_format(LW_CF_LINK);
	if (cfg->coap_port != 0 && (!link || !link->decode_links)) {
		char where[300];
		if (cfg->plugins)
			snprintf(where, sizeof(where), "%s:%d: [server] plugins",
			         cfg->path ? cfg->path : "defaults",
			         lw_config_line(cfg, "server", "plugins"));
		else
			snprintf(where, sizeof(where), "[server] plugin_dir %s", cfg->plugin_dir);
		snprintf(err, errlen, "%s: no codec for content format 40 (application/link-format) "
		         "is loaded, so every Register would be refused: load plugin codec-link",
		         where);
		return LW_EXIT_CONFIG;
	}
	rc = lw_server_start(d, err, errlen);
	struct lw_operations *ops = rc ? NULL : lw_server_ops(d);
	if (ops)
		ops->reobserve = cfg->reobserve_on_register;
	/* Registrations come back from the store before any datagram is read:
	 * an Update must find its registration. */
	if (!rc && d->udp)
		lw_coap_udp_pause(d->udp, 1);
	if (!rc)
		rc = lw_storage_service_start(d->storage, d, err, errlen);
	if (!rc)
		rc = start_credentials(d, err, errlen);
	if (!rc)
		rc = lw_bootstrap_start(d, err, errlen);
	if (!rc)
		rc = open_dtls(d, err, errlen);
	if (!rc && d->coap)
		rc = open_tcp_one(d, 0, err, errlen);
	if (!rc && d->coap)
		rc = open_tcp_one(d, 1, err, errlen);
	/* HTTP reads its users and tokens from the store, running the loop:
	 * datagrams wait until it is up too, so an answer means all is up. */
	if (!rc)
		rc = lw_http_start(d, err, errlen);
	if (!rc && d->udp)
		lw_coap_udp_pause(d->udp, 0);
	if (rc)
		return rc;
	char listen[512] = "CoAP disabled";
	if (d->udp)
		snprintf(listen, sizeof(listen), "CoAP on udp %s:%d", cfg->coap_bind,
		         lw_coap_udp_port(d->udp));
	if (d->dtls) {
		size_t l = d->udp ? strlen(listen) : 0;
		snprintf(listen + l, sizeof(listen) - l, "%sCoAP on dtls %s:%d (%s)",
		         d->udp ? ", " : "", cfg->coaps_bind, lw_coap_dtls_port(d->dtls),
		         cfg->coaps_certificate ? "psk, rpk, x509" : "psk");
	}
	for (int i = 0; i < 2; i++) {
		struct lw_coap_tcp *t = i ? d->tls : d->tcp;
		size_t l = strlen(listen);
		if (t)
			snprintf(listen + l, sizeof(listen) - l, ", CoAP on %s %s:%d",
			         i ? "tls" : "tcp", i ? cfg->coaps_tcp_bind : cfg->coap_tcp_bind,
			         lw_coap_tcp_port(t));
	}
	lw_log(LW_LOG_INFO, "lwm2md %s ready: %s, %zu plugin%s, state in %s", PACKAGE_VERSION,
	       listen, d->plugins.count, d->plugins.count == 1 ? "" : "s", cfg->state_dir);
	lw_events_publish(&d->events, LW_EVENT_STARTED, NULL, NULL);
	return LW_EXIT_OK;
}

int lw_daemon_run(struct lw_daemon *d)
{
	return lw_loop_run(&d->loop) == 0 ? LW_EXIT_OK : LW_EXIT_RUNTIME;
}

void lw_daemon_stop(struct lw_daemon *d)
{
	if (d->plugins_loaded && d->loop_up)
		lw_events_publish(&d->events, LW_EVENT_STOPPING, NULL, NULL);
	/* HTTP first (no new operator requests), then the LwM2M side, then CoAP. */
	lw_http_stop(d);
	if (d->storage)
		lw_storage_service_drain(d->storage);
	lw_server_stop(d);
	lw_bootstrap_stop(d);
	/* DTLS sessions look credentials up: they go first. */
	lw_coap_dtls_close(d->dtls);
	d->dtls = NULL;
	lw_coap_tcp_close(d->tls);
	d->tls = NULL;
	lw_coap_tcp_close(d->tcp);
	d->tcp = NULL;
	if (d->creds) {
		lw_credentials_free(d->creds);
		free(d->creds);
		d->creds = NULL;
	}
	if (d->storage) {
		lw_storage_service_stop(d->storage);
		free(d->storage);
		d->storage = NULL;
	}
	if (d->udp) {
		lw_loop_set_batcher(&d->loop, NULL, NULL, NULL);
		lw_coap_udp_close(d->udp);
		free(d->udp);
		d->udp = NULL;
	}
	if (d->coap) {
		lw_coap_engine_free(d->coap);
		free(d->coap);
		d->coap = NULL;
	}
	if (d->workers_up)
		lw_worker_pool_stop(&d->workers);
	d->workers_up = 0;
	if (d->plugins_loaded)
		lw_plugins_unload(&d->plugins);
	d->plugins_loaded = 0;
	lw_events_free(&d->events);
	lw_model_free(d->model);
	d->model = NULL;
	for (int i = 0; i < 3; i++)
		if (d->sigs[i])
			event_free(d->sigs[i]);
	memset(d->sigs, 0, sizeof(d->sigs));
	if (d->loop_up)
		lw_loop_free(&d->loop);
	d->loop_up = 0;
}
