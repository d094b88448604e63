/*
 * lwm2m/formats.h: which content format the server uses with one client:
 * to encode what it writes and to ask for (Accept) what it reads. The
 * choice follows the client's LwM2M version and the ct of its root link
 * (what it said it prefers at Register), unless the operator overrides it.
 * Pure functions of the client record: the choice table is unit tested.
 */
#ifndef LW_LWM2M_FORMATS_H
#define LW_LWM2M_FORMATS_H

#include <stdint.h>

#include <stddef.h>

#include "lwm2m/path.h"
#include "lwm2m/records.h"

struct lw_client;

/* What the payload is for. */
enum lw_format_use {
	LW_FMT_READ,      /* the Accept of Read, Observe */
	LW_FMT_WRITE,     /* the Content-Format of Write, Create */
	LW_FMT_COMPOSITE, /* Read/Write/Observe-Composite (SenML or LwM2M CBOR only) */
};

/* No Accept option: the client answers in the format it prefers. */
#define LW_FMT_NONE (-1)

/*
 * The content format for a request to c on path p (the target; type is the
 * resource's lw_type when known, else LW_TYPE_NONE). override >= 0 wins.
 * Returns a content-format number, or LW_FMT_NONE (a 1.0 Read of a single
 * resource: 1.0 clients pick text or TLV themselves). Never checks that a
 * codec is loaded: the caller does, and fails the operation if not.
 */
int lw_format_choose(const struct lw_client *c, enum lw_format_use use, const lw_path *p,
                     int type, int override);

/*
 * Decodes a payload with the codec of its content format into out, against
 * base (the request path). Returns 0; LW_ENOTSUP when no codec serves cf (or
 * it is the link format); LW_EINVAL with the codec's reason in why.
 */
struct lw_model;
int lw_format_decode(const struct lw_model *m, int cf, const lw_path *base,
                     const uint8_t *data, size_t len, lw_records *out, char *why,
                     size_t whylen);

#endif
