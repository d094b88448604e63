/*
 * http/objects.c: GET /api/v1/objects and /api/v1/objects/{id}, the daemon's
 * object model (built-in definitions plus the DDF files it loaded), so that
 * the console and scripts can name objects and resources, know their types
 * and offer only the operations a resource allows. The model is read-only
 * once the daemon runs.
 */
#include "http/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records.h"

static const char *ops_name(int ops)
{
	switch (ops) {
	case LW_OPS_R: return "R";
	case LW_OPS_W: return "W";
	case LW_OPS_RW: return "RW";
	case LW_OPS_E: return "E";
	default: return "";
	}
}

static json_t *object_head(const struct lw_object_def *o)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:b, s:b, s:s?}", "id", (int)o->id, "name",
	                 o->name ? o->name : "", "version", o->version ? o->version : "1.0",
	                 "lwm2mVersion", o->lwm2m_version ? o->lwm2m_version : "1.0", "multiple",
	                 o->multiple != 0, "mandatory", o->mandatory != 0, "urn", o->urn);
}

void lw_http_objects_list(struct lw_http_req *r)
{
	const lw_model *m = r->h->d->model;
	json_t *list = json_array();
	size_t n = m ? lw_model_count(m) : 0;
	for (size_t i = 0; list && i < n; i++) {
		json_t *o = object_head(lw_model_at(m, i));
		if (!o || json_array_append_new(list, o) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	if (!list)
		lw_http_reply_error(r, 500, "internal", "out of memory");
	else
		lw_http_reply_json(r, 200, list);
}

void lw_http_object_get(struct lw_http_req *r)
{
	const lw_model *m = r->h->d->model;
	char *end;
	errno = 0;
	unsigned long id = strtoul(r->params[0], &end, 10);
	if (*end || errno || id > 65535 || r->params[0][0] == '-') {
		lw_http_reply_error(r, 400, "bad-request", "\"%s\" is not an object id",
		                    r->params[0]);
		return;
	}
	char version[32];
	if (lw_http_qvar(r, "version", version, sizeof(version)) < 0) {
		lw_http_reply_error(r, 400, "bad-request", "the version parameter is too long");
		return;
	}
	const struct lw_object_def *o =
		m ? lw_model_object(m, (uint16_t)id, version[0] ? version : NULL) : NULL;
	if (!o) {
		lw_http_reply_error(r, 404, "not-found", "object %lu%s%s is not in the model", id,
		                    version[0] ? " version " : "", version);
		return;
	}
	json_t *obj = object_head(o);
	json_t *res = json_array();
	if (obj && res && o->description)
		json_object_set_new(obj, "description", json_string(o->description));
	for (size_t i = 0; obj && res && i < o->n_resources; i++) {
		const struct lw_resource_def *d = &o->resources[i];
		json_t *x = json_pack("{s:i, s:s, s:s, s:s, s:b, s:b, s:s, s:s, s:s}", "id",
		                      (int)d->id, "name", d->name ? d->name : "", "type",
		                      lw_type_name(d->type), "operations", ops_name(d->ops),
		                      "multiple", d->multiple != 0, "mandatory", d->mandatory != 0,
		                      "units", d->units ? d->units : "", "range",
		                      d->range ? d->range : "", "description",
		                      d->description ? d->description : "");
		if (!x || json_array_append_new(res, x) != 0) {
			json_decref(res);
			res = NULL;
		}
	}
	if (!obj || !res || json_object_set_new(obj, "resources", res) != 0) {
		json_decref(obj);
		lw_http_reply_error(r, 500, "internal", "out of memory");
		return;
	}
	lw_http_reply_json(r, 200, obj);
}
