/* lwm2m/model.c: the object model store (see model_int.h and include/lwm2m/model.h). */
#include "lwm2m/model_int.h"

#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"
#include "lwm2m/records.h"

struct slot {
	struct lw_object_def *def;
	lw_object_def_free_fn free_fn;
};

struct lw_model {
	struct slot *slots;
	size_t n, cap;
};

lw_model *lw_model_new(void)
{
	return calloc(1, sizeof(struct lw_model));
}

void lw_model_free(lw_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->slots[i].free_fn)
			m->slots[i].free_fn(m->slots[i].def);
	free(m->slots);
	free(m);
}

static unsigned long part(const char **s)
{
	unsigned long v = strtoul(*s, (char **)s, 10);
	if (**s == '.')
		(*s)++;
	return v;
}

int lw_version_compare(const char *a, const char *b)
{
	const char *x = a ? a : "1.0", *y = b ? b : "1.0";
	for (int i = 0; i < 3; i++) {
		unsigned long u = part(&x), v = part(&y);
		if (u != v)
			return u < v ? -1 : 1;
	}
	return 0;
}

static int slot_cmp(const struct lw_object_def *d, uint16_t oid, const char *version)
{
	if (d->id != oid)
		return d->id < oid ? -1 : 1;
	return lw_version_compare(d->version, version);
}

/* Index of the first slot not below (oid, version). */
static size_t lower_bound(const lw_model *m, uint16_t oid, const char *version)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (slot_cmp(m->slots[mid].def, oid, version) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int lw_model_add(lw_model *m, struct lw_object_def *def, lw_object_def_free_fn free_fn)
{
	size_t i = lower_bound(m, def->id, def->version);
	if (i < m->n && slot_cmp(m->slots[i].def, def->id, def->version) == 0) {
		if (m->slots[i].free_fn)
			m->slots[i].free_fn(m->slots[i].def);
		m->slots[i] = (struct slot){def, free_fn};
		return 0;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct slot *s = realloc(m->slots, cap * sizeof(*s));
		if (!s) {
			if (free_fn)
				free_fn(def);
			return LW_ENOMEM;
		}
		m->slots = s;
		m->cap = cap;
	}
	memmove(&m->slots[i + 1], &m->slots[i], (m->n - i) * sizeof(*m->slots));
	m->slots[i] = (struct slot){def, free_fn};
	m->n++;
	return 0;
}

size_t lw_model_count(const lw_model *m)
{
	return m->n;
}

const struct lw_object_def *lw_model_at(const lw_model *m, size_t i)
{
	return i < m->n ? m->slots[i].def : NULL;
}

const struct lw_object_def *lw_model_object(const lw_model *m, uint16_t oid, const char *version)
{
	if (!m)
		return NULL;
	if (version) {
		size_t i = lower_bound(m, oid, version);
		if (i < m->n && slot_cmp(m->slots[i].def, oid, version) == 0)
			return m->slots[i].def;
		return NULL;
	}
	/* The highest version: the last slot with this id. */
	size_t i = lower_bound(m, (uint16_t)(oid + 1), "0.0");
	if (oid == UINT16_MAX)
		i = m->n;
	if (i > 0 && m->slots[i - 1].def->id == oid)
		return m->slots[i - 1].def;
	return NULL;
}

const struct lw_resource_def *lw_object_resource(const struct lw_object_def *o, uint16_t rid)
{
	size_t lo = 0, hi = o->n_resources;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint16_t id = o->resources[mid].id;
		if (id == rid)
			return &o->resources[mid];
		if (id < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct lw_resource_def *lw_model_resource(const lw_model *m, uint16_t oid, uint16_t rid)
{
	const struct lw_object_def *o = lw_model_object(m, oid, NULL);
	return o ? lw_object_resource(o, rid) : NULL;
}

int lw_model_type(const lw_model *m, const lw_path *p)
{
	if (p->rid == LW_ID_NONE)
		return LW_TYPE_NONE;
	const struct lw_resource_def *r = lw_model_resource(m, p->oid, p->rid);
	return r ? r->type : LW_TYPE_NONE;
}
