/*
 * security/sessions.h: bearer tokens of the REST API: the sessions a login
 * opens and the long-lived API tokens that scripts use. Both are 32 random
 * bytes (Base64url) handed out once; only their SHA-256 is kept, in memory
 * and in the store (LW_ST_TOKENS, keyed by the hash in hex, owner = the user
 * name), so that a copy of the store opens nothing.
 *
 * A token's public id is the first 16 hex digits of its hash: enough to
 * name it in lists and in DELETE /api/v1/tokens/{id}, useless to log in.
 *
 * Changes happen on the loop thread; every request's check runs on an HTTP
 * worker thread, so the table has its own lock.
 */
#ifndef LW_SECURITY_SESSIONS_H
#define LW_SECURITY_SESSIONS_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "storage/backend.h"

struct event_base;

#define LW_TOKEN_LABEL_MAX 64
#define LW_TOKEN_ID_LEN 16
#define LW_TOKEN_TEXT_MAX 48 /* Base64url of 32 bytes is 43 characters */
#define LW_TOKEN_OWNER_MAX 72

enum { LW_TOKEN_SESSION = 1, LW_TOKEN_API = 2 };

struct lw_token {
	struct lw_token *next;
	uint8_t hash[32];
	char id[LW_TOKEN_ID_LEN + 1];
	char owner[LW_TOKEN_OWNER_MAX];
	char label[LW_TOKEN_LABEL_MAX + 1];
	int kind; /* LW_TOKEN_* */
	int role; /* enum lw_role */
	double created;
	double expires; /* seconds since the epoch; 0: never */
};

struct lw_sessions {
	pthread_mutex_t mu;
	struct lw_token *head;
	size_t count;
	const struct lw_store *st; /* NULL: kept in memory only */
};

void lw_sessions_init(struct lw_sessions *ss);
void lw_sessions_free(struct lw_sessions *ss);
/* Reads every token of the store (at start, running the loop); expired ones
 * are dropped from it. 0 or LW_E*. */
int lw_sessions_load(struct lw_sessions *ss, const struct lw_store *st,
                     struct event_base *base);

/* Any thread: the entry of the token text (len bytes) into *out, if it is
 * known and not expired at now. 0 or LW_ENOENT. */
int lw_sessions_check(struct lw_sessions *ss, const char *text, size_t len, double now,
                      struct lw_token *out);

/* A new token's text (32 random bytes, Base64url) into text
 * (LW_TOKEN_TEXT_MAX), and its public id into id (LW_TOKEN_ID_LEN + 1).
 * 0 or LW_EIO. */
int lw_sessions_new_text(char *text, char *id);
/*
 * Loop thread. Keeps the token text (from lw_sessions_new_text) for owner;
 * expires 0 means never. done(arg, status) runs once the store made it
 * durable (at once without a store). 0 (done will run) or LW_E* (it will not).
 */
int lw_sessions_create(struct lw_sessions *ss, int kind, const char *owner, int role,
                       const char *label, double expires, const char *text,
                       void (*done)(void *arg, int status), void *arg);
/* Loop thread. Revokes the token of this id: 0 (done will run) or LW_ENOENT. */
int lw_sessions_revoke(struct lw_sessions *ss, const char *id,
                       void (*done)(void *arg, int status), void *arg);
/* Loop thread. Revokes every token of owner (a user removed); the store
 * forgets them in the background. */
void lw_sessions_revoke_owner(struct lw_sessions *ss, const char *owner);
/* Loop thread. Forgets the tokens expired at now, in memory and in the store. */
void lw_sessions_prune(struct lw_sessions *ss, double now);
/* Any thread: a copy of the entry of id. 0 or LW_ENOENT. */
int lw_sessions_get(struct lw_sessions *ss, const char *id, struct lw_token *out);

/* The API tokens (never sessions) of owner (NULL: everyone's), without
 * their secrets: [{"id", "name", "owner", "role", "created", "expires"}]. */
json_t *lw_sessions_json(struct lw_sessions *ss, const char *owner);

/*
 * Loop thread: ends the login sessions of owner except the one of id keep (NULL: all of them), after a password change;
 * API tokens stay, as they are credentials of their own, listed and revoked
 * one by one. The store forgets them in the background. How many ended.
 */
size_t lw_sessions_end_logins(struct lw_sessions *ss, const char *owner, const char *keep);

#endif
