/*
 * lwm2m/send.c: POST /dp (see send.h). The sender must be registered: the
 * client is found by its peer (peer->user), never by anything the payload
 * says, so a device can only report as itself. Answers (Transport spec,
 * Send operation): 2.04 Changed; 4.00 Bad Request for a payload that cannot
 * be read; 4.04 Not Found when the data is rejected, which is what a sender
 * without a registration gets (the spec lists no other refusal code).
 */
#include "lwm2m/send.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/engine.h"
#include "coap/peer.h"
#include "coap/resource.h"
#include "events.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/formats.h"
#include "lwm2m/log.h"
#include "lwm2m/ops.h"
#include "lwm2m/records_json.h"
#include "lwm2m/registry.h"

/* A Send holds at most this many values (a bound on what one datagram,
 * later a block-wise body, makes us allocate). */
#define SEND_MAX_RECORDS 4096

static void reply(struct lw_coap_response *resp, uint8_t code, const char *why)
{
	resp->msg.code = code;
	if (why) {
		resp->msg.payload = (const uint8_t *)why;
		resp->msg.payload_len = strlen(why);
	}
}

struct sent {
	const lw_records *recs;
	int cf;
};

/* The send event's members, made only when someone reads its JSON. */
static char *send_fields(void *ctx)
{
	const struct sent *sd = ctx;
	json_t *arr = NULL;
	if (lw_records_to_json(sd->recs, &arr) != 0)
		return NULL;
	json_t *j = json_pack("{s:i, s:o}", "format", sd->cf, "records", arr);
	char *s = lw_json_members(j);
	json_decref(j);
	return s;
}

static void publish(struct lw_operations *o, struct lw_client *c, const lw_records *recs, int cf)
{
	if (!o->events)
		return;
	struct sent sd = {recs, cf};
	lw_events_publish_lazy(o->events, LW_EVENT_SEND, c->endpoint, send_fields, &sd, recs);
}

static void on_dp(struct lw_coap_engine *e, struct lw_coap_peer *peer,
                  const struct lw_coap_msg *req, struct lw_coap_response *resp, void *arg)
{
	(void)e;
	struct lw_operations *o = arg;
	if (!o) {
		reply(resp, LW_COAP_SERVICE_UNAVAILABLE, NULL);
		return;
	}
	char path[64];
	if (lw_coap_uri_path(req, path, sizeof(path)) < 0 || strcmp(path, "/dp") != 0) {
		reply(resp, LW_COAP_NOT_FOUND, NULL);
		return;
	}
	struct lw_client *c = peer->user;
	if (!c) {
		reply(resp, LW_COAP_NOT_FOUND, "not registered");
		return;
	}
	lw_ops_wake(o, c);
	uint32_t cf = 0;
	const struct lw_coap_option *cfo = lw_coap_find(req, LW_COAP_OPT_CONTENT_FORMAT);
	if (!cfo || lw_coap_opt_uint(cfo, &cf) != 0) {
		reply(resp, LW_COAP_BAD_REQUEST, "a Content-Format is required");
		return;
	}
	if (cf != LW_CF_SENML_JSON && cf != LW_CF_SENML_CBOR && cf != LW_CF_LWM2M_CBOR) {
		reply(resp, LW_COAP_UNSUPPORTED_CONTENT_FORMAT,
		      "Send takes SenML JSON, SenML CBOR or LwM2M CBOR");
		return;
	}
	lw_records recs;
	lw_records_init(&recs);
	recs.max_items = SEND_MAX_RECORDS;
	char why[200];
	int rc = lw_format_decode(o->model, (int)cf, &LW_PATH_ROOT, req->payload, req->payload_len,
	                          &recs, why, sizeof(why));
	if (rc == LW_ENOTSUP) {
		reply(resp, LW_COAP_UNSUPPORTED_CONTENT_FORMAT, NULL);
	} else if (rc == LW_ENOMEM) {
		reply(resp, LW_COAP_INTERNAL_SERVER_ERROR, NULL);
	} else if (rc || recs.n == 0) {
		lw_log(LW_LOG_INFO, "endpoint %s: Send refused: %s", c->endpoint,
		       rc ? why : "no values");
		reply(resp, LW_COAP_BAD_REQUEST, NULL);
	} else {
		publish(o, c, &recs, (int)cf);
		reply(resp, LW_COAP_CHANGED, NULL);
	}
	lw_records_free(&recs);
}

int lw_send_attach(struct lw_coap_engine *e, struct lw_operations *o)
{
	return lw_coap_resource_add(e, "/dp", NULL, LW_COAP_METHOD(LW_COAP_POST), on_dp, o);
}

void lw_send_detach(struct lw_coap_engine *e)
{
	lw_coap_resource_remove(e, "/dp");
}
