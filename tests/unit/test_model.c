/*
 * tests/unit/test_model.c: the object model (core/lwm2m/model.c) and the
 * built-in definitions (core/lwm2m/objects.c). The built-ins are written by
 * hand, so the test that matters most holds each one against the OMA
 * registry's DDF file of the same version ($LW_OMA_MODELS): same resources,
 * names, types, operations and instance rules. The rest covers lookups by
 * id and version, types by path, version order and replacement.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "lwm2m/ddf.h"
#include "lwm2m/error.h"
#include "lwm2m/model.h"
#include "lwm2m/model_int.h"
#include "lwm2m/records.h"

#define NONE LW_ID_NONE

static lw_model *m;

static void setup(void)
{
	m = lw_model_new();
	cr_assert_not_null(m);
}

static void teardown(void)
{
	lw_model_free(m);
	m = NULL;
	th_check_leaks();
}

TestSuite(model, .init = setup, .fini = teardown);

/* The objects the issue asks to be built in. */
static const uint16_t builtin_ids[] = {0, 1, 2, 3, 4, 5, 6, 7, 9, 21, 3303, 3304, 3313};
#define N_BUILTIN (sizeof(builtin_ids) / sizeof(builtin_ids[0]))

static const char *models_dir(void)
{
	const char *d = getenv("LW_OMA_MODELS");
	return d && *d ? d : NULL;
}

Test(model, builtin_has_every_core_object)
{
	cr_assert_eq(lw_model_add_builtin(m), 0);
	cr_assert_eq(lw_model_count(m), N_BUILTIN);
	for (size_t i = 0; i < N_BUILTIN; i++) {
		const struct lw_object_def *o = lw_model_object(m, builtin_ids[i], NULL);
		cr_assert_not_null(o, "object %u is not built in", builtin_ids[i]);
		cr_assert_eq(o->id, builtin_ids[i]);
		cr_assert_str_eq(o->source, "built-in");
		cr_assert_eq(lw_model_object(m, o->id, o->version), o);
		cr_assert_gt(o->n_resources, 0);
		cr_assert_gt(strlen(o->name), 0);
		cr_assert_not_null(o->urn);
		cr_assert_not_null(o->description);
		cr_assert_not_null(o->lwm2m_version);
		/* lw_model_at walks in id order. */
		cr_assert_eq(lw_model_at(m, i), o);
	}
	cr_assert_null(lw_model_at(m, N_BUILTIN));
	/* Adding them again replaces each with itself. */
	cr_assert_eq(lw_model_add_builtin(m), 0);
	cr_assert_eq(lw_model_count(m), N_BUILTIN);
}

Test(model, builtin_resources_are_sorted_and_complete)
{
	cr_assert_eq(lw_model_add_builtin(m), 0);
	for (size_t i = 0; i < lw_model_count(m); i++) {
		const struct lw_object_def *o = lw_model_at(m, i);
		for (size_t k = 0; k < o->n_resources; k++) {
			const struct lw_resource_def *r = &o->resources[k];
			if (k > 0)
				cr_assert_gt(r->id, o->resources[k - 1].id, "object %u: %u after %u",
				             o->id, r->id, o->resources[k - 1].id);
			cr_assert_not_null(r->name);
			cr_assert_gt(strlen(r->name), 0, "/%u/%u has no name", o->id, r->id);
			cr_assert_not_null(r->range);
			cr_assert_not_null(r->units);
			cr_assert_not_null(r->description);
			cr_assert_gt(strlen(r->description), 0, "/%u/%u has no description", o->id,
			             r->id);
			cr_assert_leq(r->type, LW_TYPE_CORELNK);
			cr_assert(r->ops <= LW_OPS_E && r->ops != (LW_OPS_RW | LW_OPS_E));
			/* Executables carry no value, and everything else does. */
			cr_assert_eq(r->ops == LW_OPS_E, r->type == LW_TYPE_NONE,
			             "/%u/%u: ops %u type %u", o->id, r->id, r->ops, r->type);
			cr_assert_eq(lw_object_resource(o, r->id), r);
			cr_assert(r->multiple <= 1 && r->mandatory <= 1);
		}
	}
}

/* The registry's file for one object version: the version history keeps
 * every version, the top level only the newest. */
static char *registry_file(uint16_t id, const char *version)
{
	char path[4096];
	char v[16];
	snprintf(v, sizeof(v), "%s", version);
	for (char *p = v; *p; p++)
		if (*p == '.')
			*p = '_';
	snprintf(path, sizeof(path), "%s/version_history/%u-%s.xml", models_dir(), id, v);
	if (access(path, R_OK) == 0)
		return strdup(path);
	snprintf(path, sizeof(path), "%s/%u.xml", models_dir(), id);
	return access(path, R_OK) == 0 ? strdup(path) : NULL;
}

static void assert_same_object(const struct lw_object_def *b, const struct lw_object_def *d)
{
	cr_assert_str_eq(b->name, d->name, "object %u name", b->id);
	cr_assert_str_eq(b->lwm2m_version, d->lwm2m_version, "object %u LWM2MVersion", b->id);
	cr_assert_str_eq(b->urn, d->urn, "object %u URN", b->id);
	cr_assert_eq(b->multiple, d->multiple, "object %u MultipleInstances", b->id);
	cr_assert_eq(b->mandatory, d->mandatory, "object %u Mandatory", b->id);
	cr_assert_eq(b->n_resources, d->n_resources, "object %u: %zu resources built in, %zu in %s",
	             b->id, b->n_resources, d->n_resources, d->source);
	for (size_t k = 0; k < b->n_resources; k++) {
		const struct lw_resource_def *x = &b->resources[k], *y = &d->resources[k];
		cr_assert_eq(x->id, y->id, "object %u: resource #%zu is %u built in, %u in the DDF",
		             b->id, k, x->id, y->id);
		cr_assert_str_eq(x->name, y->name, "/%u/%u name", b->id, x->id);
		cr_assert_eq(x->type, y->type, "/%u/%u (%s) type %s built in, %s in the DDF", b->id,
		             x->id, x->name, lw_type_name(x->type), lw_type_name(y->type));
		cr_assert_eq(x->ops, y->ops, "/%u/%u (%s) operations", b->id, x->id, x->name);
		cr_assert_eq(x->multiple, y->multiple, "/%u/%u (%s) MultipleInstances", b->id,
		             x->id, x->name);
		cr_assert_eq(x->mandatory, y->mandatory, "/%u/%u (%s) Mandatory", b->id, x->id,
		             x->name);
		cr_assert_str_eq(x->units, y->units, "/%u/%u (%s) units", b->id, x->id, x->name);
	}
}

Test(model, builtin_agrees_with_the_registry)
{
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set: no registry to compare with");
	cr_assert_eq(lw_model_add_builtin(m), 0);
	size_t compared = 0;
	for (size_t i = 0; i < N_BUILTIN; i++) {
		const struct lw_object_def *b = lw_model_object(m, builtin_ids[i], NULL);
		cr_assert_not_null(b);
		char *file = registry_file(b->id, b->version);
		cr_assert_not_null(file, "no registry file for object %u version %s", b->id,
		                   b->version);
		lw_model *reg = lw_model_new();
		char err[512];
		int n = lw_ddf_load_file(reg, file, err, sizeof(err));
		cr_assert_eq(n, 1, "%s: %d (%s)", file, n, err);
		const struct lw_object_def *d = lw_model_object(reg, b->id, b->version);
		cr_assert_not_null(d, "%s does not hold object %u version %s", file, b->id,
		                   b->version);
		assert_same_object(b, d);
		compared++;
		lw_model_free(reg);
		free(file);
	}
	cr_assert_eq(compared, N_BUILTIN);
}

Test(model, builtin_is_the_newest_registry_version)
{
	/* One built-in per object, and it is the one the registry lists as
	 * current (its top-level file). */
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set");
	cr_assert_eq(lw_model_add_builtin(m), 0);
	for (size_t i = 0; i < N_BUILTIN; i++) {
		const struct lw_object_def *b = lw_model_object(m, builtin_ids[i], NULL);
		char path[4096], err[512];
		snprintf(path, sizeof(path), "%s/%u.xml", models_dir(), b->id);
		lw_model *reg = lw_model_new();
		cr_assert_eq(lw_ddf_load_file(reg, path, err, sizeof(err)), 1, "%s", err);
		const struct lw_object_def *d = lw_model_object(reg, b->id, NULL);
		cr_assert_str_eq(b->version, d->version, "object %u: built-in %s, registry %s",
		                 b->id, b->version, d->version);
		lw_model_free(reg);
	}
}

Test(model, lookups_by_id_and_version)
{
	static const struct lw_resource_def old_res[] = {
		{.id = 5700, .type = LW_TYPE_FLOAT, .ops = LW_OPS_R, .name = "Sensor Value",
		 .range = "", .units = "", .description = ""},
	};
	static struct lw_object_def old = {.id = 3303, .name = "Temperature", .version = "1.0",
	                                   .lwm2m_version = "1.0", .urn = "", .description = "",
	                                   .n_resources = 1, .resources = old_res,
	                                   .source = "test"};
	cr_assert_eq(lw_model_add_builtin(m), 0);
	cr_assert_eq(lw_model_add(m, &old, NULL), 0);
	cr_assert_eq(lw_model_count(m), N_BUILTIN + 1);

	cr_assert_eq(lw_model_object(m, 3303, "1.0"), &old);
	/* Versions compare as numbers: "1.00" is "1.0". */
	cr_assert_eq(lw_model_object(m, 3303, "1.00"), &old);
	const struct lw_object_def *cur = lw_model_object(m, 3303, NULL);
	cr_assert_not_null(cur);
	cr_assert_str_eq(cur->version, "1.1");
	cr_assert_eq(lw_model_object(m, 3303, "1.1"), cur);
	cr_assert_null(lw_model_object(m, 3303, "2.0"));
	cr_assert_null(lw_model_object(m, 4242, NULL));
	cr_assert_null(lw_model_object(m, 4242, "1.0"));
	cr_assert_null(lw_model_object(m, 65535, NULL));
	cr_assert_null(lw_model_object(m, 8, NULL), "no object 8 was added");
	cr_assert_null(lw_model_object(NULL, 3, NULL));

	/* lw_model_resource reads the newest version: 5701 is not in "1.0". */
	const struct lw_resource_def *r = lw_model_resource(m, 3303, 5701);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->name, "Sensor Units");
	cr_assert_null(lw_object_resource(&old, 5701));
	cr_assert_eq(lw_object_resource(&old, 5700), &old_res[0]);

	r = lw_model_resource(m, 3, 0);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->name, "Manufacturer");
	cr_assert_eq(r->type, LW_TYPE_STRING);
	cr_assert_null(lw_model_resource(m, 3, 99));
	cr_assert_null(lw_model_resource(m, 3, 65535));
	cr_assert_null(lw_model_resource(m, 4242, 0));
}

Test(model, empty_model_knows_nothing)
{
	cr_assert_eq(lw_model_count(m), 0);
	cr_assert_null(lw_model_at(m, 0));
	cr_assert_null(lw_model_object(m, 3, NULL));
	cr_assert_null(lw_model_resource(m, 3, 0));
	lw_path p = lw_path_make(3, 3, 0, 0, 0);
	cr_assert_eq(lw_model_type(m, &p), LW_TYPE_NONE);
}

static int type_at(const char *text)
{
	lw_path p;
	cr_assert_eq(lw_path_parse(text, strlen(text), &p, NULL), 0, "%s", text);
	return lw_model_type(m, &p);
}

Test(model, types_by_path)
{
	cr_assert_eq(lw_model_add_builtin(m), 0);
	cr_assert_eq(type_at("/3/0/0"), LW_TYPE_STRING);
	cr_assert_eq(type_at("/3/0/9"), LW_TYPE_INTEGER);
	cr_assert_eq(type_at("/3/0/13"), LW_TYPE_TIME);
	cr_assert_eq(type_at("/3/0/22"), LW_TYPE_OBJLNK);
	cr_assert_eq(type_at("/1/0/6"), LW_TYPE_BOOLEAN);
	cr_assert_eq(type_at("/1/0/11"), LW_TYPE_UNSIGNED);
	cr_assert_eq(type_at("/0/1/3"), LW_TYPE_OPAQUE);
	cr_assert_eq(type_at("/3303/7/5700"), LW_TYPE_FLOAT);
	/* A resource instance has its resource's type. */
	cr_assert_eq(type_at("/3/0/11/0"), LW_TYPE_INTEGER);
	cr_assert_eq(type_at("/3/0/6/65534"), LW_TYPE_INTEGER);
	cr_assert_eq(type_at("/0/0/16/2"), LW_TYPE_UNSIGNED);
	/* No value: executables, objects, instances, unknowns. */
	cr_assert_eq(type_at("/3/0/4"), LW_TYPE_NONE);
	cr_assert_eq(type_at("/3/0"), LW_TYPE_NONE);
	cr_assert_eq(type_at("/3"), LW_TYPE_NONE);
	cr_assert_eq(type_at("/"), LW_TYPE_NONE);
	cr_assert_eq(type_at("/3/0/999"), LW_TYPE_NONE);
	cr_assert_eq(type_at("/4242/0/0"), LW_TYPE_NONE);
}

Test(model, version_compare)
{
	cr_assert_eq(lw_version_compare("1.0", "1.0"), 0);
	cr_assert_lt(lw_version_compare("1.0", "1.1"), 0);
	cr_assert_gt(lw_version_compare("1.1", "1.0"), 0);
	cr_assert_gt(lw_version_compare("1.10", "1.9"), 0, "compared as text");
	cr_assert_gt(lw_version_compare("2.0", "1.10"), 0);
	cr_assert_lt(lw_version_compare("1.2", "2.0"), 0);
	cr_assert_eq(lw_version_compare("1", "1.0"), 0);
	cr_assert_eq(lw_version_compare("1.00", "1.0"), 0);
	cr_assert_gt(lw_version_compare("1.0.1", "1.0"), 0);
	/* NULL means the default version, "1.0". */
	cr_assert_eq(lw_version_compare(NULL, "1.0"), 0);
	cr_assert_lt(lw_version_compare(NULL, "1.1"), 0);
	cr_assert_gt(lw_version_compare("1.1", NULL), 0);
}

Test(model, keeps_versions_in_numeric_order)
{
	static struct lw_object_def v[] = {
		{.id = 30000, .version = "1.10", .name = "ten"},
		{.id = 30000, .version = "1.2", .name = "two"},
		{.id = 30000, .version = "1.9", .name = "nine"},
		{.id = 29999, .version = "3.0", .name = "other"},
	};
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(lw_model_add(m, &v[i], NULL), 0);
	cr_assert_eq(lw_model_count(m), 4);
	cr_assert_eq(lw_model_at(m, 0), &v[3]);
	cr_assert_eq(lw_model_at(m, 1), &v[1]);
	cr_assert_eq(lw_model_at(m, 2), &v[2]);
	cr_assert_eq(lw_model_at(m, 3), &v[0]);
	cr_assert_eq(lw_model_object(m, 30000, NULL), &v[0]);
	cr_assert_eq(lw_model_object(m, 29999, NULL), &v[3]);
	cr_assert_eq(lw_model_object(m, 30000, "1.9"), &v[2]);
}

static int freed;

static void count_free(struct lw_object_def *def)
{
	freed++;
	free(def);
}

static struct lw_object_def *heap_def(uint16_t id, const char *version, const char *name)
{
	struct lw_object_def *d = calloc(1, sizeof(*d));
	cr_assert_not_null(d);
	d->id = id;
	d->version = version;
	d->name = name;
	return d;
}

Test(model, same_id_and_version_replaces)
{
	static struct lw_object_def a = {.id = 3303, .version = "1.1", .name = "A"};
	cr_assert_eq(lw_model_add_builtin(m), 0);
	const struct lw_object_def *builtin = lw_model_object(m, 3303, "1.1");
	cr_assert_str_eq(builtin->source, "built-in");

	/* A static one replaces the built-in... */
	cr_assert_eq(lw_model_add(m, &a, NULL), 0);
	cr_assert_eq(lw_model_count(m), N_BUILTIN);
	cr_assert_eq(lw_model_object(m, 3303, NULL), &a);

	/* ...an owned one replaces it ("1.10" is another version)... */
	freed = 0;
	struct lw_object_def *b = heap_def(3303, "1.1", "B");
	cr_assert_eq(lw_model_add(m, b, count_free), 0);
	cr_assert_eq(lw_model_object(m, 3303, "1.1"), b);
	cr_assert_eq(freed, 0, "a static definition was freed");
	struct lw_object_def *c = heap_def(3303, "1.10", "C");
	cr_assert_eq(lw_model_add(m, c, count_free), 0);
	cr_assert_eq(lw_model_count(m), N_BUILTIN + 1);

	/* ...and a replaced owned definition is freed at once, the rest with the model. */
	struct lw_object_def *d = heap_def(3303, "1.1", "D");
	cr_assert_eq(lw_model_add(m, d, count_free), 0);
	cr_assert_eq(freed, 1);
	cr_assert_eq(lw_model_object(m, 3303, "1.1"), d);
	cr_assert_eq(lw_model_object(m, 3303, NULL), c);
	lw_model_free(m);
	m = NULL;
	cr_assert_eq(freed, 3);
}

Test(model, ddf_file_overrides_builtin)
{
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set");
	char path[4096], err[512];
	cr_assert_eq(lw_model_add_builtin(m), 0);
	snprintf(path, sizeof(path), "%s/3303.xml", models_dir());
	cr_assert_eq(lw_ddf_load_file(m, path, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(lw_model_count(m), N_BUILTIN);
	const struct lw_object_def *o = lw_model_object(m, 3303, NULL);
	cr_assert_str_eq(o->source, path);
	/* And the older version loads beside it. */
	snprintf(path, sizeof(path), "%s/version_history/3303-1_0.xml", models_dir());
	cr_assert_eq(lw_ddf_load_file(m, path, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(lw_model_count(m), N_BUILTIN + 1);
	cr_assert_str_eq(lw_model_object(m, 3303, NULL)->version, "1.1");
	cr_assert_str_eq(lw_model_object(m, 3303, "1.0")->source, path);
}
