/*
 * tests/integration/test_dtls.c: CoAP over DTLS end to end. The real daemon
 * with its DTLS listener, and libcoap's coap-client (GnuTLS build) as the
 * device: another CoAP stack and another DTLS client configuration than the
 * daemon's. Keys and certificates are made by certtool in each test's own
 * temporary folder, never kept.
 *
 * What is checked: the three security modes register (PSK, RPK, X.509) and
 * show "secure": true; a wrong key, an unknown identity, an unknown raw key,
 * an expired certificate or one from another CA fail the handshake and
 * register nothing; a session may only speak for the endpoint it proved;
 * plain CoAP is refused to an endpoint that has a credential; a new address
 * (NAT rebinding) continues the registration; a flood of ClientHellos
 * from many ports allocates no session while a registered device (the
 * reference client over DTLS) still answers; half-open handshakes are
 * bounded by max_sessions and end at their deadline; an idle session ends
 * and its registration stays.
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
#include "httpc.h"
#include "lwm2m/base64.h"

#define TOKEN "dtls-test-token"
#define PATH_LEN 640
#define AUTH "Bearer " TOKEN
/* An ASCII PSK, as coap-client -k takes it, and its hex for the REST API. */
#define PSK_A "secretkey0123456"
#define PSK_A_HEX "7365637265746b657930313233343536"

struct srv {
	struct lwd d;
	int coaps, http;
};

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static const char *coap_client(void)
{
	const char *c = getenv("LW_COAP_CLIENT");
	return c && strstr(c, "gnutls") ? c : "coap-client-gnutls";
}

static void path_in(const struct srv *s, char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", s->d.dir, name);
}

/* The daemon with HTTP and DTLS on free loopback ports; more goes into
 * [coaps] (and may open further sections). */
static void srv_start(struct srv *s, const char *more)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		s->coaps = lw_free_udp_port();
		s->http = httpc_free_port();
		cr_assert(s->coaps > 0 && s->http > 0);
		char extra[4096];
		snprintf(extra, sizeof(extra),
		         "[http]\nbind = 127.0.0.1\nport = %d\nadmin_token = " TOKEN "\n"
		         "[coaps]\nbind = 127.0.0.1\nport = %d\n%s\n",
		         s->http, s->coaps, more ? more : "");
		struct lwd_opts o = {.extra_conf = extra};
		if (lwd_start(&s->d, &o) == 0)
			return;
		char *log = lw_slurp(s->d.err);
		int taken = log && strstr(log, "in use");
		free(log);
		if (!taken)
			break;
	}
	cr_assert_fail("lwm2md did not start:\n%s", lw_slurp(s->d.err));
}

static void srv_init(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	cr_assert_eq(lwd_init(&s->d), 0);
}

/* SIGTERM: a clean exit (no leak under ASan), no UBSan report, no key in the log. */
static void srv_stop(struct srv *s)
{
	int st = lwd_stop(&s->d);
	char *log = lw_slurp(s->d.err);
	cr_expect(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "lwm2md ended with %d:\n%s",
	          st, log);
	cr_expect(!log || !strstr(log, "runtime error: "), "%s", log);
	cr_expect(!log || (!strstr(log, PSK_A) && !strstr(log, PSK_A_HEX)), "a key in the log:\n%s",
	          log);
	free(log);
	lwd_cleanup(&s->d);
}

static void req(const struct srv *s, struct httpc_resp *r, const char *method, const char *target,
                const char *body)
{
	int rc = httpc_request(r, s->http, method, target, AUTH, NULL, body, 10000);
	cr_assert_eq(rc, 0, "%s %s: no answer", method, target);
}

static void put_cred(const struct srv *s, const char *ep, const char *json)
{
	char target[256];
	snprintf(target, sizeof(target), "/api/v1/security/%s", ep);
	struct httpc_resp r;
	req(s, &r, "PUT", target, json);
	cr_assert_eq(r.status, 200, "PUT %s: %d %s", target, r.status, r.body);
}

/* GET /api/v1/clients/ep: the document, or NULL when not registered. */
static json_t *client_doc(const struct srv *s, const char *ep)
{
	char target[256];
	snprintf(target, sizeof(target), "/api/v1/clients/%s", ep);
	struct httpc_resp r;
	req(s, &r, "GET", target, NULL);
	if (r.status == 404)
		return NULL;
	cr_assert_eq(r.status, 200, "GET %s: %d %s", target, r.status, r.body);
	json_t *j = json_loads(r.body, 0, NULL);
	cr_assert_not_null(j, "%s", r.body);
	return j;
}

static int is_secure(const json_t *doc)
{
	return json_is_true(json_object_get(doc, "secure"));
}

/* One sample of /metrics: name (with labels) exactly as written. -1 if absent. */
static long long metric(const struct srv *s, const char *name)
{
	struct httpc_resp r;
	req(s, &r, "GET", "/metrics", NULL);
	cr_assert_eq(r.status, 200);
	size_t n = strlen(name);
	for (const char *p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

#define HS_OK "lwm2md_dtls_handshakes_total{result=\"ok\"}"
#define HS_FAILED "lwm2md_dtls_handshakes_total{result=\"failed\"}"

/*
 * coap-client against the daemon: a POST to target (a coap:// or coaps://
 * URI) with a link-format body, with the security arguments sec (NULL
 * terminated). Returns what it printed (the answer's code and diagnostic),
 * malloc'd.
 */
static char *coap_post(const char *target, const char *const *sec, const char *body)
{
	const char *argv[32];
	size_t n = 0;
	argv[n++] = coap_client();
	argv[n++] = "-B"; /* a refused handshake leaves it waiting this long */
	argv[n++] = "2";
	argv[n++] = "-m";
	argv[n++] = "post";
	if (body) {
		argv[n++] = "-e";
		argv[n++] = body;
	}
	for (; sec && *sec && n < 28; sec++)
		argv[n++] = *sec;
	argv[n++] = target;
	argv[n] = NULL;
	/* The answer's code and diagnostic go to stdout or stderr by version. */
	char *all = lw_run_joined(argv, 15000);
	cr_assert_not_null(all, "%s did not end", argv[0]);
	return all;
}

static char *reg_uri(const struct srv *s, const char *ep, char *buf, size_t len)
{
	snprintf(buf, len, "coaps://127.0.0.1:%d/rd?ep=%s&lt=300", s->coaps, ep);
	return buf;
}

/* ---- key material ---- */

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

static void ec_key(const struct srv *s, const char *name)
{
	char path[PATH_LEN];
	path_in(s, path, sizeof(path), name);
	certtool((const char *[]){"--generate-privkey", "--key-type", "ecdsa", "--curve",
	                          "secp256r1", "--outfile", path, NULL});
}

/* Signs name.pem for name-key.pem with template text, by ca ("" self-signed). */
static void cert(const struct srv *s, const char *name, const char *ca, const char *tmpl)
{
	char key[PATH_LEN], out[PATH_LEN], t[PATH_LEN], cacert[PATH_LEN], cakey[PATH_LEN], base[300];
	snprintf(base, sizeof(base), "%s-key.pem", name);
	path_in(s, key, sizeof(key), base);
	snprintf(base, sizeof(base), "%s.pem", name);
	path_in(s, out, sizeof(out), base);
	snprintf(base, sizeof(base), "%s.tmpl", name);
	path_in(s, t, sizeof(t), base);
	cr_assert_eq(lw_write_file(t, tmpl), 0);
	if (!*ca) {
		certtool((const char *[]){"--generate-self-signed", "--load-privkey", key,
		                          "--template", t, "--outfile", out, NULL});
		return;
	}
	snprintf(base, sizeof(base), "%s.pem", ca);
	path_in(s, cacert, sizeof(cacert), base);
	snprintf(base, sizeof(base), "%s-key.pem", ca);
	path_in(s, cakey, sizeof(cakey), base);
	certtool((const char *[]){"--generate-certificate", "--load-privkey", key,
	                          "--load-ca-certificate", cacert, "--load-ca-privkey", cakey,
	                          "--template", t, "--outfile", out, NULL});
}

#define CA_TMPL "cn = \"%s\"\nca\ncert_signing_key\nexpiration_days = 30\n"

/* A CA "ca" and the server's certificate it signed; the [coaps] lines. */
static void server_pki(const struct srv *s, char *conf, size_t len)
{
	char tmpl[200];
	ec_key(s, "ca-key.pem");
	snprintf(tmpl, sizeof(tmpl), CA_TMPL, "lwm2md test CA");
	cert(s, "ca", "", tmpl);
	ec_key(s, "srv-key.pem");
	cert(s, "srv", "ca",
	     "cn = \"lwm2md\"\ndns_name = \"localhost\"\ntls_www_server\nsigning_key\n"
	     "expiration_days = 30\n");
	char c[PATH_LEN], k[PATH_LEN], a[PATH_LEN];
	path_in(s, c, sizeof(c), "srv.pem");
	path_in(s, k, sizeof(k), "srv-key.pem");
	path_in(s, a, sizeof(a), "ca.pem");
	snprintf(conf, len, "certificate = %s\nprivate_key = %s\nca_file = %s\n", c, k, a);
}

/* A client certificate name.pem for CN=cn signed by ca, valid or long expired. */
static void client_cert(const struct srv *s, const char *name, const char *ca, const char *cn,
                        int expired)
{
	char keyname[300], tmpl[PATH_LEN];
	snprintf(keyname, sizeof(keyname), "%s-key.pem", name);
	ec_key(s, keyname);
	if (expired)
		snprintf(tmpl, sizeof(tmpl),
		         "cn = \"%s\"\ntls_www_client\nsigning_key\n"
		         "activation_date = \"2020-01-01 00:00:00\"\n"
		         "expiration_date = \"2021-01-01 00:00:00\"\n", cn);
	else
		snprintf(tmpl, sizeof(tmpl),
		         "cn = \"%s\"\ntls_www_client\nsigning_key\nexpiration_days = 30\n", cn);
	cert(s, name, ca, tmpl);
}

/*
 * An EC key for RPK: name.rpk holds the PEM blocks coap-client -M wants
 * (EC PRIVATE KEY and PUBLIC KEY, without certtool's text), and b64 the
 * Base64 of the public key's DER (SubjectPublicKeyInfo) for the REST API.
 */
static void rpk_key(const struct srv *s, const char *name, char *b64, size_t b64len)
{
	char key[PATH_LEN], der[PATH_LEN], pub[PATH_LEN], rpk[PATH_LEN], base[300];
	snprintf(base, sizeof(base), "%s-key.pem", name);
	ec_key(s, base);
	path_in(s, key, sizeof(key), base);
	snprintf(base, sizeof(base), "%s.der", name);
	path_in(s, der, sizeof(der), base);
	snprintf(base, sizeof(base), "%s.pub", name);
	path_in(s, pub, sizeof(pub), base);
	certtool((const char *[]){"--load-privkey", key, "--pubkey-info", "--outder", "--outfile",
	                          der, NULL});
	certtool((const char *[]){"--load-privkey", key, "--pubkey-info", "--outfile", pub, NULL});
	FILE *f = fopen(der, "rb");
	cr_assert_not_null(f);
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	cr_assert(n > 0 && lw_base64_encoded_len(n, 0) < b64len);
	lw_base64_encode(buf, n, b64, 0);

	char *k = lw_slurp(key), *p = lw_slurp(pub);
	cr_assert(k && p);
	const char *kb = strstr(k, "-----BEGIN"), *pb = strstr(p, "-----BEGIN");
	cr_assert(kb && pb);
	char text[4096];
	snprintf(text, sizeof(text), "%s%s", kb, pb);
	snprintf(base, sizeof(base), "%s.rpk", name);
	path_in(s, rpk, sizeof(rpk), base);
	cr_assert_eq(lw_write_file(rpk, text), 0);
	free(k);
	free(p);
}

/* ---- PSK ---- */

static const char *const PSK_OK[] = {"-u", "id-a", "-k", PSK_A, NULL};

Test(dtls, psk_register_shows_secure)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-a", "{\"mode\":\"psk\",\"identity\":\"id-a\",\"key\":\"" PSK_A_HEX "\"}");
	char uri[256];
	free(coap_post(reg_uri(&s, "dev-a", uri, sizeof(uri)), PSK_OK, "</1/0>,</3/0>"));
	json_t *doc = client_doc(&s, "dev-a");
	cr_assert_not_null(doc, "not registered:\n%s", lw_slurp(s.d.err));
	cr_expect(is_secure(doc), "secure is not true");
	json_decref(doc);
	cr_expect_eq(metric(&s, HS_OK), 1);
	cr_expect_eq(metric(&s, "lwm2md_dtls_cookies_sent_total"), 1,
	             "one HelloVerifyRequest before the session");
	cr_expect(lw_wait_for_text(s.d.err, "authenticated as endpoint \"dev-a\" (psk", 1000) == 0);
	srv_stop(&s);
}

Test(dtls, psk_wrong_key_or_unknown_identity_fails)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-a", "{\"mode\":\"psk\",\"identity\":\"id-a\",\"key\":\"" PSK_A_HEX "\"}");
	char uri[256];
	free(coap_post(reg_uri(&s, "dev-a", uri, sizeof(uri)),
	               (const char *[]){"-u", "id-a", "-k", "wrongkey01234567", NULL}, "</1/0>"));
	cr_expect_null(client_doc(&s, "dev-a"), "registered with a wrong key");
	free(coap_post(reg_uri(&s, "dev-a", uri, sizeof(uri)),
	               (const char *[]){"-u", "id-nobody", "-k", PSK_A, NULL}, "</1/0>"));
	cr_expect_null(client_doc(&s, "dev-a"), "registered with an unknown identity");
	cr_expect_geq(metric(&s, HS_FAILED), 2);
	cr_expect_eq(metric(&s, HS_OK), 0);
	cr_expect_eq(metric(&s, "lwm2md_dtls_sessions"), 0);
	srv_stop(&s);
}

Test(dtls, session_speaks_only_for_its_endpoint)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-a", "{\"mode\":\"psk\",\"identity\":\"id-a\",\"key\":\"" PSK_A_HEX "\"}");
	char uri[256];
	char *out = coap_post(reg_uri(&s, "dev-b", uri, sizeof(uri)), PSK_OK, "</1/0>");
	cr_expect(strstr(out, "4.03"), "Register as another endpoint answered: %s", out);
	free(out);
	cr_expect_null(client_doc(&s, "dev-b"));
	cr_expect(lw_wait_for_text(s.d.err, "authenticated as endpoint \"dev-a\", not \"dev-b\"",
	                           1000) == 0,
	          "no log line naming both:\n%s", lw_slurp(s.d.err));
	srv_stop(&s);
}

Test(dtls, plain_coap_refused_to_an_endpoint_with_a_credential)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-a", "{\"mode\":\"psk\",\"identity\":\"id-a\",\"key\":\"" PSK_A_HEX "\"}");
	char uri[256];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/rd?ep=dev-a&lt=300", s.d.port);
	char *out = coap_post(uri, NULL, "</1/0>");
	cr_expect(strstr(out, "4.03"), "plain Register of a secured endpoint: %s", out);
	free(out);
	cr_expect_null(client_doc(&s, "dev-a"));
	/* An endpoint without a credential may still use plain CoAP. */
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/rd?ep=dev-plain&lt=300", s.d.port);
	free(coap_post(uri, NULL, "</1/0>"));
	json_t *doc = client_doc(&s, "dev-plain");
	cr_assert_not_null(doc);
	cr_expect(!is_secure(doc));
	json_decref(doc);
	srv_stop(&s);
}

Test(dtls, credentials_required_refuses_all_plain_coap)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, "[coap]\ncredentials_required = true\n");
	char uri[256];
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/rd?ep=dev-plain&lt=300", s.d.port);
	char *out = coap_post(uri, NULL, "</1/0>");
	cr_expect(strstr(out, "4.03"), "plain Register with credentials required: %s", out);
	free(out);
	cr_expect_null(client_doc(&s, "dev-plain"));
	srv_stop(&s);
}

/* The registration id of ep (REST), copied into id. */
static void reg_id(const struct srv *s, const char *ep, char *id, size_t len)
{
	json_t *doc = client_doc(s, ep);
	cr_assert_not_null(doc, "%s not registered", ep);
	snprintf(id, len, "%s", json_string_value(json_object_get(doc, "registrationId")));
	json_decref(doc);
}

static char *addr_of(const struct srv *s, const char *ep)
{
	json_t *doc = client_doc(s, ep);
	cr_assert_not_null(doc);
	char *a = strdup(json_string_value(json_object_get(doc, "address")));
	json_decref(doc);
	return a;
}

Test(dtls, new_address_continues_the_registration)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-a", "{\"mode\":\"psk\",\"identity\":\"id-a\",\"key\":\"" PSK_A_HEX "\"}");
	/* "otherkey76543210" */
	put_cred(&s, "dev-c", "{\"mode\":\"psk\",\"identity\":\"id-c\",\"key\":"
	                      "\"6f746865726b65793736353433323130\"}");
	char uri[256], id[64];
	free(coap_post(reg_uri(&s, "dev-a", uri, sizeof(uri)), PSK_OK, "</1/0>"));
	reg_id(&s, "dev-a", id, sizeof(id));
	char *before = addr_of(&s, "dev-a");
	/* Hold the port the device used (coap-client has ended): the kernel
	 * could otherwise give it to the next coap-client, and the move would
	 * not show. */
	const char *colon = strrchr(before, ':');
	cr_assert_not_null(colon);
	struct sockaddr_in hold = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
	hold.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int held = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert(held >= 0);
	cr_assert_eq(bind(held, (struct sockaddr *)&hold, sizeof(hold)), 0, "port of %s taken", before);

	/* Another identity cannot update dev-a's registration. */
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d/rd/%s", s.coaps, id);
	char *out = coap_post(uri, (const char *[]){"-u", "id-c", "-k", "otherkey76543210", NULL},
	                      NULL);
	cr_expect(strstr(out, "4.03"), "Update by another identity answered: %s", out);
	free(out);
	char *still = addr_of(&s, "dev-a");
	cr_expect_str_eq(still, before);
	free(still);

	/* dev-a from a new port (a new session, as after a NAT rebinding):
	 * its Update moves the registration there. */
	out = coap_post(uri, PSK_OK, NULL);
	cr_expect(!strstr(out, "4."), "Update answered %s", out);
	close(held);
	free(out);
	char id2[64];
	reg_id(&s, "dev-a", id2, sizeof(id2));
	cr_expect_str_eq(id2, id, "the registration must continue");
	char *after = addr_of(&s, "dev-a");
	cr_expect_str_neq(after, before, "the Update did not move the registration");
	free(after);
	free(before);
	cr_expect_eq(metric(&s, HS_OK), 3);

	/* De-register over plain CoAP: refused, it has a credential. */
	snprintf(uri, sizeof(uri), "coap://127.0.0.1:%d/rd/%s", s.d.port, id);
	const char *argv[] = {coap_client(), "-B", "3", "-m", "delete", uri, NULL};
	char *o = NULL, *e = NULL;
	cr_assert_eq(lw_run(argv, 15000, &o, &e), 0);
	cr_expect((o && strstr(o, "4.03")) || (e && strstr(e, "4.03")),
	          "plain De-register answered %s %s", o ? o : "", e ? e : "");
	free(o);
	free(e);
	json_t *doc = client_doc(&s, "dev-a");
	cr_expect_not_null(doc);
	json_decref(doc);
	srv_stop(&s);
}

/* ---- X.509 ---- */

Test(dtls, x509_client_certificates)
{
	struct srv s;
	srv_init(&s);
	char conf[2200];
	server_pki(&s, conf, sizeof(conf));
	client_cert(&s, "good", "ca", "dev-x", 0);
	client_cert(&s, "expired", "ca", "dev-old", 1);
	char tmpl[200];
	ec_key(&s, "other-key.pem");
	snprintf(tmpl, sizeof(tmpl), CA_TMPL, "another CA");
	cert(&s, "other", "", tmpl);
	client_cert(&s, "stranger", "other", "dev-s", 0);
	/* A certificate whose CN is not an endpoint but whose SAN has an x509
	 * credential: the SAN is the endpoint. */
	ec_key(&s, "san-key.pem");
	cert(&s, "san", "ca",
	     "cn = \"Device 42\"\ndns_name = \"dev-san\"\ntls_www_client\nsigning_key\n"
	     "expiration_days = 30\n");
	srv_start(&s, conf);
	put_cred(&s, "dev-san", "{\"mode\":\"x509\"}");

	char ca[PATH_LEN], uri[256];
	path_in(&s, ca, sizeof(ca), "ca.pem");
	static const char *const who[][3] = {{"good", "dev-x", "1"},
	                                     {"expired", "dev-old", "0"},
	                                     {"stranger", "dev-s", "0"},
	                                     {"san", "dev-san", "1"}};
	for (size_t i = 0; i < 4; i++) {
		char c[PATH_LEN], k[PATH_LEN], base[300];
		snprintf(base, sizeof(base), "%s.pem", who[i][0]);
		path_in(&s, c, sizeof(c), base);
		snprintf(base, sizeof(base), "%s-key.pem", who[i][0]);
		path_in(&s, k, sizeof(k), base);
		free(coap_post(reg_uri(&s, who[i][1], uri, sizeof(uri)),
		               (const char *[]){"-c", c, "-j", k, "-C", ca, NULL}, "</1/0>"));
		json_t *doc = client_doc(&s, who[i][1]);
		if (who[i][2][0] == '1') {
			cr_expect_not_null(doc, "%s: not registered:\n%s", who[i][0],
			                   lw_slurp(s.d.err));
			cr_expect(doc && is_secure(doc));
		} else {
			cr_expect_null(doc, "%s certificate registered", who[i][0]);
		}
		json_decref(doc);
	}
	cr_expect_eq(metric(&s, HS_OK), 2);
	cr_expect_geq(metric(&s, HS_FAILED), 2);
	srv_stop(&s);
}

Test(dtls, certificate_without_key_is_a_config_error)
{
	struct srv s;
	srv_init(&s);
	char extra[800], cert_path[PATH_LEN];
	path_in(&s, cert_path, sizeof(cert_path), "srv.pem");
	snprintf(extra, sizeof(extra), "[coaps]\nport = 0\ncertificate = %s\n", cert_path);
	cr_assert_eq(lwd_write_config(&s.d, 1, extra), 0);
	char bin[1024];
	lw_build_path(bin, sizeof(bin), "lwm2md");
	const char *argv[] = {bin, "--check-config", "-c", s.d.conf, NULL};
	char *out = NULL, *err = NULL;
	int st = lw_run(argv, 10000, &out, &err);
	cr_expect_eq(st, 2, "exit %d", st);
	cr_expect(err && strstr(err, "[coaps] certificate needs [coaps] private_key"), "%s",
	          err ? err : "");
	free(out);
	free(err);
	lwd_cleanup(&s.d);
}

/* ---- RPK ---- */

Test(dtls, rpk_only_stored_keys)
{
	struct srv s;
	srv_init(&s);
	char conf[2200];
	server_pki(&s, conf, sizeof(conf));
	char known[256], unknown[256];
	rpk_key(&s, "known", known, sizeof(known));
	rpk_key(&s, "unknown", unknown, sizeof(unknown));
	srv_start(&s, conf);
	char body[512];
	snprintf(body, sizeof(body), "{\"mode\":\"rpk\",\"publicKey\":\"%s\"}", known);
	put_cred(&s, "dev-r", body);

	char uri[256], f[PATH_LEN];
	path_in(&s, f, sizeof(f), "unknown.rpk");
	free(coap_post(reg_uri(&s, "dev-r", uri, sizeof(uri)), (const char *[]){"-M", f, NULL},
	               "</1/0>"));
	cr_expect_null(client_doc(&s, "dev-r"), "registered with a key nobody stored");
	path_in(&s, f, sizeof(f), "known.rpk");
	free(coap_post(reg_uri(&s, "dev-r", uri, sizeof(uri)), (const char *[]){"-M", f, NULL},
	               "</1/0>"));
	json_t *doc = client_doc(&s, "dev-r");
	cr_expect_not_null(doc, "the stored key did not register:\n%s", lw_slurp(s.d.err));
	cr_expect(doc && is_secure(doc));
	json_decref(doc);
	cr_expect(lw_wait_for_text(s.d.err, "authenticated as endpoint \"dev-r\" (rpk", 1000) == 0);
	srv_stop(&s);
}

/* ---- flood ---- */

/* A DTLS 1.2 ClientHello (one record), with a cookie of cookie_len bytes:
 * cookie's, or made up from seed when cookie is NULL. */
static size_t client_hello_c(uint8_t *b, size_t cookie_len, unsigned seed, const uint8_t *cookie)
{
	size_t body = 2 + 32 + 1 + 1 + cookie_len + 2 + 2 + 1 + 1;
	size_t n = 0;
	b[n++] = 22;
	b[n++] = 0xfe;
	b[n++] = 0xfd;
	memset(b + n, 0, 8); /* epoch 0, sequence 0 */
	n += 8;
	b[n++] = (uint8_t)((12 + body) >> 8);
	b[n++] = (uint8_t)(12 + body);
	b[n++] = 1; /* client_hello */
	b[n++] = 0;
	b[n++] = (uint8_t)(body >> 8);
	b[n++] = (uint8_t)body;
	b[n++] = 0; /* message_seq */
	b[n++] = 0;
	b[n++] = 0; /* fragment_offset */
	b[n++] = 0;
	b[n++] = 0;
	b[n++] = 0; /* fragment_length */
	b[n++] = (uint8_t)(body >> 8);
	b[n++] = (uint8_t)body;
	b[n++] = 0xfe;
	b[n++] = 0xfd;
	for (int i = 0; i < 32; i++)
		b[n++] = (uint8_t)(seed * 31u + (unsigned)i);
	b[n++] = 0; /* no session id */
	b[n++] = (uint8_t)cookie_len;
	for (size_t i = 0; i < cookie_len; i++)
		b[n++] = cookie ? cookie[i] : (uint8_t)(seed + i);
	b[n++] = 0;
	b[n++] = 2;
	b[n++] = 0xc0; /* TLS_PSK_WITH_AES_128_CCM_8 */
	b[n++] = 0xa8;
	b[n++] = 1;
	b[n++] = 0; /* null compression */
	if (cookie) {
		b[10] = 1; /* the second ClientHello: record and message sequence 1 */
		b[18] = 1;
	}
	return n;
}

static size_t client_hello(uint8_t *b, size_t cookie_len, unsigned seed)
{
	return client_hello_c(b, cookie_len, seed, NULL);
}

/*
 * The start of a handshake on a connected socket: ClientHello, the cookie of
 * the HelloVerifyRequest, ClientHello with it. 0 when the server went on
 * with a ServerHello (it made a session), -1 when nothing came back.
 */
static int half_handshake(int fd, unsigned seed)
{
	uint8_t b[512];
	size_t n = client_hello(b, 0, seed);
	if (send(fd, b, n, 0) != (ssize_t)n)
		return -1;
	ssize_t got = lw_udp_recv(fd, b, sizeof(b), 2000);
	/* record 13 + handshake 12 + server_version 2, then the cookie */
	if (got < 28 || b[0] != 22 || b[13] != 3 || (size_t)got < 28u + b[27])
		return -1;
	uint8_t cookie[255];
	size_t clen = b[27];
	memcpy(cookie, b + 28, clen);
	n = client_hello_c(b, clen, seed, cookie);
	if (send(fd, b, n, 0) != (ssize_t)n)
		return -1;
	got = lw_udp_recv(fd, b, sizeof(b), 1000);
	return got >= 26 && b[0] == 22 && b[13] == 2 ? 0 : -1;
}

Test(dtls, half_open_handshakes_are_bounded_and_time_out)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, "max_sessions = 2\nhandshake_timeout_ms = 3000\n");
	int fds[3];
	for (int i = 0; i < 3; i++) {
		fds[i] = lw_udp_connect(s.coaps);
		cr_assert(fds[i] >= 0);
	}
	cr_assert_eq(half_handshake(fds[0], 1), 0, "no ServerHello:\n%s", lw_slurp(s.d.err));
	cr_assert_eq(half_handshake(fds[1], 2), 0);
	cr_expect_eq(half_handshake(fds[2], 3), -1, "a third session past max_sessions = 2");
	cr_expect_eq(metric(&s, "lwm2md_dtls_sessions"), 2);
	cr_expect_eq(metric(&s, "lwm2md_dtls_records_dropped_total"), 1);
	/* Nobody finishes: both handshakes end at their deadline. */
	long long timeouts = 0;
	for (int i = 0; i < 200 && timeouts < 2; i++) {
		sleep_ms(50);
		timeouts = metric(&s, "lwm2md_dtls_handshakes_total{result=\"timeout\"}");
	}
	cr_expect_eq(timeouts, 2);
	cr_expect_eq(metric(&s, "lwm2md_dtls_sessions"), 0);
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	srv_stop(&s);
}

Test(dtls, clienthello_flood_allocates_nothing, .timeout = 60)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, NULL);
	put_cred(&s, "dev-f", "{\"mode\":\"psk\",\"identity\":\"id-f\",\"key\":\"" PSK_A_HEX "\"}");

	/* A device that stays: the reference client over DTLS. */
	char bin[1024], uri[128], out[PATH_LEN], err[PATH_LEN];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", s.coaps);
	path_in(&s, out, sizeof(out), "client.out");
	path_in(&s, err, sizeof(err), "client.err");
	const char *argv[] = {bin, "-u", uri, "-n", "dev-f", "-i", "id-f", "-k", PSK_A_HEX, NULL};
	pid_t cli = lw_spawn(argv, out, err);
	cr_assert(cli > 0);
	json_t *doc = NULL;
	for (int i = 0; i < 100 && !doc; i++) {
		doc = client_doc(&s, "dev-f");
		if (!doc)
			sleep_ms(50);
	}
	cr_assert_not_null(doc, "the reference client did not register:\n%s\n%s", lw_slurp(err),
	                   lw_slurp(s.d.err));
	cr_expect(is_secure(doc));
	json_decref(doc);
	long long sessions = metric(&s, "lwm2md_dtls_sessions");
	cr_assert_eq(sessions, 1);
	long long ok0 = metric(&s, HS_OK), cookies0 = metric(&s, "lwm2md_dtls_cookies_sent_total");
	long long dropped0 = metric(&s, "lwm2md_dtls_records_dropped_total");

	/* 10,000 datagrams from 500 source ports: garbage, ClientHellos without
	 * a cookie, and ClientHellos with a made-up one. */
	enum { PORTS = 500, PER_PORT = 20 };
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s.coaps)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int hellos = 0, garbage = 0;
	uint64_t t0 = lw_now_ms();
	for (int p = 0; p < PORTS; p++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert(fd >= 0);
		for (int i = 0; i < PER_PORT; i++) {
			uint8_t b[256];
			size_t n;
			unsigned seed = (unsigned)(p * PER_PORT + i);
			if (i % 3 == 0) {
				n = 40 + seed % 80;
				for (size_t k = 0; k < n; k++)
					b[k] = (uint8_t)(seed * 2654435761u >> (k % 24));
				b[0] = (uint8_t)(b[0] == 22 ? 23 : b[0]); /* never a handshake */
				garbage++;
			} else {
				n = client_hello(b, i % 3 == 1 ? 0 : 32, seed);
				hellos++;
			}
			sendto(fd, b, n, 0, (struct sockaddr *)&to, sizeof(to));
		}
		close(fd);
	}
	/* Every datagram is accounted for: a HelloVerifyRequest or a drop. */
	long long cookies = 0, dropped = 0;
	for (int i = 0; i < 200; i++) {
		cookies = metric(&s, "lwm2md_dtls_cookies_sent_total") - cookies0;
		dropped = metric(&s, "lwm2md_dtls_records_dropped_total") - dropped0;
		if (cookies + dropped >= hellos + garbage)
			break;
		sleep_ms(25);
	}
	/* Loopback may still lose a datagram when the daemon's buffer is
	 * full (a slow CI): nothing may be counted twice, nearly all seen. */
	cr_expect(cookies <= hellos && dropped <= garbage, "cookies %lld/%d dropped %lld/%d",
	          cookies, hellos, dropped, garbage);
	cr_expect_geq(cookies + dropped, (hellos + garbage) * 95 / 100, "only %lld of %d seen",
	              cookies + dropped, hellos + garbage);
	cr_expect_eq(metric(&s, "lwm2md_dtls_sessions"), sessions, "the flood made sessions");
	cr_expect_eq(metric(&s, HS_OK), ok0);
	cr_expect_eq(metric(&s, HS_FAILED), 0);

	/* The device still answers a Read at once. */
	uint64_t t1 = lw_now_ms();
	struct httpc_resp r;
	req(&s, &r, "GET", "/api/v1/clients/dev-f/3/0/0", NULL);
	uint64_t took = lw_now_ms() - t1;
	cr_expect_eq(r.status, 200, "Read after the flood: %d %s", r.status, r.body);
	cr_expect_lt(took, 1000, "Read took %llu ms", (unsigned long long)took);
	cr_log_info("flood of %d datagrams sent in %llu ms; Read answered in %llu ms",
	            hellos + garbage, (unsigned long long)(t1 - t0), (unsigned long long)took);
	lw_stop_child(cli, 5000);
	srv_stop(&s);
}

Test(dtls, idle_session_expires_registration_stays, .timeout = 60)
{
	struct srv s;
	srv_init(&s);
	srv_start(&s, "session_idle_timeout = 10\n");
	put_cred(&s, "dev-i", "{\"mode\":\"psk\",\"identity\":\"id-i\",\"key\":\"" PSK_A_HEX "\"}");
	char bin[1024], uri[128], err[PATH_LEN];
	lw_build_path(bin, sizeof(bin), "lwm2m-client");
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", s.coaps);
	path_in(&s, err, sizeof(err), "client.err");
	const char *argv[] = {bin, "-u", uri, "-n", "dev-i", "-i", "id-i", "-k", PSK_A_HEX, NULL};
	pid_t cli = lw_spawn(argv, NULL, err);
	cr_assert(cli > 0);
	json_t *doc = NULL;
	for (int i = 0; i < 100 && !doc; i++) {
		doc = client_doc(&s, "dev-i");
		if (!doc)
			sleep_ms(50);
	}
	cr_assert_not_null(doc, "the reference client did not register:\n%s", lw_slurp(err));
	json_decref(doc);
	/* Gone without a close_notify: only the idle timer can end the session. */
	kill(cli, SIGKILL);
	waitpid(cli, NULL, 0);
	cr_expect_eq(metric(&s, "lwm2md_dtls_sessions"), 1);
	uint64_t t0 = lw_now_ms();
	long long n = 1;
	while (n != 0 && lw_now_ms() - t0 < 15000) {
		sleep_ms(200);
		n = metric(&s, "lwm2md_dtls_sessions");
	}
	uint64_t took = lw_now_ms() - t0;
	cr_expect_eq(n, 0, "the idle session was not dropped");
	cr_expect_geq(took, 8000, "dropped after %llu ms, before its idle timeout",
	              (unsigned long long)took);
	/* The registration is by endpoint: it outlives the session. */
	doc = client_doc(&s, "dev-i");
	cr_expect_not_null(doc);
	json_decref(doc);
	srv_stop(&s);
}
