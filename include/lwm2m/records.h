/*
 * lwm2m/records.h: records, the one representation of LwM2M data inside
 * lwm2md. A payload in any content format becomes a flat list of records,
 * each one value at one full path (like SenML), and every codec turns records
 * back into bytes. Nothing outside the codecs parses payloads.
 *
 * Ownership: an lw_records owns its array and an arena holding the bytes of
 * its string, opaque and corelnk values; lw_bytes inside a record point into
 * that arena and stay valid until lw_records_clear() or lw_records_free().
 * Records are plain data: read their fields directly.
 */
#ifndef LWM2M_RECORDS_H
#define LWM2M_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/path.h"

/* LwM2M data types (Core specification, Appendix C). Numbers are stable. */
typedef enum lw_type {
	LW_TYPE_NONE = 0, /* no value: an executable resource, or unknown */
	LW_TYPE_STRING = 1,
	LW_TYPE_INTEGER = 2,
	LW_TYPE_UNSIGNED = 3,
	LW_TYPE_FLOAT = 4,
	LW_TYPE_BOOLEAN = 5,
	LW_TYPE_OPAQUE = 6,
	LW_TYPE_TIME = 7, /* seconds since the epoch, held in v.i */
	LW_TYPE_OBJLNK = 8,
	LW_TYPE_CORELNK = 9, /* link-format text, held in v.s */
} lw_type;

/* "string", "integer", ... (the REST API's names); "none" for LW_TYPE_NONE. */
LW_API const char *lw_type_name(int type);
/* The type for a REST or DDF name ("Integer", "integer", "Unsigned Integer",
 * "Objlnk", ...), or -1. */
LW_API int lw_type_parse(const char *name, size_t len);

typedef struct lw_bytes {
	const uint8_t *data; /* into the records' arena */
	size_t len;
} lw_bytes;

typedef struct lw_objlnk {
	uint16_t oid, iid;
} lw_objlnk;

typedef struct lw_record {
	lw_path path;
	uint8_t type;     /* lw_type */
	uint8_t has_time; /* time is set */
	uint16_t reserved;
	double time; /* seconds since the epoch, when has_time */
	union {
		int64_t i;  /* INTEGER, TIME */
		uint64_t u; /* UNSIGNED */
		double f;   /* FLOAT */
		bool b;     /* BOOLEAN */
		lw_bytes s; /* STRING, OPAQUE, CORELNK */
		lw_objlnk l; /* OBJLNK */
	} v;
} lw_record;

struct lw_arena_chunk;

typedef struct lw_records {
	lw_record *items;
	size_t n, cap;
	struct lw_arena_chunk *arena; /* private to records.c */
	size_t max_items; /* 0: no limit; else lw_records_add fails past it */
} lw_records;

LW_API void lw_records_init(lw_records *r);
/* Forgets every record and the arena's contents, keeping the memory. */
LW_API void lw_records_clear(lw_records *r);
LW_API void lw_records_free(lw_records *r);
/* Appends a zeroed record (type NONE, path root). NULL when out of memory or
 * past max_items. The pointer is valid until the next add. */
LW_API lw_record *lw_records_add(lw_records *r);
/* Copies len bytes into the arena and points rec->v.s at them (type kept). */
LW_API int lw_records_set_bytes(lw_records *r, lw_record *rec, const void *data, size_t len);
/* Appends a record with a copy of src's value (bytes copied into r's arena).
 * LW_ENOSPC past max_items, LW_ENOMEM when out of memory. */
LW_API int lw_records_append_copy(lw_records *r, const lw_record *src);
/* Sorts by path (stable), as encoders that group by object need. */
LW_API void lw_records_sort(lw_records *r);

#endif
