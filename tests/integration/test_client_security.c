/*
 * tests/integration/test_client_security.c: the reference client's DTLS and
 * bootstrap, as a real process.
 *
 * DTLS: libcoap's coap-server (GnuTLS) is the server, with a pre-shared
 * key, a raw public key or an X.509 chain made here with certtool (no key
 * is ever committed). The client's Register must reach it through the
 * DTLS session (the server logs the decrypted request and answers 4.04:
 * it has no /rd), and a wrong key, pin or CA must fail the handshake with
 * one clear line and, with --give-up, exit status 1.
 *
 * Bootstrap: the test is the bootstrap server, on libcoap in this process.
 * It accepts POST /bs, deletes, writes a Security and a Server instance
 * naming a real lwm2md (plain CoAP), discovers and finishes; then the
 * client must be registered with that lwm2md (REST API), with the Server
 * object's lifetime. Also: Finish without a DM account is refused (4.06),
 * the Security object stays unreadable, --state skips the bootstrap on the
 * next start, and a DM account that does not work sends the client back to
 * bootstrap.
 */
#include <arpa/inet.h>
#include <coap3/coap.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "httpc.h"
#include "lwm2m/base64.h"
#include "lwm2m/buf.h"

#define TOKEN "client-sec-token"

static char dir[256];
static pid_t client_pid, server_pid;
static char client_err[400], server_out[400], server_err[400];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lw-clientsec-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(client_err, sizeof(client_err), "%s/client.err", dir);
	snprintf(server_out, sizeof(server_out), "%s/server.out", dir);
	snprintf(server_err, sizeof(server_err), "%s/server.err", dir);
}

static void stop(pid_t *pid)
{
	if (*pid > 0)
		lw_stop_child(*pid, 5000);
	*pid = 0;
}

/* SIGTERM must end the client cleanly: exit 0, and under the sanitizers
 * no leak and no undefined behaviour on the way. */
static void stop_client(void)
{
	if (client_pid <= 0)
		return;
	kill(client_pid, SIGTERM);
	int st = lw_wait_timeout(client_pid, 8000);
	if (st < 0)
		lw_stop_child(client_pid, 1000);
	client_pid = 0;
	char *err = lw_slurp(client_err);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	          "the client did not exit 0 on SIGTERM (0x%x):\n%s", st, err);
	cr_expect(!err || (!strstr(err, "Sanitizer") && !strstr(err, "runtime error")), "%s", err);
	free(err);
}

static void teardown(void)
{
	stop_client();
	stop(&server_pid);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static const char *coap_server_bin(void)
{
	const char *s = getenv("LW_COAP_SERVER");
	if (!s || !*s || !strstr(s, "gnutls"))
		cr_skip("LW_COAP_SERVER is not the GnuTLS coap-server (install libcoap3-bin)");
	return s;
}

static void path_in(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
}

/* Runs certtool; the files land in the test's folder. */
static void certtool(const char *const *args)
{
	const char *argv[16] = {"certtool"};
	size_t n = 1;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	char *out = NULL, *err = NULL;
	int rc = lw_run(argv, 20000, &out, &err);
	cr_assert_eq(rc, 0, "certtool failed:\n%s", err ? err : "");
	free(out);
	free(err);
}

/* An EC P-256 private key (SEC1 PEM, what libcoap's RPK wants) in name. */
static void make_key(const char *name, char *path, size_t cap)
{
	path_in(path, cap, name);
	const char *a[] = {"--generate-privkey", "--key-type=ecdsa", "--curve=secp256r1",
	                   "--no-text", "--outfile", path, NULL};
	certtool(a);
}

static void make_pubkey(const char *key, const char *name, char *path, size_t cap)
{
	path_in(path, cap, name);
	const char *a[] = {"--load-privkey", key, "--pubkey-info", "--outfile", path, NULL};
	certtool(a);
}

/* A certificate for key: self-signed CA when ca is NULL, else signed by it. */
static void make_cert(const char *name, const char *key, const char *ca, const char *ca_key,
                      const char *template_text, char *path, size_t cap)
{
	char tmpl[400];
	path_in(path, cap, name);
	snprintf(tmpl, sizeof(tmpl), "%s.tmpl", path);
	cr_assert_eq(lw_write_file(tmpl, template_text), 0);
	if (!ca) {
		const char *a[] = {"--generate-self-signed", "--load-privkey", key,
		                   "--template", tmpl, "--outfile", path, NULL};
		certtool(a);
	} else {
		const char *a[] = {"--generate-certificate", "--load-privkey", key,
		                   "--load-ca-certificate", ca, "--load-ca-privkey", ca_key,
		                   "--template", tmpl, "--outfile", path, NULL};
		certtool(a);
	}
}

/*
 * coap-server with the given security options; *dtls_port is its DTLS
 * port (the plain one + 1). It is up once its log (-v 7, which also shows
 * the requests it decrypted) says it made that DTLS endpoint; a port taken
 * meanwhile makes it fail or exit, and another pair of ports is tried.
 */
static void start_coap_server(const char *const *extra, int *dtls_port)
{
	const char *bin = coap_server_bin();
	for (int attempt = 0; attempt < 8; attempt++) {
		int p = lw_free_udp_port();
		cr_assert_gt(p, 0);
		char port_s[16], want[64];
		snprintf(port_s, sizeof(port_s), "%d", p);
		snprintf(want, sizeof(want), "created DTLS endpoint 127.0.0.1:%d", p + 1);
		const char *argv[24] = {bin, "-A", "127.0.0.1", "-p", port_s, "-v", "7"};
		size_t n = 7;
		for (const char *const *e = extra; *e && n < 23; e++)
			argv[n++] = *e;
		argv[n] = NULL;
		server_pid = lw_spawn(argv, server_out, server_err);
		cr_assert_gt(server_pid, 0);
		bool up = false, failed = false;
		uint64_t end = lw_now_ms() + 5000;
		while (!up && !failed && lw_now_ms() < end) {
			usleep(20 * 1000);
			char *o = lw_slurp(server_out), *e = lw_slurp(server_err);
			up = (o && strstr(o, want)) || (e && strstr(e, want));
			failed = (o && strstr(o, "cannot create")) ||
			         (e && strstr(e, "cannot create")) ||
			         waitpid(server_pid, NULL, WNOHANG) == server_pid;
			free(o);
			free(e);
		}
		if (up && !failed) {
			*dtls_port = p + 1;
			return;
		}
		stop(&server_pid); /* a port was taken meanwhile: another pair */
	}
	cr_assert_fail("coap-server would not start");
}

static void start_client(const char *const *args)
{
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	const char *argv[32] = {bin};
	size_t n = 1;
	for (; *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	client_pid = lw_spawn(argv, NULL, client_err);
	cr_assert_gt(client_pid, 0);
}

/* Whether the server's log (either stream) has text, within timeout_ms. */
static bool server_saw(const char *text, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	do {
		char *a = lw_slurp(server_out), *b = lw_slurp(server_err);
		bool seen = (a && strstr(a, text)) || (b && strstr(b, text));
		free(a);
		free(b);
		if (seen)
			return true;
		usleep(50 * 1000);
	} while (lw_now_ms() < end);
	return false;
}

/* The client's exit status within timeout_ms (-1: still running). */
static int client_exit(int timeout_ms)
{
	int st = lw_wait_timeout(client_pid, timeout_ms);
	if (st >= 0)
		client_pid = 0;
	char *err = lw_slurp(client_err);
	cr_expect(!err || (!strstr(err, "Sanitizer") && !strstr(err, "runtime error")), "%s", err);
	free(err);
	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TestSuite(clientsec, .init = setup, .fini = teardown, .timeout = 30);

/* ---- DTLS against coap-server ---- */

static void uri_of(char *buf, size_t cap, int port)
{
	snprintf(buf, cap, "coaps://127.0.0.1:%d", port);
}

/* coap-server takes its -k key as text; the client takes hex. */
#define PSK_TEXT "s3cret-psk"
#define PSK_HEX "7333637265742d70736b"

Test(clientsec, psk_register_arrives_over_dtls)
{
	int port;
	char uri[64];
	const char *srv[] = {"-k", PSK_TEXT, "-h", "hint", NULL};
	start_coap_server(srv, &port);
	uri_of(uri, sizeof(uri), port);
	const char *cli[] = {"-u", uri, "-n", "psk-dev", "-i", "psk-dev-id", "-k", PSK_HEX, NULL};
	start_client(cli);
	cr_assert(server_saw("got psk_identity: 'psk-dev-id'", 8000), "no PSK handshake:\n%s",
	          lw_slurp(client_err));
	cr_assert(server_saw("Uri-Query:ep=psk-dev", 8000), "no Register over DTLS:\n%s",
	          lw_slurp(client_err));
	/* The server has no /rd: its 4.04 came back through the session. */
	cr_assert_eq(lw_wait_for_text(client_err, "registration failed (4.04)", 8000), 0, "%s",
	             lw_slurp(client_err));
	/* The account shows in the Security object the client keeps. */
	cr_expect(server_saw("Uri-Query:lwm2m=1.1", 100));
}

Test(clientsec, wrong_psk_fails_the_handshake_and_gives_up)
{
	int port;
	char uri[64];
	const char *srv[] = {"-k", PSK_TEXT, "-h", "hint", NULL};
	start_coap_server(srv, &port);
	uri_of(uri, sizeof(uri), port);
	const char *cli[] = {"-u", uri, "-n", "bad-psk", "-i", "bad-psk-id", "-k", "00112233",
	                     "--give-up", "1", NULL};
	start_client(cli);
	cr_assert_eq(client_exit(20000), 1, "the client did not give up with status 1:\n%s",
	             lw_slurp(client_err));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "DTLS handshake failed with coaps://127.0.0.1:"), "%s", err);
	cr_expect_not_null(strstr(err, "giving up after 1 failures"), "%s", err);
	cr_expect_null(strstr(err, "registered"), "%s", err);
	free(err);
	cr_expect(!server_saw("Uri-Path:rd", 0), "a Register got through a bad handshake");
}

Test(clientsec, rpk_register_and_server_key_pinning)
{
	char skey[300], ckey[300], spub[300], cpub[300], uri[64];
	int port;
	make_key("server.key", skey, sizeof(skey));
	make_key("client.key", ckey, sizeof(ckey));
	make_pubkey(skey, "server.pub", spub, sizeof(spub));
	make_pubkey(ckey, "client.pub", cpub, sizeof(cpub));
	const char *srv[] = {"-M", skey, NULL};
	start_coap_server(srv, &port);
	uri_of(uri, sizeof(uri), port);

	const char *cli[] = {"-u", uri, "-n", "rpk-dev", "--rpk-key", ckey, "--server-key", spub,
	                     NULL};
	start_client(cli);
	cr_assert(server_saw("Uri-Query:ep=rpk-dev", 8000), "no Register over RPK DTLS:\n%s",
	          lw_slurp(client_err));
	cr_assert_eq(lw_wait_for_text(client_err, "registration failed (4.04)", 8000), 0);
	stop_client();

	/* Pinned to another key: the client refuses the server itself. */
	const char *bad[] = {"-u", uri, "-n", "rpk-pinned", "--rpk-key", ckey, "--server-key", cpub,
	                     "--give-up", "1", NULL};
	start_client(bad);
	cr_assert_eq(client_exit(15000), 1, "%s", lw_slurp(client_err));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "not the pinned one"), "%s", err);
	cr_expect_not_null(strstr(err, "DTLS handshake failed"), "%s", err);
	free(err);
	cr_expect(!server_saw("Uri-Query:ep=rpk-pinned", 0));
}

Test(clientsec, x509_register_and_unknown_ca_refused)
{
	char cakey[300], ca[300], skey[300], scert[300], ckey[300], ccert[300], okey[300],
	    oca[300], uri[64];
	int port;
	make_key("ca.key", cakey, sizeof(cakey));
	make_cert("ca.pem", cakey, NULL, NULL,
	          "cn = \"lwm2md test CA\"\nca\ncert_signing_key\nexpiration_days = 2\n", ca,
	          sizeof(ca));
	make_key("server.key", skey, sizeof(skey));
	make_cert("server.pem", skey, ca, cakey,
	          "cn = \"localhost\"\nip_address = \"127.0.0.1\"\ntls_www_server\n"
	          "expiration_days = 2\n",
	          scert, sizeof(scert));
	make_key("client.key", ckey, sizeof(ckey));
	make_cert("client.pem", ckey, ca, cakey,
	          "cn = \"x509-dev\"\ntls_www_client\nexpiration_days = 2\n", ccert, sizeof(ccert));
	make_key("other-ca.key", okey, sizeof(okey));
	make_cert("other-ca.pem", okey, NULL, NULL,
	          "cn = \"someone else\"\nca\ncert_signing_key\nexpiration_days = 2\n", oca,
	          sizeof(oca));
	const char *srv[] = {"-c", scert, "-j", skey, "-C", ca, NULL};
	start_coap_server(srv, &port);
	uri_of(uri, sizeof(uri), port);

	const char *cli[] = {"-u",     uri,   "-n",    "x509-dev", "--cert", ccert,
	                     "--key",  ckey,  "--ca",  ca,         NULL};
	start_client(cli);
	cr_assert(server_saw("Uri-Query:ep=x509-dev", 8000), "no Register over X.509 DTLS:\n%s",
	          lw_slurp(client_err));
	cr_assert_eq(lw_wait_for_text(client_err, "registration failed (4.04)", 8000), 0);
	stop_client();

	/* A server certificate from a CA the client does not trust. */
	const char *bad[] = {"-u", uri, "-n", "x509-other", "--cert", ccert, "--key", ckey, "--ca",
	                     oca, "--give-up", "1", NULL};
	start_client(bad);
	cr_assert_eq(client_exit(15000), 1, "%s", lw_slurp(client_err));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "DTLS handshake failed"), "%s", err);
	free(err);
	cr_expect(!server_saw("Uri-Query:ep=x509-other", 0));
}

Test(clientsec, bad_security_options_are_usage_errors)
{
	const char *a[] = {"-u", "coaps://127.0.0.1:5684", "-n", "x", NULL};
	start_client(a); /* coaps without credentials */
	cr_expect_eq(client_exit(5000), 2, "%s", lw_slurp(client_err));
	const char *b[] = {"-u", "coap://127.0.0.1:5683", "-n", "x", "-i", "id", "-k", "0011",
	                   NULL};
	start_client(b); /* credentials for plain CoAP */
	cr_expect_eq(client_exit(5000), 2, "%s", lw_slurp(client_err));
	const char *h[] = {"-u", "coaps://127.0.0.1:5684", "-n", "x", "-i", "id", "-k", "zz", NULL};
	start_client(h); /* not hex: the client cannot start */
	cr_expect_eq(client_exit(5000), 1, "%s", lw_slurp(client_err));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "even hex digits"), "%s", err);
	free(err);
	const char *c[] = {"-u", "coaps://127.0.0.1:5684", "-n", "x", "-i", "id", "-k", "0011",
	                   "--rpk-key", "/nonexistent", NULL};
	start_client(c);
	cr_expect_eq(client_exit(5000), 2, "%s", lw_slurp(client_err));
}

/* ---- bootstrap: this test is the bootstrap server ---- */

static struct bs {
	coap_context_t *ctx;
	coap_session_t *client; /* the session the Bootstrap-Request came on */
	int port;
	int requests;   /* Bootstrap-Requests seen */
	char ep[64];
	char query[256];
	int code;       /* of the last answer, class * 100 + detail; 0 none yet */
	char body[2048];
} bs;

static void hnd_bs(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
                   const coap_string_t *query, coap_pdu_t *resp)
{
	(void)r;
	(void)req;
	bs.requests++;
	snprintf(bs.query, sizeof(bs.query), "%.*s", query ? (int)query->length : 0,
	         query ? (const char *)query->s : "");
	const char *ep = strstr(bs.query, "ep=");
	snprintf(bs.ep, sizeof(bs.ep), "%s", ep ? ep + 3 : "");
	char *amp = strchr(bs.ep, '&');
	if (amp)
		*amp = 0;
	if (bs.client)
		coap_session_release(bs.client);
	bs.client = coap_session_reference(s);
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(204));
}

static coap_response_t bs_answer(coap_session_t *s, const coap_pdu_t *sent,
                                 const coap_pdu_t *recv, const coap_mid_t mid)
{
	(void)s;
	(void)sent;
	(void)mid;
	coap_pdu_code_t c = coap_pdu_get_code(recv);
	size_t len = 0;
	const uint8_t *data = NULL;
	coap_get_data(recv, &len, &data);
	snprintf(bs.body, sizeof(bs.body), "%.*s", (int)len, data ? (const char *)data : "");
	bs.code = (c >> 5) * 100 + (c & 0x1f);
	return COAP_RESPONSE_OK;
}

/* psk: NULL for plain CoAP, else the key a DTLS bootstrap server wants. */
static void bs_start(const char *psk)
{
	memset(&bs, 0, sizeof(bs));
	coap_startup();
	coap_set_log_level(LOG_CRIT);
	bs.ctx = coap_new_context(NULL);
	cr_assert_not_null(bs.ctx);
	if (psk)
		cr_assert(coap_context_set_psk(bs.ctx, "bs", (const uint8_t *)psk, strlen(psk)));
	for (int attempt = 0; attempt < 5 && !bs.port; attempt++) {
		int p = lw_free_udp_port();
		coap_address_t a;
		coap_address_init(&a);
		a.addr.sin.sin_family = AF_INET;
		a.addr.sin.sin_port = htons((uint16_t)p);
		a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.size = sizeof(struct sockaddr_in);
		if (coap_new_endpoint(bs.ctx, &a, psk ? COAP_PROTO_DTLS : COAP_PROTO_UDP))
			bs.port = p;
	}
	cr_assert_gt(bs.port, 0);
	coap_resource_t *r = coap_resource_init(coap_make_str_const("bs"), 0);
	coap_register_handler(r, COAP_REQUEST_POST, hnd_bs);
	coap_add_resource(bs.ctx, r);
	coap_register_response_handler(bs.ctx, bs_answer);
}

static void bs_stop(void)
{
	if (bs.client)
		coap_session_release(bs.client);
	if (bs.ctx)
		coap_free_context(bs.ctx);
	coap_cleanup();
	memset(&bs, 0, sizeof(bs));
}

/* Runs the bootstrap server's loop until the n-th Bootstrap-Request. */
static void bs_wait_request(int n, int timeout_ms)
{
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	while (bs.requests < n && lw_now_ms() < end)
		coap_io_process(bs.ctx, 50);
	cr_assert_geq(bs.requests, n, "no Bootstrap-Request came:\n%s", lw_slurp(client_err));
}

/* One request to the client; its answer's code (class * 100 + detail). */
static int bs_send(coap_pdu_code_t method, const char *path, int cf, int accept,
                   const char *payload)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, method, bs.client);
	cr_assert_not_null(pdu);
	uint8_t tok[8], buf[4];
	size_t tl;
	coap_session_new_token(bs.client, &tl, tok);
	coap_add_token(pdu, tl, tok);
	const char *p = path + 1;
	while (*p) {
		const char *sl = strchr(p, '/');
		size_t l = sl ? (size_t)(sl - p) : strlen(p);
		coap_add_option(pdu, COAP_OPTION_URI_PATH, l, (const uint8_t *)p);
		p += l + (sl ? 1 : 0);
	}
	if (cf >= 0)
		coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
		                coap_encode_var_safe(buf, sizeof(buf), (unsigned)cf), buf);
	if (accept >= 0)
		coap_add_option(pdu, COAP_OPTION_ACCEPT,
		                coap_encode_var_safe(buf, sizeof(buf), (unsigned)accept), buf);
	if (payload)
		coap_add_data(pdu, strlen(payload), (const uint8_t *)payload);
	bs.code = 0;
	cr_assert_neq(coap_send(bs.client, pdu), COAP_INVALID_MID);
	uint64_t end = lw_now_ms() + 5000;
	while (!bs.code && lw_now_ms() < end)
		coap_io_process(bs.ctx, 50);
	cr_assert_neq(bs.code, 0, "no answer to %s:\n%s", path, lw_slurp(client_err));
	return bs.code;
}

static void write_security(int iid, const char *uri, int mode, const char *extra)
{
	char path[32], body[2048];
	snprintf(path, sizeof(path), "/0/%d", iid);
	snprintf(body, sizeof(body),
	         "[{\"bn\":\"/0/%d/\",\"n\":\"0\",\"vs\":\"%s\"},{\"n\":\"1\",\"vb\":false},"
	         "{\"n\":\"2\",\"v\":%d},{\"n\":\"10\",\"v\":7}%s]",
	         iid, uri, mode, extra);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_PUT, path, 110, -1, body), 204, "%s",
	             lw_slurp(client_err));
}

static void write_server(int iid, int lifetime)
{
	char path[32], body[256];
	snprintf(path, sizeof(path), "/1/%d", iid);
	snprintf(body, sizeof(body),
	         "[{\"bn\":\"/1/%d/\",\"n\":\"0\",\"v\":7},{\"n\":\"1\",\"v\":%d},"
	         "{\"n\":\"6\",\"vb\":false},{\"n\":\"7\",\"vs\":\"U\"}]",
	         iid, lifetime);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_PUT, path, 110, -1, body), 204);
}

/* The DM server: a real lwm2md with its REST API. */
static struct lwd dm;
static int http_port, coaps_port, bs_udp_port;

/* lwm2md with its REST API; secure: with DTLS ([coaps]) and its bootstrap
 * server ([bootstrap]) too. */
static void start_lwm2md(bool secure)
{
	cr_assert_eq(lwd_init(&dm), 0);
	for (int attempt = 0; attempt < 3; attempt++) {
		char extra[512];
		http_port = httpc_free_port();
		coaps_port = lw_free_udp_port();
		bs_udp_port = lw_free_udp_port();
		int n = snprintf(extra, sizeof(extra),
		                 "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n",
		                 http_port);
		if (secure)
			snprintf(extra + n, sizeof(extra) - (size_t)n,
			         "[coaps]\nbind = 127.0.0.1\nport = %d\n"
			         "[bootstrap]\nbind = 127.0.0.1\nport = %d\n",
			         coaps_port, bs_udp_port);
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&dm, &o) == 0)
			return;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(dm.err));
}

static void start_dm(void)
{
	start_lwm2md(false);
}

static void dm_teardown(void)
{
	teardown();
	bs_stop();
	lwd_cleanup(&dm);
}

/* The registration of ep as the REST API shows it, within timeout_ms. */
static bool dm_has(const char *ep, const char *needle, int timeout_ms)
{
	static struct httpc_resp r;
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	uint64_t end = lw_now_ms() + (uint64_t)timeout_ms;
	do {
		int rc = httpc_request(&r, http_port, "GET", target, "Bearer " TOKEN, NULL, NULL,
		                       5000);
		if (rc == 0 && r.status == 200 && (!needle || strstr(r.body, needle)))
			return true;
		usleep(100 * 1000);
	} while (lw_now_ms() < end);
	return false;
}

static void start_bs_client(const char *ep, const char *const *more)
{
	char uri[64];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", bs.port);
	const char *args[24] = {"-u", uri, "-n", ep, "-b"};
	size_t n = 5;
	for (; more && *more && n < 23; more++)
		args[n++] = *more;
	args[n] = NULL;
	start_client(args);
}

/* Delete, then the DM account of lwm2md, then Discover and Finish. */
static void provision(int lifetime)
{
	char dm_uri[64], want[128];
	snprintf(dm_uri, sizeof(dm_uri), "coap://127.0.0.1:%d", dm.port);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_DELETE, "/", -1, -1, NULL), 202);
	write_security(1, dm_uri, 3, "");
	write_server(1, lifetime);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_GET, "/", -1, 40, NULL), 205);
	snprintf(want, sizeof(want), "</0/1>;ssid=7;uri=\"%s\"", dm_uri);
	cr_expect_not_null(strstr(bs.body, want), "discover: %s", bs.body);
	cr_expect_not_null(strstr(bs.body, "</1/1>;ssid=7"), "discover: %s", bs.body);
	cr_expect_not_null(strstr(bs.body, "</>;lwm2m=1.1"), "discover: %s", bs.body);
	cr_expect_not_null(strstr(bs.body, "</3/0>"), "discover: %s", bs.body);
	cr_expect_null(strstr(bs.body, "</1/0>"), "the factory Server instance is gone: %s",
	               bs.body);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL), 204, "%s",
	             lw_slurp(client_err));
}

TestSuite(clientbs, .init = setup, .fini = dm_teardown, .timeout = 30);

Test(clientbs, bootstrap_then_register_with_the_provisioned_server)
{
	start_dm();
	bs_start(NULL);
	start_bs_client("bs-dev", NULL);
	bs_wait_request(1, 8000);
	cr_expect_str_eq(bs.ep, "bs-dev");
	cr_expect_not_null(strstr(bs.query, "pct=112"), "query: %s", bs.query);

	/* Before any DM account: Finish is refused, and the Security object
	 * cannot be read even now. */
	cr_expect_eq(bs_send(COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL), 406);
	cr_expect_eq(bs_send(COAP_REQUEST_CODE_GET, "/0/0", -1, 110, NULL), 401);
	cr_expect(!dm_has("bs-dev", NULL, 0));

	provision(77);
	cr_assert(dm_has("bs-dev", "\"lifetime\":77", 10000),
	          "not registered with the provisioned lwm2md:\n%s", lw_slurp(client_err));
	cr_expect(dm_has("bs-dev", "/1/1", 100), "the Server instance is /1/1");
	cr_expect_eq(
	    lw_wait_for_text(client_err, "bootstrap finished: registering with coap://", 100), 0);

	/* The DM server asks for a new bootstrap (Bootstrap-Request Trigger). */
	static struct httpc_resp r;
	cr_assert_eq(httpc_request(&r, http_port, "POST", "/api/v1/clients/bs-dev/1/1/9",
	                           "Bearer " TOKEN, NULL, "", 10000),
	             0);
	cr_expect_eq(r.status, 200, "%s", r.body);
	bs_wait_request(2, 8000);
	cr_expect_str_eq(bs.ep, "bs-dev");
	stop_client();
}

Test(clientbs, bootstrap_over_dtls_psk)
{
	start_dm();
	bs_start("bs-secret");
	char uri[64];
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", bs.port);
	const char *args[] = {"-u", uri, "-n", "bs-psk", "-b", "-i", "bs-psk-id", "-k",
	                      "62732d736563726574", NULL}; /* "bs-secret" */
	start_client(args);
	bs_wait_request(1, 8000);
	cr_expect_str_eq(bs.ep, "bs-psk");
	provision(60);
	cr_assert(dm_has("bs-psk", NULL, 10000), "not registered:\n%s", lw_slurp(client_err));
}

Test(clientbs, state_file_skips_the_next_bootstrap)
{
	char state[300];
	path_in(state, sizeof(state), "accounts.json");
	start_dm();
	bs_start(NULL);
	const char *more[] = {"--state", state, NULL};
	start_bs_client("bs-state", more);
	bs_wait_request(1, 8000);
	provision(90);
	cr_assert(dm_has("bs-state", NULL, 10000), "%s", lw_slurp(client_err));
	stop_client();
	char *saved = lw_slurp(state);
	cr_assert_not_null(saved, "no state file");
	cr_expect_not_null(strstr(saved, "\"0/1/0\",\"vs\":\"coap://127.0.0.1:"), "%s", saved);
	cr_expect_not_null(strstr(saved, "\"1/1/1\",\"v\":90"), "%s", saved);
	free(saved);

	/* Next start: straight to lwm2md, no Bootstrap-Request. */
	int before = bs.requests;
	start_bs_client("bs-state", more);
	cr_assert_eq(lw_wait_for_text(client_err, "registered: location", 8000), 0, "%s",
	             lw_slurp(client_err));
	for (int i = 0; i < 5; i++)
		coap_io_process(bs.ctx, 50);
	cr_expect_eq(bs.requests, before, "it bootstrapped again");
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "accounts loaded from"), "%s", err);
	free(err);
}

Test(clientbs, failing_dm_server_sends_the_client_back_to_bootstrap)
{
	bs_start(NULL);
	start_bs_client("bs-fallback", NULL);
	bs_wait_request(1, 8000);
	/* A DTLS server nobody runs: each Register fails at once (ICMP). */
	char dead[64];
	snprintf(dead, sizeof(dead), "coaps://127.0.0.1:%d", lw_free_udp_port());
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_DELETE, "/", -1, -1, NULL), 202);
	write_security(1, dead, 0,
	               ",{\"n\":\"3\",\"vd\":\"aWQ\"},{\"n\":\"5\",\"vd\":\"AAECAw\"}");
	write_server(1, 60);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL), 204);
	bs_wait_request(2, 20000);
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "bootstrapping again"), "%s", err);
	free(err);
}

/* A file's bytes in Base64 (for SenML "vd"), malloc'd. */
static char *file_base64(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot read %s", path);
	uint8_t buf[4096];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert_gt(n, 0);
	char *out = malloc(lw_base64_encoded_len(n, 0) + 1);
	cr_assert_not_null(out);
	lw_base64_encode(buf, n, out, 0);
	return out;
}

/* An RPK account written by the bootstrap server: own public key (/0/x/3),
 * the server's (/0/x/4, pinned) and own private key (/0/x/5), all DER. */
Test(clientbs, bootstrap_provisions_an_rpk_account)
{
	char skey[300], ckey[300], cder[300], cpub[300], spub[300], uri[64];
	int port;
	make_key("server.key", skey, sizeof(skey));
	make_key("client.key", ckey, sizeof(ckey));
	path_in(cder, sizeof(cder), "client.der");
	const char *a[] = {"-k", "--infile", ckey, "--outder", "--outfile", cder, NULL};
	certtool(a);
	path_in(cpub, sizeof(cpub), "client.pub.der");
	const char *b[] = {"--load-privkey", ckey, "--pubkey-info", "--outder", "--outfile", cpub,
	                   NULL};
	certtool(b);
	path_in(spub, sizeof(spub), "server.pub.der");
	const char *c[] = {"--load-privkey", skey, "--pubkey-info", "--outder", "--outfile", spub,
	                   NULL};
	certtool(c);
	const char *srv[] = {"-M", skey, NULL};
	start_coap_server(srv, &port);
	uri_of(uri, sizeof(uri), port);

	bs_start(NULL);
	start_bs_client("bs-rpk", NULL);
	bs_wait_request(1, 8000);
	char *k3 = file_base64(cpub), *k4 = file_base64(spub), *k5 = file_base64(cder);
	char extra[1024];
	snprintf(extra, sizeof(extra),
	         ",{\"n\":\"3\",\"vd\":\"%s\"},{\"n\":\"4\",\"vd\":\"%s\"},"
	         "{\"n\":\"5\",\"vd\":\"%s\"}",
	         k3, k4, k5);
	free(k3);
	free(k4);
	free(k5);
	write_security(1, uri, 1, extra);
	write_server(1, 60);
	cr_assert_eq(bs_send(COAP_REQUEST_CODE_POST, "/bs", -1, -1, NULL), 204);
	cr_assert(server_saw("Uri-Query:ep=bs-rpk", 10000),
	          "no Register over the provisioned RPK account:\n%s", lw_slurp(client_err));
}

/* ---- end to end: lwm2md's own DTLS and bootstrap server ---- */

static void rest_put(const char *target, const char *body)
{
	static struct httpc_resp r;
	int rc = httpc_request(&r, http_port, "PUT", target, "Bearer " TOKEN, NULL, body, 10000);
	cr_assert_eq(rc, 0, "PUT %s: no answer", target);
	cr_assert(r.status == 200 || r.status == 201, "PUT %s: %d %s", target, r.status, r.body);
}

TestSuite(clientlw, .init = setup, .fini = dm_teardown, .timeout = 30);

Test(clientlw, psk_registration_with_lwm2md)
{
	start_lwm2md(true);
	rest_put("/api/v1/security/lw-psk",
	         "{\"mode\":\"psk\",\"identity\":\"lw-psk-id\",\"key\":\"" PSK_HEX "\"}");
	char uri[64];
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", coaps_port);
	const char *cli[] = {"-u", uri, "-n", "lw-psk", "-i", "lw-psk-id", "-k", PSK_HEX, NULL};
	start_client(cli);
	cr_assert(dm_has("lw-psk", "\"secure\":true", 10000), "not registered over DTLS:\n%s\n%s",
	          lw_slurp(client_err), lw_slurp(dm.err));
	stop_client();

	/* Another key for the same identity: refused, and said so. */
	const char *bad[] = {"-u", uri, "-n", "lw-psk", "-i", "lw-psk-id", "-k", "0badc0de",
	                     "--give-up", "1", NULL};
	start_client(bad);
	cr_assert_eq(client_exit(20000), 1, "%s", lw_slurp(client_err));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "DTLS handshake failed"), "%s", err);
	free(err);
}

Test(clientlw, factory_fresh_client_bootstraps_to_dtls)
{
	start_lwm2md(true);
	char body[512], uri[64];
	snprintf(body, sizeof(body),
	         "{\"servers\": [{\"shortServerId\": 3, \"uri\": \"coaps://127.0.0.1:%d\","
	         " \"lifetime\": 120, \"binding\": \"U\", \"security\": {\"mode\": \"psk\","
	         " \"identity\": \"lw-bs-id\", \"key\": \"00112233445566778899aabbccddeeff\"}}]}",
	         coaps_port);
	rest_put("/api/v1/bootstrap/lw-bs", body);
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d", bs_udp_port);
	const char *cli[] = {"-u", uri, "-n", "lw-bs", "-b", NULL};
	start_client(cli);
	cr_assert(dm_has("lw-bs", "\"secure\":true", 15000),
	          "not registered over DTLS after the bootstrap:\n%s\n%s", lw_slurp(client_err),
	          lw_slurp(dm.err));
	cr_expect(dm_has("lw-bs", "\"lifetime\":120", 100));
	char *err = lw_slurp(client_err);
	cr_expect_not_null(strstr(err, "security mode 0"), "%s", err);
	free(err);
}
