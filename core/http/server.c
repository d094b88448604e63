/*
 * http/server.c: the HTTP server (CivetWeb): start and stop, and the one
 * request handler that authenticates, routes, reads the body and hands the
 * request to the loop thread (see http.h for the threading rules).
 *
 * Order of checks, so that nothing leaks to a caller without the token:
 * route lookup (public routes skip the rest), then the token for every other
 * /api/ path (401 even for paths that do not exist), then 404/405, then the
 * body (413, 400), then the handler.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "http/http.h"
#include "log.h"
#include "lwm2m/error.h"
#include "security/users.h"

const char lw_http_security_headers[] = "X-Content-Type-Options: nosniff\r\n"
                                        "X-Frame-Options: DENY\r\n"
                                        "Content-Security-Policy: default-src 'self'\r\n"
                                        "Cache-Control: no-store\r\n";

static void send_response(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r,
                          const char *extra)
{
	if (!r->out && r->status != 204) /* 204 No Content is the one answer without a body */
		lw_http_reply_error(r, 500, "internal", "the handler gave no answer");
	int status = r->status;
	atomic_fetch_add(&h->responses[status / 100 % 6], 1);
	/* Head and body in one write: two would be two segments (TCP_NODELAY)
	 * and, kept alive, a delayed ACK between them. */
	char head[2048];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "Content-Length: %zu\r\n"
	                 "%s%s%s%s"
	                 "Connection: %s\r\n\r\n",
	                 status, mg_get_response_code_text(c, status), r->ctype, r->out_len,
	                 lw_http_security_headers, extra ? extra : "", r->hdrs,
	                 h->tls ? "Strict-Transport-Security: max-age=31536000\r\n" : "",
	                 lw_http_connection(h, c, status));
	size_t body = r->out_len && strcmp(r->method, "HEAD") != 0 ? r->out_len : 0;
	if (n > 0 && (size_t)n < sizeof(head) && body <= 16384) {
		char *all = malloc((size_t)n + body);
		if (all) {
			memcpy(all, head, (size_t)n);
			if (body)
				memcpy(all + n, r->out, body);
			mg_write(c, all, (size_t)n + body);
			free(all);
			return;
		}
	}
	if (n > 0)
		mg_write(c, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1);
	if (body)
		mg_write(c, r->out, body);
}

/* Keeps the connection when the server allows it and the request did not
 * ask otherwise (HTTP/1.0 must ask for it), but not after a 401; CivetWeb
 * is told what the header says, since it cannot see a header we print. */
const char *lw_http_connection(const struct lw_http *h, struct mg_connection *c, int status)
{
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *conn = mg_get_header(c, "Connection");
	int keep = h->d->cfg->http_keep_alive_ms > 0 && status != 401;
	if (keep && conn && strcasestr(conn, "close"))
		keep = 0;
	if (keep && ri && ri->http_version && strcmp(ri->http_version, "1.1") != 0)
		keep = conn && strcasestr(conn, "keep-alive");
	if (!keep)
		mg_disable_connection_keep_alive(c);
	return keep ? "keep-alive" : "close";
}

static int is_api(const char *path)
{
	return strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0;
}

/* Reads the body into a malloc'd buffer: 0, or the status to answer. */
static int read_body(struct mg_connection *c, const struct mg_request_info *ri, char **out,
                     size_t *len)
{
	*out = NULL;
	*len = 0;
	if (ri->content_length > LW_HTTP_MAX_BODY)
		return 413;
	size_t cap = ri->content_length >= 0 ? (size_t)ri->content_length + 1 : 4096;
	char *buf = malloc(cap);
	if (!buf)
		return 500;
	size_t n = 0;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > LW_HTTP_MAX_BODY) {
				free(buf);
				return 413;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return 500;
			}
			buf = nb;
			cap *= 2;
		}
		int got = mg_read(c, buf + n, cap - n - 1);
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n > LW_HTTP_MAX_BODY) {
			free(buf);
			return 413;
		}
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int on_request(struct mg_connection *c, void *arg)
{
	struct lw_http *h = arg;
	const struct mg_request_info *ri = mg_get_request_info(c);
	struct lw_http_req *r = calloc(1, sizeof(*r));
	if (!r) {
		mg_send_http_error(c, 500, "out of memory");
		return 500;
	}
	r->h = h;
	r->method = ri->request_method;
	r->path = ri->local_uri ? ri->local_uri : "/";
	r->query = ri->query_string;

	/* Route: the path's routes, and the one for this method. */
	const struct lw_http_route *rt = NULL;
	char allow[64] = "";
	for (size_t i = 0; i < lw_http_n_routes; i++) {
		const struct lw_http_route *x = &lw_http_routes[i];
		if (!lw_http_match(x->pattern, r->path, NULL))
			continue;
		if (strcmp(x->method, r->method) == 0 && !rt)
			rt = x;
		else if (!strstr(allow, x->method))
			snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
			         allow[0] ? ", " : "", x->method);
	}
	if (rt)
		lw_http_match(rt->pattern, r->path, r);

	char *body = NULL;
	size_t body_len = 0;
	char extra[128] = "";
	int busy = 0;
	/* The console's files (static.c): public, like any login page. */
	if (!rt && !allow[0] && !is_api(r->path) &&
	    lw_http_static(h, c, r->method, r->path) > 0)
		goto done;
	/* EventSource cannot send headers: the event stream alone also takes
	 * its token as ?access_token= (docs/rest.md). */
	const char *authz = mg_get_header(c, "Authorization");
	char qauth[300];
	if (!authz && rt && rt->direct == lw_http_sse_stream && r->query &&
	    mg_get_var(r->query, strlen(r->query), "access_token", qauth + 7,
	               sizeof(qauth) - 7) > 0) {
		memcpy(qauth, "Bearer ", 7);
		authz = qauth;
	}
	if ((!rt || !(rt->flags & LW_ROUTE_PUBLIC)) && is_api(r->path) &&
	    !lw_http_authenticate(h, authz, r)) {
		snprintf(extra, sizeof(extra), "WWW-Authenticate: Bearer realm=\"lwm2md\"\r\n");
		lw_http_reply_error(r, 401, "unauthorized",
		                    "a valid token is needed: Authorization: Bearer TOKEN");
	} else if (rt && !(rt->flags & LW_ROUTE_PUBLIC) && r->role < lw_http_route_role(rt->flags)) {
		lw_http_reply_error(r, 403, "forbidden", "%s %s needs the role %s", r->method, r->path,
		                    lw_role_name(lw_http_route_role(rt->flags)));
	} else if (!rt && allow[0]) {
		snprintf(extra, sizeof(extra), "Allow: %s\r\n", allow);
		lw_http_reply_error(r, 405, "method-not-allowed", "%s is not allowed on %s (allowed: %s)",
		                    r->method, r->path, allow);
	} else if (!rt) {
		lw_http_reply_error(r, 404, "not-found", "no such resource: %s", r->path);
	} else {
		int st = read_body(c, ri, &body, &body_len);
		char msg[300];
		if (st == 413)
			lw_http_reply_error(r, 413, "too-large", "the request body is over %d bytes",
			                    LW_HTTP_MAX_BODY);
		else if (st)
			lw_http_reply_error(r, 500, "internal", "out of memory");
		else if ((rt->flags & LW_ROUTE_JSON) && body_len &&
		         lw_http_parse_json(body, body_len, &r->body, msg, sizeof(msg)) != 0)
			lw_http_reply_error(r, 400, "bad-request", "%s", msg);
		else if (rt->direct && rt->direct(h, c, r) > 0)
			goto done; /* it answered on the socket itself */
		else if (!rt->direct) {
			pthread_mutex_lock(&h->mu);
			h->n_busy++;
			pthread_mutex_unlock(&h->mu);
			busy = 1;
			int rc = lw_http_bridge_call(h, rt->loop, r);
			if (rc == LW_ETIMEDOUT && r->deferred)
				lw_http_reply_error(r, 504, "timeout",
				                    "the device did not answer in time");
			else if (rc == LW_ETIMEDOUT)
				lw_http_reply_error(r, 503, "unavailable",
				                    "the server is busy: no answer within %d ms",
				                    h->bridge_ms);
			else if (rc)
				lw_http_reply_error(r, 503, "unavailable",
				                    "the server is shutting down");
		}
	}
	send_response(h, c, r, extra);
	if (busy) {
		/* Stopping waits for answers in flight: mg_stop() would cut them. */
		pthread_mutex_lock(&h->mu);
		h->n_busy--;
		pthread_cond_broadcast(&h->cv);
		pthread_mutex_unlock(&h->mu);
	}
done:;
	int status = r->status ? r->status : 200;
	free(body);
	json_decref(r->body);
	free(r->out);
	free(r);
	return status;
}

static int on_log(const struct mg_connection *c, const char *message)
{
	(void)c;
	lw_log(LW_LOG_WARN, "http: %s", message);
	return 1;
}

/* Why bind failed, as the OS says it (CivetWeb's own words are vaguer). */
static void bind_reason(const char *bind_addr, int port, char *why, size_t len)
{
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, bind_addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		sl = sizeof(*in);
	} else if (inet_pton(AF_INET6, bind_addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		sl = sizeof(*in6);
	} else {
		snprintf(why, len, "not a numeric IPv4 or IPv6 address");
		return;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0)
		snprintf(why, len, "%s", strerror(errno));
	else if (ss.ss_family == AF_INET6 && !mg_check_feature(MG_FEATURES_IPV6))
		snprintf(why, len, "this CivetWeb build has no IPv6 support");
	else
		snprintf(why, len, "CivetWeb could not set up the port");
	if (fd >= 0)
		close(fd);
}

/*
 * CivetWeb's accepting thread notices mg_stop() only when its poll() ends,
 * which takes up to two seconds when nobody connects. Connecting to our own
 * port while mg_stop() runs ends that poll at once.
 */
struct poker {
	struct sockaddr_storage ss;
	socklen_t len;
	atomic_int done;
};

static void *poke(void *arg)
{
	struct poker *p = arg;
	while (!atomic_load(&p->done)) {
		int fd = socket(p->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			connect(fd, (struct sockaddr *)&p->ss, p->len);
			close(fd);
		}
		usleep(20000);
	}
	return NULL;
}

static void stop_civetweb(struct lw_http *h)
{
	const struct lw_config *cfg = h->d->cfg;
	struct poker p;
	memset(&p, 0, sizeof(p));
	struct sockaddr_in *in = (struct sockaddr_in *)&p.ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&p.ss;
	const char *a = cfg->http_bind;
	if (inet_pton(AF_INET, a, &in->sin_addr) == 1) {
		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)cfg->http_port);
		p.len = sizeof(*in);
	} else if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)cfg->http_port);
		p.len = sizeof(*in6);
	}
	pthread_t t;
	int poking = p.len && pthread_create(&t, NULL, poke, &p) == 0;
	mg_stop(h->ctx);
	h->ctx = NULL;
	if (poking) {
		atomic_store(&p.done, 1);
		pthread_join(t, NULL);
	}
}

static void http_free(struct lw_http *h)
{
	if (h->ctx)
		stop_civetweb(h);
	lw_http_sse_free(h);
	lw_http_bridge_free(h);
	lw_http_users_free(h);
	pthread_mutex_destroy(&h->mu);
	mg_exit_library();
	free(h);
}

int lw_http_start(struct lw_daemon *d, char *err, size_t errlen)
{
	const struct lw_config *cfg = d->cfg;
	if (cfg->http_port == 0) {
		lw_log(LW_LOG_INFO, "HTTP disabled ([http] port = 0)");
		return LW_EXIT_OK;
	}
	struct lw_http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "[http] out of memory");
		return LW_EXIT_RUNTIME;
	}
	h->d = d;
	h->efd = -1;
	pthread_mutex_init(&h->mu, NULL);
	/* OpenSSL is loaded (at run time) only for HTTPS, after tls.c chose
	 * which libssl.so CivetWeb gets. */
	char pem[4200];
	if (lw_http_tls_setup(h, pem, sizeof(pem), err, errlen) != 0) {
		pthread_mutex_destroy(&h->mu);
		free(h);
		return LW_EXIT_RUNTIME;
	}
	mg_init_library(h->tls ? MG_FEATURES_TLS : 0);
	if (lw_http_auth_setup(h, err, errlen) != 0) {
		http_free(h);
		return LW_EXIT_RUNTIME;
	}
	if (lw_http_bridge_init(h) != 0 || lw_http_sse_init(h) != 0) {
		snprintf(err, errlen, "[http] cannot set up the request bridge");
		http_free(h);
		return LW_EXIT_RUNTIME;
	}

	const char *bind_addr = cfg->http_bind;
	int v6 = strchr(bind_addr, ':') != NULL;
	char ports[300], threads[16], keep_ms[16];
	snprintf(ports, sizeof(ports), v6 ? "[%s]:%d%s" : "%s:%d%s", bind_addr, cfg->http_port,
	         h->tls ? "s" : "");
	snprintf(threads, sizeof(threads), "%d", cfg->http_threads);
	snprintf(keep_ms, sizeof(keep_ms), "%d", cfg->http_keep_alive_ms);
	const char *opts[] = {
		"listening_ports", ports,
		"num_threads", threads,
		"request_timeout_ms", "10000",
		/* Not 0: an abortive close (RST) would cut answers over the
		 * socket buffer (~128 KiB: console scripts, long client lists). */
		"linger_timeout_ms", "1000",
		/* A worker serves one connection until it closes or idles for
		 * keep_alive_timeout_ms: scripts and the console reuse theirs,
		 * which saves a TCP set-up and a hand-over per request. */
		"enable_keep_alive", cfg->http_keep_alive_ms > 0 ? "yes" : "no",
		"keep_alive_timeout_ms", keep_ms,
		/* CivetWeb's own error pages (malformed requests) get these too. */
		"additional_header",
		"X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
		"Content-Security-Policy: default-src 'self'",
		/* last, so that without HTTPS the list ends here */
		h->tls ? "ssl_certificate" : NULL, pem,
		NULL,
	};
	struct mg_callbacks cbs;
	memset(&cbs, 0, sizeof(cbs));
	cbs.log_message = on_log;
	char text[256] = "";
	unsigned code = 0;
	struct mg_error_data e = {&code, text, sizeof(text)};
	struct mg_init_data init = {&cbs, h, opts};
	h->ctx = mg_start2(&init, &e);
	if (!h->ctx) {
		char why[256];
		bind_reason(bind_addr, cfg->http_port, why, sizeof(why));
		if (h->tls && text[0] && strstr(why, "CivetWeb could not"))
			snprintf(why, sizeof(why), "%s", text); /* TLS set-up: its words tell */
		snprintf(err, errlen, "[http] cannot listen on %s: %s", ports, why);
		http_free(h);
		return LW_EXIT_RUNTIME;
	}
	mg_set_request_handler(h->ctx, "/", on_request, h);
	d->http = h;
	lw_log(LW_LOG_INFO, "%s on %s", h->tls ? "HTTPS" : "HTTP", ports);
	return LW_EXIT_OK;
}

void lw_http_stop(struct lw_daemon *d)
{
	struct lw_http *h = d->http;
	if (!h)
		return;
	/*
	 * mg_stop() joins CivetWeb's threads; some may wait for this very
	 * thread (bridge jobs) or for events (streams): release them first.
	 */
	pthread_mutex_lock(&h->mu);
	h->stopping = 1;
	lw_http_bridge_fail_all(h);
	lw_http_bridge_fail_deferred(h);
	lw_http_sse_close_all(h);
	/*
	 * Streams flush what they hold (the "stopping" event), and requests
	 * that waited write their 503, before mg_stop(), after which CivetWeb
	 * refuses to write; a peer that does not read gets one second.
	 */
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 1;
	while ((h->n_sse > 0 || h->n_busy > 0) &&
	       pthread_cond_timedwait(&h->cv, &h->mu, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&h->mu);
	http_free(h);
	d->http = NULL;
}
