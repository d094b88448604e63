/*
 * lwm2m/records_json.h: records and links as the JSON of the REST API
 * (API.md), for the REST server, the event stream and lwm2mctl.
 *
 * A record is {"path": "/3303/0/5700", "type": "float", "value": 23.5,
 * "time": 1763750000.25}; a link is {"path": "/3/0/1", "attributes":
 * {"dim": 8}}. The readers are strict, because they judge request bodies:
 * every error names the element and the member ("records[2].value: expected
 * a number") so that it can go back to the client as it is.
 *
 * Ownership: *out of the writers is a new reference the caller json_decref()s;
 * the readers append copies to out (records/links own their bytes) and never
 * keep a pointer into the JSON.
 */
#ifndef LW_LWM2M_RECORDS_JSON_H
#define LW_LWM2M_RECORDS_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "lwm2m/links.h"
#include "lwm2m/records.h"

/*
 * The records as a JSON array. Values: string and corelnk as strings
 * (bytes that are not UTF-8 become U+FFFD), integer and time as integers,
 * unsigned as an integer (a decimal string above 2^63 - 1, which jansson
 * cannot hold), float as a number ("NaN", "Infinity", "-Infinity" as
 * strings), boolean, opaque as base64 (standard alphabet, padded), objlnk as
 * "3:0", none without "value". "time" only when has_time. Returns 0,
 * LW_ENOMEM, or LW_EINVAL for a record that cannot be written (a time that
 * is not finite, a type out of range).
 */
int lw_records_to_json(const lw_records *r, json_t **out);

/*
 * Reads an array as lw_records_to_json writes it and appends to out. Strict:
 * unknown members, a missing or wrong type, a path that is not a resource or
 * resource instance, a value of the wrong JSON type or out of range are each
 * an error; only integers are accepted where a float is expected (and the
 * strings above for the values JSON cannot hold). Returns 0, or LW_EINVAL
 * with "records[2].value: expected a number" in err, or LW_ENOMEM.
 */
int lw_records_from_json(const json_t *arr, lw_records *out, char *err, size_t errlen);

/*
 * The links as a JSON array of {"path": TARGET, "attributes": {...}}: path is
 * the target as written; an attribute value is a number when it was written
 * bare and reads back as the same text (8, 1.5, -3), a string otherwise, and
 * null for an attribute without a value. "ver" always stays a string: it is
 * a version ("1.1"), not a number.
 */
int lw_links_to_json(const lw_links *l, json_t **out);

/*
 * The reverse, appending to out. A string value is written back quoted when
 * the attribute is one that RFC 6690 and LwM2M quote (rt, if, anchor, rel,
 * rev, title, type, media) or when it needs quotes; numbers and "ver" bare.
 * Errors read "links[1].attributes.pmin: expected a number, a string or
 * null". Returns 0, LW_EINVAL or LW_ENOMEM.
 */
int lw_links_from_json(const json_t *arr, lw_links *out, char *err, size_t errlen);

/*
 * json_dumps() with reals in their shortest form that reads back to the same
 * double (0.1, not 0.10000000000000001), which jansson cannot do. indent 0
 * gives the compact form ("," and ":" without spaces), otherwise that many
 * spaces per level with ": " and one member per line like JSON_INDENT(n).
 * Object members keep their order. A malloc'd string, or NULL.
 */
char *lw_json_dumps(const json_t *j, int indent);
/* The members of object j, compact, without the braces ("\"a\":1,\"b\":2"): what
 * the event bus takes as an event's fields. A malloc'd string, or NULL. */
char *lw_json_members(const json_t *j);

#endif
