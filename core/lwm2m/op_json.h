/*
 * lwm2m/op_json.h: operation requests and results as JSON, for what outlives
 * the process or leaves it: operations queued for a sleeping device are kept
 * in the store across a restart, and in a cluster a request travels to the
 * node that holds the device and its result travels back.
 *
 * A request: {"endpoint": "dev1", "kind": "write", "paths": ["/3/0/15"],
 * "records": [...], "attrs": {"pmin": 5, "lt": null}, "args": "0='a'",
 * "format": -1, "timeoutMs": 60000} (an attribute null is cleared).
 * A result: the members of the `operation` event (id, kind, path, status,
 * code, message, location, records, links, replaces); on the wire also
 * "endpoint", "statusCode" (our status number), "coapCode" (the CoAP code
 * number) and "contentFormat".
 */
#ifndef LW_LWM2M_OP_JSON_H
#define LW_LWM2M_OP_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "lwm2m/ops.h"

/* A request read back from JSON; req points into the other members. */
struct lw_op_saved {
	struct lw_op_request req;
	char *endpoint;
	lw_path paths[LW_OP_MAX_PATHS];
	lw_records records;
	struct lw_attrs attrs;
	char *args;
};

/* A new reference, or NULL when out of memory. */
json_t *lw_op_request_to_json(const struct lw_op_request *req);
/* 0, or LW_EINVAL with the reason in err (LW_ENOMEM). Free out with
 * lw_op_saved_free() whatever the result. */
int lw_op_request_from_json(const json_t *j, struct lw_op_saved *out, char *err, size_t errlen);
void lw_op_saved_free(struct lw_op_saved *s);

/* The kind for its name ("read"), or -1. */
int lw_op_kind_parse(const char *name);

/* A result read back from JSON; res points into the other members. */
struct lw_op_result_saved {
	struct lw_op_result res;
	char *endpoint, *location, *message;
	lw_records records;
	lw_links links;
};

/* The members of the operation event; wire adds what lw_op_result_from_json
 * needs besides (endpoint, statusCode, coapCode, contentFormat). */
json_t *lw_op_result_to_json(const struct lw_op_result *res, int wire);
int lw_op_result_from_json(const json_t *j, struct lw_op_result_saved *out);
void lw_op_result_saved_free(struct lw_op_result_saved *s);

#endif
