/*
 * http/ops.c: the device-management routes of the REST API (Read, Write,
 * Execute, Create, Delete, Discover, Write-Attributes, Observe and the
 * composites) on top of lw_ops_submit. Handlers run on the loop thread; the
 * device answers later, so they defer their answer (bridge.c) and the
 * operation's callback writes it. Operations on a queue-mode client that is
 * asleep answer 202 at once unless the caller asked to wait.
 */
#include "http/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "daemon.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model.h"
#include "lwm2m/observe.h"
#include "lwm2m/ops.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"
#include "lwm2m/server.h"
#include "storage/service.h"

#define MAX_WAIT_S 3600 /* timeout= and wait= above this are refused */

static const struct {
	const char *name;
	int cf;
} formats[] = {
	{"text", LW_CF_TEXT},           {"opaque", LW_CF_OPAQUE},
	{"tlv", LW_CF_TLV},             {"json", LW_CF_JSON},
	{"senml-json", LW_CF_SENML_JSON}, {"senml-cbor", LW_CF_SENML_CBOR},
	{"lwm2m-cbor", LW_CF_LWM2M_CBOR},
};

/* The query's options that every operation takes. */
struct op_query {
	int format;     /* -1: automatic */
	int timeout_s;  /* 0: the default */
	int wait_s;     /* 0: none */
	char mode[16];
};

static int seconds(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!s[0] || *end || v < 1 || v > MAX_WAIT_S)
		return -1;
	*out = (int)v;
	return 0;
}

/* 0, or -1 after answering 400. */
static int parse_query(struct lw_http_req *r, struct op_query *q)
{
	char v[64];
	memset(q, 0, sizeof(*q));
	q->format = -1;
	int n = lw_http_qvar(r, "format", v, sizeof(v));
	if (n > 0) {
		for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			if (strcmp(v, formats[i].name) == 0)
				q->format = formats[i].cf;
		if (q->format < 0)
			goto bad_format;
	} else if (n < 0) {
		goto bad_format;
	}
	if ((n = lw_http_qvar(r, "timeout", v, sizeof(v))) != 0 && (n < 0 || seconds(v, &q->timeout_s))) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "timeout must be whole seconds from 1 to %d", MAX_WAIT_S);
		return -1;
	}
	if ((n = lw_http_qvar(r, "wait", v, sizeof(v))) != 0 && (n < 0 || seconds(v, &q->wait_s))) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "wait must be whole seconds from 1 to %d", MAX_WAIT_S);
		return -1;
	}
	if (lw_http_qvar(r, "mode", q->mode, sizeof(q->mode)) < 0) {
		lw_http_reply_error(r, 400, "bad-request", "mode must be replace or update");
		return -1;
	}
	return 0;
bad_format:
	lw_http_reply_error(r, 400, "bad-request",
	                    "format must be one of text, opaque, tlv, json, senml-json, "
	                    "senml-cbor, lwm2m-cbor");
	return -1;
}

static void coap_code_text(uint8_t code, char *out, size_t len)
{
	snprintf(out, len, "%u.%02u", (unsigned)(code >> 5), (unsigned)(code & 31));
}

/* An error answer that carries the device's CoAP code in "status". */
static void reply_coap_error(struct lw_http_req *r, uint8_t code, const char *message)
{
	static const struct {
		uint8_t code;
		int http;
		const char *name;
	} map[] = {
		{0x80, 400, "bad-request"},        /* 4.00 */
		{0x81, 403, "unauthorized"},       /* 4.01 */
		{0x83, 403, "forbidden"},          /* 4.03 */
		{0x84, 404, "not-found"},          /* 4.04 */
		{0x85, 405, "method-not-allowed"}, /* 4.05 */
		{0x86, 406, "not-acceptable"},     /* 4.06 */
		{0x8f, 415, "unsupported-content-format"}, /* 4.15 */
	};
	int http = (code >> 5) == 5 ? 502 : 400;
	const char *name = (code >> 5) == 5 ? "device-error" : "device-refused";
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].code == code) {
			http = map[i].http;
			name = map[i].name;
		}
	char st[8];
	coap_code_text(code, st, sizeof(st));
	char msg[200];
	snprintf(msg, sizeof(msg), "the device answered %s%s%s", st, message ? ": " : "",
	         message ? message : "");
	json_t *o = json_pack("{s:s, s:s, s:s}", "error", name, "message", msg, "status", st);
	lw_http_reply_json(r, http, o);
}

/* The operation's result as the HTTP answer (loop thread). */
static void reply_result(struct lw_http_req *r, const struct lw_op_result *res)
{
	const char *msg = res->message;
	switch (res->status) {
	case 0:
		break;
	case LW_ETIMEDOUT:
		lw_http_reply_error(r, 504, "timeout", "the device did not answer in time");
		return;
	case LW_ENOENT:
		if (msg && strstr(msg, "observation"))
			lw_http_reply_error(r, 404, "not-found", "%s", msg);
		else
			lw_http_reply_error(r, 404, "not-registered",
			                    "no client named \"%s\" is registered", res->endpoint);
		return;
	case LW_ENOSPC:
		lw_http_reply_error(r, 429, "queue-full", "%s",
		                    msg ? msg : "the client's operation queue is full");
		return;
	case LW_ENOTSUP:
		lw_http_reply_error(r, 415, "unsupported-format", "%s",
		                    msg ? msg : "no codec for that format");
		return;
	case LW_EINVAL:
		if (res->code)
			lw_http_reply_error(r, 502, "bad-answer", "%s",
			                    msg ? msg : "the device's answer cannot be decoded");
		else
			lw_http_reply_error(r, 400, "bad-request", "%s", msg ? msg : "bad request");
		return;
	case LW_EPROTO:
		lw_http_reply_error(r, 502, "reset", "the device reset the request");
		return;
	case LW_ECANCELED:
		lw_http_reply_error(r, 503, "canceled", "%s", msg ? msg : "the operation was canceled");
		return;
	case LW_EIO:
		lw_http_reply_error(r, 503, "unreachable", "%s",
		                    msg ? msg : "the device cannot be reached (its connection is "
		                                "closed): it must reconnect and Update");
		return;
	default:
		lw_http_reply_error(r, 500, "internal", "%s", msg ? msg : "operation failed");
		return;
	}
	if ((res->code >> 5) != 2) {
		reply_coap_error(r, res->code, msg);
		return;
	}
	char st[8];
	coap_code_text(res->code, st, sizeof(st));
	json_t *o = json_pack("{s:s}", "status", st);
	json_t *v = NULL;
	if (o && res->records) {
		if (lw_records_to_json(res->records, &v) != 0 || json_object_set_new(o, "records", v))
			goto oom;
	}
	if (o && res->links) {
		if (lw_links_to_json(res->links, &v) != 0 || json_object_set_new(o, "links", v))
			goto oom;
	}
	if (o && res->location && json_object_set_new(o, "location", json_string(res->location)))
		goto oom;
	if (o && (res->kind == LW_OP_OBSERVE || res->kind == LW_OP_OBSERVE_COMPOSITE))
		json_object_set_new(o, "id", json_integer((json_int_t)res->id));
	lw_http_reply_json(r, res->kind == LW_OP_CREATE ? 201 : 200, o);
	return;
oom:
	json_decref(o);
	lw_http_reply_error(r, 500, "internal", "out of memory");
}

static void on_result(void *arg, const struct lw_op_result *res)
{
	struct lw_http_req *r = arg;
	reply_result(r, res);
	lw_http_finish(r);
}

/*
 * A queue-mode client is asleep when the ops queue would hold an operation
 * for it: it has been silent for [coap] queue_awake, the same rule ops.c applies
 * before sending.
 */
static int client_asleep(struct lw_http_req *r, const char *ep)
{
	struct lw_registry *reg = lw_server_registry(r->h->d);
	struct lw_operations *ops = lw_server_ops(r->h->d);
	const struct lw_client *c = reg ? lw_registry_find_ep(reg, ep) : NULL;
	return c && ops && lw_ops_client_asleep(ops, c);
}

/* Submits and arranges the answer; req's pointers need only live for the call. */
static void submit(struct lw_http_req *r, struct lw_op_request *req, const struct op_query *q)
{
	struct lw_operations *ops = lw_server_ops(r->h->d);
	if (!ops) {
		lw_http_reply_error(r, 503, "unavailable", "the LwM2M server is not running");
		return;
	}
	req->endpoint = r->params[0];
	req->format = q->format;
	int asleep = client_asleep(r, req->endpoint);
	int secs = q->timeout_s;
	if (asleep && q->wait_s && (!secs || q->wait_s < secs))
		secs = q->wait_s;
	req->timeout_ms = (uint32_t)secs * 1000u;
	int wait_ms = secs ? secs * 1000 : (int)LW_OP_DEFAULT_TIMEOUT_MS;
	uint64_t id = 0;
	if (lw_storage_submit(r->h->d, req, on_result, r, &id) != 0)
		return; /* on_result already answered */
	if (asleep && !q->wait_s) {
		/* The result goes to the event stream only. */
		lw_storage_detach(r->h->d, id);
		lw_http_reply_json(r, 202, json_pack("{s:s, s:I}", "status", "queued", "id",
		                                     (json_int_t)id));
		return;
	}
	lw_http_defer(r, id, wait_ms);
}

/* The target of /api/v1/clients/{ep}/{*}: a path and an optional action suffix. */
static int target(struct lw_http_req *r, lw_path *p, const char **action)
{
	static const char *const actions[] = {"discover", "attributes", "observe"};
	char *rest = r->params[1];
	size_t len = strlen(rest);
	while (len > 1 && rest[len - 1] == '/')
		rest[--len] = '\0';
	*action = NULL;
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		size_t n = strlen(actions[i]);
		if (len > n && rest[len - n - 1] == '/' && strcmp(rest + len - n, actions[i]) == 0) {
			*action = actions[i];
			len -= n + 1;
			break;
		}
	}
	const char *why = NULL;
	if (lw_path_parse(rest, len, p, &why) != 0 || lw_path_depth(p) < 1) {
		lw_http_reply_error(r, 400, "bad-path", "%.*s is not an LwM2M path%s%s", (int)len,
		                    rest, why ? ": " : "", why ? why : "");
		return -1;
	}
	return 0;
}

static int is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* body.records into recs: 0, or -1 after answering 400. */
static int body_records(struct lw_http_req *r, lw_records *recs, int required)
{
	json_t *arr = r->body ? json_object_get(r->body, "records") : NULL;
	if (!arr) {
		if (!required)
			return 0;
		lw_http_reply_error(r, 400, "bad-request", "the body needs \"records\": [...]");
		return -1;
	}
	char err[200];
	if (!json_is_array(arr) || lw_records_from_json(arr, recs, err, sizeof(err)) != 0) {
		lw_http_reply_error(r, 400, "bad-records", "%s",
		                    json_is_array(arr) ? err : "\"records\" must be an array");
		return -1;
	}
	return 0;
}

static int body_is_object(struct lw_http_req *r, int required)
{
	if (!r->body && !required)
		return 0;
	if (!json_is_object(r->body)) {
		lw_http_reply_error(r, 400, "bad-request", "the body must be a JSON object");
		return -1;
	}
	return 0;
}

void lw_http_op_get(struct lw_http_req *r)
{
	struct op_query q;
	lw_path p;
	const char *action;
	if (parse_query(r, &q) || target(r, &p, &action))
		return;
	if (action && !is(action, "discover")) {
		lw_http_reply_error(r, 405, "method-not-allowed", "GET is not allowed on .../%s",
		                    action);
		return;
	}
	struct lw_op_request req = {.kind = action ? LW_OP_DISCOVER : LW_OP_READ,
	                            .paths = &p, .n_paths = 1};
	submit(r, &req, &q);
}

/* {"value": V} for one resource: the type comes from the object model. */
static int value_record(struct lw_http_req *r, const lw_path *p, json_t *v, lw_records *recs)
{
	int type = lw_path_depth(p) >= 3 ? lw_model_type(r->h->d->model, p) : LW_TYPE_NONE;
	if (type == LW_TYPE_NONE) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"value\" needs a resource path of a known type; "
		                    "send \"records\" instead");
		return -1;
	}
	char text[LW_PATH_MAX_TEXT];
	lw_path_format(p, text, sizeof(text));
	json_t *arr = json_pack("[{s:s, s:s, s:O}]", "path", text, "type", lw_type_name(type),
	                        "value", v);
	char err[200];
	int rc = arr ? lw_records_from_json(arr, recs, err, sizeof(err)) : LW_ENOMEM;
	json_decref(arr);
	if (rc == LW_ENOMEM) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return -1;
	}
	if (rc) {
		const char *why = strstr(err, ": ");
		lw_http_reply_error(r, 400, "bad-value", "%s is %s: %s", text, lw_type_name(type),
		                    why ? why + 2 : err);
		return -1;
	}
	return 0;
}

static void write_attrs(struct lw_http_req *r, const lw_path *p, const struct op_query *q)
{
	struct lw_attrs a;
	memset(&a, 0, sizeof(a));
	const char *key;
	json_t *v;
	json_object_foreach(r->body, key, v) {
		int i = 0;
		while (i < LW_ATTR_COUNT && strcmp(lw_attr_name(i), key) != 0)
			i++;
		if (i == LW_ATTR_COUNT) {
			lw_http_reply_error(r, 400, "bad-request", "unknown attribute \"%s\"", key);
			return;
		}
		if (json_is_null(v)) {
			a.clear |= 1u << i;
		} else if (json_is_number(v) || json_is_boolean(v)) {
			a.set |= 1u << i;
			a.v[i] = json_is_boolean(v) ? (json_is_true(v) ? 1 : 0) : json_number_value(v);
			/* Only gt, lt and st are real numbers; the others are whole
			 * seconds, counts or flags, and the device gets them as such. */
			int real = i == LW_ATTR_GT || i == LW_ATTR_LT || i == LW_ATTR_ST;
			if (!real && (a.v[i] < 0 || a.v[i] != (double)(long long)a.v[i])) {
				lw_http_reply_error(r, 400, "bad-value",
				                    "attribute \"%s\" must be a whole number >= 0", key);
				return;
			}
		} else {
			lw_http_reply_error(r, 400, "bad-value",
			                    "attribute \"%s\" must be a number or null", key);
			return;
		}
	}
	if (!(a.set | a.clear)) {
		lw_http_reply_error(r, 400, "bad-request", "no attributes in the body");
		return;
	}
	struct lw_op_request req = {.kind = LW_OP_WRITE_ATTRS, .paths = p, .n_paths = 1,
	                            .attrs = &a};
	submit(r, &req, q);
}

void lw_http_op_put(struct lw_http_req *r)
{
	struct op_query q;
	lw_path p;
	const char *action;
	if (parse_query(r, &q) || target(r, &p, &action) || body_is_object(r, 1))
		return;
	if (is(action, "attributes")) {
		write_attrs(r, &p, &q);
		return;
	}
	if (action) {
		lw_http_reply_error(r, 405, "method-not-allowed", "PUT is not allowed on .../%s",
		                    action);
		return;
	}
	int kind = LW_OP_WRITE;
	if (is(q.mode, "update"))
		kind = LW_OP_WRITE_UPDATE;
	else if (q.mode[0] && !is(q.mode, "replace")) {
		lw_http_reply_error(r, 400, "bad-request", "mode must be replace or update");
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	json_t *v = json_object_get(r->body, "value");
	int rc = v ? value_record(r, &p, v, &recs) : body_records(r, &recs, 1);
	if (!rc) {
		struct lw_op_request req = {.kind = kind, .paths = &p, .n_paths = 1,
		                            .records = &recs};
		submit(r, &req, &q);
	}
	lw_records_free(&recs);
}

void lw_http_op_post(struct lw_http_req *r)
{
	struct op_query q;
	lw_path p;
	const char *action;
	if (parse_query(r, &q) || target(r, &p, &action) || body_is_object(r, 0))
		return;
	int depth = lw_path_depth(&p);
	struct lw_op_request req = {.paths = &p, .n_paths = 1};
	if (is(action, "observe")) {
		req.kind = LW_OP_OBSERVE;
		submit(r, &req, &q);
		return;
	}
	if (action) {
		lw_http_reply_error(r, 405, "method-not-allowed", "POST is not allowed on .../%s",
		                    action);
		return;
	}
	if (depth == 1) {
		lw_records recs;
		lw_records_init(&recs);
		if (!body_records(r, &recs, 1)) {
			req.kind = LW_OP_CREATE;
			req.records = &recs;
			submit(r, &req, &q);
		}
		lw_records_free(&recs);
		return;
	}
	if (depth == 3) {
		json_t *args = r->body ? json_object_get(r->body, "args") : NULL;
		if (args && !json_is_string(args)) {
			lw_http_reply_error(r, 400, "bad-value", "\"args\" must be a string");
			return;
		}
		req.kind = LW_OP_EXECUTE;
		req.args = args ? json_string_value(args) : NULL;
		submit(r, &req, &q);
		return;
	}
	lw_http_reply_error(r, 405, "method-not-allowed",
	                    "POST creates on an object path or executes a resource path");
}

void lw_http_op_delete(struct lw_http_req *r)
{
	struct op_query q;
	lw_path p;
	const char *action;
	if (parse_query(r, &q) || target(r, &p, &action))
		return;
	struct lw_op_request req = {.paths = &p, .n_paths = 1};
	if (is(action, "observe")) {
		req.kind = LW_OP_CANCEL_OBSERVE;
	} else if (!action && lw_path_depth(&p) == 2) {
		req.kind = LW_OP_DELETE;
	} else {
		lw_http_reply_error(r, 405, "method-not-allowed",
		                    "DELETE removes an object instance or an observation");
		return;
	}
	submit(r, &req, &q);
}

void lw_http_op_composite(struct lw_http_req *r)
{
	struct op_query q;
	if (parse_query(r, &q) || body_is_object(r, 1))
		return;
	const char *op = json_string_value(json_object_get(r->body, "op"));
	static const struct {
		const char *name;
		int kind;
	} ops[] = {
		{"read", LW_OP_READ_COMPOSITE},
		{"write", LW_OP_WRITE_COMPOSITE},
		{"observe", LW_OP_OBSERVE_COMPOSITE},
		{"cancel-observe", LW_OP_CANCEL_OBSERVE_COMPOSITE},
	};
	int kind = -1;
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i].name) == 0)
			kind = ops[i].kind;
	if (kind < 0) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"op\" must be read, write, observe or cancel-observe");
		return;
	}
	lw_path paths[LW_OP_MAX_PATHS];
	size_t n = 0;
	json_t *arr = json_object_get(r->body, "paths");
	if (arr && (!json_is_array(arr) || json_array_size(arr) > LW_OP_MAX_PATHS)) {
		lw_http_reply_error(r, 400, "bad-request",
		                    "\"paths\" must be an array of at most %d paths",
		                    LW_OP_MAX_PATHS);
		return;
	}
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);
		const char *why = NULL;
		if (!s || lw_path_parse(s, strlen(s), &paths[n], &why) != 0) {
			lw_http_reply_error(r, 400, "bad-path", "paths[%zu] is not an LwM2M path",
			                    i);
			return;
		}
		n++;
	}
	lw_records recs;
	lw_records_init(&recs);
	if (body_records(r, &recs, kind == LW_OP_WRITE_COMPOSITE)) {
		lw_records_free(&recs);
		return;
	}
	/* A Write-Composite names its paths through its records. */
	for (size_t k = 0; !n && k < recs.n && k < LW_OP_MAX_PATHS; k++)
		paths[k] = recs.items[k].path;
	if (!n)
		n = recs.n < LW_OP_MAX_PATHS ? recs.n : LW_OP_MAX_PATHS;
	if (!n) {
		lw_http_reply_error(r, 400, "bad-request", "no paths");
		lw_records_free(&recs);
		return;
	}
	struct lw_op_request req = {.kind = kind, .paths = paths, .n_paths = n,
	                            .records = recs.n ? &recs : NULL};
	submit(r, &req, &q);
	lw_records_free(&recs);
}

void lw_http_op_observations(struct lw_http_req *r)
{
	struct lw_registry *reg = lw_server_registry(r->h->d);
	struct lw_client *c = reg ? lw_registry_find_ep(reg, r->params[0]) : NULL;
	if (!c) {
		lw_http_reply_error(r, 404, "not-registered", "no client named \"%s\" is registered",
		                    r->params[0]);
		return;
	}
	char *s = lw_observe_list_json(c);
	if (!s) {
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	lw_http_reply_text(r, 200, "application/json", s, strlen(s));
}
