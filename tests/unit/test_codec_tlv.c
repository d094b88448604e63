/*
 * tests/unit/test_codec_tlv.c: the TLV codec (plugins/codec-tlv) against the
 * examples of the LwM2M Core specification, byte for byte both ways, then
 * every value type and payload shape through a round trip, the shortest
 * encodings, and one test per way a payload can be wrong with the offset
 * the error must name.
 *
 * The model is built here from static definitions (the resource types the
 * Core specification gives objects 1, 2 and 3, and test objects) so that the
 * tests do not depend on the built-in definitions; the last tests run the
 * examples against the built-in model and every resource type of the OMA
 * registry when those are available.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_testkit.h"
#include "lwm2m/codec.h"
#include "lwm2m/codecs.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "../../plugins/codec-tlv/tlv.h"

/* ---- the model ---- */

static const struct lw_resource_def server_res[] = {
	CK_RES(0, LW_TYPE_INTEGER, 0), CK_RES(1, LW_TYPE_INTEGER, 0), CK_RES(2, LW_TYPE_INTEGER, 0),
	CK_RES(3, LW_TYPE_INTEGER, 0), CK_RES(4, LW_TYPE_NONE, 0),    CK_RES(5, LW_TYPE_INTEGER, 0),
	CK_RES(6, LW_TYPE_BOOLEAN, 0), CK_RES(7, LW_TYPE_STRING, 0),  CK_RES(8, LW_TYPE_NONE, 0),
};
static const struct lw_resource_def acl_res[] = {
	CK_RES(0, LW_TYPE_INTEGER, 0), CK_RES(1, LW_TYPE_INTEGER, 0),
	CK_RES(2, LW_TYPE_INTEGER, 1), CK_RES(3, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def device_res[] = {
	CK_RES(0, LW_TYPE_STRING, 0),   CK_RES(1, LW_TYPE_STRING, 0),   CK_RES(2, LW_TYPE_STRING, 0),
	CK_RES(3, LW_TYPE_STRING, 0),   CK_RES(4, LW_TYPE_NONE, 0),     CK_RES(5, LW_TYPE_NONE, 0),
	CK_RES(6, LW_TYPE_INTEGER, 1),  CK_RES(7, LW_TYPE_INTEGER, 1),  CK_RES(8, LW_TYPE_INTEGER, 1),
	CK_RES(9, LW_TYPE_INTEGER, 0),  CK_RES(10, LW_TYPE_INTEGER, 0), CK_RES(11, LW_TYPE_INTEGER, 1),
	CK_RES(12, LW_TYPE_NONE, 0),    CK_RES(13, LW_TYPE_TIME, 0),    CK_RES(14, LW_TYPE_STRING, 0),
	CK_RES(15, LW_TYPE_STRING, 0),  CK_RES(16, LW_TYPE_STRING, 0),  CK_RES(17, LW_TYPE_STRING, 0),
	CK_RES(18, LW_TYPE_STRING, 0),  CK_RES(19, LW_TYPE_STRING, 0),  CK_RES(20, LW_TYPE_INTEGER, 0),
	CK_RES(21, LW_TYPE_INTEGER, 0), CK_RES(22, LW_TYPE_OBJLNK, 1),
};
/* Objects 65 and 66 of the Object Link examples (Core 7.4.3.3). */
static const struct lw_resource_def obj65_res[] = {
	CK_RES(0, LW_TYPE_OBJLNK, 1), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_INTEGER, 0),
};
static const struct lw_resource_def obj66_res[] = {
	CK_RES(0, LW_TYPE_STRING, 0), CK_RES(1, LW_TYPE_STRING, 0), CK_RES(2, LW_TYPE_OBJLNK, 0),
};
/* One resource per type, single and multiple, and ids past 255. */
static const struct lw_resource_def all_res[] = {
	CK_RES(0, LW_TYPE_STRING, 0),    CK_RES(1, LW_TYPE_INTEGER, 0),
	CK_RES(2, LW_TYPE_UNSIGNED, 0),  CK_RES(3, LW_TYPE_FLOAT, 0),
	CK_RES(4, LW_TYPE_BOOLEAN, 0),   CK_RES(5, LW_TYPE_OPAQUE, 0),
	CK_RES(6, LW_TYPE_TIME, 0),      CK_RES(7, LW_TYPE_OBJLNK, 0),
	CK_RES(8, LW_TYPE_CORELNK, 0),   CK_RES(9, LW_TYPE_NONE, 0),
	CK_RES(10, LW_TYPE_STRING, 1),   CK_RES(11, LW_TYPE_INTEGER, 1),
	CK_RES(12, LW_TYPE_UNSIGNED, 1), CK_RES(13, LW_TYPE_FLOAT, 1),
	CK_RES(14, LW_TYPE_BOOLEAN, 1),  CK_RES(15, LW_TYPE_OPAQUE, 1),
	CK_RES(16, LW_TYPE_TIME, 1),     CK_RES(17, LW_TYPE_OBJLNK, 1),
	CK_RES(18, LW_TYPE_CORELNK, 1),  CK_RES(300, LW_TYPE_STRING, 0),
	CK_RES(301, LW_TYPE_INTEGER, 1),
};

static struct lw_object_def objects[] = {
	CK_OBJ(1, 1, server_res), CK_OBJ(2, 1, acl_res), CK_OBJ(3, 0, device_res),
	CK_OBJ(65, 1, obj65_res), CK_OBJ(66, 1, obj66_res), CK_OBJ(9999, 1, all_res),
	CK_OBJ(9998, 0, all_res),
};

static lw_model *model;
static lw_records recs, back;
static lw_buf buf;
static struct lw_codec_error cerr;

static void setup(void)
{
	model = ck_model(objects, CK_COUNT(objects));
	ck_state_init(&recs, &back, &buf, &cerr);
}

static void teardown(void)
{
	lw_model_free(model);
	ck_state_free(&recs, &back, &buf);
}

TestSuite(tlv_spec, .init = setup, .fini = teardown);
TestSuite(tlv_decode, .init = setup, .fini = teardown);
TestSuite(tlv_encode, .init = setup, .fini = teardown);
TestSuite(tlv_round_trip, .init = setup, .fini = teardown);
TestSuite(tlv_errors, .init = setup, .fini = teardown);
TestSuite(tlv_models, .init = setup, .fini = teardown);
TestSuite(tlv_plugin, .init = setup, .fini = teardown);

/* ---- the codec steps on this file's state: hex in hexbuf, recs, buf, cerr ---- */

static uint8_t hexbuf[1 << 17];

static int decode_with(const struct lw_codec *c, const lw_model *m, const char *base,
                       const char *hex)
{
	lw_records_clear(&recs);
	return ck_decode(c, m, base, hexbuf, ck_unhex(hex, hexbuf, sizeof(hexbuf)), &recs, &cerr);
}

static void decode_ok(const char *base, const char *hex)
{
	lw_records_clear(&recs);
	ck_decode_ok(&lw_codec_tlv, model, base, hexbuf, ck_unhex(hex, hexbuf, sizeof(hexbuf)),
	             &recs, &cerr);
}

static void decode_err(const char *base, const char *hex, size_t offset, const char *what)
{
	ck_decode_err(&lw_codec_tlv, model, base, hexbuf, ck_unhex(hex, hexbuf, sizeof(hexbuf)),
	              &recs, &cerr, offset, what);
}

/* Encodes records at base and compares with the expected hex. */
static void encode_is(const lw_records *in, const char *base, const char *hex)
{
	static uint8_t want[1 << 17];
	size_t n = ck_unhex(hex, want, sizeof(want));
	ck_encode_is(&lw_codec_tlv, model, base, in, &buf, &cerr, want, n);
}

static void encode_err(const lw_records *in, const char *base, size_t index, const char *what)
{
	ck_encode_err(&lw_codec_tlv, model, base, in, &buf, &cerr, index, what);
}

static void assert_str_rec(size_t i, const char *path, int type, const char *s)
{
	cr_assert_lt(i, recs.n);
	ck_assert_str_rec(&recs.items[i], path, type, s);
}

static void assert_int_rec(size_t i, const char *path, int type, int64_t v)
{
	cr_assert_lt(i, recs.n);
	ck_assert_int_rec(&recs.items[i], path, type, v);
}

static void assert_objlnk_rec(size_t i, const char *path, uint16_t oid, uint16_t iid)
{
	cr_assert_lt(i, recs.n);
	ck_assert_objlnk_rec(&recs.items[i], path, oid, iid);
}

/* records -> bytes -> records gives the same records (in path order, and
 * in is left sorted so). */
static void round_trip(lw_records *in, const char *base)
{
	ck_round_trip(&lw_codec_tlv, model, base, in, &buf, &back, &cerr, CK_SORTED);
	lw_records_sort(in);
}

/* ---- Core specification examples ---- */

/*
 * Core 1.1 and 1.2, 7.4.3.1 "Single Object Instance Request Example":
 * Read /3/0 answered with the Device object's Resource TLVs.
 */
static const char device_instance[] =
	"C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65\n" /* 0 */
	"C8 01 16 4C 69 67 68 74 77 65 69 67 68 74 20 4D 32 4D 20 43 6C 69 65 6E 74\n"
	"C8 02 09 33 34 35 30 30 30 31 32 33\n"                                     /* 2 */
	"C3 03 31 2E 30\n"                                                          /* 3 */
	"86 06 41 00 01 41 01 05\n"                                                 /* 6 */
	"88 07 08 42 00 0E D8 42 01 13 88\n"                                        /* 7 */
	"87 08 41 00 7D 42 01 03 84\n"                                              /* 8 */
	"C1 09 64\n"                                                                /* 9 */
	"C1 0A 0F\n"                                                                /* 10 */
	"83 0B 41 00 00\n"                                                          /* 11 */
	"C4 0D 51 82 42 8F\n"                                                       /* 13 */
	"C6 0E 2B 30 32 3A 30 30\n"                                                 /* 14 */
	"C1 10 55\n";                                                               /* 16 */

Test(tlv_spec, single_object_instance_device)
{
	decode_ok("/3/0", device_instance);
	ck_assert_device_instance(&recs, "/3/0");
	encode_is(&recs, "/3/0", device_instance);
}

/*
 * 7.4.3.2 "Multiple Object Instance Request Examples", Request on a
 * Single-Instance Object: Read /3 answered with one Object Instance TLV
 * (0x79 = 121 bytes) around the same resources.
 */
Test(tlv_spec, single_instance_object_device)
{
	char hex[2048];
	snprintf(hex, sizeof(hex), "08 00 79\n%s", device_instance);
	decode_ok("/3", hex);
	ck_assert_device_instance(&recs, "/3/0");
	encode_is(&recs, "/3", hex);
}

/*
 * 7.4.3.2, Request on a Multiple-Instances Object: Read /2 (Access Control)
 * with two instances. Some printings of this example show 86 02 for the
 * ACL of instance 2, which holds 7 bytes: the vector carries 87 02, the
 * length its content needs (the misprint is checked in tlv_errors).
 */
static const char acl_two_instances[] =
	"08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F\n"
	"08 02 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F";

Test(tlv_spec, multiple_instances_access_control)
{
	decode_ok("/2", acl_two_instances);
	cr_assert_eq(recs.n, 9);
	assert_int_rec(0, "/2/0/0", LW_TYPE_INTEGER, 1);
	assert_int_rec(1, "/2/0/1", LW_TYPE_INTEGER, 0);
	assert_int_rec(2, "/2/0/2/127", LW_TYPE_INTEGER, 7);
	assert_int_rec(3, "/2/0/3", LW_TYPE_INTEGER, 127);
	assert_int_rec(4, "/2/2/0", LW_TYPE_INTEGER, 3);
	assert_int_rec(5, "/2/2/1", LW_TYPE_INTEGER, 0);
	assert_int_rec(6, "/2/2/2/127", LW_TYPE_INTEGER, 7);
	assert_int_rec(7, "/2/2/2/310", LW_TYPE_INTEGER, 1);
	assert_int_rec(8, "/2/2/3", LW_TYPE_INTEGER, 127);
	encode_is(&recs, "/2", acl_two_instances);
}

/*
 * 7.4.3.2, Request on a Multiple-Instances Object with one instance: Read
 * /1 (Server). The instance holds 15 bytes (0x0F; some printings say 0x0D).
 */
static const char server_one_instance[] =
	"08 00 0F C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55";

Test(tlv_spec, multiple_instances_object_one_instance_server)
{
	decode_ok("/1", server_one_instance);
	cr_assert_eq(recs.n, 4);
	assert_int_rec(0, "/1/0/0", LW_TYPE_INTEGER, 1);
	assert_int_rec(1, "/1/0/1", LW_TYPE_INTEGER, 86400);
	cr_assert_eq(recs.items[2].type, LW_TYPE_BOOLEAN);
	cr_assert(recs.items[2].v.b);
	ck_assert_path(&recs.items[2], "/1/0/6");
	assert_str_rec(3, "/1/0/7", LW_TYPE_STRING, "U");
	encode_is(&recs, "/1", server_one_instance);
}

/*
 * 7.4.3.3 "Example of Request on an Object Instance containing an Object
 * Link Resource", Example 1: Read /65/0, a multiple Objlnk resource
 * pointing at 66:0 and 66:1, a string and an integer.
 */
static const char objlnk_65[] =
	"88 00 0C 44 00 00 42 00 00 44 01 00 42 00 01\n"
	"C8 01 0D 38 36 31 33 38 30 30 37 35 35 35 30 30\n"
	"C4 02 12 34 56 78";

Test(tlv_spec, object_link_example_1)
{
	decode_ok("/65/0", objlnk_65);
	cr_assert_eq(recs.n, 4);
	assert_objlnk_rec(0, "/65/0/0/0", 66, 0);
	assert_objlnk_rec(1, "/65/0/0/1", 66, 1);
	assert_str_rec(2, "/65/0/1", LW_TYPE_STRING, "8613800755500");
	assert_int_rec(3, "/65/0/2", LW_TYPE_INTEGER, 0x12345678);
	encode_is(&recs, "/65/0", objlnk_65);
}

/*
 * 7.4.3.3, Example 2: Read /66, two instances, each with an Objlnk: 67:0
 * and the null link 65535:65535. Each instance holds 38 bytes (0x26; some
 * printings say 0x23).
 */
static const char objlnk_66[] =
	"08 00 26 C8 00 0B 6D 79 53 65 72 76 69 63 65 20 31\n"
	"C8 01 0F 49 6E 74 65 72 6E 65 74 2E 31 35 2E 32 33 34\n"
	"C4 02 00 43 00 00\n"
	"08 01 26 C8 00 0B 6D 79 53 65 72 76 69 63 65 20 32\n"
	"C8 01 0F 49 6E 74 65 72 6E 65 74 2E 31 35 2E 32 33 35\n"
	"C4 02 FF FF FF FF";

Test(tlv_spec, object_link_example_2)
{
	decode_ok("/66", objlnk_66);
	cr_assert_eq(recs.n, 6);
	assert_str_rec(0, "/66/0/0", LW_TYPE_STRING, "myService 1");
	assert_str_rec(1, "/66/0/1", LW_TYPE_STRING, "Internet.15.234");
	assert_objlnk_rec(2, "/66/0/2", 67, 0);
	assert_str_rec(3, "/66/1/0", LW_TYPE_STRING, "myService 2");
	assert_str_rec(4, "/66/1/1", LW_TYPE_STRING, "Internet.15.235");
	assert_objlnk_rec(5, "/66/1/2", 65535, 65535);
	encode_is(&recs, "/66", objlnk_66);
}

/* The legacy number serves the same format. */
Test(tlv_spec, legacy_number_same_bytes)
{
	cr_assert_eq(lw_codec_tlv.content_format, 11542);
	cr_assert_eq(lw_codec_tlv_legacy.content_format, 1542);
	cr_assert_str_eq(lw_codec_tlv.name, "tlv");
	cr_assert_str_eq(lw_codec_tlv_legacy.name, "tlv-legacy");
	cr_assert_str_eq(lw_codec_tlv.media_type, "application/vnd.oma.lwm2m+tlv");
	cr_assert_eq(decode_with(&lw_codec_tlv_legacy, model, "/2", acl_two_instances), 0);
	cr_assert_eq(recs.n, 9);
	lw_path b = ck_path("/2");
	cr_assert_eq(lw_codec_tlv_legacy.encode(model, &b, &recs, &buf, &cerr), 0);
	uint8_t want[64];
	size_t n = ck_unhex(acl_two_instances, want, sizeof(want));
	cr_assert_eq(buf.len, n);
	cr_assert_arr_eq(buf.data, want, n);
	cr_assert_eq(lw_codecs_add(NULL, &lw_codec_tlv), 0);
	cr_assert_eq(lw_codecs_add(NULL, &lw_codec_tlv_legacy), 0);
	cr_assert_eq(lw_codec_by_format(11542), &lw_codec_tlv);
	cr_assert_eq(lw_codec_by_format(1542), &lw_codec_tlv_legacy);
	cr_assert_eq(lw_codec_by_name("tlv-legacy"), &lw_codec_tlv_legacy);
}

/* ---- decoding: request paths and shapes ---- */

Test(tlv_decode, resource)
{
	decode_ok("/3/0/0", "C8 00 14 4F 70 65 6E 20 4D 6F 62 69 6C 65 20 41 6C 6C 69 61 6E 63 65");
	cr_assert_eq(recs.n, 1);
	assert_str_rec(0, "/3/0/0", LW_TYPE_STRING, "Open Mobile Alliance");
}

Test(tlv_decode, multiple_resource)
{
	decode_ok("/3/0/7", "88 07 08 42 00 0E D8 42 01 13 88");
	cr_assert_eq(recs.n, 2);
	assert_int_rec(0, "/3/0/7/0", LW_TYPE_INTEGER, 3800);
	assert_int_rec(1, "/3/0/7/1", LW_TYPE_INTEGER, 5000);
}

Test(tlv_decode, resource_instance)
{
	decode_ok("/3/0/7/1", "42 01 13 88");
	cr_assert_eq(recs.n, 1);
	assert_int_rec(0, "/3/0/7/1", LW_TYPE_INTEGER, 5000);
}

/* A client may answer from higher up (OMA LwM2M_for_Developers #276): a
 * wrapper whose id matches the request path is accepted. */
Test(tlv_decode, wrappers_matching_the_request_path)
{
	decode_ok("/3/0/9", "08 00 03 C1 09 64");
	cr_assert_eq(recs.n, 1);
	assert_int_rec(0, "/3/0/9", LW_TYPE_INTEGER, 100);

	decode_ok("/3/0", "08 00 06 C1 09 64 C1 0A 0F");
	cr_assert_eq(recs.n, 2);
	assert_int_rec(1, "/3/0/10", LW_TYPE_INTEGER, 15);

	decode_ok("/3/0/7/1", "08 00 06 84 07 42 01 13 88");
	cr_assert_eq(recs.n, 1);
	assert_int_rec(0, "/3/0/7/1", LW_TYPE_INTEGER, 5000);

	decode_ok("/3/0/7/1", "84 07 42 01 13 88");
	cr_assert_eq(recs.n, 1);
	assert_int_rec(0, "/3/0/7/1", LW_TYPE_INTEGER, 5000);
}

/* Core 7.4.3 wants Object Instance TLVs on a Read of an object; early
 * clients left them out for single-instance objects: instance 0. */
Test(tlv_decode, single_instance_object_without_instance_tlv)
{
	decode_ok("/3", device_instance);
	ck_assert_device_instance(&recs, "/3/0");
}

Test(tlv_decode, unknown_resources_are_opaque)
{
	decode_ok("/9999/0", "C1 4D 2A E2 01 F4 01 02");
	cr_assert_eq(recs.n, 2);
	assert_str_rec(0, "/9999/0/77", LW_TYPE_OPAQUE, "*");
	assert_str_rec(1, "/9999/0/500", LW_TYPE_OPAQUE, "\x01\x02");
	/* Executable resources carry no value: bytes sent anyway stay opaque. */
	decode_ok("/3/0/4", "C1 04 01");
	assert_str_rec(0, "/3/0/4", LW_TYPE_OPAQUE, "\x01");
	/* No model at all. */
	cr_assert_eq(decode_with(&lw_codec_tlv, NULL, "/3/0", "C1 09 64 C3 0E 2B 30 32"), 0);
	cr_assert_eq(recs.n, 2);
	assert_str_rec(0, "/3/0/9", LW_TYPE_OPAQUE, "d");
	assert_str_rec(1, "/3/0/14", LW_TYPE_OPAQUE, "+02");
}

/* Identifiers of 8 or 16 bits and lengths of 0, 8, 16 or 24 bits, also
 * when a longer field than needed was chosen. */
Test(tlv_decode, header_forms)
{
	decode_ok("/9999/0/0", "C3 00 41 42 43");        /* length in the type byte */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/0", "C8 00 03 41 42 43");     /* 8-bit length */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/0", "D0 00 00 03 41 42 43");  /* 16-bit length */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/0", "D8 00 00 00 03 41 42 43"); /* 24-bit length */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/0", "E3 00 00 41 42 43");     /* 16-bit id */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/300", "E3 01 2C 41 42 43");
	assert_str_rec(0, "/9999/0/300", LW_TYPE_STRING, "ABC");
	decode_ok("/9999/0/0", "C0 00");                 /* empty string */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "");
	decode_ok("/9999/0/0", "CD 00 03 41 42 43");     /* bits 2-0 ignored with a length field */
	assert_str_rec(0, "/9999/0/0", LW_TYPE_STRING, "ABC");
}

Test(tlv_decode, long_values)
{
	size_t n = 70000;
	char *hex = malloc(n * 2 + 64);
	cr_assert_not_null(hex);
	int k = sprintf(hex, "D8 05 %02X %02X %02X ", (unsigned)(n >> 16), (unsigned)(n >> 8) & 255,
	                (unsigned)n & 255);
	for (size_t i = 0; i < n; i++)
		k += sprintf(hex + k, "%02X", (unsigned)(i % 251));
	decode_ok("/9999/0/5", hex);
	free(hex);
	cr_assert_eq(recs.n, 1);
	cr_assert_eq(recs.items[0].type, LW_TYPE_OPAQUE);
	cr_assert_eq(recs.items[0].v.s.len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(recs.items[0].v.s.data[i], i % 251);
}

Test(tlv_decode, integers_of_every_width)
{
	decode_ok("/9999/0", "C1 01 80");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, -128);
	decode_ok("/9999/0", "C2 01 7F FF");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, 32767);
	decode_ok("/9999/0", "C2 01 FF 7F");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, -129);
	decode_ok("/9999/0", "C4 01 80 00 00 00");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, INT32_MIN);
	decode_ok("/9999/0", "C8 01 08 7F FF FF FF FF FF FF FF");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, INT64_MAX);
	decode_ok("/9999/0", "C8 01 08 80 00 00 00 00 00 00 00");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, INT64_MIN);
	decode_ok("/9999/0", "C8 01 08 00 00 00 00 00 00 00 05");
	assert_int_rec(0, "/9999/0/1", LW_TYPE_INTEGER, 5);
	/* Time is an integer of seconds. */
	decode_ok("/9999/0", "C4 06 51 82 42 8F");
	assert_int_rec(0, "/9999/0/6", LW_TYPE_TIME, 1367491215);
	decode_ok("/9999/0", "C1 06 FF");
	assert_int_rec(0, "/9999/0/6", LW_TYPE_TIME, -1);
}

/* Core 1.1 Appendix C: an Unsigned Integer TLV is 1, 2, 4 or 8 bytes,
 * read without sign. */
Test(tlv_decode, unsigned_of_every_width)
{
	decode_ok("/9999/0/2", "C1 02 C8");
	cr_assert_eq(recs.items[0].type, LW_TYPE_UNSIGNED);
	cr_assert_eq(recs.items[0].v.u, 200);
	decode_ok("/9999/0/2", "C2 02 FF FF");
	cr_assert_eq(recs.items[0].v.u, 65535);
	decode_ok("/9999/0/2", "C4 02 FF FF FF FF");
	cr_assert_eq(recs.items[0].v.u, UINT32_MAX);
	decode_ok("/9999/0/2", "C8 02 08 FF FF FF FF FF FF FF FF");
	cr_assert_eq(recs.items[0].v.u, UINT64_MAX);
}

Test(tlv_decode, floats_booleans_objlnks)
{
	decode_ok("/9999/0/3", "C4 03 3F C0 00 00");
	cr_assert_eq(recs.items[0].type, LW_TYPE_FLOAT);
	cr_assert_eq(recs.items[0].v.f, 1.5);
	decode_ok("/9999/0/3", "C8 03 08 3F B9 99 99 99 99 99 9A");
	cr_assert_eq(recs.items[0].v.f, 0.1);
	decode_ok("/9999/0/3", "C4 03 FF 80 00 00");
	cr_assert(isinf(recs.items[0].v.f) && recs.items[0].v.f < 0);
	decode_ok("/9999/0/4", "C1 04 00");
	cr_assert_eq(recs.items[0].type, LW_TYPE_BOOLEAN);
	cr_assert_not(recs.items[0].v.b);
	decode_ok("/9999/0/4", "C1 04 01");
	cr_assert(recs.items[0].v.b);
	decode_ok("/9999/0/7", "C4 07 01 2C 00 05");
	assert_objlnk_rec(0, "/9999/0/7", 300, 5);
	decode_ok("/9999/0/8", "C8 08 0A 3C 2F 33 2F 30 3E 3B 6F 62 73");
	assert_str_rec(0, "/9999/0/8", LW_TYPE_CORELNK, "</3/0>;obs");
}

/* An empty Multiple Resource TLV (a resource with no instances) and an
 * empty Object Instance TLV (an instance with nothing readable) become
 * records without a value. */
Test(tlv_decode, empty_containers)
{
	decode_ok("/3/0", "C1 09 64 80 0B");
	cr_assert_eq(recs.n, 2);
	ck_assert_path(&recs.items[1], "/3/0/11");
	cr_assert_eq(recs.items[1].type, LW_TYPE_NONE);
	encode_is(&recs, "/3/0", "C1 09 64 80 0B");

	decode_ok("/2", "08 00 00 08 01 03 C1 03 7F");
	cr_assert_eq(recs.n, 2);
	ck_assert_path(&recs.items[0], "/2/0");
	cr_assert_eq(recs.items[0].type, LW_TYPE_NONE);
	assert_int_rec(1, "/2/1/3", LW_TYPE_INTEGER, 127);
	encode_is(&recs, "/2", "00 00 03 01 C1 03 7F");

	decode_ok("/2", "");
	cr_assert_eq(recs.n, 0);

	/* Whatever the model says of the resource: a record without a value
	 * has no other TLV form, and reads back the same. */
	lw_records_clear(&recs);
	ck_add(&recs, "/3/0/9", LW_TYPE_NONE);
	encode_is(&recs, "/3/0/9", "80 09");
	decode_ok("/3/0/9", "80 09");
	cr_assert_eq(recs.n, 1);
	cr_assert_eq(recs.items[0].type, LW_TYPE_NONE);
}

/* Ids out of order are fine as long as none repeats. */
Test(tlv_decode, unordered_ids)
{
	decode_ok("/3/0", "C1 0A 0F C1 09 64 83 06 41 01 05 C1 00 41");
	cr_assert_eq(recs.n, 4);
	assert_int_rec(0, "/3/0/10", LW_TYPE_INTEGER, 15);
	assert_int_rec(1, "/3/0/9", LW_TYPE_INTEGER, 100);
	assert_int_rec(2, "/3/0/6/1", LW_TYPE_INTEGER, 5);
	assert_str_rec(3, "/3/0/0", LW_TYPE_STRING, "A");
	/* The same resource instance id under two resources is no repeat. */
	decode_ok("/3/0", "83 07 41 00 01 83 06 41 00 02");
	cr_assert_eq(recs.n, 2);
}

Test(tlv_decode, appends_to_existing_records)
{
	decode_ok("/3/0/9", "C1 09 64");
	lw_path b = ck_path("/3/0/10");
	uint8_t more[] = {0xC1, 0x0A, 0x0F};
	cr_assert_eq(lw_codec_tlv.decode(model, &b, more, sizeof(more), &recs, &cerr), 0);
	cr_assert_eq(recs.n, 2);
	assert_int_rec(0, "/3/0/9", LW_TYPE_INTEGER, 100);
	assert_int_rec(1, "/3/0/10", LW_TYPE_INTEGER, 15);
}

/* ---- encoding: shortest forms ---- */

Test(tlv_encode, shortest_identifier_and_length)
{
	static char s[70000];
	memset(s, 'x', sizeof(s));
	lw_records_clear(&recs);
	ck_add_str(&recs, "/9999/0/0", LW_TYPE_STRING, s, 7);
	lw_path b = ck_path("/9999/0/0");
	cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
	cr_assert_eq(buf.len, 9);
	cr_assert_eq(buf.data[0], 0xC7);

	const size_t lens[] = {8, 255, 256, 65535, 65536, 70000};
	const uint8_t hdr[][5] = {
		{0xC8, 0x00, 0x08}, {0xC8, 0x00, 0xFF}, {0xD0, 0x00, 0x01, 0x00},
		{0xD0, 0x00, 0xFF, 0xFF}, {0xD8, 0x00, 0x01, 0x00, 0x00}, {0xD8, 0x00, 0x01, 0x11, 0x70},
	};
	const size_t hl[] = {3, 3, 4, 4, 5, 5};
	for (size_t i = 0; i < 6; i++) {
		recs.items[0].v.s.len = lens[i];
		recs.items[0].v.s.data = (const uint8_t *)s;
		buf.len = 0;
		cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
		cr_assert_eq(buf.len, hl[i] + lens[i], "length %zu", lens[i]);
		cr_assert_arr_eq(buf.data, hdr[i], hl[i], "length %zu", lens[i]);
	}

	lw_records_clear(&recs);
	ck_add_str(&recs, "/9999/0/300", LW_TYPE_STRING, "ab", 2);
	encode_is(&recs, "/9999/0", "E2 01 2C 61 62");
	lw_records_clear(&recs);
	ck_add_int(&recs, "/9999/0/301/255", 1);
	ck_add_int(&recs, "/9999/0/301/256", 2);
	encode_is(&recs, "/9999/0/301", "A7 01 2D 41 FF 01 61 01 00 02");
}

Test(tlv_encode, integers_in_the_fewest_bytes)
{
	const struct {
		int64_t v;
		const char *hex;
	} cases[] = {
		{0, "C1 01 00"},
		{127, "C1 01 7F"},
		{-128, "C1 01 80"},
		{128, "C2 01 00 80"},
		{-129, "C2 01 FF 7F"},
		{32767, "C2 01 7F FF"},
		{32768, "C4 01 00 00 80 00"},
		{INT32_MIN, "C4 01 80 00 00 00"},
		{(int64_t)INT32_MAX + 1, "C8 01 08 00 00 00 00 80 00 00 00"},
		{INT64_MIN, "C8 01 08 80 00 00 00 00 00 00 00"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lw_records_clear(&recs);
		ck_add_int(&recs, "/9999/0/1", cases[i].v);
		encode_is(&recs, "/9999/0", cases[i].hex);
		lw_records_clear(&recs);
		ck_add_time(&recs, "/9999/0/6", cases[i].v);
		lw_path b = ck_path("/9999/0");
		buf.len = 0;
		cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
		cr_assert_eq(buf.data[1], 6);
		cr_assert_eq(buf.len, ck_unhex(cases[i].hex, hexbuf, sizeof(hexbuf)));
	}
}

/* An Unsigned Integer resource gets the unsigned width (200 in one byte);
 * elsewhere an unsigned value keeps the top bit clear so that a reader
 * taking it as signed sees the same number. */
Test(tlv_encode, unsigned_widths)
{
	const struct {
		uint64_t v;
		const char *as_unsigned, *elsewhere;
	} cases[] = {
		{200, "C1 02 C8", "C2 63 00 C8"},
		{65535, "C2 02 FF FF", "C4 63 00 00 FF FF"},
		{65536, "C4 02 00 01 00 00", "C4 63 00 01 00 00"},
		{UINT64_MAX, "C8 02 08 FF FF FF FF FF FF FF FF", "C8 63 08 FF FF FF FF FF FF FF FF"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lw_records_clear(&recs);
		ck_add_uint(&recs, "/9999/0/2", cases[i].v);
		encode_is(&recs, "/9999/0", cases[i].as_unsigned);
		lw_records_clear(&recs);
		ck_add_uint(&recs, "/9999/0/99", cases[i].v);
		encode_is(&recs, "/9999/0", cases[i].elsewhere);
	}
}

Test(tlv_encode, floats_in_four_bytes_only_when_exact)
{
	const struct {
		double v;
		const char *hex;
	} cases[] = {
		{1.5, "C4 03 3F C0 00 00"},
		{-0.0, "C4 03 80 00 00 00"},
		{FLT_MAX, "C4 03 7F 7F FF FF"},
		{INFINITY, "C4 03 7F 80 00 00"},
		{0.1, "C8 03 08 3F B9 99 99 99 99 99 9A"},
		{1e300, "C8 03 08 7E 37 E4 3C 88 00 75 9C"},
		{(double)FLT_MAX * 2, "C8 03 08 47 FF FF FF E0 00 00 00"},
		{1e-45, "C8 03 08 36 96 D6 01 AD 37 6A B9"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lw_records_clear(&recs);
		ck_add_float(&recs, "/9999/0/3", cases[i].v);
		encode_is(&recs, "/9999/0", cases[i].hex);
	}
	lw_records_clear(&recs);
	ck_add_float(&recs, "/9999/0/3", NAN);
	lw_path b = ck_path("/9999/0");
	buf.len = 0;
	cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
	cr_assert_eq(buf.len, 11, "NaN keeps its 8 bytes");
}

Test(tlv_encode, sorts_and_groups_unsorted_records)
{
	lw_records_clear(&recs);
	ck_add_int(&recs, "/2/1/3", 127);
	ck_add_int(&recs, "/2/0/2/127", 7);
	ck_add_int(&recs, "/2/0/0", 1);
	ck_add_int(&recs, "/2/1/2/310", 1);
	ck_add_int(&recs, "/2/0/1", 0);
	ck_add_int(&recs, "/2/1/2/127", 7);
	ck_add_int(&recs, "/2/0/3", 127);
	ck_add_int(&recs, "/2/1/0", 3);
	ck_add_int(&recs, "/2/1/1", 0);
	encode_is(&recs, "/2",
	          "08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F\n"
	          "08 01 12 C1 00 03 C1 01 00 87 02 41 7F 07 61 01 36 01 C1 03 7F");
	/* The caller's records are left as they were. */
	ck_assert_path(&recs.items[0], "/2/1/3");
}

Test(tlv_encode, empty_records_empty_payload)
{
	lw_records_clear(&recs);
	encode_is(&recs, "/3", "");
	encode_is(&recs, "/3/0/6", "");
}

Test(tlv_encode, appends_to_the_buffer)
{
	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/9", 100);
	lw_buf_append(&buf, "xy", 2);
	lw_path b = ck_path("/3/0/9");
	cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
	cr_assert_eq(buf.len, 5);
	cr_assert_arr_eq(buf.data, "xy\xC1\x09\x64", 5);
}

/* ---- round trips: every type in every shape ---- */

static void add_one_of_each(lw_records *r, const char *inst, int multiple, uint16_t ri)
{
	char p[64];
	const char *suffix = "";
	char sfx[16] = "";
	if (multiple) {
		snprintf(sfx, sizeof(sfx), "/%u", ri);
		suffix = sfx;
	}
#define PATH(rid) (snprintf(p, sizeof(p), "%s/%d%s", inst, (rid) + (multiple ? 10 : 0), suffix), p)
	ck_add_str(r, PATH(0), LW_TYPE_STRING, "h\xC3\xA9llo", 6);
	ck_add_int(r, PATH(1), -123456789012LL);
	ck_add_uint(r, PATH(2), 4000000000u);
	ck_add_float(r, PATH(3), -2.718281828459045);
	ck_add_bool(r, PATH(4), 1);
	ck_add_str(r, PATH(5), LW_TYPE_OPAQUE, "\x00\x01\xFF", 3);
	ck_add_time(r, PATH(6), 1700000000);
	ck_add_objlnk(r, PATH(7), 3303, 12);
	ck_add_str(r, PATH(8), LW_TYPE_CORELNK, "</3303/0>;rt=\"x\"", 16);
#undef PATH
}

Test(tlv_round_trip, every_type_as_single_resource)
{
	lw_records one;
	lw_records_init(&one);
	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9999/4", 0, 0);
	for (size_t i = 0; i < recs.n; i++) {
		char base[32];
		lw_records_clear(&one);
		cr_assert_eq(lw_records_append_copy(&one, &recs.items[i]), 0);
		lw_path_format(&recs.items[i].path, base, sizeof(base));
		round_trip(&one, base);
	}
	lw_records_free(&one);
}

Test(tlv_round_trip, every_type_as_resource_instance)
{
	lw_records one;
	lw_records_init(&one);
	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9999/4", 1, 7);
	for (size_t i = 0; i < recs.n; i++) {
		char base[32];
		lw_records_clear(&one);
		cr_assert_eq(lw_records_append_copy(&one, &recs.items[i]), 0);
		lw_path_format(&recs.items[i].path, base, sizeof(base));
		round_trip(&one, base);
		/* The same record read as its resource: a Multiple Resource TLV. */
		base[strrchr(base, '/') - base] = '\0';
		round_trip(&one, base);
	}
	lw_records_free(&one);
}

Test(tlv_round_trip, multi_instance_resources)
{
	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9999/1", 1, 0);
	add_one_of_each(&recs, "/9999/1", 1, 1);
	add_one_of_each(&recs, "/9999/1", 1, 65534);
	round_trip(&recs, "/9999/1");
	lw_records_clear(&recs);
	ck_add_int(&recs, "/9999/1/301/0", 1);
	ck_add_int(&recs, "/9999/1/301/9", 2);
	round_trip(&recs, "/9999/1/301");
}

Test(tlv_round_trip, object_instance_and_several_instances)
{
	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9999/0", 0, 0);
	add_one_of_each(&recs, "/9999/0", 1, 3);
	ck_add_str(&recs, "/9999/0/300", LW_TYPE_STRING, "sixteen-bit id", 14);
	round_trip(&recs, "/9999/0");

	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9999/0", 0, 0);
	add_one_of_each(&recs, "/9999/1", 1, 4);
	add_one_of_each(&recs, "/9999/300", 0, 0);
	add_one_of_each(&recs, "/9999/65534", 1, 65534);
	round_trip(&recs, "/9999");
}

Test(tlv_round_trip, single_instance_object)
{
	lw_records_clear(&recs);
	add_one_of_each(&recs, "/9998/0", 0, 0);
	round_trip(&recs, "/9998");
	/* The same records decode from bare resources too (no instance TLV). */
	lw_path b = ck_path("/9998/0");
	buf.len = 0;
	cr_assert_eq(lw_codec_tlv.encode(model, &b, &recs, &buf, &cerr), 0);
	b = ck_path("/9998");
	lw_records_clear(&back);
	cr_assert_eq(lw_codec_tlv.decode(model, &b, buf.data, buf.len, &back, &cerr), 0, "%s",
	             cerr.message);
	cr_assert_eq(back.n, recs.n);
	for (size_t i = 0; i < recs.n; i++)
		cr_assert(ck_same_record(&recs.items[i], &back.items[i]));
}

Test(tlv_round_trip, extreme_values)
{
	lw_records_clear(&recs);
	ck_add_int(&recs, "/9999/0/11/0", INT64_MIN);
	ck_add_int(&recs, "/9999/0/11/1", INT64_MAX);
	ck_add_int(&recs, "/9999/0/11/2", -1);
	ck_add_int(&recs, "/9999/0/11/3", 0);
	ck_add_uint(&recs, "/9999/0/12/0", 0);
	ck_add_uint(&recs, "/9999/0/12/1", UINT64_MAX);
	ck_add_float(&recs, "/9999/0/13/0", DBL_MAX);
	ck_add_float(&recs, "/9999/0/13/1", -DBL_MIN);
	ck_add_float(&recs, "/9999/0/13/2", 5e-324);
	ck_add_float(&recs, "/9999/0/13/3", -INFINITY);
	ck_add_float(&recs, "/9999/0/13/4", NAN);
	ck_add_float(&recs, "/9999/0/13/5", -0.0);
	ck_add_bool(&recs, "/9999/0/14/0", 0);
	ck_add_objlnk(&recs, "/9999/0/17/0", 65535, 65535);
	ck_add_objlnk(&recs, "/9999/0/17/1", 0, 0);
	ck_add_str(&recs, "/9999/0/15/0", LW_TYPE_OPAQUE, "", 0);
	round_trip(&recs, "/9999/0");
}

Test(tlv_round_trip, without_a_model_opaque_survives)
{
	lw_records_clear(&recs);
	ck_add_str(&recs, "/500/1/2", LW_TYPE_OPAQUE, "\x01\x02", 2);
	ck_add_str(&recs, "/500/1/3/4", LW_TYPE_OPAQUE, "\x03", 1);
	lw_path b = ck_path("/500");
	cr_assert_eq(lw_codec_tlv.encode(NULL, &b, &recs, &buf, &cerr), 0);
	cr_assert_eq(lw_codec_tlv.decode(NULL, &b, buf.data, buf.len, &back, &cerr), 0);
	cr_assert_eq(back.n, 2);
	cr_assert(ck_same_record(&recs.items[0], &back.items[0]));
	cr_assert(ck_same_record(&recs.items[1], &back.items[1]));
}

/* ---- errors, each with the offset it must name ---- */

Test(tlv_errors, request_path_without_object)
{
	decode_err("/", "C1 09 64", 0, "object id");
	lw_records_clear(&recs);
	encode_err(&recs, "/", 0, "object id");
}

Test(tlv_errors, truncated_header)
{
	decode_err("/3/0", "C8", 0, "truncated TLV header (1 of 3 bytes)");
	decode_err("/3/0", "F8 00", 0, "truncated TLV header (2 of 6 bytes)");
	/* Inside a container, the container is named. */
	decode_err("/3", "08 00 04 C1 09 64 C8 C1 0A 0F", 6, "inside the object instance TLV at offset 0");
}

Test(tlv_errors, length_past_the_payload)
{
	decode_err("/3/0", "C8 00 14 4F 70", 0, "20 bytes runs past the end of the payload (2 left)");
	decode_err("/3/0", "C1 09 64 C5 0A 01 02", 3, "past the end of the payload");
	decode_err("/3/0", "D8 00 FF FF FF 00", 0, "16777215 bytes");
}

Test(tlv_errors, tlv_longer_than_its_container)
{
	decode_err("/3", "08 00 02 C1 09 64", 3, "past the end of the object instance TLV at offset 0");
	decode_err("/3/0", "86 06 41 00 01 42 01 05 C1 09 64", 5,
	           "past the end of the multiple resource TLV at offset 0 (1 left)");
}

Test(tlv_errors, trailing_garbage)
{
	decode_err("/3/0/9", "C1 09 64 FF", 3, "1 trailing byte after the last TLV");
	decode_err("/3/0/9", "C1 09 64 E8 01", 3, "2 trailing bytes");
	/* Bytes that do form a TLV are judged as one. */
	decode_err("/3/0/9", "C1 09 64 C1 0A 0F", 3, "resource 10 is outside the request path /3/0/9");
}

Test(tlv_errors, resource_instance_outside_a_multiple_resource)
{
	decode_err("/3/0", "C1 09 64 41 00 01", 3, "resource instance TLV outside a multiple resource TLV");
	decode_err("/3", "08 00 03 41 00 01", 3, "resource instance TLV outside a multiple resource TLV");
	decode_err("/3/0/6", "41 00 01", 0, "resource instance TLV outside a multiple resource TLV");
}

Test(tlv_errors, nesting_beyond_the_shape)
{
	decode_err("/3/0", "85 06 83 00 41 00 01", 2, "multiple resource TLV inside a multiple resource TLV");
	decode_err("/3/0", "83 06 C1 00 01", 2, "resource TLV inside a multiple resource TLV");
	decode_err("/3/0", "83 06 00 00 00", 2, "object instance TLV inside a multiple resource TLV");
	decode_err("/3", "08 00 03 08 01 00", 3, "object instance TLV inside an object instance TLV");
	decode_err("/3/0/6/1", "C1 06 05", 0, "single resource TLV where resource instance /3/0/6/1");
	/* Deep nesting ends at the first level that breaks the shape. */
	decode_err("/3", "08 00 08 08 00 05 08 00 02 08 00", 3, "object instance TLV inside an object instance TLV");
}

Test(tlv_errors, integer_and_float_widths)
{
	decode_err("/9999/0", "C3 01 00 00 01", 2, "/9999/0/1: integer value of 3 bytes (1, 2, 4 or 8 allowed)");
	decode_err("/9999/0", "C1 09 64 C0 01", 5, "integer value of 0 bytes");
	decode_err("/9999/0", "C5 02 00 00 00 00 01", 2, "unsigned value of 5 bytes");
	decode_err("/9999/0", "C6 06 00 00 00 00 00 01", 2, "time value of 6 bytes");
	decode_err("/9999/0", "C2 03 3F C0", 2, "/9999/0/3: float value of 2 bytes (4 or 8 allowed)");
	decode_err("/9999/0", "C3 07 00 01 00", 2, "objlnk value of 3 bytes (4 allowed)");
	decode_err("/9999/0", "C2 04 00 01", 2, "boolean value of 2 bytes (1 allowed)");
}

Test(tlv_errors, boolean_other_than_0_or_1)
{
	decode_err("/1/0", "C1 00 01 C1 06 02", 5, "/1/0/6: boolean byte 0x02 (0 or 1 allowed)");
	decode_err("/9999/0/14", "83 0E 41 00 FF", 4, "boolean byte 0xff");
}

Test(tlv_errors, duplicate_ids)
{
	decode_err("/3/0", "C1 09 64 C1 09 65", 3, "duplicate resource 9");
	decode_err("/3/0", "C1 0A 0F C1 09 64 C1 0A 0E", 6, "duplicate resource 10");
	decode_err("/3/0", "86 06 41 00 01 41 00 05", 5, "duplicate resource instance 0");
	decode_err("/3/0", "C1 06 01 83 06 41 00 01", 3, "duplicate resource 6");
	decode_err("/2", "08 00 00 08 00 00", 3, "duplicate object instance 0");
	decode_err("/2", "08 01 03 C1 03 7F 08 00 00 08 01 00", 9, "duplicate object instance 1");
	/* A repeat inside a wrapper the client added is a repeat still. */
	decode_err("/3/0/9", "08 00 06 C1 09 64 C1 09 64", 6, "duplicate resource 9");
}

Test(tlv_errors, outside_the_request_path)
{
	decode_err("/3/0/9", "C1 0A 0F", 0, "resource 10 is outside the request path /3/0/9");
	decode_err("/3/0/9", "08 01 03 C1 09 64", 0, "object instance 1 is outside the request path /3/0/9");
	decode_err("/3/0/6/1", "83 07 41 01 05", 0, "multiple resource 7 is outside");
	decode_err("/3/0/6/1", "41 00 01", 0, "resource instance 0 is outside");
	decode_err("/3/0/6/1", "08 00 00", 0, "empty object instance TLV around the requested path");
}

Test(tlv_errors, resources_at_object_level_need_an_instance_tlv)
{
	decode_err("/2", "C1 03 7F", 0, "resource TLV without an object instance TLV: object 2 is multi-instance");
	decode_err("/77", "C1 03 7F", 0, "object 77 is not in the model");
	decode_err("/3", "08 00 03 C1 09 64 C1 0A 0F", 6, "resource TLV next to TLVs of another level");
	decode_err("/3/0", "C1 0A 0F 08 00 03 C1 09 64", 3, "object instance TLV next to TLVs of another level");
}

Test(tlv_errors, reserved_identifier)
{
	decode_err("/9999/0", "E1 FF FF 01", 1, "identifier 65535 is reserved");
}

Test(tlv_errors, too_many_records)
{
	recs.max_items = 3;
	size_t n = ck_unhex(device_instance, hexbuf, sizeof(hexbuf));
	lw_path b = ck_path("/3/0");
	cr_assert_eq(lw_codec_tlv.decode(model, &b, hexbuf, n, &recs, &cerr), LW_EINVAL);
	cr_assert_eq(cerr.offset, 60);
	cr_assert_str_eq(cerr.message, "too many records (limit 3)");
	recs.max_items = 0;
}

/* The misprinted lengths of some printings of the 7.4.3.2 examples. */
Test(tlv_errors, misprinted_spec_lengths)
{
	decode_err("/1", "08 00 0D C1 00 01 C4 01 00 01 51 80 C1 06 01 C1 07 55", 15,
	           "truncated TLV header (1 of 2 bytes) inside the object instance TLV at offset 0");
	decode_err("/2",
	           "08 00 0E C1 00 01 C1 01 00 83 02 41 7F 07 C1 03 7F\n"
	           "08 02 12 C1 00 03 C1 01 00 86 02 41 7F 07 61 01 36 01 C1 03 7F",
	           31, "past the end of the multiple resource TLV at offset 26 (0 left)");
}

Test(tlv_errors, encode_records_that_do_not_fit)
{
	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/9", 1);
	ck_add_int(&recs, "/3/1/9", 1);
	encode_err(&recs, "/3/0", 1, "record /3/1/9 is outside the request path /3/0");

	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/10", 1);
	ck_add_int(&recs, "/3/0/9", 1);
	ck_add_int(&recs, "/3/0/9", 2);
	encode_err(&recs, "/3/0", 2, "record /3/0/9: two values for one path");

	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/6", 1);
	ck_add_int(&recs, "/3/0/6/0", 1);
	encode_err(&recs, "/3/0", 0, "given both as a single value and with instances");

	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0", 1);
	encode_err(&recs, "/3", 0, "a value above the resource level");

	lw_records_clear(&recs);
	ck_add(&recs, "/3/0/6/1", LW_TYPE_NONE);
	encode_err(&recs, "/3/0", 0, "no value to write");


	lw_records_clear(&recs);
	ck_add(&recs, "/3/0/9", 42);
	encode_err(&recs, "/3/0", 0, "unknown type");

	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/9", 1);
	recs.items[0].path.iid = LW_ID_NONE;
	encode_err(&recs, "/3", 0, "malformed path");

	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/9", 1);
	ck_add_str(&recs, "/3/0/0", LW_TYPE_STRING, "x", 1);
	recs.items[1].v.s.len = 0x1000000;
	encode_err(&recs, "/3/0", 1, "longer than a TLV can carry");
}

/* ---- against the built-in model and the OMA registry ---- */

Test(tlv_models, spec_examples_with_built_in_objects)
{
	lw_model *builtin = ck_builtin_model(2);
	cr_assert_eq(decode_with(&lw_codec_tlv, builtin, "/3/0", device_instance), 0, "%s",
	             cerr.message);
	ck_assert_device_instance(&recs, "/3/0");
	cr_assert_eq(decode_with(&lw_codec_tlv, builtin, "/2", acl_two_instances), 0, "%s",
	             cerr.message);
	cr_assert_eq(recs.n, 9);
	assert_int_rec(7, "/2/2/2/310", LW_TYPE_INTEGER, 1);
	cr_assert_eq(decode_with(&lw_codec_tlv, builtin, "/1", server_one_instance), 0, "%s",
	             cerr.message);
	cr_assert_eq(recs.items[2].type, LW_TYPE_BOOLEAN);
	lw_path b = ck_path("/1");
	cr_assert_eq(lw_codec_tlv.encode(builtin, &b, &recs, &buf, &cerr), 0);
	size_t n = ck_unhex(server_one_instance, hexbuf, sizeof(hexbuf));
	cr_assert_eq(buf.len, n);
	cr_assert_arr_eq(buf.data, hexbuf, n);
	lw_model_free(builtin);
}

/* A value of each type the registry uses, in TLV, with what it must decode to. */
static size_t sample_value(int type, uint8_t *v)
{
	switch (type) {
	case LW_TYPE_INTEGER: case LW_TYPE_TIME:
		memcpy(v, "\xFE\xD4", 2); /* -300 */
		return 2;
	case LW_TYPE_UNSIGNED:
		memcpy(v, "\xFE\xD4", 2); /* 65236 */
		return 2;
	case LW_TYPE_FLOAT:
		memcpy(v, "\x41\x20\x00\x00", 4); /* 10.0 */
		return 4;
	case LW_TYPE_BOOLEAN:
		v[0] = 1;
		return 1;
	case LW_TYPE_OBJLNK:
		memcpy(v, "\x0C\xE7\x00\x02", 4); /* 3303:2 */
		return 4;
	default:
		memcpy(v, "ab", 2);
		return 2;
	}
}

static void check_sample(int type, const lw_record *x)
{
	switch (type) {
	case LW_TYPE_INTEGER: case LW_TYPE_TIME:
		cr_assert_eq(x->v.i, -300);
		break;
	case LW_TYPE_UNSIGNED:
		cr_assert_eq(x->v.u, 65236);
		break;
	case LW_TYPE_FLOAT:
		cr_assert_eq(x->v.f, 10.0);
		break;
	case LW_TYPE_BOOLEAN:
		cr_assert(x->v.b);
		break;
	case LW_TYPE_OBJLNK:
		cr_assert(x->v.l.oid == 3303 && x->v.l.iid == 2);
		break;
	default:
		cr_assert(x->v.s.len == 2 && memcmp(x->v.s.data, "ab", 2) == 0);
		break;
	}
}

/*
 * Every resource of every object in the OMA registry: a Resource TLV
 * (or a Multiple Resource TLV) with a value of its type decodes to a
 * record of that type, and encodes back to the same bytes.
 */
Test(tlv_models, every_resource_type_of_the_registry)
{
	lw_model *reg = ck_oma_model();
	size_t checked = 0, types_seen[LW_TYPE_CORELNK + 1] = {0};
	for (size_t i = 0; i < lw_model_count(reg); i++) {
		const struct lw_object_def *o = lw_model_at(reg, i);
		if (o != lw_model_object(reg, o->id, NULL))
			continue; /* the codec types by the newest version */
		for (size_t k = 0; k < o->n_resources; k++) {
			const struct lw_resource_def *rd = &o->resources[k];
			uint8_t tlv[16], v[8];
			size_t vn = sample_value(rd->type, v), n = 0;
			uint8_t id_flag = rd->id > 255 ? 0x20 : 0;
			char base[32];
			if (rd->multiple) {
				tlv[n++] = (uint8_t)(0x80 | id_flag | (2 + vn));
			} else {
				tlv[n++] = (uint8_t)(0xC0 | id_flag | vn);
			}
			if (id_flag)
				tlv[n++] = (uint8_t)(rd->id >> 8);
			tlv[n++] = (uint8_t)rd->id;
			if (rd->multiple) {
				tlv[n++] = (uint8_t)(0x40 | vn);
				tlv[n++] = 0;
			}
			memcpy(tlv + n, v, vn);
			n += vn;
			snprintf(base, sizeof(base), "/%u/0/%u", o->id, rd->id);
			lw_path b = ck_path(base);
			lw_records_clear(&recs);
			int rc = lw_codec_tlv.decode(reg, &b, tlv, n, &recs, &cerr);
			cr_assert_eq(rc, 0, "%s (%s): %s", base, lw_type_name(rd->type), cerr.message);
			cr_assert_eq(recs.n, 1);
			int want = rd->type == LW_TYPE_NONE ? LW_TYPE_OPAQUE : rd->type;
			cr_assert_eq(recs.items[0].type, want, "%s: type %d", base, recs.items[0].type);
			check_sample(want, &recs.items[0]);
			buf.len = 0;
			cr_assert_eq(lw_codec_tlv.encode(reg, &b, &recs, &buf, &cerr), 0, "%s: %s", base,
			             cerr.message);
			cr_assert(buf.len == n && memcmp(buf.data, tlv, n) == 0, "%s: %s", base,
			          ck_hex(buf.data, buf.len));
			types_seen[want]++;
			checked++;
		}
	}
	lw_model_free(reg);
	cr_assert_gt(checked, 1000, "only %zu resources checked", checked);
	for (int t = LW_TYPE_STRING; t <= LW_TYPE_OBJLNK; t++)
		cr_assert_gt(types_seen[t], 0, "no %s resource in the registry", lw_type_name(t));
}

/* ---- the plugin, loaded the way lwm2md loads it ---- */

Test(tlv_plugin, registers_both_numbers)
{
	struct ck_plugin pl;
	ck_plugin_load(&pl, "codec-tlv");
	const struct lw_codec *c = ck_registered(LW_CF_TLV, "tlv");
	const struct lw_codec *legacy = ck_registered(LW_CF_TLV_LEGACY, "tlv-legacy");
	cr_assert_eq(legacy->decode, c->decode);
	size_t n = ck_unhex(server_one_instance, hexbuf, sizeof(hexbuf));
	lw_path b = ck_path("/1");
	cr_assert_eq(legacy->decode(model, &b, hexbuf, n, &recs, &cerr), 0, "%s", cerr.message);
	cr_assert_eq(recs.n, 4);
	ck_plugin_unload(&pl);
	cr_assert_null(lw_codec_by_format(LW_CF_TLV), "the codec outlived its plugin");
	cr_assert_null(lw_codec_by_format(LW_CF_TLV_LEGACY), "the codec outlived its plugin");
}
