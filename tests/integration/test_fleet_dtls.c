/*
 * tests/integration/test_fleet_dtls.c: lwm2m-fleet over DTLS and through the
 * bootstrap server, against the real lwm2md, seen from its REST API. A small
 * PSK fleet (keys derived from a seed, provisioned from the fleet's own
 * --print-credentials) registers over DTLS, answers a Read and deregisters;
 * a fleet with the wrong keys registers nothing; RPK and X.509 fleets
 * register with keys and certificates certtool makes in the test's folder;
 * a fleet that knows only the bootstrap server (plain CoAP, or DTLS-PSK)
 * bootstraps and ends registered over DTLS with credentials it never had
 * before.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"

#define TOKEN "fleet-dtls-token"
#define AUTH "Bearer " TOKEN
#define PATH_LEN 640

static struct lwd d;
static int http_port, coaps_port, bs_port, bss_port;
static pid_t fleet_pid;
static char fleet_err[300], fleet_json[300];

/* The daemon with HTTP, DTLS and the bootstrap server on free ports;
 * coaps_more goes into [coaps] (the server's certificate). */
static void start_daemon(const char *coaps_more)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		http_port = httpc_free_port();
		coaps_port = lw_free_udp_port();
		bs_port = lw_free_udp_port();
		bss_port = lw_free_udp_port();
		cr_assert(http_port > 0 && coaps_port > 0 && bs_port > 0 && bss_port > 0);
		char extra[4096];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "[coaps]\nbind = 127.0.0.1\nport = %d\n%s\n"
		         "[bootstrap]\nbind = 127.0.0.1\nport = %d\nsecure_port = %d\n",
		         http_port, coaps_port, coaps_more ? coaps_more : "", bs_port, bss_port);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&d, &o) == 0)
			return;
		char *log = lw_slurp(d.err);
		int taken = log && strstr(log, "in use");
		free(log);
		if (!taken)
			break;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(d.err));
}

static void setup(void)
{
	cr_assert_eq(lwd_init(&d), 0);
	unsetenv("LWM2MD_ADMIN_TOKEN");
	snprintf(fleet_err, sizeof(fleet_err), "%s/fleet.err", d.dir);
	snprintf(fleet_json, sizeof(fleet_json), "%s/fleet.json", d.dir);
}

static void teardown(void)
{
	if (fleet_pid > 0)
		lw_stop_child(fleet_pid, 5000);
	fleet_pid = 0;
	if (d.pid > 0) {
		int st = lwd_stop(&d);
		char *log = lw_slurp(d.err);
		cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		          "lwm2md ended with %d:\n%s", st, log);
		cr_expect(!log || !strstr(log, "runtime error: "), "%s", log);
		free(log);
	}
	lwd_cleanup(&d);
}

TestSuite(fleet_dtls, .init = setup, .fini = teardown, .timeout = 60);

static void fleet_path(char *buf, size_t len)
{
	lw_build_path(buf, len, "lwm2m-fleet");
}

/* argv for the fleet: the binary, then args (NULL-terminated). */
static int fleet_argv(const char **argv, size_t cap, const char *const *args)
{
	static char bin[1024];
	fleet_path(bin, sizeof(bin));
	size_t n = 0;
	argv[n++] = bin;
	for (; *args && n + 1 < cap; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return (int)n;
}

static void start_fleet(const char *const *args)
{
	const char *argv[48];
	int n = fleet_argv(argv, 44, args);
	argv[n++] = "--json";
	argv[n++] = fleet_json;
	argv[n] = NULL;
	fleet_pid = lw_spawn(argv, NULL, fleet_err);
	cr_assert_gt(fleet_pid, 0);
}

static int stop_fleet(void)
{
	kill(fleet_pid, SIGTERM);
	int st = lw_wait_timeout(fleet_pid, 15000);
	cr_assert_geq(st, 0, "the fleet did not end after SIGTERM");
	fleet_pid = 0;
	return st;
}

/* No sanitizer report from the fleet (ASan builds): a clean exit is not
 * enough when the report goes to stderr of a shard. */
static void fleet_clean(void)
{
	char *log = lw_slurp(fleet_err);
	cr_expect(!log || (!strstr(log, "runtime error: ") && !strstr(log, "Sanitizer")), "%s",
	          log);
	free(log);
}

static json_t *summary(void)
{
	fleet_clean();
	json_error_t e;
	json_t *j = json_load_file(fleet_json, 0, &e);
	cr_assert(j, "no JSON summary (%s):\n%s", e.text, lw_slurp(fleet_err));
	return j;
}

static long long field(json_t *j, const char *name)
{
	return (long long)json_integer_value(json_object_get(j, name));
}

static void req(struct httpc_resp *r, const char *method, const char *target, const char *body)
{
	int rc = httpc_request(r, http_port, method, target, AUTH, NULL, body, 10000);
	cr_assert_eq(rc, 0, "%s %s: no answer", method, target);
}

/* Each line "EP JSON" of `lwm2m-fleet ARGS --print-credentials` PUT to
 * /api/v1/security/EP: the provisioning the fleet's options promise. */
static int provision(const char *const *args)
{
	const char *argv[48];
	int n = fleet_argv(argv, 46, args);
	argv[n++] = "--print-credentials";
	argv[n] = NULL;
	char *out = NULL, *err = NULL;
	int st = lw_run(argv, 20000, &out, &err);
	cr_assert_eq(st, 0, "--print-credentials: %d %s", st, err ? err : "");
	int count = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		cr_assert_not_null(sp, "%s", line);
		*sp = 0;
		char target[256];
		snprintf(target, sizeof(target), "/api/v1/security/%s", line);
		struct httpc_resp r;
		req(&r, "PUT", target, sp + 1);
		cr_assert_eq(r.status, 200, "PUT %s %s: %d %s", target, sp + 1, r.status, r.body);
		count++;
	}
	free(out);
	free(err);
	return count;
}

/* GET /api/v1/clients/ep: the document, or NULL when not registered. */
static json_t *client_doc(const char *ep)
{
	char target[256];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	struct httpc_resp r;
	req(&r, "GET", target, NULL);
	if (r.status == 404)
		return NULL;
	cr_assert_eq(r.status, 200, "GET %s: %d %s", target, r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "%s", r.body);
	return j;
}

/* Devices prefix-000001 .. prefix-00000n registered and on a DTLS session. */
static int secure_count(const char *prefix, int n)
{
	int count = 0;
	for (int i = 1; i <= n; i++) {
		char ep[64];
		snprintf(ep, sizeof(ep), "%s-%06d", prefix, i);
		json_t *j = client_doc(ep);
		if (j && json_is_true(json_object_get(j, "secure")))
			count++;
		json_decref(j);
	}
	return count;
}

static void wait_secure(const char *prefix, int n, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	int got;
	while ((got = secure_count(prefix, n)) != n && lw_now_ms() < end)
		usleep(200000);
	cr_assert_eq(got, n, "%d of %d %s-* registered over DTLS\nfleet:\n%s\ndaemon:\n%s", got,
	             n, prefix, lw_slurp(fleet_err), lw_slurp(d.err));
}

static int registered_count(const char *prefix)
{
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients?q=%s", prefix);
	struct httpc_resp r;
	req(&r, "GET", target, NULL);
	cr_assert_eq(r.status, 200);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_assert(json_is_array(j), "%s", r.body);
	int n = (int)json_array_size(j);
	json_decref(j);
	return n;
}

/* One sample of /metrics, -1 if absent. */
static long long metric(const char *name)
{
	struct httpc_resp r;
	req(&r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	size_t n = strlen(name);
	for (const char *p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

static void coaps_uri(char *buf, size_t len)
{
	snprintf(buf, len, "coaps://127.0.0.1:%d", coaps_port);
}

/* ---- PSK ---- */

Test(fleet_dtls, psk_registers_answers_reads_deregisters)
{
	start_daemon(NULL);
	char uri[64];
	coaps_uri(uri, sizeof(uri));
	const char *const args[] = {"-u", uri, "-c", "20", "-n", "fp", "--psk-seed", "s3cr3t",
	                            NULL};
	cr_assert_eq(provision(args), 20);
	start_fleet((const char *const[]){"-u", uri, "-c", "20", "-n", "fp", "--psk-seed",
	                                  "s3cr3t", "-r", "200", "-l", "120", NULL});
	wait_secure("fp", 20, 15000);

	/* A Read goes down the device's DTLS session and its answer back. */
	struct httpc_resp r;
	req(&r, "GET", "/api/v1/clients/fp-000007/3/0", NULL);
	cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_assert(j);
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "2.05");
	size_t i;
	json_t *rec;
	const char *serial = NULL;
	json_array_foreach(json_object_get(j, "records"), i, rec) {
		if (!strcmp(json_string_value(json_object_get(rec, "path")), "/3/0/2"))
			serial = json_string_value(json_object_get(rec, "value"));
	}
	cr_expect(serial && !strcmp(serial, "fp-000007"), "serial %s", serial ? serial : "none");
	json_decref(j);

	long long ok = metric("lwm2md_dtls_handshakes_total{result=\"ok\"}");
	cr_expect_geq(ok, 20);
	int st = stop_fleet();
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	cr_expect_eq(registered_count("fp-"), 0, "devices left registered");
	json_t *s = summary();
	cr_expect_eq(field(s, "registrations"), 20);
	cr_expect_eq(field(s, "deregistered"), 20);
	cr_expect_eq(field(s, "handshakes"), 20);
	cr_expect_eq(field(s, "handshake_failures"), 0);
	cr_expect_geq(field(s, "requests"), 1);
	json_decref(s);
	/* The fleet said goodbye: the daemon's sessions end with it. */
	uint64_t end = lw_now_ms() + 5000;
	while (metric("lwm2md_dtls_sessions") != 0 && lw_now_ms() < end)
		usleep(100000);
	cr_expect_eq(metric("lwm2md_dtls_sessions"), 0);
}

Test(fleet_dtls, wrong_key_is_refused)
{
	start_daemon(NULL);
	char uri[64];
	coaps_uri(uri, sizeof(uri));
	cr_assert_eq(provision((const char *const[]){"-u", uri, "-c", "5", "-n", "fw", "--psk-seed",
	                                             "right", NULL}),
	             5);
	start_fleet((const char *const[]){"-u", uri, "-c", "5", "-n", "fw", "--psk-seed", "wrong",
	                                  "-r", "0", "-d", "2", NULL});
	int st = lw_wait_timeout(fleet_pid, 20000);
	cr_assert_geq(st, 0, "the fleet did not end");
	fleet_pid = 0;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	json_t *s = summary();
	cr_expect_eq(field(s, "registrations"), 0);
	cr_expect_eq(field(s, "handshakes"), 0);
	cr_expect_geq(field(s, "handshake_failures"), 5);
	json_decref(s);
	cr_expect_eq(registered_count("fw-"), 0);
	cr_expect_geq(metric("lwm2md_dtls_handshakes_total{result=\"failed\"}"), 5);
}

/* ---- RPK and X.509 ---- */

static void certtool(const char *const *args)
{
	const char *argv[24];
	size_t n = 0;
	argv[n++] = "certtool";
	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	char *out = NULL, *err = NULL;
	int st = lw_run(argv, 20000, &out, &err);
	cr_assert_eq(st, 0, "certtool %s failed (%d): %s", argv[1], st, err ? err : "");
	free(out);
	free(err);
}

static void ec_key(const char *path)
{
	certtool((const char *[]){"--generate-privkey", "--key-type", "ecdsa", "--curve",
	                          "secp256r1", "--outfile", path, NULL});
}

/* cert for key at out, by the CA (cacert, cakey), or self-signed. */
static void sign(const char *key, const char *out, const char *tmpl_text, const char *cacert,
                 const char *cakey)
{
	char tmpl[PATH_LEN];
	snprintf(tmpl, sizeof(tmpl), "%s.tmpl", out);
	cr_assert_eq(lw_write_file(tmpl, tmpl_text), 0);
	if (!cacert)
		certtool((const char *[]){"--generate-self-signed", "--load-privkey", key,
		                          "--template", tmpl, "--outfile", out, NULL});
	else
		certtool((const char *[]){"--generate-certificate", "--load-privkey", key,
		                          "--load-ca-certificate", cacert, "--load-ca-privkey", cakey,
		                          "--template", tmpl, "--outfile", out, NULL});
}

/* A CA and the server's certificate; the [coaps] lines for them. */
static void server_pki(char *conf, size_t len)
{
	char ca[PATH_LEN], cakey[PATH_LEN], crt[PATH_LEN], key[PATH_LEN];
	snprintf(cakey, sizeof(cakey), "%s/ca-key.pem", d.dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", d.dir);
	snprintf(key, sizeof(key), "%s/srv-key.pem", d.dir);
	snprintf(crt, sizeof(crt), "%s/srv.pem", d.dir);
	ec_key(cakey);
	sign(cakey, ca, "cn = \"fleet test CA\"\nca\ncert_signing_key\nexpiration_days = 30\n",
	     NULL, NULL);
	ec_key(key);
	sign(key, crt, "cn = \"lwm2md\"\ntls_www_server\nsigning_key\nexpiration_days = 30\n", ca,
	     cakey);
	snprintf(conf, len, "certificate = %s\nprivate_key = %s\nca_file = %s\n", crt, key, ca);
}

/* DIR/PREFIX-00000i.key for i in 1..n, and .crt signed by the CA when x509. */
static void device_keys(const char *dir, const char *prefix, int n, bool x509)
{
	cr_assert_eq(mkdir(dir, 0700), 0);
	char ca[PATH_LEN], cakey[PATH_LEN];
	snprintf(cakey, sizeof(cakey), "%s/ca-key.pem", d.dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", d.dir);
	for (int i = 1; i <= n; i++) {
		char key[PATH_LEN + 32], crt[PATH_LEN + 32], tmpl[200];
		snprintf(key, sizeof(key), "%s/%s-%06d.key", dir, prefix, i);
		ec_key(key);
		if (!x509)
			continue;
		snprintf(crt, sizeof(crt), "%s/%s-%06d.crt", dir, prefix, i);
		snprintf(tmpl, sizeof(tmpl),
		         "cn = \"%s-%06d\"\ntls_www_client\nsigning_key\nexpiration_days = 30\n",
		         prefix, i);
		sign(key, crt, tmpl, ca, cakey);
	}
}

static void cert_fleet(const char *mode_opt, const char *prefix, bool x509)
{
	char conf[2048], dir[PATH_LEN], uri[64];
	server_pki(conf, sizeof(conf));
	start_daemon(conf);
	snprintf(dir, sizeof(dir), "%s/keys", d.dir);
	device_keys(dir, prefix, 3, x509);
	coaps_uri(uri, sizeof(uri));
	cr_assert_eq(provision((const char *const[]){"-u", uri, "-c", "3", "-n", prefix, mode_opt,
	                                             dir, NULL}),
	             3);
	start_fleet((const char *const[]){"-u", uri, "-c", "3", "-n", prefix, mode_opt, dir, "-r",
	                                  "0", NULL});
	wait_secure(prefix, 3, 15000);
	int st = stop_fleet();
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	json_t *s = summary();
	cr_expect_eq(field(s, "registrations"), 3);
	cr_expect_eq(field(s, "handshakes"), 3);
	cr_expect_eq(field(s, "deregistered"), 3);
	json_decref(s);
}

Test(fleet_dtls, rpk_registers)
{
	cert_fleet("--rpk", "fr", false);
}

Test(fleet_dtls, x509_registers)
{
	cert_fleet("--cert", "fx", true);
}

/* ---- bootstrap ---- */

/*
 * Each device is given the DTLS account of this daemon with a PSK of its
 * own (PUT also installs that PSK as its credential here); bs_creds[i], when
 * given, is its credential towards the bootstrap server's DTLS port.
 */
static void bs_configs(const char *prefix, int n, char *const *bs_creds)
{
	for (int i = 1; i <= n; i++) {
		char target[128], body[1024], bsec[300] = "";
		snprintf(target, sizeof(target), "/api/v1/bootstrap/%s-%06d", prefix, i);
		if (bs_creds)
			snprintf(bsec, sizeof(bsec), "\"bootstrapSecurity\": %s, ", bs_creds[i - 1]);
		snprintf(body, sizeof(body),
		         "{%s\"servers\": [{\"shortServerId\": 7, \"uri\": \"coaps://127.0.0.1:%d\", "
		         "\"lifetime\": 200, \"security\": {\"mode\": \"psk\", \"identity\": "
		         "\"%s-dm-%d\", \"key\": \"00112233445566778899aabbccddee%02x\"}}]}",
		         bsec, coaps_port, prefix, i, i);
		struct httpc_resp r;
		req(&r, "PUT", target, body);
		cr_assert_eq(r.status, 200, "PUT %s: %d %s", target, r.status, r.body);
	}
}

Test(fleet_dtls, bootstraps_then_registers_over_dtls)
{
	start_daemon(NULL);
	bs_configs("fb", 4, NULL);
	char bs[64];
	snprintf(bs, sizeof(bs), "coap://127.0.0.1:%d", bs_port);
	start_fleet((const char *const[]){"--bootstrap", bs, "-c", "4", "-n", "fb", "-r", "0",
	                                  NULL});
	wait_secure("fb", 4, 20000);
	/* The lifetime it was given, not its own default. */
	json_t *j = client_doc("fb-000002");
	cr_assert(j);
	cr_expect_eq(json_integer_value(json_object_get(j, "lifetime")), 200);
	json_decref(j);
	int st = stop_fleet();
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	json_t *s = summary();
	cr_expect_eq(field(s, "bootstraps"), 4);
	cr_expect_eq(field(s, "errors"), 0);
	cr_expect_eq(field(s, "registrations"), 4);
	cr_expect_eq(field(s, "handshakes"), 4);
	cr_expect_eq(field(s, "deregistered"), 4);
	json_decref(s);
}

/* The bootstrap server's DTLS port: the device proves its bootstrap PSK
 * (derived from the seed) first, then the DM one it is given. */
Test(fleet_dtls, bootstraps_over_dtls)
{
	start_daemon(NULL);
	char bs[64];
	snprintf(bs, sizeof(bs), "coaps://127.0.0.1:%d", bss_port);
	const char *argv[16];
	int n = fleet_argv(argv, 14,
	                   (const char *const[]){"--bootstrap", bs, "-c", "3", "-n", "fs",
	                                         "--psk-seed", "bs-seed", "--print-credentials",
	                                         NULL});
	cr_assert_eq(n, 10);
	char *out = NULL, *err = NULL;
	cr_assert_eq(lw_run(argv, 20000, &out, &err), 0, "%s", err ? err : "");
	char *creds[3];
	int k = 0;
	for (char *line = strtok(out, "\n"); line && k < 3; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		cr_assert_not_null(sp);
		creds[k++] = sp + 1;
	}
	cr_assert_eq(k, 3);
	bs_configs("fs", 3, creds);
	free(out);
	free(err);
	start_fleet((const char *const[]){"--bootstrap", bs, "-c", "3", "-n", "fs", "--psk-seed",
	                                  "bs-seed", "-r", "0", NULL});
	wait_secure("fs", 3, 20000);
	int st = stop_fleet();
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d\n%s", st, lw_slurp(fleet_err));
	json_t *s = summary();
	cr_expect_eq(field(s, "bootstraps"), 3);
	cr_expect_eq(field(s, "registrations"), 3);
	/* One handshake with the bootstrap server, one with the DM server. */
	cr_expect_eq(field(s, "handshakes"), 6);
	cr_expect_eq(field(s, "handshake_failures"), 0);
	/* No session lost on the way from one server to the other. */
	cr_expect_eq(field(s, "errors"), 0);
	json_decref(s);
}
