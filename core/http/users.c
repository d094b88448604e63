/*
 * http/users.c: who may use the REST API. Console users log in with a name
 * and a password (POST /api/v1/login) and get a session token; scripts get
 * long-lived API tokens (/api/v1/tokens); admins manage users
 * (/api/v1/users). Every request's token is checked here
 * (lw_http_authenticate), and each route's role comes from its flags in the
 * route table (rest.c), never from the handlers.
 *
 * Passwords are checked and hashed on the CivetWeb thread (PBKDF2 is slow on
 * purpose, the loop must not wait for it); the tables change on the loop
 * thread through the bridge, and a change is answered once the store made it
 * durable, like /api/v1/security.
 *
 * Failed logins are counted per client address in a small table: after
 * LOGIN_FAILS of them within LOGIN_WINDOW seconds the address gets 429 for
 * LOGIN_WINDOW seconds, which caps the guesses one address can make.
 */
#include "http/http.h"

#include <civetweb.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "security/sessions.h"
#include "security/users.h"
#include "storage/service.h"

#define WAIT_MS 30000
#define LOGIN_FAILS 5
#define LOGIN_WINDOW 60
#define THROTTLE_SLOTS 1024
#define TOKEN_MAX_LIFETIME (86400LL * 3650)
#define ADMIN_TOKEN_USER "@admin-token"

struct throttle {
	char addr[48];
	int fails;
	time_t first, blocked_until, last;
};

struct lw_http_auth {
	struct lw_users users;
	struct lw_sessions sessions;
	int ttl;
	char dummy[LW_PASSWORD_HASH_MAX]; /* checked for unknown names: same time */
	pthread_mutex_t tmu;
	struct throttle slots[THROTTLE_SLOTS];
};

/* ---- the login throttle (any thread) ---- */

/* Under tmu: addr's slot, or a free or the stalest one taken over. */
static struct throttle *slot_of(struct lw_http_auth *a, const char *addr, int take)
{
	struct throttle *oldest = &a->slots[0];
	for (int i = 0; i < THROTTLE_SLOTS; i++) {
		struct throttle *t = &a->slots[i];
		if (t->addr[0] && strcmp(t->addr, addr) == 0)
			return t;
		if (!t->addr[0] || (oldest->addr[0] && t->last < oldest->last))
			oldest = t;
	}
	if (!take)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	return oldest;
}

/* Seconds addr must still wait, or 0. */
static int throttled(struct lw_http_auth *a, const char *addr, time_t now)
{
	pthread_mutex_lock(&a->tmu);
	struct throttle *t = slot_of(a, addr, 0);
	int wait = t && t->blocked_until > now ? (int)(t->blocked_until - now) : 0;
	pthread_mutex_unlock(&a->tmu);
	return wait;
}

static void login_failed(struct lw_http_auth *a, const char *addr, time_t now)
{
	pthread_mutex_lock(&a->tmu);
	struct throttle *t = slot_of(a, addr, 1);
	if (now - t->first >= LOGIN_WINDOW) {
		t->first = now;
		t->fails = 0;
	}
	t->last = now;
	if (++t->fails >= LOGIN_FAILS)
		t->blocked_until = now + LOGIN_WINDOW;
	pthread_mutex_unlock(&a->tmu);
}

static void login_succeeded(struct lw_http_auth *a, const char *addr)
{
	pthread_mutex_lock(&a->tmu);
	struct throttle *t = slot_of(a, addr, 0);
	if (t)
		memset(t, 0, sizeof(*t));
	pthread_mutex_unlock(&a->tmu);
}

/* ---- start and stop ---- */

static void logged_if_lost(void *arg, int status)
{
	(void)arg;
	if (status)
		lw_log(LW_LOG_ERROR, "http: the store failed to keep the first admin user: %s",
		       lw_strerror(status));
}

static int first_admin(struct lw_http *h, char *err, size_t errlen)
{
	const char *conf = h->d->cfg->http_admin_password;
	char pw[64];
	if (conf) {
		size_t n = strlen(conf);
		if (n < LW_PASSWORD_MIN || n > LW_PASSWORD_MAX) {
			snprintf(err, errlen, "[http] admin_password must be %d to %d bytes",
			         LW_PASSWORD_MIN, LW_PASSWORD_MAX);
			return -1;
		}
	} else {
		uint8_t raw[18];
		if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0) {
			snprintf(err, errlen, "[http] cannot make a password: no randomness");
			return -1;
		}
		lw_base64_encode(raw, sizeof(raw), pw, LW_BASE64_URL | LW_BASE64_NOPAD);
	}
	char hash[LW_PASSWORD_HASH_MAX];
	int rc = lw_password_hash(conf ? conf : pw, hash, sizeof(hash));
	if (!rc)
		rc = lw_users_add(&h->auth->users, "admin", LW_ROLE_ADMIN, hash, logged_if_lost, NULL);
	if (rc) {
		snprintf(err, errlen, "[http] cannot create the first user: %s", lw_strerror(rc));
		return -1;
	}
	if (conf)
		lw_log(LW_LOG_WARN, "http: created the console user \"admin\" with the password of "
		                    "[http] admin_password");
	else
		lw_log(LW_LOG_WARN, "http: created the console user \"admin\" with password: %s "
		                    "(shown only this once: note it now)", pw);
	gnutls_memset(pw, 0, sizeof(pw));
	return 0;
}

int lw_http_users_setup(struct lw_http *h, char *err, size_t errlen)
{
	struct lw_daemon *d = h->d;
	struct lw_http_auth *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "[http] out of memory");
		return -1;
	}
	h->auth = a;
	lw_users_init(&a->users);
	lw_sessions_init(&a->sessions);
	pthread_mutex_init(&a->tmu, NULL);
	a->ttl = d->cfg->http_session_ttl;
	const struct lw_store *st =
		d->storage && d->storage->store.ops ? &d->storage->store : NULL;
	int rc = lw_users_load(&a->users, st, d->loop.base);
	if (!rc)
		rc = lw_sessions_load(&a->sessions, st, d->loop.base);
	if (rc) {
		snprintf(err, errlen, "[http] cannot read users and tokens from the store: %s",
		         lw_strerror(rc));
		return -1;
	}
	if (lw_password_hash("not a password of anyone", a->dummy, sizeof(a->dummy)) != 0) {
		snprintf(err, errlen, "[http] cannot hash passwords (GnuTLS PBKDF2)");
		return -1;
	}
	if (a->users.count == 0 && first_admin(h, err, errlen) != 0)
		return -1;
	return 0;
}

void lw_http_users_free(struct lw_http *h)
{
	struct lw_http_auth *a = h->auth;
	if (!a)
		return;
	lw_users_free(&a->users);
	lw_sessions_free(&a->sessions);
	pthread_mutex_destroy(&a->tmu);
	free(a);
	h->auth = NULL;
}

/* ---- who asks (any thread) ---- */

int lw_http_route_role(int flags)
{
	if (flags & LW_ROUTE_VIEWER)
		return LW_ROLE_VIEWER;
	if (flags & LW_ROUTE_OPERATOR)
		return LW_ROLE_OPERATOR;
	return LW_ROLE_ADMIN;
}

int lw_http_authenticate(struct lw_http *h, const char *authorization, struct lw_http_req *r)
{
	if (lw_http_authorized(h, authorization)) {
		if (r) {
			r->role = LW_ROLE_ADMIN;
			snprintf(r->user, sizeof(r->user), "%s", ADMIN_TOKEN_USER);
		}
		return LW_ROLE_ADMIN;
	}
	if (!h->auth || !authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
		return 0;
	const char *tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	size_t len = strlen(tok);
	while (len && (tok[len - 1] == ' ' || tok[len - 1] == '\t'))
		len--;
	struct lw_token t;
	if (lw_sessions_check(&h->auth->sessions, tok, len, (double)time(NULL), &t) != 0)
		return 0;
	if (r) {
		r->role = t.role;
		snprintf(r->user, sizeof(r->user), "%s", t.owner);
		snprintf(r->token_id, sizeof(r->token_id), "%s", t.id);
		r->token_expires = t.expires;
	}
	return t.role;
}

/* ---- answers that wait for the store ---- */

struct pending {
	struct lw_http_req *r; /* NULL once the caller gave up */
	int status;
	json_t *answer; /* NULL: 204 */
};

static struct pending *pending_new(struct lw_http_req *r, int status, json_t *answer)
{
	struct pending *p = calloc(1, sizeof(*p));
	if (!p) {
		json_decref(answer);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return NULL;
	}
	p->r = r;
	p->status = status;
	p->answer = answer;
	return p;
}

static void pending_detach(struct lw_http *h, void *ctx)
{
	(void)h;
	((struct pending *)ctx)->r = NULL;
}

static void pending_done(void *arg, int status)
{
	struct pending *p = arg;
	struct lw_http_req *r = p->r;
	if (r) {
		if (status)
			lw_http_reply_error(r, 503, "storage-error",
			                    "the change is in force but the store failed to keep it: %s",
			                    lw_strerror(status));
		else if (p->answer)
			lw_http_reply_json(r, p->status, json_incref(p->answer));
		else
			lw_http_reply_text(r, 204, "application/json", NULL, 0);
		lw_http_finish(r);
	}
	json_decref(p->answer);
	free(p);
}

/* After a table call that took p (rc 0: pending_done runs, now or later). */
static void pending_wait(struct lw_http_req *r, struct pending *p, int rc)
{
	if (rc == 0) {
		/* pending_done may have run already (no store): r is answered. */
		if (!r->out && r->status == 0)
			lw_http_defer_fn(r, pending_detach, p, WAIT_MS);
		return;
	}
	json_decref(p->answer);
	free(p);
	lw_http_reply_error(r, 503, "storage-busy", "the store refused the change: %s",
	                    lw_strerror(rc));
}

/* From a direct handler: runs fn on the loop thread, as server.c does. */
static void bridged(struct lw_http *h, lw_http_loop_fn fn, struct lw_http_req *r)
{
	pthread_mutex_lock(&h->mu);
	h->n_busy++;
	pthread_mutex_unlock(&h->mu);
	int rc = lw_http_bridge_call(h, fn, r);
	if (rc == LW_ETIMEDOUT)
		lw_http_reply_error(r, 503, "unavailable", "no answer from the store in time");
	else if (rc)
		lw_http_reply_error(r, 503, "unavailable", "the server is shutting down");
	pthread_mutex_lock(&h->mu);
	h->n_busy--;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

static struct lw_http_auth *auth_of(struct lw_http_req *r)
{
	if (!r->h->auth)
		lw_http_reply_error(r, 503, "unavailable", "users are not set up");
	return r->h->auth;
}

static json_t *expires_json(double expires)
{
	return expires > 0 ? json_integer((json_int_t)expires) : json_null();
}

/* ---- login, logout, me ---- */

/* Loop thread: opens the session of the user whose password was checked. */
static void login_finish(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	double now = (double)time(NULL);
	lw_sessions_prune(&a->sessions, now);
	char text[LW_TOKEN_TEXT_MAX], id[LW_TOKEN_ID_LEN + 1];
	if (lw_sessions_new_text(text, id) != 0) {
		lw_http_reply_error(r, 500, "internal", "no randomness for a token");
		return;
	}
	double expires = now + a->ttl;
	struct pending *p = pending_new(r, 200, json_pack("{s:s, s:I, s:s}", "token", text,
	                                                  "expires", (json_int_t)expires, "role",
	                                                  lw_role_name(r->role)));
	if (!p)
		return;
	int rc = lw_sessions_create(&a->sessions, LW_TOKEN_SESSION, r->user, r->role, "login",
	                            expires, text, pending_done, p);
	gnutls_memset(text, 0, sizeof(text));
	pending_wait(r, p, rc);
}

int lw_http_login(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return 0;
	const struct mg_request_info *ri = mg_get_request_info(c);
	const char *addr = ri->remote_addr;
	time_t now = time(NULL);
	int wait = throttled(a, addr, now);
	if (wait > 0) {
		snprintf(r->hdrs, sizeof(r->hdrs), "Retry-After: %d\r\n", wait);
		lw_http_reply_error(r, 429, "too-many-requests",
		                    "too many failed logins from %s: try again in %d s", addr, wait);
		return 0;
	}
	const char *name = json_string_value(json_object_get(r->body, "name"));
	const char *pw = json_string_value(json_object_get(r->body, "password"));
	if (!name || !pw) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "the body must be {\"name\": NAME, \"password\": PASSWORD}");
		return 0;
	}
	struct lw_user u;
	int known = lw_user_name_valid(name) && lw_users_get(&a->users, name, &u) == 0;
	/* An unknown name costs the same time as a wrong password. */
	int ok = lw_password_verify(pw, known ? u.hash : a->dummy) && known;
	if (known)
		gnutls_memset(u.hash, 0, sizeof(u.hash));
	if (!ok) {
		login_failed(a, addr, now);
		lw_log(LW_LOG_WARN, "http: failed login as \"%s\" from %s",
		       lw_user_name_valid(name) ? name : "(not a user name)", addr);
		lw_http_reply_error(r, 401, "unauthorized", "wrong name or password");
		return 0;
	}
	login_succeeded(a, addr);
	r->role = u.role;
	snprintf(r->user, sizeof(r->user), "%s", u.name);
	bridged(h, login_finish, r);
	if (r->status == 200)
		lw_log(LW_LOG_INFO, "http: %s logged in from %s (%s)", u.name, addr,
		       lw_role_name(u.role));
	return 0;
}

void lw_http_logout(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	if (!r->token_id[0]) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "the configured admin token cannot be revoked");
		return;
	}
	struct pending *p = pending_new(r, 204, NULL);
	if (!p)
		return;
	int rc = lw_sessions_revoke(&a->sessions, r->token_id, pending_done, p);
	if (rc == LW_ENOENT) {
		free(p);
		lw_http_reply_text(r, 204, "application/json", NULL, 0); /* revoked meanwhile */
		return;
	}
	pending_wait(r, p, rc);
}

void lw_http_me(struct lw_http_req *r)
{
	json_t *o = json_pack("{s:s, s:s}", "name", r->user, "role", lw_role_name(r->role));
	if (o)
		json_object_set_new(o, "expires", expires_json(r->token_expires));
	lw_http_reply_json(r, 200, o);
}

/* ---- /api/v1/users (admins) ---- */

static void audit(struct lw_http_req *r, const char *action, json_t *detail);

void lw_http_users_list(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (a)
		lw_http_reply_json(r, 200, lw_users_json(&a->users));
}

/* Loop thread: adds the user whose password lw_http_users_create hashed
 * (into the body's "_hash"), so that the loop never hashes. */
static void users_create_finish(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	const char *name = json_string_value(json_object_get(r->body, "name"));
	const char *hash = json_string_value(json_object_get(r->body, "_hash"));
	int role = lw_role_parse(json_string_value(json_object_get(r->body, "role")));
	struct pending *p = pending_new(r, 201, json_pack("{s:s, s:s, s:I}", "name", name, "role",
	                                                  lw_role_name(role), "created",
	                                                  (json_int_t)time(NULL)));
	if (!p)
		return;
	int rc = lw_users_add(&a->users, name, role, hash, pending_done, p);
	if (rc == LW_EEXIST || rc == LW_EINVAL || rc == LW_ENOMEM) {
		json_decref(p->answer);
		free(p);
		if (rc == LW_EEXIST)
			lw_http_reply_error(r, 409, "conflict", "user \"%s\" exists", name);
		else
			lw_http_reply_error(r, rc == LW_EINVAL ? 400 : 500,
			                    rc == LW_EINVAL ? "bad-request" : "internal",
			                    "cannot add the user: %s", lw_strerror(rc));
		return;
	}
	if (rc == 0) {
		lw_log(LW_LOG_INFO, "http: %s added the user %s (%s)", r->user, name,
		       lw_role_name(role));
		audit(r, "user-add", json_pack("{s:s, s:s}", "user", name, "role",
		                               lw_role_name(role)));
	}
	pending_wait(r, p, rc);
}

int lw_http_users_create(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r)
{
	(void)c;
	if (!auth_of(r))
		return 0;
	const char *name = json_string_value(json_object_get(r->body, "name"));
	const char *pw = json_string_value(json_object_get(r->body, "password"));
	const char *role = json_string_value(json_object_get(r->body, "role"));
	if (!lw_user_name_valid(name)) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"name\" must be 1 to %d of A-Z a-z 0-9 . _ -", LW_USER_NAME_MAX);
		return 0;
	}
	if (!pw || strlen(pw) < LW_PASSWORD_MIN || strlen(pw) > LW_PASSWORD_MAX) {
		lw_http_reply_error(r, 400, "bad-request", "\"password\" must be %d to %d bytes",
		                    LW_PASSWORD_MIN, LW_PASSWORD_MAX);
		return 0;
	}
	if (!lw_role_parse(role)) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"role\" must be viewer, operator or admin");
		return 0;
	}
	char hash[LW_PASSWORD_HASH_MAX];
	if (lw_password_hash(pw, hash, sizeof(hash)) != 0 ||
	    json_object_set_new(r->body, "_hash", json_string(hash)) != 0) {
		lw_http_reply_error(r, 500, "internal", "cannot hash the password");
		return 0;
	}
	bridged(h, users_create_finish, r);
	return 0;
}

void lw_http_users_delete(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	const char *name = r->params[0];
	struct lw_user u;
	if (lw_users_get(&a->users, name, &u) != 0) {
		lw_http_reply_error(r, 404, "not-found", "no user \"%s\"", name);
		return;
	}
	gnutls_memset(u.hash, 0, sizeof(u.hash));
	/* Someone must still be able to manage users from the console. */
	if (u.role == LW_ROLE_ADMIN && lw_users_count_role(&a->users, LW_ROLE_ADMIN) == 1) {
		lw_http_reply_error(r, 409, "conflict", "\"%s\" is the last admin", name);
		return;
	}
	struct pending *p = pending_new(r, 204, NULL);
	if (!p)
		return;
	int rc = lw_users_del(&a->users, name, pending_done, p);
	if (rc == 0) {
		lw_sessions_revoke_owner(&a->sessions, name);
		lw_log(LW_LOG_INFO, "http: %s removed the user %s", r->user, name);
		audit(r, "user-delete", json_pack("{s:s}", "user", name));
	}
	pending_wait(r, p, rc);
}

/* ---- PUT /api/v1/users/{name}/password ---- */

static void audit_lost(void *arg, int status)
{
	(void)arg;
	if (status)
		lw_log(LW_LOG_ERROR, "http: the store failed to keep an audit entry: %s",
		       lw_strerror(status));
}

/* Loop thread: an entry of the store's audit log for a change of users. */
static void audit(struct lw_http_req *r, const char *action, json_t *detail)
{
	const struct lw_storage_service *s = r->h->d->storage;
	char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
	json_decref(detail);
	if (s && s->store.ops) {
		struct lw_st_audit e = {.time = (double)time(NULL), .actor = r->user,
		                        .action = action, .detail = text};
		int rc = s->store.ops->audit_append(s->store.be, &e, audit_lost, NULL);
		if (rc)
			audit_lost(NULL, rc);
	}
	free(text);
}

/* Loop thread: keeps the hash that lw_http_users_password made, then ends
 * the user's other login sessions (all of them when an admin reset it). */
static void users_password_finish(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	const char *name = r->params[0];
	const char *hash = json_string_value(json_object_get(r->body, "_hash"));
	int self = strcmp(name, r->user) == 0;
	struct pending *p = pending_new(r, 204, NULL);
	if (!p)
		return;
	int rc = lw_users_set_password(&a->users, name, hash, pending_done, p);
	if (rc == LW_ENOENT || rc == LW_EINVAL || rc == LW_ENOMEM) {
		free(p);
		if (rc == LW_ENOENT)
			lw_http_reply_error(r, 404, "not-found", "no user \"%s\"", name);
		else
			lw_http_reply_error(r, 500, "internal", "cannot set the password: %s",
			                    lw_strerror(rc));
		return;
	}
	if (rc == 0) {
		/* Whoever held the old password loses what it opened; the caller
		 * keeps the session it used to change its own. */
		size_t ended = lw_sessions_end_logins(&a->sessions, name, self ? r->token_id : NULL);
		lw_log(LW_LOG_INFO, "http: %s %s the password of %s (%zu other session%s ended)",
		       r->user, self ? "changed" : "reset", name, ended, ended == 1 ? "" : "s");
		audit(r, "password", json_pack("{s:s, s:s, s:I}", "user", name, "change",
		                               self ? "own" : "reset", "sessionsEnded",
		                               (json_int_t)ended));
	}
	pending_wait(r, p, rc);
}

int lw_http_users_password(struct lw_http *h, struct mg_connection *c, struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return 0;
	const char *name = r->params[0];
	int self = strcmp(name, r->user) == 0;
	/* Another's password is the admins' business (LW_ROUTE_VIEWER lets
	 * everyone in for their own). */
	if (!self && r->role != LW_ROLE_ADMIN) {
		lw_http_reply_error(r, 403, "forbidden",
		                    "only an admin may set another user's password");
		return 0;
	}
	struct lw_user u;
	if (!lw_user_name_valid(name) || lw_users_get(&a->users, name, &u) != 0) {
		lw_http_reply_error(r, 404, "not-found", "no user \"%s\"", name);
		return 0;
	}
	const char *pw = json_string_value(json_object_get(r->body, "password"));
	const char *old = json_string_value(json_object_get(r->body, "oldPassword"));
	if (!pw || strlen(pw) < LW_PASSWORD_MIN || strlen(pw) > LW_PASSWORD_MAX) {
		gnutls_memset(u.hash, 0, sizeof(u.hash));
		lw_http_reply_error(r, 400, "bad-request",
		                    "the new \"password\" must be %d to %d bytes long",
		                    LW_PASSWORD_MIN, LW_PASSWORD_MAX);
		return 0;
	}
	if (self) {
		/* A session left open must not be enough to take the account:
		 * one's own change needs the old password, guessed no faster than
		 * at the login (the same throttle). */
		const struct mg_request_info *ri = mg_get_request_info(c);
		const char *addr = ri->remote_addr;
		time_t now = time(NULL);
		int wait = throttled(a, addr, now);
		if (wait > 0) {
			gnutls_memset(u.hash, 0, sizeof(u.hash));
			snprintf(r->hdrs, sizeof(r->hdrs), "Retry-After: %d\r\n", wait);
			lw_http_reply_error(r, 429, "too-many-requests",
			                    "too many wrong passwords from %s: try again in %d s", addr,
			                    wait);
			return 0;
		}
		if (!old) {
			gnutls_memset(u.hash, 0, sizeof(u.hash));
			lw_http_reply_error(r, 400, "bad-request",
			                    "changing one's own password needs \"oldPassword\"");
			return 0;
		}
		int ok = lw_password_verify(old, u.hash);
		gnutls_memset(u.hash, 0, sizeof(u.hash));
		if (!ok) {
			login_failed(a, addr, now);
			lw_log(LW_LOG_WARN, "http: %s gave a wrong old password from %s", name, addr);
			lw_http_reply_error(r, 403, "forbidden", "the old password is wrong");
			return 0;
		}
	}
	gnutls_memset(u.hash, 0, sizeof(u.hash));
	char hash[LW_PASSWORD_HASH_MAX];
	int rc = lw_password_hash(pw, hash, sizeof(hash));
	if (rc == 0 && json_object_set_new(r->body, "_hash", json_string(hash)) != 0)
		rc = LW_ENOMEM;
	gnutls_memset(hash, 0, sizeof(hash));
	if (rc) {
		lw_http_reply_error(r, 500, "internal", "cannot hash the password");
		return 0;
	}
	bridged(h, users_password_finish, r);
	return 0;
}

/* ---- /api/v1/tokens ---- */

void lw_http_tokens_list(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (a)
		lw_http_reply_json(r, 200, lw_sessions_json(&a->sessions,
		                                            r->role == LW_ROLE_ADMIN ? NULL : r->user));
}

void lw_http_tokens_create(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	json_t *jname = json_object_get(r->body, "name");
	json_t *jrole = json_object_get(r->body, "role");
	json_t *jexp = json_object_get(r->body, "expiresIn");
	const char *label = json_string_value(jname);
	int role = jrole ? lw_role_parse(json_string_value(jrole)) : r->role;
	if (!label || !*label || strlen(label) > LW_TOKEN_LABEL_MAX) {
		lw_http_reply_error(r, 400, "bad-request", "\"name\" must be 1 to %d bytes of text",
		                    LW_TOKEN_LABEL_MAX);
		return;
	}
	if (!role) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"role\" must be viewer, operator or admin");
		return;
	}
	if (role > r->role) {
		lw_http_reply_error(r, 403, "forbidden", "a token cannot have more rights (%s) than "
		                    "its maker (%s)", lw_role_name(role), lw_role_name(r->role));
		return;
	}
	json_int_t in = 0;
	if (jexp && (!json_is_integer(jexp) || json_integer_value(jexp) < 0 ||
	             json_integer_value(jexp) > TOKEN_MAX_LIFETIME)) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"expiresIn\" must be seconds (0 for never, at most %lld)",
		                    TOKEN_MAX_LIFETIME);
		return;
	}
	if (jexp)
		in = json_integer_value(jexp);
	double expires = in ? (double)(time(NULL) + in) : 0;
	char text[LW_TOKEN_TEXT_MAX], id[LW_TOKEN_ID_LEN + 1];
	if (lw_sessions_new_text(text, id) != 0) {
		lw_http_reply_error(r, 500, "internal", "no randomness for a token");
		return;
	}
	json_t *answer = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "token", text, "name", label,
	                           "role", lw_role_name(role));
	if (answer)
		json_object_set_new(answer, "expires", expires_json(expires));
	struct pending *p = pending_new(r, 201, answer);
	if (!p)
		return;
	int rc = lw_sessions_create(&a->sessions, LW_TOKEN_API, r->user, role, label, expires,
	                            text, pending_done, p);
	gnutls_memset(text, 0, sizeof(text));
	if (rc == 0)
		lw_log(LW_LOG_INFO, "http: %s made the API token %s (%s)", r->user, id,
		       lw_role_name(role));
	pending_wait(r, p, rc);
}

void lw_http_tokens_delete(struct lw_http_req *r)
{
	struct lw_http_auth *a = auth_of(r);
	if (!a)
		return;
	struct lw_token t;
	/* Another user's token is as unknown to a non-admin as a missing one. */
	if (lw_sessions_get(&a->sessions, r->params[0], &t) != 0 ||
	    (r->role != LW_ROLE_ADMIN && strcmp(t.owner, r->user) != 0)) {
		lw_http_reply_error(r, 404, "not-found", "no token \"%s\"", r->params[0]);
		return;
	}
	struct pending *p = pending_new(r, 204, NULL);
	if (!p)
		return;
	pending_wait(r, p, lw_sessions_revoke(&a->sessions, t.id, pending_done, p));
}
