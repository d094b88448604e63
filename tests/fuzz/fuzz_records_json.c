/*
 * tests/fuzz/fuzz_records_json.c: libFuzzer harness for the records reader
 * (lw_records_from_json, core/lwm2m/records_json.c), which judges REST request
 * bodies. The bytes go through json_loadb (duplicate keys refused, as the REST
 * server does) and then the reader. Beyond memory safety: a refusal has a
 * message naming "records"; what is accepted must write back as JSON
 * (lw_records_to_json) and read again to the very same records. The same
 * bytes also go through the links reader under the same rules. Any broken
 * expectation calls abort().
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "lwm2m/records_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

static int same_double(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static void same_records(const lw_records *a, const lw_records *b)
{
	CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++) {
		const lw_record *x = &a->items[i], *y = &b->items[i];
		CHECK(lw_path_equal(&x->path, &y->path));
		CHECK(x->type == y->type);
		CHECK(x->has_time == y->has_time);
		if (x->has_time)
			CHECK(same_double(x->time, y->time));
		switch (x->type) {
		case LW_TYPE_STRING:
		case LW_TYPE_OPAQUE:
		case LW_TYPE_CORELNK:
			CHECK(x->v.s.len == y->v.s.len);
			CHECK(x->v.s.len == 0 || memcmp(x->v.s.data, y->v.s.data, x->v.s.len) == 0);
			break;
		case LW_TYPE_INTEGER:
		case LW_TYPE_TIME:
			CHECK(x->v.i == y->v.i);
			break;
		case LW_TYPE_UNSIGNED:
			CHECK(x->v.u == y->v.u);
			break;
		case LW_TYPE_FLOAT:
			CHECK(same_double(x->v.f, y->v.f));
			break;
		case LW_TYPE_BOOLEAN:
			CHECK(x->v.b == y->v.b);
			break;
		case LW_TYPE_OBJLNK:
			CHECK(x->v.l.oid == y->v.l.oid && x->v.l.iid == y->v.l.iid);
			break;
		default:
			break;
		}
	}
}

static void records(const json_t *j)
{
	lw_records first, second;
	lw_records_init(&first);
	lw_records_init(&second);
	char err[256] = "";
	int rc = lw_records_from_json(j, &first, err, sizeof(err));
	if (rc) {
		CHECK(rc == LW_EINVAL);
		CHECK(strncmp(err, "records", 7) == 0);
	} else {
		json_t *out = NULL;
		CHECK(lw_records_to_json(&first, &out) == 0);
		char *text = lw_json_dumps(out, 0);
		CHECK(text);
		/* Through text too: what the REST server sends must read back. */
		json_error_t je;
		json_t *back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		CHECK(back);
		CHECK(lw_records_from_json(back, &second, err, sizeof(err)) == 0);
		same_records(&first, &second);
		free(text);
		json_decref(back);
		json_decref(out);
	}
	lw_records_free(&first);
	lw_records_free(&second);
}

static void links(const json_t *j)
{
	lw_links l;
	lw_links_init(&l);
	char err[256] = "";
	int rc = lw_links_from_json(j, &l, err, sizeof(err));
	if (rc) {
		CHECK(rc == LW_EINVAL);
		CHECK(strncmp(err, "links", 5) == 0);
	} else {
		json_t *out = NULL;
		CHECK(lw_links_to_json(&l, &out) == 0);
		char *text = lw_json_dumps(out, 2);
		CHECK(text);
		free(text);
		json_decref(out);
	}
	lw_links_free(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	                       &je);
	if (!j)
		return 0;
	records(j);
	links(j);
	json_decref(j);
	return 0;
}
