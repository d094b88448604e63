/*
 * tests/unit/test_codec_opaque.c: the opaque codec (plugins/codec-opaque):
 * the bytes of one resource both ways, the paths and types it refuses, and
 * the plugin loaded by the real loader.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_testkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-opaque/opaque.h"

/* Object 5 (Firmware Update) as the Core specification types it, in part. */
static const struct lw_resource_def fw_res[] = {
	CK_RES(0, LW_TYPE_OPAQUE, 0), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_NONE, 0),
	CK_RES(3, LW_TYPE_INTEGER, 0), CK_RES(50, LW_TYPE_OPAQUE, 1),
};

static struct lw_object_def objects[] = {CK_OBJ(5, 0, fw_res)};

static lw_model *model;
static lw_records recs;
static lw_buf buf;
static struct lw_codec_error cerr;

static void setup(void)
{
	model = ck_model(objects, CK_COUNT(objects));
	ck_state_init(&recs, NULL, &buf, &cerr);
}

static void teardown(void)
{
	lw_model_free(model);
	ck_state_free(&recs, NULL, &buf);
}

TestSuite(opaque, .init = setup, .fini = teardown);
TestSuite(opaque_errors, .init = setup, .fini = teardown);
TestSuite(opaque_plugin, .init = setup, .fini = teardown);

static int decode(const lw_model *m, const char *base, const void *data, size_t n)
{
	lw_records_clear(&recs);
	return ck_decode(&lw_codec_opaque, m, base, data, n, &recs, &cerr);
}

static int encode(const char *base)
{
	return ck_encode(&lw_codec_opaque, model, base, &recs, &buf, &cerr);
}

static lw_record *add_bytes(const char *path, int type, const void *d, size_t n)
{
	ck_add_str(&recs, path, type, d, n);
	return &recs.items[recs.n - 1];
}

static void assert_err(int rc, size_t offset, const char *what)
{
	cr_assert_eq(rc, LW_EINVAL, "expected an error, got %d", rc);
	cr_assert_eq(cerr.offset, offset, "offset %zu (%s)", cerr.offset, cerr.message);
	cr_assert_not_null(strstr(cerr.message, what), "error \"%s\" lacks \"%s\"", cerr.message,
	                   what);
}

Test(opaque, codec_identity)
{
	cr_assert_eq(lw_codec_opaque.content_format, 42);
	cr_assert_str_eq(lw_codec_opaque.media_type, "application/octet-stream");
	cr_assert_str_eq(lw_codec_opaque.name, "opaque");
}

/* Core 7.4.2: a Write of /5/0/0 (Package) carries the image as is. */
Test(opaque, firmware_package_both_ways)
{
	static uint8_t image[65536 + 7];
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 31 + 7);
	cr_assert_eq(decode(model, "/5/0/0", image, sizeof(image)), 0, "%s", cerr.message);
	cr_assert_eq(recs.n, 1);
	cr_assert_eq(recs.items[0].type, LW_TYPE_OPAQUE);
	cr_assert(lw_path_equal(&recs.items[0].path, &(lw_path){5, 0, 0, LW_ID_NONE}));
	cr_assert_eq(recs.items[0].v.s.len, sizeof(image));
	cr_assert_arr_eq(recs.items[0].v.s.data, image, sizeof(image));
	cr_assert_eq(encode("/5/0/0"), 0, "%s", cerr.message);
	cr_assert_eq(buf.len, sizeof(image));
	cr_assert_arr_eq(buf.data, image, sizeof(image));
}

Test(opaque, every_byte_and_empty)
{
	uint8_t all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	cr_assert_eq(decode(model, "/5/0/0", all, sizeof(all)), 0);
	cr_assert_arr_eq(recs.items[0].v.s.data, all, sizeof(all));
	cr_assert_eq(decode(model, "/5/0/0", "", 0), 0);
	cr_assert_eq(recs.n, 1);
	cr_assert_eq(recs.items[0].v.s.len, 0);
	cr_assert_eq(encode("/5/0/0"), 0);
	cr_assert_eq(buf.len, 0);
}

Test(opaque, resource_instance_unknown_resource_and_no_model)
{
	cr_assert_eq(decode(model, "/5/0/50/3", "\x01\x02", 2), 0, "%s", cerr.message);
	cr_assert(lw_path_equal(&recs.items[0].path, &(lw_path){5, 0, 50, 3}));
	cr_assert_eq(decode(model, "/5/0/77", "\x01", 1), 0, "%s", cerr.message);
	cr_assert_eq(recs.items[0].type, LW_TYPE_OPAQUE);
	cr_assert_eq(decode(model, "/4242/1/2", "\x01", 1), 0, "%s", cerr.message);
	cr_assert_eq(decode(NULL, "/5/0/1", "abc", 3), 0, "%s", cerr.message);
	cr_assert_eq(recs.items[0].type, LW_TYPE_OPAQUE);
}

/* Strings and links go out as their bytes. */
Test(opaque, encodes_strings_and_links_as_bytes)
{
	add_bytes("/5/0/1", LW_TYPE_STRING, "coap://fw", 9);
	cr_assert_eq(encode("/5/0/1"), 0, "%s", cerr.message);
	cr_assert_eq(buf.len, 9);
	cr_assert_arr_eq(buf.data, "coap://fw", 9);
	lw_records_clear(&recs);
	add_bytes("/5/0/77", LW_TYPE_CORELNK, "</5/0>", 6);
	cr_assert_eq(encode("/5/0/77"), 0, "%s", cerr.message);
	cr_assert_arr_eq(buf.data, "</5/0>", 6);
}

Test(opaque_errors, paths_that_are_not_one_value)
{
	assert_err(decode(model, "/5/0", "x", 1), 0, "opaque carries one resource value: /5/0 is not a resource");
	assert_err(decode(model, "/5", "x", 1), 0, "/5 is not a resource");
	assert_err(decode(model, "/5/0/50", "x", 1), 0, "/5/0/50 has multiple instances");
	add_bytes("/5/0", LW_TYPE_OPAQUE, "x", 1);
	assert_err(encode("/5/0"), 0, "is not a resource");
}

Test(opaque_errors, resources_of_another_type)
{
	assert_err(decode(model, "/5/0/1", "x", 1), 0, "/5/0/1 is of type string, not opaque");
	assert_err(decode(model, "/5/0/3", "\x01", 1), 0, "/5/0/3 is of type integer, not opaque");
}

Test(opaque_errors, records_opaque_cannot_carry)
{
	assert_err(encode("/5/0/0"), 0, "exactly one value (0 records given)");
	add_bytes("/5/0/0", LW_TYPE_OPAQUE, "a", 1);
	add_bytes("/5/0/0", LW_TYPE_OPAQUE, "b", 1);
	assert_err(encode("/5/0/0"), 1, "exactly one value (2 records given)");
	lw_records_clear(&recs);
	add_bytes("/5/0/0", LW_TYPE_OPAQUE, "a", 1);
	assert_err(encode("/5/0/1"), 0, "record /5/0/0 is not the request path /5/0/1");
	lw_records_clear(&recs);
	lw_record *x = lw_records_add(&recs);
	x->path = ck_path("/5/0/3");
	x->type = LW_TYPE_INTEGER;
	x->v.i = 3;
	assert_err(encode("/5/0/3"), 0, "record /5/0/3 holds a value of type integer");
	cr_assert_eq(buf.len, 0);
}

Test(opaque_errors, too_many_records)
{
	recs.max_items = 1;
	lw_path b = ck_path("/5/0/0");
	cr_assert_eq(lw_codec_opaque.decode(model, &b, (const uint8_t *)"a", 1, &recs, &cerr), 0);
	assert_err(lw_codec_opaque.decode(model, &b, (const uint8_t *)"b", 1, &recs, &cerr), 0,
	           "too many records (limit 1)");
	recs.max_items = 0;
}

Test(opaque_plugin, registers_content_format_42)
{
	struct ck_plugin pl;
	ck_plugin_load(&pl, "codec-opaque");
	const struct lw_codec *c = ck_registered(LW_CF_OPAQUE, "opaque");
	lw_path b = ck_path("/5/0/0");
	cr_assert_eq(c->decode(model, &b, (const uint8_t *)"\x00\x01", 2, &recs, &cerr), 0);
	cr_assert_eq(recs.items[0].v.s.len, 2);
	ck_plugin_unload(&pl);
	cr_assert_null(lw_codec_by_format(LW_CF_OPAQUE), "the codec outlived its plugin");
}
