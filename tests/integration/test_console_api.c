/*
 * tests/integration/test_console_api.c: what the operator console needs from
 * the real daemon, checked over raw HTTP (the browser test skips where there
 * is no Chromium; these do not): the console's files from [http] web_root
 * with their content types and security headers, no escape from that folder,
 * a large file delivered whole; GET /api/v1/objects and /objects/{id}; the
 * paged, sorted and filtered client list with X-Total-Count (three real
 * lwm2m-clients); the firmware version kept from a Read of /3/0/3 and the
 * firmware filter; each client's status (online, asleep past the awake
 * time, offline once expired or de-registered) and ?count=status; and
 * ?access_token= accepted on the event stream only.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"

#define TOKEN "console-test-token"
#define BEARER "Bearer " TOKEN
#define BIG (300 * 1024)

static struct lwd d;
static int http_port;
static char www[300];
#define N_CLIENTS 6
static pid_t clients[N_CLIENTS];

static void put_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	snprintf(www, sizeof(www), "%s/www", d.dir);
	cr_assert_eq(mkdir(www, 0700), 0);
	char p[400];
	snprintf(p, sizeof(p), "%s/index.html", www);
	put_file(p, "<p>console</p>", 14);
	snprintf(p, sizeof(p), "%s/app.js", www);
	put_file(p, "export {};", 10);
	snprintf(p, sizeof(p), "%s/secret.txt", d.dir);
	put_file(p, "secret", 6);
	char *big = malloc(BIG);
	cr_assert(big);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (char)('a' + i % 26);
	snprintf(p, sizeof(p), "%s/big.js", www);
	put_file(p, big, BIG);
	free(big);
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = httpc_free_port();
		char extra[800];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN
		         "\nweb_root = %s\n[coap_tcp]\nport = 0\n[coaps_tcp]\nport = 0\n"
		         /* queue-mode clients fall asleep 2 s after their last word */
		         "[coap]\nqueue_awake = 2\n",
		         http_port, www);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
	}
	char *log = lw_slurp(d.err);
	cr_assert_fail("lwm2md did not start:\n%s", log ? log : "(no log)");
}

static void teardown(void)
{
	for (int i = 0; i < N_CLIENTS; i++)
		if (clients[i] > 0) {
			kill(clients[i], SIGTERM);
			lw_wait_timeout(clients[i], 3000);
			clients[i] = 0;
		}
	if (d.pid)
		cr_expect_eq(lwd_stop(&d), 0, "lwm2md did not exit cleanly");
	lwd_cleanup(&d);
}

TestSuite(console, .init = setup, .fini = teardown, .timeout = 30);

static void http(struct httpc_resp *r, const char *target, const char *auth)
{
	int rc = httpc_request(r, http_port, "GET", target, auth, NULL, NULL, 5000);
	cr_assert_eq(rc, 0, "GET %s: bad answer:\n%s", target, r->raw);
}

static const char *header(const struct httpc_resp *r, const char *name, char *out, size_t cap)
{
	char key[128];
	snprintf(key, sizeof(key), "\r\n%s: ", name);
	const char *p = strstr(r->raw, key);
	const char *hend = strstr(r->raw, "\r\n\r\n");
	if (!p || p > hend)
		return NULL;
	p += strlen(key);
	snprintf(out, cap, "%.*s", (int)strcspn(p, "\r"), p);
	return out;
}

static json_t *body_json(const struct httpc_resp *r)
{
	json_error_t e;
	json_t *o = json_loads(r->body, 0, &e);
	cr_assert(o, "not JSON (%s): %s", e.text, r->body);
	return o;
}

Test(console, files_come_from_web_root_with_their_types)
{
	struct httpc_resp r;
	char v[256];
	http(&r, "/", NULL);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	cr_expect_str_eq(r.body, "<p>console</p>");
	cr_expect(header(&r, "Content-Type", v, sizeof(v)) && !strcmp(v, "text/html; charset=utf-8"));
	cr_expect(header(&r, "Content-Security-Policy", v, sizeof(v)) &&
	          !strcmp(v, "default-src 'self'"));
	cr_expect(header(&r, "X-Content-Type-Options", v, sizeof(v)) && !strcmp(v, "nosniff"));
	http(&r, "/app.js", NULL);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	cr_expect_str_eq(r.body, "export {};");
	cr_expect(header(&r, "Content-Type", v, sizeof(v)) &&
	          !strcmp(v, "text/javascript; charset=utf-8"));
	http(&r, "/missing.js", NULL);
	cr_expect_eq(r.status, 404, "%s", r.raw);
	/* Out of the folder, raw and percent-encoded: never the file above. */
	http(&r, "/../secret.txt", NULL);
	cr_expect(r.status != 200 || strcmp(r.body, "secret") != 0, "%s", r.raw);
	http(&r, "/%2e%2e/secret.txt", NULL);
	cr_expect_eq(r.status, 404, "%s", r.raw);
	cr_expect(strstr(r.body, "\"not-found\""), "%s", r.raw);
	/* API paths never fall through to files. */
	http(&r, "/api/v1/index.html", NULL);
	cr_expect_eq(r.status, 401, "%s", r.raw);
}

Test(console, a_large_file_arrives_whole)
{
	int fd = httpc_send(http_port, "GET", "/big.js", NULL, NULL, NULL);
	cr_assert_geq(fd, 0);
	size_t cap = BIG + 4096, len = 0;
	char *buf = malloc(cap);
	cr_assert(buf);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		/* Read slowly at first, as a browser busy elsewhere would. */
		if (len < 4096)
			usleep(50000);
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 5000) <= 0)
			break;
		ssize_t n = recv(fd, buf + len, cap - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	const char *body = memmem(buf, len, "\r\n\r\n", 4);
	cr_assert(body, "no header end");
	body += 4;
	cr_expect_eq(len - (size_t)(body - buf), (size_t)BIG, "got %zu of %d bytes",
	             len - (size_t)(body - buf), BIG);
	cr_expect_eq(body[BIG - 1], (char)('a' + (BIG - 1) % 26));
	free(buf);
}

Test(console, object_model_routes)
{
	struct httpc_resp r;
	http(&r, "/api/v1/objects", NULL);
	cr_expect_eq(r.status, 401);
	http(&r, "/api/v1/objects", BEARER);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	json_t *list = body_json(&r), *x;
	size_t i;
	int device = 0;
	json_array_foreach(list, i, x)
		if (json_integer_value(json_object_get(x, "id")) == 3)
			device = !strcmp(json_string_value(json_object_get(x, "name")), "Device") &&
			         json_string_value(json_object_get(x, "version"));
	cr_expect(device, "no object 3 Device in %s", r.body);
	json_decref(list);

	http(&r, "/api/v1/objects/3303", BEARER);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	json_t *o = body_json(&r);
	cr_expect_str_eq(json_string_value(json_object_get(o, "name")), "Temperature");
	json_t *found = NULL;
	json_array_foreach(json_object_get(o, "resources"), i, x)
		if (json_integer_value(json_object_get(x, "id")) == 5700)
			found = x;
	cr_assert(found, "no resource 5700: %s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(found, "name")), "Sensor Value");
	cr_expect_str_eq(json_string_value(json_object_get(found, "type")), "float");
	cr_expect_str_eq(json_string_value(json_object_get(found, "operations")), "R");
	cr_expect(json_is_boolean(json_object_get(found, "mandatory")));
	cr_expect(json_is_string(json_object_get(found, "units")));
	json_decref(o);

	http(&r, "/api/v1/objects/3", BEARER);
	o = body_json(&r);
	int exec = 0;
	json_array_foreach(json_object_get(o, "resources"), i, x)
		if (json_integer_value(json_object_get(x, "id")) == 4)
			exec = !strcmp(json_string_value(json_object_get(x, "operations")), "E") &&
			       !strcmp(json_string_value(json_object_get(x, "type")), "none");
	cr_expect(exec, "/3/0/4 Reboot is not an executable: %s", r.body);
	json_decref(o);

	http(&r, "/api/v1/objects/abc", BEARER);
	cr_expect_eq(r.status, 400, "%s", r.raw);
	http(&r, "/api/v1/objects/65001", BEARER);
	cr_expect_eq(r.status, 404, "%s", r.raw);
}

static void start_clients(void)
{
	char bin[512], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *names[3] = {"cl-b", "cl-a", "cl-c"};
	for (int i = 0; i < 3; i++) {
		const char *argv[] = {bin, "-u", uri, "-n", names[i], NULL};
		clients[i] = lw_spawn(argv, NULL, NULL);
		cr_assert_gt(clients[i], 0);
		/* One at a time, so registeredAt orders them (b, a, c) when a
		 * second passes in between. */
		struct httpc_resp r;
		char target[64];
		snprintf(target, sizeof(target), "/api/v1/clients/%s", names[i]);
		for (int t = 0; t < 100; t++) {
			http(&r, target, BEARER);
			if (r.status == 200)
				break;
			usleep(50000);
		}
		cr_assert_eq(r.status, 200, "%s did not register", names[i]);
	}
}

/* The endpoints of a list answer joined by ",", and its X-Total-Count. */
static void page(const char *query, char *eps, size_t cap, long *total)
{
	struct httpc_resp r;
	char target[256], v[64];
	snprintf(target, sizeof(target), "/api/v1/clients%s", query);
	http(&r, target, BEARER);
	cr_assert_eq(r.status, 200, "%s: %s", query, r.raw);
	cr_assert(header(&r, "X-Total-Count", v, sizeof(v)), "no X-Total-Count: %s", r.raw);
	*total = strtol(v, NULL, 10);
	json_t *a = body_json(&r), *x;
	size_t i;
	eps[0] = '\0';
	json_array_foreach(a, i, x)
		snprintf(eps + strlen(eps), cap - strlen(eps), "%s%s", i ? "," : "",
		         json_string_value(json_object_get(x, "endpoint")));
	json_decref(a);
}

Test(console, client_list_pages_sorts_and_filters)
{
	start_clients();
	char eps[256];
	long total;
	page("", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-a,cl-b,cl-c");
	cr_expect_eq(total, 3);
	page("?limit=2", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-a,cl-b");
	cr_expect_eq(total, 3);
	page("?offset=2&limit=2", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-c");
	cr_expect_eq(total, 3);
	page("?offset=5", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "");
	cr_expect_eq(total, 3);
	page("?order=desc&limit=1", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-c");
	page("?sort=registeredAt&order=desc", eps, sizeof(eps), &total);
	cr_expect_eq(total, 3);
	cr_expect_eq(strlen(eps), strlen("cl-a,cl-b,cl-c"), "%s", eps);
	page("?q=cl-b", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-b");
	cr_expect_eq(total, 1);
	page("?object=3303&limit=1", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-a");
	cr_expect_eq(total, 3);
	page("?object=/9999", eps, sizeof(eps), &total);
	cr_expect_eq(total, 0);
	page("?status=asleep", eps, sizeof(eps), &total);
	cr_expect_eq(total, 0, "none is in queue mode");
	page("?status=online", eps, sizeof(eps), &total);
	cr_expect_eq(total, 3);

	struct httpc_resp r;
	const char *bad[] = {"?sort=name", "?order=up", "?limit=-1", "?offset=x", "?status=zzz",
	                     "?object=abc"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char target[64];
		snprintf(target, sizeof(target), "/api/v1/clients%s", bad[i]);
		http(&r, target, BEARER);
		cr_expect_eq(r.status, 400, "%s: %s", bad[i], r.raw);
	}
}

Test(console, event_stream_takes_a_query_token)
{
	struct httpc_resp r;
	http(&r, "/api/v1/events?access_token=wrong", NULL);
	cr_expect_eq(r.status, 401, "%s", r.raw);
	/* Only the event stream: everywhere else the header is needed. */
	http(&r, "/api/v1/clients?access_token=" TOKEN, NULL);
	cr_expect_eq(r.status, 401, "%s", r.raw);
	int fd = httpc_send(http_port, "GET", "/api/v1/events?access_token=" TOKEN, NULL, NULL,
	                    NULL);
	cr_assert_geq(fd, 0);
	char buf[4096];
	size_t len = 0;
	int rc = httpc_read_until(fd, buf, sizeof(buf), &len, ": lwm2md event stream", 5000);
	close(fd);
	cr_expect_eq(rc, 0, "no stream greeting: %.*s", (int)len, buf);
	cr_expect(len > 12 && !strncmp(buf, "HTTP/1.1 200", 12), "%.*s", (int)len, buf);
}

/* A client's JSON (NULL when 404). */
static json_t *client_get(const char *ep)
{
	struct httpc_resp r;
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	http(&r, target, BEARER);
	if (r.status == 404)
		return NULL;
	cr_assert_eq(r.status, 200, "%s", r.raw);
	return body_json(&r);
}

static const char *field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* GET /api/v1/clients?count=status&... as its four numbers. */
static void counts(const char *more, long *online, long *asleep, long *offline,
                   long *registered)
{
	struct httpc_resp r;
	char target[256];
	snprintf(target, sizeof(target), "/api/v1/clients?count=status%s", more);
	http(&r, target, BEARER);
	cr_assert_eq(r.status, 200, "%s", r.raw);
	json_t *o = body_json(&r);
	cr_assert(json_is_integer(json_object_get(o, "online")), "%s", r.body);
	*online = (long)json_integer_value(json_object_get(o, "online"));
	*asleep = (long)json_integer_value(json_object_get(o, "asleep"));
	*offline = (long)json_integer_value(json_object_get(o, "offline"));
	*registered = (long)json_integer_value(json_object_get(o, "registered"));
	json_decref(o);
}

/* Reads path of ep through the REST API (what the console's Read does). */
static void read_path(const char *ep, const char *path)
{
	struct httpc_resp r;
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s/%s?timeout=5", ep, path);
	http(&r, target, BEARER);
	cr_assert_eq(r.status, 200, "Read %s of %s: %s", path, ep, r.raw);
}

Test(console, firmware_version_from_reads_and_its_filter)
{
	start_clients();
	char eps[256];
	long total;
	/* Nothing read yet: the server does not know (it reads nothing itself). */
	json_t *o = client_get("cl-a");
	cr_assert(o);
	cr_expect_null(json_object_get(o, "firmwareVersion"), "known before any Read");
	json_decref(o);
	page("?firmware=1.0.0", eps, sizeof(eps), &total);
	cr_expect_eq(total, 0);

	/* The resource alone (cl-a), and the whole instance (cl-b). */
	read_path("cl-a", "3/0/3");
	read_path("cl-b", "3/0");
	o = client_get("cl-a");
	cr_expect_str_eq(field(o, "firmwareVersion"), "1.0.0", "%s", json_dumps(o, 0));
	json_decref(o);
	o = client_get("cl-b");
	cr_expect_str_eq(field(o, "firmwareVersion"), "1.0.0");
	json_decref(o);
	o = client_get("cl-c");
	cr_expect_null(json_object_get(o, "firmwareVersion"));
	json_decref(o);

	page("?firmware=1.0.0", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-a,cl-b");
	cr_expect_eq(total, 2);
	page("?firmware=1.0.0&q=cl-b", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "cl-b");
	page("?firmware=1.0", eps, sizeof(eps), &total); /* exact match only */
	cr_expect_eq(total, 0);
	page("?firmware=1.0.0&object=3303&status=online&sort=registeredAt&limit=1", eps,
	     sizeof(eps), &total);
	cr_expect_eq(total, 2);
	long on, as, off, reg;
	counts("&firmware=1.0.0", &on, &as, &off, &reg);
	cr_expect(on == 2 && as == 0 && off == 0 && reg == 2, "%ld %ld %ld %ld", on, as, off, reg);

	/* The list shows it too, and the status of every client. */
	struct httpc_resp r;
	http(&r, "/api/v1/clients?firmware=1.0.0&limit=1", BEARER);
	json_t *a = body_json(&r);
	cr_expect_str_eq(field(json_array_get(a, 0), "firmwareVersion"), "1.0.0");
	cr_expect_str_eq(field(json_array_get(a, 0), "status"), "online");
	json_decref(a);
}

static pid_t spawn_client(const char *name, const char *more1, const char *more2)
{
	char bin[512], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[] = {bin, "-u", uri, "-n", name, more1, more2, NULL};
	pid_t pid = lw_spawn(argv, NULL, NULL);
	cr_assert_gt(pid, 0);
	return pid;
}

/* Polls ep's status until it is want (or "gone" for 404), up to ms. */
static int wait_status(const char *ep, const char *want, int ms)
{
	for (int t = 0; t < ms / 100; t++) {
		json_t *o = client_get(ep);
		const char *st = o ? field(o, "status") : "gone";
		int ok = st && strcmp(st, want) == 0;
		json_decref(o);
		if (ok)
			return 1;
		usleep(100000);
	}
	return 0;
}

Test(console, status_online_asleep_offline_and_counts)
{
	/* n-1 online; q-1 in queue mode; x-1 will vanish (SIGKILL: its short
	 * lifetime runs out); d-1 will de-register (SIGTERM). */
	clients[0] = spawn_client("n-1", NULL, NULL);
	clients[1] = spawn_client("q-1", "-q", NULL);
	clients[2] = spawn_client("x-1", "-l", "2");
	clients[3] = spawn_client("d-1", NULL, NULL);
	const char *all[] = {"n-1", "q-1", "x-1", "d-1"};
	for (int i = 0; i < 4; i++)
		cr_assert(wait_status(all[i], "online", 5000) || wait_status(all[i], "asleep", 100),
		          "%s did not register", all[i]);
	json_t *o = client_get("q-1");
	cr_expect(json_is_true(json_object_get(o, "queueMode")));
	json_decref(o);
	read_path("d-1", "3/0/3");

	kill(clients[3], SIGTERM);
	cr_expect_eq(lw_wait_timeout(clients[3], 5000), 0);
	clients[3] = 0;
	kill(clients[2], SIGKILL);
	lw_wait_timeout(clients[2], 3000);
	clients[2] = 0;
	cr_assert(wait_status("d-1", "gone", 3000), "d-1 is still registered");
	cr_assert(wait_status("x-1", "gone", 6000), "x-1 did not expire");

	/* The queue-mode client sleeps once silent for queue_awake (2 s). */
	cr_assert(wait_status("q-1", "asleep", 6000), "q-1 never fell asleep");
	o = client_get("n-1");
	cr_expect_str_eq(field(o, "status"), "online");
	json_decref(o);

	char eps[256];
	long total;
	page("?status=asleep", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "q-1");
	page("?status=online", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "n-1");
	page("", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "n-1,q-1", "offline clients are not in the default list");
	page("?status=offline", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "d-1,x-1");
	cr_expect_eq(total, 2);
	page("?status=offline&sort=lastSeen&order=desc&limit=1&q=x", eps, sizeof(eps), &total);
	cr_expect_str_eq(eps, "x-1");

	struct httpc_resp r;
	http(&r, "/api/v1/clients?status=offline", BEARER);
	json_t *a = body_json(&r), *x;
	size_t i;
	json_array_foreach(a, i, x) {
		const char *ep = field(x, "endpoint");
		cr_expect_str_eq(field(x, "status"), "offline");
		cr_expect_str_eq(field(x, "offlineReason"),
		                 !strcmp(ep, "d-1") ? "deregistered" : "expired", "%s", ep);
		cr_expect(json_integer_value(json_object_get(x, "offlineSince")) >=
		          json_integer_value(json_object_get(x, "registeredAt")));
		cr_expect_gt(json_array_size(json_object_get(x, "objects")), 0);
	}
	/* What was read before it left stays with it. */
	cr_expect_str_eq(field(json_array_get(a, 0), "firmwareVersion"), "1.0.0");
	json_decref(a);

	long on, as, off, reg;
	counts("", &on, &as, &off, &reg);
	cr_expect(on == 1 && as == 1 && off == 2 && reg == 2, "%ld %ld %ld %ld", on, as, off, reg);
	counts("&q=x-", &on, &as, &off, &reg);
	cr_expect(on == 0 && as == 0 && off == 1, "%ld %ld %ld", on, as, off);
	counts("&firmware=1.0.0", &on, &as, &off, &reg);
	cr_expect(on == 0 && off == 1, "%ld %ld", on, off);

	/* Back: no longer offline, and its firmware version is still known. */
	clients[3] = spawn_client("d-1", NULL, NULL);
	cr_assert(wait_status("d-1", "online", 5000));
	o = client_get("d-1");
	cr_expect_str_eq(field(o, "firmwareVersion"), "1.0.0");
	json_decref(o);
	counts("", &on, &as, &off, &reg);
	cr_expect(on == 2 && as == 1 && off == 1, "%ld %ld %ld", on, as, off);

	const char *bad[] = {"?status=gone", "?count=all", "?count="};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char target[64];
		snprintf(target, sizeof(target), "/api/v1/clients%s", bad[k]);
		http(&r, target, BEARER);
		cr_expect_eq(r.status, 400, "%s: %s", bad[k], r.raw);
	}
}
