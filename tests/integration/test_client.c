/*
 * tests/integration/test_client.c: the reference client (lwm2m-client) as a
 * real process. Against the real lwm2md it registers, updates before its
 * lifetime ends and deregisters on SIGTERM (checked in the daemon's log and
 * in the events the example-eventlog plugin writes). Then libcoap's
 * coap-client plays the LwM2M server on the client's --listen-port and runs
 * every operation: Read in TLV and SenML JSON (decoded here with our
 * codecs), Write then Read back, Execute, Create and Delete, Discover,
 * Write-Attributes, Observe with changing values, and the error codes.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "lwm2m/codec.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-senml-cbor/senml_cbor.h"
#include "../../plugins/codec-tlv/tlv.h"

extern const struct lw_codec lw_codec_senml_json;

static struct lwd d;
static pid_t client_pid;
static int client_port;
static char client_out[400], client_err[400];

static const char *coap_client(void)
{
	const char *c = getenv("LW_COAP_CLIENT");
	if (!c || !*c)
		cr_skip("LW_COAP_CLIENT is empty: configure found no coap-client "
		        "(install libcoap3-bin)");
	return c;
}

static void setup(void)
{
	coap_client();
	cr_assert_eq(lwd_init(&d), 0);
	snprintf(client_out, sizeof(client_out), "%s/client.out", d.dir);
	snprintf(client_err, sizeof(client_err), "%s/client.err", d.dir);
}

/* SIGTERM must end the client cleanly (under the sanitizers: no leak, no
 * undefined behaviour on the way). */
static void stop_client(void)
{
	if (client_pid > 0) {
		kill(client_pid, SIGTERM);
		int status = lw_wait_timeout(client_pid, 5000);
		if (status < 0) {
			kill(client_pid, SIGKILL);
			lw_wait_timeout(client_pid, 5000);
		}
		client_pid = 0;
		cr_expect(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		          "the client did not exit 0 on SIGTERM (0x%x):\n%s", status,
		          lw_slurp(client_err));
	}
}

static void teardown(void)
{
	stop_client();
	lwd_cleanup(&d);
}

TestSuite(client, .init = setup, .fini = teardown, .timeout = 30);

/* Starts lwm2m-client with the given extra arguments (NULL-terminated). */
static void start_client(const char *server_uri, const char *ep, const char *const *extra)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	const char *argv[32];
	int n = 0;
	argv[n++] = bin;
	argv[n++] = "-u";
	argv[n++] = server_uri;
	argv[n++] = "-n";
	argv[n++] = ep;
	for (; extra && *extra && n < 30; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	client_pid = lw_spawn(argv, client_out, client_err);
	cr_assert(client_pid > 0, "cannot start %s", bin);
}

/* A client whose server does not answer, reachable on its --listen-port:
 * the test is the server. */
static void start_listening_client(void)
{
	char uri[64], port[16];
	int dead = lw_free_udp_port();
	client_port = lw_free_udp_port();
	cr_assert(dead > 0 && client_port > 0 && dead != client_port);
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", dead);
	snprintf(port, sizeof(port), "%d", client_port);
	const char *extra[] = {"--listen-port", port, NULL};
	start_client(uri, "test-dev", extra);
	cr_assert_eq(lw_wait_for_text(client_out, "listening on 127.0.0.1:", 5000), 0,
	             "the client did not start:\n%s", lw_slurp(client_err));
}

/*
 * Runs coap-client against the client: method on path, with the Accept (-1:
 * none), Content-Format (-1: none) and payload given. The response payload
 * goes to body_path when not NULL. Returns the response code ("2.05") in
 * code (8 bytes).
 */
static void coap(const char *method, const char *path, int accept, int cf, const char *payload,
                 const char *body_path, char *code)
{
	char uri[256], a[16], t[16];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d%s", client_port, path);
	const char *argv[24];
	int n = 0;
	argv[n++] = coap_client();
	argv[n++] = "-v";
	argv[n++] = "7";
	argv[n++] = "-B";
	argv[n++] = "5";
	argv[n++] = "-m";
	argv[n++] = method;
	if (accept >= 0) {
		snprintf(a, sizeof(a), "%d", accept);
		argv[n++] = "-A";
		argv[n++] = a;
	}
	if (cf >= 0) {
		snprintf(t, sizeof(t), "%d", cf);
		argv[n++] = "-t";
		argv[n++] = t;
	}
	if (payload) {
		argv[n++] = "-e";
		argv[n++] = payload;
	}
	if (body_path) {
		argv[n++] = "-o";
		argv[n++] = body_path;
	}
	argv[n++] = uri;
	argv[n] = NULL;
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 10000, &out, &err);
	cr_assert_eq(rc, 0, "coap-client exited %d:\n%s%s", rc, out ? out : "", err ? err : "");
	const char *p = strstr(err, "t:ACK c:");
	if (!p)
		p = strstr(out, "t:ACK c:");
	cr_assert_not_null(p, "no answer to %s %s:\n%s%s", method, path, out, err);
	snprintf(code, 8, "%.4s", p + strlen("t:ACK c:"));
	free(out);
	free(err);
}

static void expect_code(const char *method, const char *path, int cf, const char *payload,
                        const char *want)
{
	char code[8];
	coap(method, path, -1, cf, payload, NULL, code);
	cr_expect_str_eq(code, want, "%s %s", method, path);
}

/* The body of a read, as bytes in a file the caller frees. */
static char *read_body(const char *path, int accept, size_t *len)
{
	char file[400], code[8];
	snprintf(file, sizeof(file), "%s/body-%d", d.dir, accept);
	unlink(file);
	coap("get", path, accept, -1, NULL, file, code);
	cr_assert_str_eq(code, "2.05", "GET %s accept %d", path, accept);
	FILE *f = fopen(file, "rb");
	cr_assert_not_null(f, "no body for GET %s", path);
	char *buf = malloc(65536);
	cr_assert(buf);
	*len = fread(buf, 1, 65535, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static lw_model *builtin_model(void)
{
	lw_model *m = lw_model_new();
	cr_assert(m);
	cr_assert_eq(lw_model_add_builtin(m), 0);
	return m;
}

static const lw_record *find(const lw_records *r, const char *path)
{
	lw_path p;
	cr_assert_eq(lw_path_parse(path, strlen(path), &p, NULL), 0);
	for (size_t i = 0; i < r->n; i++)
		if (lw_path_equal(&r->items[i].path, &p))
			return &r->items[i];
	return NULL;
}

static void expect_str(const lw_records *r, const char *path, const char *want)
{
	const lw_record *rec = find(r, path);
	cr_assert_not_null(rec, "no %s", path);
	cr_expect_eq(rec->type, LW_TYPE_STRING, "%s type", path);
	cr_expect_eq(rec->v.s.len, strlen(want), "%s", path);
	cr_expect(!memcmp(rec->v.s.data, want, strlen(want)), "%s: %.*s", path,
	          (int)rec->v.s.len, (const char *)rec->v.s.data);
}

/* Reads path in a format and decodes the answer with our codec. */
static void read_records(lw_model *m, const struct lw_codec *k, const char *path, lw_records *out)
{
	size_t len;
	char *body = read_body(path, k->content_format, &len);
	lw_path base;
	cr_assert_eq(lw_path_parse(path, strlen(path), &base, NULL), 0);
	struct lw_codec_error err = {0};
	int rc = k->decode(m, &base, (const uint8_t *)body, len, out, &err);
	cr_assert_eq(rc, 0, "%s answer does not decode: %s at %zu", k->name, err.message,
	             err.offset);
	free(body);
}

/* ---- the command line ---- */

static int run_client(const char *const *args, char **err)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	const char *argv[16] = {bin};
	int n = 1;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return lw_run(argv, 5000, NULL, err);
}

Test(client, bad_options_exit_2)
{
	char *err = NULL;
	const char *boot[] = {"-n", "x", "--state", "/tmp/x", NULL};
	cr_expect_eq(run_client(boot, &err), 2);
	cr_expect(err && strstr(err, "needs -b"), "%s", err);
	free(err);
	const char *psk[] = {"-n", "x", "-i", "id", "-k", "00ff", NULL};
	cr_expect_eq(run_client(psk, &err), 2);
	cr_expect(err && strstr(err, "credentials need a coaps:// or coaps+tcp:// server"), "%s",
	          err);
	free(err);
	const char *noep[] = {"-u", "coap://127.0.0.1:5683", NULL};
	cr_expect_eq(run_client(noep, &err), 2);
	free(err);
	const char *badfmt[] = {"-n", "x", "-f", "xml", NULL};
	cr_expect_eq(run_client(badfmt, &err), 2);
	free(err);
}

/* ---- against the real daemon ---- */

Test(client, registers_updates_and_deregisters_with_lwm2md)
{
	cr_assert_eq(lwd_start(&d, NULL), 0);
	char uri[64];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", d.port);
	/* Lifetime 4 s: the Update is due after 3. */
	const char *extra[] = {"-l", "4", NULL};
	start_client(uri, "ref-dev-1", extra);

	if (lw_wait_for_text(client_err, "registered: location /", 5000) != 0) {
		char *log = lw_slurp(client_err);
		if (log && strstr(log, "registration failed (4.0"))
			cr_skip("lwm2md refuses Register: its /rd interface is not there yet:\n%s",
			        log);
		cr_assert_fail("the client did not register:\n%s", log ? log : "");
	}
	cr_assert_eq(lw_wait_for_text(d.err, "registered: endpoint ref-dev-1, registration ", 5000),
	             0);
	cr_assert_eq(lw_wait_for_text(d.err, "registration updated: endpoint ref-dev-1", 6000), 0,
	             "no Update within the lifetime:\n%s", lw_slurp(client_err));

	kill(client_pid, SIGTERM);
	int status = lw_wait_timeout(client_pid, 5000);
	client_pid = 0;
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	          "the client did not exit 0 on SIGTERM (0x%x)", status);
	cr_assert_eq(lw_wait_for_text(d.err, "deregistered: endpoint ref-dev-1", 3000), 0);
	cr_assert_eq(lw_wait_for_text(client_err, "deregistered (2.02)", 1000), 0);

	status = lwd_stop(&d);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	char path[400];
	snprintf(path, sizeof(path), "%s/events.jsonl", d.state);
	char *ev = lw_slurp(path);
	cr_assert_not_null(ev);
	const char *reg = strstr(ev, "{\"event\":\"registration\"");
	const char *upd = strstr(ev, "{\"event\":\"update\"");
	const char *dereg = strstr(ev, "{\"event\":\"deregistration\"");
	cr_assert(reg && upd && dereg && reg < upd && upd < dereg, "events:\n%s", ev);
	cr_expect(strstr(reg, "\"endpoint\":\"ref-dev-1\""), "%s", ev);
	cr_expect(strstr(reg, "\"lwm2mVersion\":\"1.1\""), "%s", ev);
	cr_expect(strstr(reg, "\"/3303/0\""), "%s", ev);
	cr_expect(strstr(reg, "\"/3313/0\""), "%s", ev);
	cr_expect(strstr(reg, "\"contentFormat\":112"), "the </> ct is lost:\n%s", ev);
	free(ev);
}

/* ---- coap-client as the server ---- */

Test(client, read_device_in_tlv_and_senml_json)
{
	start_listening_client();
	lw_model *m = builtin_model();
	const struct lw_codec *fmts[] = {&lw_codec_tlv, &lw_codec_senml_json};
	for (size_t i = 0; i < 2; i++) {
		lw_records r;
		lw_records_init(&r);
		read_records(m, fmts[i], "/3/0", &r);
		expect_str(&r, "/3/0/0", "lwm2md");
		expect_str(&r, "/3/0/1", "lwm2m-client");
		expect_str(&r, "/3/0/2", "test-dev");
		const lw_record *bat = find(&r, "/3/0/9");
		cr_assert_not_null(bat);
		cr_expect(bat->v.i >= 0 && bat->v.i <= 100);
		cr_expect_null(find(&r, "/3/0/4"), "an executable was read (%s)", fmts[i]->name);
		lw_records_free(&r);
	}
	/* One resource, and the object level (every instance). */
	lw_records r;
	lw_records_init(&r);
	read_records(m, &lw_codec_tlv, "/3303/0/5701", &r);
	cr_expect_eq(r.n, 1);
	expect_str(&r, "/3303/0/5701", "Cel");
	lw_records_clear(&r);
	read_records(m, &lw_codec_senml_json, "/3313", &r);
	cr_expect_not_null(find(&r, "/3313/0/5702"));
	lw_records_free(&r);
	lw_model_free(m);
}

Test(client, write_then_read_back)
{
	start_listening_client();
	expect_code("put", "/3303/0/5750", LW_CF_TEXT, "greenhouse", "2.04");
	size_t len;
	char *body = read_body("/3303/0/5750", LW_CF_TEXT, &len);
	cr_expect_str_eq(body, "greenhouse");
	free(body);

	/* Partial update of an instance, in SenML JSON. */
	expect_code("post", "/1/0", LW_CF_SENML_JSON, "[{\"n\":\"/1/0/1\",\"v\":120}]", "2.04");
	body = read_body("/1/0/1", LW_CF_TEXT, &len);
	cr_expect_str_eq(body, "120");
	free(body);

	/* A write that fails part-way changes nothing. */
	expect_code("post", "/1/0", LW_CF_SENML_JSON,
	            "[{\"n\":\"/1/0/1\",\"v\":77},{\"n\":\"/1/0/0\",\"v\":9}]", "4.05");
	body = read_body("/1/0/1", LW_CF_TEXT, &len);
	cr_expect_str_eq(body, "120");
	free(body);
}

Test(client, execute)
{
	start_listening_client();
	expect_code("post", "/3/0/4", -1, NULL, "2.04");
	cr_expect_eq(lw_wait_for_text(client_err, "reboot requested", 2000), 0);
	expect_code("post", "/3303/0/5605", -1, "0='x'", "2.04");
	cr_expect_eq(lw_wait_for_text(client_err, "execute /3303/0/5605 args '0='x''", 2000), 0);
	/* Firmware update: the transfer is not there yet, and says so. */
	expect_code("post", "/5/0/2", -1, NULL, "2.04");
	size_t len;
	char *body = read_body("/5/0/5", LW_CF_TEXT, &len);
	cr_expect_str_eq(body, "8");
	free(body);
	/* Not executable, and not a resource. */
	expect_code("post", "/3/0/0", -1, NULL, "4.05");
	expect_code("post", "/3/0/11/0", -1, NULL, "4.05");
	expect_code("post", "/3/0/11/7", -1, NULL, "4.04");
}

Test(client, create_and_delete_an_instance)
{
	start_listening_client();
	char code[8];
	coap("post", "/3303", -1, LW_CF_SENML_JSON, "[{\"n\":\"/3303/1/5750\",\"vs\":\"attic\"}]",
	     NULL, code);
	cr_assert_str_eq(code, "2.01");
	size_t len;
	char *body = read_body("/3303/1/5750", LW_CF_TEXT, &len);
	cr_expect_str_eq(body, "attic");
	free(body);
	/* The same id again is refused; an object without Create too. */
	expect_code("post", "/3303", LW_CF_SENML_JSON, "[{\"n\":\"/3303/1/5750\",\"vs\":\"x\"}]",
	            "4.00");
	expect_code("post", "/3", LW_CF_SENML_JSON, "[{\"n\":\"/3/1/14\",\"vs\":\"x\"}]", "4.05");

	expect_code("delete", "/3303/1", -1, NULL, "2.02");
	coap("get", "/3303/1", LW_CF_TLV, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.04");
	expect_code("delete", "/3303/1", -1, NULL, "4.04");
	expect_code("delete", "/3/0", -1, NULL, "4.05");
}

Test(client, discover_and_write_attributes)
{
	start_listening_client();
	expect_code("put", "/3303/0/5700?pmin=2&pmax=30&st=0.5", -1, NULL, "2.04");
	expect_code("put", "/3303/0/5700?pmin=abc", -1, NULL, "4.00");
	expect_code("put", "/3303/0/5700?colour=3", -1, NULL, "4.00");
	size_t len;
	char *body = read_body("/3303/0", LW_CF_LINK, &len);
	cr_expect(strstr(body, "</3303/0>,"), "%s", body);
	cr_expect(strstr(body, "</3303/0/5700>;pmin=2;pmax=30;st=0.5"), "%s", body);
	cr_expect(strstr(body, "</3303/0/5701>"), "%s", body);
	free(body);
	body = read_body("/3/0", LW_CF_LINK, &len);
	cr_expect(strstr(body, "</3/0/11>;dim=1"), "%s", body);
	free(body);
	body = read_body("/3", LW_CF_LINK, &len);
	cr_expect(!strncmp(body, "</3>;ver=", 9), "%s", body);
	free(body);
}

Test(client, observe_sends_changing_values)
{
	start_listening_client();
	expect_code("put", "/3303/0/5700?pmin=1", -1, NULL, "2.04");
	char uri[128];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/3303/0/5700", client_port);
	/* Subscribe for 7 s: the sensor moves every 2 s. */
	const char *argv[] = {coap_client(), "-s", "7", "-B", "9", "-m", "get", "-A", "110", uri, NULL};
	char *out = NULL;
	int rc = lw_run(argv, 15000, &out, NULL);
	cr_assert_eq(rc, 0);
	/* Each notification is one SenML JSON array: [{"bn":"/3303/0/5700","v":X}] */
	double vals[32];
	int n = 0;
	for (const char *p = out; (p = strstr(p, "\"v\":")) && n < 32; p += 4)
		vals[n++] = strtod(p + 4, NULL);
	cr_assert(n >= 3, "only %d notifications:\n%s", n, out);
	int changes = 0;
	for (int i = 1; i < n; i++)
		changes += vals[i] != vals[i - 1];
	cr_expect(changes >= 2, "the values did not change:\n%s", out);
	for (int i = 0; i < n; i++)
		cr_expect(vals[i] > 10 && vals[i] < 35, "implausible temperature %g", vals[i]);
	free(out);
}

/* st larger than any change silences the changes; pmax still makes one
 * notification every 3 s. */
Test(client, observe_honours_st_and_pmax)
{
	start_listening_client();
	expect_code("put", "/3303/0/5700?pmax=3&st=100", -1, NULL, "2.04");
	char uri[128];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/3303/0/5700", client_port);
	const char *argv[] = {coap_client(), "-s", "5", "-B", "7", "-m", "get", "-A", "110", uri, NULL};
	char *out = NULL;
	cr_assert_eq(lw_run(argv, 15000, &out, NULL), 0);
	int n = 0;
	for (const char *p = out; (p = strstr(p, "\"v\":")); p += 4)
		n++;
	cr_expect_eq(n, 2, "want the first answer and one pmax notification:\n%s", out);
	free(out);
}

Test(client, errors)
{
	start_listening_client();
	char code[8];
	coap("get", "/77/0", -1, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.04");
	coap("get", "/3/7", -1, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.04");
	coap("get", "/3/0/4", LW_CF_TLV, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.05");
	coap("get", "/0/0", LW_CF_TLV, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.01");
	coap("get", "/3/0", 9999, -1, NULL, NULL, code);
	cr_expect_str_eq(code, "4.06");
	expect_code("put", "/3303/0/5700", LW_CF_TEXT, "22.5", "4.05");
	expect_code("put", "/3303/0/5750", 9999, "x", "4.15");
	expect_code("put", "/3303/0/5750", LW_CF_SENML_JSON, "[{", "4.00");
	expect_code("post", "/77/0", LW_CF_TEXT, "1", "4.04");
	expect_code("delete", "/77/0", -1, NULL, "4.04");
}

/* ---- a hand-made server on a raw socket: the registration's own session ---- */

/* One CoAP message as far as these tests need it. */
struct msg {
	int type, code, mid;
	uint8_t token[8];
	int tkl;
	char uri_path[64]; /* "rd/x1" */
	char query[256];   /* "ep=..&lt=.." */
	const uint8_t *payload;
	size_t payload_len;
};

static int parse_msg(const uint8_t *b, size_t n, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	if (n < 4 || (b[0] >> 6) != 1)
		return -1;
	m->type = (b[0] >> 4) & 3;
	m->tkl = b[0] & 15;
	m->code = b[1];
	m->mid = b[2] << 8 | b[3];
	if (m->tkl > 8 || 4 + (size_t)m->tkl > n)
		return -1;
	memcpy(m->token, b + 4, (size_t)m->tkl);
	size_t i = 4 + (size_t)m->tkl;
	unsigned num = 0;
	while (i < n && b[i] != 0xff) {
		unsigned delta = b[i] >> 4, len = b[i] & 15;
		i++;
		if (delta == 13)
			delta = 13u + b[i++];
		else if (delta == 14)
			delta = 269u + (unsigned)(b[i] << 8 | b[i + 1]), i += 2;
		if (len == 13)
			len = 13u + b[i++];
		else if (len == 14)
			len = 269u + (unsigned)(b[i] << 8 | b[i + 1]), i += 2;
		if (i + len > n)
			return -1;
		num += delta;
		char *dst = num == 11 ? m->uri_path : num == 15 ? m->query : NULL;
		if (dst) {
			size_t used = strlen(dst);
			if (used + len + 2 < (num == 11 ? sizeof(m->uri_path) : sizeof(m->query)))
				snprintf(dst + used, len + 2, "%s%.*s", used ? (num == 11 ? "/" : "&") : "",
				         (int)len, (const char *)b + i);
		}
		i += len;
	}
	if (i < n && b[i] == 0xff) {
		m->payload = b + i + 1;
		m->payload_len = n - i - 1;
	}
	return 0;
}

static int raw_fd;
static struct sockaddr_in peer;

static void raw_server(int *port)
{
	raw_fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert(raw_fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	cr_assert_eq(bind(raw_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	cr_assert_eq(getsockname(raw_fd, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
}

/* Waits for the next message from the client; requests_only skips ACKs. */
static void raw_recv_any(struct msg *m, uint8_t *buf, size_t cap, int timeout_ms,
                         bool requests_only)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	for (;;) {
		struct pollfd p = {.fd = raw_fd, .events = POLLIN};
		int left = (int)(end - lw_now_ms());
		cr_assert(left > 0 && poll(&p, 1, left) == 1, "nothing from the client");
		socklen_t pl = sizeof(peer);
		ssize_t n = recvfrom(raw_fd, buf, cap, 0, (struct sockaddr *)&peer, &pl);
		cr_assert(n > 0);
		cr_assert_eq(parse_msg(buf, (size_t)n, m), 0);
		if (!requests_only || m->type != 2)
			return;
	}
}

static void raw_recv(struct msg *m, uint8_t *buf, size_t cap, int timeout_ms)
{
	raw_recv_any(m, buf, cap, timeout_ms, true);
}

/* Piggybacked answer to m: code, then options already encoded. */
static void raw_ack(const struct msg *m, int code, const uint8_t *opts, size_t opts_len)
{
	uint8_t b[128];
	size_t n = 0;
	b[n++] = (uint8_t)(0x60 | m->tkl);
	b[n++] = (uint8_t)code;
	b[n++] = (uint8_t)(m->mid >> 8);
	b[n++] = (uint8_t)m->mid;
	memcpy(b + n, m->token, (size_t)m->tkl);
	n += (size_t)m->tkl;
	if (opts_len)
		memcpy(b + n, opts, opts_len);
	n += opts_len;
	cr_assert(sendto(raw_fd, b, n, 0, (struct sockaddr *)&peer, sizeof(peer)) == (ssize_t)n);
}

#define CODE(c, d) ((c) << 5 | (d))

Test(client, serves_requests_on_its_registration_session)
{
	int port;
	raw_server(&port);
	char uri[64];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", port);
	const char *extra[] = {"-l", "2", "-v", "1.1", NULL};
	start_client(uri, "raw-dev", extra);

	uint8_t buf[2048];
	struct msg m;
	raw_recv(&m, buf, sizeof(buf), 5000);
	cr_assert_eq(m.code, CODE(0, 2), "not a POST");
	cr_assert_str_eq(m.uri_path, "rd");
	cr_expect(strstr(m.query, "ep=raw-dev"), "%s", m.query);
	cr_expect(strstr(m.query, "lt=2"), "%s", m.query);
	cr_expect(strstr(m.query, "lwm2m=1.1"), "%s", m.query);
	cr_expect(strstr(m.query, "b=U"), "%s", m.query);
	char links[1024];
	snprintf(links, sizeof(links), "%.*s", (int)m.payload_len, (const char *)m.payload);
	cr_expect(!strncmp(links, "</>;rt=\"oma.lwm2m\";ct=112,", 26), "%s", links);
	cr_expect(strstr(links, ",</3303/0>"), "%s", links);
	cr_expect_null(strstr(links, "</0"), "the Security object is listed: %s", links);
	/* 2.01 Created, Location-Path rd/x1 */
	static const uint8_t loc[] = {0x82, 'r', 'd', 0x02, 'x', '1'};
	raw_ack(&m, CODE(2, 1), loc, sizeof(loc));
	cr_assert_eq(lw_wait_for_text(client_err, "registered: location /rd/x1", 3000), 0);

	/* Read /3/0/0 as text over the same session, from the server's port. */
	static const uint8_t get[] = {0x41, 0x01, 0x12, 0x34, 0xaa, 0xb1, '3', 0x01, '0',
	                              0x01, '0', 0x61, 0x00}; /* Accept: 0 */
	cr_assert(sendto(raw_fd, get, sizeof(get), 0, (struct sockaddr *)&peer, sizeof(peer)) ==
	          (ssize_t)sizeof(get));
	struct pollfd p = {.fd = raw_fd, .events = POLLIN};
	cr_assert_eq(poll(&p, 1, 3000), 1, "no answer to GET /3/0/0");
	ssize_t n = recv(raw_fd, buf, sizeof(buf), 0);
	cr_assert(n > 0);
	cr_assert_eq(parse_msg(buf, (size_t)n, &m), 0);
	cr_expect_eq(m.type, 2, "not an ACK");
	cr_expect_eq(m.mid, 0x1234);
	cr_expect_eq(m.code, CODE(2, 5));
	cr_expect(m.payload_len == 6 && !memcmp(m.payload, "lwm2md", 6));

	/* Write a new lifetime: the client tells the server in an Update. */
	static const uint8_t put[] = {0x41, 0x03, 0x12, 0x35, 0xac, 0xb1, '1', 0x01, '0', 0x01,
	                              '1', 0x10, 0xff, '3', '0'}; /* text "30" */
	cr_assert(sendto(raw_fd, put, sizeof(put), 0, (struct sockaddr *)&peer, sizeof(peer)) ==
	          (ssize_t)sizeof(put));
	raw_recv_any(&m, buf, sizeof(buf), 3000, false);
	cr_expect_eq(m.mid, 0x1235);
	cr_expect_eq(m.code, CODE(2, 4), "PUT /1/0/1");

	/* The Update; 4.04 (the server forgot the client) makes it register
	 * again. */
	raw_recv(&m, buf, sizeof(buf), 4000);
	cr_assert_eq(m.code, CODE(0, 2));
	cr_assert_str_eq(m.uri_path, "rd/x1");
	cr_expect_str_eq(m.query, "lt=30");
	raw_ack(&m, CODE(4, 4), NULL, 0);
	raw_recv(&m, buf, sizeof(buf), 4000);
	cr_assert_str_eq(m.uri_path, "rd", "no new Register after 4.04");
	static const uint8_t loc2[] = {0x82, 'r', 'd', 0x02, 'x', '2'};
	raw_ack(&m, CODE(2, 1), loc2, sizeof(loc2));
	cr_assert_eq(lw_wait_for_text(client_err, "registered: location /rd/x2", 3000), 0);

	/* SIGTERM: De-register the current registration, then exit 0. */
	kill(client_pid, SIGTERM);
	raw_recv(&m, buf, sizeof(buf), 3000);
	cr_expect_eq(m.code, CODE(0, 4), "not a DELETE");
	cr_expect_str_eq(m.uri_path, "rd/x2");
	raw_ack(&m, CODE(2, 2), NULL, 0);
	int status = lw_wait_timeout(client_pid, 5000);
	client_pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait status 0x%x", status);
	close(raw_fd);
}

/* SIGTERM: the client De-registers rd/x1 and, answered, exits 0 at once. */
static void raw_deregister(void)
{
	uint8_t buf[2048];
	struct msg m;
	kill(client_pid, SIGTERM);
	do
		raw_recv(&m, buf, sizeof(buf), 3000);
	while (m.code != CODE(0, 4));
	cr_expect_str_eq(m.uri_path, "rd/x1");
	raw_ack(&m, CODE(2, 2), NULL, 0);
	int status = lw_wait_timeout(client_pid, 5000);
	client_pid = 0;
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wait status 0x%x", status);
	close(raw_fd);
}

/* Registers a client started with extra against the raw server, answering
 * 2.01 with Location-Path rd/x1. The Register is left in m. */
static void raw_register(const char *const *extra, struct msg *m, uint8_t *buf, size_t cap)
{
	int port;
	raw_server(&port);
	char uri[64];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", port);
	start_client(uri, "raw-dev", extra);
	raw_recv(m, buf, cap, 5000);
	cr_assert_str_eq(m->uri_path, "rd");
	static const uint8_t loc[] = {0x82, 'r', 'd', 0x02, 'x', '1'};
	raw_ack(m, CODE(2, 1), loc, sizeof(loc));
	cr_assert_eq(lw_wait_for_text(client_err, "registered: location /rd/x1", 3000), 0);
}

Test(client, sends_the_temperature_in_senml_cbor)
{
	const char *extra[] = {"--send-interval", "1", NULL};
	uint8_t buf[2048];
	struct msg m;
	raw_register(extra, &m, buf, sizeof(buf));

	raw_recv(&m, buf, sizeof(buf), 3000);
	cr_assert_eq(m.code, CODE(0, 2));
	cr_assert_str_eq(m.uri_path, "dp");
	lw_model *mod = builtin_model();
	lw_records r;
	lw_records_init(&r);
	lw_path root = LW_PATH_ROOT;
	struct lw_codec_error err = {0};
	cr_assert_eq(lw_codec_senml_cbor.decode(mod, &root, m.payload, m.payload_len, &r, &err), 0,
	             "Send payload: %s", err.message);
	const lw_record *t = find(&r, "/3303/0/5700");
	cr_assert_not_null(t);
	cr_expect_eq(t->type, LW_TYPE_FLOAT);
	cr_expect(t->v.f > 10 && t->v.f < 35, "%g", t->v.f);
	cr_expect(t->has_time && t->time > 1.7e9, "no time stamp");
	raw_ack(&m, CODE(2, 4), NULL, 0);
	lw_records_free(&r);
	lw_model_free(mod);
	raw_deregister();
}

Test(client, queue_mode_sleeps_and_wakes_with_an_update)
{
	const char *extra[] = {"-q", "--awake", "1", "-l", "4", NULL};
	uint8_t buf[2048];
	struct msg m;
	raw_register(extra, &m, buf, sizeof(buf));
	cr_expect(strstr(m.query, "&Q") || !strncmp(m.query, "Q", 1), "no Q: %s", m.query);
	cr_expect(strstr(m.query, "b=U"), "%s", m.query);
	cr_assert_eq(lw_wait_for_text(client_err, "sleeping", 3000), 0);

	/* Asleep: a request waits for the client to wake. */
	static const uint8_t get[] = {0x41, 0x01, 0x43, 0x21, 0xbb, 0xb1, '3', 0x01, '0',
	                              0x01, '0', 0x61, 0x00};
	cr_assert(sendto(raw_fd, get, sizeof(get), 0, (struct sockaddr *)&peer, sizeof(peer)) ==
	          (ssize_t)sizeof(get));
	struct pollfd p = {.fd = raw_fd, .events = POLLIN};
	cr_expect_eq(poll(&p, 1, 500), 0, "a sleeping client answered");

	/* Awake at 3/4 of the lifetime: the Update, then the answer. */
	bool update = false, answer = false;
	while (!update || !answer) {
		raw_recv_any(&m, buf, sizeof(buf), 5000, false);
		if (m.type == 2 && m.mid == 0x4321) {
			cr_expect_eq(m.code, CODE(2, 5));
			answer = true;
		} else if (m.code == CODE(0, 2) && !strcmp(m.uri_path, "rd/x1")) {
			cr_expect(!answer, "answered before its Update");
			raw_ack(&m, CODE(2, 4), NULL, 0);
			update = true;
		}
	}
	raw_deregister();
}
