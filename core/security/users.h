/*
 * security/users.h: the console's users, their roles and their passwords.
 *
 * A password is never kept: only "pbkdf2-sha256$ITER$SALT$HASH" (PBKDF2 with
 * HMAC-SHA256, a random 16-byte salt, Base64 parts), slow on purpose so that
 * a stolen store costs an attacker dearly per guess. Checking a password
 * takes tens of milliseconds: callers do it off the loop thread.
 *
 * The table is kept in memory and in the store (LW_ST_USERS, keyed by name).
 * Changes happen on the loop thread; lookups may come from any thread (the
 * HTTP workers check passwords), so the table has its own lock.
 */
#ifndef LW_SECURITY_USERS_H
#define LW_SECURITY_USERS_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "storage/backend.h"

struct event_base;

/* Roles, each with every right of the ones below it. */
enum lw_role {
	LW_ROLE_NONE = 0,
	LW_ROLE_VIEWER = 1,   /* looks: lists, details, reads of devices, events */
	LW_ROLE_OPERATOR = 2, /* acts on devices, credentials and bootstrap configurations */
	LW_ROLE_ADMIN = 3,    /* manages users and everyone's tokens */
};

#define LW_USER_NAME_MAX 64
#define LW_PASSWORD_MIN 8
#define LW_PASSWORD_MAX 256
#define LW_PBKDF2_ITER 100000
#define LW_PASSWORD_HASH_MAX 160

/* "viewer", "operator", "admin" (NULL for another value), and back (0). */
const char *lw_role_name(int role);
int lw_role_parse(const char *s);
/* 1 when name is 1 to 64 of [A-Za-z0-9._-]. */
int lw_user_name_valid(const char *name);

/* The stored form of password into out (LW_PASSWORD_HASH_MAX): 0 or LW_E*. */
int lw_password_hash(const char *password, char *out, size_t outlen);
/* 1 when password matches the stored form (compared in constant time). */
int lw_password_verify(const char *password, const char *stored);

struct lw_user {
	struct lw_user *next;
	char name[LW_USER_NAME_MAX + 1];
	int role;
	char hash[LW_PASSWORD_HASH_MAX];
	double created;
};

struct lw_users {
	pthread_mutex_t mu;
	struct lw_user *head; /* sorted by name */
	size_t count;
	const struct lw_store *st; /* NULL: kept in memory only */
};

void lw_users_init(struct lw_users *us);
void lw_users_free(struct lw_users *us);
/* Reads every user of the store (at start, running the loop). 0 or LW_E*. */
int lw_users_load(struct lw_users *us, const struct lw_store *st, struct event_base *base);

/* Any thread: a copy of name's entry into *out. 0 or LW_ENOENT. */
int lw_users_get(struct lw_users *us, const char *name, struct lw_user *out);
/* Any thread: how many users have role. */
size_t lw_users_count_role(struct lw_users *us, int role);

/*
 * Loop thread. Adds a user whose password is already hashed; done(arg,
 * status) runs once the store made it durable (at once without a store).
 * 0 (done will run), LW_EEXIST, LW_EINVAL, LW_ENOMEM or the store's refusal.
 */
int lw_users_add(struct lw_users *us, const char *name, int role, const char *hash,
                 void (*done)(void *arg, int status), void *arg);
/* Loop thread. Removes name: 0 (done will run) or LW_ENOENT. */
int lw_users_del(struct lw_users *us, const char *name, void (*done)(void *arg, int status),
                 void *arg);
/* [{"name", "role", "created"}] in name order, never the password's hash. */
json_t *lw_users_json(struct lw_users *us);

/*
 * Loop thread: gives name the password already hashed; done(arg, status) runs once the store made it durable (at once
 * without a store). 0 (done will run), LW_ENOENT, LW_EINVAL, LW_ENOMEM or
 * the store's refusal.
 */
int lw_users_set_password(struct lw_users *us, const char *name, const char *hash,
                          void (*done)(void *arg, int status), void *arg);

#endif
