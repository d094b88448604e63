/* lwm2m/op_json.c: operation requests and results as JSON (see op_json.h). */
#include "lwm2m/op_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/message.h"
#include "lwm2m/error.h"
#include "lwm2m/records_json.h"

int lw_op_kind_parse(const char *name)
{
	for (int k = 0; k < LW_OP_KIND_COUNT; k++)
		if (strcmp(lw_op_kind_name(k), name) == 0)
			return k;
	return -1;
}

static json_t *paths_to_json(const lw_path *paths, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		char s[LW_PATH_MAX_TEXT];
		lw_path_format(&paths[i], s, sizeof(s));
		json_array_append_new(arr, json_string(s));
	}
	return arr;
}

json_t *lw_op_request_to_json(const struct lw_op_request *req)
{
	json_t *j = json_pack("{s:s, s:s, s:o, s:i, s:I}", "endpoint", req->endpoint, "kind",
	                      lw_op_kind_name(req->kind), "paths",
	                      paths_to_json(req->paths, req->n_paths), "format", req->format,
	                      "timeoutMs", (json_int_t)req->timeout_ms);
	if (!j)
		return NULL;
	json_t *arr = NULL;
	if (req->records && lw_records_to_json(req->records, &arr) == 0)
		json_object_set_new(j, "records", arr);
	if (req->attrs) {
		json_t *a = json_object();
		for (int i = 0; a && i < LW_ATTR_COUNT; i++) {
			if (req->attrs->set & (1u << i))
				json_object_set_new(a, lw_attr_name(i), json_real(req->attrs->v[i]));
			else if (req->attrs->clear & (1u << i))
				json_object_set_new(a, lw_attr_name(i), json_null());
		}
		json_object_set_new(j, "attrs", a);
	}
	if (req->args)
		json_object_set_new(j, "args", json_string(req->args));
	return j;
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	return LW_EINVAL;
}

int lw_op_request_from_json(const json_t *j, struct lw_op_saved *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	lw_records_init(&out->records);
	const char *ep, *kind, *args = NULL;
	json_t *paths, *records = NULL, *attrs = NULL;
	int format = -1;
	json_int_t timeout = 0;
	json_error_t jerr;
	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:s, s:s, s:o, s?i, s?I, s?o, s?o, s?s}",
	                   "endpoint", &ep, "kind", &kind, "paths", &paths, "format", &format,
	                   "timeoutMs", &timeout, "records", &records, "attrs", &attrs, "args",
	                   &args) != 0)
		return fail(err, errlen, jerr.text);
	int k = lw_op_kind_parse(kind);
	if (k < 0)
		return fail(err, errlen, "unknown kind");
	if (!json_is_array(paths) || json_array_size(paths) == 0 ||
	    json_array_size(paths) > LW_OP_MAX_PATHS || timeout < 0 || timeout > UINT32_MAX)
		return fail(err, errlen, "bad paths or timeout");
	size_t n = json_array_size(paths);
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(paths, i));
		if (!s || lw_path_parse(s, strlen(s), &out->paths[i], NULL) != 0)
			return fail(err, errlen, "bad path");
	}
	out->endpoint = strdup(ep);
	out->args = args ? strdup(args) : NULL;
	if (!out->endpoint || (args && !out->args))
		return LW_ENOMEM;
	if (records) {
		int rc = lw_records_from_json(records, &out->records, err, errlen);
		if (rc)
			return rc;
	}
	if (attrs) {
		const char *name;
		json_t *v;
		json_object_foreach(attrs, name, v) {
			int a = 0;
			while (a < LW_ATTR_COUNT && strcmp(lw_attr_name(a), name) != 0)
				a++;
			if (a == LW_ATTR_COUNT || (!json_is_null(v) && !json_is_number(v)))
				return fail(err, errlen, "bad attribute");
			if (json_is_null(v)) {
				out->attrs.clear |= 1u << a;
			} else {
				out->attrs.set |= 1u << a;
				out->attrs.v[a] = json_number_value(v);
			}
		}
	}
	out->req = (struct lw_op_request){
		.endpoint = out->endpoint, .kind = k, .paths = out->paths, .n_paths = n,
		.records = records ? &out->records : NULL, .attrs = attrs ? &out->attrs : NULL,
		.args = out->args, .format = format, .timeout_ms = (uint32_t)timeout};
	return 0;
}

void lw_op_saved_free(struct lw_op_saved *s)
{
	free(s->endpoint);
	free(s->args);
	lw_records_free(&s->records);
	memset(s, 0, sizeof(*s));
}

json_t *lw_op_result_to_json(const struct lw_op_result *r, int wire)
{
	json_t *j = json_object();
	if (!j)
		return NULL;
	if (wire) {
		json_object_set_new(j, "endpoint", json_string(r->endpoint));
		json_object_set_new(j, "statusCode", json_integer(r->status));
		json_object_set_new(j, "coapCode", json_integer(r->code));
		json_object_set_new(j, "contentFormat", json_integer(r->content_format));
	}
	char path[LW_PATH_MAX_TEXT], code[5];
	lw_path_format(&r->path, path, sizeof(path));
	json_object_set_new(j, "id", json_integer((json_int_t)r->id));
	json_object_set_new(j, "kind", json_string(lw_op_kind_name(r->kind)));
	json_object_set_new(j, "path", json_string(path));
	json_object_set_new(j, "status", json_string(lw_op_status_text(r->status, r->code, code)));
	if (r->replaces)
		json_object_set_new(j, "replaces", json_integer((json_int_t)r->replaces));
	if (r->status == LW_EINVAL && r->code)
		json_object_set_new(j, "code", json_string(lw_coap_code_str(r->code, code)));
	if (r->message)
		json_object_set_new(j, "message", json_string(r->message));
	if (r->location)
		json_object_set_new(j, "location", json_string(r->location));
	json_t *arr = NULL;
	if (r->records && r->records->n && lw_records_to_json(r->records, &arr) == 0)
		json_object_set_new(j, "records", arr);
	arr = NULL;
	if (r->links && lw_links_to_json(r->links, &arr) == 0)
		json_object_set_new(j, "links", arr);
	return j;
}

int lw_op_result_from_json(const json_t *j, struct lw_op_result_saved *out)
{
	memset(out, 0, sizeof(*out));
	lw_records_init(&out->records);
	lw_links_init(&out->links);
	const char *ep, *kind, *path, *location = NULL, *message = NULL;
	json_int_t id, status, code = 0, cf = -1, replaces = 0;
	json_t *records = NULL, *links = NULL;
	if (json_unpack((json_t *)j, "{s:I, s:s, s:s, s:s, s:I, s?I, s?I, s?I, s?s, s?s, s?o, s?o}",
	                "id", &id, "endpoint", &ep, "kind", &kind, "path", &path, "statusCode",
	                &status, "coapCode", &code, "contentFormat", &cf, "replaces", &replaces,
	                "location", &location, "message", &message, "records", &records,
	                "links", &links) != 0)
		return LW_EINVAL;
	int k = lw_op_kind_parse(kind);
	lw_path p;
	char err[8];
	if (k < 0 || lw_path_parse(path, strlen(path), &p, NULL) != 0 || code < 0 || code > 255)
		return LW_EINVAL;
	out->endpoint = strdup(ep);
	out->location = location ? strdup(location) : NULL;
	out->message = message ? strdup(message) : NULL;
	if (!out->endpoint || (location && !out->location) || (message && !out->message))
		return LW_ENOMEM;
	if (records && lw_records_from_json(records, &out->records, err, sizeof(err)) != 0)
		return LW_EINVAL;
	if (links && lw_links_from_json(links, &out->links, err, sizeof(err)) != 0)
		return LW_EINVAL;
	out->res = (struct lw_op_result){
		.id = (uint64_t)id, .kind = k, .endpoint = out->endpoint, .path = p,
		.status = (int)status, .code = (uint8_t)code, .content_format = (int)cf,
		.records = records ? &out->records : NULL, .links = links ? &out->links : NULL,
		.location = out->location, .message = out->message, .replaces = (uint64_t)replaces};
	return 0;
}

void lw_op_result_saved_free(struct lw_op_result_saved *s)
{
	free(s->endpoint);
	free(s->location);
	free(s->message);
	lw_records_free(&s->records);
	lw_links_free(&s->links);
	memset(s, 0, sizeof(*s));
}
