/*
 * tests/unit/test_path.c: LwM2M paths (core/lwm2m/path.c): parsing at every
 * depth with and without the slashes people type, the refusal of everything
 * else with a reason, formatting back, the order encoders group by, and the
 * prefix test operations and observations rely on.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "lwm2m/error.h"
#include "lwm2m/path.h"

#define NONE LW_ID_NONE

static lw_path P(uint16_t o, uint16_t i, uint16_t r, uint16_t ri)
{
	return (lw_path){o, i, r, ri};
}

static void teardown(void)
{
	th_check_leaks();
}

TestSuite(path, .fini = teardown);

static void assert_parses(const char *text, lw_path want, int depth)
{
	lw_path got = P(1, 2, 3, 4);
	const char *why = "untouched";
	int rc = lw_path_parse(text, strlen(text), &got, &why);
	cr_assert_eq(rc, 0, "\"%s\" refused: %s", text, why);
	cr_assert(lw_path_equal(&got, &want), "\"%s\" gave {%u,%u,%u,%u}", text, got.oid, got.iid,
	          got.rid, got.riid);
	cr_assert_eq(lw_path_depth(&got), depth, "\"%s\" depth %d", text, lw_path_depth(&got));
}

Test(path, parses_every_depth)
{
	assert_parses("/", P(NONE, NONE, NONE, NONE), 0);
	assert_parses("/3", P(3, NONE, NONE, NONE), 1);
	assert_parses("/3/0", P(3, 0, NONE, NONE), 2);
	assert_parses("/3/0/1", P(3, 0, 1, NONE), 3);
	assert_parses("/3/0/11/2", P(3, 0, 11, 2), 4);
	assert_parses("/0/0/0/0", P(0, 0, 0, 0), 4);
	assert_parses("/65534/65534/65534/65534", P(65534, 65534, 65534, 65534), 4);
}

Test(path, parses_without_leading_or_with_trailing_slash)
{
	assert_parses("3/0/1", P(3, 0, 1, NONE), 3);
	assert_parses("3", P(3, NONE, NONE, NONE), 1);
	assert_parses("/3303/0/5700/", P(3303, 0, 5700, NONE), 3);
	assert_parses("/3/", P(3, NONE, NONE, NONE), 1);
	assert_parses("/3/0/11/2/", P(3, 0, 11, 2), 4);
}

Test(path, parses_only_len_bytes)
{
	/* Paths come out of packets, not C strings. */
	const char text[] = "/3/0/1/7xyz";
	lw_path got;
	cr_assert_eq(lw_path_parse(text, 6, &got, NULL), 0);
	cr_assert(lw_path_equal(&got, &(lw_path){3, 0, 1, NONE}));
	cr_assert_eq(lw_path_parse(text, 8, &got, NULL), 0);
	cr_assert(lw_path_equal(&got, &(lw_path){3, 0, 1, 7}));
	cr_assert_eq(lw_path_parse(text, 9, &got, NULL), LW_EINVAL);
}

static void assert_refused(const char *text, size_t len, const char *reason)
{
	lw_path got = P(1, 2, 3, 4);
	const char *why = NULL;
	int rc = lw_path_parse(text, len, &got, &why);
	cr_assert_eq(rc, LW_EINVAL, "\"%.*s\" accepted as {%u,%u,%u,%u}", (int)len, text, got.oid,
	             got.iid, got.rid, got.riid);
	cr_assert_not_null(why, "\"%.*s\" refused without a reason", (int)len, text);
	cr_assert_str_eq(why, reason, "\"%.*s\": \"%s\", want \"%s\"", (int)len, text, why, reason);
	/* The reason is optional. */
	cr_assert_eq(lw_path_parse(text, len, &got, NULL), LW_EINVAL);
}

Test(path, refuses_bad_paths_with_a_reason)
{
	assert_refused("/a", 2, "not a number");
	assert_refused("-1", 2, "not a number");
	assert_refused("/3/+1", 5, "not a number");
	assert_refused("/3/0x1", 6, "not a number");
	assert_refused("/3 /0", 5, "not a number");
	assert_refused("/3//1", 5, "empty level");
	assert_refused("//", 2, "empty level");
	assert_refused("/3/0/1//", 8, "empty level");
	assert_refused("/65535", 6, "id above 65534");
	assert_refused("/3/70000", 8, "id above 65534");
	assert_refused("/01", 3, "leading zero");
	assert_refused("/3/00", 5, "leading zero");
	assert_refused("/1/2/3/4/5", 10, "more than 4 levels");
}

Test(path, refuses_overflowing_ids)
{
	/* Each of these wraps a 32- or 64-bit accumulator to a small id. */
	assert_refused("/4294967299", 11, "id above 65534");
	assert_refused("/18446744073709551619", 21, "id above 65534");
	assert_refused("/3/0/99999999999999999999999999999999", 37, "id above 65534");
}

Test(path, refuses_empty_text)
{
	/* An empty string is no path; the root is spelled "/". */
	lw_path got = P(1, 2, 3, 4);
	int rc = lw_path_parse("", 0, &got, NULL);
	cr_assert_eq(rc, LW_EINVAL,
	             "core bug: lw_path_parse(\"\", 0) accepts the empty text as the root "
	             "(core/lwm2m/path.c should refuse len == 0 with \"empty path\")");
}

Test(path, make_and_depth)
{
	lw_path p = lw_path_make(2, 3, 0, 9, 9);
	cr_assert(lw_path_equal(&p, &(lw_path){3, 0, NONE, NONE}));
	p = lw_path_make(0, 3, 0, 9, 9);
	cr_assert(lw_path_equal(&p, &LW_PATH_ROOT));
	p = lw_path_make(4, 3, 0, 9, 1);
	cr_assert(lw_path_equal(&p, &(lw_path){3, 0, 9, 1}));
	cr_assert_eq(lw_path_depth(&p), 4);
	p = lw_path_make(3, 3303, 1, 5700, 1);
	cr_assert_eq(lw_path_depth(&p), 3);
	cr_assert_eq(lw_path_depth(&LW_PATH_ROOT), 0);
}

static void assert_formats(lw_path p, const char *want)
{
	char buf[64];
	int n = lw_path_format(&p, buf, sizeof(buf));
	cr_assert_eq(n, (int)strlen(want), "length %d for %s", n, want);
	cr_assert_str_eq(buf, want);
	/* And back. */
	lw_path again;
	cr_assert_eq(lw_path_parse(buf, (size_t)n, &again, NULL), 0);
	cr_assert(lw_path_equal(&again, &p), "%s does not parse back", buf);
}

Test(path, formats_and_parses_back)
{
	assert_formats(LW_PATH_ROOT, "/");
	assert_formats(P(3, NONE, NONE, NONE), "/3");
	assert_formats(P(3, 0, NONE, NONE), "/3/0");
	assert_formats(P(3303, 12, 5700, NONE), "/3303/12/5700");
	assert_formats(P(3, 0, 11, 0), "/3/0/11/0");
	assert_formats(P(65534, 65534, 65534, 65534), "/65534/65534/65534/65534");
}

Test(path, format_reports_a_short_buffer)
{
	lw_path p = P(3303, 0, 5700, NONE);
	char buf[32];
	memset(buf, 'x', sizeof(buf));
	/* "/3303/0/5700" is 12 characters: 13 bytes with the NUL. */
	cr_assert_eq(lw_path_format(&p, buf, 12), LW_ENOSPC);
	cr_assert_eq(buf[12], 'x', "wrote past the buffer");
	cr_assert_eq(lw_path_format(&p, buf, 13), 12);
	cr_assert_str_eq(buf, "/3303/0/5700");
}

Test(path, max_text_holds_the_longest_path)
{
	/* Callers size buffers with LW_PATH_MAX_TEXT; the longest path is
	 * "/65534/65534/65534/65534", 24 characters and a NUL. */
	lw_path p = P(65534, 65534, 65534, 65534);
	char buf[LW_PATH_MAX_TEXT];
	int n = lw_path_format(&p, buf, sizeof(buf));
	cr_assert_eq(n, 24,
	             "ABI bug: LW_PATH_MAX_TEXT is %d but \"/65534/65534/65534/65534\" needs 25 "
	             "bytes (include/lwm2m/path.h: make it 25 or more and fix the \"22 bytes\" "
	             "comment)",
	             LW_PATH_MAX_TEXT);
}

Test(path, compare_orders_parents_first)
{
	/* Ascending, as lw_records_sort and the encoders want them. */
	const lw_path order[] = {
		P(NONE, NONE, NONE, NONE), P(0, NONE, NONE, NONE), P(0, 0, NONE, NONE),
		P(3, NONE, NONE, NONE),    P(3, 0, NONE, NONE),    P(3, 0, 0, NONE),
		P(3, 0, 0, 0),             P(3, 0, 0, 65534),      P(3, 0, 1, NONE),
		P(3, 0, 11, 0),            P(3, 0, 11, 1),         P(3, 0, 65534, NONE),
		P(3, 1, NONE, NONE),       P(4, 0, 0, NONE),       P(3303, 0, 5700, NONE),
		P(65534, NONE, NONE, NONE),
	};
	const size_t n = sizeof(order) / sizeof(order[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = lw_path_compare(&order[i], &order[j]);
			int want = i < j ? -1 : i > j ? 1 : 0;
			cr_assert_eq(c < 0 ? -1 : c > 0, want, "compare(#%zu, #%zu) = %d", i, j, c);
			cr_assert_eq(lw_path_equal(&order[i], &order[j]), i == j);
		}
}

Test(path, covers_itself_and_descendants_only)
{
	const lw_path root = LW_PATH_ROOT, o = P(3, NONE, NONE, NONE), oi = P(3, 0, NONE, NONE);
	const lw_path r = P(3, 0, 1, NONE), ri = P(3, 0, 1, 2);
	const lw_path other_i = P(3, 1, NONE, NONE), other_o = P(4, 0, 1, NONE);

	cr_assert(lw_path_covers(&root, &root));
	cr_assert(lw_path_covers(&root, &ri));
	cr_assert(lw_path_covers(&root, &other_o));
	cr_assert(lw_path_covers(&o, &o));
	cr_assert(lw_path_covers(&o, &oi));
	cr_assert(lw_path_covers(&o, &ri));
	cr_assert(lw_path_covers(&oi, &r));
	cr_assert(lw_path_covers(&r, &ri));
	cr_assert(lw_path_covers(&ri, &ri));

	cr_assert_not(lw_path_covers(&o, &root));
	cr_assert_not(lw_path_covers(&oi, &o));
	cr_assert_not(lw_path_covers(&ri, &r));
	cr_assert_not(lw_path_covers(&oi, &other_i));
	cr_assert_not(lw_path_covers(&o, &other_o));
	cr_assert_not(lw_path_covers(&r, &(lw_path){3, 0, 2, NONE}));
	cr_assert_not(lw_path_covers(&ri, &(lw_path){3, 0, 1, 3}));
	/* Id 0 is an id like any other, not a wildcard. */
	cr_assert_not(lw_path_covers(&(lw_path){0, NONE, NONE, NONE}, &o));
}
