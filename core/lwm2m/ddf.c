/*
 * lwm2m/ddf.c: the loader of OMA DDF XML files (the LwM2M object registry's
 * format), with libxml2.
 *
 * Model folders may hold files from anywhere, so parsing is defensive: no
 * network, no DTD at all (a DOCTYPE is refused before its internal subset is
 * read, so no entity is ever declared, fetched or expanded), libxml2's
 * default size and depth limits (never XML_PARSE_HUGE), and every libxml2
 * message is captured into the caller's error buffer instead of stderr.
 * A file is all or nothing: its objects are built and checked first and
 * added to the model only when the whole file is good.
 *
 * Each object becomes one malloc'd block (definition, resources, then every
 * string), so one free() releases it.
 */
#include "lwm2m/ddf.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "lwm2m/error.h"
#include "lwm2m/records.h"

/* The biggest registry file is 33 KB: 16 MiB leaves room for anything real
 * while bounding what a stray file can cost. */
#define DDF_MAX_FILE (16u << 20)

/* libxml2 2.12 made the structured handler take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *ddf_xml_error;
#else
typedef xmlErrorPtr ddf_xml_error;
#endif

struct ddf_state {
	const char *name;
	char *err;
	size_t errlen;
	bool failed;
	bool nomem;
};

static void ddf_vfail(struct ddf_state *st, long line, const char *fmt, va_list ap)
{
	/* The first error is the one that matters; later ones are fallout. */
	if (st->failed)
		return;
	st->failed = true;
	if (!st->err || !st->errlen)
		return;
	int n = snprintf(st->err, st->errlen, "%s:%ld: ", st->name, line > 0 ? line : 1);
	if (n >= 0 && (size_t)n < st->errlen)
		vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
	/* A report is one line, whatever the file or libxml2 put in it. */
	for (char *p = st->err; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

static void ddf_fail(struct ddf_state *st, long line, const char *fmt, ...) LW_PRINTF(3, 4);
static void ddf_fail(struct ddf_state *st, long line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ddf_vfail(st, line, fmt, ap);
	va_end(ap);
}

static void ddf_fail_nomem(struct ddf_state *st)
{
	ddf_fail(st, 0, "out of memory");
	st->nomem = true;
}

/* libxml2's own messages end with a newline and may carry a long excerpt. */
static void on_xml_error(void *user, ddf_xml_error e)
{
	struct ddf_state *st = user;
	if (!e || e->level < XML_ERR_ERROR)
		return;
	char msg[200];
	snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "malformed XML");
	/* Advice for libxml2 programmers, not for whoever wrote the file. */
	char *advice = strstr(msg, " use XML_PARSE_HUGE option");
	if (advice)
		*advice = '\0';
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (e->code == XML_ERR_NO_MEMORY)
		st->nomem = true;
	ddf_fail(st, e->line, "%s", msg);
}

static void on_xml_parser_error(void *user, ddf_xml_error e)
{
	xmlParserCtxtPtr ctxt = user;
	on_xml_error(ctxt->_private, e);
}

/* Direct generic messages (rare in libxml2) are dropped rather than printed. */
static void on_xml_generic(void *user, const char *msg, ...)
{
	(void)user;
	(void)msg;
}

/* SAX hook run when <!DOCTYPE is seen, before any internal subset. */
static void refuse_doctype(void *user, const xmlChar *name, const xmlChar *ext_id,
                           const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = user;
	(void)name;
	(void)ext_id;
	(void)sys_id;
	ddf_fail(ctxt->_private, ctxt->input ? ctxt->input->line : 1,
	         "DOCTYPE not allowed in a DDF file (no DTDs or entities)");
	xmlStopParser(ctxt);
}

static xmlDocPtr ddf_parse(struct ddf_state *st, const uint8_t *data, size_t len)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
	                 XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES;

	if (len == 0) {
		ddf_fail(st, 1, "empty file");
		return NULL;
	}
	if (len > DDF_MAX_FILE) {
		ddf_fail(st, 1, "file larger than %u MiB", DDF_MAX_FILE >> 20);
		return NULL;
	}
	xmlInitParser();

	/* The thread's handlers catch what libxml2 raises without a parser
	 * context (encoding conversion); restored afterwards. */
	xmlStructuredErrorFunc old_serror = xmlStructuredError;
	void *old_sctx = xmlStructuredErrorContext;
	xmlGenericErrorFunc old_generic = xmlGenericError;
	void *old_gctx = xmlGenericErrorContext;
	xmlSetStructuredErrorFunc(st, on_xml_error);
	xmlSetGenericErrorFunc(NULL, on_xml_generic);

	xmlDocPtr doc = NULL;
	xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt((const char *)data, (int)len);
	if (!ctxt) {
		ddf_fail_nomem(st);
		goto out;
	}
	ctxt->_private = st;
	ctxt->sax->serror = on_xml_parser_error;
	ctxt->sax->internalSubset = refuse_doctype;
	xmlCtxtUseOptions(ctxt, opts);
	xmlParseDocument(ctxt);
	doc = ctxt->myDoc;
	ctxt->myDoc = NULL;
	if (!ctxt->wellFormed || st->failed) {
		ddf_fail(st, ctxt->input ? ctxt->input->line : 1, "malformed XML");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
out:
	xmlSetStructuredErrorFunc(old_sctx, old_serror);
	xmlSetGenericErrorFunc(old_gctx, old_generic);
	return doc;
}

/* ---- text helpers ---- */

static bool xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A trimmed view of an element's text. The buffer is owned by the caller. */
struct text {
	xmlChar *buf; /* from xmlNodeGetContent, or NULL when absent */
	const char *s;
	size_t len;
	long line;
};

static int text_of(struct ddf_state *st, xmlNodePtr n, struct text *t)
{
	t->buf = xmlNodeGetContent(n);
	t->line = xmlGetLineNo(n);
	if (!t->buf) {
		/* An empty element has no content node: an empty text. */
		t->s = "";
		t->len = 0;
		if (n->children) {
			ddf_fail_nomem(st);
			return LW_ENOMEM;
		}
		return 0;
	}
	const char *s = (const char *)t->buf;
	size_t len = strlen(s);
	while (len && xml_space(s[len - 1]))
		len--;
	while (len && xml_space(*s)) {
		s++;
		len--;
	}
	t->s = s;
	t->len = len;
	return 0;
}

static void text_free(struct text *t)
{
	xmlFree(t->buf);
	t->buf = NULL;
}

static bool text_is(const struct text *t, const char *word)
{
	return t->len == strlen(word) && strncasecmp(t->s, word, t->len) == 0;
}

/* Decimal id 0..65534 (65535 is LW_ID_NONE); -1 when not a number, -2 when
 * above the range. */
static long parse_id(const char *s, size_t len)
{
	if (len == 0)
		return -1;
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v <= 65534)
			v = v * 10 + (s[i] - '0');
	}
	return v > 65534 ? -2 : v;
}

/* "1.0"-style: one to three dot-separated numbers of at most 5 digits. */
static bool valid_version(const struct text *t)
{
	size_t digits = 0, parts = 1;
	if (t->len == 0)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		char c = t->s[i];
		if (c >= '0' && c <= '9') {
			if (++digits > 5)
				return false;
		} else if (c == '.' && digits && parts < 3) {
			digits = 0;
			parts++;
		} else {
			return false;
		}
	}
	return digits > 0;
}

/* Bytes a text takes in the block, NUL included. */
static size_t text_size(const struct text *t)
{
	return t->len + 1;
}

/* Copies t (or dflt when t is empty) into the block; names get their inner
 * runs of white space folded to one space (the registry has "LWM2M  Server
 * URI"). */
static const char *text_put(char **pos, const struct text *t, const char *dflt, bool fold)
{
	char *out = *pos, *w = out;
	const char *s = t->s;
	size_t len = t->len;
	if (len == 0 && dflt) {
		s = dflt;
		len = strlen(dflt);
	}
	for (size_t i = 0; i < len; i++) {
		if (fold && xml_space(s[i])) {
			if (w > out && w[-1] == ' ')
				continue;
			*w++ = ' ';
		} else {
			*w++ = s[i];
		}
	}
	*w++ = '\0';
	*pos = w;
	return out;
}

/* ---- one object ---- */

struct res_tmp {
	uint16_t id;
	uint8_t type, ops, multiple, mandatory;
	size_t order; /* position in the file, to name the later duplicate */
	long line;
	struct text name, range, units, desc;
};

struct obj_tmp {
	uint16_t id;
	uint8_t multiple, mandatory;
	long line;
	struct text name, version, lwm2m_version, urn, desc;
	struct res_tmp *res;
	size_t n, cap;
};

static void obj_tmp_free(struct obj_tmp *o)
{
	text_free(&o->name);
	text_free(&o->version);
	text_free(&o->lwm2m_version);
	text_free(&o->urn);
	text_free(&o->desc);
	for (size_t i = 0; i < o->n; i++) {
		text_free(&o->res[i].name);
		text_free(&o->res[i].range);
		text_free(&o->res[i].units);
		text_free(&o->res[i].desc);
	}
	free(o->res);
	memset(o, 0, sizeof(*o));
}

static bool is_elem(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Reads one element's text into slot, refusing a second copy of it. */
static int take_text(struct ddf_state *st, xmlNodePtr n, struct text *slot, bool *seen,
                     const char *what)
{
	if (*seen) {
		ddf_fail(st, xmlGetLineNo(n), "%s<%s> given twice", what, (const char *)n->name);
		return LW_EINVAL;
	}
	*seen = true;
	return text_of(st, n, slot);
}

static int parse_ops(struct ddf_state *st, const struct text *t, uint16_t oid, uint16_t rid,
                     uint8_t *ops)
{
	static const struct {
		const char *text;
		uint8_t ops;
	} map[] = {{"", LW_OPS_NONE}, {"R", LW_OPS_R}, {"W", LW_OPS_W}, {"RW", LW_OPS_RW},
	           {"E", LW_OPS_E}, {"none", LW_OPS_NONE}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (text_is(t, map[i].text)) {
			*ops = map[i].ops;
			return 0;
		}
	ddf_fail(st, t->line, "object %u resource %u: unknown Operations \"%.*s\"", oid, rid,
	         (int)(t->len > 40 ? 40 : t->len), t->s);
	return LW_EINVAL;
}

static int parse_flag(struct ddf_state *st, const struct text *t, const char *yes,
                      const char *no, const char *what, uint8_t *out)
{
	if (text_is(t, yes))
		*out = 1;
	else if (text_is(t, no))
		*out = 0;
	else {
		ddf_fail(st, t->line, "%s\"%.*s\" is neither %s nor %s", what,
		         (int)(t->len > 40 ? 40 : t->len), t->s, yes, no);
		return LW_EINVAL;
	}
	return 0;
}

static int parse_item(struct ddf_state *st, struct obj_tmp *o, xmlNodePtr item, size_t order)
{
	long line = xmlGetLineNo(item);
	xmlChar *idattr = xmlGetProp(item, (const xmlChar *)"ID");
	if (!idattr) {
		ddf_fail(st, line, "object %u: <Item> without an ID attribute", o->id);
		return LW_EINVAL;
	}
	struct text idt = {.buf = idattr, .s = (const char *)idattr, .len = strlen((char *)idattr)};
	while (idt.len && xml_space(idt.s[idt.len - 1]))
		idt.len--;
	while (idt.len && xml_space(*idt.s)) {
		idt.s++;
		idt.len--;
	}
	long id = parse_id(idt.s, idt.len);
	if (id < 0) {
		if (id == -2)
			ddf_fail(st, line, "object %u: resource ID %.*s above 65534", o->id,
			         (int)(idt.len > 20 ? 20 : idt.len), idt.s);
		else
			ddf_fail(st, line, "object %u: resource ID \"%.*s\" is not a number", o->id,
			         (int)(idt.len > 20 ? 20 : idt.len), idt.s);
		text_free(&idt);
		return LW_EINVAL;
	}
	text_free(&idt);

	if (o->n == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct res_tmp *r = realloc(o->res, cap * sizeof(*r));
		if (!r) {
			ddf_fail_nomem(st);
			return LW_ENOMEM;
		}
		o->res = r;
		o->cap = cap;
	}
	struct res_tmp *r = &o->res[o->n++];
	memset(r, 0, sizeof(*r));
	r->id = (uint16_t)id;
	r->order = order;
	r->line = line;

	char what[48];
	snprintf(what, sizeof(what), "object %u resource %u: ", o->id, r->id);
	struct text ops = {0}, multiple = {0}, mandatory = {0}, type = {0};
	bool seen[8] = {false};
	int rc = 0;
	for (xmlNodePtr c = item->children; c && rc == 0; c = c->next) {
		if (is_elem(c, "Name"))
			rc = take_text(st, c, &r->name, &seen[0], what);
		else if (is_elem(c, "Operations"))
			rc = take_text(st, c, &ops, &seen[1], what);
		else if (is_elem(c, "MultipleInstances"))
			rc = take_text(st, c, &multiple, &seen[2], what);
		else if (is_elem(c, "Mandatory"))
			rc = take_text(st, c, &mandatory, &seen[3], what);
		else if (is_elem(c, "Type"))
			rc = take_text(st, c, &type, &seen[4], what);
		else if (is_elem(c, "RangeEnumeration"))
			rc = take_text(st, c, &r->range, &seen[5], what);
		else if (is_elem(c, "Units"))
			rc = take_text(st, c, &r->units, &seen[6], what);
		else if (is_elem(c, "Description"))
			rc = take_text(st, c, &r->desc, &seen[7], what);
	}
	if (rc == 0 && seen[1])
		rc = parse_ops(st, &ops, o->id, r->id, &r->ops);
	/* Absent flags take the schema's defaults: single, optional. */
	if (rc == 0 && seen[2])
		rc = parse_flag(st, &multiple, "Multiple", "Single", what, &r->multiple);
	if (rc == 0 && seen[3])
		rc = parse_flag(st, &mandatory, "Mandatory", "Optional", what, &r->mandatory);
	if (rc == 0 && seen[4]) {
		int t = type.len ? lw_type_parse(type.s, type.len) : LW_TYPE_NONE;
		if (t < 0) {
			ddf_fail(st, type.line, "%sunknown Type \"%.*s\"", what,
			         (int)(type.len > 40 ? 40 : type.len), type.s);
			rc = LW_EINVAL;
		} else {
			r->type = (uint8_t)t;
		}
	}
	text_free(&ops);
	text_free(&multiple);
	text_free(&mandatory);
	text_free(&type);
	return rc;
}

static int cmp_res(const void *a, const void *b)
{
	const struct res_tmp *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int parse_object(struct ddf_state *st, xmlNodePtr node, struct obj_tmp *o)
{
	xmlNodePtr resources = NULL;
	struct text idt = {0}, multiple = {0}, mandatory = {0};
	bool seen[9] = {false};
	int rc = 0;

	o->line = xmlGetLineNo(node);
	for (xmlNodePtr c = node->children; c && rc == 0; c = c->next) {
		if (is_elem(c, "ObjectID"))
			rc = take_text(st, c, &idt, &seen[0], "");
		else if (is_elem(c, "Name"))
			rc = take_text(st, c, &o->name, &seen[1], "");
		else if (is_elem(c, "Description1"))
			rc = take_text(st, c, &o->desc, &seen[2], "");
		else if (is_elem(c, "ObjectURN"))
			rc = take_text(st, c, &o->urn, &seen[3], "");
		else if (is_elem(c, "ObjectVersion"))
			rc = take_text(st, c, &o->version, &seen[4], "");
		else if (is_elem(c, "LWM2MVersion"))
			rc = take_text(st, c, &o->lwm2m_version, &seen[5], "");
		else if (is_elem(c, "MultipleInstances"))
			rc = take_text(st, c, &multiple, &seen[6], "");
		else if (is_elem(c, "Mandatory"))
			rc = take_text(st, c, &mandatory, &seen[7], "");
		else if (is_elem(c, "Resources")) {
			if (seen[8]) {
				ddf_fail(st, xmlGetLineNo(c), "<Resources> given twice");
				rc = LW_EINVAL;
			}
			seen[8] = true;
			resources = c;
		}
	}
	if (rc)
		goto out;

	if (!seen[0]) {
		ddf_fail(st, o->line, "<Object> without <ObjectID>");
		rc = LW_EINVAL;
		goto out;
	}
	long id = parse_id(idt.s, idt.len);
	if (id < 0) {
		ddf_fail(st, idt.line, "ObjectID \"%.*s\" is %s", (int)(idt.len > 20 ? 20 : idt.len),
		         idt.s, id == -2 ? "above 65534" : "not a number");
		rc = LW_EINVAL;
		goto out;
	}
	o->id = (uint16_t)id;
	if (o->version.len && !valid_version(&o->version)) {
		ddf_fail(st, o->version.line, "object %u: ObjectVersion \"%.*s\" is not like 1.0",
		         o->id, (int)(o->version.len > 20 ? 20 : o->version.len), o->version.s);
		rc = LW_EINVAL;
		goto out;
	}
	if (o->lwm2m_version.len && !valid_version(&o->lwm2m_version)) {
		ddf_fail(st, o->lwm2m_version.line,
		         "object %u: LWM2MVersion \"%.*s\" is not like 1.0", o->id,
		         (int)(o->lwm2m_version.len > 20 ? 20 : o->lwm2m_version.len),
		         o->lwm2m_version.s);
		rc = LW_EINVAL;
		goto out;
	}
	char what[24];
	snprintf(what, sizeof(what), "object %u: ", o->id);
	if (seen[6] && (rc = parse_flag(st, &multiple, "Multiple", "Single", what, &o->multiple)))
		goto out;
	if (seen[7] &&
	    (rc = parse_flag(st, &mandatory, "Mandatory", "Optional", what, &o->mandatory)))
		goto out;

	size_t order = 0;
	for (xmlNodePtr c = resources ? resources->children : NULL; c && rc == 0; c = c->next)
		if (is_elem(c, "Item"))
			rc = parse_item(st, o, c, order++);
	if (rc)
		goto out;
	if (o->n > 1)
		qsort(o->res, o->n, sizeof(*o->res), cmp_res);
	for (size_t i = 1; i < o->n; i++)
		if (o->res[i].id == o->res[i - 1].id) {
			ddf_fail(st, o->res[i].line, "object %u: resource ID %u given twice", o->id,
			         o->res[i].id);
			rc = LW_EINVAL;
			goto out;
		}
out:
	text_free(&idt);
	text_free(&multiple);
	text_free(&mandatory);
	return rc;
}

static void free_block(struct lw_object_def *def)
{
	free(def);
}

/* Lays the object out in one block: def, resources, strings. */
static struct lw_object_def *build_def(const struct obj_tmp *o, const char *source)
{
	size_t size = sizeof(struct lw_object_def) + o->n * sizeof(struct lw_resource_def);
	size_t strings = text_size(&o->name) + text_size(&o->urn) + text_size(&o->desc) +
	                 strlen(source) + 1 + 8 + 8; /* versions: at least "1.0" */
	strings += text_size(&o->version) + text_size(&o->lwm2m_version);
	for (size_t i = 0; i < o->n; i++)
		strings += text_size(&o->res[i].name) + text_size(&o->res[i].range) +
		           text_size(&o->res[i].units) + text_size(&o->res[i].desc);
	struct lw_object_def *def = malloc(size + strings);
	if (!def)
		return NULL;
	struct lw_resource_def *res = (struct lw_resource_def *)(def + 1);
	char *pos = (char *)def + size;

	*def = (struct lw_object_def){
		.id = o->id,
		.multiple = o->multiple,
		.mandatory = o->mandatory,
		.n_resources = o->n,
		.resources = res,
	};
	def->name = text_put(&pos, &o->name, NULL, true);
	def->version = text_put(&pos, &o->version, "1.0", false);
	def->lwm2m_version = text_put(&pos, &o->lwm2m_version, "1.0", false);
	def->urn = text_put(&pos, &o->urn, NULL, false);
	def->description = text_put(&pos, &o->desc, NULL, false);
	struct text src = {.s = source, .len = strlen(source)};
	def->source = text_put(&pos, &src, NULL, false);
	for (size_t i = 0; i < o->n; i++) {
		const struct res_tmp *r = &o->res[i];
		res[i] = (struct lw_resource_def){
			.id = r->id,
			.type = r->type,
			.ops = r->ops,
			.multiple = r->multiple,
			.mandatory = r->mandatory,
		};
		res[i].name = text_put(&pos, &r->name, NULL, true);
		res[i].range = text_put(&pos, &r->range, NULL, false);
		res[i].units = text_put(&pos, &r->units, NULL, false);
		res[i].description = text_put(&pos, &r->desc, NULL, false);
	}
	return def;
}

/* ---- a whole file ---- */

static int load_doc(lw_model *m, struct ddf_state *st, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root) {
		ddf_fail(st, 1, "no root element");
		return LW_EINVAL;
	}
	if (!is_elem(root, "LWM2M")) {
		ddf_fail(st, xmlGetLineNo(root), "root element <%.40s> is not <LWM2M>: not a DDF file",
		         (const char *)root->name);
		return LW_EINVAL;
	}

	struct lw_object_def **defs = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	for (xmlNodePtr c = root->children; c && rc == 0; c = c->next) {
		if (!is_elem(c, "Object"))
			continue;
		struct obj_tmp o;
		memset(&o, 0, sizeof(o));
		rc = parse_object(st, c, &o);
		if (rc == 0) {
			/* Two copies of one id and version would silently replace
			 * each other: refuse (the model compares numerically). */
			char ver[32];
			snprintf(ver, sizeof(ver), "%.*s", (int)o.version.len, o.version.s);
			if (!ver[0])
				strcpy(ver, "1.0");
			for (size_t i = 0; i < n && rc == 0; i++)
				if (defs[i]->id == o.id && lw_version_compare(defs[i]->version, ver) == 0) {
					ddf_fail(st, o.line, "object %u version %s defined twice", o.id,
					         ver);
					rc = LW_EINVAL;
				}
		}
		if (rc == 0 && n == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct lw_object_def **d = realloc(defs, ncap * sizeof(*d));
			if (!d) {
				ddf_fail_nomem(st);
				rc = LW_ENOMEM;
			} else {
				defs = d;
				cap = ncap;
			}
		}
		if (rc == 0) {
			defs[n] = build_def(&o, st->name);
			if (!defs[n]) {
				ddf_fail_nomem(st);
				rc = LW_ENOMEM;
			} else {
				n++;
			}
		}
		obj_tmp_free(&o);
	}
	if (rc == 0 && n == 0) {
		ddf_fail(st, xmlGetLineNo(root), "no <Object> in <LWM2M>");
		rc = LW_EINVAL;
	}
	size_t i = 0;
	if (rc == 0) {
		for (; i < n; i++) {
			/* The model owns the block from here on, also when add fails. */
			int r = lw_model_add(m, defs[i], free_block);
			if (r < 0) {
				ddf_fail_nomem(st);
				rc = r;
				i++;
				break;
			}
		}
	}
	for (; i < n; i++)
		free(defs[i]);
	free(defs);
	return rc ? rc : (int)n;
}

int lw_ddf_load_buffer(lw_model *m, const char *name, const uint8_t *data, size_t len, char *err,
                       size_t errlen)
{
	struct ddf_state st = {.name = name ? name : "(buffer)", .err = err, .errlen = errlen};
	if (err && errlen)
		err[0] = '\0';
	if (!m || (!data && len)) {
		ddf_fail(&st, 0, "bad arguments");
		return LW_EINVAL;
	}
	xmlDocPtr doc = ddf_parse(&st, data, len);
	if (!doc)
		return st.nomem ? LW_ENOMEM : LW_EINVAL;
	int rc = load_doc(m, &st, doc);
	xmlFreeDoc(doc);
	if (rc < 0 && st.nomem)
		return LW_ENOMEM;
	return rc;
}

static void io_fail(char *err, size_t errlen, const char *path, const char *what, int e)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s: %s", path, what, strerror(e));
}

int lw_ddf_load_file(lw_model *m, const char *path, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f) {
		io_fail(err, errlen, path, "cannot open", errno);
		return LW_EIO;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0) {
		io_fail(err, errlen, path, "cannot stat", errno);
		fclose(f);
		return LW_EIO;
	}
	if (!S_ISREG(sb.st_mode)) {
		if (err && errlen)
			snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return LW_EIO;
	}
	if ((unsigned long long)sb.st_size > DDF_MAX_FILE) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1: file larger than %u MiB", path, DDF_MAX_FILE >> 20);
		fclose(f);
		return LW_EINVAL;
	}
	size_t size = (size_t)sb.st_size;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf) {
		fclose(f);
		if (err && errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return LW_ENOMEM;
	}
	size_t got = fread(buf, 1, size, f);
	int rerr = ferror(f) ? errno : 0;
	fclose(f);
	if (rerr || got != size) {
		io_fail(err, errlen, path, "cannot read", rerr ? rerr : EIO);
		free(buf);
		return LW_EIO;
	}
	int rc = lw_ddf_load_buffer(m, path, buf, size, err, errlen);
	free(buf);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_xml_name(const char *s)
{
	size_t len = strlen(s);
	/* Hidden files are editors' leftovers, not definitions. */
	return s[0] != '.' && len > 4 && strcmp(s + len - 4, ".xml") == 0;
}

int lw_ddf_load_dir(lw_model *m, const char *dir, void (*report)(void *ctx, const char *line),
                    void *ctx)
{
	char line[512];
	DIR *d = opendir(dir);
	if (!d) {
		if (report) {
			snprintf(line, sizeof(line), "%s: cannot open folder: %s", dir, strerror(errno));
			report(ctx, line);
		}
		return LW_EIO;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!is_xml_name(e->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			char **p = realloc(names, ncap * sizeof(*p));
			if (!p) {
				rc = LW_ENOMEM;
				break;
			}
			names = p;
			cap = ncap;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = LW_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc) {
		if (report) {
			snprintf(line, sizeof(line), "%s: out of memory", dir);
			report(ctx, line);
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return rc;
	}
	/* Byte order, not the locale's: the same folder loads the same way anywhere. */
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);

	int added = 0;
	for (size_t i = 0; i < n; i++) {
		size_t dl = strlen(dir);
		char *path = malloc(dl + strlen(names[i]) + 2);
		if (path) {
			bool slash = dl && dir[dl - 1] == '/';
			sprintf(path, "%s%s%s", dir, slash ? "" : "/", names[i]);
			struct stat sb;
			/* A folder or socket named *.xml is not ours to read. */
			if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
				free(path);
				free(names[i]);
				continue;
			}
			int r = lw_ddf_load_file(m, path, line, sizeof(line));
			if (r >= 0)
				added += r;
			else if (report)
				report(ctx, line);
			free(path);
		} else if (report) {
			snprintf(line, sizeof(line), "%s/%s: out of memory", dir, names[i]);
			report(ctx, line);
		}
		free(names[i]);
	}
	free(names);
	return added;
}
