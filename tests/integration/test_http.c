/*
 * tests/integration/test_http.c: the HTTP side of the real daemon, checked
 * from outside with a small raw-socket HTTP client (no client library hides
 * what goes over the wire): the health check without a token, 401 for every
 * other /api/v1 call without the right one, the JSON shape of errors, the
 * security headers, Prometheus counters that move with CoAP traffic, the
 * event stream (greeting, keep-alives, a registration event, the ?ep= filter,
 * the "stopping" event at SIGTERM), the generated token file, and a clear
 * exit status 1 when the HTTP port is taken.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coap/message.h"
#include "daemon.h"
#include "httpc.h"

#define TOKEN "s3cret-test-token"

static struct lwd d;
static int http_port;

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
}

static void teardown(void)
{
	lwd_cleanup(&d);
}

TestSuite(http, .init = setup, .fini = teardown, .timeout = 30);

/* Starts the daemon with HTTP on a free port; token NULL: none configured. */
static void start(const char *token)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = httpc_free_port();
		cr_assert_gt(http_port, 0);
		char extra[256];
		/* Keep-alives every 200 ms so that the stream tests see some quickly. */
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nsse_keepalive_ms = 200\n%s%s\n",
		         http_port, token ? "admin_token = " : "", token ? token : "");
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
	}
	char *log = lw_slurp(d.err);
	cr_assert_fail("lwm2md did not start:\n%s", log ? log : "(no log)");
}

/* Sends an HTTP/1.1 request; auth NULL leaves the header out. The socket or -1. */
static int http_send(const char *method, const char *target, const char *auth,
                     const char *more_headers)
{
	return httpc_send(http_port, method, target, auth, more_headers, NULL);
}

/* One whole request and response (the server closes after each). */
static void http(struct httpc_resp *r, const char *method, const char *target, const char *auth,
                 const char *more_headers)
{
	int rc = httpc_request(r, http_port, method, target, auth, more_headers, NULL, 5000);
	cr_assert_eq(rc, 0, "%s %s: bad answer:\n%s", method, target, r->raw);
}

/* The value of a header (case as the server writes it) or NULL. */
static const char *header(const struct httpc_resp *r, const char *name, char *out, size_t cap)
{
	char key[128];
	snprintf(key, sizeof(key), "\r\n%s: ", name);
	const char *p = strstr(r->raw, key);
	const char *hend = strstr(r->raw, "\r\n\r\n");
	if (!p || p > hend)
		return NULL;
	p += strlen(key);
	size_t n = strcspn(p, "\r");
	snprintf(out, cap, "%.*s", (int)n, p);
	return out;
}

static void expect_security_headers(const struct httpc_resp *r)
{
	char v[256];
	cr_expect(header(r, "X-Content-Type-Options", v, sizeof(v)) && !strcmp(v, "nosniff"),
	          "no nosniff:\n%s", r->raw);
	cr_expect(header(r, "X-Frame-Options", v, sizeof(v)) && !strcmp(v, "DENY"));
	cr_expect(header(r, "Content-Security-Policy", v, sizeof(v)) &&
	          !strcmp(v, "default-src 'self'"));
	cr_expect(header(r, "Cache-Control", v, sizeof(v)) && !strcmp(v, "no-store"));
}

/* The body is exactly {"error": code, "message": non-empty string}. */
static void expect_error(const struct httpc_resp *r, int status, const char *code)
{
	cr_assert_eq(r->status, status, "expected %d:\n%s", status, r->raw);
	char v[128];
	cr_expect(header(r, "Content-Type", v, sizeof(v)) && !strcmp(v, "application/json"));
	json_error_t e;
	json_t *o = json_loads(r->body, 0, &e);
	cr_assert(o, "error body is not JSON (%s): %s", e.text, r->body);
	cr_expect_eq(json_object_size(o), 2, "extra members: %s", r->body);
	cr_expect_str_eq(json_string_value(json_object_get(o, "error")), code);
	const char *msg = json_string_value(json_object_get(o, "message"));
	cr_expect(msg && *msg, "no message: %s", r->body);
	json_decref(o);
	expect_security_headers(r);
}

Test(http, health_needs_no_token)
{
	start(TOKEN);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/health", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	expect_security_headers(&r);
	json_t *o = json_loads(r.body, 0, NULL);
	cr_assert(o, "not JSON: %s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(o, "status")), "ok");
	cr_expect(json_is_string(json_object_get(o, "version")));
	cr_expect(json_is_integer(json_object_get(o, "uptime")));
	cr_expect(json_integer_value(json_object_get(o, "uptime")) >= 0);
	cr_expect(json_is_integer(json_object_get(o, "clients")));
	cr_expect_eq(json_integer_value(json_object_get(o, "clients")), 0);
	json_decref(o);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

Test(http, api_needs_the_token)
{
	start(TOKEN);
	struct httpc_resp r;
	char v[128];
	http(&r, "GET", "/api/v1/clients", NULL, NULL);
	expect_error(&r, 401, "unauthorized");
	cr_expect(header(&r, "WWW-Authenticate", v, sizeof(v)) && !strncmp(v, "Bearer", 6));
	http(&r, "GET", "/api/v1/clients", "Bearer wrong-token", NULL);
	expect_error(&r, 401, "unauthorized");
	/* A prefix of the right token, and the right token under another scheme. */
	http(&r, "GET", "/api/v1/clients", "Bearer s3cret", NULL);
	expect_error(&r, 401, "unauthorized");
	http(&r, "GET", "/api/v1/clients", "Basic " TOKEN, NULL);
	expect_error(&r, 401, "unauthorized");
	/* Unknown paths tell nothing without the token either. */
	http(&r, "GET", "/api/v1/no-such-thing", NULL, NULL);
	expect_error(&r, 401, "unauthorized");
	http(&r, "GET", "/api/v1/events", NULL, NULL);
	expect_error(&r, 401, "unauthorized");

	http(&r, "GET", "/api/v1/clients", "Bearer " TOKEN, NULL);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	expect_security_headers(&r);
	json_t *list = json_loads(r.body, 0, NULL);
	cr_expect(json_is_array(list) && json_array_size(list) == 0, "%s", r.body);
	json_decref(list);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

Test(http, errors_are_json)
{
	start(TOKEN);
	struct httpc_resp r;
	char v[128];
	http(&r, "GET", "/api/v1/no-such-thing", "Bearer " TOKEN, NULL);
	expect_error(&r, 404, "not-found");
	http(&r, "GET", "/api/v1/clients/ghost", "Bearer " TOKEN, NULL);
	expect_error(&r, 404, "not-found");
	cr_expect(strstr(r.body, "ghost"), "the message should name the endpoint: %s", r.body);
	http(&r, "GET", "/nothing-here", NULL, NULL);
	expect_error(&r, 404, "not-found");
	http(&r, "DELETE", "/api/v1/clients", "Bearer " TOKEN, NULL);
	expect_error(&r, 405, "method-not-allowed");
	cr_expect(header(&r, "Allow", v, sizeof(v)) && !strcmp(v, "GET"), "%s", r.raw);
	/* Refused from the Content-Length alone: the body is never sent. */
	http(&r, "GET", "/api/v1/clients", "Bearer " TOKEN, "Content-Length: 5000000\r\n");
	expect_error(&r, 413, "too-large");
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

/* The value of an unlabelled sample in Prometheus text, or -1. */
static long long sample(const char *text, const char *name)
{
	char key[160];
	snprintf(key, sizeof(key), "\n%s ", name);
	const char *p = strstr(text, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

Test(http, metrics_follow_coap_traffic)
{
	start(TOKEN);
	struct httpc_resp r;
	char v[128];
	http(&r, "GET", "/metrics", NULL, NULL);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	cr_expect(header(&r, "Content-Type", v, sizeof(v)) &&
	          !strncmp(v, "text/plain; version=0.0.4", 25), "%s", r.raw);
	expect_security_headers(&r);
	long long rx0 = sample(r.body, "lwm2md_coap_rx_total");
	long long rst0 = sample(r.body, "lwm2md_coap_rst_out_total");
	cr_assert_geq(rx0, 0, "no lwm2md_coap_rx_total in:\n%s", r.body);
	cr_assert_geq(rst0, 0, "no lwm2md_coap_rst_out_total in:\n%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_clients"), 0);
	cr_expect_geq(sample(r.body, "lwm2md_uptime_seconds"), 0);
	cr_expect_geq(sample(r.body, "lwm2md_coap_peers"), 0);
	cr_expect_geq(sample(r.body, "lwm2md_coap_dedup_entries"), 0);
	cr_expect_geq(sample(r.body, "lwm2md_worker_queue_depth"), 0);
	cr_expect(strstr(r.body, "\nlwm2md_events_published_total{kind=\"started\"} 1\n"),
	          "%s", r.body);
	cr_expect(strstr(r.body, "# TYPE lwm2md_coap_rx_total counter\n"));

	/* Three CoAP pings: three datagrams in, three RSTs out. */
	for (int i = 0; i < 3; i++)
		cr_assert_eq(lw_coap_ping(d.port, 2000), 0);
	http(&r, "GET", "/metrics", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_expect_eq(sample(r.body, "lwm2md_coap_rx_total"), rx0 + 3, "%s", r.body);
	cr_expect_eq(sample(r.body, "lwm2md_coap_rst_out_total"), rst0 + 3, "%s", r.body);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

/* A Register for endpoint ep over raw UDP; 0 once 2.01 Created comes back. */
static int coap_register(const char *ep)
{
	int fd = lw_udp_connect(d.port);
	if (fd < 0)
		return -1;
	uint8_t buf[512], tok[2] = {0x7a, 0x01};
	struct lw_coap_builder b;
	char q[128];
	snprintf(q, sizeof(q), "ep=%s", ep);
	lw_coap_build_start(&b, buf, sizeof(buf), LW_COAP_CON, LW_COAP_POST, 0x4321, tok, 2);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_PATH, "rd");
	lw_coap_build_opt_uint(&b, LW_COAP_OPT_CONTENT_FORMAT, 40);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, q);
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, "lt=300");
	lw_coap_build_opt_str(&b, LW_COAP_OPT_URI_QUERY, "lwm2m=1.1");
	static const char links[] = "</1/0>,</3/0>";
	lw_coap_build_payload(&b, links, sizeof(links) - 1);
	size_t len;
	int rc = -1;
	if (lw_coap_build_end(&b, &len) == 0 && send(fd, buf, len, 0) == (ssize_t)len) {
		uint8_t in[512];
		ssize_t n = lw_udp_recv(fd, in, sizeof(in), 3000);
		if (n >= 4 && in[1] == LW_COAP_CREATED)
			rc = 0;
		else
			fprintf(stderr, "Register: no 2.01 (got %zd bytes, code 0x%02x)\n", n,
			        n >= 2 ? in[1] : 0);
	}
	close(fd);
	return rc;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(http, event_stream_delivers_registrations)
{
	start(TOKEN);
	static char mine[16384], other[16384];
	size_t ml = 0, ol = 0;
	int fm = http_send("GET", "/api/v1/events?ep=dev1", "Bearer " TOKEN, NULL);
	int fo = http_send("GET", "/api/v1/events?ep=someone-else", "Bearer " TOKEN, NULL);
	cr_assert(fm >= 0 && fo >= 0);
	/* The greeting comes after the stream is subscribed. */
	cr_assert_eq(httpc_read_until(fm, mine, sizeof(mine), &ml, ": lwm2md event stream\n\n", 3000), 0,
	             "no greeting:\n%s", mine);
	cr_assert_eq(httpc_read_until(fo, other, sizeof(other), &ol, ": lwm2md event stream\n\n", 3000),
	             0);
	cr_expect(strstr(mine, "HTTP/1.1 200 OK\r\n"), "%s", mine);
	cr_expect(strstr(mine, "\r\nContent-Type: text/event-stream"), "%s", mine);
	cr_expect(strstr(mine, "\r\nCache-Control: no-store\r\n"), "%s", mine);
	/* Keep-alive comments arrive while nothing happens. */
	cr_expect_eq(httpc_read_until(fm, mine, sizeof(mine), &ml, ": keep-alive\n\n", 3000), 0,
	             "no keep-alive:\n%s", mine);

	cr_assert_eq(coap_register("dev1"), 0, "the Register was refused");
	cr_assert_eq(httpc_read_until(fm, mine, sizeof(mine), &ml, "\"endpoint\":\"dev1\"", 3000), 0,
	             "no registration event:\n%s", mine);
	const char *ev = strstr(mine, "event: registration\ndata: {");
	cr_assert(ev, "not an SSE registration event:\n%s", mine);
	const char *data = ev + strlen("event: registration\ndata: ");
	const char *end = strstr(data, "\n\n");
	cr_assert(end, "the event does not end with a blank line:\n%s", mine);
	json_t *o = json_loadb(data, (size_t)(end - data), 0, NULL);
	cr_assert(o, "data is not one JSON object: %.*s", (int)(end - data), data);
	cr_expect_str_eq(json_string_value(json_object_get(o, "event")), "registration");
	cr_expect_str_eq(json_string_value(json_object_get(o, "endpoint")), "dev1");
	json_decref(o);

	/*
	 * The other stream filtered it out: an event is queued to every
	 * matching stream at once, before any is written, and a stream writes
	 * its queue before its next keep-alive; so a keep-alive that comes
	 * after dev1's event would have followed it.
	 */
	httpc_read_until(fo, other, sizeof(other), &ol, "\n\n\n", 100); /* take what is there */
	int before = count(other, ": keep-alive\n\n");
	uint64_t until = lw_now_ms() + 3000;
	while (count(other, ": keep-alive\n\n") == before && lw_now_ms() < until)
		httpc_read_until(fo, other, sizeof(other), &ol, "\n\n\n", 100);
	cr_assert_gt(count(other, ": keep-alive\n\n"), before, "the other stream went quiet");
	cr_expect_null(strstr(other, "event: "), "the ?ep= filter let through:\n%s", other);

	/* The API sees the client the event talked about. */
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients", "Bearer " TOKEN, NULL);
	cr_assert_eq(r.status, 200);
	json_t *list = json_loads(r.body, 0, NULL);
	cr_assert(json_is_array(list) && json_array_size(list) == 1, "%s", r.body);
	json_t *c = json_array_get(list, 0);
	cr_expect_str_eq(json_string_value(json_object_get(c, "endpoint")), "dev1");
	cr_expect_eq(json_integer_value(json_object_get(c, "lifetime")), 300);
	cr_expect(json_is_false(json_object_get(c, "secure")));
	json_decref(list);
	http(&r, "GET", "/api/v1/clients/dev1", "Bearer " TOKEN, NULL);
	cr_expect_eq(r.status, 200, "%s", r.raw);
	http(&r, "GET", "/api/v1/clients?q=nobody", "Bearer " TOKEN, NULL);
	cr_expect_str_eq(r.body, "[]");
	http(&r, "GET", "/api/v1/health", NULL, NULL);
	cr_expect(strstr(r.body, "\"clients\":1"), "%s", r.body);

	close(fm);
	close(fo);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

Test(http, sigterm_with_an_open_stream)
{
	start(TOKEN);
	static char buf[16384];
	size_t len = 0;
	int fd = http_send("GET", "/api/v1/events", "Bearer " TOKEN, NULL);
	cr_assert_geq(fd, 0);
	cr_assert_eq(httpc_read_until(fd, buf, sizeof(buf), &len, ": lwm2md event stream\n\n", 3000), 0);
	uint64_t t0 = lw_now_ms();
	int st = lwd_signal_wait(&d, SIGTERM, 2000);
	cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "no clean exit within 2 s (status 0x%x)", st);
	cr_expect_lt(lw_now_ms() - t0, 2000);
	/* The stream said goodbye with the bus's "stopping" event, then closed. */
	cr_expect_eq(httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 2000), 0, "not closed");
	cr_expect(strstr(buf, "event: stopping\ndata: {\"event\":\"stopping\""), "%s", buf);
	close(fd);
}

Test(http, generated_token_is_kept_in_the_state_dir)
{
	start(NULL);
	char path[400];
	snprintf(path, sizeof(path), "%s/admin.token", d.state);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "no %s", path);
	cr_expect_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	char *tok = lw_slurp(path);
	cr_assert(tok);
	tok[strcspn(tok, "\n")] = '\0';
	cr_expect_eq(strlen(tok), 48, "token \"%s\"", tok);
	char auth[300];
	snprintf(auth, sizeof(auth), "Bearer %s", tok);
	struct httpc_resp r;
	http(&r, "GET", "/api/v1/clients", auth, NULL);
	cr_expect_eq(r.status, 200, "%s", r.raw);
	http(&r, "GET", "/api/v1/clients", NULL, NULL);
	expect_error(&r, 401, "unauthorized");
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, path), "the log should say where the token is:\n%s", log);
	free(log);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);

	/* A restart keeps the same token. */
	start(NULL);
	http(&r, "GET", "/api/v1/clients", auth, NULL);
	cr_expect_eq(r.status, 200, "%s", r.raw);
	free(tok);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);
}

Test(http, taken_port_exits_1)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	cr_assert(ls >= 0 && bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	          listen(ls, 4) == 0 && getsockname(ls, (struct sockaddr *)&sin, &sl) == 0);
	int port = ntohs(sin.sin_port);
	char extra[200];
	snprintf(extra, sizeof(extra), "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = x\n",
	         port);
	cr_assert_eq(lwd_write_config(&d, lw_free_udp_port(), extra), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "-f", "-c", d.conf, NULL};
	char *err = NULL;
	int rc = lw_run(argv, 10000, NULL, &err);
	close(ls);
	cr_expect_eq(rc, 1, "exit status %d, stderr:\n%s", rc, err ? err : "");
	char want[120];
	snprintf(want, sizeof(want), "[http] cannot listen on 127.0.0.1:%d: Address already in use",
	         port);
	cr_expect(err && strstr(err, want), "no \"%s\" in:\n%s", want, err ? err : "");
	free(err);
}

/* Sends a GET of target on fd and reads its whole answer (Content-Length). */
static void get_on(int fd, const char *target, const char *extra, char *buf, size_t cap)
{
	char req[512];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", target,
	                 extra ? extra : "");
	cr_assert_eq(httpc_send_all(fd, req, (size_t)n), 0);
	size_t len = 0;
	buf[0] = '\0';
	cr_assert_eq(httpc_read_until(fd, buf, cap, &len, "\r\n\r\n", 3000), 0, "no answer");
	const char *cl = strstr(buf, "\r\nContent-Length: ");
	cr_assert(cl, "%s", buf);
	size_t want = strtoul(cl + 18, NULL, 10);
	size_t head = (size_t)(strstr(buf, "\r\n\r\n") + 4 - buf);
	while (len < head + want) {
		size_t before = len;
		httpc_read_until(fd, buf, cap, &len, "\x01", 200);
		cr_assert_gt(len, before, "the body stopped short: %s", buf);
	}
}

Test(http, keep_alive)
{
	start(TOKEN);
	static char buf[16384];
	/* Two requests on one connection, both answered, the first saying so. */
	int fd = httpc_connect(http_port);
	cr_assert_geq(fd, 0);
	get_on(fd, "/api/v1/health", NULL, buf, sizeof(buf));
	cr_expect(strstr(buf, "HTTP/1.1 200 ") && strstr(buf, "\r\nConnection: keep-alive\r\n"),
	          "%s", buf);
	get_on(fd, "/api/v1/clients", "Authorization: Bearer " TOKEN "\r\n", buf, sizeof(buf));
	cr_expect(strstr(buf, "HTTP/1.1 200 "), "second request on the connection: %s", buf);
	/* A request that asks for close gets it, and the connection ends. */
	get_on(fd, "/api/v1/health", "Connection: close\r\n", buf, sizeof(buf));
	cr_expect(strstr(buf, "\r\nConnection: close\r\n"), "%s", buf);
	size_t len = 0;
	cr_expect_eq(httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 2000), 0, "not closed");
	close(fd);
	/* A 401 closes as well (CivetWeb does after it). */
	fd = httpc_connect(http_port);
	cr_assert_geq(fd, 0);
	get_on(fd, "/api/v1/clients", NULL, buf, sizeof(buf));
	cr_expect(strstr(buf, "HTTP/1.1 401 ") && strstr(buf, "\r\nConnection: close\r\n"), "%s",
	          buf);
	len = 0;
	cr_expect_eq(httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 2000), 0, "not closed");
	close(fd);
	cr_expect_eq(WEXITSTATUS(lwd_stop(&d)), 0);

	/* keep_alive_ms = 0: one answer per connection. */
	char extra[256];
	http_port = httpc_free_port();
	snprintf(extra, sizeof(extra), "[http]\nbind = 127.0.0.1\nport = %d\nkeep_alive_ms = 0\n",
	         http_port);
	struct lwd_opts o = {.extra_conf = extra};
	cr_assert_eq(lwd_start(&d, &o), 0);
	fd = httpc_connect(http_port);
	cr_assert_geq(fd, 0);
	get_on(fd, "/api/v1/health", NULL, buf, sizeof(buf));
	cr_expect(strstr(buf, "\r\nConnection: close\r\n"), "%s", buf);
	len = 0;
	cr_expect_eq(httpc_read_until(fd, buf, sizeof(buf), &len, NULL, 2000), 0, "not closed");
	close(fd);
}
