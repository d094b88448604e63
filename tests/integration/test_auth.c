/*
 * tests/integration/test_auth.c: who may use the REST API, end to end with
 * the real daemon and its default store (SQLite): the first admin's
 * password from the log, logins and their throttle, sessions that expire
 * or end with a logout, API tokens shown once, roles enforced by the route
 * table, users and tokens kept across a restart, and HTTPS with a
 * certificate that certtool makes for the test (served by CivetWeb through
 * the OpenSSL shim of core/http/ssl_compat.c), which plain HTTP cannot use.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "restops.h"

TestSuite(auth, .init = setup, .fini = teardown, .timeout = 30);

/* One request with the given bearer token (NULL: none). */
static void req(struct httpc_resp *r, const char *token, const char *method, const char *target,
                const char *body)
{
	char auth[200];
	if (token)
		snprintf(auth, sizeof(auth), "Bearer %s", token);
	int rc = httpc_request(r, http_port, method, target, token ? auth : NULL, NULL, body,
	                       15000);
	cr_assert_eq(rc, 0, "%s %s: no whole answer:\n%s", method, target, r->raw);
}

static json_t *expect_json(const struct httpc_resp *r, int status)
{
	cr_assert_eq(r->status, status, "status %d, wanted %d: %s", r->status, status, r->body);
	return json_body(r);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	cr_assert(s, "no string \"%s\"", k);
	return s;
}

/* Logs in; the session token into tok (malloc'd), or the failed answer. */
static int login(struct httpc_resp *r, const char *name, const char *pw, char **tok)
{
	char body[600];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"password\": \"%s\"}", name, pw);
	req(r, NULL, "POST", "/api/v1/login", body);
	if (r->status != 200)
		return r->status;
	json_t *j = json_body(r);
	*tok = strdup(str(j, "token"));
	cr_expect_gt(json_integer_value(json_object_get(j, "expires")), time(NULL));
	json_decref(j);
	return 200;
}

static char *login_ok(const char *name, const char *pw)
{
	struct httpc_resp r;
	char *tok = NULL;
	cr_assert_eq(login(&r, name, pw, &tok), 200, "login %s: %s", name, r.body);
	return tok;
}

static void add_user(const char *name, const char *pw, const char *role)
{
	struct httpc_resp r;
	char body[600];
	snprintf(body, sizeof(body), "{\"name\": \"%s\", \"password\": \"%s\", \"role\": \"%s\"}",
	         name, pw, role);
	http(&r, "POST", "/api/v1/users", body);
	json_t *j = expect_json(&r, 201);
	cr_expect_str_eq(str(j, "role"), role);
	cr_expect(!strstr(r.body, pw), "the password came back: %s", r.body);
	json_decref(j);
}

/* The first admin's password, as the daemon logged it. */
static char *logged_password(void)
{
	cr_assert_eq(lw_wait_for_text(d.err, "with password: ", 5000), 0, "%s", lw_slurp(d.err));
	char *log = lw_slurp(d.err);
	const char *p = strstr(log, "with password: ") + strlen("with password: ");
	size_t n = strcspn(p, " \n");
	char *pw = strndup(p, n);
	free(log);
	return pw;
}

Test(auth, no_or_unknown_token_is_401)
{
	start_daemon();
	struct httpc_resp r;
	req(&r, NULL, "GET", "/api/v1/clients", NULL);
	expect_error(&r, 401, "unauthorized");
	cr_expect(strstr(r.raw, "WWW-Authenticate: Bearer"), "%s", r.raw);
	req(&r, "not-a-token-at-all", "GET", "/api/v1/clients", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, "not-a-token-at-all", "GET", "/api/v1/users", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, NULL, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	/* Health stays public; the admin token of the config has every right. */
	req(&r, NULL, "GET", "/api/v1/health", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	http(&r, "GET", "/api/v1/me", NULL);
	json_t *j = expect_json(&r, 200);
	cr_expect_str_eq(str(j, "role"), "admin");
	json_decref(j);
}

Test(auth, first_admin_password_from_the_log)
{
	start_daemon();
	char *pw = logged_password();
	cr_expect_geq(strlen(pw), 16, "%s", pw);
	char *tok = login_ok("admin", pw);
	struct httpc_resp r;
	req(&r, tok, "GET", "/api/v1/me", NULL);
	json_t *j = expect_json(&r, 200);
	cr_expect_str_eq(str(j, "name"), "admin");
	cr_expect_str_eq(str(j, "role"), "admin");
	json_decref(j);
	req(&r, tok, "GET", "/api/v1/users", NULL);
	j = expect_json(&r, 200);
	cr_expect_eq(json_array_size(j), 1, "%s", r.body);
	cr_expect(!strstr(r.body, "pbkdf2"), "a hash came back: %s", r.body);
	json_decref(j);

	char *none = NULL;
	cr_expect_eq(login(&r, "admin", "wrong-password", &none), 401);
	expect_error(&r, 401, "unauthorized");
	cr_expect_eq(login(&r, "nobody", pw, &none), 401);
	cr_assert_eq(lw_wait_for_text(d.err, "failed login as \"admin\"", 5000), 0);
	char *log = lw_slurp(d.err);
	cr_expect(!strstr(log, "wrong-password"), "a password in the log");
	cr_expect(strstr(log, "admin logged in"), "no log of the login");
	free(log);
	free(tok);
	free(pw);
}

Test(auth, configured_admin_password_and_throttle)
{
	start_daemon_with("admin_password = correct-horse\n");
	char *log = lw_slurp(d.err);
	cr_expect(!strstr(log, "correct-horse"), "the configured password is in the log");
	cr_expect(!strstr(log, "with password: "), "a password was made up anyway");
	free(log);
	char *tok = login_ok("admin", "correct-horse");
	free(tok);

	struct httpc_resp r;
	char *none = NULL;
	for (int i = 0; i < 5; i++)
		cr_expect_eq(login(&r, "admin", "battery-staple", &none), 401, "try %d: %s", i,
		             r.body);
	cr_expect_eq(login(&r, "admin", "battery-staple", &none), 429, "%s", r.body);
	expect_error(&r, 429, "too-many-requests");
	cr_expect(strstr(r.raw, "Retry-After: "), "%s", r.raw);
	/* Blocked means blocked: the right password waits too. */
	cr_expect_eq(login(&r, "admin", "correct-horse", &none), 429, "%s", r.body);
}

Test(auth, roles_on_every_route)
{
	start_daemon();
	add_user("vera", "viewer-pass", "viewer");
	add_user("otto", "operator-pass", "operator");
	char *v = login_ok("vera", "viewer-pass");
	char *o = login_ok("otto", "operator-pass");
	struct httpc_resp r;

	req(&r, v, "GET", "/api/v1/clients", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	req(&r, v, "GET", "/api/v1/security", NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	req(&r, v, "PUT", "/api/v1/security/x", "{\"mode\": \"x509\"}");
	expect_error(&r, 403, "forbidden");
	req(&r, v, "POST", "/api/v1/clients/dev/3/0/1/observe", NULL);
	expect_error(&r, 403, "forbidden");
	req(&r, v, "DELETE", "/api/v1/bootstrap/dev", NULL);
	expect_error(&r, 403, "forbidden");
	req(&r, v, "GET", "/api/v1/users", NULL);
	expect_error(&r, 403, "forbidden");

	req(&r, o, "PUT", "/api/v1/security/x", "{\"mode\": \"x509\"}");
	cr_expect_eq(r.status, 200, "%s", r.body);
	req(&r, o, "POST", "/api/v1/users",
	    "{\"name\": \"eve\", \"password\": \"12345678\", \"role\": \"admin\"}");
	expect_error(&r, 403, "forbidden");
	req(&r, o, "DELETE", "/api/v1/users/vera", NULL);
	expect_error(&r, 403, "forbidden");

	/* Admins remove users, and their sessions end with them. */
	http(&r, "DELETE", "/api/v1/users/vera", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	req(&r, v, "GET", "/api/v1/clients", NULL);
	expect_error(&r, 401, "unauthorized");
	char *none = NULL;
	cr_expect_eq(login(&r, "vera", "viewer-pass", &none), 401);
	http(&r, "DELETE", "/api/v1/users/vera", NULL);
	expect_error(&r, 404, "not-found");
	http(&r, "POST", "/api/v1/users",
	     "{\"name\": \"otto\", \"password\": \"whatever1\", \"role\": \"viewer\"}");
	expect_error(&r, 409, "conflict");
	http(&r, "POST", "/api/v1/users",
	     "{\"name\": \"bad name\", \"password\": \"whatever1\", \"role\": \"viewer\"}");
	expect_error(&r, 400, "bad-request");
	http(&r, "POST", "/api/v1/users",
	     "{\"name\": \"short\", \"password\": \"1234567\", \"role\": \"viewer\"}");
	expect_error(&r, 400, "bad-request");
	http(&r, "POST", "/api/v1/users",
	     "{\"name\": \"king\", \"password\": \"12345678\", \"role\": \"king\"}");
	expect_error(&r, 400, "bad-request");
	/* The last admin stays. */
	http(&r, "DELETE", "/api/v1/users/admin", NULL);
	expect_error(&r, 409, "conflict");
	free(v);
	free(o);
}

Test(auth, sessions_expire_and_log_out)
{
	/* 3 s: two logins (PBKDF2) on a loaded CI machine may take over 1 s. */
	start_daemon_with("admin_password = session-pass\nsession_ttl = 3\n");
	char *a = login_ok("admin", "session-pass");
	char *b = login_ok("admin", "session-pass");
	struct httpc_resp r;
	req(&r, a, "POST", "/api/v1/logout", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	req(&r, a, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, b, "GET", "/api/v1/me", NULL);
	json_t *j = expect_json(&r, 200);
	cr_expect_leq(json_integer_value(json_object_get(j, "expires")), time(NULL) + 3);
	json_decref(j);
	sleep(4);
	req(&r, b, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	/* The configured token is no session: nothing to log out of. */
	http(&r, "POST", "/api/v1/logout", NULL);
	expect_error(&r, 400, "bad-request");
	free(a);
	free(b);
}

Test(auth, api_tokens)
{
	start_daemon();
	add_user("otto", "operator-pass", "operator");
	add_user("vera", "viewer-pass", "viewer");
	char *o = login_ok("otto", "operator-pass");
	char *v = login_ok("vera", "viewer-pass");
	struct httpc_resp r;
	req(&r, o, "POST", "/api/v1/tokens", "{\"name\": \"nightly\", \"role\": \"admin\"}");
	expect_error(&r, 403, "forbidden");
	req(&r, o, "POST", "/api/v1/tokens", "{\"name\": \"nightly\", \"expiresIn\": -1}");
	expect_error(&r, 400, "bad-request");
	req(&r, o, "POST", "/api/v1/tokens", "{\"name\": \"nightly\", \"role\": \"viewer\"}");
	json_t *j = expect_json(&r, 201);
	char *tok = strdup(str(j, "token"));
	char *id = strdup(str(j, "id"));
	cr_expect(json_is_null(json_object_get(j, "expires")), "%s", r.body);
	json_decref(j);
	req(&r, v, "POST", "/api/v1/tokens", "{\"name\": \"mine\", \"expiresIn\": 3600}");
	j = expect_json(&r, 201);
	cr_expect_gt(json_integer_value(json_object_get(j, "expires")), time(NULL) + 3500);
	json_decref(j);

	/* The token works with its own role, not its maker's. */
	req(&r, tok, "GET", "/api/v1/me", NULL);
	j = expect_json(&r, 200);
	cr_expect_str_eq(str(j, "name"), "otto");
	cr_expect_str_eq(str(j, "role"), "viewer");
	json_decref(j);
	req(&r, tok, "PUT", "/api/v1/security/x", "{\"mode\": \"x509\"}");
	expect_error(&r, 403, "forbidden");

	/* Lists show ids, never secrets: one's own, or all for an admin. */
	req(&r, o, "GET", "/api/v1/tokens", NULL);
	j = expect_json(&r, 200);
	cr_expect_eq(json_array_size(j), 1, "%s", r.body);
	cr_expect_str_eq(str(json_array_get(j, 0), "id"), id);
	cr_expect_str_eq(str(json_array_get(j, 0), "name"), "nightly");
	json_decref(j);
	cr_expect(!strstr(r.body, tok), "the secret came back: %s", r.body);
	http(&r, "GET", "/api/v1/tokens", NULL);
	j = expect_json(&r, 200);
	cr_expect_eq(json_array_size(j), 2, "%s", r.body);
	json_decref(j);

	/* Another user's token is not one's to revoke. */
	char target[128];
	snprintf(target, sizeof(target), "/api/v1/tokens/%s", id);
	req(&r, v, "DELETE", target, NULL);
	expect_error(&r, 404, "not-found");
	req(&r, o, "DELETE", target, NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	req(&r, tok, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, o, "DELETE", target, NULL);
	expect_error(&r, 404, "not-found");
	free(tok);
	free(id);
	free(o);
	free(v);
}

Test(auth, users_and_tokens_survive_a_restart)
{
	start_daemon();
	add_user("otto", "operator-pass", "operator");
	char *o = login_ok("otto", "operator-pass");
	struct httpc_resp r;
	req(&r, o, "POST", "/api/v1/tokens", "{\"name\": \"cron\"}");
	json_t *j = expect_json(&r, 201);
	char *tok = strdup(str(j, "token"));
	json_decref(j);
	cr_assert_eq(lwd_stop(&d), 0);
	/* Only hashes were stored: the store holds no usable token. */
	char db[400];
	snprintf(db, sizeof(db), "%s/lwm2md.db", d.state);
	FILE *f = fopen(db, "rb");
	cr_assert(f);
	char *buf = malloc(1 << 22);
	size_t n = fread(buf, 1, (1 << 22) - 1, f);
	fclose(f);
	buf[n] = '\0';
	cr_expect(!memmem(buf, n, tok, strlen(tok)), "a token in the store");
	cr_expect(!memmem(buf, n, "operator-pass", 13), "a password in the store");
	free(buf);

	start_daemon();
	char *log = lw_slurp(d.err);
	cr_expect(log && !strstr(log, "created the console user"), "admin made again");
	free(log);
	req(&r, tok, "GET", "/api/v1/me", NULL);
	j = expect_json(&r, 200);
	cr_expect_str_eq(str(j, "role"), "operator");
	json_decref(j);
	req(&r, o, "GET", "/api/v1/me", NULL);
	cr_expect_eq(r.status, 200, "the session did not survive: %s", r.body);
	free(login_ok("otto", "operator-pass"));
	free(tok);
	free(o);
}

/* PUT /api/v1/users/NAME/password as token: the answer in r. */
static void set_password(struct httpc_resp *r, const char *token, const char *name,
                         const char *pw, const char *old)
{
	char target[200], body[600];
	snprintf(target, sizeof(target), "/api/v1/users/%s/password", name);
	if (old)
		snprintf(body, sizeof(body), "{\"password\": \"%s\", \"oldPassword\": \"%s\"}",
		         pw, old);
	else
		snprintf(body, sizeof(body), "{\"password\": \"%s\"}", pw);
	req(r, token, "PUT", target, body);
}

Test(auth, password_change_and_reset)
{
	start_daemon();
	add_user("otto", "operator-pass", "operator");
	add_user("vera", "viewer-pass", "viewer");
	char *o1 = login_ok("otto", "operator-pass");
	char *o2 = login_ok("otto", "operator-pass");
	char *v = login_ok("vera", "viewer-pass");
	struct httpc_resp r;
	req(&r, o1, "POST", "/api/v1/tokens", "{\"name\": \"cron\"}");
	json_t *j = expect_json(&r, 201);
	char *api = strdup(str(j, "token"));
	json_decref(j);
	char *none = NULL;

	/* Refused: no or a wrong old password, a short new one, another's. */
	set_password(&r, o1, "otto", "operator-pass-2", NULL);
	expect_error(&r, 400, "bad-request");
	set_password(&r, o1, "otto", "operator-pass-2", "not-the-old-one");
	expect_error(&r, 403, "forbidden");
	cr_expect(strstr(r.body, "old password"), "%s", r.body);
	set_password(&r, o1, "otto", "short", "operator-pass");
	expect_error(&r, 400, "bad-request");
	cr_expect(strstr(r.body, "8 to 256"), "no clear message: %s", r.body);
	set_password(&r, v, "otto", "taken-over-1", NULL);
	expect_error(&r, 403, "forbidden");
	set_password(&r, v, "otto", "taken-over-1", "operator-pass");
	expect_error(&r, 403, "forbidden");
	set_password(&r, o1, "vera", "taken-over-1", "viewer-pass");
	expect_error(&r, 403, "forbidden");
	set_password(&r, NULL, "otto", "taken-over-1", "operator-pass");
	expect_error(&r, 401, "unauthorized");
	/* (A third session, which the change below ends too.) */
	cr_expect_eq(login(&r, "otto", "operator-pass", &none), 200, "%s", r.body);
	free(none);
	none = NULL;

	/* One's own change: the new password logs in, the old one no longer
	 * does, the session used stays, the user's other sessions end, API
	 * tokens stay. */
	set_password(&r, o1, "otto", "operator-pass-2", "operator-pass");
	cr_expect_eq(r.status, 204, "%s", r.body);
	req(&r, o1, "GET", "/api/v1/me", NULL);
	cr_expect_eq(r.status, 200, "the caller's session ended: %s", r.body);
	req(&r, o2, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, api, "GET", "/api/v1/me", NULL);
	cr_expect_eq(r.status, 200, "the API token ended: %s", r.body);
	req(&r, v, "GET", "/api/v1/me", NULL);
	cr_expect_eq(r.status, 200, "another user's session ended: %s", r.body);
	cr_expect_eq(login(&r, "otto", "operator-pass", &none), 401);
	char *o3 = login_ok("otto", "operator-pass-2");

	/* An admin resets it without the old one; every session of otto ends. */
	char *adm = logged_password();
	char *a = login_ok("admin", adm);
	set_password(&r, a, "otto", "x", NULL);
	expect_error(&r, 400, "bad-request");
	set_password(&r, a, "nobody", "reset-pass-3", NULL);
	expect_error(&r, 404, "not-found");
	set_password(&r, a, "otto", "reset-pass-3", NULL);
	cr_expect_eq(r.status, 204, "%s", r.body);
	req(&r, o1, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, o3, "GET", "/api/v1/me", NULL);
	expect_error(&r, 401, "unauthorized");
	req(&r, a, "GET", "/api/v1/me", NULL);
	cr_expect_eq(r.status, 200, "the admin's session ended: %s", r.body);
	cr_expect_eq(login(&r, "otto", "operator-pass-2", &none), 401);
	free(login_ok("otto", "reset-pass-3"));
	/* The configured admin token may reset too; an admin changing its own
	 * needs its old one like everyone. */
	http(&r, "PUT", "/api/v1/users/vera/password", "{\"password\": \"viewer-pass-4\"}");
	cr_expect_eq(r.status, 204, "%s", r.body);
	set_password(&r, a, "admin", "admin-pass-5", NULL);
	expect_error(&r, 400, "bad-request");

	/* Logged without the passwords; kept in the store, audited. */
	cr_assert_eq(lw_wait_for_text(d.err, "reset the password of vera", 5000), 0);
	char *log = lw_slurp(d.err);
	cr_expect(strstr(log, "otto changed the password of otto (2 other sessions ended)"), "%s",
	          log);
	cr_expect(strstr(log, "reset the password of otto (2 other sessions ended)"), "%s", log);
	cr_expect(!strstr(log, "operator-pass-2") && !strstr(log, "reset-pass-3"),
	          "a password in the log");
	free(log);
	cr_assert_eq(lwd_stop(&d), 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd),
	         "sqlite3 %s/lwm2md.db \"SELECT actor || ' ' || detail FROM audit WHERE "
	         "action = 'password' ORDER BY seq\"",
	         d.state);
	const char *sh[] = {"sh", "-c", cmd, NULL};
	char *out = NULL;
	cr_assert_eq(lw_run(sh, 10000, &out, NULL), 0, "%s", out ? out : "");
	cr_expect(strstr(out, "otto {\"user\":\"otto\",\"change\":\"own\",\"sessionsEnded\":2}"),
	          "%s", out);
	cr_expect(strstr(out, "admin {\"user\":\"otto\",\"change\":\"reset\",\"sessionsEnded\":2}"),
	          "%s", out);
	cr_expect(strstr(out, "@admin-token {\"user\":\"vera\""), "%s", out);
	free(out);
	start_daemon();
	free(login_ok("otto", "reset-pass-3"));
	free(login_ok("vera", "viewer-pass-4"));
	cr_expect_eq(login(&r, "vera", "viewer-pass", &none), 401);
	free(adm);
	free(a);
	free(o1);
	free(o2);
	free(o3);
	free(v);
	free(api);
}

/* certtool makes a key and a self-signed certificate into dir; 0 or -1. */
static int make_cert(const char *dir, const char *name)
{
	char cmd[2000];
	snprintf(cmd, sizeof(cmd),
	         "printf 'cn = localhost\\nexpiration_days = 2\\ntls_www_server\\n"
	         "signing_key\\nip_address = 127.0.0.1\\n' > %s/tmpl && "
	         "certtool --generate-privkey --key-type=ecdsa --outfile %s/%s.key "
	         ">/dev/null 2>&1 && certtool --generate-self-signed --load-privkey %s/%s.key "
	         "--template %s/tmpl --outfile %s/%s.pem >/dev/null 2>&1",
	         dir, dir, name, dir, name, dir, dir, name);
	return system(cmd) == 0 ? 0 : -1;
}

/* The daemon must refuse opts at start, saying needle. */
static void expect_refused(const struct lwd_opts *opts, const char *needle)
{
	/* The CoAP listener answers only once HTTP is up, so a start that
	 * fails in HTTP never looks ready; still, wait for the exit itself. */
	int rc = lwd_start(&d, opts);
	cr_assert_neq(rc, 0, "started: %s", lw_slurp(d.err));
	char *log = lw_slurp(d.err);
	cr_expect(log && strstr(log, needle), "no \"%s\" in:\n%s", needle, log);
	free(log);
}

Test(auth, https)
{
	cr_assert_eq(make_cert(d.dir, "a"), 0, "certtool failed");
	cr_assert_eq(make_cert(d.dir, "b"), 0, "certtool failed");
	char conf[1200];
	/* A certificate with another's key is refused at start. */
	http_port = httpc_free_port();
	snprintf(conf, sizeof(conf),
	         "[http]\nbind = 127.0.0.1\nport = %d\ncertificate = %s/a.pem\n"
	         "private_key = %s/b.key\n", http_port, d.dir, d.dir);
	struct lwd_opts opts = {.extra_conf = conf, .ready_ms = 5000};
	expect_refused(&opts, "[http] certificate");

	snprintf(conf, sizeof(conf),
	         "[http]\nbind = 127.0.0.1\nport = %d\ncertificate = %s/a.pem\n"
	         "private_key = %s/a.key\n", http_port, d.dir, d.dir);
	/* Debian 12's CivetWeb 1.15 needs the daemon's OpenSSL shim
	 * (core/http/ssl_compat.c) for this to work at all. */
	opts.ready_ms = 10000;
	cr_assert_eq(lwd_start(&d, &opts), 0, "%s", lw_slurp(d.err));
	char url[200];
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/api/v1/health", http_port);
	const char *tls[] = {"curl", "-sk", "-i", "--max-time", "5", url, NULL};
	char *out = NULL;
	cr_assert_eq(lw_run(tls, 10000, &out, NULL), 0);
	cr_expect(strstr(out, "\"status\":\"ok\""), "%s", out);
	cr_expect(strstr(out, "Strict-Transport-Security: "), "%s", out);
	free(out);
	struct httpc_resp r;
	int rc = httpc_request(&r, http_port, "GET", "/api/v1/health", NULL, NULL, NULL, 3000);
	cr_expect(rc != 0 || r.status != 200, "plain HTTP answered on the HTTPS port");
}
