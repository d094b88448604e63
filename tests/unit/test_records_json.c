/*
 * tests/unit/test_records_json.c: records and links <-> the JSON of the REST
 * API (core/lwm2m/records_json.c): every type both ways, the stand-ins for
 * what JSON cannot hold, every reader error with its exact message (the REST
 * API returns them to clients as they are), and the dumper's number and
 * string forms. Base64 itself is tested in test_base64.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "lwm2m/records_json.h"

static lw_records recs;
static lw_links links;
static char err[256];

static void setup(void)
{
	lw_records_init(&recs);
	lw_links_init(&links);
	err[0] = '\0';
}

static void teardown(void)
{
	lw_records_free(&recs);
	lw_links_free(&links);
}

TestSuite(rjson, .init = setup, .fini = teardown, .timeout = 10);

static lw_record *add(const char *path, int type)
{
	lw_record *r = lw_records_add(&recs);
	cr_assert_not_null(r);
	cr_assert_eq(lw_path_parse(path, strlen(path), &r->path, NULL), 0, "%s", path);
	r->type = (uint8_t)type;
	return r;
}

static void add_bytes(const char *path, int type, const void *data, size_t len)
{
	lw_record *r = add(path, type);
	cr_assert_eq(lw_records_set_bytes(&recs, r, data, len), 0);
}

/* The records as compact JSON text (caller frees). */
static char *records_text(void)
{
	json_t *arr = NULL;
	int rc = lw_records_to_json(&recs, &arr);
	cr_assert_eq(rc, 0, "to_json: %d", rc);
	char *s = lw_json_dumps(arr, 0);
	json_decref(arr);
	cr_assert_not_null(s);
	return s;
}

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	cr_assert_not_null(j, "bad test JSON %s: %s", text, je.text);
	return j;
}

static int from_text(const char *text)
{
	json_t *j = parse(text);
	lw_records_clear(&recs);
	err[0] = '\0';
	int rc = lw_records_from_json(j, &recs, err, sizeof(err));
	json_decref(j);
	return rc;
}

Test(rjson, every_type_to_json)
{
	add_bytes("/3/0/0", LW_TYPE_STRING, "Open Mobile Alliance", 20);
	add("/3/0/9", LW_TYPE_INTEGER)->v.i = -5;
	add("/3/0/21", LW_TYPE_UNSIGNED)->v.u = 7;
	lw_record *f = add("/3303/0/5700", LW_TYPE_FLOAT);
	f->v.f = 23.5;
	f->has_time = 1;
	f->time = 1763750000.25;
	add("/1/0/6", LW_TYPE_BOOLEAN)->v.b = true;
	add_bytes("/5/0/0", LW_TYPE_OPAQUE, "\x00\x01\x02\xff", 4);
	add("/3/0/13", LW_TYPE_TIME)->v.i = 1367491215;
	lw_record *l = add("/2/0/1/0", LW_TYPE_OBJLNK);
	l->v.l = (lw_objlnk){3, 0};
	add_bytes("/1/0/30", LW_TYPE_CORELNK, "</3/0>;ver=1.1", 14);
	add("/3/0/4", LW_TYPE_NONE);
	char *s = records_text();
	cr_expect_str_eq(
		s, "[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"Open Mobile Alliance\"},"
		   "{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":-5},"
		   "{\"path\":\"/3/0/21\",\"type\":\"unsigned\",\"value\":7},"
		   "{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":23.5,\"time\":1763750000.25},"
		   "{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true},"
		   "{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AAEC/w==\"},"
		   "{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":1367491215},"
		   "{\"path\":\"/2/0/1/0\",\"type\":\"objlnk\",\"value\":\"3:0\"},"
		   "{\"path\":\"/1/0/30\",\"type\":\"corelnk\",\"value\":\"</3/0>;ver=1.1\"},"
		   "{\"path\":\"/3/0/4\",\"type\":\"none\"}]");
	free(s);
}

/* What JSON or jansson cannot hold as it is gets a documented stand-in. */
Test(rjson, values_json_cannot_hold)
{
	add("/1/0/1", LW_TYPE_UNSIGNED)->v.u = UINT64_MAX;
	add("/1/0/2", LW_TYPE_UNSIGNED)->v.u = (uint64_t)INT64_MAX;
	add("/1/0/3", LW_TYPE_FLOAT)->v.f = NAN;
	add("/1/0/4", LW_TYPE_FLOAT)->v.f = INFINITY;
	add("/1/0/5", LW_TYPE_FLOAT)->v.f = -INFINITY;
	add_bytes("/1/0/7", LW_TYPE_STRING, "a\xff" "b\xc0\xaf" "c\xed\xa0\x80", 9);
	add_bytes("/1/0/8", LW_TYPE_STRING, "x\0y", 3);
	add("/1/0/9", LW_TYPE_INTEGER)->v.i = INT64_MIN;
	char *s = records_text();
	cr_expect_str_eq(
		s, "[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":\"18446744073709551615\"},"
		   "{\"path\":\"/1/0/2\",\"type\":\"unsigned\",\"value\":9223372036854775807},"
		   "{\"path\":\"/1/0/3\",\"type\":\"float\",\"value\":\"NaN\"},"
		   "{\"path\":\"/1/0/4\",\"type\":\"float\",\"value\":\"Infinity\"},"
		   "{\"path\":\"/1/0/5\",\"type\":\"float\",\"value\":\"-Infinity\"},"
		   "{\"path\":\"/1/0/7\",\"type\":\"string\",\"value\":\"a\xef\xbf\xbd" "b"
		   "\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"},"
		   "{\"path\":\"/1/0/8\",\"type\":\"string\",\"value\":\"x\\u0000y\"},"
		   "{\"path\":\"/1/0/9\",\"type\":\"integer\",\"value\":-9223372036854775808}]");
	free(s);
}

Test(rjson, times)
{
	lw_record *a = add("/3303/0/5700", LW_TYPE_FLOAT);
	a->v.f = 1;
	a->has_time = 1;
	a->time = 1763750000;
	lw_record *b = add("/3303/0/5700", LW_TYPE_FLOAT);
	b->v.f = -0.1;
	b->has_time = 1;
	b->time = -2.5;
	char *s = records_text();
	cr_expect_str_eq(s, "[{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":1.0,"
	                    "\"time\":1763750000},"
	                    "{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":-0.1,"
	                    "\"time\":-2.5}]");
	free(s);
	recs.items[1].time = NAN;
	json_t *arr = NULL;
	cr_expect_eq(lw_records_to_json(&recs, &arr), LW_EINVAL);
	cr_expect_null(arr);
}

Test(rjson, every_type_from_json)
{
	int rc = from_text(
		"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"Open \\u00e9\"},"
		"{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":-9223372036854775808},"
		"{\"path\":\"/3/0/21\",\"type\":\"unsigned\",\"value\":\"18446744073709551615\"},"
		"{\"path\":\"/3/0/22\",\"type\":\"unsigned\",\"value\":42},"
		"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":23,\"time\":1763750000.25},"
		"{\"path\":\"/3303/0/5701\",\"type\":\"float\",\"value\":-1.5e-3},"
		"{\"path\":\"/3303/0/5702\",\"type\":\"float\",\"value\":\"-Infinity\"},"
		"{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":false},"
		"{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"Zm9vYg==\"},"
		"{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":1367491215,\"time\":5},"
		"{\"path\":\"/2/0/1/7\",\"type\":\"objlnk\",\"value\":\"65535:65535\"},"
		"{\"path\":\"/1/0/30\",\"type\":\"corelnk\",\"value\":\"</3/0>\"},"
		"{\"path\":\"/3/0/4\",\"type\":\"none\"},"
		"{\"path\":\"/5/0/1\",\"type\":\"opaque\",\"value\":\"\"}]");
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(recs.n, 14);
	const lw_record *r = recs.items;
	cr_expect_eq(r[0].type, LW_TYPE_STRING);
	cr_expect_eq(r[0].v.s.len, 7);
	cr_expect_eq(memcmp(r[0].v.s.data, "Open \xc3\xa9", 7), 0);
	cr_expect_eq(r[1].v.i, INT64_MIN);
	cr_expect_eq(r[2].v.u, UINT64_MAX);
	cr_expect_eq(r[3].v.u, 42);
	cr_expect_eq(r[4].type, LW_TYPE_FLOAT);
	cr_expect_eq(r[4].v.f, 23.0);
	cr_expect(r[4].has_time);
	cr_expect_eq(r[4].time, 1763750000.25);
	cr_expect_not(r[5].has_time);
	cr_expect_eq(r[5].v.f, -1.5e-3);
	cr_expect(isinf(r[6].v.f) && r[6].v.f < 0);
	cr_expect_eq(r[7].v.b, false);
	cr_expect_eq(r[8].v.s.len, 4);
	cr_expect_eq(memcmp(r[8].v.s.data, "foob", 4), 0);
	cr_expect_eq(r[9].type, LW_TYPE_TIME);
	cr_expect_eq(r[9].v.i, 1367491215);
	cr_expect_eq(r[9].time, 5.0);
	lw_path p = lw_path_make(4, 2, 0, 1, 7);
	cr_expect(lw_path_equal(&r[10].path, &p));
	cr_expect_eq(r[10].v.l.oid, 65535);
	cr_expect_eq(r[10].v.l.iid, 65535);
	cr_expect_eq(r[11].type, LW_TYPE_CORELNK);
	cr_expect_eq(r[11].v.s.len, 6);
	cr_expect_eq(r[12].type, LW_TYPE_NONE);
	cr_expect_eq(r[13].v.s.len, 0);
}

/* to_json(from_json(x)) == x for everything to_json writes. */
Test(rjson, round_trip)
{
	static const char text[] =
		"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"tab\\there \\\"q\\\" \\u0001\"},"
		"{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":9223372036854775807},"
		"{\"path\":\"/3/0/21\",\"type\":\"unsigned\",\"value\":\"9223372036854775808\"},"
		"{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":0.1,\"time\":1763750000.25},"
		"{\"path\":\"/3303/0/5701\",\"type\":\"float\",\"value\":1e+300},"
		"{\"path\":\"/3303/0/5702\",\"type\":\"float\",\"value\":\"NaN\"},"
		"{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":true},"
		"{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"Zm9vYmE=\"},"
		"{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":-1},"
		"{\"path\":\"/2/0/1/0\",\"type\":\"objlnk\",\"value\":\"3:0\"},"
		"{\"path\":\"/1/0/30\",\"type\":\"corelnk\",\"value\":\"</3/0>;ver=1.1\"},"
		"{\"path\":\"/3/0/4\",\"type\":\"none\",\"time\":12}]";
	cr_assert_eq(from_text(text), 0, "%s", err);
	char *s = records_text();
	cr_expect_str_eq(s, text);
	free(s);
}

struct bad {
	const char *json;
	const char *message;
};

static const struct bad bad_records[] = {
	{"{}", "records: expected an array, not an object"},
	{"[5]", "records[0]: expected an object, not an integer"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"a\",\"unit\":\"C\"}]",
	 "records[0].unit: unknown member (expected path, type, value, time)"},
	{"[{\"type\":\"string\",\"value\":\"a\"}]", "records[0].path: missing"},
	{"[{\"path\":3,\"type\":\"string\",\"value\":\"a\"}]",
	 "records[0].path: expected a string, not an integer"},
	{"[{\"path\":\"/3/x/0\",\"type\":\"string\",\"value\":\"a\"}]",
	 "records[0].path: \"/3/x/0\": not a number"},
	{"[{\"path\":\"/3/65535/0\",\"type\":\"string\",\"value\":\"a\"}]",
	 "records[0].path: \"/3/65535/0\": id above 65534"},
	{"[{\"path\":\"/3/0\",\"type\":\"string\",\"value\":\"a\"}]",
	 "records[0].path: \"/3/0\" is not a resource or resource instance path"},
	{"[{\"path\":\"/\",\"type\":\"string\",\"value\":\"a\"}]",
	 "records[0].path: \"/\" is not a resource or resource instance path"},
	{"[{\"path\":\"/3/0/0\",\"value\":\"a\"}]", "records[0].type: missing"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"String\",\"value\":\"a\"}]",
	 "records[0].type: expected one of string, integer, unsigned, float, boolean, opaque, "
	 "time, objlnk, corelnk, none"},
	{"[{\"path\":\"/3/0/0\",\"type\":2,\"value\":\"a\"}]",
	 "records[0].type: expected one of string, integer, unsigned, float, boolean, opaque, "
	 "time, objlnk, corelnk, none"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"string\"}]", "records[0].value: missing"},
	{"[{\"path\":\"/3/0/4\",\"type\":\"none\",\"value\":null}]",
	 "records[0].value: type none takes no value"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":5}]",
	 "records[0].value: expected a string, not an integer"},
	{"[{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":1.5}]",
	 "records[0].value: expected an integer, not a number with a fraction"},
	{"[{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":2.0}]",
	 "records[0].value: expected an integer, not a number with a fraction"},
	{"[{\"path\":\"/3/0/9\",\"type\":\"integer\",\"value\":\"5\"}]",
	 "records[0].value: expected an integer, not a string"},
	{"[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":-1}]",
	 "records[0].value: -1 is out of range for unsigned (0 to 18446744073709551615)"},
	{"[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":\"18446744073709551616\"}]",
	 "records[0].value: expected an unsigned integer (0 to 18446744073709551615)"},
	{"[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":\"01\"}]",
	 "records[0].value: expected an unsigned integer (0 to 18446744073709551615)"},
	{"[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":\"-1\"}]",
	 "records[0].value: expected an unsigned integer (0 to 18446744073709551615)"},
	{"[{\"path\":\"/1/0/1\",\"type\":\"unsigned\",\"value\":1.0}]",
	 "records[0].value: expected an unsigned integer, not a number with a fraction"},
	{"[{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":\"23.5\"}]",
	 "records[0].value: expected a number, not a string"},
	{"[{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":true}]",
	 "records[0].value: expected a number, not a boolean"},
	{"[{\"path\":\"/1/0/6\",\"type\":\"boolean\",\"value\":1}]",
	 "records[0].value: expected true or false, not an integer"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":[1]}]",
	 "records[0].value: expected a base64 string, not an array"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AAEC/w=\"}]",
	 "records[0].value: invalid base64 at character 4"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AA=C\"}]",
	 "records[0].value: invalid base64 at character 2"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AB==\"}]",
	 "records[0].value: invalid base64 at character 1"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"AA==AA==\"}]",
	 "records[0].value: invalid base64 at character 2"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"Zm9v Yg==\"}]",
	 "records[0].value: invalid base64 at character 4"},
	{"[{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"Zm9-\"}]",
	 "records[0].value: invalid base64 at character 3"},
	{"[{\"path\":\"/3/0/13\",\"type\":\"time\",\"value\":1.5}]",
	 "records[0].value: expected an integer (seconds since the epoch), not a number with a "
	 "fraction"},
	{"[{\"path\":\"/2/0/1\",\"type\":\"objlnk\",\"value\":\"3\"}]",
	 "records[0].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)"},
	{"[{\"path\":\"/2/0/1\",\"type\":\"objlnk\",\"value\":\"3:65536\"}]",
	 "records[0].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)"},
	{"[{\"path\":\"/2/0/1\",\"type\":\"objlnk\",\"value\":\":0\"}]",
	 "records[0].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)"},
	{"[{\"path\":\"/2/0/1\",\"type\":\"objlnk\",\"value\":\"3:0:1\"}]",
	 "records[0].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)"},
	{"[{\"path\":\"/2/0/1\",\"type\":\"objlnk\",\"value\":{}}]",
	 "records[0].value: expected an object link \"OBJECT:INSTANCE\" (0 to 65535 each)"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"a\",\"time\":\"now\"}]",
	 "records[0].time: expected a number, not a string"},
	{"[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"a\"},"
	 "{\"path\":\"/3/0/1\",\"type\":\"string\",\"value\":\"b\"},"
	 "{\"path\":\"/3303/0/5700\",\"type\":\"float\",\"value\":\"x\"}]",
	 "records[2].value: expected a number, not a string"},
};

Test(rjson, reader_errors)
{
	for (size_t i = 0; i < sizeof(bad_records) / sizeof(*bad_records); i++) {
		int rc = from_text(bad_records[i].json);
		cr_expect_eq(rc, LW_EINVAL, "%s: rc %d", bad_records[i].json, rc);
		cr_expect_str_eq(err, bad_records[i].message, "for %s", bad_records[i].json);
	}
}

Test(rjson, reader_null_and_limits)
{
	cr_expect_eq(lw_records_from_json(NULL, &recs, err, sizeof(err)), LW_EINVAL);
	cr_expect_str_eq(err, "records: expected an array, not nothing");
	/* err may be NULL: the status alone still tells. */
	json_t *j = parse("[1]");
	cr_expect_eq(lw_records_from_json(j, &recs, NULL, 0), LW_EINVAL);
	json_decref(j);

	recs.max_items = 1;
	cr_expect_eq(from_text("[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"a\"},"
	                       "{\"path\":\"/3/0/1\",\"type\":\"string\",\"value\":\"b\"}]"),
	             LW_EINVAL);
	cr_expect_str_eq(err, "records[1]: too many records (at most 1)");
	cr_expect_eq(from_text("[]"), 0);
	cr_expect_eq(recs.n, 0);
}

/* A failed record is not left half-made at the end of the list. */
Test(rjson, failed_record_is_removed)
{
	cr_expect_eq(from_text("[{\"path\":\"/3/0/0\",\"type\":\"string\",\"value\":\"a\"},"
	                       "{\"path\":\"/5/0/0\",\"type\":\"opaque\",\"value\":\"!!!!\"}]"),
	             LW_EINVAL);
	cr_expect_eq(recs.n, 1);
}

/* ---- links ---- */

static char *links_text(void)
{
	json_t *arr = NULL;
	cr_assert_eq(lw_links_to_json(&links, &arr), 0);
	char *s = lw_json_dumps(arr, 0);
	json_decref(arr);
	cr_assert_not_null(s);
	return s;
}

static void link(const char *target)
{
	cr_assert_not_null(lw_links_add(&links, target, strlen(target)));
}

static void attr(const char *name, const char *value, int quoted)
{
	cr_assert_eq(lw_links_add_attr(&links, name, strlen(name), value, value ? strlen(value) : 0,
	                               quoted),
	             0);
}

Test(rjson, links_to_json)
{
	link("/");
	attr("rt", "oma.lwm2m", 1);
	attr("ct", "110", 0);
	link("/3/0");
	attr("ver", "1.1", 0);
	attr("pmin", "10", 0);
	link("/3/0/7");
	attr("dim", "8", 0);
	attr("gt", "-42.25", 0);
	attr("lt", "1.10", 0);   /* would read back as 1.1: stays text */
	attr("st", "1e3", 0);    /* exponent: stays text */
	attr("a", "007", 0);     /* leading zeros: text */
	attr("b", "-0", 0);      /* reads back as 0: text */
	attr("c", "5", 1);       /* quoted: text */
	attr("obs", NULL, 0);
	attr("dim", "9", 0);     /* repeated: the first counts */
	attr("e", "99999999999999999999", 0); /* too big for an integer: text */
	link("/3/0/8");
	char *s = links_text();
	cr_expect_str_eq(s, "[{\"path\":\"/\",\"attributes\":{\"rt\":\"oma.lwm2m\",\"ct\":110}},"
	                    "{\"path\":\"/3/0\",\"attributes\":{\"ver\":\"1.1\",\"pmin\":10}},"
	                    "{\"path\":\"/3/0/7\",\"attributes\":{\"dim\":8,\"gt\":-42.25,"
	                    "\"lt\":\"1.10\",\"st\":\"1e3\",\"a\":\"007\",\"b\":\"-0\",\"c\":\"5\","
	                    "\"obs\":null,\"e\":\"99999999999999999999\"}},"
	                    "{\"path\":\"/3/0/8\",\"attributes\":{}}]");
	free(s);
}

static int links_from(const char *text)
{
	json_t *j = parse(text);
	lw_links_clear(&links);
	err[0] = '\0';
	int rc = lw_links_from_json(j, &links, err, sizeof(err));
	json_decref(j);
	return rc;
}

static void expect_link_attr(size_t i, const char *name, const char *value, int quoted)
{
	cr_assert_lt(i, links.n);
	const struct lw_link *k = &links.items[i];
	for (size_t a = 0; a < k->n_attrs; a++) {
		if (strcmp(k->attrs[a].name, name))
			continue;
		if (value)
			cr_expect_str_eq(k->attrs[a].value, value, "%s", name);
		else
			cr_expect_null(k->attrs[a].value, "%s", name);
		cr_expect_eq(k->attrs[a].quoted, quoted, "%s quoted", name);
		return;
	}
	cr_expect_fail("no attribute %s", name);
}

Test(rjson, links_from_json)
{
	int rc = links_from("[{\"path\":\"/\",\"attributes\":{\"rt\":\"oma.lwm2m\",\"ct\":110}},"
	                    "{\"path\":\"/3/0\",\"attributes\":{\"ver\":\"1.1\",\"st\":0.5,"
	                    "\"obs\":null,\"uri\":\"coap://x\",\"lt\":2.0}},"
	                    "{\"path\":\"/lwm2m/1/0\"}]");
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(links.n, 3);
	cr_expect_str_eq(links.items[0].target, "/");
	cr_expect(links.items[0].is_path);
	expect_link_attr(0, "rt", "oma.lwm2m", 1);
	expect_link_attr(0, "ct", "110", 0);
	expect_link_attr(1, "ver", "1.1", 0);
	expect_link_attr(1, "st", "0.5", 0);
	expect_link_attr(1, "obs", NULL, 0);
	expect_link_attr(1, "uri", "coap://x", 0);
	expect_link_attr(1, "lt", "2.0", 0);
	cr_expect_str_eq(links.items[2].target, "/lwm2m/1/0");
	cr_expect_not(links.items[2].is_path);
	cr_expect_eq(links.items[2].n_attrs, 0);

	/* And back: the same JSON. */
	char *s = links_text();
	cr_expect_str_eq(s, "[{\"path\":\"/\",\"attributes\":{\"rt\":\"oma.lwm2m\",\"ct\":110}},"
	                    "{\"path\":\"/3/0\",\"attributes\":{\"ver\":\"1.1\",\"st\":0.5,"
	                    "\"obs\":null,\"uri\":\"coap://x\",\"lt\":2.0}},"
	                    "{\"path\":\"/lwm2m/1/0\",\"attributes\":{}}]");
	free(s);
}

static const struct bad bad_links[] = {
	{"{}", "links: expected an array, not an object"},
	{"[\"/3/0\"]", "links[0]: expected an object, not a string"},
	{"[{\"path\":\"/3/0\",\"attrs\":{}}]",
	 "links[0].attrs: unknown member (expected path, attributes)"},
	{"[{\"attributes\":{}}]", "links[0].path: missing"},
	{"[{\"path\":[]}]", "links[0].path: expected a string, not an array"},
	{"[{\"path\":\"/3 0\"}]",
	 "links[0].path: a link target cannot hold spaces, controls, '<' or '>'"},
	{"[{\"path\":\"/3>\"}]",
	 "links[0].path: a link target cannot hold spaces, controls, '<' or '>'"},
	{"[{\"path\":\"/3\",\"attributes\":[]}]",
	 "links[0].attributes: expected an object, not an array"},
	{"[{\"path\":\"/3\",\"attributes\":{\"pmin\":true}}]",
	 "links[0].attributes.pmin: expected a number, a string or null, not a boolean"},
	{"[{\"path\":\"/3\"},{\"path\":\"/4\",\"attributes\":{\"a;b\":1}}]",
	 "links[1].attributes.a;b: not a valid attribute name"},
	{"[{\"path\":\"/3\",\"attributes\":{\"\":1}}]",
	 "links[0].attributes.: not a valid attribute name"},
	{"[{\"path\":\"/3\",\"attributes\":{\"t\":\"a\\u0000b\"}}]",
	 "links[0].attributes.t: a value cannot hold NUL"},
};

Test(rjson, links_reader_errors)
{
	for (size_t i = 0; i < sizeof(bad_links) / sizeof(*bad_links); i++) {
		int rc = links_from(bad_links[i].json);
		cr_expect_eq(rc, LW_EINVAL, "%s: rc %d", bad_links[i].json, rc);
		cr_expect_str_eq(err, bad_links[i].message, "for %s", bad_links[i].json);
	}
	links.max_items = 1;
	cr_expect_eq(links_from("[{\"path\":\"/1\"},{\"path\":\"/2\"}]"), LW_EINVAL);
	cr_expect_str_eq(err, "links[1]: too many links (at most 1)");
}

/* ---- the dumper ---- */

Test(rjson, dumps_numbers_and_strings)
{
	json_t *j = parse("[0.1, 23.0, 1e300, -0.0, 5e-324, 123456789012345678, 0.30000000000000004,"
	                  " \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\\u00e9\", true, false, null,"
	                  " [], {}]");
	char *s = lw_json_dumps(j, 0);
	cr_expect_str_eq(s, "[0.1,23.0,1e+300,-0.0,4.94065645841247e-324,123456789012345678,"
	                    "0.30000000000000004,\"q\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\xc3\xa9\","
	                    "true,false,null,[],{}]");
	free(s);
	json_decref(j);
}

Test(rjson, dumps_indented)
{
	json_t *j = parse("{\"records\": [{\"path\": \"/3/0/0\", \"value\": 1}, []], \"e\": {}}");
	char *s = lw_json_dumps(j, 2);
	cr_expect_str_eq(s, "{\n"
	                    "  \"records\": [\n"
	                    "    {\n"
	                    "      \"path\": \"/3/0/0\",\n"
	                    "      \"value\": 1\n"
	                    "    },\n"
	                    "    []\n"
	                    "  ],\n"
	                    "  \"e\": {}\n"
	                    "}");
	free(s);
	json_decref(j);
	cr_expect_null(lw_json_dumps(NULL, 2));
}
