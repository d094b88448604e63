/*
 * tests/storage/test_conformance.c: the storage conformance suite. One set of
 * tests of every call of lwm2m/storage.h, run against a real storage plugin
 * loaded through the core's loader (harness.h says how a backend is chosen:
 * LW_STORAGE=sqlite|postgres). A backend passes when it keeps the contract:
 * what was written is read back equal, in order, with the statuses the
 * header promises, across a close and a re-open. The few tests only one
 * backend can run are guarded by its name.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "lwm2m/path.h"
#include "plugin_loop.h"

#define WAIT_MS 20000

static struct lw_sh H;

static void start_or_fail(const char *conf)
{
	int rc = lw_sh_start(&H, conf);
	cr_assert_eq(rc, 0, "starting %s: %s (%s)", H.backend, H.err, lw_strerror(rc));
}

static void setup_created(void)
{
	lw_log_set_level(LW_LOG_ERROR);
	int rc = lw_sh_create(&H);
	cr_assert_eq(rc, 0, "creating the store: %s", H.err);
}

static void setup(void)
{
	setup_created();
	start_or_fail(NULL);
}

static void teardown(void)
{
	lw_sh_destroy(&H);
}

static int is_backend(const char *name)
{
	return strcmp(lw_sh_backend(), name) == 0;
}

#define OPS lw_sh_ops(&H)
#define BE H.store.be

/* ---- what callbacks saw, copied (their pointers die with the call) ---- */

struct doc {
	char *key, *owner, *json;
	size_t json_len;
	double updated;
};

struct res {
	int fired, status;
	struct doc *docs;
	size_t n;
	lw_records recs;
	struct lw_st_audit *audit;
	int order; /* which call this was, for order checks */
};

static int fire_count;

static void res_init(struct res *r)
{
	memset(r, 0, sizeof(*r));
	lw_records_init(&r->recs);
}

static void res_free(struct res *r)
{
	for (size_t i = 0; i < r->n && r->docs; i++) {
		free(r->docs[i].key);
		free(r->docs[i].owner);
		free(r->docs[i].json);
	}
	free(r->docs);
	for (size_t i = 0; i < r->n && r->audit; i++) {
		free((char *)r->audit[i].actor);
		free((char *)r->audit[i].endpoint);
		free((char *)r->audit[i].action);
		free((char *)r->audit[i].detail);
	}
	free(r->audit);
	lw_records_free(&r->recs);
	res_init(r);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void on_done(void *arg, int status)
{
	struct res *r = arg;
	cr_assert_eq(r->fired, 0, "a callback ran twice");
	r->fired = 1;
	r->status = status;
	r->order = ++fire_count;
}

static void on_docs(void *arg, int status, const struct lw_st_doc *docs, size_t n)
{
	struct res *r = arg;
	on_done(arg, status);
	r->n = n;
	r->docs = calloc(n ? n : 1, sizeof(*r->docs));
	for (size_t i = 0; i < n; i++) {
		r->docs[i].key = dup_or_null(docs[i].key);
		r->docs[i].owner = dup_or_null(docs[i].owner);
		r->docs[i].json = malloc(docs[i].json_len + 1);
		memcpy(r->docs[i].json, docs[i].json, docs[i].json_len + 1);
		r->docs[i].json_len = docs[i].json_len;
		r->docs[i].updated = docs[i].updated;
	}
}

static void on_points(void *arg, int status, const lw_records *pts)
{
	struct res *r = arg;
	on_done(arg, status);
	cr_assert_not_null(pts);
	for (size_t i = 0; i < pts->n; i++)
		cr_assert_eq(lw_records_append_copy(&r->recs, &pts->items[i]), 0);
	r->n = pts->n;
}

static void on_audit(void *arg, int status, const struct lw_st_audit *e, size_t n)
{
	struct res *r = arg;
	on_done(arg, status);
	r->n = n;
	r->audit = calloc(n ? n : 1, sizeof(*r->audit));
	for (size_t i = 0; i < n; i++) {
		r->audit[i] = e[i];
		r->audit[i].actor = dup_or_null(e[i].actor);
		r->audit[i].endpoint = dup_or_null(e[i].endpoint);
		r->audit[i].action = dup_or_null(e[i].action);
		r->audit[i].detail = dup_or_null(e[i].detail);
	}
}

static void wait_for(struct res *r)
{
	int rc = lw_sh_wait(&H, &r->fired, WAIT_MS);
	cr_assert_eq(rc, 0, "the callback did not run within %d ms", WAIT_MS);
}

/* ---- one call, waited for ---- */

static int put(int coll, const char *key, const char *owner, const char *json)
{
	struct res r;
	res_init(&r);
	int rc = OPS->doc_put(BE, coll, key, owner, json, strlen(json), on_done, &r);
	cr_assert_eq(rc, 0, "doc_put %s: %s", key, lw_strerror(rc));
	wait_for(&r);
	return r.status;
}

static void put_ok(int coll, const char *key, const char *owner, const char *json)
{
	int st = put(coll, key, owner, json);
	cr_assert_eq(st, 0, "doc_put %s: status %s", key, lw_strerror(st));
}

static int del(int coll, const char *key)
{
	struct res r;
	res_init(&r);
	cr_assert_eq(OPS->doc_del(BE, coll, key, on_done, &r), 0);
	wait_for(&r);
	return r.status;
}

static int del_owner(int coll, const char *owner)
{
	struct res r;
	res_init(&r);
	cr_assert_eq(OPS->doc_del_owner(BE, coll, owner, on_done, &r), 0);
	wait_for(&r);
	return r.status;
}

/* doc_get into r (caller frees with res_free); returns the status. */
static int get(int coll, const char *key, struct res *r)
{
	res_init(r);
	int rc = OPS->doc_get(BE, coll, key, on_docs, r);
	cr_assert_eq(rc, 0, "doc_get %s: %s", key, lw_strerror(rc));
	wait_for(r);
	return r->status;
}

static void list(int coll, const char *owner, const char *after, size_t limit, struct res *r)
{
	res_init(r);
	int rc = OPS->doc_list(BE, coll, owner, after, limit, on_docs, r);
	cr_assert_eq(rc, 0, "doc_list: %s", lw_strerror(rc));
	wait_for(r);
	cr_assert_eq(r->status, 0, "doc_list: status %s", lw_strerror(r->status));
	cr_assert_leq(r->n, limit);
}

static void expect_doc(int coll, const char *key, const char *owner, const char *json)
{
	struct res r;
	int st = get(coll, key, &r);
	cr_assert_eq(st, 0, "doc_get %s in %s: %s", key, lw_st_coll_name(coll), lw_strerror(st));
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.docs[0].key, key);
	if (owner)
		cr_assert_str_eq(r.docs[0].owner ? r.docs[0].owner : "(null)", owner);
	else
		cr_assert_null(r.docs[0].owner, "owner should be NULL");
	cr_assert_eq(r.docs[0].json_len, strlen(json));
	cr_assert_str_eq(r.docs[0].json, json);
	res_free(&r);
}

static void expect_missing(int coll, const char *key)
{
	struct res r;
	int st = get(coll, key, &r);
	cr_assert_eq(st, LW_ENOENT, "doc_get %s: expected LW_ENOENT, got %s", key,
	             lw_strerror(st));
	cr_assert_eq(r.n, 0);
	res_free(&r);
}

static void append_ok(const struct lw_st_point *pts, size_t n)
{
	struct res r;
	res_init(&r);
	int rc = OPS->ts_append(BE, pts, n, on_done, &r);
	cr_assert_eq(rc, 0, "ts_append: %s", lw_strerror(rc));
	wait_for(&r);
	cr_assert_eq(r.status, 0, "ts_append: status %s", lw_strerror(r.status));
}

static void query(const char *ep, const char *path, double from, double to, size_t limit,
                  struct res *r)
{
	struct lw_st_ts_query q = {.endpoint = ep, .from = from, .to = to, .limit = limit};
	cr_assert_eq(lw_path_parse(path, strlen(path), &q.path, NULL), 0, "path %s", path);
	res_init(r);
	int rc = OPS->ts_query(BE, &q, on_points, r);
	cr_assert_eq(rc, 0, "ts_query: %s", lw_strerror(rc));
	wait_for(r);
	cr_assert_eq(r->status, 0, "ts_query: status %s", lw_strerror(r->status));
}

/* A point at path with an integer value. */
static struct lw_st_point ipoint(const char *ep, const char *path, double t, int64_t v)
{
	struct lw_st_point p = {.endpoint = ep};
	cr_assert_eq(lw_path_parse(path, strlen(path), &p.rec.path, NULL), 0, "path %s", path);
	p.rec.type = LW_TYPE_INTEGER;
	p.rec.has_time = 1;
	p.rec.time = t;
	p.rec.v.i = v;
	return p;
}

static void flush_ok(void)
{
	struct res r;
	res_init(&r);
	cr_assert_eq(OPS->flush(BE, on_done, &r), 0);
	wait_for(&r);
	cr_assert_eq(r.status, 0);
}

TestSuite(storage, .init = setup, .fini = teardown, .timeout = 60);

/* ---- documents ---- */

Test(storage, put_get_replace_every_collection)
{
	for (int c = 1; c < LW_ST_COLL_COUNT; c++) {
		cr_assert_not_null(lw_st_coll_name(c));
		double before = (double)time(NULL) - 2;
		put_ok(c, "ep-1", "owner-1", "{\"a\":1}");
		expect_doc(c, "ep-1", "owner-1", "{\"a\":1}");
		struct res r;
		cr_assert_eq(get(c, "ep-1", &r), 0);
		cr_assert_geq(r.docs[0].updated, before, "updated %f", r.docs[0].updated);
		cr_assert_leq(r.docs[0].updated, (double)time(NULL) + 2);
		res_free(&r);
		/* put replaces, owner included (NULL clears it). */
		put_ok(c, "ep-1", NULL, "{\"a\":2,\"b\":[true]}");
		expect_doc(c, "ep-1", NULL, "{\"a\":2,\"b\":[true]}");
		list(c, NULL, NULL, 100, &r);
		cr_assert_eq(r.n, 1, "replace must not add a document (%s)", lw_st_coll_name(c));
		res_free(&r);
	}
	/* Each collection kept its own document: same key, separate stores. */
	put_ok(LW_ST_USERS, "ep-1", NULL, "{\"user\":true}");
	expect_doc(LW_ST_REGISTRATIONS, "ep-1", NULL, "{\"a\":2,\"b\":[true]}");
	expect_doc(LW_ST_USERS, "ep-1", NULL, "{\"user\":true}");
}

Test(storage, missing_and_delete)
{
	expect_missing(LW_ST_REGISTRATIONS, "nobody");
	cr_assert_eq(del(LW_ST_REGISTRATIONS, "nobody"), 0, "deleting a missing key is no error");
	put_ok(LW_ST_REGISTRATIONS, "ep", NULL, "{}");
	put_ok(LW_ST_CREDENTIALS, "ep", NULL, "{\"psk\":1}");
	cr_assert_eq(del(LW_ST_REGISTRATIONS, "ep"), 0);
	expect_missing(LW_ST_REGISTRATIONS, "ep");
	expect_doc(LW_ST_CREDENTIALS, "ep", NULL, "{\"psk\":1}");
	cr_assert_eq(del(LW_ST_REGISTRATIONS, "ep"), 0);
}

static void on_never(void *arg, int status)
{
	(void)arg;
	cr_assert_fail("a refused call's callback ran (status %d)", status);
}

static void on_never_docs(void *arg, int status, const struct lw_st_doc *d, size_t n)
{
	(void)d;
	(void)n;
	on_never(arg, status);
}

Test(storage, bad_collection_is_einval)
{
	const int bad[] = {0, -1, LW_ST_COLL_COUNT, 1000};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int c = bad[i];
		cr_assert_eq(OPS->doc_put(BE, c, "k", NULL, "{}", 2, on_never, NULL), LW_EINVAL,
		             "doc_put coll %d", c);
		cr_assert_eq(OPS->doc_del(BE, c, "k", on_never, NULL), LW_EINVAL);
		cr_assert_eq(OPS->doc_del_owner(BE, c, "o", on_never, NULL), LW_EINVAL);
		cr_assert_eq(OPS->doc_get(BE, c, "k", on_never_docs, NULL), LW_EINVAL);
		cr_assert_eq(OPS->doc_list(BE, c, NULL, NULL, 10, on_never_docs, NULL), LW_EINVAL);
	}
	cr_assert_eq(OPS->doc_put(BE, 1, NULL, NULL, "{}", 2, on_never, NULL), LW_EINVAL);
	cr_assert_eq(OPS->doc_get(BE, 1, NULL, on_never_docs, NULL), LW_EINVAL);
	cr_assert_eq(OPS->doc_list(BE, 1, NULL, NULL, 0, on_never_docs, NULL), LW_EINVAL,
	             "limit 0 is a bad argument");
	/* Nothing refused may run later: give it the chance. */
	flush_ok();
}

Test(storage, keys_long_utf8_and_quotes)
{
	char longkey[LW_ST_KEY_MAX + 1];
	memset(longkey, 'k', LW_ST_KEY_MAX);
	longkey[LW_ST_KEY_MAX] = '\0';
	char longowner[LW_ST_KEY_MAX + 1];
	memset(longowner, 'o', LW_ST_KEY_MAX);
	longowner[LW_ST_KEY_MAX] = '\0';
	const char *keys[] = {
		longkey,
		"caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80",
		"it's \"quoted\" \\ back; DROP TABLE documents; --",
		"ep-1\n0a1b2c",   /* the observations' key shape */
		"%_*?[]",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char json[64];
		snprintf(json, sizeof(json), "{\"i\":%zu,\"s\":\"'\\\"\"}", i);
		put_ok(LW_ST_OBSERVATIONS, keys[i], longowner, json);
		expect_doc(LW_ST_OBSERVATIONS, keys[i], longowner, json);
	}
	struct res r;
	list(LW_ST_OBSERVATIONS, longowner, NULL, 100, &r);
	cr_assert_eq(r.n, sizeof(keys) / sizeof(keys[0]));
	res_free(&r);
	/* A pattern character is not a pattern. */
	expect_missing(LW_ST_OBSERVATIONS, "%");
	cr_assert_eq(del_owner(LW_ST_OBSERVATIONS, "o%"), 0);
	list(LW_ST_OBSERVATIONS, NULL, NULL, 100, &r);
	cr_assert_eq(r.n, sizeof(keys) / sizeof(keys[0]), "del_owner must match owners exactly");
	res_free(&r);
}

Test(storage, del_owner)
{
	put_ok(LW_ST_OPERATIONS, "op-1", "ep-a", "{}");
	put_ok(LW_ST_OPERATIONS, "op-2", "ep-b", "{}");
	put_ok(LW_ST_OPERATIONS, "op-3", "ep-a", "{}");
	put_ok(LW_ST_OPERATIONS, "op-4", NULL, "{}");
	put_ok(LW_ST_CAMPAIGN_DEVICES, "7\nep-a", "ep-a", "{}");
	cr_assert_eq(del_owner(LW_ST_OPERATIONS, "ep-a"), 0);
	expect_missing(LW_ST_OPERATIONS, "op-1");
	expect_missing(LW_ST_OPERATIONS, "op-3");
	expect_doc(LW_ST_OPERATIONS, "op-2", "ep-b", "{}");
	expect_doc(LW_ST_OPERATIONS, "op-4", NULL, "{}");
	expect_doc(LW_ST_CAMPAIGN_DEVICES, "7\nep-a", "ep-a", "{}");
	cr_assert_eq(del_owner(LW_ST_OPERATIONS, "nobody"), 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(storage, list_paging_order_and_owner)
{
	enum { N = 37 };
	char *keys[N];
	for (int i = 0; i < N; i++) {
		char k[32];
		/* Mixed case, digits and a multi-byte letter: bytewise order. */
		static const char *const pre[] = {"B", "a", "\xc3\xa9", "A", "b0", "a\n"};
		snprintf(k, sizeof(k), "%s%02d", pre[i % 6], (i * 7) % N);
		keys[i] = strdup(k);
		put_ok(LW_ST_TOKENS, k, i % 3 == 0 ? "alice" : "bob", "{}");
	}
	qsort(keys, N, sizeof(keys[0]), cmp_str);
	/* Pages of 10, each starting after the previous page's last key. */
	char *after = NULL;
	int seen = 0;
	for (int page = 0; page < 10; page++) {
		struct res r;
		list(LW_ST_TOKENS, NULL, after, 10, &r);
		for (size_t i = 0; i < r.n; i++, seen++)
			cr_assert_str_eq(r.docs[i].key, keys[seen], "page %d item %zu", page, i);
		free(after);
		after = r.n ? strdup(r.docs[r.n - 1].key) : NULL;
		size_t n = r.n;
		res_free(&r);
		if (n < 10)
			break;
	}
	free(after);
	cr_assert_eq(seen, N);
	/* Owner filter, also paged. */
	int expect = 0;
	char *last = NULL;
	int got = 0;
	for (;;) {
		struct res r;
		list(LW_ST_TOKENS, "alice", last, 4, &r);
		for (size_t i = 0; i < r.n; i++) {
			cr_assert_str_eq(r.docs[i].owner, "alice");
			if (last)
				cr_assert_gt(strcmp(r.docs[i].key, last), 0, "order");
			free(last);
			last = strdup(r.docs[i].key);
			got++;
		}
		size_t n = r.n;
		res_free(&r);
		if (n < 4)
			break;
	}
	free(last);
	for (int i = 0; i < N; i++)
		if (i % 3 == 0)
			expect++;
	cr_assert_eq(got, expect);
	/* After the last key: an empty page. */
	struct res r;
	list(LW_ST_TOKENS, NULL, keys[N - 1], 10, &r);
	cr_assert_eq(r.n, 0);
	res_free(&r);
	for (int i = 0; i < N; i++)
		free(keys[i]);
}

Test(storage, large_json)
{
	size_t n = 1024 * 1024;
	char *json = malloc(n + 1);
	json[0] = '"';
	for (size_t i = 1; i < n - 1; i++)
		json[i] = (char)('a' + i % 26);
	json[n - 1] = '"';
	json[n] = '\0';
	put_ok(LW_ST_FIRMWARE, "img-1", NULL, json);
	expect_doc(LW_ST_FIRMWARE, "img-1", NULL, json);
	free(json);
}

/* ---- time series ---- */

static void set_bytes_point(struct lw_st_point *p, int type, const void *data, size_t len)
{
	p->rec.type = (uint8_t)type;
	p->rec.v.s.data = data;
	p->rec.v.s.len = len;
}

static void assert_same_record(const lw_record *a, const lw_record *b, size_t i)
{
	cr_assert(lw_path_equal(&a->path, &b->path), "point %zu: path", i);
	cr_assert_eq(a->type, b->type, "point %zu: type %d, expected %d", i, a->type, b->type);
	cr_assert(a->has_time, "point %zu: has_time", i);
	cr_assert_eq(a->time, b->time, "point %zu: time %.9f, expected %.9f", i, a->time, b->time);
	switch (b->type) {
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		cr_assert_eq(a->v.i, b->v.i, "point %zu: %" PRId64 " vs %" PRId64, i, a->v.i, b->v.i);
		break;
	case LW_TYPE_UNSIGNED:
		cr_assert_eq(a->v.u, b->v.u, "point %zu: %" PRIu64 " vs %" PRIu64, i, a->v.u, b->v.u);
		break;
	case LW_TYPE_FLOAT:
		cr_assert_eq(memcmp(&a->v.f, &b->v.f, sizeof(double)), 0, "point %zu: %g vs %g", i,
		             a->v.f, b->v.f);
		break;
	case LW_TYPE_BOOLEAN:
		cr_assert_eq(a->v.b, b->v.b, "point %zu: bool", i);
		break;
	case LW_TYPE_OBJLNK:
		cr_assert_eq(a->v.l.oid, b->v.l.oid, "point %zu: objlnk oid", i);
		cr_assert_eq(a->v.l.iid, b->v.l.iid, "point %zu: objlnk iid", i);
		break;
	default:
		cr_assert_eq(a->v.s.len, b->v.s.len, "point %zu: %zu bytes, expected %zu", i,
		             a->v.s.len, b->v.s.len);
		if (b->v.s.len)
			cr_assert_eq(memcmp(a->v.s.data, b->v.s.data, b->v.s.len), 0,
			             "point %zu: bytes", i);
	}
}

Test(storage, ts_every_type_round_trips)
{
	static const uint8_t opaque[] = {0x00, 0xff, 0x27, 0x22, 0x5c, 0x00, 0x80};
	static const char *const str = "it's \"\xc3\xa9t\xc3\xa9\"\\";
	static const char *const link = "</3303/0>;rt=\"oma.lwm2m\",</3/0>";
	struct lw_st_point p[24];
	size_t n = 0;
	double nan_v = NAN;
	/* Each at its own resource instance and time, so the order is known. */
#define NEXT(t)                                                                                 \
	(p[n] = ipoint("dev\xc3\xa9", "/9000/0/1", 1000.0 + (double)n * 0.25, 0),                 \
	 p[n].rec.path.riid = (uint16_t)n, p[n].rec.type = (t), &p[n++])
	NEXT(LW_TYPE_INTEGER)->rec.v.i = INT64_MIN;
	NEXT(LW_TYPE_INTEGER)->rec.v.i = INT64_MAX;
	NEXT(LW_TYPE_INTEGER)->rec.v.i = -1;
	NEXT(LW_TYPE_UNSIGNED)->rec.v.u = UINT64_MAX;
	NEXT(LW_TYPE_UNSIGNED)->rec.v.u = (uint64_t)INT64_MAX + 1;
	NEXT(LW_TYPE_UNSIGNED)->rec.v.u = 0;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = 1.5;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = -0.0;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = DBL_MAX;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = DBL_TRUE_MIN;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = -INFINITY;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = nan_v;
	NEXT(LW_TYPE_FLOAT)->rec.v.f = 3.0; /* integral: still a float */
	NEXT(LW_TYPE_BOOLEAN)->rec.v.b = true;
	NEXT(LW_TYPE_BOOLEAN)->rec.v.b = false;
	set_bytes_point(NEXT(LW_TYPE_STRING), LW_TYPE_STRING, str, strlen(str));
	set_bytes_point(NEXT(LW_TYPE_STRING), LW_TYPE_STRING, "", 0);
	set_bytes_point(NEXT(LW_TYPE_OPAQUE), LW_TYPE_OPAQUE, opaque, sizeof(opaque));
	set_bytes_point(NEXT(LW_TYPE_OPAQUE), LW_TYPE_OPAQUE, NULL, 0);
	NEXT(LW_TYPE_TIME)->rec.v.i = 1700000000;
	NEXT(LW_TYPE_TIME)->rec.v.i = -5;
	NEXT(LW_TYPE_OBJLNK)->rec.v.l = (lw_objlnk){65535, 65535};
	NEXT(LW_TYPE_OBJLNK)->rec.v.l = (lw_objlnk){3303, 7};
	set_bytes_point(NEXT(LW_TYPE_CORELNK), LW_TYPE_CORELNK, link, strlen(link));
#undef NEXT
	/* Half in one call, half in another; also a point at a resource
	 * (no instance) with a fractional time. */
	append_ok(p, 10);
	append_ok(p + 10, n - 10);
	struct lw_st_point res = ipoint("dev\xc3\xa9", "/9000/0/2", 2000.123456789, 42);
	append_ok(&res, 1);

	struct res r;
	query("dev\xc3\xa9", "/9000/0/1", 0, 1e12, 0, &r);
	cr_assert_eq(r.n, n, "%zu points back, %zu appended", r.n, n);
	for (size_t i = 0; i < n; i++)
		assert_same_record(&r.recs.items[i], &p[i].rec, i);
	res_free(&r);
	query("dev\xc3\xa9", "/9000/0/2", 0, 1e12, 0, &r);
	cr_assert_eq(r.n, 1);
	assert_same_record(&r.recs.items[0], &res.rec, 0);
	cr_assert_eq(lw_path_depth(&r.recs.items[0].path), 3);
	res_free(&r);
}

Test(storage, ts_prefix_is_by_segments)
{
	struct lw_st_point p[] = {
		ipoint("ep", "/3303/0/5700", 10, 1),  ipoint("ep", "/33030/0/5700", 11, 2),
		ipoint("ep", "/3303/1/5700", 12, 3),  ipoint("ep", "/3303/0/57000", 13, 4),
		ipoint("ep", "/3303/10/5700", 14, 5), ipoint("ep", "/3/0/0", 15, 6),
		ipoint("ep", "/3303/0/5700/1", 16, 7), ipoint("other", "/3303/0/5700", 17, 8),
	};
	append_ok(p, sizeof(p) / sizeof(p[0]));
	static const struct {
		const char *path;
		int64_t want[8];
	} cases[] = {
		{"/3303", {1, 3, 4, 5, 7}},
		{"/33030", {2}},
		{"/3303/0", {1, 4, 7}},
		{"/3303/1", {3}},
		{"/3303/0/5700", {1, 7}},
		{"/3303/0/5700/1", {7}},
		{"/3", {6}},
		{"/", {1, 2, 3, 4, 5, 6, 7}},
		{"/4", {0}},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct res r;
		query("ep", cases[c].path, 0, 100, 0, &r);
		size_t want = 0;
		while (want < 8 && cases[c].want[want])
			want++;
		cr_assert_eq(r.n, want, "%s: %zu points, expected %zu", cases[c].path, r.n, want);
		for (size_t i = 0; i < want; i++)
			cr_assert_eq(r.recs.items[i].v.i, cases[c].want[i], "%s: point %zu",
			             cases[c].path, i);
		res_free(&r);
	}
}

Test(storage, ts_bounds_limit_and_ties)
{
	struct lw_st_point p[10];
	/* Times 100, 101, 101, 101, 102, ..., appended out of time order. */
	static const double t[10] = {105, 100, 101, 101, 101, 102, 103, 104, 106, 107};
	for (int i = 0; i < 10; i++)
		p[i] = ipoint("ep", "/3303/0/5700", t[i], i);
	append_ok(p, 5);
	append_ok(p + 5, 5);
	struct res r;
	/* Bounds are inclusive. */
	query("ep", "/3303", 101, 104, 0, &r);
	int64_t want1[] = {2, 3, 4, 5, 6, 7};
	cr_assert_eq(r.n, 6);
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(r.recs.items[i].v.i, want1[i], "item %zu", i);
	res_free(&r);
	/* limit: the newest N, oldest first. */
	query("ep", "/3303/0/5700", 0, 1000, 3, &r);
	int64_t want2[] = {0, 8, 9};
	cr_assert_eq(r.n, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(r.recs.items[i].v.i, want2[i], "item %zu", i);
	res_free(&r);
	/* The limit cuts inside a tie: the last inserted of the tie are the newest. */
	query("ep", "/3303", 0, 101, 2, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.recs.items[0].v.i, 3);
	cr_assert_eq(r.recs.items[1].v.i, 4);
	res_free(&r);
	/* A single instant. */
	query("ep", "/3303", 101, 101, 0, &r);
	cr_assert_eq(r.n, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(r.recs.items[i].v.i, (int64_t)i + 2, "ties in insertion order");
	res_free(&r);
	/* Empty results: a window with nothing, another endpoint. */
	query("ep", "/3303", 108, 200, 0, &r);
	cr_assert_eq(r.n, 0);
	res_free(&r);
	query("nobody", "/", 0, 1e9, 0, &r);
	cr_assert_eq(r.n, 0);
	res_free(&r);
}

Test(storage, ts_prune)
{
	struct lw_st_point p[6];
	for (int i = 0; i < 6; i++)
		p[i] = ipoint(i % 2 ? "a" : "b", "/3303/0/5700", 100 + i, i);
	append_ok(p, 6);
	struct res r;
	res_init(&r);
	cr_assert_eq(OPS->ts_prune(BE, 103, on_done, &r), 0);
	wait_for(&r);
	cr_assert_eq(r.status, 0);
	query("a", "/", 0, 1e9, 0, &r);
	cr_assert_eq(r.n, 2, "a keeps 103 and 105");
	cr_assert_eq(r.recs.items[0].v.i, 3);
	res_free(&r);
	query("b", "/", 0, 1e9, 0, &r);
	cr_assert_eq(r.n, 1, "b keeps 104");
	cr_assert_eq(r.recs.items[0].v.i, 4);
	res_free(&r);
}

Test(storage, ts_bad_arguments)
{
	struct lw_st_point p = ipoint("ep", "/3303/0/5700", 1, 1);
	cr_assert_eq(OPS->ts_append(BE, &p, 0, on_never, NULL), LW_EINVAL, "no points");
	cr_assert_eq(OPS->ts_append(BE, NULL, 1, on_never, NULL), LW_EINVAL);
	struct lw_st_point noep = p;
	noep.endpoint = NULL;
	cr_assert_eq(OPS->ts_append(BE, &noep, 1, on_never, NULL), LW_EINVAL, "no endpoint");
	flush_ok();
}

Test(storage, ts_bulk_100k)
{
	enum { N = 100000, PER = 1000 };
	struct lw_st_point *p = calloc(PER, sizeof(*p));
	struct res acks[N / PER];
	char ep[N / PER][16];
	for (int c = 0; c < N / PER; c++) {
		snprintf(ep[c], sizeof(ep[c]), "dev-%d", c % 10);
		for (int i = 0; i < PER; i++) {
			int k = c * PER + i;
			p[i] = ipoint("x", "/3303/0/5700", (double)k, k);
			p[i].endpoint = ep[c];
			p[i].rec.path.iid = (uint16_t)(c % 3);
		}
		res_init(&acks[c]);
		int rc;
		/* Pipelined as the core would, retrying on back-pressure. */
		while ((rc = OPS->ts_append(BE, p, PER, on_done, &acks[c])) == LW_EAGAIN)
			lw_sh_pump(&H, 10);
		cr_assert_eq(rc, 0, "ts_append %d: %s", c, lw_strerror(rc));
	}
	free(p);
	for (int c = 0; c < N / PER; c++) {
		wait_for(&acks[c]);
		cr_assert_eq(acks[c].status, 0, "call %d", c);
		if (c)
			cr_assert_gt(acks[c].order, acks[c - 1].order, "callbacks in call order");
	}
	size_t total = 0;
	for (int d = 0; d < 10; d++) {
		char name[16];
		snprintf(name, sizeof(name), "dev-%d", d);
		struct res r;
		query(name, "/3303", 0, 1e9, N, &r);
		cr_assert_eq(r.n, N / 10, "%s: %zu points", name, r.n);
		for (size_t i = 1; i < r.n; i++)
			cr_assert_gt(r.recs.items[i].time, r.recs.items[i - 1].time);
		total += r.n;
		res_free(&r);
	}
	cr_assert_eq(total, N);
	/* The default cap is 10,000: the newest. */
	struct res r;
	query("dev-0", "/", 0, 1e9, 0, &r);
	cr_assert_eq(r.n, 10000);
	cr_assert_eq(r.recs.items[r.n - 1].v.i, 90999);
	res_free(&r);
}

/* ---- audit ---- */

static void audit_ok(double t, const char *actor, const char *ep, const char *action,
                     const char *detail)
{
	struct lw_st_audit e = {t, actor, ep, action, detail};
	struct res r;
	res_init(&r);
	cr_assert_eq(OPS->audit_append(BE, &e, on_done, &r), 0);
	wait_for(&r);
	cr_assert_eq(r.status, 0);
}

static void audit_query(double from, double to, const char *ep, size_t limit, struct res *r)
{
	res_init(r);
	cr_assert_eq(OPS->audit_query(BE, from, to, ep, limit, on_audit, r), 0);
	wait_for(r);
	cr_assert_eq(r->status, 0);
	cr_assert_leq(r->n, limit);
}

Test(storage, audit_append_query)
{
	audit_ok(10, "admin", "ep-1", "read", "{\"path\":\"/3/0\",\"status\":\"2.05\"}");
	audit_ok(11, "core", NULL, "start", NULL);
	audit_ok(12, "campaign:7", "ep-2", "firmware", "{}");
	audit_ok(12, "alice", "ep-1", "write", "{\"it's\":\"\\\"\"}");
	audit_ok(14, "admin", "ep-1", "execute", NULL);
	struct res r;
	audit_query(0, 100, NULL, 100, &r);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.audit[0].time, 10);
	cr_assert_str_eq(r.audit[0].actor, "admin");
	cr_assert_str_eq(r.audit[0].endpoint, "ep-1");
	cr_assert_str_eq(r.audit[0].action, "read");
	cr_assert_str_eq(r.audit[0].detail, "{\"path\":\"/3/0\",\"status\":\"2.05\"}");
	cr_assert_null(r.audit[1].endpoint);
	cr_assert_null(r.audit[1].detail);
	cr_assert_str_eq(r.audit[2].action, "firmware", "ties in insertion order");
	cr_assert_str_eq(r.audit[3].action, "write");
	cr_assert_str_eq(r.audit[3].detail, "{\"it's\":\"\\\"\"}");
	res_free(&r);
	/* Endpoint filter, inclusive bounds. */
	audit_query(10, 12, "ep-1", 100, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.audit[0].action, "read");
	cr_assert_str_eq(r.audit[1].action, "write");
	res_free(&r);
	/* Limit: the newest, oldest first. */
	audit_query(0, 100, NULL, 2, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.audit[0].action, "write");
	cr_assert_str_eq(r.audit[1].action, "execute");
	res_free(&r);
	audit_query(0, 100, "ep-9", 10, &r);
	cr_assert_eq(r.n, 0);
	res_free(&r);
}

/* ---- order, flush, back-pressure, close ---- */

Test(storage, read_your_writes_in_one_tick)
{
	struct res w1, g1, d1, g2, w2, l1, a1, q1, f1;
	res_init(&w1);
	res_init(&g1);
	res_init(&d1);
	res_init(&g2);
	res_init(&w2);
	res_init(&l1);
	res_init(&a1);
	res_init(&q1);
	res_init(&f1);
	fire_count = 0;
	struct lw_st_point pt = ipoint("ep", "/3303/0/5700", 5, 77);
	/* No loop turn between the calls: each must see those before it. */
	cr_assert_eq(OPS->doc_put(BE, LW_ST_REGISTRATIONS, "ep", NULL, "{\"v\":1}", 7, on_done, &w1), 0);
	cr_assert_eq(OPS->doc_get(BE, LW_ST_REGISTRATIONS, "ep", on_docs, &g1), 0);
	cr_assert_eq(OPS->doc_del(BE, LW_ST_REGISTRATIONS, "ep", on_done, &d1), 0);
	cr_assert_eq(OPS->doc_get(BE, LW_ST_REGISTRATIONS, "ep", on_docs, &g2), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_REGISTRATIONS, "ep", NULL, "{\"v\":2}", 7, on_done, &w2), 0);
	cr_assert_eq(OPS->doc_list(BE, LW_ST_REGISTRATIONS, NULL, NULL, 10, on_docs, &l1), 0);
	cr_assert_eq(OPS->ts_append(BE, &pt, 1, on_done, &a1), 0);
	pt.rec.v.i = 0; /* the backend copied it */
	pt.endpoint = "changed";
	struct lw_st_ts_query q = {"ep", LW_PATH_ROOT, 0, 10, 0};
	cr_assert_eq(OPS->ts_query(BE, &q, on_points, &q1), 0);
	cr_assert_eq(OPS->flush(BE, on_done, &f1), 0);
	cr_assert_eq(w1.fired + g1.fired + f1.fired, 0, "callbacks run later, not in the call");
	wait_for(&f1);
	struct res *all[] = {&w1, &g1, &d1, &g2, &w2, &l1, &a1, &q1, &f1};
	for (size_t i = 0; i < 9; i++) {
		cr_assert(all[i]->fired, "call %zu: no callback before flush's", i);
		cr_assert_eq(all[i]->order, (int)i + 1, "call %zu ran as #%d", i, all[i]->order);
	}
	cr_assert_eq(g1.status, 0);
	cr_assert_str_eq(g1.docs[0].json, "{\"v\":1}");
	cr_assert_eq(g2.status, LW_ENOENT);
	cr_assert_eq(l1.n, 1);
	cr_assert_str_eq(l1.docs[0].json, "{\"v\":2}");
	cr_assert_eq(q1.n, 1);
	cr_assert_eq(q1.recs.items[0].v.i, 77);
	for (size_t i = 0; i < 9; i++)
		res_free(all[i]);
}

Test(storage, back_pressure)
{
	lw_sh_stop(&H);
	const char *conf = getenv("LW_STORAGE_TINY_QUEUE_CONF");
	start_or_fail(conf ? conf : "queue_max = 4");
	enum { MAX = 2000 };
	struct res *r = calloc(MAX, sizeof(*r));
	struct lw_st_point pt = ipoint("ep", "/3303/0/5700", 1, 1);
	int accepted = 0, refused = 0;
	for (int i = 0; i < MAX && !refused; i++) {
		res_init(&r[i]);
		pt.rec.time = i;
		int rc = OPS->ts_append(BE, &pt, 1, on_done, &r[i]);
		if (rc == LW_EAGAIN)
			refused = 1;
		else
			cr_assert_eq(rc, 0, "ts_append: %s", lw_strerror(rc));
		accepted += rc == 0;
	}
	cr_assert(refused, "%d calls accepted without a loop turn: no back-pressure", accepted);
	cr_assert_geq(accepted, 1);
	/* Once the queue drains, calls are accepted again. */
	for (int i = 0; i < accepted; i++)
		wait_for(&r[i]);
	lw_sh_pump(&H, 1);
	cr_assert_eq(r[accepted].fired, 0, "a refused call's callback ran");
	res_init(&r[accepted]);
	cr_assert_eq(OPS->ts_append(BE, &pt, 1, on_done, &r[accepted]), 0);
	wait_for(&r[accepted]);
	for (int i = 0; i <= accepted; i++)
		cr_assert_eq(r[i].status, 0);
	free(r);
}

Test(storage, durable_across_close_and_reopen)
{
	struct res w[4];
	for (int i = 0; i < 4; i++)
		res_init(&w[i]);
	struct lw_st_point pts[50];
	for (int i = 0; i < 50; i++)
		pts[i] = ipoint("ep", "/3303/0/5700", 1000 + i, i * 3);
	struct lw_st_audit e = {5, "admin", "ep", "write", "{}"};
	cr_assert_eq(OPS->doc_put(BE, LW_ST_CAMPAIGNS, "c-1", NULL, "{\"c\":1}", 7, on_done, &w[0]), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_BOOTSTRAP, "ep", "ep", "{\"b\":1}", 7, on_done, &w[1]), 0);
	cr_assert_eq(OPS->ts_append(BE, pts, 50, on_done, &w[2]), 0);
	cr_assert_eq(OPS->audit_append(BE, &e, on_done, &w[3]), 0);
	/* Close right away: it makes everything accepted durable, and runs the
	 * pending callbacks before it returns. */
	lw_sh_stop(&H);
	for (int i = 0; i < 4; i++) {
		cr_assert(w[i].fired, "call %d: callback not run by close", i);
		cr_assert_eq(w[i].status, 0, "call %d", i);
	}
	start_or_fail(NULL);
	expect_doc(LW_ST_CAMPAIGNS, "c-1", NULL, "{\"c\":1}");
	expect_doc(LW_ST_BOOTSTRAP, "ep", "ep", "{\"b\":1}");
	struct res r;
	query("ep", "/3303/0/5700", 0, 1e9, 0, &r);
	cr_assert_eq(r.n, 50);
	for (size_t i = 0; i < 50; i++)
		assert_same_record(&r.recs.items[i], &pts[i].rec, i);
	res_free(&r);
	audit_query(0, 10, NULL, 10, &r);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.audit[0].action, "write");
	res_free(&r);
}

Test(storage, calls_after_close_are_canceled)
{
	OPS->close(BE);
	struct lw_st_point pt = ipoint("ep", "/3303/0/5700", 1, 1);
	cr_assert_eq(OPS->doc_put(BE, 1, "k", NULL, "{}", 2, on_never, NULL), LW_ECANCELED);
	cr_assert_eq(OPS->doc_get(BE, 1, "k", on_never_docs, NULL), LW_ECANCELED);
	cr_assert_eq(OPS->ts_append(BE, &pt, 1, on_never, NULL), LW_ECANCELED);
	cr_assert_eq(OPS->flush(BE, on_never, NULL), LW_ECANCELED);
	lw_sh_pump(&H, 10);
}

/* ---- SQLite only: a suite whose tests start the plugin themselves ---- */

/* Another backend skips these before it creates a store (a skipped test's
 * fini may not run, and a postgres database would be left behind). */
static void setup_sqlite(void)
{
	if (is_backend("sqlite"))
		setup_created();
}

TestSuite(sqlite, .init = setup_sqlite, .fini = teardown, .timeout = 60);

static void sqlite_file(char *out, size_t len)
{
	snprintf(out, len, "%s/lwm2md.db", H.dir);
}

static long long sqlite_user_version(void)
{
	char file[512];
	sqlite_file(file, sizeof(file));
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

Test(sqlite, schema_versioned)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	start_or_fail(NULL);
	put_ok(LW_ST_USERS, "u", NULL, "{}");
	lw_sh_stop(&H);
	long long v = sqlite_user_version();
	cr_assert_geq(v, 1, "the migrations set user_version");
	/* Re-opening an up-to-date file changes nothing and keeps the data. */
	start_or_fail(NULL);
	expect_doc(LW_ST_USERS, "u", NULL, "{}");
	lw_sh_stop(&H);
	cr_assert_eq(sqlite_user_version(), v);
}

Test(sqlite, newer_schema_refused)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	char file[512];
	sqlite_file(file, sizeof(file));
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version = 9999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	int rc = lw_sh_start(&H, NULL);
	cr_assert_neq(rc, 0, "a schema newer than the plugin's was opened");
	cr_assert(strstr(H.err, "could not open"), "err: %s", H.err);
	cr_assert_eq(sqlite_user_version(), 9999, "the file was changed");
}

Test(sqlite, bad_config_refused)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	cr_assert_neq(lw_sh_start(&H, "synchronous = sometimes"), 0);
	cr_assert(strstr(H.err, "synchronous"), "err: %s", H.err);
	cr_assert_neq(lw_sh_start(&H, "batch_max = 0"), 0);
	cr_assert(strstr(H.err, "batch_max"), "err: %s", H.err);
	cr_assert_neq(lw_sh_start(&H, "retention_days = -1"), 0);
	start_or_fail("synchronous = normal\nbatch_max = 7\nfile = other.db");
	put_ok(LW_ST_USERS, "u", NULL, "{}");
	lw_sh_stop(&H);
	char file[512];
	snprintf(file, sizeof(file), "%s/other.db", H.dir);
	cr_assert_eq(access(file, R_OK), 0, "file = other.db is under state_dir");
}

static uint64_t kill9_acked;
static int kill9_fd = -1;

/* In the child, on_done reports the call's end through the pipe. */
static void on_done_report(void *arg, int status)
{
	struct res *r = arg;
	r->fired = 1;
	r->status = status;
	if (status == 0) {
		uint64_t end = (uint64_t)r->order * 200;
		if (end > kill9_acked) {
			kill9_acked = end;
			if (write(kill9_fd, &kill9_acked, sizeof(kill9_acked)) < 0)
				_exit(5);
		}
	}
}

/* The child: appends points until killed, 8 calls of 200 in flight; a call's
 * order field tags its end, so an acknowledgement reports how many points
 * (a prefix, since calls complete in order) are durable. */
static void kill9_run(int fd)
{
	kill9_fd = fd;
	if (lw_sh_start(&H, NULL) != 0)
		_exit(3);
	enum { PER = 200, INFLIGHT = 8 };
	static struct lw_st_point p[PER];
	static struct res acks[INFLIGHT];
	uint64_t next = 0;
	for (;;) {
		for (int s = 0; s < INFLIGHT; s++) {
			if (acks[s].order && !acks[s].fired)
				continue;
			if (acks[s].order && acks[s].status != 0)
				_exit(4);
			for (int i = 0; i < PER; i++)
				p[i] = (struct lw_st_point){.endpoint = "victim",
				                            .rec = {.path = {3303, 0, 5700, LW_ID_NONE},
				                                    .type = LW_TYPE_INTEGER,
				                                    .has_time = 1,
				                                    .time = (double)(next + (uint64_t)i),
				                                    .v.i = (int64_t)(next + (uint64_t)i)}};
			memset(&acks[s], 0, sizeof(acks[s]));
			acks[s].order = (int)((next + PER) / PER);
			if (OPS->ts_append(BE, p, PER, on_done_report, &acks[s]) != 0) {
				acks[s].order = 0;
				break;
			}
			next += PER;
		}
		lw_sh_pump(&H, 5);
	}
}

Test(sqlite, kill9_keeps_acknowledged)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		kill9_run(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	/* Let it acknowledge a good number of points, then kill it mid-stream. */
	uint64_t acked = 0, v;
	while (acked < 30000 && read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
		acked = v;
	kill(pid, SIGKILL);
	int status = 0;
	waitpid(pid, &status, 0);
	while (read(fds[0], &v, sizeof(v)) == (ssize_t)sizeof(v))
		acked = v;
	close(fds[0]);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	          "the child ended by itself (status %d) before being killed", status);
	cr_assert_geq(acked, 30000, "the child acknowledged only %" PRIu64 " points", acked);

	start_or_fail(NULL);
	struct res r;
	query("victim", "/3303/0/5700", 0, (double)acked - 1, acked + 1, &r);
	cr_assert_eq(r.n, acked, "%zu of %" PRIu64 " acknowledged points survived", r.n, acked);
	for (size_t i = 0; i < r.n; i++)
		cr_assert_eq(r.recs.items[i].v.i, (int64_t)i, "point %zu", i);
	res_free(&r);
}

static void sqlite_exec_or_fail(const char *sql)
{
	char file[512];
	sqlite_file(file, sizeof(file));
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(file, &db), SQLITE_OK);
	char *msg = NULL;
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &msg), SQLITE_OK, "%s: %s", sql, msg);
	sqlite3_close(db);
}

Test(sqlite, failed_statement_fails_its_call_only)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	start_or_fail(NULL);
	put_ok(LW_ST_USERS, "before", NULL, "{}");
	lw_sh_stop(&H);
	/* Triggers make chosen rows fail, as a full disk or a constraint would. */
	sqlite_exec_or_fail("CREATE TRIGGER no_bad BEFORE INSERT ON documents WHEN NEW.key = 'bad' "
	                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END;"
	                    "CREATE TRIGGER no_666 BEFORE INSERT ON points WHEN NEW.v = 666 "
	                    "BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
	start_or_fail(NULL);
	struct res a, b, c, d, e;
	res_init(&a);
	res_init(&b);
	res_init(&c);
	res_init(&d);
	res_init(&e);
	struct lw_st_point good[2] = {ipoint("ep", "/3303/0/5700", 1, 1),
	                              ipoint("ep", "/3303/0/5700", 2, 2)};
	struct lw_st_point bad[3] = {ipoint("ep", "/3303/0/5700", 3, 3),
	                             ipoint("ep", "/3303/0/5700", 4, 666),
	                             ipoint("ep", "/3303/0/5700", 5, 5)};
	/* One tick, so one batch: the failures must stay with their calls. */
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "bad", NULL, "{}", 2, on_done, &a), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "good", NULL, "{}", 2, on_done, &b), 0);
	cr_assert_eq(OPS->ts_append(BE, good, 2, on_done, &c), 0);
	cr_assert_eq(OPS->ts_append(BE, bad, 3, on_done, &d), 0);
	cr_assert_eq(OPS->flush(BE, on_done, &e), 0);
	wait_for(&e);
	cr_assert_eq(a.status, LW_EIO);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(c.status, 0);
	cr_assert_eq(d.status, LW_EIO);
	cr_assert_eq(e.status, 0);
	expect_missing(LW_ST_USERS, "bad");
	expect_doc(LW_ST_USERS, "good", NULL, "{}");
	expect_doc(LW_ST_USERS, "before", NULL, "{}");
	struct res r;
	query("ep", "/", 0, 100, 0, &r);
	cr_assert_eq(r.n, 2, "a failed ts_append must leave none of its points (%zu)", r.n);
	cr_assert_eq(r.recs.items[1].v.i, 2);
	res_free(&r);
}

Test(sqlite, retention_prunes_at_open)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	start_or_fail(NULL);
	double now = (double)time(NULL);
	struct lw_st_point p[3] = {ipoint("ep", "/3303/0/5700", now - 3 * 86400, 1),
	                           ipoint("ep", "/3303/0/5700", now - 3600, 2),
	                           ipoint("ep", "/3303/0/5700", now, 3)};
	append_ok(p, 3);
	lw_sh_stop(&H);
	/* The first prune is queued at open, before any call: a query sees it. */
	start_or_fail("retention_days = 2");
	struct res r;
	query("ep", "/", 0, 1e12, 0, &r);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.recs.items[0].v.i, 2);
	res_free(&r);
}

Test(sqlite, metrics)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	start_or_fail(NULL);
	struct lw_st_point p[3] = {ipoint("ep", "/3303/0/5700", 1, 1),
	                           ipoint("ep", "/3303/0/5700", 2, 2),
	                           ipoint("ep", "/3303/0/5700", 3, 3)};
	append_ok(p, 3);
	append_ok(p, 2);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	lw_plugin_metrics_write(f);
	fclose(f);
	cr_assert(strstr(text, "lwm2md_storage_points_total 5"), "%s", text);
	cr_assert(strstr(text, "lwm2md_storage_queued 0"), "%s", text);
	cr_assert(strstr(text, "lwm2md_storage_batches_total"), "%s", text);
	cr_assert(strstr(text, "lwm2md_storage_errors_total 0"), "%s", text);
	free(text);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The value of a metric line "NAME VALUE" (0 when missing). */
static double metric(const char *name)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	lw_plugin_metrics_write(f);
	fclose(f);
	double v = 0;
	char pat[128];
	snprintf(pat, sizeof(pat), "\n%s ", name);
	const char *at = strstr(text, pat);
	if (at)
		v = strtod(at + strlen(pat), NULL);
	free(text);
	return v;
}

Test(sqlite, points_wait_for_company)
{
	if (!is_backend("sqlite"))
		cr_skip_test("sqlite only");
	start_or_fail("point_delay_ms = 400\n");
	/* Points alone: acknowledged only after the delay, many calls in one
	 * transaction. */
	enum { N = 50 };
	struct lw_st_point p[N];
	struct res r[N];
	double batches0 = metric("lwm2md_storage_batches_total");
	double t0 = mono_s();
	for (int i = 0; i < N; i++) {
		p[i] = ipoint("ep", "/3303/0/5700", 100 + i, i);
		res_init(&r[i]);
		cr_assert_eq(OPS->ts_append(BE, &p[i], 1, on_done, &r[i]), 0);
	}
	wait_for(&r[N - 1]);
	double waited = mono_s() - t0;
	cr_expect_geq(waited, 0.35, "points committed after %.3f s, before point_delay_ms", waited);
	for (int i = 0; i < N; i++)
		cr_expect(r[i].fired && r[i].status == 0, "call %d: fired %d status %d", i, r[i].fired,
		          r[i].status);
	cr_expect_leq(metric("lwm2md_storage_batches_total") - batches0, 2,
	              "%d calls of one point should share a transaction", N);

	/* A document does not wait, and takes the waiting points along. */
	struct lw_st_point q = ipoint("ep", "/3303/0/5700", 200, 7);
	struct res rq, rd;
	res_init(&rq);
	res_init(&rd);
	t0 = mono_s();
	cr_assert_eq(OPS->ts_append(BE, &q, 1, on_done, &rq), 0);
	cr_assert_eq(OPS->doc_put(BE, LW_ST_USERS, "u", NULL, "{}", 2, on_done, &rd), 0);
	wait_for(&rd);
	wait_for(&rq);
	waited = mono_s() - t0;
	cr_expect_lt(waited, 0.3, "a document waited %.3f s for point_delay_ms", waited);
	cr_expect_lt(rq.order, rd.order, "the point's call came first, so does its answer");
}
