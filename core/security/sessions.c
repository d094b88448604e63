/* security/sessions.c: the REST API's bearer tokens (see sessions.h). */
#include "security/sessions.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"
#include "security/users.h"

void lw_sessions_init(struct lw_sessions *ss)
{
	memset(ss, 0, sizeof(*ss));
	pthread_mutex_init(&ss->mu, NULL);
}

void lw_sessions_free(struct lw_sessions *ss)
{
	while (ss->head) {
		struct lw_token *t = ss->head;
		ss->head = t->next;
		free(t);
	}
	ss->count = 0;
	pthread_mutex_destroy(&ss->mu);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int unhex32(const char *s, uint8_t *out)
{
	if (strlen(s) != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		if (!strchr("0123456789abcdef", s[2 * i]) || !strchr("0123456789abcdef", s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

static int expired(const struct lw_token *t, double now)
{
	return t->expires > 0 && t->expires <= now;
}

int lw_sessions_check(struct lw_sessions *ss, const char *text, size_t len, double now,
                      struct lw_token *out)
{
	uint8_t h[32];
	if (len == 0 || len > LW_TOKEN_TEXT_MAX ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, text, len, h) != 0)
		return LW_ENOENT;
	int rc = LW_ENOENT;
	pthread_mutex_lock(&ss->mu);
	/* The hash is what is looked up: comparing it leaks nothing of the
	 * token, so a plain memcmp is as good as a constant-time one. */
	for (struct lw_token *t = ss->head; t; t = t->next)
		if (memcmp(t->hash, h, sizeof(h)) == 0) {
			if (!expired(t, now)) {
				*out = *t;
				out->next = NULL;
				rc = 0;
			}
			break;
		}
	pthread_mutex_unlock(&ss->mu);
	return rc;
}

int lw_sessions_get(struct lw_sessions *ss, const char *id, struct lw_token *out)
{
	int rc = LW_ENOENT;
	pthread_mutex_lock(&ss->mu);
	for (struct lw_token *t = ss->head; t; t = t->next)
		if (strcmp(t->id, id) == 0) {
			*out = *t;
			out->next = NULL;
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&ss->mu);
	return rc;
}

static char *doc_of(const struct lw_token *t)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f}", "id", t->id, "owner", t->owner,
	                      "kind", t->kind == LW_TOKEN_API ? "api" : "session", "name", t->label,
	                      "role", lw_role_name(t->role), "created", t->created, "expires",
	                      t->expires);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

static void link_token(struct lw_sessions *ss, struct lw_token *t)
{
	pthread_mutex_lock(&ss->mu);
	t->next = ss->head;
	ss->head = t;
	ss->count++;
	pthread_mutex_unlock(&ss->mu);
}

int lw_sessions_new_text(char *text, char *id)
{
	uint8_t raw[32], h[32];
	if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof(raw)) != 0)
		return LW_EIO;
	lw_base64_encode(raw, sizeof(raw), text, LW_BASE64_URL | LW_BASE64_NOPAD);
	gnutls_memset(raw, 0, sizeof(raw));
	gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), h);
	char key[65];
	hex(h, sizeof(h), key);
	memcpy(id, key, LW_TOKEN_ID_LEN);
	id[LW_TOKEN_ID_LEN] = '\0';
	return 0;
}

int lw_sessions_create(struct lw_sessions *ss, int kind, const char *owner, int role,
                       const char *label, double expires, const char *text,
                       void (*done)(void *arg, int status), void *arg)
{
	if (!lw_role_name(role) || strlen(owner) >= LW_TOKEN_OWNER_MAX ||
	    strlen(label ? label : "") > LW_TOKEN_LABEL_MAX || strlen(text) > LW_TOKEN_TEXT_MAX)
		return LW_EINVAL;
	struct lw_token *t = calloc(1, sizeof(*t));
	if (!t)
		return LW_ENOMEM;
	gnutls_hash_fast(GNUTLS_DIG_SHA256, text, strlen(text), t->hash);
	char key[65];
	hex(t->hash, sizeof(t->hash), key);
	memcpy(t->id, key, LW_TOKEN_ID_LEN);
	snprintf(t->owner, sizeof(t->owner), "%s", owner);
	snprintf(t->label, sizeof(t->label), "%s", label ? label : "");
	t->kind = kind;
	t->role = role;
	t->created = (double)time(NULL);
	t->expires = expires;
	char *doc = ss->st ? doc_of(t) : NULL;
	if (ss->st && !doc) {
		free(t);
		return LW_ENOMEM;
	}
	link_token(ss, t);
	if (!ss->st) {
		if (done)
			done(arg, 0);
		return 0;
	}
	int rc = ss->st->ops->doc_put(ss->st->be, LW_ST_TOKENS, key, owner, doc, strlen(doc), done,
	                              arg);
	free(doc);
	return rc;
}

/* Unlinks the first token that matches; the caller frees it. */
static struct lw_token *unlink_if(struct lw_sessions *ss,
                                  int (*match)(const struct lw_token *t, const void *ctx),
                                  const void *ctx)
{
	pthread_mutex_lock(&ss->mu);
	struct lw_token *t = NULL;
	for (struct lw_token **pp = &ss->head; *pp; pp = &(*pp)->next)
		if (match(*pp, ctx)) {
			t = *pp;
			*pp = t->next;
			ss->count--;
			break;
		}
	pthread_mutex_unlock(&ss->mu);
	return t;
}

static void store_del(struct lw_sessions *ss, const struct lw_token *t,
                      void (*done)(void *arg, int status), void *arg)
{
	char key[65];
	hex(t->hash, sizeof(t->hash), key);
	int rc = ss->st->ops->doc_del(ss->st->be, LW_ST_TOKENS, key, done, arg);
	if (rc)
		lw_log(LW_LOG_WARN, "sessions: the store refused to forget token %s: %s", t->id,
		       lw_strerror(rc));
	if (rc && done)
		done(arg, rc);
}

static int id_is(const struct lw_token *t, const void *ctx)
{
	return strcmp(t->id, ctx) == 0;
}

int lw_sessions_revoke(struct lw_sessions *ss, const char *id,
                       void (*done)(void *arg, int status), void *arg)
{
	struct lw_token *t = unlink_if(ss, id_is, id);
	if (!t)
		return LW_ENOENT;
	if (ss->st)
		store_del(ss, t, done, arg);
	else if (done)
		done(arg, 0);
	free(t);
	return 0;
}

static int owner_is(const struct lw_token *t, const void *ctx)
{
	return strcmp(t->owner, ctx) == 0;
}

void lw_sessions_revoke_owner(struct lw_sessions *ss, const char *owner)
{
	struct lw_token *t;
	while ((t = unlink_if(ss, owner_is, owner)))
		free(t);
	if (ss->st) {
		int rc = ss->st->ops->doc_del_owner(ss->st->be, LW_ST_TOKENS, owner, NULL, NULL);
		if (rc)
			lw_log(LW_LOG_WARN, "sessions: the store refused to forget the tokens of %s: %s",
			       owner, lw_strerror(rc));
	}
}

struct login_of {
	const char *owner, *keep;
};

static int login_of(const struct lw_token *t, const void *ctx)
{
	const struct login_of *w = ctx;
	return t->kind == LW_TOKEN_SESSION && strcmp(t->owner, w->owner) == 0 &&
	       !(w->keep && strcmp(t->id, w->keep) == 0);
}

size_t lw_sessions_end_logins(struct lw_sessions *ss, const char *owner, const char *keep)
{
	struct login_of w = {owner, keep && *keep ? keep : NULL};
	struct lw_token *t;
	size_t n = 0;
	while ((t = unlink_if(ss, login_of, &w))) {
		if (ss->st)
			store_del(ss, t, NULL, NULL);
		free(t);
		n++;
	}
	return n;
}

static int expired_at(const struct lw_token *t, const void *ctx)
{
	return expired(t, *(const double *)ctx);
}

void lw_sessions_prune(struct lw_sessions *ss, double now)
{
	struct lw_token *t;
	while ((t = unlink_if(ss, expired_at, &now))) {
		if (ss->st)
			store_del(ss, t, NULL, NULL);
		free(t);
	}
}

json_t *lw_sessions_json(struct lw_sessions *ss, const char *owner)
{
	json_t *a = json_array();
	pthread_mutex_lock(&ss->mu);
	for (struct lw_token *t = ss->head; a && t; t = t->next) {
		if (t->kind != LW_TOKEN_API || (owner && strcmp(owner, t->owner) != 0))
			continue;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "id", t->id, "name", t->label,
		                      "owner", t->owner, "role", lw_role_name(t->role), "created",
		                      (json_int_t)t->created);
		if (o)
			json_object_set_new(o, "expires", t->expires > 0 ?
			                                          json_integer((json_int_t)t->expires) :
			                                          json_null());
		json_array_append_new(a, o);
	}
	pthread_mutex_unlock(&ss->mu);
	return a;
}

static int load_one(void *ctx, const struct lw_st_doc *doc)
{
	struct lw_sessions *ss = ctx;
	json_t *j = json_loadb(doc->json, doc->json_len, 0, NULL);
	struct lw_token *t = calloc(1, sizeof(*t));
	const char *kind = json_string_value(json_object_get(j, "kind"));
	const char *label = json_string_value(json_object_get(j, "name"));
	int ok = t && kind && doc->owner && strlen(doc->owner) < LW_TOKEN_OWNER_MAX &&
	         unhex32(doc->key, t->hash) == 0;
	if (ok) {
		memcpy(t->id, doc->key, LW_TOKEN_ID_LEN);
		snprintf(t->owner, sizeof(t->owner), "%s", doc->owner);
		snprintf(t->label, sizeof(t->label), "%s", label ? label : "");
		t->kind = strcmp(kind, "api") == 0 ? LW_TOKEN_API : LW_TOKEN_SESSION;
		t->role = lw_role_parse(json_string_value(json_object_get(j, "role")));
		t->created = json_number_value(json_object_get(j, "created"));
		t->expires = json_number_value(json_object_get(j, "expires"));
		ok = t->role != 0;
	}
	json_decref(j);
	if (!ok) {
		lw_log(LW_LOG_WARN, "sessions: a stored token is unusable, skipped");
		free(t);
		return -1;
	}
	link_token(ss, t);
	return 1;
}

int lw_sessions_load(struct lw_sessions *ss, const struct lw_store *st, struct event_base *base)
{
	ss->st = st;
	if (!st)
		return 0;
	size_t ok = 0, bad = 0;
	int rc = lw_storage_load(st, base, LW_ST_TOKENS, load_one, ss, &ok, &bad);
	if (!rc)
		lw_sessions_prune(ss, (double)time(NULL));
	return rc;
}
