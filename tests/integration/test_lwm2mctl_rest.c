/*
 * tests/integration/test_lwm2mctl_rest.c: the built lwm2mctl driving the
 * real lwm2md over its REST API while the real reference client
 * (lwm2m-client) is registered as dev1, the way an operator uses it: the
 * client list, Read of the device object, Observe of the temperature with
 * changing values (and the observation cancelled at the end), Write,
 * Execute, Create, Delete, Discover, Write-Attributes, the raw event stream,
 * the stored time series of the Reads (data, with its time forms),
 * and the failures a script relies on (exit 1 and one line saying why for an
 * unknown endpoint, a wrong token, a daemon that is down; exit 2 for bad
 * usage). A command whose REST endpoint the daemon does not serve yet (404
 * "no such resource", 501) is skipped with a message rather than failed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define TOKEN "ctl-test-token-7f3a"

static struct lwd d;
static int http_port;
static char url[64];
static pid_t client_pid;
static char client_out[400], client_err[400];
static char *out_text, *err_text;

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int free_tcp_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/*
 * Runs lwm2mctl with args (NULL-terminated) after --url and, when token is
 * not NULL, --token. Its exit status; the output is in out_text, err_text.
 */
static int ctl_as(const char *token, const char *const *args)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2mctl");
	const char *argv[40];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "--url";
	argv[n++] = url;
	if (token) {
		argv[n++] = "--token";
		argv[n++] = token;
	}
	for (; *args && n < 39; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
	int rc = lw_run(argv, 20000, &out_text, &err_text);
	if (!out_text)
		out_text = strdup("");
	if (!err_text)
		err_text = strdup("");
	return rc;
}

#define CTL(...) ctl_as(TOKEN, (const char *const[]){__VA_ARGS__, NULL})

/* Skips the test when the daemon does not serve that endpoint yet. */
static void skip_if_missing(const char *what)
{
	if (strstr(err_text, ": 404 not-found: no such resource") ||
	    strstr(err_text, ": 501 not-implemented"))
		cr_skip("%s: the daemon does not serve this REST endpoint yet (%s)", what, err_text);
}

/* Exit 0, or the test fails showing stderr; skipped when the endpoint is missing. */
static void expect_ok(int rc, const char *what)
{
	if (rc != 0)
		skip_if_missing(what);
	cr_assert_eq(rc, 0, "%s: exit %d, stderr: %s", what, rc, err_text);
}

static void stop_client(void)
{
	if (client_pid > 0) {
		kill(client_pid, SIGTERM);
		if (lw_wait_timeout(client_pid, 5000) < 0) {
			kill(client_pid, SIGKILL);
			lw_wait_timeout(client_pid, 5000);
		}
		client_pid = 0;
	}
}

static void start_daemon(void)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		http_port = free_tcp_port();
		cr_assert_gt(http_port, 0);
		char extra[256];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n", http_port);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0) {
			snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_port);
			return;
		}
	}
	char *log = lw_slurp(d.err);
	cr_assert_fail("lwm2md did not start:\n%s", log ? log : "(no log)");
}

/* Starts the reference client as dev1 and waits until lwm2mctl finds it
 * (client EP: 404 until it registered; the list is tested on its own). */
static void start_client(void)
{
	char bin[1024], uri[64];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	const char *argv[] = {bin, "-u", uri, "-n", "dev1", NULL};
	client_pid = lw_spawn(argv, client_out, client_err);
	cr_assert(client_pid > 0, "cannot start %s", bin);
	uint64_t end = lw_now_ms() + 10000;
	while (lw_now_ms() < end) {
		if (CTL("client", "dev1") == 0 && strstr(out_text, "dev1"))
			return;
		usleep(50 * 1000);
	}
	cr_assert_fail("dev1 did not show up in \"lwm2mctl client dev1\": %s%s\nclient: %s", out_text,
	               err_text, lw_slurp(client_err));
}

static void setup(void)
{
	unsetenv("LWM2MD_ADMIN_TOKEN");
	unsetenv("LWM2MD_URL");
	unsetenv("LWM2MD_TOKEN");
	cr_assert_eq(lwd_init(&d), 0);
	snprintf(client_out, sizeof(client_out), "%s/client.out", d.dir);
	snprintf(client_err, sizeof(client_err), "%s/client.err", d.dir);
	start_daemon();
	start_client();
}

static void teardown(void)
{
	stop_client();
	lwd_cleanup(&d);
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
}

TestSuite(ctl_rest, .init = setup, .fini = teardown, .timeout = 30);

/* The one line of a failure: "lwm2mctl: ...\n" and nothing else. */
static void expect_one_line(const char *needle)
{
	cr_expect_eq(lw_count_lines(err_text), 1, "not one line: %s", err_text);
	cr_expect(strncmp(err_text, "lwm2mctl: ", 10) == 0, "stderr: %s", err_text);
	cr_expect(strstr(err_text, needle), "\"%s\" not in: %s", needle, err_text);
}

/* The line of out_text that starts with prefix (a static copy), or NULL. */
static const char *line_starting(const char *prefix)
{
	static char line[1024];
	for (const char *p = out_text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) == 0 && n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			return line;
		}
		p = nl ? nl + 1 : p + n;
	}
	return NULL;
}

Test(ctl_rest, clients_lists_dev1_as_table_and_json)
{
	cr_assert_eq(CTL("clients"), 0, "%s", err_text);
	cr_expect(strncmp(out_text, "ENDPOINT", 8) == 0, "no header: %s", out_text);
	const char *l = line_starting("dev1 ");
	cr_assert(l, "no dev1 row: %s", out_text);
	cr_expect(strstr(l, "127.0.0.1:"), "no address in: %s", l);
	cr_expect(strstr(l, " U "), "no binding in: %s", l);
	/* A single node: no client carries "node", so no NODE column. */
	cr_expect_null(strstr(out_text, "NODE"), "%s", out_text);

	cr_assert_eq(CTL("clients", "--json"), 0, "%s", err_text);
	cr_expect(strstr(out_text, "\"endpoint\": \"dev1\""), "%s", out_text);

	/* The filter is the server's ?q=. */
	cr_assert_eq(CTL("clients", "--q", "nomatch"), 0, "%s", err_text);
	cr_expect_null(strstr(out_text, "dev1"), "%s", out_text);

	cr_assert_eq(CTL("client", "dev1"), 0, "%s", err_text);
	cr_expect(strstr(out_text, "endpoint") && strstr(out_text, "dev1"), "%s", out_text);
	cr_expect(strstr(out_text, "/3/0"), "no object list: %s", out_text);
}

Test(ctl_rest, read_prints_the_device_object)
{
	expect_ok(CTL("read", "dev1", "/3/0"), "read /3/0");
	const char *l = line_starting("/3/0/0 ");
	cr_assert(l, "no /3/0/0 row: %s", out_text);
	cr_expect(strstr(l, "string") && strstr(l, "lwm2md"), "manufacturer row: %s", l);
	l = line_starting("/3/0/2 ");
	cr_assert(l, "no /3/0/2 row: %s", out_text);
	cr_expect(strstr(l, "dev1"), "serial number row: %s", l);

	expect_ok(CTL("read", "dev1", "/3/0/1", "--json", "--format", "senml-json"), "read --json");
	cr_expect(strstr(out_text, "\"lwm2m-client\""), "%s", out_text);
	cr_expect(strstr(out_text, "\"records\""), "%s", out_text);
}

/* The VALUE column of each table row for path ("PATH TYPE VALUE TIME"). */
static int table_values(const char *path, char vals[][64], int max)
{
	int n = 0;
	for (const char *p = out_text; p && *p && n < max;) {
		char pp[64], type[32];
		if (sscanf(p, "%63s %31s %63s", pp, type, vals[n]) == 3 && strcmp(pp, path) == 0)
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/* Runs "data dev1 --path /3303/0/5700" and up to four more arguments (the
 * first NULL ends them); the values of its rows. */
static int data_rows(char vals[][64], int max, const char *a1, const char *a2, const char *a3,
                     const char *a4)
{
	int rc = ctl_as(TOKEN, (const char *const[]){"data", "dev1", "--path", "/3303/0/5700", a1,
	                                             a2, a3, a4, NULL});
	expect_ok(rc, "data");
	cr_assert(strncmp(out_text, "PATH ", 5) == 0, "no table header: %s", out_text);
	return table_values("/3303/0/5700", vals, max);
}

Test(ctl_rest, data_prints_the_stored_reads)
{
	/* Each Read result is stored as one point. The client's temperature
	 * moves every 2 s: read until it has taken three values, so the rows
	 * must match the reads one by one, not merely a constant. */
	enum { MAX_READS = 48 };
	char read[MAX_READS][64];
	int nread = 0, changes = 0;
	for (uint64_t end = lw_now_ms() + 8000; nread < MAX_READS && changes < 2 &&
	                                        lw_now_ms() < end;
	     usleep(200 * 1000)) {
		expect_ok(CTL("read", "dev1", "/3303/0/5700"), "read");
		cr_assert_eq(table_values("/3303/0/5700", &read[nread], 1), 1, "no row: %s", out_text);
		changes += nread > 0 && strcmp(read[nread], read[nread - 1]) != 0;
		nread++;
	}
	cr_assert_eq(changes, 2, "the temperature did not change twice in %d reads", nread);
	/* The store writes behind the answer: wait until every read is there. */
	char got[MAX_READS + 1][64];
	int n = 0;
	for (uint64_t end = lw_now_ms() + 5000; lw_now_ms() < end; usleep(50 * 1000))
		if ((n = data_rows(got, MAX_READS + 1, NULL, NULL, NULL, NULL)) >= nread)
			break;
	cr_assert_eq(n, nread, "expected the %d reads stored:\n%s", nread, out_text);
	for (int i = 0; i < nread; i++)
		cr_expect_str_eq(got[i], read[i], "row %d: %s", i, out_text);

	/* --limit 1: the newest only. */
	cr_assert_eq(data_rows(got, 8, "--limit", "1", NULL, NULL), 1, "%s", out_text);
	cr_expect_str_eq(got[0], read[nread - 1], "%s", out_text);

	/* The time forms are turned into seconds since the epoch: every read
	 * happened within the last hour, none in the next one or a day ago. */
	char from[64], iso[64];
	time_t now = time(NULL);
	snprintf(from, sizeof(from), "%ld", (long)now + 3600);
	cr_expect_eq(data_rows(got, 8, "--from", from, NULL, NULL), 0, "future: %s", out_text);
	cr_expect_eq(data_rows(got, MAX_READS + 1, "--from", "-1h", NULL, NULL), nread, "-1h: %s",
	             out_text);
	cr_expect_eq(data_rows(got, 8, "--to", "-1d", NULL, NULL), 0, "to -1d: %s", out_text);
	time_t ago = now - 3600;
	struct tm tm;
	gmtime_r(&ago, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(from, sizeof(from), "%ld.5", (long)now - 3600);
	cr_expect_eq(data_rows(got, 8, "--from", iso, "--to", from), 0, "%s..%s: %s", iso, from,
	             out_text);
	cr_expect_eq(data_rows(got, 8, "--from", iso, "--limit", "2"), 2, "from %s: %s", iso,
	             out_text);
	cr_expect_str_eq(got[1], read[nread - 1], "%s", out_text);
	cr_expect_str_eq(got[0], read[nread - 2], "%s", out_text);

	/* --json: the server's answer, parseable, with the records. */
	expect_ok(CTL("data", "dev1", "--path", "/3303/0/5700", "--json"), "data --json");
	json_error_t je;
	json_t *j = json_loads(out_text, 0, &je);
	cr_assert(j, "not JSON (%s): %s", je.text, out_text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "endpoint")) ?: "", "dev1");
	cr_expect_eq(json_array_size(json_object_get(j, "records")), (size_t)nread, "%s", out_text);
	json_decref(j);

	/* A time that is none of the forms: bad usage, one line. */
	cr_expect_eq(CTL("data", "dev1", "--from", "nonsense"), 2);
	expect_one_line("--from \"nonsense\"");
	cr_expect_eq(CTL("data", "dev1", "--to", "2026-02-30T10:00:00Z"), 2);
	expect_one_line("--to ");
	cr_expect_eq(CTL("data", "dev1", "--limit", "0"), 2);
	cr_expect_eq(CTL("data", "dev1", "--path", "3/x"), 2);
}

/* The VALUE of each "TIME PATH VALUE" line for path. */
static int values_of(const char *path, double *v, int max)
{
	int n = 0;
	for (char *p = out_text; p && *p && n < max;) {
		char t[64], pp[64];
		double x;
		if (sscanf(p, "%63s %63s %lf", t, pp, &x) == 3 && strcmp(pp, path) == 0)
			v[n++] = x;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

Test(ctl_rest, observe_prints_changing_temperatures)
{
	/* A notification at most every second, so two come quickly. */
	expect_ok(CTL("attrs", "dev1", "/3303/0/5700", "pmin=0", "pmax=1"), "attrs");
	uint64_t t0 = lw_now_ms();
	expect_ok(CTL("observe", "dev1", "/3303/0/5700", "--count", "3"), "observe");
	cr_expect_lt(lw_now_ms() - t0, 15000u);
	double v[8];
	int n = values_of("/3303/0/5700", v, 8);
	/* The first value, then three notifications. */
	cr_assert_eq(n, 4, "expected 4 value lines:\n%s", out_text);
	int changes = 0;
	for (int i = 1; i < n; i++) {
		cr_expect(v[i] > 10 && v[i] < 35, "not a temperature: %g", v[i]);
		changes += v[i] != v[i - 1];
	}
	cr_expect_gt(changes, 0, "the temperature never changed:\n%s", out_text);
	/* Cancelled at the end: the daemon keeps no observation of that path. */
	expect_ok(CTL("observations", "dev1"), "observations");
	cr_expect_null(strstr(out_text, "/3303/0/5700"), "still observed: %s", out_text);
}

Test(ctl_rest, write_then_read_back)
{
	/* /1/0/1 lifetime is an integer: the text is sent as a number. */
	expect_ok(CTL("write", "dev1", "/1/0/1", "90"), "write integer");
	expect_ok(CTL("read", "dev1", "/1/0/1"), "read back");
	const char *l = line_starting("/1/0/1 ");
	cr_assert(l && strstr(l, " 90 "), "lifetime not written: %s", out_text);

	/* /3303/0/5750 application type is a string, digits or not. */
	expect_ok(CTL("write", "dev1", "/3303/0/5750", "2024"), "write string");
	expect_ok(CTL("read", "dev1", "/3303/0/5750", "--json"), "read back");
	cr_expect(strstr(out_text, "\"2024\""), "not a string: %s", out_text);

	/* Partial update of an instance from a records file. */
	char file[400];
	snprintf(file, sizeof(file), "%s/update.json", d.dir);
	cr_assert_eq(lw_write_file(file, "{\"records\": [{\"path\": \"/1/0/1\", "
	                                 "\"type\": \"integer\", \"value\": 120}]}"),
	             0);
	expect_ok(CTL("write", "dev1", "/1/0", "--records", file, "--mode", "update"), "update");
	expect_ok(CTL("read", "dev1", "/1/0/1"), "read back");
	l = line_starting("/1/0/1 ");
	cr_assert(l && strstr(l, " 120 "), "lifetime not updated: %s", out_text);

	/* A value the resource's type cannot hold: the server's reason. */
	cr_expect_eq(CTL("write", "dev1", "/1/0/1", "--type", "string", "abc"), 1);
	expect_one_line("write dev1 /1/0/1 abc: 4");
}

Test(ctl_rest, exec_discover_create_delete)
{
	expect_ok(CTL("exec", "dev1", "/3303/0/5605", "0='x'"), "exec");
	cr_expect_eq(lw_wait_for_text(client_err, "execute /3303/0/5605 args '0='x''", 2000), 0,
	             "the client did not execute: %s", lw_slurp(client_err));
	/* Not executable: the device's 4.05 comes back as the reason. */
	cr_expect_eq(CTL("exec", "dev1", "/3/0/0"), 1);
	expect_one_line("exec dev1 /3/0/0: 405 ");

	expect_ok(CTL("discover", "dev1", "/3/0"), "discover");
	cr_expect(line_starting("/3/0/0"), "no /3/0/0 link: %s", out_text);
	cr_expect(line_starting("/3/0/15"), "no /3/0/15 link: %s", out_text);

	char file[400];
	snprintf(file, sizeof(file), "%s/inst.json", d.dir);
	cr_assert_eq(lw_write_file(file, "[{\"path\": \"/3303/1/5750\", "
	                                 "\"type\": \"string\", \"value\": \"attic\"}]"),
	             0);
	expect_ok(CTL("create", "dev1", "/3303", "--records", file), "create");
	expect_ok(CTL("read", "dev1", "/3303/1/5750"), "read created");
	const char *l = line_starting("/3303/1/5750 ");
	cr_expect(l && strstr(l, "attic"), "%s", out_text);
	expect_ok(CTL("delete", "dev1", "/3303/1"), "delete");
	cr_expect_eq(CTL("read", "dev1", "/3303/1"), 1, "read after delete: %s", out_text);
	expect_one_line("read dev1 /3303/1: 404 ");
}

Test(ctl_rest, errors_are_one_line_with_exit_1)
{
	/* An endpoint that is not registered. */
	int rc = CTL("read", "nosuch", "/3/0");
	skip_if_missing("read");
	cr_expect_eq(rc, 1);
	expect_one_line("lwm2mctl: read nosuch /3/0: 404 ");
	cr_expect(strstr(err_text, "nosuch"), "%s", err_text);

	cr_expect_eq(CTL("client", "nosuch"), 1);
	expect_one_line("client nosuch: 404 not-found");

	/* A wrong token, and none. */
	cr_expect_eq(ctl_as("wrong", (const char *const[]){"clients", NULL}), 1);
	expect_one_line("clients: 401 unauthorized");
	cr_expect_eq(ctl_as(NULL, (const char *const[]){"clients", NULL}), 1);
	expect_one_line("401");

	/* The token from a file. */
	char file[400];
	snprintf(file, sizeof(file), "%s/token", d.dir);
	cr_assert_eq(lw_write_file(file, TOKEN "\n"), 0);
	cr_expect_eq(ctl_as(NULL, (const char *const[]){"clients", "--token-file", file, NULL}), 0,
	             "%s", err_text);

	/* Bad usage: exit 2. */
	cr_expect_eq(CTL("read", "dev1"), 2);
	cr_expect_eq(CTL("read", "dev1", "3/x"), 2);
	cr_expect_eq(CTL("attrs", "dev1", "/3/0/9", "bogus=1"), 2);
	cr_expect_eq(CTL("write", "dev1", "/1/0/1"), 2);

	/* The daemon down: nothing listens on its port any more. */
	stop_client();
	cr_assert_eq(lwd_stop(&d) >= 0, 1);
	cr_expect_eq(CTL("clients"), 1);
	expect_one_line("cannot reach http://127.0.0.1:");
	cr_expect(strstr(err_text, "Connection refused"), "%s", err_text);
}

Test(ctl_rest, events_prints_the_raw_stream)
{
	char bin[1024], out[400], err[400];
	lw_build_path(bin, sizeof(bin), "lwm2mctl");
	snprintf(out, sizeof(out), "%s/events.out", d.dir);
	snprintf(err, sizeof(err), "%s/events.err", d.dir);
	const char *argv[] = {bin,     "--url", url,   "--token", TOKEN, "events",
	                      "--ep",  "dev1",  "--count", "1",   NULL};
	pid_t pid = lw_spawn(argv, out, err);
	cr_assert_gt(pid, 0);
	/* Operations until the stream is open and one of them shows up on it. */
	int status = -1;
	for (int i = 0; i < 50 && status < 0; i++) {
		expect_ok(CTL("write", "dev1", "/3303/0/5750", "kitchen"), "write");
		status = lw_wait_timeout(pid, 100);
	}
	if (status < 0) {
		kill(pid, SIGKILL);
		lw_wait_timeout(pid, 5000);
	}
	cr_assert(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "events did not end after one event (0x%x): %s", status, lw_slurp(err));
	char *text = lw_slurp(out);
	cr_assert(text);
	cr_expect(strncmp(text, "event: ", 7) == 0, "%s", text);
	cr_expect(strstr(text, "\ndata: {") && strstr(text, "\"endpoint\":\"dev1\""), "%s", text);
	cr_expect_eq(lw_count_lines(text), 3, "one event is three lines: %s", text);
	free(text);
}
