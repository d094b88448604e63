/*
 * http/rest.c: the REST API's routing table, its JSON helpers and the
 * handlers that answer from core state (they run on the loop thread through
 * the bridge). Route patterns are fixed strings with {} for one path segment
 * (and a final {*} for the rest of the path),
 * matched in table order: a table is easier to read and to check against
 * API.md than a tree of ifs.
 */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <civetweb.h>

#include "coap/engine.h"
#include "daemon.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"

static void health(struct lw_http_req *r)
{
	struct lw_daemon *d = r->h->d;
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "status", "ok", "version", PACKAGE_VERSION,
	                      "uptime", (json_int_t)(time(NULL) - d->started), "clients",
	                      (json_int_t)lw_server_client_count(d));
	lw_http_reply_json(r, 200, o);
}

const struct lw_http_route lw_http_routes[] = {
	{"GET", "/api/v1/health", LW_ROUTE_PUBLIC, health, NULL},
	/* Users and tokens (users.c). Roles: LW_ROUTE_VIEWER, LW_ROUTE_OPERATOR,
	 * or neither for admins only (docs/rest.md, Authentication). */
	{"POST", "/api/v1/login", LW_ROUTE_PUBLIC | LW_ROUTE_JSON, NULL, lw_http_login},
	{"POST", "/api/v1/logout", LW_ROUTE_VIEWER, lw_http_logout, NULL},
	{"GET", "/api/v1/me", LW_ROUTE_VIEWER, lw_http_me, NULL},
	{"GET", "/api/v1/users", 0, lw_http_users_list, NULL},
	{"POST", "/api/v1/users", LW_ROUTE_JSON, NULL, lw_http_users_create},
	{"DELETE", "/api/v1/users/{}", 0, lw_http_users_delete, NULL},
	{"PUT", "/api/v1/users/{}/password", LW_ROUTE_VIEWER | LW_ROUTE_JSON, NULL,
	 lw_http_users_password},
	{"GET", "/api/v1/tokens", LW_ROUTE_VIEWER, lw_http_tokens_list, NULL},
	{"POST", "/api/v1/tokens", LW_ROUTE_VIEWER | LW_ROUTE_JSON, lw_http_tokens_create, NULL},
	{"DELETE", "/api/v1/tokens/{}", LW_ROUTE_VIEWER, lw_http_tokens_delete, NULL},
	{"GET", "/metrics", LW_ROUTE_PUBLIC, lw_http_metrics, NULL},
	{"GET", "/api/v1/clients", LW_ROUTE_VIEWER, lw_http_clients_list, NULL},
	{"GET", "/api/v1/clients/{}", LW_ROUTE_VIEWER, lw_http_client_get, NULL},
	{"GET", "/api/v1/events", LW_ROUTE_VIEWER, NULL, lw_http_sse_stream},
	{"GET", "/api/v1/objects", LW_ROUTE_VIEWER, lw_http_objects_list, NULL},
	{"GET", "/api/v1/objects/{}", LW_ROUTE_VIEWER, lw_http_object_get, NULL},
	{"GET", "/api/v1/security", LW_ROUTE_VIEWER, lw_http_security_list, NULL},
	{"GET", "/api/v1/security/{}", LW_ROUTE_VIEWER, lw_http_security_get, NULL},
	{"PUT", "/api/v1/security/{}", LW_ROUTE_JSON | LW_ROUTE_OPERATOR, lw_http_security_put, NULL},
	{"DELETE", "/api/v1/security/{}", LW_ROUTE_OPERATOR, lw_http_security_delete, NULL},
	{"GET", "/api/v1/bootstrap", LW_ROUTE_VIEWER, lw_http_bootstrap_list, NULL},
	{"GET", "/api/v1/bootstrap/{}", LW_ROUTE_VIEWER, lw_http_bootstrap_get, NULL},
	{"PUT", "/api/v1/bootstrap/{}", LW_ROUTE_JSON | LW_ROUTE_OPERATOR, lw_http_bootstrap_put, NULL},
	{"DELETE", "/api/v1/bootstrap/{}", LW_ROUTE_OPERATOR, lw_http_bootstrap_delete, NULL},
	{"POST", "/api/v1/bootstrap/{}/start", LW_ROUTE_OPERATOR, lw_http_bootstrap_start, NULL},
	/* Device management (ops.c): the fixed names before the catch-alls. */
	{"GET", "/api/v1/clients/{}/observations", LW_ROUTE_VIEWER, lw_http_op_observations, NULL},
	{"GET", "/api/v1/clients/{}/data", LW_ROUTE_VIEWER, lw_http_data, NULL},
	{"POST", "/api/v1/clients/{}/composite", LW_ROUTE_JSON | LW_ROUTE_OPERATOR, lw_http_op_composite, NULL},
	{"GET", "/api/v1/clients/{}/{*}", LW_ROUTE_VIEWER, lw_http_op_get, NULL},
	{"PUT", "/api/v1/clients/{}/{*}", LW_ROUTE_JSON | LW_ROUTE_OPERATOR, lw_http_op_put, NULL},
	{"POST", "/api/v1/clients/{}/{*}", LW_ROUTE_JSON | LW_ROUTE_OPERATOR, lw_http_op_post, NULL},
	{"DELETE", "/api/v1/clients/{}/{*}", LW_ROUTE_OPERATOR, lw_http_op_delete, NULL},
};
const size_t lw_http_n_routes = sizeof(lw_http_routes) / sizeof(lw_http_routes[0]);

int lw_http_match(const char *pattern, const char *path, struct lw_http_req *r)
{
	int n = 0;
	const char *p = pattern, *s = path;
	while (*p && *s) {
		if (strcmp(p, "{*}") == 0) {
			/* The rest of the path, slashes and all (an LwM2M path). */
			size_t len = strlen(s);
			if (n >= LW_HTTP_MAX_PARAMS || len >= sizeof(r->params[0]))
				return 0;
			if (r) {
				memcpy(r->params[n], s, len + 1);
				r->n_params = n + 1;
			}
			return 1;
		}
		if (p[0] == '{' && p[1] == '}') {
			const char *end = strchr(s, '/');
			size_t len = end ? (size_t)(end - s) : strlen(s);
			if (len == 0 || n >= LW_HTTP_MAX_PARAMS || len >= sizeof(r->params[0]))
				return 0;
			if (r) {
				memcpy(r->params[n], s, len);
				r->params[n][len] = '\0';
			}
			n++;
			p += 2;
			s += len;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	/* One trailing slash is forgiven: /api/v1/clients/ is /api/v1/clients. */
	if (*p || (*s && strcmp(s, "/") != 0))
		return 0;
	if (r)
		r->n_params = n;
	return 1;
}

int lw_http_qvar(const struct lw_http_req *r, const char *name, char *out, size_t len)
{
	out[0] = '\0';
	if (!r->query)
		return 0;
	int n = mg_get_var(r->query, strlen(r->query), name, out, len);
	if (n == -1)
		return 0;
	return n < 0 ? -1 : 1;
}

char *lw_http_error_json(const char *code, const char *message)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "message", message);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return s;
}

int lw_http_parse_json(const char *buf, size_t len, json_t **out, char *msg, size_t msglen)
{
	json_error_t e;
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &e);
	if (*out)
		return 0;
	snprintf(msg, msglen, "malformed JSON at line %d, column %d: %s", e.line, e.column,
	         e.text);
	return -1;
}

void lw_http_reply_text(struct lw_http_req *r, int status, const char *ctype, char *text,
                        size_t len)
{
	free(r->out);
	r->status = status;
	r->ctype = ctype;
	r->out = text;
	r->out_len = len;
}

void lw_http_reply_json(struct lw_http_req *r, int status, json_t *body)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!s) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	lw_http_reply_text(r, status, "application/json", s, strlen(s));
}

void lw_http_reply_error(struct lw_http_req *r, int status, const char *code, const char *fmt,
                         ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	char *s = lw_http_error_json(code, msg);
	if (!s) {
		/* Out of memory: a fixed body still keeps the shape. */
		static const char oom[] = "{\"error\":\"internal\",\"message\":\"out of memory\"}";
		s = strdup(oom);
		status = 500;
	}
	lw_http_reply_text(r, status, "application/json", s, s ? strlen(s) : 0);
}
