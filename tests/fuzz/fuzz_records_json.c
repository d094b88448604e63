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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec_fuzzkit.h"
#include "lwm2m/error.h"
#include "lwm2m/records_json.h"

/* JSON numbers: by value, and NaN stands for NaN (written as "NaN"). */
static void same_records(const lw_records *a, const lw_records *b)
{
	FK_CHECK(a->n == b->n);
	for (size_t i = 0; i < a->n; i++)
		FK_CHECK(fk_same_record(&a->items[i], &b->items[i], FK_ANY_NAN | FK_BY_VALUE));
}

static void records(const json_t *j)
{
	lw_records first, second;
	lw_records_init(&first);
	lw_records_init(&second);
	char err[256] = "";
	int rc = lw_records_from_json(j, &first, err, sizeof(err));
	if (rc) {
		FK_CHECK(rc == LW_EINVAL);
		FK_CHECK(strncmp(err, "records", 7) == 0);
	} else {
		json_t *out = NULL;
		FK_CHECK(lw_records_to_json(&first, &out) == 0);
		char *text = lw_json_dumps(out, 0);
		FK_CHECK(text);
		/* Through text too: what the REST server sends must read back. */
		json_error_t je;
		json_t *back = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
		FK_CHECK(back);
		FK_CHECK(lw_records_from_json(back, &second, err, sizeof(err)) == 0);
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
		FK_CHECK(rc == LW_EINVAL);
		FK_CHECK(strncmp(err, "links", 5) == 0);
	} else {
		json_t *out = NULL;
		FK_CHECK(lw_links_to_json(&l, &out) == 0);
		char *text = lw_json_dumps(out, 2);
		FK_CHECK(text);
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
