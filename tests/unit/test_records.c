/*
 * tests/unit/test_records.c: the record list (core/lwm2m/records.c) every
 * codec fills and reads: growth, the arena that owns string bytes, copies
 * between lists and within one, the stable sort encoders rely on to group
 * by object while keeping a time series in order, the max_items guard
 * against hostile payloads, and the type names of the REST API and DDF.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "lwm2m/error.h"
#include "lwm2m/records.h"

#define NONE LW_ID_NONE

static lw_records r;

static void setup(void)
{
	lw_records_init(&r);
}

static void teardown(void)
{
	lw_records_free(&r);
	th_check_leaks();
}

TestSuite(records, .init = setup, .fini = teardown);

static lw_record *add_string(lw_records *list, lw_path p, const char *s)
{
	lw_record *rec = lw_records_add(list);
	cr_assert_not_null(rec);
	rec->path = p;
	rec->type = LW_TYPE_STRING;
	cr_assert_eq(lw_records_set_bytes(list, rec, s, strlen(s)), 0);
	return rec;
}

static void assert_bytes(const lw_record *rec, const char *want)
{
	cr_assert_eq(rec->v.s.len, strlen(want));
	cr_assert_eq(memcmp(rec->v.s.data, want, rec->v.s.len), 0, "got \"%.*s\" want \"%s\"",
	             (int)rec->v.s.len, (const char *)rec->v.s.data, want);
}

Test(records, init_is_empty)
{
	cr_assert_eq(r.n, 0);
	cr_assert_null(r.items);
	cr_assert_eq(r.max_items, 0);
}

Test(records, add_gives_a_zeroed_root_record)
{
	lw_record *rec = lw_records_add(&r);
	cr_assert_not_null(rec);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(rec, &r.items[0]);
	cr_assert(lw_path_equal(&rec->path, &LW_PATH_ROOT));
	cr_assert_eq(rec->type, LW_TYPE_NONE);
	cr_assert_eq(rec->has_time, 0);
	cr_assert_eq(rec->time, 0.0);
	cr_assert_eq(rec->v.u, 0);
}

Test(records, grows_and_keeps_values)
{
	for (int i = 0; i < 5000; i++) {
		lw_record *rec = lw_records_add(&r);
		cr_assert_not_null(rec, "add #%d failed", i);
		rec->path = lw_path_make(3, 3303, (uint16_t)(i / 10), (uint16_t)i, 0);
		rec->type = LW_TYPE_INTEGER;
		rec->v.i = -i;
	}
	cr_assert_eq(r.n, 5000);
	cr_assert_geq(r.cap, r.n);
	for (int i = 0; i < 5000; i++) {
		cr_assert_eq(r.items[i].v.i, -i);
		cr_assert_eq(r.items[i].path.rid, (uint16_t)i);
		cr_assert_eq(r.items[i].path.iid, (uint16_t)(i / 10));
	}
}

Test(records, set_bytes_copies)
{
	char src[] = "Open Mobile Alliance";
	lw_record *rec = add_string(&r, lw_path_make(3, 3, 0, 0, 0), src);
	cr_assert_neq((const void *)rec->v.s.data, (const void *)src);
	memset(src, 'X', sizeof(src) - 1);
	assert_bytes(&r.items[0], "Open Mobile Alliance");
	cr_assert_eq(r.items[0].type, LW_TYPE_STRING, "set_bytes changed the type");
	/* The arena ends each copy with a NUL so text can be used as a C string. */
	cr_assert_eq(r.items[0].v.s.data[r.items[0].v.s.len], '\0');
}

Test(records, set_bytes_binary_empty_and_large)
{
	const uint8_t bin[] = {0x00, 0xff, 0x00, 0x7f};
	lw_record *a = lw_records_add(&r);
	a->type = LW_TYPE_OPAQUE;
	cr_assert_eq(lw_records_set_bytes(&r, a, bin, sizeof(bin)), 0);
	lw_record *b = lw_records_add(&r);
	b->type = LW_TYPE_OPAQUE;
	cr_assert_eq(lw_records_set_bytes(&r, b, "", 0), 0);
	cr_assert_eq(b->v.s.len, 0);
	cr_assert_not_null(b->v.s.data);
	/* Bigger than an arena chunk. */
	static uint8_t big[100000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	lw_record *c = lw_records_add(&r);
	c->type = LW_TYPE_OPAQUE;
	cr_assert_eq(lw_records_set_bytes(&r, c, big, sizeof(big)), 0);

	cr_assert_eq(r.items[0].v.s.len, sizeof(bin));
	cr_assert_eq(memcmp(r.items[0].v.s.data, bin, sizeof(bin)), 0);
	cr_assert_eq(r.items[2].v.s.len, sizeof(big));
	cr_assert_eq(memcmp(r.items[2].v.s.data, big, sizeof(big)), 0);
}

Test(records, clear_forgets_and_reuses)
{
	for (int i = 0; i < 40; i++)
		add_string(&r, lw_path_make(3, 1, 0, (uint16_t)i, 0), "some text to fill the arena");
	size_t cap = r.cap;
	lw_records_clear(&r);
	cr_assert_eq(r.n, 0);
	cr_assert_eq(r.cap, cap, "clear gave the array back");
	add_string(&r, lw_path_make(3, 1, 0, 7, 0), "after");
	cr_assert_eq(r.n, 1);
	assert_bytes(&r.items[0], "after");
	cr_assert_eq(r.items[0].path.rid, 7);
}

Test(records, free_twice_and_free_empty)
{
	lw_records empty;
	lw_records_init(&empty);
	lw_records_free(&empty);
	add_string(&r, LW_PATH_ROOT, "x");
	lw_records_free(&r);
	cr_assert_eq(r.n, 0);
	cr_assert_null(r.items);
	lw_records_free(&r); /* the teardown frees once more */
	/* Usable again after free. */
	add_string(&r, LW_PATH_ROOT, "again");
	assert_bytes(&r.items[0], "again");
}

Test(records, append_copy_from_another_list)
{
	lw_records src;
	lw_records_init(&src);
	add_string(&src, lw_path_make(3, 3, 0, 0, 0), "ACME");
	lw_record *t = lw_records_add(&src);
	t->path = lw_path_make(3, 3, 0, 13, 0);
	t->type = LW_TYPE_TIME;
	t->v.i = 1700000000;
	t->has_time = 1;
	t->time = 1700000000.25;
	lw_record *l = lw_records_add(&src);
	l->path = lw_path_make(4, 3, 0, 22, 1);
	l->type = LW_TYPE_OBJLNK;
	l->v.l = (lw_objlnk){3, 1};
	lw_record *c = lw_records_add(&src);
	c->path = lw_path_make(3, 1, 0, 8, 0);
	c->type = LW_TYPE_CORELNK;
	cr_assert_eq(lw_records_set_bytes(&src, c, "</3/0>", 6), 0);

	for (size_t i = 0; i < src.n; i++)
		cr_assert_eq(lw_records_append_copy(&r, &src.items[i]), 0);
	const void *src_string = src.items[0].v.s.data;
	/* The copies must not lean on the source's arena. */
	lw_records_free(&src);

	cr_assert_eq(r.n, 4);
	cr_assert_neq((const void *)r.items[0].v.s.data, src_string);
	assert_bytes(&r.items[0], "ACME");
	cr_assert_eq(r.items[0].type, LW_TYPE_STRING);
	cr_assert_eq(r.items[1].type, LW_TYPE_TIME);
	cr_assert_eq(r.items[1].v.i, 1700000000);
	cr_assert_eq(r.items[1].has_time, 1);
	cr_assert_eq(r.items[1].time, 1700000000.25);
	cr_assert(lw_path_equal(&r.items[1].path, &(lw_path){3, 0, 13, NONE}));
	cr_assert_eq(r.items[2].v.l.oid, 3);
	cr_assert_eq(r.items[2].v.l.iid, 1);
	cr_assert(lw_path_equal(&r.items[2].path, &(lw_path){3, 0, 22, 1}));
	cr_assert_eq(r.items[3].type, LW_TYPE_CORELNK);
	assert_bytes(&r.items[3], "</3/0>");
}

Test(records, append_copy_from_the_same_list)
{
	/* Copying items[0] while the array must grow: the source moves. */
	add_string(&r, lw_path_make(3, 3, 0, 0, 0), "first");
	while (r.n < r.cap) {
		lw_record *rec = lw_records_add(&r);
		rec->type = LW_TYPE_INTEGER;
		rec->v.i = (int64_t)r.n;
	}
	size_t n = r.n;
	cr_assert_eq(lw_records_append_copy(&r, &r.items[0]), 0);
	cr_assert_eq(r.n, n + 1);
	assert_bytes(&r.items[n], "first");
	assert_bytes(&r.items[0], "first");
	cr_assert(lw_path_equal(&r.items[n].path, &r.items[0].path));
	/* And a number, for good measure. */
	cr_assert_eq(lw_records_append_copy(&r, &r.items[1]), 0);
	cr_assert_eq(r.items[n + 1].v.i, r.items[1].v.i);
	cr_assert_eq(r.items[n + 1].type, LW_TYPE_INTEGER);
}

Test(records, append_copy_of_many_strings_from_the_same_list)
{
	/* Each copy may need a new arena chunk while reading from an old one. */
	char text[300];
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (int i = 0; i < 20; i++) {
		text[0] = (char)('A' + i);
		add_string(&r, lw_path_make(3, 3, 0, (uint16_t)i, 0), text);
	}
	for (int round = 0; round < 3; round++) {
		size_t n = r.n;
		for (size_t i = 0; i < n; i++)
			cr_assert_eq(lw_records_append_copy(&r, &r.items[i]), 0);
	}
	cr_assert_eq(r.n, 160);
	for (size_t i = 0; i < r.n; i++) {
		text[0] = (char)('A' + i % 20);
		assert_bytes(&r.items[i], text);
	}
}

/* A deterministic generator: the sort test must not change between runs. */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

Test(records, sort_is_stable_and_ordered)
{
	const lw_path paths[] = {
		{3, 0, 0, NONE},       {3, 0, NONE, NONE},  {3303, 0, 5700, NONE},
		{3, 0, 11, 0},         {3, 0, 11, NONE},    {1, 0, 1, NONE},
		{3303, 1, 5700, NONE}, {NONE, NONE, NONE, NONE},
	};
	const size_t np = sizeof(paths) / sizeof(paths[0]);
	uint32_t seed = 12345;
	/* Odd sizes exercise the merge's unpaired runs. */
	const size_t sizes[] = {0, 1, 2, 3, 7, 33, 1000};
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		lw_records_clear(&r);
		for (size_t i = 0; i < sizes[s]; i++) {
			lw_record *rec = lw_records_add(&r);
			rec->path = paths[lcg(&seed) % np];
			rec->type = LW_TYPE_INTEGER;
			rec->v.i = (int64_t)i; /* arrival order */
		}
		lw_records_sort(&r);
		cr_assert_eq(r.n, sizes[s]);
		for (size_t i = 1; i < r.n; i++) {
			int c = lw_path_compare(&r.items[i - 1].path, &r.items[i].path);
			cr_assert_leq(c, 0, "size %zu: #%zu out of order", sizes[s], i);
			if (c == 0)
				cr_assert_lt(r.items[i - 1].v.i, r.items[i].v.i,
				             "size %zu: equal paths reordered at #%zu", sizes[s], i);
		}
		/* Nothing lost or duplicated: every arrival number is there once. */
		static unsigned char seen[1000];
		memset(seen, 0, sizeof(seen));
		for (size_t i = 0; i < r.n; i++) {
			cr_assert_lt(r.items[i].v.i, (int64_t)sizes[s]);
			cr_assert_eq(seen[r.items[i].v.i]++, 0);
		}
	}
}

Test(records, sort_keeps_string_values_with_their_records)
{
	add_string(&r, lw_path_make(3, 3, 0, 1, 0), "model");
	add_string(&r, lw_path_make(3, 3, 0, 0, 0), "maker");
	add_string(&r, lw_path_make(1, 3, 0, 0, 0), "device");
	lw_records_sort(&r);
	assert_bytes(&r.items[0], "device");
	assert_bytes(&r.items[1], "maker");
	assert_bytes(&r.items[2], "model");
}

Test(records, max_items_stops_adds)
{
	r.max_items = 3;
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(lw_records_add(&r), "add #%d within the limit failed", i);
	cr_assert_null(lw_records_add(&r));
	cr_assert_eq(r.n, 3);
	lw_record copy = r.items[0];
	cr_assert_lt(lw_records_append_copy(&r, &copy), 0);
	cr_assert_eq(r.n, 3);
	/* Clearing makes room again; the limit stays. */
	lw_records_clear(&r);
	for (int i = 0; i < 3; i++)
		cr_assert_not_null(lw_records_add(&r));
	cr_assert_null(lw_records_add(&r));
}

Test(records, type_names)
{
	const struct {
		int type;
		const char *name;
	} names[] = {
		{LW_TYPE_NONE, "none"},         {LW_TYPE_STRING, "string"},
		{LW_TYPE_INTEGER, "integer"},   {LW_TYPE_UNSIGNED, "unsigned"},
		{LW_TYPE_FLOAT, "float"},       {LW_TYPE_BOOLEAN, "boolean"},
		{LW_TYPE_OPAQUE, "opaque"},     {LW_TYPE_TIME, "time"},
		{LW_TYPE_OBJLNK, "objlnk"},     {LW_TYPE_CORELNK, "corelnk"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_str_eq(lw_type_name(names[i].type), names[i].name);
		const char *n = names[i].name;
		cr_assert_eq(lw_type_parse(n, strlen(n)), names[i].type, "parse(%s)", n);
	}
	cr_assert_str_eq(lw_type_name(-1), "none");
	cr_assert_str_eq(lw_type_name(10), "none");
	cr_assert_str_eq(lw_type_name(255), "none");
}

Test(records, type_parse_ddf_spellings)
{
	const struct {
		const char *text;
		int type;
	} cases[] = {
		{"String", LW_TYPE_STRING},   {"Integer", LW_TYPE_INTEGER},
		{"Unsigned Integer", LW_TYPE_UNSIGNED}, {"Float", LW_TYPE_FLOAT},
		{"Boolean", LW_TYPE_BOOLEAN}, {"Opaque", LW_TYPE_OPAQUE},
		{"Time", LW_TYPE_TIME},       {"Objlnk", LW_TYPE_OBJLNK},
		{"Corelnk", LW_TYPE_CORELNK}, {"INTEGER", LW_TYPE_INTEGER},
		{"unsigned integer", LW_TYPE_UNSIGNED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(lw_type_parse(cases[i].text, strlen(cases[i].text)), cases[i].type,
		             "parse(%s)", cases[i].text);
}

Test(records, type_parse_refuses_unknown_and_uses_len)
{
	const char *bad[] = {"", "Str", "Strings", "Integer ", " Integer", "Unsigned Integers",
	                     "UnsignedInteger", "int", "double", "link"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(lw_type_parse(bad[i], strlen(bad[i])), -1, "parse(\"%s\") accepted",
		             bad[i]);
	/* Only len bytes count: the name need not be NUL-terminated. */
	cr_assert_eq(lw_type_parse("Integerxyz", 7), LW_TYPE_INTEGER);
	cr_assert_eq(lw_type_parse("Unsigned Integer!", 16), LW_TYPE_UNSIGNED);
	cr_assert_eq(lw_type_parse("Float", 4), -1);
}
