/* security/users.c: the console's users and their passwords (see users.h). */
#include "security/users.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwm2m/base64.h"
#include "lwm2m/error.h"
#include "lwm2m/log.h"

static const char *const role_names[] = {[LW_ROLE_VIEWER] = "viewer",
                                         [LW_ROLE_OPERATOR] = "operator",
                                         [LW_ROLE_ADMIN] = "admin"};

const char *lw_role_name(int role)
{
	return role >= LW_ROLE_VIEWER && role <= LW_ROLE_ADMIN ? role_names[role] : NULL;
}

int lw_role_parse(const char *s)
{
	for (int i = LW_ROLE_VIEWER; s && i <= LW_ROLE_ADMIN; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return LW_ROLE_NONE;
}

int lw_user_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > LW_USER_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

#define SALT_LEN 16
#define DK_LEN 32

static int derive(const char *password, const uint8_t *salt, size_t salt_len, unsigned iter,
                  uint8_t *out)
{
	gnutls_datum_t key = {(unsigned char *)password, (unsigned)strlen(password)};
	gnutls_datum_t s = {(unsigned char *)salt, (unsigned)salt_len};
	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &key, &s, iter, out, DK_LEN) == 0 ? 0 : LW_EIO;
}

int lw_password_hash(const char *password, char *out, size_t outlen)
{
	uint8_t salt[SALT_LEN], dk[DK_LEN];
	if (gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof(salt)) != 0)
		return LW_EIO;
	if (derive(password, salt, sizeof(salt), LW_PBKDF2_ITER, dk) != 0)
		return LW_EIO;
	char s64[32], d64[48];
	lw_base64_encode(salt, sizeof(salt), s64, 0);
	lw_base64_encode(dk, sizeof(dk), d64, 0);
	gnutls_memset(dk, 0, sizeof(dk));
	int n = snprintf(out, outlen, "pbkdf2-sha256$%u$%s$%s", LW_PBKDF2_ITER, s64, d64);
	return n > 0 && (size_t)n < outlen ? 0 : LW_ENOSPC;
}

int lw_password_verify(const char *password, const char *stored)
{
	static const char prefix[] = "pbkdf2-sha256$";
	if (!password || !stored || strncmp(stored, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	const char *p = stored + sizeof(prefix) - 1;
	char *end;
	unsigned long iter = strtoul(p, &end, 10);
	/* A floor on the work, so that a forged document cannot make it cheap. */
	if (end == p || *end != '$' || iter < 1000 || iter > 10000000)
		return 0;
	const char *s64 = end + 1;
	const char *d64 = strchr(s64, '$');
	if (!d64)
		return 0;
	uint8_t salt[64], want[64], got[DK_LEN];
	size_t salt_len, want_len;
	size_t sl = (size_t)(d64 - s64);
	d64++;
	if (sl == 0 || lw_base64_decoded_max(sl) > sizeof(salt) ||
	    lw_base64_decoded_max(strlen(d64)) > sizeof(want) ||
	    lw_base64_decode(s64, sl, salt, &salt_len, 0, NULL) != 0 ||
	    lw_base64_decode(d64, strlen(d64), want, &want_len, 0, NULL) != 0 ||
	    want_len != DK_LEN)
		return 0;
	if (derive(password, salt, salt_len, (unsigned)iter, got) != 0)
		return 0;
	volatile uint8_t diff = 0;
	for (size_t i = 0; i < DK_LEN; i++)
		diff |= (uint8_t)(got[i] ^ want[i]);
	gnutls_memset(got, 0, sizeof(got));
	return diff == 0;
}

void lw_users_init(struct lw_users *us)
{
	memset(us, 0, sizeof(*us));
	pthread_mutex_init(&us->mu, NULL);
}

void lw_users_free(struct lw_users *us)
{
	while (us->head) {
		struct lw_user *u = us->head;
		us->head = u->next;
		gnutls_memset(u->hash, 0, sizeof(u->hash));
		free(u);
	}
	us->count = 0;
	pthread_mutex_destroy(&us->mu);
}

/* Under mu: where name is, or would go, in the sorted list. */
static struct lw_user **slot_of(struct lw_users *us, const char *name)
{
	struct lw_user **pp = &us->head;
	while (*pp && strcmp((*pp)->name, name) < 0)
		pp = &(*pp)->next;
	return pp;
}

int lw_users_get(struct lw_users *us, const char *name, struct lw_user *out)
{
	int rc = LW_ENOENT;
	pthread_mutex_lock(&us->mu);
	struct lw_user *u = *slot_of(us, name);
	if (u && strcmp(u->name, name) == 0) {
		*out = *u;
		out->next = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&us->mu);
	return rc;
}

size_t lw_users_count_role(struct lw_users *us, int role)
{
	size_t n = 0;
	pthread_mutex_lock(&us->mu);
	for (struct lw_user *u = us->head; u; u = u->next)
		n += u->role == role;
	pthread_mutex_unlock(&us->mu);
	return n;
}

/* Under mu: 0 or LW_EEXIST. */
static int insert(struct lw_users *us, struct lw_user *u)
{
	struct lw_user **pp = slot_of(us, u->name);
	if (*pp && strcmp((*pp)->name, u->name) == 0)
		return LW_EEXIST;
	u->next = *pp;
	*pp = u;
	us->count++;
	return 0;
}

static char *doc_of(const struct lw_user *u)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:f}", "name", u->name, "role",
	                      lw_role_name(u->role), "password", u->hash, "created", u->created);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

int lw_users_add(struct lw_users *us, const char *name, int role, const char *hash,
                 void (*done)(void *arg, int status), void *arg)
{
	if (!lw_user_name_valid(name) || !lw_role_name(role) || !hash ||
	    strlen(hash) >= LW_PASSWORD_HASH_MAX)
		return LW_EINVAL;
	struct lw_user *u = calloc(1, sizeof(*u));
	if (!u)
		return LW_ENOMEM;
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = role;
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	u->created = (double)time(NULL);
	char *doc = us->st ? doc_of(u) : NULL;
	if (us->st && !doc) {
		free(u);
		return LW_ENOMEM;
	}
	pthread_mutex_lock(&us->mu);
	int rc = insert(us, u);
	pthread_mutex_unlock(&us->mu);
	if (rc) {
		free(doc);
		free(u);
		return rc;
	}
	if (!us->st) {
		if (done)
			done(arg, 0);
		return 0;
	}
	rc = us->st->ops->doc_put(us->st->be, LW_ST_USERS, name, NULL, doc, strlen(doc), done, arg);
	free(doc);
	return rc;
}

int lw_users_set_password(struct lw_users *us, const char *name, const char *hash,
                          void (*done)(void *arg, int status), void *arg)
{
	if (!name || !hash || strlen(hash) >= LW_PASSWORD_HASH_MAX)
		return LW_EINVAL;
	pthread_mutex_lock(&us->mu);
	struct lw_user *u = *slot_of(us, name);
	if (!u || strcmp(u->name, name) != 0) {
		pthread_mutex_unlock(&us->mu);
		return LW_ENOENT;
	}
	/* The document first: out of memory must leave the old password in force. */
	struct lw_user next = *u;
	snprintf(next.hash, sizeof(next.hash), "%s", hash);
	char *doc = us->st ? doc_of(&next) : NULL;
	gnutls_memset(&next, 0, sizeof(next));
	if (us->st && !doc) {
		pthread_mutex_unlock(&us->mu);
		return LW_ENOMEM;
	}
	/* The old hash goes at once: a login racing with this sees one or the other. */
	gnutls_memset(u->hash, 0, sizeof(u->hash));
	snprintf(u->hash, sizeof(u->hash), "%s", hash);
	pthread_mutex_unlock(&us->mu);
	if (!us->st) {
		if (done)
			done(arg, 0);
		return 0;
	}
	int rc = us->st->ops->doc_put(us->st->be, LW_ST_USERS, name, NULL, doc, strlen(doc), done,
	                              arg);
	free(doc);
	return rc;
}

int lw_users_del(struct lw_users *us, const char *name, void (*done)(void *arg, int status),
                 void *arg)
{
	pthread_mutex_lock(&us->mu);
	struct lw_user **pp = slot_of(us, name);
	struct lw_user *u = *pp;
	if (!u || strcmp(u->name, name) != 0) {
		pthread_mutex_unlock(&us->mu);
		return LW_ENOENT;
	}
	*pp = u->next;
	us->count--;
	pthread_mutex_unlock(&us->mu);
	gnutls_memset(u->hash, 0, sizeof(u->hash));
	free(u);
	if (!us->st) {
		if (done)
			done(arg, 0);
		return 0;
	}
	return us->st->ops->doc_del(us->st->be, LW_ST_USERS, name, done, arg);
}

json_t *lw_users_json(struct lw_users *us)
{
	json_t *a = json_array();
	pthread_mutex_lock(&us->mu);
	for (struct lw_user *u = us->head; a && u; u = u->next)
		json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "name", u->name, "role",
		                                   lw_role_name(u->role), "created",
		                                   (json_int_t)u->created));
	pthread_mutex_unlock(&us->mu);
	return a;
}

static int load_one(void *ctx, const struct lw_st_doc *doc)
{
	struct lw_users *us = ctx;
	json_t *j = json_loadb(doc->json, doc->json_len, 0, NULL);
	const char *hash = json_string_value(json_object_get(j, "password"));
	int role = lw_role_parse(json_string_value(json_object_get(j, "role")));
	struct lw_user *u = NULL;
	if (hash && role && lw_user_name_valid(doc->key) && strlen(hash) < LW_PASSWORD_HASH_MAX)
		u = calloc(1, sizeof(*u));
	if (u) {
		snprintf(u->name, sizeof(u->name), "%s", doc->key);
		snprintf(u->hash, sizeof(u->hash), "%s", hash);
		u->role = role;
		u->created = json_number_value(json_object_get(j, "created"));
	}
	json_decref(j);
	pthread_mutex_lock(&us->mu);
	int rc = u ? insert(us, u) : LW_EINVAL;
	pthread_mutex_unlock(&us->mu);
	if (rc) {
		lw_log(LW_LOG_WARN, "users: the stored user %s is unusable, skipped", doc->key);
		free(u);
		return -1;
	}
	return 1;
}

int lw_users_load(struct lw_users *us, const struct lw_store *st, struct event_base *base)
{
	us->st = st;
	if (!st)
		return 0;
	size_t ok = 0, bad = 0;
	int rc = lw_storage_load(st, base, LW_ST_USERS, load_one, us, &ok, &bad);
	if (!rc && (ok || bad))
		lw_log(LW_LOG_INFO, "users: %zu console users loaded", ok);
	return rc;
}
