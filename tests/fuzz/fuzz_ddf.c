/*
 * tests/fuzz/fuzz_ddf.c: libFuzzer harness for the DDF XML loader.
 *
 * Model folders hold files from anywhere, so lw_ddf_load_buffer() must cope
 * with any bytes: no crash, no leak, and all or nothing. Beyond memory
 * safety the harness checks the loader's promises and abort()s when one
 * breaks: a failure leaves the model empty and says "NAME:LINE: reason"; a
 * success adds definitions whose resources are sorted, unique, below 65535
 * and of known types and operations. Each input gets a fresh model.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/ddf.h"
#include "lwm2m/error.h"
#include "lwm2m/records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                \
	do {                                                                       \
		if (!(cond))                                                       \
			abort();                                                   \
	} while (0)

static const char name[] = "fuzz.xml";

/* strlen reads every byte: ASan checks the strings lie in owned memory. */
static size_t text_len(const char *s)
{
	CHECK(s != NULL);
	return strlen(s);
}

static void check_def(const struct lw_object_def *o)
{
	CHECK(o->id != LW_ID_NONE);
	CHECK(o->multiple <= 1 && o->mandatory <= 1);
	CHECK(text_len(o->version) > 0 && text_len(o->lwm2m_version) > 0);
	text_len(o->name);
	text_len(o->urn);
	text_len(o->description);
	CHECK(strcmp(o->source, name) == 0);
	CHECK(o->n_resources == 0 || o->resources != NULL);
	for (size_t k = 0; k < o->n_resources; k++) {
		const struct lw_resource_def *r = &o->resources[k];
		CHECK(r->id != LW_ID_NONE);
		CHECK(k == 0 || r->id > o->resources[k - 1].id);
		CHECK(r->type <= LW_TYPE_CORELNK);
		CHECK(r->ops <= LW_OPS_E && r->ops != (LW_OPS_RW | LW_OPS_E));
		CHECK(r->multiple <= 1 && r->mandatory <= 1);
		text_len(r->name);
		text_len(r->range);
		text_len(r->units);
		text_len(r->description);
		CHECK(lw_object_resource(o, r->id) == r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lw_model *m = lw_model_new();
	char err[256];

	CHECK(m != NULL);
	int rc = lw_ddf_load_buffer(m, name, data, size, err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == LW_EINVAL || rc == LW_ENOMEM);
		CHECK(lw_model_count(m) == 0);
		/* "fuzz.xml:LINE: reason" */
		CHECK(strncmp(err, name, sizeof(name) - 1) == 0 && err[sizeof(name) - 1] == ':');
		char *end;
		long line = strtol(err + sizeof(name), &end, 10);
		CHECK(line > 0 && end[0] == ':' && end[1] == ' ' && end[2] != '\0');
	} else {
		CHECK(rc > 0 && err[0] == '\0');
		/* Same id and version in one file is refused, so each object is new. */
		CHECK(lw_model_count(m) == (size_t)rc);
		for (size_t i = 0; i < lw_model_count(m); i++)
			check_def(lw_model_at(m, i));
	}
	lw_model_free(m);
	return 0;
}
