/*
 * lwm2m/registration.c: the registration interface (see registration.h).
 *
 * Real clients differ in what they send (DESIGN.md, "be liberal"): query
 * parameters come in any order and with names we do not know, versions as
 * "1.0" or "1.0.0", object lists with or without a Content-Format option,
 * with a root entry, versions and vendor objects. All of that is accepted;
 * what cannot be understood gets the precise 4.xx the spec names and a
 * diagnostic payload saying why.
 */
#include "lwm2m/registration.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "coap/resource.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/links.h"
#include "lwm2m/log.h"
#include "lwm2m/path.h"
#include "lwm2m/registry.h"

#define MAX_ENDPOINT 255
#define MAX_SMS 32
/* A Register payload of more links than this is refused (4.13). */
#define MAX_LINKS 4096

/* "1", "1.1", "1.1.0": major and minor (0..255). 0 or -1. */
static int parse_version(const char *s, uint8_t *major, uint8_t *minor)
{
	unsigned v[3] = {0, 0, 0};
	int parts = 0;
	while (parts < 3) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned n = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (unsigned)(*s++ - '0');
			if (n > 255)
				return -1;
		}
		v[parts++] = n;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return -1;
	}
	if (*s != '\0' || parts < 2)
		return -1;
	*major = (uint8_t)v[0];
	*minor = (uint8_t)v[1];
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	if (!*s)
		return -1;
	uint64_t n = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

static int valid_binding(const char *b)
{
	size_t n = strlen(b);
	if (n == 0 || n > LW_REG_BINDING_MAX)
		return 0;
	for (; *b; b++)
		if (!strchr("UQSTN", *b))
			return 0;
	return 1;
}

static int valid_sms(const char *s)
{
	size_t n = strlen(s);
	if (n > MAX_SMS)
		return 0;
	for (; *s; s++)
		if (!(*s >= '0' && *s <= '9') && *s != '+')
			return 0;
	return 1;
}

static int valid_endpoint(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MAX_ENDPOINT)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The query of a Register or Update. Values point into the storage. */
struct query {
	char store[1024];
	size_t used;
	const char *ep, *lt, *lwm2m, *b, *sms;
	int q;
};

/* Copies one Uri-Query option in as "name\0value\0". -1 when out of room. */
static int query_collect(const struct lw_coap_msg *req, struct query *q)
{
	memset(q, 0, sizeof(*q));
	for (const struct lw_coap_option *o = lw_coap_find(req, LW_COAP_OPT_URI_QUERY); o;
	     o = lw_coap_find_next(req, o)) {
		if ((size_t)o->len + 2 > sizeof(q->store) - q->used)
			return -1;
		char *kv = q->store + q->used;
		memcpy(kv, o->value, o->len);
		kv[o->len] = '\0';
		q->used += (size_t)o->len + 1;
		if (memchr(kv, '\0', o->len))
			continue; /* a NUL inside: nothing we know */
		char *eq = strchr(kv, '=');
		const char *val = "";
		if (eq) {
			*eq = '\0';
			val = eq + 1;
		}
		/* Later occurrences win; unknown names are ignored (1.2 adds some,
		 * vendors add their own). */
		if (strcmp(kv, "ep") == 0)
			q->ep = val;
		else if (strcmp(kv, "lt") == 0)
			q->lt = val;
		else if (strcmp(kv, "lwm2m") == 0)
			q->lwm2m = val;
		else if (strcmp(kv, "b") == 0)
			q->b = val;
		else if (strcmp(kv, "sms") == 0)
			q->sms = val;
		else if (strcmp(kv, "Q") == 0)
			q->q = 1;
	}
	return 0;
}

/* Strips one trailing '/' ("/lwm2m/" -> "/lwm2m"), for prefix matching. */
static size_t root_len(const char *t)
{
	size_t n = strlen(t);
	while (n > 1 && t[n - 1] == '/')
		n--;
	return n;
}

static int is_root_link(const struct lw_link *k)
{
	const char *rt = lw_link_attr(k, "rt");
	return rt && strcmp(rt, "oma.lwm2m") == 0;
}

int lw_registration_parse_objects(const uint8_t *data, size_t len, struct lw_reg_objects *out,
                                  char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->ct = LW_REG_NO_CT;
	if (len == 0)
		return 0;
	const struct lw_codec *codec = lw_codec_by_format(LW_CF_LINK);
	if (!codec || !codec->decode_links) {
		snprintf(why, whylen, "no link-format codec loaded (plugin codec-link)");
		return LW_ENOTSUP;
	}
	lw_links links;
	lw_links_init(&links);
	links.max_items = MAX_LINKS + 1;
	struct lw_codec_error err = {0};
	int rc = codec->decode_links(data, len, &links, &err);
	if (rc != 0) {
		if (rc == LW_EINVAL)
			snprintf(why, whylen, "bad link format at byte %zu: %s", err.offset,
			         err.message);
		else
			snprintf(why, whylen, "cannot read the object list: %s", lw_strerror(rc));
		lw_links_free(&links);
		return rc;
	}
	if (links.n > MAX_LINKS) {
		snprintf(why, whylen, "more than %d links", MAX_LINKS);
		lw_links_free(&links);
		return LW_EINVAL;
	}

	/* The root entry first: it may name an alternate path that prefixes
	 * every object link, and may come anywhere in the list. */
	const char *root = NULL;
	size_t rlen = 0;
	for (size_t i = 0; i < links.n; i++) {
		const struct lw_link *k = &links.items[i];
		if (!is_root_link(k))
			continue;
		const char *ct = lw_link_attr(k, "ct");
		if (ct) {
			/* 1.2 may list several formats ("60 110"): keep the first. */
			unsigned v = 0;
			int digits = 0;
			while (*ct >= '0' && *ct <= '9' && v <= 65535) {
				v = v * 10 + (unsigned)(*ct++ - '0');
				digits++;
			}
			if (digits && v < LW_REG_NO_CT)
				out->ct = (uint16_t)v;
		}
		rlen = root_len(k->target);
		if (!(rlen == 1 && k->target[0] == '/') && rlen > 0)
			root = k->target;
		break;
	}
	/* The root path goes into logs and JSON as it is: only plain URI
	 * path characters, so that it never needs escaping. */
	for (size_t i = 0; root && i < rlen; i++) {
		char ch = root[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("/-._~", ch))) {
			snprintf(why, whylen, "root path %.*s: only letters, digits and / - . _ ~",
			         (int)(rlen > 64 ? 64 : rlen), root);
			lw_links_free(&links);
			return LW_EINVAL;
		}
	}
	if (root && !(out->root = strndup(root, rlen))) {
		lw_links_free(&links);
		return LW_ENOMEM;
	}

	size_t n = 0;
	for (size_t i = 0; i < links.n; i++)
		n += !is_root_link(&links.items[i]);
	if (n) {
		out->links = malloc(n * sizeof(*out->links));
		if (!out->links) {
			free(out->root);
			out->root = NULL;
			lw_links_free(&links);
			return LW_ENOMEM;
		}
	}
	for (size_t i = 0; i < links.n; i++) {
		const struct lw_link *k = &links.items[i];
		if (is_root_link(k))
			continue;
		const char *t = k->target;
		if (root && strncmp(t, root, rlen) == 0 && t[rlen] == '/')
			t += rlen;
		lw_path p;
		/* Anything not an object or an instance (a resource, a foreign
		 * URI) is not part of the object list: skipped, not refused. */
		if (lw_path_parse(t, strlen(t), &p, NULL) != 0)
			continue;
		int depth = lw_path_depth(&p);
		if (depth < 1 || depth > 2)
			continue;
		struct lw_reg_link *o = &out->links[out->n++];
		o->oid = p.oid;
		o->iid = depth == 2 ? p.iid : LW_ID_NONE;
		o->ver_major = o->ver_minor = 0;
		const char *ver = lw_link_attr(k, "ver");
		if (ver && parse_version(ver, &o->ver_major, &o->ver_minor) != 0)
			o->ver_major = o->ver_minor = 0;
	}
	lw_links_free(&links);
	if (out->n == 0) {
		free(out->links);
		out->links = NULL;
	} else if (out->n < n) {
		void *shrunk = realloc(out->links, out->n * sizeof(*out->links));
		if (shrunk)
			out->links = shrunk;
	}
	return 0;
}

static void objects_drop(struct lw_reg_objects *o)
{
	free(o->links);
	free(o->root);
	memset(o, 0, sizeof(*o));
}

/* Content-Format 40 or none at all (some clients leave it out). */
static int payload_format_ok(const struct lw_coap_msg *req, uint32_t *cf)
{
	const struct lw_coap_option *o = lw_coap_find(req, LW_COAP_OPT_CONTENT_FORMAT);
	*cf = LW_CF_LINK;
	if (!o)
		return 1;
	if (lw_coap_opt_uint(o, cf) != 0)
		return 0;
	return *cf == LW_CF_LINK;
}

/* Parses the payload into p->objects; fills resp and returns -1 on error. */
static int read_objects(const struct lw_coap_msg *req, struct lw_coap_response *resp,
                        const struct lw_coap_peer *peer, const char *what,
                        struct lw_reg_params *p)
{
	uint32_t cf;
	if (!payload_format_ok(req, &cf)) {
		lw_coap_resp_refuse(resp, LW_COAP_UNSUPPORTED_CONTENT_FORMAT, peer, what,
		                    "object list must be application/link-format (40), not %u", cf);
		return -1;
	}
	char why[200];
	int rc = lw_registration_parse_objects(req->payload, req->payload_len, &p->objects, why,
	                                       sizeof(why));
	if (rc == LW_EINVAL) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what, "%s", why);
		return -1;
	}
	if (rc == LW_ENOTSUP) {
		lw_coap_resp_refuse(resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what, "%s", why);
		return -1;
	}
	if (rc != 0) {
		lw_coap_resp_refuse(resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what,
		                    "out of memory");
		return -1;
	}
	p->has_objects = 1;
	return 0;
}

/* lt, b, sms, Q: shared by Register and Update. -1 after lw_coap_resp_refuse(). */
static int common_params(const struct query *q, struct lw_coap_response *resp,
                         const struct lw_coap_peer *peer, const char *what, struct lw_reg_params *p)
{
	if (q->lt && (parse_u32(q->lt, &p->lifetime) != 0 || p->lifetime == 0)) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_BAD_REQUEST, peer, what,
		    "lifetime (lt) must be a whole number of seconds from 1 to 4294967295");
		return -1;
	}
	if (q->b && !valid_binding(q->b)) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_BAD_REQUEST, peer, what,
		    "binding (b) must be made of U, T, S, N, Q (at most %d letters)",
		    LW_REG_BINDING_MAX);
		return -1;
	}
	if (q->sms && !valid_sms(q->sms)) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what,
		                    "sms must be an MSISDN: digits and '+', at most %d", MAX_SMS);
		return -1;
	}
	p->binding = q->b;
	p->sms = q->sms;
	p->queue = q->q;
	return 0;
}

/*
 * Whether peer may speak for endpoint. Over DTLS the session authenticated
 * as one endpoint and may act for that one only; over plain CoAP an endpoint
 * that has a credential (or any, when credentials are required) must use
 * DTLS. 0, or -1 after a 4.03 and a log line naming both sides.
 */
static int identity_ok(struct lw_coap_response *resp, const struct lw_coap_peer *peer,
                       const char *what, const char *endpoint)
{
	struct lw_coap_endpoint *ep = peer->ep;
	if (ep->peer_identity) {
		const char *who = ep->peer_identity(ep, &peer->addr);
		if (who && strcmp(who, endpoint) == 0)
			return 0;
		lw_coap_resp_refuse(
		    resp, LW_COAP_FORBIDDEN, peer, what,
		    "the DTLS session authenticated as endpoint \"%.80s\", not \"%.80s\"",
		    who ? who : "(none)", endpoint);
		return -1;
	}
	if (ep->secure || !ep->unsecured_ok || ep->unsecured_ok(ep->unsecured_ctx, endpoint))
		return 0;
	lw_coap_resp_refuse(
	    resp, LW_COAP_FORBIDDEN, peer, what,
	    "endpoint \"%.80s\" must use DTLS (it has a credential, or credentials are "
	    "required)",
	    endpoint);
	return -1;
}

static void do_register(struct lw_registry *r, struct lw_coap_peer *peer,
                        const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	const char *what = "Register";
	struct query q;
	if (query_collect(req, &q) != 0) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what, "query too long");
		return;
	}
	if (!q.ep || !*q.ep) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what,
		                    "missing endpoint name: the query must have ep=NAME");
		return;
	}
	if (!valid_endpoint(q.ep)) {
		lw_coap_resp_refuse(
		    resp, LW_COAP_BAD_REQUEST, peer, what,
		    "endpoint name must be 1 to %d characters without control characters",
		    MAX_ENDPOINT);
		return;
	}
	if (identity_ok(resp, peer, what, q.ep) != 0)
		return;
	struct lw_reg_params p = {.endpoint = q.ep, .ver_major = 1, .ver_minor = 0};
	/* No lwm2m parameter: a 1.0 client (the parameter came with 1.1). */
	if (q.lwm2m && parse_version(q.lwm2m, &p.ver_major, &p.ver_minor) != 0) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what,
		                    "lwm2m version must look like 1.1 or 1.1.0");
		return;
	}
	if (p.ver_major != 1 || p.ver_minor > 2) {
		/* The spec's answer: the client retries with an older version. */
		lw_coap_resp_refuse(resp, LW_COAP_PRECONDITION_FAILED, peer, what,
		                    "LwM2M version %u.%u is not supported (1.0, 1.1, 1.2 are)",
		                    p.ver_major, p.ver_minor);
		return;
	}
	if (common_params(&q, resp, peer, what, &p) != 0)
		return;
	if (read_objects(req, resp, peer, what, &p) != 0)
		return;
	struct lw_client *c;
	if (lw_registry_register(r, &p, peer, &c) != 0) {
		objects_drop(&p.objects);
		lw_coap_resp_refuse(resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what,
		                    "out of memory");
		return;
	}
	resp->msg.code = LW_COAP_CREATED;
	lw_coap_resp_opt(resp, LW_COAP_OPT_LOCATION_PATH, "rd", 2);
	lw_coap_resp_opt(resp, LW_COAP_OPT_LOCATION_PATH, c->id, LW_REG_ID_LEN);
}

static void do_update(struct lw_registry *r, struct lw_client *c, struct lw_coap_peer *peer,
                      const struct lw_coap_msg *req, struct lw_coap_response *resp)
{
	const char *what = "Update";
	struct query q;
	if (query_collect(req, &q) != 0) {
		lw_coap_resp_refuse(resp, LW_COAP_BAD_REQUEST, peer, what, "query too long");
		return;
	}
	struct lw_reg_params p = {0};
	if (common_params(&q, resp, peer, what, &p) != 0)
		return;
	/* An Update without payload keeps the object list it had. */
	if (req->payload_len && read_objects(req, resp, peer, what, &p) != 0)
		return;
	if (lw_registry_update(r, c, &p, peer) != 0) {
		objects_drop(&p.objects);
		lw_coap_resp_refuse(resp, LW_COAP_INTERNAL_SERVER_ERROR, peer, what,
		                    "out of memory");
		return;
	}
	resp->msg.code = LW_COAP_CHANGED;
}

static void rd_handler(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                       const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	struct lw_registry *r = arg;
	/* Uri-Path is "rd" and, for Update and De-register, the id. */
	const struct lw_coap_option *seg = lw_coap_find(req, LW_COAP_OPT_URI_PATH);
	const struct lw_coap_option *id = seg ? lw_coap_find_next(req, seg) : NULL;
	if (id && lw_coap_find_next(req, id)) {
		resp->msg.code = LW_COAP_NOT_FOUND;
		return;
	}
	if (!id || id->len == 0) {
		if (req->code == LW_COAP_POST)
			do_register(r, peer, req, resp);
		else
			resp->msg.code = LW_COAP_METHOD_NOT_ALLOWED;
		return;
	}
	struct lw_client *c = lw_registry_find_id(r, (const char *)id->value, id->len);
	if (!c) {
		lw_coap_resp_refuse(resp, LW_COAP_NOT_FOUND, peer,
		                    req->code == LW_COAP_POST ? "Update" : "De-register",
		                    "no such registration (expired or replaced: register again)");
		return;
	}
	/* An Update or De-register names its registration by id: it must
	 * still come from whoever may speak for that endpoint. */
	if (identity_ok(resp, peer, req->code == LW_COAP_POST ? "Update" : "De-register",
	                c->endpoint) != 0)
		return;
	if (req->code == LW_COAP_POST) {
		do_update(r, c, peer, req, resp);
	} else if (req->code == LW_COAP_DELETE) {
		lw_registry_deregister(r, c);
		resp->msg.code = LW_COAP_DELETED;
	} else {
		resp->msg.code = LW_COAP_METHOD_NOT_ALLOWED;
	}
}

int lw_registration_attach(struct lw_coap_engine *e, struct lw_registry *r)
{
	return lw_coap_resource_add(e, "/rd", ";rt=\"core.rd\"",
	                            LW_COAP_METHOD(LW_COAP_POST) | LW_COAP_METHOD(LW_COAP_DELETE),
	                            rd_handler, r);
}

void lw_registration_detach(struct lw_coap_engine *e, struct lw_registry *r)
{
	(void)r;
	lw_coap_resource_remove(e, "/rd");
}
