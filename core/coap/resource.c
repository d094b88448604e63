/* coap/resource.c: routing requests to handlers, and /.well-known/core. */
#include "coap/resource.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

int lw_coap_resource_add(struct lw_coap_engine *e, const char *path, const char *link_attrs,
                         uint32_t methods, lw_coap_handler handler, void *arg)
{
	struct lw_coap_resource *r = calloc(1, sizeof(*r));
	if (!r)
		return LW_ENOMEM;
	r->path = strdup(path);
	r->link_attrs = strdup(link_attrs ? link_attrs : "");
	if (!r->path || !r->link_attrs) {
		free(r->path);
		free(r->link_attrs);
		free(r);
		return LW_ENOMEM;
	}
	r->methods = methods;
	r->handler = handler;
	r->arg = arg;
	struct lw_coap_resource **pp = &e->resources;
	while (*pp)
		pp = &(*pp)->next;
	*pp = r;
	return 0;
}

static void free_resource(struct lw_coap_resource *r)
{
	free(r->path);
	free(r->link_attrs);
	free(r);
}

int lw_coap_resource_remove(struct lw_coap_engine *e, const char *path)
{
	for (struct lw_coap_resource **pp = &e->resources; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->path, path) == 0) {
			struct lw_coap_resource *r = *pp;
			*pp = r->next;
			free_resource(r);
			return 0;
		}
	}
	return LW_ENOENT;
}

void lw_coap_resources_free(struct lw_coap_engine *e)
{
	while (e->resources) {
		struct lw_coap_resource *r = e->resources;
		e->resources = r->next;
		free_resource(r);
	}
}

/* Does the request's Uri-Path start with the segments of prefix? */
static size_t prefix_match(const struct lw_coap_msg *req, const char *prefix)
{
	const struct lw_coap_option *o = lw_coap_find(req, LW_COAP_OPT_URI_PATH);
	const char *p = prefix;
	size_t segs = 0;
	while (*p == '/')
		p++;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (!o || o->len != len || memcmp(o->value, p, len) != 0)
			return 0;
		segs++;
		o = lw_coap_find_next(req, o);
		p += len;
		while (*p == '/')
			p++;
	}
	return segs ? segs : 0;
}

static void well_known_core(struct lw_coap_engine *e, const struct lw_coap_msg *req,
                            struct lw_coap_response *resp)
{
	if (req->code != LW_COAP_GET) {
		resp->msg.code = LW_COAP_METHOD_NOT_ALLOWED;
		return;
	}
	char *out = e->text;
	size_t cap = sizeof(e->text), n = 0;
	for (struct lw_coap_resource *r = e->resources; r; r = r->next) {
		size_t need = strlen(r->path) + strlen(r->link_attrs) + 3;
		if (n + need >= cap)
			break;
		n += (size_t)snprintf(out + n, cap - n, "%s<%s>%s", n ? "," : "", r->path,
		                      r->link_attrs);
	}
	resp->msg.code = LW_COAP_CONTENT;
	lw_coap_resp_opt_uint(resp, LW_COAP_OPT_CONTENT_FORMAT, 40);
	resp->msg.payload = (const uint8_t *)out;
	resp->msg.payload_len = n;
}

void lw_coap_resource_dispatch(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                               const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	if (prefix_match(req, "/.well-known/core") == 2 &&
	    !lw_coap_find_next(req, lw_coap_find_next(req, lw_coap_find(req, LW_COAP_OPT_URI_PATH)))) {
		well_known_core(e, req, resp);
		return;
	}
	struct lw_coap_resource *best = NULL;
	size_t best_segs = 0;
	for (struct lw_coap_resource *r = e->resources; r; r = r->next) {
		size_t segs = prefix_match(req, r->path);
		if (segs > best_segs) {
			best = r;
			best_segs = segs;
		}
	}
	if (!best) {
		resp->msg.code = LW_COAP_NOT_FOUND;
		return;
	}
	if (!(best->methods & LW_COAP_METHOD(req->code))) {
		resp->msg.code = LW_COAP_METHOD_NOT_ALLOWED;
		return;
	}
	best->handler(e, peer, req, resp, best->arg);
}
