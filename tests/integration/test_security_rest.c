/*
 * tests/integration/test_security_rest.c: /api/v1/security with the real
 * daemon and its default store: credentials set, read back without their
 * keys, refused when malformed or when an identity or a public key would
 * name two endpoints, removed, and still there after a restart. The RPK
 * key is made by certtool for the test, never committed.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "restops.h"

TestSuite(security_rest, .init = setup, .fini = teardown, .timeout = 30);

#define KEY16 "000102030405060708090a0b0c0d0e0f"

static json_t *expect_json(const struct httpc_resp *r, int status)
{
	cr_assert_eq(r->status, status, "status %d, wanted %d: %s", r->status, status, r->body);
	return json_body(r);
}

Test(security_rest, psk_set_read_list_delete)
{
	start_daemon();
	struct httpc_resp r;
	http(&r, "PUT", "/api/v1/security/dev1",
	     "{\"mode\": \"psk\", \"identity\": \"dev1-id\", \"key\": \"" KEY16 "\"}");
	json_t *j = expect_json(&r, 200);
	cr_expect_str_eq(json_string_value(json_object_get(j, "identity")), "dev1-id");
	cr_expect_str_eq(json_string_value(json_object_get(j, "keyHint")), "0001...(16 bytes)");
	json_decref(j);
	/* The key never comes back, in no form that could be used. */
	cr_expect(!strstr(r.body, KEY16), "%s", r.body);

	http(&r, "PUT", "/api/v1/security/dev2", "{\"mode\": \"x509\"}");
	json_decref(expect_json(&r, 200));
	http(&r, "GET", "/api/v1/security", NULL);
	j = expect_json(&r, 200);
	cr_assert_eq(json_array_size(j), 2, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "endpoint")),
	                 "dev1");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "mode")), "x509");
	json_decref(j);
	cr_expect(!strstr(r.body, "0a0b0c"), "%s", r.body);

	/* A PUT replaces: the old identity is free again. */
	http(&r, "PUT", "/api/v1/security/dev1",
	     "{\"mode\": \"psk\", \"identity\": \"dev1-new\", \"key\": \"ff\"}");
	json_decref(expect_json(&r, 200));
	http(&r, "PUT", "/api/v1/security/dev3",
	     "{\"mode\": \"psk\", \"identity\": \"dev1-id\", \"key\": \"aa\"}");
	json_decref(expect_json(&r, 200));

	http(&r, "DELETE", "/api/v1/security/dev2", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	http(&r, "GET", "/api/v1/security/dev2", NULL);
	expect_error(&r, 404, "not-found");
	http(&r, "DELETE", "/api/v1/security/dev2", NULL);
	expect_error(&r, 404, "not-found");
}

Test(security_rest, bad_bodies_and_conflicts)
{
	start_daemon();
	struct httpc_resp r;
	static const char *const bad[] = {
		"{\"mode\": \"psk\", \"identity\": \"a\", \"key\": \"zz\"}",
		"{\"mode\": \"psk\", \"identity\": \"a\", \"key\": \"abc\"}",
		"{\"mode\": \"psk\", \"identity\": \"\", \"key\": \"ab\"}",
		"{\"mode\": \"psk\", \"key\": \"ab\"}",
		"{\"mode\": \"psk\", \"identity\": \"a\", \"key\": \"ab\", \"extra\": 1}",
		"{\"mode\": \"rpk\", \"publicKey\": \"bm90IGEga2V5\"}",
		"{\"mode\": \"rpk\", \"publicKey\": \"***\"}",
		"{\"mode\": \"nosuch\"}",
		"{}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		http(&r, "PUT", "/api/v1/security/dev1", bad[i]);
		expect_error(&r, 400, "bad-credential");
	}
	/* 129 bytes of identity is one too many. */
	char body[400];
	snprintf(body, sizeof(body), "{\"mode\": \"psk\", \"identity\": \"%0129d\", \"key\": \"ab\"}",
	         0);
	http(&r, "PUT", "/api/v1/security/dev1", body);
	expect_error(&r, 400, "bad-credential");
	http(&r, "GET", "/api/v1/security", NULL);
	cr_expect_str_eq(r.body, "[]");

	http(&r, "PUT", "/api/v1/security/dev1",
	     "{\"mode\": \"psk\", \"identity\": \"shared\", \"key\": \"ab\"}");
	json_decref(expect_json(&r, 200));
	http(&r, "PUT", "/api/v1/security/dev2",
	     "{\"mode\": \"psk\", \"identity\": \"shared\", \"key\": \"cd\"}");
	expect_error(&r, 409, "conflict");
	http(&r, "GET", "/api/v1/security/dev2", NULL);
	expect_error(&r, 404, "not-found");
}

/* A public key made by certtool, as Base64 DER; NULL without certtool. */
static char *make_public_key(const char *dir)
{
	char cmd[1600];
	snprintf(cmd, sizeof(cmd),
	         "certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 "
	         "--outfile %s/k.pem >/dev/null 2>&1 && "
	         "certtool --load-privkey %s/k.pem --pubkey-info --outder "
	         "--outfile %s/pub.der >/dev/null 2>&1 && base64 -w0 %s/pub.der",
	         dir, dir, dir, dir);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	char buf[1024] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	int st = pclose(p);
	return st == 0 && n > 40 ? strdup(buf) : NULL;
}

Test(security_rest, rpk_and_restart)
{
	char *pub = make_public_key(d.dir);
	if (!pub)
		cr_skip_test("certtool (gnutls-bin) is not installed");
	start_daemon();
	struct httpc_resp r;
	char body[1200];
	snprintf(body, sizeof(body), "{\"mode\": \"rpk\", \"publicKey\": \"%s\"}", pub);
	http(&r, "PUT", "/api/v1/security/dev1", body);
	json_t *j = expect_json(&r, 200);
	const char *sha = json_string_value(json_object_get(j, "publicKeySha256"));
	cr_expect(sha && strlen(sha) == 64, "%s", r.body);
	char *sha1 = strdup(sha ? sha : "");
	json_decref(j);
	/* The same key cannot speak for a second endpoint. */
	http(&r, "PUT", "/api/v1/security/dev2", body);
	expect_error(&r, 409, "conflict");
	http(&r, "PUT", "/api/v1/security/dev3",
	     "{\"mode\": \"psk\", \"identity\": \"dev3-id\", \"key\": \"" KEY16 "\"}");
	json_decref(expect_json(&r, 200));

	/* What a 200 promised survives a restart. */
	cr_assert_eq(lwd_stop(&d), 0);
	start_daemon();
	http(&r, "GET", "/api/v1/security", NULL);
	j = expect_json(&r, 200);
	cr_assert_eq(json_array_size(j), 2, "%s", r.body);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 0),
	                                                   "publicKeySha256")),
	                 sha1);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "keyHint")),
	                 "0001...(16 bytes)");
	json_decref(j);
	/* And the identity index came back with it. */
	http(&r, "PUT", "/api/v1/security/dev4",
	     "{\"mode\": \"psk\", \"identity\": \"dev3-id\", \"key\": \"ab\"}");
	expect_error(&r, 409, "conflict");
	free(sha1);
	free(pub);
}
