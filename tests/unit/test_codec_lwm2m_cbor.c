/*
 * tests/unit/test_codec_lwm2m_cbor.c: the LwM2M CBOR codec (LwM2M 1.2,
 * content format 11544) against byte vectors, round trips of every type and
 * shape, and malformed input.
 *
 * Where the bytes come from: the payloads are the data of the LwM2M 1.1 Core
 * spec's examples (Tables 7.4.4-2 Device, 7.4.4-4 object links, 7.4.4-6/7
 * Read-Composite, 7.4.4-8 Write-Composite) written in LwM2M CBOR by the rules
 * of the 1.2 Core spec section 7.4.7: nested maps keyed by path ids, an array
 * of ids as a key standing for several levels, values as CBOR items, null for
 * no value. The diagnostic notation above each vector is the source; the hex
 * was produced from it by an independent encoder. The 1.2 spec's own printed
 * LwM2M CBOR examples could not be consulted when this was written: where
 * they differ, they win.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/model_int.h"
#include "codec_testkit.h"
#include "lwm2m_cbor.h"

static const struct lw_codec *const C = &lw_codec_lwm2m_cbor;
static lw_model *model;
static lw_records recs, back;
static lw_buf buf;
static struct lw_codec_error err;

static void setup(void)
{
	model = ck_small_model();
	ck_state_init(&recs, &back, &buf, &err);
}

static void teardown(void)
{
	lw_model_free(model);
	ck_state_free(&recs, &back, &buf);
}

TestSuite(lwm2m_cbor, .init = setup, .fini = teardown);

/* ---- the codec steps on this file's state: hex in, recs, buf, err; the
 * encoder always writes from the root ---- */

static uint8_t in[4096];

static size_t unhex(const char *hex)
{
	return ck_unhex(hex, in, sizeof(in));
}

static void decode_ok(const char *path, const char *hex)
{
	lw_records_clear(&recs);
	ck_decode_ok(C, model, path, in, unhex(hex), &recs, &err);
}

static void decode_fails(const char *path, const char *hex, const char *want)
{
	ck_decode_err(C, model, path, in, unhex(hex), &recs, &err, CK_ANY_OFFSET, want);
}

static void encode_fails(const lw_records *r, const char *want)
{
	ck_encode_err(C, model, NULL, r, &buf, &err, CK_ANY_OFFSET, want);
}

static void encode_expect(const lw_records *r, const char *hex)
{
	ck_encode_is(C, model, NULL, r, &buf, &err, in, unhex(hex));
}

/* The records come back in path order, the order the encoder writes. */
static void round_trip(const lw_records *r)
{
	ck_round_trip(C, model, NULL, r, &buf, &back, &err, CK_SORTED);
}

/* ---- the Core examples' data in LwM2M CBOR ---- */

/*
 * Table 7.4.4-2's Device instance as the encoder writes it:
 * {[3, 0]: {0: "Open Mobile Alliance", 1: "Lightweight M2M Client",
 *   2: "345000123", 3: "1.0", 6: {0: 1, 1: 5}, 7: {0: 3800, 1: 5000},
 *   8: {0: 125, 1: 900}, 9: 100, 10: 15, [11, 0]: 0, 13: 1367491215,
 *   14: "+02:00", 16: "U"}}
 * ([11, 0]: 0 is as short as 11: {0: 0}: a one-child chain becomes a key.)
 */
static const char device_hex[] =
	"a1 82 03 00 ad 00 74 4f 70 65 6e 20 4d 6f 62 69"
	"6c 65 20 41 6c 6c 69 61 6e 63 65 01 76 4c 69 67"
	"68 74 77 65 69 67 68 74 20 4d 32 4d 20 43 6c 69"
	"65 6e 74 02 69 33 34 35 30 30 30 31 32 33 03 63"
	"31 2e 30 06 a2 00 01 01 05 07 a2 00 19 0e d8 01"
	"19 13 88 08 a2 00 18 7d 01 19 03 84 09 18 64 0a"
	"0f 82 0b 00 00 0d 1a 51 82 42 8f 0e 66 2b 30 32"
	"3a 30 30 10 61 55";

/* The same with 11: {0: 0} nested. */
static const char device_nested_hex[] =
	"a1 82 03 00 ad 00 74 4f 70 65 6e 20 4d 6f 62 69"
	"6c 65 20 41 6c 6c 69 61 6e 63 65 01 76 4c 69 67"
	"68 74 77 65 69 67 68 74 20 4d 32 4d 20 43 6c 69"
	"65 6e 74 02 69 33 34 35 30 30 30 31 32 33 03 63"
	"31 2e 30 06 a2 00 01 01 05 07 a2 00 19 0e d8 01"
	"19 13 88 08 a2 00 18 7d 01 19 03 84 09 18 64 0a"
	"0f 0b a1 00 00 0d 1a 51 82 42 8f 0e 66 2b 30 32"
	"3a 30 30 10 61 55";

Test(lwm2m_cbor, device_instance_both_ways)
{
	decode_ok("/3/0", device_hex);
	ck_assert_device_instance(&recs, "/3/0");
	encode_expect(&recs, device_hex);
	decode_ok("/3/0", device_nested_hex);
	ck_assert_device_instance(&recs, "/3/0");
	encode_expect(&recs, device_hex);
}

Test(lwm2m_cbor, device_instance_with_builtin_model)
{
	lw_model *b = ck_builtin_model(0);
	lw_path base = ck_path("/3/0"), root = LW_PATH_ROOT;
	size_t len = unhex(device_hex);
	int rc = C->decode(b, &base, in, len, &recs, &err);
	if (rc == 0) {
		ck_assert_device_instance(&recs, "/3/0");
		rc = C->encode(b, &root, &recs, &buf, &err);
	}
	lw_model_free(b);
	cr_assert_eq(rc, 0, "%s", err.message);
	cr_assert(buf.len == len && memcmp(buf.data, in, len) == 0);
}

/* Tables 7.4.4-6 and 7.4.4-7: Read-Composite of /3/0/0, /3/0/9, /1/0/1.
 * Request: {[1, 0, 1]: null, [3, 0]: {0: null, 9: null}} */
static const char composite_req_hex[] = "a2 83 01 00 01 f6 82 03 00 a2 00 f6 09 f6";
/* Response: {[1, 0, 1]: 86400, [3, 0]: {0: "Open Mobile Alliance", 9: 95}} */
static const char composite_resp_hex[] =
	"a2 83 01 00 01 1a 00 01 51 80 82 03 00 a2 00 74"
	"4f 70 65 6e 20 4d 6f 62 69 6c 65 20 41 6c 6c 69"
	"61 6e 63 65 09 18 5f";

Test(lwm2m_cbor, read_composite_both_ways)
{
	decode_ok("/", composite_req_hex);
	cr_assert_eq(recs.n, 3);
	ck_assert_path(&recs.items[0], "/1/0/1");
	ck_assert_path(&recs.items[1], "/3/0/0");
	ck_assert_path(&recs.items[2], "/3/0/9");
	for (int i = 0; i < 3; i++)
		cr_assert_eq(recs.items[i].type, LW_TYPE_NONE);
	encode_expect(&recs, composite_req_hex);

	decode_ok("/", composite_resp_hex);
	cr_assert_eq(recs.n, 3);
	ck_assert_int_rec(&recs.items[0], "/1/0/1", LW_TYPE_INTEGER, 86400);
	ck_assert_str_rec(&recs.items[1], "/3/0/0", LW_TYPE_STRING, "Open Mobile Alliance");
	ck_assert_int_rec(&recs.items[2], "/3/0/9", LW_TYPE_INTEGER, 95);
	/* the records in the spec's order (unsorted) encode the same */
	lw_records_clear(&back);
	cr_assert_eq(lw_records_append_copy(&back, &recs.items[1]), 0);
	cr_assert_eq(lw_records_append_copy(&back, &recs.items[2]), 0);
	cr_assert_eq(lw_records_append_copy(&back, &recs.items[0]), 0);
	encode_expect(&back, composite_resp_hex);
}

Test(lwm2m_cbor, the_same_records_in_any_key_form)
{
	/* {3: {0: {0: "Open Mobile Alliance", 9: 95}}, 1: {0: {1: 86400}}} */
	decode_ok("/", "a2 03 a1 00 a2 00 74 4f 70 65 6e 20 4d 6f 62 69"
	               "6c 65 20 41 6c 6c 69 61 6e 63 65 09 18 5f 01 a1"
	               "00 a1 01 1a 00 01 51 80");
	lw_records_sort(&recs);
	encode_expect(&recs, composite_resp_hex);
	/* {[3, 0, 0]: "Open Mobile Alliance", [3, 0, 9]: 95, [1, 0, 1]: 86400} */
	decode_ok("/", "a3 83 03 00 00 74 4f 70 65 6e 20 4d 6f 62 69 6c"
	               "65 20 41 6c 6c 69 61 6e 63 65 83 03 00 09 18 5f"
	               "83 01 00 01 1a 00 01 51 80");
	lw_records_sort(&recs);
	encode_expect(&recs, composite_resp_hex);
	/* all indefinite: {_ [_ 1, 0]: {_ [_ 1]: 86400}, [_ 3]: {_ 0: {_ 9: 95,
	 * 0: (_ "Open Mobile ", "Alliance")}}} */
	decode_ok("/", "bf 9f 01 00 ff bf 9f 01 ff 1a 00 01 51 80 ff"
	               "9f 03 ff bf 00 bf 09 18 5f 00 7f 6c 4f 70 65 6e 20 4d 6f 62 69 6c 65 20"
	               "68 41 6c 6c 69 61 6e 63 65 ff ff ff ff");
	lw_records_sort(&recs);
	encode_expect(&recs, composite_resp_hex);
}

Test(lwm2m_cbor, indefinite_strings_with_empty_chunks)
{
	/* {[3, 0]: {0: (_ "", "a"), 1: (_ )}} and {[9000, 0, 5]: (_ h'', h'01')} */
	decode_ok("/", "a1 82 03 00 a2 00 7f 60 61 61 ff 01 7f ff");
	ck_assert_str_rec(&recs.items[0], "/3/0/0", LW_TYPE_STRING, "a");
	ck_assert_str_rec(&recs.items[1], "/3/0/1", LW_TYPE_STRING, "");
	decode_ok("/", "a1 83 19 23 28 00 05 5f 40 41 01 ff");
	ck_assert_str_rec(&recs.items[0], "/9000/0/5", LW_TYPE_OPAQUE, "\x01");
}

/* Table 7.4.4-8: Write-Composite.
 * {[3308, 0, 5900]: 18, 3311: {[0, 5850]: false, [1, 5850]: false,
 *  [2, 5851]: 20}} */
static const char write_composite_hex[] =
	"a2 83 19 0c ec 00 19 17 0c 12 19 0c ef a3 82 00"
	"19 16 da f4 82 01 19 16 da f4 82 02 19 16 db 14";

Test(lwm2m_cbor, write_composite_both_ways)
{
	decode_ok("/", write_composite_hex);
	cr_assert_eq(recs.n, 4);
	ck_assert_path(&recs.items[0], "/3308/0/5900");
	cr_assert(recs.items[0].type == LW_TYPE_FLOAT && recs.items[0].v.f == 18.0);
	ck_assert_path(&recs.items[1], "/3311/0/5850");
	cr_assert(recs.items[1].type == LW_TYPE_BOOLEAN && !recs.items[1].v.b);
	ck_assert_path(&recs.items[2], "/3311/1/5850");
	ck_assert_int_rec(&recs.items[3], "/3311/2/5851", LW_TYPE_INTEGER, 20);
	encode_expect(&recs, write_composite_hex);
}

/* Table 7.4.4-4's object links.
 * {[65, 0]: {0: {0: "66:0", 1: "66:1"}, 1: "8613800755500", 2: 1},
 *  66: {0: {0: "myService1", 1: "Internet.15.234", 2: "67:0"},
 *       1: {0: "myService2", 1: "Internet.15.235", 2: "65535:65535"}},
 *  [67, 0]: {0: "85.76.76.84", 1: "85.76.255.255"}} */
static const char objlnk_hex[] =
	"a3 82 18 41 00 a3 00 a2 00 64 36 36 3a 30 01 64"
	"36 36 3a 31 01 6d 38 36 31 33 38 30 30 37 35 35"
	"35 30 30 02 01 18 42 a2 00 a3 00 6a 6d 79 53 65"
	"72 76 69 63 65 31 01 6f 49 6e 74 65 72 6e 65 74"
	"2e 31 35 2e 32 33 34 02 64 36 37 3a 30 01 a3 00"
	"6a 6d 79 53 65 72 76 69 63 65 32 01 6f 49 6e 74"
	"65 72 6e 65 74 2e 31 35 2e 32 33 35 02 6b 36 35"
	"35 33 35 3a 36 35 35 33 35 82 18 43 00 a2 00 6b"
	"38 35 2e 37 36 2e 37 36 2e 38 34 01 6d 38 35 2e"
	"37 36 2e 32 35 35 2e 32 35 35";

Test(lwm2m_cbor, object_links_both_ways)
{
	decode_ok("/", objlnk_hex);
	cr_assert_eq(recs.n, 12);
	const lw_record *x = recs.items;
	ck_assert_path(&x[0], "/65/0/0/0");
	cr_assert(x[0].type == LW_TYPE_OBJLNK && x[0].v.l.oid == 66 && x[0].v.l.iid == 0);
	cr_assert(x[1].type == LW_TYPE_OBJLNK && x[1].v.l.oid == 66 && x[1].v.l.iid == 1);
	ck_assert_str_rec(&x[2], "/65/0/1", LW_TYPE_STRING, "8613800755500");
	ck_assert_int_rec(&x[3], "/65/0/2", LW_TYPE_INTEGER, 1);
	/* object 66 is unknown to the model: its links stay text */
	ck_assert_str_rec(&x[6], "/66/0/2", LW_TYPE_STRING, "67:0");
	ck_assert_str_rec(&x[11], "/67/0/1", LW_TYPE_STRING, "85.76.255.255");
	encode_expect(&recs, objlnk_hex);
}

/* ---- semantics ---- */

Test(lwm2m_cbor, types_of_resources_unknown_to_the_model)
{
	/* {[77, 0]: {0: 7, 1: 1.5, 2: 18446744073709551615, 3: -2, 4: "s",
	 *  5: true, 6: h'0102', 7: 1(1700000000), 8: null, 9: 2.0}} */
	decode_ok("/", "a1 82 18 4d 00 aa 00 07 01 f9 3e 00 02 1b ff ff ff ff ff ff ff ff"
	               "03 21 04 61 73 05 f5 06 42 01 02 07 c1 1a 65 53 f1 00 08 f6"
	               "09 f9 40 00");
	const lw_record *x = recs.items;
	ck_assert_int_rec(&x[0], "/77/0/0", LW_TYPE_INTEGER, 7);
	cr_assert(x[1].type == LW_TYPE_FLOAT && x[1].v.f == 1.5);
	cr_assert(x[2].type == LW_TYPE_UNSIGNED && x[2].v.u == UINT64_MAX);
	ck_assert_int_rec(&x[3], "/77/0/3", LW_TYPE_INTEGER, -2);
	ck_assert_str_rec(&x[4], "/77/0/4", LW_TYPE_STRING, "s");
	cr_assert(x[5].type == LW_TYPE_BOOLEAN && x[5].v.b);
	ck_assert_str_rec(&x[6], "/77/0/6", LW_TYPE_OPAQUE, "\x01\x02");
	ck_assert_int_rec(&x[7], "/77/0/7", LW_TYPE_TIME, 1700000000); /* tag 1 says time */
	cr_assert_eq(x[8].type, LW_TYPE_NONE);
	cr_assert(x[9].type == LW_TYPE_FLOAT && x[9].v.f == 2.0);
	round_trip(&recs);
}

Test(lwm2m_cbor, model_types_the_values)
{
	/* {[9000, 0]: {2: 5, 3: 5, 6: 1(1.7e9), 1: -3.0, 7: "3:0", 8: "</1>"}}:
	 * unsigned, float, time, integer, object link and core link resources */
	decode_ok("/9000/0", "a1 82 19 23 28 00 a6 02 05 03 05 06 c1 fa 4e ca a7 e2"
	                     "01 f9 c2 00 07 63 33 3a 30 08 64 3c 2f 31 3e");
	const lw_record *x = recs.items;
	cr_assert(x[0].type == LW_TYPE_UNSIGNED && x[0].v.u == 5);
	cr_assert(x[1].type == LW_TYPE_FLOAT && x[1].v.f == 5.0);
	ck_assert_int_rec(&x[2], "/9000/0/6", LW_TYPE_TIME, 1700000000);
	ck_assert_int_rec(&x[3], "/9000/0/1", LW_TYPE_INTEGER, -3);
	cr_assert(x[4].type == LW_TYPE_OBJLNK && x[4].v.l.oid == 3 && x[4].v.l.iid == 0);
	ck_assert_str_rec(&x[5], "/9000/0/8", LW_TYPE_CORELNK, "</1>");
	decode_ok("/", "a1 83 19 23 28 00 03 c4 82 21 19 6a b3");
	cr_assert(recs.items[0].type == LW_TYPE_FLOAT && recs.items[0].v.f == 273.15);
}

Test(lwm2m_cbor, null_marks_paths_without_a_value)
{
	/* {1: null, [3, 0]: null, [9000, 0, 9, 2]: null} */
	decode_ok("/", "a3 01 f6 82 03 00 f6 84 19 23 28 00 09 02 f6");
	cr_assert_eq(recs.n, 3);
	ck_assert_path(&recs.items[0], "/1");
	ck_assert_path(&recs.items[1], "/3/0");
	ck_assert_path(&recs.items[2], "/9000/0/9/2");
	encode_expect(&recs, "a3 01 f6 82 03 00 f6 84 19 23 28 00 09 02 f6");
}

Test(lwm2m_cbor, empty_payloads)
{
	encode_expect(&recs, "a0");
	decode_ok("/3/0", "a0");
	cr_assert_eq(recs.n, 0);
	decode_ok("/", "a1 03 a0"); /* {3: {}}: an object with nothing in it */
	cr_assert_eq(recs.n, 0);
}

/* ---- round trips ---- */

Test(lwm2m_cbor, round_trip_each_type_as_a_single_resource)
{
	lw_records all;
	lw_records_init(&all);
	ck_add_one_of_each(&all, "/9000/0");
	for (size_t i = 0; i < all.n; i++) {
		lw_records_clear(&recs);
		cr_assert_eq(lw_records_append_copy(&recs, &all.items[i]), 0);
		round_trip(&recs);
		/* {[9000, 0, r]: value} */
		cr_assert(buf.data[0] == 0xa1 && buf.data[1] == 0x83, "record %zu", i);
	}
	lw_records_free(&all);
}

Test(lwm2m_cbor, round_trip_shapes)
{
	ck_add_int(&recs, "/9000/0/9/3", 7); /* resource instance */
	encode_expect(&recs, "a1 84 19 23 28 00 09 03 07");
	round_trip(&recs);
	lw_records_clear(&recs); /* multi-instance resource */
	ck_add_int(&recs, "/9000/0/9/1", -1);
	ck_add_int(&recs, "/9000/0/9/0", 1);
	ck_add_int(&recs, "/9000/0/9/65534", 0);
	encode_expect(&recs, "a1 83 19 23 28 00 09 a3 00 01 01 20 19 ff fe 00");
	round_trip(&recs);
	lw_records_clear(&recs); /* object instance, object, composite */
	ck_add_one_of_each(&recs, "/9000/0");
	round_trip(&recs);
	ck_add_one_of_each(&recs, "/9000/1");
	round_trip(&recs);
	ck_add_str(&recs, "/3/0/0", LW_TYPE_STRING, "OMA", 3);
	ck_add_int(&recs, "/1/0/1", 86400);
	ck_add(&recs, "/3303", LW_TYPE_NONE);
	round_trip(&recs);
}

Test(lwm2m_cbor, round_trip_extreme_numbers)
{
	/* -9126826119843050 is an even integer above 2^53: as a CBOR negative
	 * integer it must come back exactly (found by the fuzzer) */
	static const double floats[] = {0.0, -0.0, 1e-310, 5.960464477539063e-08, 65504.0,
	                                3.4028234663852886e38, 1e300, INFINITY, -INFINITY, NAN,
	                                -9126826119843050.0, -18446744073709551616.0};
	char p[32];
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
		snprintf(p, sizeof(p), "/77/0/3/%zu", i); /* unknown: always a CBOR float */
		ck_add(&recs, p, LW_TYPE_FLOAT)->v.f = floats[i];
		snprintf(p, sizeof(p), "/3308/%zu/5900", i); /* a float resource */
		ck_add(&recs, p, LW_TYPE_FLOAT)->v.f = floats[i];
	}
	ck_add_int(&recs, "/9000/0/1", INT64_MIN);
	ck_add_int(&recs, "/9000/1/1", INT64_MAX);
	ck_add(&recs, "/9000/0/2", LW_TYPE_UNSIGNED)->v.u = 0;
	ck_add(&recs, "/9000/0/6", LW_TYPE_TIME)->v.i = -1;
	ck_add(&recs, "/9000/0/7", LW_TYPE_OBJLNK)->v.l = (lw_objlnk){65535, 65535};
	ck_add_str(&recs, "/9000/0/0", LW_TYPE_STRING, "", 0);
	ck_add_str(&recs, "/9000/0/5", LW_TYPE_OPAQUE, "", 0);
	round_trip(&recs);
}

Test(lwm2m_cbor, shortest_heads)
{
	ck_add(&recs, "/3308/0/5900", LW_TYPE_FLOAT)->v.f = 18.0;   /* known float: integer */
	ck_add(&recs, "/3308/1/5900", LW_TYPE_FLOAT)->v.f = 1.5;    /* half */
	ck_add(&recs, "/3308/2/5900", LW_TYPE_FLOAT)->v.f = 100000.5; /* single */
	ck_add(&recs, "/3308/3/5900", LW_TYPE_FLOAT)->v.f = 0.1;    /* double */
	ck_add(&recs, "/3308/4/5900", LW_TYPE_FLOAT)->v.f = -1e9;   /* 4-byte negative integer */
	/* {3308: {[0, 5900]: 18, [1, 5900]: 1.5, [2, 5900]: 100000.5,
	 *  [3, 5900]: 0.1, [4, 5900]: -1000000000}} */
	encode_expect(&recs, "a1 19 0c ec a5"
	                     "82 00 19 17 0c 12"
	                     "82 01 19 17 0c f9 3e 00"
	                     "82 02 19 17 0c fa 47 c3 50 40"
	                     "82 03 19 17 0c fb 3f b9 99 99 99 99 99 9a"
	                     "82 04 19 17 0c 3a 3b 9a c9 ff");
}

/* ---- errors ---- */

Test(lwm2m_cbor, every_truncation_fails)
{
	const char *all[] = {device_hex, composite_resp_hex, write_composite_hex, objlnk_hex};
	for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++) {
		size_t len = unhex(all[k]);
		lw_path root = LW_PATH_ROOT;
		for (size_t cut = 0; cut < len; cut++) {
			lw_records_clear(&recs);
			int rc = C->decode(model, &root, in, cut, &recs, &err);
			cr_assert_eq(rc, LW_EINVAL, "example %zu cut at %zu decoded", k, cut);
			cr_assert(strstr(err.message, "truncated"), "cut at %zu: %s", cut, err.message);
		}
	}
}

Test(lwm2m_cbor, huge_declared_lengths_are_not_allocated)
{
	decode_fails("/", "a1 83 03 00 00 7b ff ff ff ff ff ff ff ff 41", "truncated");
	decode_fails("/", "a1 83 03 00 00 5a ff ff ff ff 41", "truncated: a byte string of 4294967295");
	decode_fails("/", "bb ff ff ff ff ff ff ff ff 83 03 00 00 61 78", "truncated");
	/* an array key declaring 2^64-1 ids stops at the fifth */
	decode_fails("/", "a1 9b ff ff ff ff ff ff ff ff 01 02 03 04 05", "deeper than 4 levels");
}

Test(lwm2m_cbor, wrong_major_types)
{
	decode_fails("/", "83 03 00 00", "LwM2M CBOR is a map, not an array");
	decode_fails("/", "a1 61 33 a0", "a key must be a path id or an array of ids, not a text");
	decode_fails("/", "a1 20 a0", "not a negative integer");
	decode_fails("/", "a1 82 03 61 30 a0", "a path id must be an unsigned integer, not a text");
	decode_fails("/", "a1 80 01", "an empty array is not a path");
	decode_fails("/", "a1 19 ff ff a0", "path id 65535 is above 65534");
	decode_fails("/", "a1 82 03 00 05", "a value at /3/0");
	decode_fails("/", "a1 83 03 00 00 82 01 02", "a value cannot be an array");
	decode_fails("/", "a1 83 03 00 00 f7", "a value cannot be undefined");
	decode_fails("/", "a1 83 03 00 00 01", "a number for a resource of type string");
	decode_fails("/", "a1 83 03 00 09 61 35", "a text string for a resource of type integer");
	decode_fails("/", "a1 83 01 00 06 01", "a number for a resource of type boolean");
	decode_fails("/", "a1 83 01 00 01 f4", "a boolean for a resource of type integer");
	decode_fails("/", "a1 83 01 00 01 41 00", "a byte string for a resource of type integer");
	decode_fails("/", "a1 83 19 23 28 00 02 20", "negative");
	decode_fails("/", "a1 83 19 23 28 00 01 f9 3e 00", "fraction");
	decode_fails("/", "a1 83 19 23 28 00 07 63 33 2d 30", "is not \"oid:iid\"");
	decode_fails("/", "a1 83 03 00 00 62 c3 28", "not valid UTF-8");
	decode_fails("/3/0", "a1 83 01 00 01 01", "/1/0/1 is outside the request path /3/0");
	decode_fails("/", "a1 83 03 00 00 ff", "a break where a value");
}

Test(lwm2m_cbor, tags)
{
	decode_fails("/", "a1 83 03 00 0d c0 61 30", "tag 0 is not allowed");
	decode_fails("/", "a1 83 03 00 0d c1 61 30", "tag 1 must be on a number");
	decode_fails("/", "a1 83 03 00 00 c1 01", "a number for a resource of type string");
	decode_fails("/", "a1 c1 03 a0", "a key must be a path id");
	decode_fails("/", "a1 83 03 00 09 c4 82 01 c2 41 01", "bignums");
}

Test(lwm2m_cbor, nesting_is_bounded_by_the_path)
{
	/* {0: {0: {0: {0: {0: ...}}}}}: the fifth map is refused long before
	 * LW_CODEC_MAX_DEPTH could be reached */
	char hex[128] = "";
	for (int i = 0; i < 20; i++)
		strcat(hex, "a1 00 ");
	strcat(hex, "00");
	decode_fails("/", hex, "a map below a resource instance");
	decode_fails("/", "a1 84 03 00 06 00 a1 00 01", "a map below a resource instance");
	decode_fails("/", "a1 85 01 02 03 04 05 01", "deeper than 4 levels");
	decode_fails("/", "a1 83 03 00 06 a1 82 00 01 05", "deeper than 4 levels");
}

Test(lwm2m_cbor, duplicate_paths)
{
	/* the same key twice in one map */
	decode_fails("/", "a1 82 03 00 a2 09 01 09 02", "duplicate path /3/0/9");
	/* the same path through different keys */
	decode_fails("/", "a2 83 03 00 09 01 03 a1 00 a1 09 02", "duplicate path /3/0/9");
	/* a value inside a path that has one */
	decode_fails("/", "a2 83 03 00 06 f6 84 03 00 06 00 01", "/3/0/6/0 is inside /3/0/6");
	decode_fails("/", "a2 82 03 00 f6 83 03 00 09 01", "/3/0/9 is inside /3/0");
}

Test(lwm2m_cbor, malformed_cbor_and_trailing_bytes)
{
	decode_fails("/", "a1 83 03 00 00 fc", "reserved or unassigned");
	decode_fails("/", "a0 00", "1 bytes after the end of the map");
	decode_fails("/", "", "truncated");
	decode_fails("/", "a1 83 03 00 00 7f 61 61 41 62 ff", "a chunk of an indefinite-length string");
}

Test(lwm2m_cbor, max_items_stops_the_decoder)
{
	recs.max_items = 2;
	size_t len = unhex(composite_resp_hex);
	lw_path root = LW_PATH_ROOT;
	cr_assert_eq(C->decode(model, &root, in, len, &recs, &err), LW_EINVAL);
	cr_assert(strstr(err.message, "too many records (the limit is 2)"), "%s", err.message);
	cr_assert_eq(recs.n, 2);
}

Test(lwm2m_cbor, encoder_refuses_what_the_format_cannot_carry)
{
	lw_record *r = ck_add(&recs, "/3/0/13", LW_TYPE_TIME);
	r->has_time = 1;
	r->time = 5;
	encode_fails(&recs, "time stamp");
	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/9", 1);
	ck_add_int(&recs, "/3/0/9", 2);
	encode_fails(&recs, "duplicate path /3/0/9");
	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0/6/0", 1);
	ck_add(&recs, "/3/0/6", LW_TYPE_NONE);
	encode_fails(&recs, "/3/0/6/0 (record 0) is inside /3/0/6");
	lw_records_clear(&recs);
	ck_add_int(&recs, "/3/0", 1);
	encode_fails(&recs, "needs a resource path");
	lw_records_clear(&recs);
	ck_add(&recs, "/", LW_TYPE_NONE);
	encode_fails(&recs, "root");
	lw_records_clear(&recs);
	ck_add_str(&recs, "/3/0/0", LW_TYPE_STRING, "\xc3", 1);
	encode_fails(&recs, "UTF-8");
	lw_records_clear(&recs);
	ck_add(&recs, "/3/0/0", 77);
	encode_fails(&recs, "unknown type");
}

/* ---- the whole OMA registry ---- */

Test(lwm2m_cbor, every_resource_type_of_the_oma_registry)
{
	ck_oma_round_trip(C, &recs, &back, &buf, &err, CK_SORTED);
}
