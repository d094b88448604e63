/*
 * coap/resource.h: the server role's routing table. A resource is a Uri-Path
 * prefix ("/rd" serves /rd and /rd/...) with one handler; the longest prefix
 * wins. The engine answers GET /.well-known/core (RFC 6690) from this table.
 */
#ifndef LW_COAP_RESOURCE_H
#define LW_COAP_RESOURCE_H

#include "coap/engine.h"

struct lw_coap_resource {
	char *path;       /* "/rd" */
	char *link_attrs; /* e.g. ";rt=\"core.rd\"", listed in /.well-known/core */
	uint32_t methods; /* bit per request code (1 << LW_COAP_GET ...) */
	lw_coap_handler handler;
	void *arg;
	struct lw_coap_resource *next;
};

#define LW_COAP_METHOD(code) (1u << (code))

int lw_coap_resource_add(struct lw_coap_engine *e, const char *path, const char *link_attrs,
                         uint32_t methods, lw_coap_handler handler, void *arg);
/* Removes the resource at exactly path (a layer that stops before the
 * engine). 0, or LW_ENOENT. */
int lw_coap_resource_remove(struct lw_coap_engine *e, const char *path);
void lw_coap_resources_free(struct lw_coap_engine *e);
/* Routes a request: runs the handler, or fills a 4.04 / 4.05 answer. */
void lw_coap_resource_dispatch(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                               const struct lw_coap_msg *req, struct lw_coap_response *resp);

#endif
