/*
 * tests/unit/test_ddf.c: the DDF XML loader (core/lwm2m/ddf.c).
 *
 * The whole OMA registry ($LW_OMA_MODELS, with its version history) must
 * load, several versions of one object side by side. Every field of a
 * definition is checked on a hand-written file. Broken files, hostile ones
 * included (external entities, deep nesting, huge input), must each give one
 * "NAME:LINE: reason" naming the element at fault, add nothing, print
 * nothing and fetch nothing; and one bad file in a folder must not keep the
 * others out.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "lwm2m/ddf.h"
#include "lwm2m/error.h"
#include "lwm2m/model.h"
#include "lwm2m/records.h"

static lw_model *m;

/* Temporary folders of the running test, removed by the teardown. */
static char *tmpdirs[4];
static int n_tmpdirs;

static char *tmpdir(void)
{
	cr_assert_lt(n_tmpdirs, 4);
	return tmpdirs[n_tmpdirs++] = th_tmpdir();
}

static void setup(void)
{
	m = lw_model_new();
	cr_assert_not_null(m);
}

/*
 * libxml2 prints its complaints on stderr unless told otherwise: the quiet
 * tests send fd 2 to a file and check at the end that it stayed empty.
 * (Criterion's own cr_redirect_stderr leaks in its runner under ASan.)
 */
static char *stderr_file;
static int saved_stderr = -1;

/* Runs after the suite's setup (Criterion runs both). */
static void setup_quiet(void)
{
	stderr_file = th_strdupf("%s/stderr", tmpdir());
	fflush(stderr);
	int fd = open(stderr_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	saved_stderr = dup(2);
	cr_assert_geq(saved_stderr, 0);
	cr_assert_geq(dup2(fd, 2), 0);
	close(fd);
}

static void assert_nothing_printed(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	char *text = th_read_file(stderr_file);
	cr_assert_not_null(text);
	cr_assert_str_empty(text, "printed on stderr: %s", text);
}

static void teardown(void)
{
	lw_model_free(m);
	m = NULL;
	for (int i = 0; i < n_tmpdirs; i++)
		th_rmtree(tmpdirs[i]);
	n_tmpdirs = 0;
	th_cleanup();
	th_check_leaks();
}

TestSuite(ddf, .init = setup, .fini = teardown);

static const char *models_dir(void)
{
	const char *d = getenv("LW_OMA_MODELS");
	return d && *d ? d : NULL;
}

/* ---- reports of lw_ddf_load_dir ---- */

struct reports {
	int n;
	char lines[16][512];
};

static void collect(void *ctx, const char *line)
{
	struct reports *r = ctx;
	if (r->n < 16)
		snprintf(r->lines[r->n], sizeof(r->lines[0]), "%s", line);
	r->n++;
}

/* "NAME:LINE: reason": checks the shape and returns LINE. */
static long error_line(const char *err, const char *name)
{
	size_t nl = strlen(name);
	cr_assert_eq(strncmp(err, name, nl), 0, "\"%s\" does not start with \"%s\"", err, name);
	cr_assert_eq(err[nl], ':', "no ':' after the name in \"%s\"", err);
	char *end;
	long line = strtol(err + nl + 1, &end, 10);
	cr_assert(end > err + nl + 1, "no line number in \"%s\"", err);
	cr_assert(end[0] == ':' && end[1] == ' ' && end[2], "no reason in \"%s\"", err);
	cr_assert_gt(line, 0, "line %ld in \"%s\"", line, err);
	return line;
}

/* ---- the registry ---- */

static bool is_ddf_name(const char *s)
{
	size_t len = strlen(s);
	return s[0] != '.' && len > 4 && strcmp(s + len - 4, ".xml") == 0;
}

/* Whether a file is an object definition at all (the registry folder also
 * holds other XML, such as its list of extra SenML units). */
static bool file_is_ddf(const char *path)
{
	char *text = th_read_file(path);
	cr_assert_not_null(text, "cannot read %s", path);
	return strstr(text, "<LWM2M") != NULL;
}

struct folder_result {
	int files, ddf_files, added, failures, each_sum;
};

/* Loads dir into m and checks it against loading each file on its own. */
static struct folder_result load_registry_folder(const char *dir)
{
	struct folder_result fr = {0};
	struct reports rep = {0};
	fr.added = lw_ddf_load_dir(m, dir, collect, &rep);
	cr_assert_geq(fr.added, 0, "%s: %d", dir, fr.added);
	fr.failures = rep.n;

	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_ddf_name(e->d_name))
			continue;
		char *path = th_strdupf("%s/%s", dir, e->d_name);
		struct stat sb;
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
			continue;
		fr.files++;
		lw_model *alone = lw_model_new();
		char err[512];
		int rc = lw_ddf_load_file(alone, path, err, sizeof(err));
		if (file_is_ddf(path)) {
			fr.ddf_files++;
			cr_assert_geq(rc, 1, "%s does not load: %s", path, err);
			fr.each_sum += rc;
		} else {
			cr_assert_eq(rc, LW_EINVAL, "%s is no DDF but loads", path);
			cr_assert_not_null(strstr(err, "not a DDF file"), "%s", err);
		}
		lw_model_free(alone);
	}
	closedir(d);

	/* Whatever load_dir reported is one of the files that are no DDF. */
	for (int i = 0; i < rep.n && i < 16; i++) {
		cr_assert_not_null(strstr(rep.lines[i], "not a DDF file"), "%s", rep.lines[i]);
		char path[512];
		snprintf(path, sizeof(path), "%s", rep.lines[i]);
		*strchr(path, ':') = '\0';
		cr_assert_not(file_is_ddf(path), "%s", rep.lines[i]);
		cr_log_info("not loaded: %s", rep.lines[i]);
	}
	cr_assert_eq(fr.failures, fr.files - fr.ddf_files, "%d failures for %d non-DDF files",
	             fr.failures, fr.files - fr.ddf_files);
	cr_assert_eq(fr.added, fr.each_sum, "the folder gave %d objects, its files %d", fr.added,
	             fr.each_sum);
	return fr;
}

Test(ddf, every_registry_file_loads)
{
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set: no registry to load");
	struct folder_result fr = load_registry_folder(models_dir());
	cr_log_info("%s: %d .xml files, %d DDF, %d objects, %d not DDF", models_dir(), fr.files,
	            fr.ddf_files, fr.added, fr.failures);
	cr_assert_gt(fr.ddf_files, 300, "only %d DDF files: is this the registry?", fr.ddf_files);
	cr_assert_eq(lw_model_count(m), (size_t)fr.added, "one version per object at the top");

	/* Each N.xml holds object N. */
	DIR *d = opendir(models_dir());
	struct dirent *e;
	int checked = 0;
	while ((e = readdir(d)) != NULL) {
		unsigned id;
		char tail[8];
		if (sscanf(e->d_name, "%u%7s", &id, tail) != 2 || strcmp(tail, ".xml") != 0)
			continue;
		const struct lw_object_def *o = lw_model_object(m, (uint16_t)id, NULL);
		cr_assert_not_null(o, "object %u of %s is missing", id, e->d_name);
		char *want = th_strdupf("%s/%s", models_dir(), e->d_name);
		cr_assert_str_eq(o->source, want);
		checked++;
	}
	closedir(d);
	cr_assert_eq(checked, fr.ddf_files);
}

Test(ddf, registry_version_history_keeps_versions_apart)
{
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set: no registry to load");
	char *hist = th_strdupf("%s/version_history", models_dir());
	struct folder_result top = load_registry_folder(models_dir());
	struct folder_result old = load_registry_folder(hist);
	cr_log_info("%s: %d files, %d objects", hist, old.files, old.added);
	cr_assert_eq(old.failures, 0);

	/* Every N-X_Y.xml is there as object N version X.Y. */
	DIR *d = opendir(hist);
	struct dirent *e;
	int versions = 0;
	while ((e = readdir(d)) != NULL) {
		unsigned id, major, minor;
		char tail[8];
		if (sscanf(e->d_name, "%u-%u_%u%7s", &id, &major, &minor, tail) != 4 ||
		    strcmp(tail, ".xml") != 0)
			continue;
		char *v = th_strdupf("%u.%u", major, minor);
		const struct lw_object_def *o = lw_model_object(m, (uint16_t)id, v);
		cr_assert_not_null(o, "%s: no object %u version %s", e->d_name, id, v);
		versions++;
	}
	closedir(d);
	cr_assert_eq(versions, old.ddf_files);
	/* The top folder repeats the newest versions: nothing new there. */
	cr_assert_eq(lw_model_count(m), (size_t)versions);
	cr_assert_geq(versions, top.ddf_files);

	const struct lw_object_def *t10 = lw_model_object(m, 3303, "1.0");
	const struct lw_object_def *t11 = lw_model_object(m, 3303, "1.1");
	cr_assert_not_null(t10);
	cr_assert_not_null(t11);
	cr_assert_neq(t10, t11);
	cr_assert_eq(lw_model_object(m, 3303, NULL), t11);
	cr_assert_str_eq(t10->version, "1.0");
	/* 1.1 added Timestamp (5518) and the quality resources. */
	cr_assert_null(lw_object_resource(t10, 5518));
	cr_assert_not_null(lw_object_resource(t11, 5518));
	cr_assert_not_null(lw_object_resource(t10, 5700));

	/* Security 1.0 has neither ObjectVersion nor LWM2MVersion: both default. */
	const struct lw_object_def *s10 = lw_model_object(m, 0, "1.0");
	cr_assert_not_null(s10);
	cr_assert_str_eq(s10->lwm2m_version, "1.0");
	cr_assert_not_null(lw_model_object(m, 0, "1.1"));
	cr_assert_str_eq(lw_model_object(m, 0, NULL)->version, "1.2");
}

Test(ddf, registry_uses_every_type_and_operation)
{
	/* The mapping of each Type and Operations text shows up somewhere in
	 * the registry; codec tests lean on this to find samples of each. */
	if (!models_dir())
		cr_skip_test("LW_OMA_MODELS is not set: no registry to load");
	cr_assert_gt(lw_ddf_load_dir(m, models_dir(), NULL, NULL), 0);
	int types[LW_TYPE_CORELNK + 1] = {0}, ops[LW_OPS_E + 1] = {0};
	for (size_t i = 0; i < lw_model_count(m); i++) {
		const struct lw_object_def *o = lw_model_at(m, i);
		for (size_t k = 0; k < o->n_resources; k++) {
			cr_assert_leq(o->resources[k].type, LW_TYPE_CORELNK);
			cr_assert_leq(o->resources[k].ops, LW_OPS_E);
			types[o->resources[k].type]++;
			ops[o->resources[k].ops]++;
			if (k)
				cr_assert_gt(o->resources[k].id, o->resources[k - 1].id);
		}
	}
	for (int t = 0; t <= LW_TYPE_CORELNK; t++)
		cr_assert_gt(types[t], 0, "no resource of type %s", lw_type_name(t));
	const int want_ops[] = {LW_OPS_NONE, LW_OPS_R, LW_OPS_W, LW_OPS_RW, LW_OPS_E};
	for (size_t i = 0; i < 5; i++)
		cr_assert_gt(ops[want_ops[i]], 0, "no resource with ops %d", want_ops[i]);
	/* Facts of the Device object from the Core specification. */
	const struct lw_resource_def *r = lw_model_resource(m, 3, 0);
	cr_assert_str_eq(r->name, "Manufacturer");
	cr_assert_eq(r->type, LW_TYPE_STRING);
	cr_assert_eq(r->ops, LW_OPS_R);
	r = lw_model_resource(m, 3, 4);
	cr_assert_str_eq(r->name, "Reboot");
	cr_assert_eq(r->ops, LW_OPS_E);
	cr_assert_eq(r->type, LW_TYPE_NONE);
	cr_assert(lw_model_resource(m, 3, 11)->multiple);
}

/* ---- every field, on a file written here ---- */

static const char full_doc[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!-- written for this test -->\n"
	"<LWM2M xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
	"<Object ObjectType=\"MODefinition\">\n"
	"  <Name>  Test \t  Object\n</Name>\n"
	"  <Description1>\n  First line.\nSecond line.  \n</Description1>\n"
	"  <ObjectID> 30001 </ObjectID>\n"
	"  <ObjectURN>urn:oma:lwm2m:x:30001:2.1</ObjectURN>\n"
	"  <LWM2MVersion>1.1</LWM2MVersion>\n"
	"  <ObjectVersion>2.1</ObjectVersion>\n"
	"  <MultipleInstances>Single</MultipleInstances>\n"
	"  <Mandatory>Mandatory</Mandatory>\n"
	"  <Description2>ignored</Description2>\n"
	"  <Resources>\n"
	"    <Item ID=\"9\"><Name>Run</Name><Operations>E</Operations>"
	"<MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory>"
	"<Type></Type><RangeEnumeration/><Units/><Description>Runs it.</Description></Item>\n"
	"    <Item ID=\"0\"><Name>Text</Name><Operations>R</Operations>"
	"<MultipleInstances>Multiple</MultipleInstances><Mandatory>Mandatory</Mandatory>"
	"<Type>String</Type><RangeEnumeration>0..255</RangeEnumeration><Units></Units>"
	"<Description>a &lt; b &amp; c<![CDATA[ <x/>]]></Description></Item>\n"
	"    <Item ID=\"1\"><Name>Int</Name><Operations>W</Operations><Type>Integer</Type>"
	"<RangeEnumeration> -10..10 </RangeEnumeration><Units>s</Units></Item>\n"
	"    <Item ID=\"2\"><Name>UInt</Name><Operations>RW</Operations>"
	"<Type>Unsigned Integer</Type></Item>\n"
	"    <Item ID=\"3\"><Name>Temp</Name><Operations>R</Operations><Type>Float</Type>"
	"<Units>Cel</Units></Item>\n"
	"    <Item ID=\"4\"><Name>Flag</Name><Operations>RW</Operations>"
	"<Type>Boolean</Type></Item>\n"
	"    <Item ID=\"5\"><Name>Blob</Name><Operations>R</Operations><Type>Opaque</Type></Item>\n"
	"    <Item ID=\"6\"><Name>When</Name><Operations>R</Operations><Type>Time</Type></Item>\n"
	"    <Item ID=\"7\"><Name>Link</Name><Operations>RW</Operations><Type>Objlnk</Type></Item>\n"
	"    <Item ID=\"8\"><Name>Links</Name><Operations>R</Operations><Type>Corelnk</Type></Item>\n"
	"    <Item ID=\" 65534 \"><Name>Last</Name><Operations/><Type/></Item>\n"
	"  </Resources>\n"
	"</Object>\n"
	"<Object ObjectType=\"MODefinition\">\n"
	"  <Name>Second</Name>\n"
	"  <ObjectID>30002</ObjectID>\n"
	"  <MultipleInstances>Multiple</MultipleInstances>\n"
	"  <Mandatory>Optional</Mandatory>\n"
	"</Object>\n"
	"</LWM2M>\n";

static void assert_res(const struct lw_object_def *o, uint16_t id, const char *name, int type,
                       int ops, int multiple, int mandatory, const char *range,
                       const char *units, const char *desc)
{
	const struct lw_resource_def *r = lw_object_resource(o, id);
	cr_assert_not_null(r, "no resource %u", id);
	cr_assert_str_eq(r->name, name);
	cr_assert_eq(r->type, type, "%u: type %d", id, r->type);
	cr_assert_eq(r->ops, ops, "%u: ops %d", id, r->ops);
	cr_assert_eq(r->multiple, multiple, "%u: multiple", id);
	cr_assert_eq(r->mandatory, mandatory, "%u: mandatory", id);
	cr_assert_str_eq(r->range, range, "%u: range", id);
	cr_assert_str_eq(r->units, units, "%u: units", id);
	cr_assert_str_eq(r->description, desc, "%u: description", id);
}

Test(ddf, maps_every_field)
{
	char err[512];
	int n = lw_ddf_load_buffer(m, "full.xml", (const uint8_t *)full_doc, strlen(full_doc), err,
	                           sizeof(err));
	cr_assert_eq(n, 2, "%d: %s", n, err);
	cr_assert_eq(lw_model_count(m), 2);

	const struct lw_object_def *o = lw_model_object(m, 30001, NULL);
	cr_assert_not_null(o);
	cr_assert_eq(lw_model_object(m, 30001, "2.1"), o);
	cr_assert_str_eq(o->name, "Test Object");
	cr_assert_str_eq(o->description, "First line.\nSecond line.");
	cr_assert_str_eq(o->urn, "urn:oma:lwm2m:x:30001:2.1");
	cr_assert_str_eq(o->version, "2.1");
	cr_assert_str_eq(o->lwm2m_version, "1.1");
	cr_assert_eq(o->multiple, 0);
	cr_assert_eq(o->mandatory, 1);
	cr_assert_str_eq(o->source, "full.xml");
	cr_assert_eq(o->n_resources, 11);
	for (size_t k = 1; k < o->n_resources; k++)
		cr_assert_gt(o->resources[k].id, o->resources[k - 1].id, "not sorted at %zu", k);
	cr_assert_eq(o->resources[10].id, 65534);

	assert_res(o, 0, "Text", LW_TYPE_STRING, LW_OPS_R, 1, 1, "0..255", "", "a < b & c <x/>");
	assert_res(o, 1, "Int", LW_TYPE_INTEGER, LW_OPS_W, 0, 0, "-10..10", "s", "");
	assert_res(o, 2, "UInt", LW_TYPE_UNSIGNED, LW_OPS_RW, 0, 0, "", "", "");
	assert_res(o, 3, "Temp", LW_TYPE_FLOAT, LW_OPS_R, 0, 0, "", "Cel", "");
	assert_res(o, 4, "Flag", LW_TYPE_BOOLEAN, LW_OPS_RW, 0, 0, "", "", "");
	assert_res(o, 5, "Blob", LW_TYPE_OPAQUE, LW_OPS_R, 0, 0, "", "", "");
	assert_res(o, 6, "When", LW_TYPE_TIME, LW_OPS_R, 0, 0, "", "", "");
	assert_res(o, 7, "Link", LW_TYPE_OBJLNK, LW_OPS_RW, 0, 0, "", "", "");
	assert_res(o, 8, "Links", LW_TYPE_CORELNK, LW_OPS_R, 0, 0, "", "", "");
	assert_res(o, 9, "Run", LW_TYPE_NONE, LW_OPS_E, 0, 0, "", "", "Runs it.");
	assert_res(o, 65534, "Last", LW_TYPE_NONE, LW_OPS_NONE, 0, 0, "", "", "");

	const struct lw_object_def *s = lw_model_object(m, 30002, NULL);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->name, "Second");
	cr_assert_str_eq(s->version, "1.0");
	cr_assert_str_eq(s->lwm2m_version, "1.0");
	cr_assert_str_eq(s->urn, "");
	cr_assert_str_eq(s->description, "");
	cr_assert_eq(s->multiple, 1);
	cr_assert_eq(s->mandatory, 0);
	cr_assert_eq(s->n_resources, 0);
	/* Definitions outlive the buffer they were read from (ASan checks). */
}

Test(ddf, definitions_outlive_the_input)
{
	char *copy = strdup(full_doc);
	char err[256];
	cr_assert_eq(lw_ddf_load_buffer(m, "copy.xml", (const uint8_t *)copy, strlen(copy), err,
	                                sizeof(err)),
	             2, "%s", err);
	memset(copy, 'x', strlen(copy));
	free(copy);
	cr_assert_str_eq(lw_model_resource(m, 30001, 3)->units, "Cel");
	cr_assert_str_eq(lw_model_object(m, 30002, NULL)->name, "Second");
}

/* ---- broken files ---- */

#define HEAD "<?xml version=\"1.0\"?>\n<LWM2M>\n<Object>\n" /* lines 1-3 */
#define ITEM(id, type, ops)                                                                    \
	"<Item ID=\"" id "\"><Name>R</Name><Operations>" ops "</Operations><Type>" type          \
	"</Type></Item>\n"

struct bad_case {
	const char *name;
	const char *text;
	long line; /* 0: libxml2 decides, only checked to lie within the text */
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{"truncated.xml", HEAD "<Name>T</Name>\n<ObjectID>30000</Obj", 0, ""},
	{"truncated-tag.xml", HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n<Item ID=\"1", 0,
	 ""},
	{"no-id.xml", HEAD "<Name>T</Name>\n<Resources/>\n</Object>\n</LWM2M>\n", 3,
	 "without <ObjectID>"},
	{"empty-id.xml", HEAD "<ObjectID></ObjectID>\n</Object>\n</LWM2M>\n", 4, "not a number"},
	{"text-id.xml", HEAD "<Name>T</Name>\n<ObjectID>3x</ObjectID>\n</Object>\n</LWM2M>\n", 5,
	 "not a number"},
	{"neg-id.xml", HEAD "<ObjectID>-1</ObjectID>\n</Object>\n</LWM2M>\n", 4, "not a number"},
	{"big-id.xml", HEAD "<ObjectID>65535</ObjectID>\n</Object>\n</LWM2M>\n", 4,
	 "above 65534"},
	{"huge-id.xml", HEAD "<ObjectID>18446744073709551617</ObjectID>\n</Object>\n</LWM2M>\n", 4,
	 "above 65534"},
	{"two-ids.xml", HEAD "<ObjectID>30000</ObjectID>\n<ObjectID>30001</ObjectID>\n</Object>\n"
	                     "</LWM2M>\n",
	 5, "given twice"},
	{"bad-type.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n" ITEM("1", "Integer", "R")
	      "<Item ID=\"2\">\n<Name>R</Name>\n<Type>Strng</Type>\n</Item>\n</Resources>\n"
	      "</Object>\n</LWM2M>\n",
	 9, "unknown Type \"Strng\""},
	{"bad-ops.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n<Item ID=\"2\">\n"
	      "<Operations>RWX</Operations>\n</Item>\n</Resources>\n</Object>\n</LWM2M>\n",
	 7, "unknown Operations \"RWX\""},
	{"dup-res.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n" ITEM("5", "Integer", "R")
	      ITEM("1", "Integer", "R") ITEM("5", "String", "RW") "</Resources>\n</Object>\n"
	      "</LWM2M>\n",
	 8, "resource ID 5 given twice"},
	{"res-65535.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n" ITEM("65535", "Integer", "R")
	      "</Resources>\n</Object>\n</LWM2M>\n",
	 6, "resource ID 65535 above 65534"},
	{"res-word.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n" ITEM("five", "Integer", "R")
	      "</Resources>\n</Object>\n</LWM2M>\n",
	 6, "not a number"},
	{"res-no-id.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n<Item><Name>R</Name></Item>\n"
	      "</Resources>\n</Object>\n</LWM2M>\n",
	 6, "without an ID"},
	{"bad-multiple.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<MultipleInstances>Many</MultipleInstances>\n"
	      "</Object>\n</LWM2M>\n",
	 5, "neither Multiple nor Single"},
	{"bad-mandatory.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n<Item ID=\"1\">\n"
	      "<Mandatory>Yes</Mandatory>\n</Item>\n</Resources>\n</Object>\n</LWM2M>\n",
	 7, "neither Mandatory nor Optional"},
	{"bad-version.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n<ObjectVersion>one</ObjectVersion>\n</Object>\n"
	      "</LWM2M>\n",
	 5, "ObjectVersion"},
	{"twice.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n</Object>\n<Object>\n<ObjectID>30000</ObjectID>\n"
	      "<ObjectVersion>1.0</ObjectVersion>\n</Object>\n</LWM2M>\n",
	 6, "defined twice"},
	/* All or nothing: a good object before the bad one stays out. */
	{"good-then-bad.xml",
	 HEAD "<ObjectID>30000</ObjectID>\n</Object>\n<Object>\n<ObjectID>30001</ObjectID>\n"
	      "<Resources>\n" ITEM("1", "Double", "R") "</Resources>\n</Object>\n</LWM2M>\n",
	 9, "unknown Type \"Double\""},
	{"not-ddf.xml", "<?xml version=\"1.0\"?>\n\n<units><title>x</title></units>\n", 3,
	 "not a DDF file"},
	{"no-object.xml", "<?xml version=\"1.0\"?>\n<LWM2M>\n</LWM2M>\n", 2, "no <Object>"},
	{"undefined-entity.xml", HEAD "<ObjectID>30000</ObjectID>\n<Name>&x;</Name>\n", 5,
	 "Entity 'x' not defined"},
	{"mismatched.xml", HEAD "<ObjectID>30000</ObjectID>\n</Objct>\n</LWM2M>\n", 5, ""},
	{"text.txt", "This is not XML at all.\n", 1, ""},
	{"empty.xml", "", 1, "empty"},
	{"mislabelled.xml", "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<LWM2M/>\n", 1, ""},
	{"bad-encoding.xml", "<?xml version=\"1.0\" encoding=\"no-such-charset\"?>\n<LWM2M/>\n", 1,
	 ""},
};

static long lines_in(const char *text, size_t len)
{
	long n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Loads one bad input on top of the built-ins and checks the error. */
static void assert_bad(const char *name, const uint8_t *data, size_t len, long want_line,
                       const char *reason)
{
	char err[512];
	size_t before = lw_model_count(m);
	memset(err, 'x', sizeof(err));
	int rc = lw_ddf_load_buffer(m, name, data, len, err, sizeof(err));
	cr_assert_eq(rc, LW_EINVAL, "%s: %d (%s)", name, rc, rc >= 0 ? "loaded" : err);
	cr_assert_not_null(memchr(err, '\0', sizeof(err)), "%s: message not terminated", name);
	long line = error_line(err, name);
	cr_assert_null(strchr(err, '\n'), "%s: a report is one line: %s", name, err);
	if (want_line)
		cr_assert_eq(line, want_line, "%s: line %ld, want %ld: %s", name, line, want_line,
		             err);
	else
		cr_assert_leq(line, lines_in((const char *)data, len), "%s: %s", name, err);
	cr_assert_not_null(strstr(err, reason), "%s: \"%s\" lacks \"%s\"", name, err, reason);
	cr_assert_eq(lw_model_count(m), before, "%s: added something", name);
	cr_assert_null(lw_model_object(m, 30000, NULL), "%s", name);
	cr_assert_null(lw_model_object(m, 30001, NULL), "%s", name);
	const struct lw_object_def *dev = lw_model_object(m, 3, NULL);
	if (dev)
		cr_assert_str_eq(dev->source, "built-in", "%s replaced a built-in", name);
	cr_log_info("%s", err);
}

Test(ddf, broken_files_give_one_error_and_add_nothing, .init = setup_quiet)
{
	cr_assert_eq(lw_model_add_builtin(m), 0);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		assert_bad(c->name, (const uint8_t *)c->text, strlen(c->text), c->line, c->reason);
	}
	/* libxml2 had things to say about most of these: none of it on stderr. */
	assert_nothing_printed();
}

Test(ddf, binary_bytes, .init = setup_quiet)
{
	const uint8_t junk[] = {0x00, 0x01, 0xff, 0xfe, 0x80, 0x3c, 0x3f, 0x00, 0xc3, 0x28, 0x0a};
	assert_bad("junk.bin", junk, sizeof(junk), 1, "");
	/* A valid file with a NUL inside. */
	char *text = strdup(full_doc);
	text[200] = '\0';
	assert_bad("nul.xml", (const uint8_t *)text, strlen(full_doc), 0, "");
	free(text);
	/* Invalid UTF-8 in a name. */
	const char *bad_utf8 = HEAD "<ObjectID>30000</ObjectID>\n<Name>\xc3\x28</Name>\n</Object>"
	                            "\n</LWM2M>\n";
	assert_bad("utf8.xml", (const uint8_t *)bad_utf8, strlen(bad_utf8), 5, "");
	assert_nothing_printed();
}

Test(ddf, deep_nesting_of_5_mb, .init = setup_quiet)
{
	/* 5 MB of ever deeper elements, one per line: refused at libxml2's
	 * depth limit, long before the end. */
	size_t cap = 5u << 20, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	len += (size_t)sprintf(buf, "<?xml version=\"1.0\"?>\n<LWM2M>\n");
	while (len + 4 <= cap) {
		memcpy(buf + len, "<a>\n", 4);
		len += 4;
	}
	char err[512];
	int rc = lw_ddf_load_buffer(m, "deep.xml", (const uint8_t *)buf, len, err, sizeof(err));
	cr_assert_eq(rc, LW_EINVAL);
	long line = error_line(err, "deep.xml");
	cr_assert(line > 100 && line < 1000, "line %ld: %s", line, err);
	cr_assert_eq(lw_model_count(m), 0);
	cr_log_info("%s", err);

	/* The same nesting inside a real object. */
	len = (size_t)sprintf(buf, HEAD "<ObjectID>30000</ObjectID>\n<Description1>\n");
	while (len + 3 <= cap) {
		memcpy(buf + len, "<b>", 3);
		len += 3;
	}
	rc = lw_ddf_load_buffer(m, "deep2.xml", (const uint8_t *)buf, len, err, sizeof(err));
	cr_assert_eq(rc, LW_EINVAL);
	cr_assert_eq(error_line(err, "deep2.xml"), 6, "%s", err);
	cr_assert_eq(lw_model_count(m), 0);
	free(buf);
	assert_nothing_printed();
}

Test(ddf, oversized_input)
{
	size_t len = (16u << 20) + 1;
	char *buf = malloc(len);
	cr_assert_not_null(buf);
	memset(buf, ' ', len);
	memcpy(buf, "<LWM2M>", 7);
	char err[512];
	cr_assert_eq(lw_ddf_load_buffer(m, "big.xml", (const uint8_t *)buf, len, err, sizeof(err)),
	             LW_EINVAL);
	cr_assert_eq(error_line(err, "big.xml"), 1);
	cr_assert_not_null(strstr(err, "larger than"), "%s", err);
	free(buf);
}

Test(ddf, large_valid_file)
{
	/* Every resource id there is, out of order: about 5 MB, and it loads. */
	size_t cap = 8u << 20, len = 0;
	char *buf = malloc(cap);
	cr_assert_not_null(buf);
	len += (size_t)sprintf(buf, HEAD "<ObjectID>30000</ObjectID>\n<Resources>\n");
	for (long i = 65534; i >= 0; i--)
		len += (size_t)snprintf(buf + len, cap - len,
		                        "<Item ID=\"%ld\"><Name>r%ld</Name><Type>Integer</Type>"
		                        "<Operations>R</Operations></Item>\n",
		                        i, i);
	len += (size_t)snprintf(buf + len, cap - len, "</Resources>\n</Object>\n</LWM2M>\n");
	cr_assert_lt(len, cap);
	char err[512];
	int rc = lw_ddf_load_buffer(m, "wide.xml", (const uint8_t *)buf, len, err, sizeof(err));
	free(buf);
	cr_assert_eq(rc, 1, "%s", err);
	const struct lw_object_def *o = lw_model_object(m, 30000, NULL);
	cr_assert_eq(o->n_resources, 65535);
	for (size_t k = 0; k < o->n_resources; k++)
		cr_assert_eq(o->resources[k].id, k);
	cr_assert_str_eq(lw_object_resource(o, 4242)->name, "r4242");
	cr_assert_eq(lw_object_resource(o, 65534)->type, LW_TYPE_INTEGER);
}

/*
 * Entities and DTDs: whatever they point at must never be opened. They point
 * at a FIFO: opening one for reading blocks until a writer comes, so a
 * loader that tried would hang here until the alarm kills the test.
 * (An alarm, not Criterion's .timeout, which leaks in its runner under ASan.)
 */
static char *secret_fifo(void)
{
	char *dir = tmpdir();
	char *fifo = th_strdupf("%s/secret", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo %s", fifo);
	return fifo;
}

Test(ddf, external_entities_are_never_fetched, .init = setup_quiet)
{
	alarm(20);
	char *fifo = secret_fifo();
	char *file = th_write_file(tmpdir(), "secret.txt", "TOPSECRET");
	const char *targets[] = {fifo, file};
	for (size_t i = 0; i < 2; i++) {
		char *general = th_strdupf("<?xml version=\"1.0\"?>\n"
		                           "<!DOCTYPE LWM2M [\n"
		                           "<!ENTITY x SYSTEM \"file://%s\">\n"
		                           "]>\n"
		                           "<LWM2M><Object><ObjectID>30000</ObjectID>"
		                           "<Name>&x;</Name></Object></LWM2M>\n",
		                           targets[i]);
		assert_bad("xxe.xml", (const uint8_t *)general, strlen(general), 2, "DOCTYPE");
		char *param = th_strdupf("<?xml version=\"1.0\"?>\n"
		                         "\n"
		                         "<!DOCTYPE LWM2M [<!ENTITY %% p SYSTEM \"%s\"> %%p;]>\n"
		                         "<LWM2M><Object><ObjectID>30000</ObjectID></Object></LWM2M>\n",
		                         targets[i]);
		assert_bad("pe.xml", (const uint8_t *)param, strlen(param), 3, "DOCTYPE");
		char *dtd = th_strdupf("<?xml version=\"1.0\"?>\n"
		                       "<!DOCTYPE LWM2M SYSTEM \"%s\">\n"
		                       "<LWM2M><Object><ObjectID>30000</ObjectID></Object></LWM2M>\n",
		                       targets[i]);
		assert_bad("dtd.xml", (const uint8_t *)dtd, strlen(dtd), 2, "DOCTYPE");
	}
	/* Over the network, too (nothing listens on port 9 of loopback). */
	const char *net = "<?xml version=\"1.0\"?>\n"
	                  "<!DOCTYPE LWM2M SYSTEM \"http://127.0.0.1:9/lwm2m.dtd\">\n"
	                  "<LWM2M><Object><ObjectID>30000</ObjectID></Object></LWM2M>\n";
	assert_bad("net.xml", (const uint8_t *)net, strlen(net), 2, "DOCTYPE");
	alarm(0);
	assert_nothing_printed();
}

Test(ddf, entity_expansion_bombs_are_refused, .init = setup_quiet)
{
	const char *lol = "<?xml version=\"1.0\"?>\n"
	                  "<!DOCTYPE LWM2M [\n"
	                  " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
	                  " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
	                  " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
	                  " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
	                  " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
	                  "]>\n"
	                  "<LWM2M><Object><ObjectID>30000</ObjectID><Name>&e;&e;&e;</Name>"
	                  "</Object></LWM2M>\n";
	assert_bad("lol.xml", (const uint8_t *)lol, strlen(lol), 2, "DOCTYPE");
	assert_nothing_printed();
}

Test(ddf, error_buffer_may_be_small_or_absent)
{
	const char *bad = HEAD "<ObjectID>abc</ObjectID>\n</Object>\n</LWM2M>\n";
	char err[12];
	memset(err, 'x', sizeof(err));
	cr_assert_eq(lw_ddf_load_buffer(m, "a-long-file-name.xml", (const uint8_t *)bad,
	                                strlen(bad), err, sizeof(err)),
	             LW_EINVAL);
	cr_assert_eq(err[sizeof(err) - 1], '\0');
	cr_assert_str_eq(err, "a-long-file");
	cr_assert_eq(lw_ddf_load_buffer(m, "x.xml", (const uint8_t *)bad, strlen(bad), NULL, 0),
	             LW_EINVAL);
	cr_assert_eq(lw_ddf_load_buffer(m, "x.xml", (const uint8_t *)bad, strlen(bad), err, 0),
	             LW_EINVAL);
	cr_assert_eq(lw_model_count(m), 0);
	/* Success leaves an empty message. */
	cr_assert_eq(lw_ddf_load_buffer(m, "ok.xml", (const uint8_t *)full_doc, strlen(full_doc),
	                                err, sizeof(err)),
	             2);
	cr_assert_str_eq(err, "");
}

/* ---- files and folders ---- */

static const char obj_a[] = "<?xml version=\"1.0\"?>\n<LWM2M><Object><Name>from a</Name>"
                            "<ObjectID>30000</ObjectID></Object></LWM2M>\n";
static const char obj_c[] = "<?xml version=\"1.0\"?>\n<LWM2M><Object><Name>from c</Name>"
                            "<ObjectID>30000</ObjectID></Object>\n<Object><Name>other</Name>"
                            "<ObjectID>30001</ObjectID></Object></LWM2M>\n";
static const char obj_bad[] = "<?xml version=\"1.0\"?>\n<LWM2M>\n<Object>\n"
                              "<ObjectID>30002</ObjectID>\n<Resources>\n<Item ID=\"1\">\n"
                              "<Type>Integr</Type>\n</Item>\n</Resources>\n</Object>\n"
                              "</LWM2M>\n";

Test(ddf, folder_with_a_bad_file_loads_the_others)
{
	char *dir = tmpdir();
	th_write_file(dir, "c.xml", obj_c);
	th_write_file(dir, "a.xml", obj_a);
	th_write_file(dir, "b.xml", obj_bad);
	th_write_file(dir, "LWM2M.xsd", "<xs:schema>not a DDF and not read</xs:schema>");
	th_write_file(dir, ".hidden.xml", "garbage");
	th_write_file(dir, "notes.txt", "garbage");
	cr_assert_eq(mkdir(th_strdupf("%s/sub.xml", dir), 0700), 0);

	for (int slash = 0; slash < 2; slash++) {
		lw_model_free(m);
		m = lw_model_new();
		struct reports rep = {0};
		const char *path = slash ? th_strdupf("%s/", dir) : dir;
		int n = lw_ddf_load_dir(m, path, collect, &rep);
		cr_assert_eq(n, 3, "%d objects", n);
		cr_assert_eq(rep.n, 1, "%d reports (first: %s)", rep.n, rep.lines[0]);
		char *bad = th_strdupf("%s/b.xml", dir);
		cr_assert_eq(error_line(rep.lines[0], bad), 7, "%s", rep.lines[0]);
		cr_assert_not_null(strstr(rep.lines[0], "unknown Type \"Integr\""));
		cr_assert_eq(lw_model_count(m), 2);
		/* Name order: c.xml came after a.xml and replaced its 30000. */
		const struct lw_object_def *o = lw_model_object(m, 30000, NULL);
		cr_assert_str_eq(o->name, "from c");
		cr_assert_str_eq(o->source, th_strdupf("%s/c.xml", dir));
		cr_assert_not_null(lw_model_object(m, 30001, NULL));
		cr_assert_null(lw_model_object(m, 30002, NULL));
	}

	/* A report callback is optional. */
	lw_model_free(m);
	m = lw_model_new();
	cr_assert_eq(lw_ddf_load_dir(m, dir, NULL, NULL), 3);
}

Test(ddf, empty_and_missing_folders)
{
	char *dir = tmpdir();
	struct reports rep = {0};
	cr_assert_eq(lw_ddf_load_dir(m, dir, collect, &rep), 0);
	cr_assert_eq(rep.n, 0);

	char *missing = th_strdupf("%s/nope", dir);
	cr_assert_eq(lw_ddf_load_dir(m, missing, collect, &rep), LW_EIO);
	cr_assert_eq(rep.n, 1);
	cr_assert_not_null(strstr(rep.lines[0], missing), "%s", rep.lines[0]);
	cr_assert_eq(lw_ddf_load_dir(m, missing, NULL, NULL), LW_EIO);
	cr_assert_eq(lw_model_count(m), 0);
}

Test(ddf, load_file)
{
	char *dir = tmpdir();
	char *good = th_write_file(dir, "good.xml", obj_c);
	char err[512];
	cr_assert_eq(lw_ddf_load_file(m, good, err, sizeof(err)), 2, "%s", err);
	cr_assert_str_eq(lw_model_object(m, 30001, NULL)->source, good);

	char *bad = th_write_file(dir, "bad.xml", obj_bad);
	cr_assert_eq(lw_ddf_load_file(m, bad, err, sizeof(err)), LW_EINVAL);
	cr_assert_eq(error_line(err, bad), 7, "%s", err);

	char *missing = th_strdupf("%s/missing.xml", dir);
	cr_assert_eq(lw_ddf_load_file(m, missing, err, sizeof(err)), LW_EIO);
	cr_assert_not_null(strstr(err, missing), "%s", err);

	cr_assert_eq(lw_ddf_load_file(m, dir, err, sizeof(err)), LW_EIO, "a folder");
	cr_assert_not_null(strstr(err, dir), "%s", err);

	char *empty = th_write_file(dir, "empty.xml", "");
	cr_assert_eq(lw_ddf_load_file(m, empty, err, sizeof(err)), LW_EINVAL);
	cr_assert_eq(error_line(err, empty), 1, "%s", err);
	cr_assert_eq(lw_model_count(m), 2);
}
