/*
 * client-ref/objects.c: the object tree of the reference client and the
 * LwM2M operations on it (Read, Write, Execute, Create, Delete, and the
 * composite Read and Write).
 *
 * An embedded client knows its objects at build time, so the tree is one
 * fixed array of instances, each a fixed array of value slots: no
 * allocation, and the worst case is visible in the header. Types and
 * permitted operations come from the object model (the core's built-in
 * definitions), so that this file only says which resources exist and what
 * they hold. Sensor values are a deterministic pseudo-random walk seeded by
 * the endpoint name: each simulated device behaves differently, but the same
 * device behaves the same way on every run.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lwclient.h"
#include "lwm2m/error.h"

/* ---- building the tree ---- */

static struct lwc_instance *inst_new(struct lwc_objects *o, uint16_t oid, uint16_t iid)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &o->inst[i];
		if (in->used)
			continue;
		memset(in, 0, sizeof(*in));
		in->used = true;
		in->oid = oid;
		in->iid = iid;
		return in;
	}
	return NULL;
}

/* The one big value: a device's data container, kept out of the slots so
 * that every other value stays small. Static: the worst case is visible. */
static uint8_t big_value[LWC_BIG_MAX];

static bool is_big(const struct lwc_instance *in, uint16_t rid, uint16_t riid)
{
	return in->oid == 19 && in->iid == 0 && rid == 0 && riid == 0;
}

bool lwc_has_resource(const struct lwc_instance *in, uint16_t rid)
{
	for (size_t i = 0; i < in->nres; i++)
		if (in->res[i] == rid)
			return true;
	return false;
}

const uint8_t *lwc_slot_bytes(const struct lwc_slot *s)
{
	return s->ext ? s->ext : (const uint8_t *)s->s;
}

/* The slot of exactly rid/riid (riid LW_ID_NONE for a single resource). */
static struct lwc_slot *slot_exact(struct lwc_instance *in, uint16_t rid, uint16_t riid)
{
	for (size_t i = 0; i < in->n; i++)
		if (in->slots[i].rid == rid && in->slots[i].riid == riid)
			return &in->slots[i];
	return NULL;
}

/*
 * Adds a slot typed by the model, next to the other instances of its
 * resource and in riid order (Discover and the encoders count on that);
 * NULL when the model lacks the resource (a client must not claim resources
 * its server cannot type) or the instance is full.
 */
static struct lwc_slot *slot_insert(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid,
                                    uint16_t riid)
{
	const struct lw_resource_def *d = lw_model_resource(o->model, in->oid, rid);
	if (!d || in->n >= LWC_MAX_SLOTS)
		return NULL;
	if (!d->multiple)
		riid = LW_ID_NONE;
	if (!lwc_has_resource(in, rid)) {
		if (in->nres >= LWC_MAX_SLOTS)
			return NULL;
		in->res[in->nres++] = rid;
	}
	size_t pos = in->n;
	bool seen = false;
	for (size_t i = 0; i < in->n; i++) {
		if (in->slots[i].rid == rid) {
			seen = true;
			if (in->slots[i].riid > riid) {
				pos = i;
				break;
			}
			pos = i + 1;
		} else if (seen) {
			break;
		}
	}
	memmove(&in->slots[pos + 1], &in->slots[pos], (in->n - pos) * sizeof(in->slots[0]));
	in->n++;
	struct lwc_slot *s = &in->slots[pos];
	memset(s, 0, sizeof(*s));
	s->rid = rid;
	s->riid = riid;
	s->type = d->type;
	s->ops = d->ops;
	if (is_big(in, rid, riid)) {
		s->ext = big_value;
		s->cap = sizeof(big_value);
	}
	return s;
}

static void slot_remove(struct lwc_instance *in, struct lwc_slot *s)
{
	size_t pos = (size_t)(s - in->slots);
	memmove(&in->slots[pos], &in->slots[pos + 1], (in->n - pos - 1) * sizeof(in->slots[0]));
	in->n--;
}

static struct lwc_slot *slot_add(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid,
                                 uint16_t riid)
{
	return slot_insert(o, in, rid, riid);
}

static void put_str(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid, const char *v)
{
	struct lwc_slot *s = slot_add(o, in, rid, 0);
	if (!s)
		return;
	size_t n = strlen(v);
	if (n >= LWC_STR_MAX)
		n = LWC_STR_MAX - 1;
	memcpy(s->s, v, n);
	s->len = (uint16_t)n;
}

static void put_int(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid, int64_t v)
{
	struct lwc_slot *s = slot_add(o, in, rid, 0);
	if (s)
		s->v.i = v;
}

/* One instance of a multiple resource. */
static void put_int_at(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid,
                       uint16_t riid, int64_t v)
{
	struct lwc_slot *s = slot_add(o, in, rid, riid);
	if (s)
		s->v.i = v;
}

static void put_str_at(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid,
                       uint16_t riid, const char *v)
{
	struct lwc_slot *s = slot_add(o, in, rid, riid);
	if (!s)
		return;
	s->len = (uint32_t)snprintf(s->s, sizeof(s->s), "%s", v);
}

static void put_float(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid, double v)
{
	struct lwc_slot *s = slot_add(o, in, rid, 0);
	if (s)
		s->v.f = v;
}

static void put_bool(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid, bool v)
{
	struct lwc_slot *s = slot_add(o, in, rid, 0);
	if (s)
		s->v.b = v;
}

/* Executables and write-only opaque resources hold nothing readable. */
static void put_none(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid)
{
	slot_add(o, in, rid, 0);
}

static struct lwc_instance *add_temperature(struct lwc_objects *o, uint16_t iid)
{
	struct lwc_instance *in = inst_new(o, 3303, iid);
	if (!in)
		return NULL;
	put_int(o, in, 5518, (int64_t)time(NULL));
	put_float(o, in, 5601, 21.0);
	put_float(o, in, 5602, 21.0);
	put_float(o, in, 5603, -40.0);
	put_float(o, in, 5604, 85.0);
	put_none(o, in, 5605);
	put_float(o, in, 5700, 21.0);
	put_str(o, in, 5701, "Cel");
	put_str(o, in, 5750, "");
	return in;
}

static struct lwc_instance *add_accelerometer(struct lwc_objects *o, uint16_t iid)
{
	struct lwc_instance *in = inst_new(o, 3313, iid);
	if (!in)
		return NULL;
	put_int(o, in, 5518, (int64_t)time(NULL));
	put_float(o, in, 5603, -20.0);
	put_float(o, in, 5604, 20.0);
	put_str(o, in, 5701, "m/s2");
	put_float(o, in, 5702, 0.0);
	put_float(o, in, 5703, 0.0);
	put_float(o, in, 5704, 9.81);
	put_str(o, in, 5750, "");
	return in;
}

int lwc_objects_init(struct lwc_objects *o, const lw_model *m, const char *server_uri,
                     const char *endpoint, int lifetime, const char *binding)
{
	memset(o, 0, sizeof(*o));
	o->model = m;
	snprintf(o->server_uri, sizeof(o->server_uri), "%s", server_uri);
	snprintf(o->endpoint, sizeof(o->endpoint), "%s", endpoint);
	/* FNV-1a of the endpoint: a different walk for each simulated device. */
	o->seed = 2166136261u;
	for (const char *p = endpoint; *p; p++)
		o->seed = (o->seed ^ (uint8_t)*p) * 16777619u;
	if (!o->seed)
		o->seed = 1;
	o->t0 = (double)time(NULL);

	struct lwc_instance *in = inst_new(o, 0, 0);
	put_str(o, in, 0, server_uri);
	put_bool(o, in, 1, false);
	put_int(o, in, 2, 3); /* NoSec */
	put_int(o, in, 10, 1);

	in = inst_new(o, 1, 0);
	put_int(o, in, 0, 1);
	put_int(o, in, 1, lifetime);
	put_int(o, in, 2, 0); /* default pmin: none */
	put_int(o, in, 3, 0); /* default pmax: none */
	put_none(o, in, 4);
	put_bool(o, in, 6, false);
	put_str(o, in, 7, binding);
	put_none(o, in, 8);
	put_none(o, in, 9);
	put_str_at(o, in, 25, 0, "1.1"); /* Supported Server Versions */
	put_str_at(o, in, 25, 1, "1.2");

	in = inst_new(o, 3, 0);
	put_str(o, in, 0, "lwm2md");
	put_str(o, in, 1, "lwm2m-client");
	put_str(o, in, 2, endpoint);
	put_str(o, in, 3, "1.0.0");
	put_none(o, in, 4);
	/* Two power sources: internal battery and USB, with their voltages
	 * (mV) and currents (mA): multiple resources with several instances. */
	put_int_at(o, in, 6, 0, 1);
	put_int_at(o, in, 6, 1, 5);
	put_int_at(o, in, 7, 0, 3800);
	put_int_at(o, in, 7, 1, 5000);
	put_int_at(o, in, 8, 0, 125);
	put_int_at(o, in, 8, 1, 900);
	put_int(o, in, 9, 100);
	put_int(o, in, 10, 512);
	put_int(o, in, 11, 0); /* no error */
	put_none(o, in, 12);
	put_int(o, in, 13, (int64_t)time(NULL));
	put_str(o, in, 14, "+00:00");
	put_str(o, in, 15, "UTC");
	put_str(o, in, 16, "UQ");
	put_str(o, in, 17, "simulator");
	put_int(o, in, 20, 0);
	put_int(o, in, 21, 1024);

	in = inst_new(o, 4, 0);
	put_int(o, in, 0, 41); /* Ethernet */
	put_int(o, in, 1, 41);
	put_int(o, in, 2, -70);
	put_str(o, in, 4, "127.0.0.1");
	put_int(o, in, 6, 5);

	in = inst_new(o, 5, 0);
	put_none(o, in, 0);
	put_str(o, in, 1, "");
	put_none(o, in, 2);
	put_int(o, in, 3, 0); /* Idle */
	put_int(o, in, 5, 0); /* Initial value */
	put_str(o, in, 6, "");
	put_str(o, in, 7, "");
	put_int(o, in, 8, 0); /* CoAP */
	put_int(o, in, 9, 0); /* pull only */

	in = inst_new(o, 6, 0);
	put_float(o, in, 0, 48.8566);
	put_float(o, in, 1, 2.3522);
	put_int(o, in, 5, (int64_t)time(NULL));
	put_float(o, in, 6, 0.0);

	if (!add_temperature(o, 0) || !add_accelerometer(o, 0))
		return LW_ENOSPC;

	/* BinaryAppDataContainer, when a DDF file taught the model object 19:
	 * /19/0/0/0 holds up to LWC_BIG_MAX bytes (block-wise both ways). */
	if (lw_model_object(m, 19, NULL)) {
		in = inst_new(o, 19, 0);
		if (!in)
			return LW_ENOSPC;
		memset(big_value, 0, sizeof(big_value));
		slot_add(o, in, 0, 0);
		put_int(o, in, 1, 0);
		put_int(o, in, 2, (int64_t)time(NULL));
		put_str(o, in, 3, "");
		put_str(o, in, 4, "");
		put_int(o, in, 5, 0);
	}
	return 0;
}

/* ---- lookups ---- */

struct lwc_instance *lwc_instance_find(struct lwc_objects *o, uint16_t oid, uint16_t iid)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++)
		if (o->inst[i].used && o->inst[i].oid == oid && o->inst[i].iid == iid)
			return &o->inst[i];
	return NULL;
}

struct lwc_slot *lwc_slot_find(struct lwc_instance *in, uint16_t rid, uint16_t riid)
{
	for (size_t i = 0; i < in->n; i++) {
		struct lwc_slot *s = &in->slots[i];
		if (s->rid == rid && (riid == LW_ID_NONE || s->riid == riid || s->riid == LW_ID_NONE))
			return s;
	}
	return NULL;
}

/* The objects this client implements, instances or not. */
static const uint16_t known_objects[] = {0, 1, 3, 4, 5, 6, 3303, 3313};

bool lwc_object_known(const struct lwc_objects *o, uint16_t oid)
{
	if (oid == 19)
		return lw_model_object(o->model, 19, NULL) != NULL;
	for (size_t i = 0; i < sizeof(known_objects) / sizeof(known_objects[0]); i++)
		if (known_objects[i] == oid)
			return true;
	return false;
}

/* Sensor objects are the ones a server may add instances to or remove. */
static bool creatable(uint16_t oid)
{
	return oid == 3303 || oid == 3313;
}

int64_t lwc_get_int(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid, int64_t dflt)
{
	struct lwc_instance *in = lwc_instance_find(o, oid, iid);
	struct lwc_slot *s = in ? lwc_slot_find(in, rid, LW_ID_NONE) : NULL;
	return s ? s->v.i : dflt;
}

double lwc_get_float(struct lwc_objects *o, uint16_t oid, uint16_t iid, uint16_t rid, double dflt)
{
	struct lwc_instance *in = lwc_instance_find(o, oid, iid);
	struct lwc_slot *s = in ? lwc_slot_find(in, rid, LW_ID_NONE) : NULL;
	return s ? s->v.f : dflt;
}

/* ---- the sensors ---- */

/* xorshift32: small, deterministic, good enough for simulated noise. */
static double noise(struct lwc_objects *o)
{
	uint32_t x = o->seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	o->seed = x;
	return (double)(x % 2001) / 1000.0 - 1.0; /* -1 .. 1 */
}

static void set_float(struct lwc_instance *in, uint16_t rid, double v)
{
	struct lwc_slot *s = lwc_slot_find(in, rid, LW_ID_NONE);
	if (s)
		s->v.f = round(v * 100.0) / 100.0; /* what a real sensor resolves */
}

static void set_int(struct lwc_instance *in, uint16_t rid, int64_t v)
{
	struct lwc_slot *s = lwc_slot_find(in, rid, LW_ID_NONE);
	if (s)
		s->v.i = v;
}

/* Sensors move every SENSOR_PERIOD seconds: slow enough to read, fast
 * enough that an observer sees changes within a test. */
#define SENSOR_PERIOD 2.0

void lwc_objects_tick(struct lwc_objects *o, double now)
{
	static const double two_pi = 6.283185307179586;
	long step = (long)((now - o->t0) / SENSOR_PERIOD);
	int64_t secs = (int64_t)now;

	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &o->inst[i];
		if (!in->used)
			continue;
		struct lwc_slot *ts = lwc_slot_find(in, 5518, LW_ID_NONE);
		long last = ts && in->oid >= 3300 ? (long)((ts->v.i - (int64_t)o->t0) / SENSOR_PERIOD)
		                                  : -1;
		switch (in->oid) {
		case 3:
			set_int(in, 13, secs);
			/* One percent every minute, recharged at 10. */
			set_int(in, 9, 100 - (int64_t)((now - o->t0) / 60.0) % 90);
			set_int(in, 10, 512 - (step % 64));
			break;
		case 4:
			set_int(in, 2, -70 - (step % 7));
			break;
		case 6:
			set_float(in, 0, 48.8566 + 0.001 * sin(step / 20.0));
			set_float(in, 1, 2.3522 + 0.001 * cos(step / 20.0));
			set_int(in, 5, secs);
			break;
		case 3303:
			if (ts && step != last) {
				/* A slow daily-like swing plus noise. */
				double v = 21.0 + 3.0 * sin(two_pi * (double)step / 30.0 + in->iid) +
				           0.2 * noise(o);
				set_float(in, 5700, v);
				double t = lwc_get_float(o, 3303, in->iid, 5700, v);
				if (t < lwc_get_float(o, 3303, in->iid, 5601, t))
					set_float(in, 5601, t);
				if (t > lwc_get_float(o, 3303, in->iid, 5602, t))
					set_float(in, 5602, t);
				ts->v.i = (int64_t)o->t0 + (int64_t)(step * SENSOR_PERIOD);
			}
			break;
		case 3313:
			if (ts && step != last) {
				set_float(in, 5702, 0.3 * noise(o));
				set_float(in, 5703, 0.3 * noise(o));
				set_float(in, 5704, 9.81 + 0.1 * noise(o));
				ts->v.i = (int64_t)o->t0 + (int64_t)(step * SENSOR_PERIOD);
			}
			break;
		default:
			break;
		}
	}
}

/* ---- Read ---- */

static int slot_to_record(const struct lwc_instance *in, const struct lwc_slot *s,
                          lw_records *out)
{
	lw_record *r = lw_records_add(out);
	if (!r)
		return LW_ENOMEM;
	r->path = lw_path_make(s->riid == LW_ID_NONE ? 3 : 4, in->oid, in->iid, s->rid, s->riid);
	r->type = s->type;
	switch (s->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE:
	case LW_TYPE_CORELNK:
		return lw_records_set_bytes(out, r, lwc_slot_bytes(s), s->len);
	case LW_TYPE_UNSIGNED:
		r->v.u = s->v.u;
		break;
	case LW_TYPE_FLOAT:
		r->v.f = s->v.f;
		break;
	case LW_TYPE_BOOLEAN:
		r->v.b = s->v.b;
		break;
	case LW_TYPE_OBJLNK:
		r->v.l = s->v.l;
		break;
	default:
		r->v.i = s->v.i;
		break;
	}
	return 0;
}

static int read_instance(const struct lwc_instance *in, const lw_path *p, lw_records *out,
                         bool *matched)
{
	/* A multiple resource whose instances were all written away still
	 * exists: it reads as nothing. */
	if (p->rid != LW_ID_NONE && p->riid == LW_ID_NONE && lwc_has_resource(in, p->rid))
		*matched = true;
	for (size_t i = 0; i < in->n; i++) {
		const struct lwc_slot *s = &in->slots[i];
		if (p->rid != LW_ID_NONE && s->rid != p->rid)
			continue;
		if (p->riid != LW_ID_NONE && s->riid != p->riid)
			continue;
		*matched = true;
		if (!(s->ops & LW_OPS_R)) {
			/* Asked for by name: refuse. Part of a larger read: skip. */
			if (p->rid != LW_ID_NONE)
				return LWC_NOT_ALLOWED;
			continue;
		}
		if (slot_to_record(in, s, out))
			return LWC_INTERNAL;
	}
	return LWC_CONTENT;
}

int lwc_read(struct lwc_objects *o, const lw_path *p, lw_records *out)
{
	if (p->oid == LW_ID_NONE)
		return LWC_NOT_ALLOWED;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	/* The Security object belongs to the bootstrap server alone. */
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	bool found_inst = false, matched = false;
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		const struct lwc_instance *in = &o->inst[i];
		if (!in->used || in->oid != p->oid)
			continue;
		if (p->iid != LW_ID_NONE && in->iid != p->iid)
			continue;
		found_inst = true;
		int rc = read_instance(in, p, out, &matched);
		if (rc != LWC_CONTENT)
			return rc;
	}
	if (p->iid != LW_ID_NONE && !found_inst)
		return LWC_NOT_FOUND;
	if (p->rid != LW_ID_NONE && !matched)
		return LWC_NOT_FOUND;
	lw_records_sort(out);
	return LWC_CONTENT;
}

/* ---- Write ---- */

/* Copies a decoded value into a slot, converting between the number types a
 * codec without type information (text, JSON) may have produced. dry: only
 * checks, so that a big value is not copied before the whole Write holds. */
static int slot_assign(struct lwc_slot *s, const lw_record *r, bool dry)
{
	switch (s->type) {
	case LW_TYPE_STRING:
	case LW_TYPE_OPAQUE: {
		if (r->type != LW_TYPE_STRING && r->type != LW_TYPE_OPAQUE)
			return LWC_BAD_REQUEST;
		size_t cap = s->ext ? s->cap : LWC_STR_MAX - 1;
		if (r->v.s.len > cap)
			return LWC_BAD_REQUEST;
		if (!dry && r->v.s.len)
			memcpy(s->ext ? s->ext : (uint8_t *)s->s, r->v.s.data, r->v.s.len);
		s->len = (uint32_t)r->v.s.len;
		return 0;
	}
	case LW_TYPE_FLOAT:
		if (r->type == LW_TYPE_FLOAT)
			s->v.f = r->v.f;
		else if (r->type == LW_TYPE_INTEGER)
			s->v.f = (double)r->v.i;
		else if (r->type == LW_TYPE_UNSIGNED)
			s->v.f = (double)r->v.u;
		else
			return LWC_BAD_REQUEST;
		return 0;
	case LW_TYPE_INTEGER:
	case LW_TYPE_TIME:
		if (r->type == LW_TYPE_INTEGER || r->type == LW_TYPE_TIME)
			s->v.i = r->v.i;
		else if (r->type == LW_TYPE_UNSIGNED && r->v.u <= INT64_MAX)
			s->v.i = (int64_t)r->v.u;
		else if (r->type == LW_TYPE_FLOAT && r->v.f == floor(r->v.f))
			s->v.i = (int64_t)r->v.f;
		else
			return LWC_BAD_REQUEST;
		return 0;
	case LW_TYPE_UNSIGNED:
		if (r->type == LW_TYPE_UNSIGNED)
			s->v.u = r->v.u;
		else if (r->type == LW_TYPE_INTEGER && r->v.i >= 0)
			s->v.u = (uint64_t)r->v.i;
		else
			return LWC_BAD_REQUEST;
		return 0;
	case LW_TYPE_BOOLEAN:
		if (r->type != LW_TYPE_BOOLEAN)
			return LWC_BAD_REQUEST;
		s->v.b = r->v.b;
		return 0;
	case LW_TYPE_OBJLNK:
		if (r->type != LW_TYPE_OBJLNK)
			return LWC_BAD_REQUEST;
		s->v.l = r->v.l;
		return 0;
	default:
		return LWC_NOT_ALLOWED;
	}
}

/* Takes every instance of multiple resource rid away. */
static void clear_resource(struct lwc_instance *in, uint16_t rid)
{
	for (size_t i = in->n; i-- > 0;)
		if (in->slots[i].rid == rid)
			slot_remove(in, &in->slots[i]);
}

/*
 * Replace on an instance (Core spec, Write: "Replace: replaces the Object
 * Instance or the Resource(s) with the new value provided"): an optional
 * writable resource the payload leaves out goes back to the empty value of
 * its type, and an optional writable multiple resource loses its
 * instances. Mandatory resources keep their value (a client cannot live
 * without its lifetime; OMA's own tracker leaves this open, and keeping
 * them is the reading that never breaks a device). Read-only resources are
 * the device's own and stay.
 */
static void reset_writable(struct lwc_objects *o, struct lwc_instance *in)
{
	for (size_t k = 0; k < in->nres; k++) {
		const struct lw_resource_def *d = lw_model_resource(o->model, in->oid, in->res[k]);
		if (!d || d->type == LW_TYPE_NONE || !(d->ops & LW_OPS_W) || d->mandatory)
			continue;
		if (d->multiple) {
			clear_resource(in, in->res[k]);
			continue;
		}
		struct lwc_slot *s = slot_exact(in, in->res[k], LW_ID_NONE);
		if (s) {
			s->len = 0;
			memset(&s->v, 0, sizeof(s->v));
		}
	}
}

/*
 * Applies records to one instance. scope: the Write's target, which covers
 * every record (composite: the instance, and records of other instances
 * are skipped). replace: PUT semantics on scope. creating: values of a new
 * instance may set read-only resources too. dry: checks everything on a
 * copy of the instance and copies no big value; a dry run that succeeds
 * guarantees the real one does, which makes each Write all-or-nothing.
 */
static int apply_records(struct lwc_objects *o, struct lwc_instance *in, const lw_path *scope,
                         const lw_records *recs, bool replace, bool creating, bool dry,
                         bool composite)
{
	size_t used = 0;
	for (size_t i = 0; i < recs->n; i++) {
		const lw_path *rp = &recs->items[i].path;
		if (composite && (rp->oid != in->oid || rp->iid != in->iid))
			continue;
		if (!lw_path_covers(scope, rp) || lw_path_depth(rp) < 3 || rp->oid != in->oid ||
		    rp->iid != in->iid)
			return LWC_BAD_REQUEST;
		const struct lw_resource_def *d = lw_model_resource(o->model, in->oid, rp->rid);
		if (!d || !lwc_has_resource(in, rp->rid))
			return LWC_NOT_FOUND;
		if (d->type == LW_TYPE_NONE)
			return LWC_NOT_ALLOWED;
		if (!creating && !(d->ops & LW_OPS_W))
			return LWC_NOT_ALLOWED;
		/* A multiple resource's values are its instances. */
		if ((bool)d->multiple != (rp->riid != LW_ID_NONE))
			return d->multiple ? LWC_BAD_REQUEST : LWC_NOT_FOUND;
		used++;
	}
	if (used == 0 && !creating)
		return LWC_BAD_REQUEST;
	if (replace && lw_path_depth(scope) == 2) {
		reset_writable(o, in);
	} else if (replace && lw_path_depth(scope) == 3) {
		/* A multiple resource: all its instances are replaced. */
		const struct lw_resource_def *d = lw_model_resource(o->model, in->oid, scope->rid);
		if (d && d->multiple)
			clear_resource(in, scope->rid);
	}
	for (size_t i = 0; i < recs->n; i++) {
		const lw_record *r = &recs->items[i];
		if (composite && (r->path.oid != in->oid || r->path.iid != in->iid))
			continue;
		struct lwc_slot *s = slot_exact(in, r->path.rid, r->path.riid);
		if (!s)
			s = slot_insert(o, in, r->path.rid, r->path.riid);
		if (!s)
			return LWC_INTERNAL; /* the instance's static slots are full */
		int rc = slot_assign(s, r, dry);
		if (rc)
			return rc;
	}
	return LWC_CHANGED;
}

/* Checks on a copy, then applies for real. */
static int write_instance(struct lwc_objects *o, struct lwc_instance *in, const lw_path *scope,
                          const lw_records *recs, bool replace, bool composite)
{
	struct lwc_instance probe = *in;
	int rc = apply_records(o, &probe, scope, recs, replace, false, true, composite);
	if (rc != LWC_CHANGED)
		return rc;
	return apply_records(o, in, scope, recs, replace, false, false, composite);
}

static int write_records(struct lwc_objects *o, struct lwc_instance *in, const lw_path *p,
                         const lw_records *recs, bool creating)
{
	return apply_records(o, in, p, recs, false, creating, false, false);
}

int lwc_write(struct lwc_objects *o, const lw_path *p, const lw_records *in_recs, bool replace)
{
	if (p->oid == LW_ID_NONE || p->iid == LW_ID_NONE)
		return LWC_NOT_ALLOWED;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	struct lwc_instance *in = lwc_instance_find(o, p->oid, p->iid);
	if (!in)
		return LWC_NOT_FOUND;
	if (p->rid != LW_ID_NONE) {
		const struct lw_resource_def *d = lw_model_resource(o->model, p->oid, p->rid);
		if (!d || !lwc_has_resource(in, p->rid))
			return LWC_NOT_FOUND;
		if (p->riid != LW_ID_NONE && !d->multiple)
			return LWC_NOT_FOUND;
		if (!(d->ops & LW_OPS_W) || d->type == LW_TYPE_NONE)
			return LWC_NOT_ALLOWED;
	}
	if (in_recs->n == 0)
		return LWC_BAD_REQUEST;
	return write_instance(o, in, p, in_recs, replace, false);
}

/* ---- Composite ---- */

int lwc_read_composite(struct lwc_objects *o, const lw_records *paths, lw_records *out)
{
	bool any = false;
	lw_records one;
	lw_records_init(&one);
	for (size_t i = 0; i < paths->n; i++) {
		lw_records_clear(&one);
		int rc = lwc_read(o, &paths->items[i].path, &one);
		if (rc == LWC_NOT_FOUND)
			continue;
		if (rc != LWC_CONTENT) {
			lw_records_free(&one);
			return rc;
		}
		any = true;
		for (size_t k = 0; k < one.n; k++) {
			bool dup = false;
			for (size_t j = 0; j < out->n && !dup; j++)
				dup = lw_path_equal(&out->items[j].path, &one.items[k].path);
			if (!dup && lw_records_append_copy(out, &one.items[k])) {
				lw_records_free(&one);
				return LWC_INTERNAL;
			}
		}
	}
	lw_records_free(&one);
	if (!any)
		return LWC_NOT_FOUND;
	lw_records_sort(out);
	return LWC_CONTENT;
}

int lwc_write_composite(struct lwc_objects *o, const lw_records *recs)
{
	if (recs->n == 0)
		return LWC_BAD_REQUEST;
	/* Every instance touched is checked before any is changed. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < recs->n; i++) {
			const lw_path *rp = &recs->items[i].path;
			bool first = true;
			for (size_t j = 0; j < i && first; j++)
				first = recs->items[j].path.oid != rp->oid ||
				        recs->items[j].path.iid != rp->iid;
			if (!first)
				continue;
			if (lw_path_depth(rp) < 3)
				return LWC_BAD_REQUEST;
			if (!lwc_object_known(o, rp->oid))
				return LWC_NOT_FOUND;
			if (rp->oid == 0)
				return LWC_UNAUTHORIZED;
			struct lwc_instance *in = lwc_instance_find(o, rp->oid, rp->iid);
			if (!in)
				return LWC_NOT_FOUND;
			lw_path scope = lw_path_make(2, rp->oid, rp->iid, 0, 0);
			struct lwc_instance probe = *in;
			int rc = apply_records(o, pass ? in : &probe, &scope, recs, false, false,
			                       pass == 0, true);
			if (rc != LWC_CHANGED)
				return rc;
		}
	}
	return LWC_CHANGED;
}

/* ---- Execute ---- */

static int fw_update(struct lwc_objects *o, struct lwc_instance *in)
{
	(void)o;
	/* The transfer comes with the FOTA work: say so through Update Result
	 * 8 ("Firmware update failed") rather than pretend. */
	fprintf(stderr, "lwm2m-client: firmware update: not yet supported\n");
	set_int(in, 3, 0);
	set_int(in, 5, 8);
	return LWC_CHANGED;
}

int lwc_execute(struct lwc_objects *o, const lw_path *p, const char *args, size_t len,
                enum lwc_action *action)
{
	*action = LWC_ACT_NONE;
	if (lw_path_depth(p) != 3)
		return LWC_NOT_ALLOWED;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	struct lwc_instance *in = lwc_instance_find(o, p->oid, p->iid);
	struct lwc_slot *s = in ? lwc_slot_find(in, p->rid, LW_ID_NONE) : NULL;
	if (!s)
		return LWC_NOT_FOUND;
	if (!(s->ops & LW_OPS_E))
		return LWC_NOT_ALLOWED;

	fprintf(stderr, "lwm2m-client: execute /%u/%u/%u args '%.*s'\n", p->oid, p->iid, p->rid,
	        (int)len, args ? args : "");
	switch (p->oid * 100000u + p->rid) {
	case 3 * 100000u + 4:
		fprintf(stderr, "lwm2m-client: reboot requested (simulated: nothing restarts)\n");
		break;
	case 3 * 100000u + 12:
		set_int(in, 11, 0);
		break;
	case 1 * 100000u + 8:
		*action = LWC_ACT_UPDATE;
		break;
	case 1 * 100000u + 9:
		*action = LWC_ACT_BOOTSTRAP;
		break;
	case 5 * 100000u + 2:
		return fw_update(o, in);
	case 3303 * 100000u + 5605: {
		double v = lwc_get_float(o, 3303, in->iid, 5700, 0);
		set_float(in, 5601, v);
		set_float(in, 5602, v);
		break;
	}
	default:
		break;
	}
	return LWC_CHANGED;
}

/* ---- Create and Delete ---- */

int lwc_create(struct lwc_objects *o, const lw_path *p, const lw_records *recs, uint16_t *iid)
{
	if (lw_path_depth(p) != 1)
		return LWC_NOT_ALLOWED;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	if (!creatable(p->oid))
		return LWC_NOT_ALLOWED;
	/* The server may choose the id (records under /oid/iid); else the
	 * lowest free one. */
	uint16_t id = LW_ID_NONE;
	for (size_t i = 0; i < recs->n; i++) {
		uint16_t r = recs->items[i].path.iid;
		if (recs->items[i].path.oid != p->oid || r == LW_ID_NONE)
			return LWC_BAD_REQUEST;
		if (id != LW_ID_NONE && r != id)
			return LWC_BAD_REQUEST;
		id = r;
	}
	if (id == LW_ID_NONE) {
		for (id = 0; id < LW_ID_NONE && lwc_instance_find(o, p->oid, id); id++)
			;
	} else if (lwc_instance_find(o, p->oid, id)) {
		return LWC_BAD_REQUEST;
	}
	struct lwc_instance *in = p->oid == 3303 ? add_temperature(o, id) : add_accelerometer(o, id);
	if (!in)
		return LWC_INTERNAL; /* the static table is full */
	lw_path ip = lw_path_make(2, p->oid, id, 0, 0);
	int rc = write_records(o, in, &ip, recs, true);
	if (rc != LWC_CHANGED) {
		in->used = false;
		return rc;
	}
	*iid = id;
	return LWC_CREATED;
}

int lwc_delete(struct lwc_objects *o, const lw_path *p)
{
	if (lw_path_depth(p) != 2)
		return LWC_NOT_ALLOWED;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	if (p->oid == 0)
		return LWC_UNAUTHORIZED;
	struct lwc_instance *in = lwc_instance_find(o, p->oid, p->iid);
	if (!in)
		return LWC_NOT_FOUND;
	if (!creatable(p->oid))
		return LWC_NOT_ALLOWED;
	in->used = false;
	return LWC_DELETED;
}

/* ---- accounts and bootstrap ---- */

bool lwc_is_bs_account(struct lwc_instance *in)
{
	struct lwc_slot *s = in->oid == 0 ? lwc_slot_find(in, 1, LW_ID_NONE) : NULL;
	return s && s->v.b;
}

static void put_bytes(struct lwc_objects *o, struct lwc_instance *in, uint16_t rid,
                      const uint8_t *v, size_t n)
{
	struct lwc_slot *s = slot_exact(in, rid, LW_ID_NONE);
	if (!s)
		s = slot_add(o, in, rid, 0);
	if (!s)
		return;
	if (n >= LWC_STR_MAX)
		n = LWC_STR_MAX - 1;
	if (n)
		memcpy(s->s, v, n);
	s->len = (uint32_t)n;
}

/* The resources an account's instance needs before a Bootstrap-Write fills
 * them: the mandatory ones, so that a partial write still leaves an
 * instance the client can act on. */
static struct lwc_instance *account_new(struct lwc_objects *o, uint16_t oid, uint16_t iid)
{
	struct lwc_instance *in = inst_new(o, oid, iid);
	if (!in)
		return NULL;
	if (oid == 0) {
		put_str(o, in, 0, "");
		put_bool(o, in, 1, false);
		put_int(o, in, 2, LWC_SEC_NOSEC);
		put_none(o, in, 3);
		put_none(o, in, 4);
		put_none(o, in, 5);
	} else {
		put_int(o, in, 0, 0);
		put_int(o, in, 1, 86400); /* the spec's default lifetime */
		put_bool(o, in, 6, false);
		put_str(o, in, 7, "U");
		put_none(o, in, 8);
		put_none(o, in, 9);
	}
	return in;
}

int lwc_security_set(struct lwc_objects *o, uint16_t iid, const char *uri, bool bootstrap,
                     int mode, const uint8_t *identity, size_t id_len, const uint8_t *key,
                     size_t key_len)
{
	struct lwc_instance *in = lwc_instance_find(o, 0, iid);
	if (!in)
		in = account_new(o, 0, iid);
	if (!in)
		return LW_ENOSPC;
	put_bytes(o, in, 0, (const uint8_t *)uri, strlen(uri));
	lwc_slot_find(in, 1, LW_ID_NONE)->v.b = bootstrap;
	lwc_slot_find(in, 2, LW_ID_NONE)->v.i = mode;
	put_bytes(o, in, 3, identity, id_len);
	put_bytes(o, in, 5, key, key_len);
	return 0;
}

void lwc_instance_drop(struct lwc_objects *o, uint16_t oid, uint16_t iid)
{
	struct lwc_instance *in = lwc_instance_find(o, oid, iid);
	if (in)
		in->used = false;
}

int lwc_export(struct lwc_objects *o, uint16_t oid, lw_records *out)
{
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		const struct lwc_instance *in = &o->inst[i];
		if (!in->used || in->oid != oid)
			continue;
		for (size_t k = 0; k < in->n; k++)
			if (in->slots[k].type != LW_TYPE_NONE &&
			    slot_to_record(in, &in->slots[k], out))
				return LW_ENOMEM;
	}
	lw_records_sort(out);
	return 0;
}

/* The instances a bootstrap server may create: the accounts, and what a
 * DM server could create too. */
static bool bs_creatable(uint16_t oid)
{
	return oid == 0 || oid == 1 || creatable(oid);
}

/* Gives the instance every resource the records name that the model
 * knows: a bootstrap server may set optional ones the default instance
 * lacks (the Short Server ID of a Security instance, say). */
static int bs_add_resources(struct lwc_objects *o, struct lwc_instance *in,
                            const lw_records *recs)
{
	for (size_t i = 0; i < recs->n; i++) {
		const lw_path *rp = &recs->items[i].path;
		if (rp->oid != in->oid || rp->iid != in->iid || rp->rid == LW_ID_NONE)
			continue;
		if (lwc_has_resource(in, rp->rid))
			continue;
		if (!slot_insert(o, in, rp->rid, rp->riid == LW_ID_NONE ? 0 : rp->riid))
			return lw_model_resource(o->model, in->oid, rp->rid) ? LWC_INTERNAL
			                                                      : LWC_NOT_FOUND;
	}
	return 0;
}

int lwc_bs_write(struct lwc_objects *o, const lw_path *p, const lw_records *recs)
{
	int depth = lw_path_depth(p);
	bool fresh[LWC_MAX_INSTANCES] = {false};
	int rc = LWC_CHANGED;

	if (depth < 1 || depth > 3 || recs->n == 0)
		return LWC_BAD_REQUEST;
	if (!lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	for (size_t i = 0; i < recs->n; i++) {
		const lw_path *rp = &recs->items[i].path;
		if (!lw_path_covers(p, rp) || lw_path_depth(rp) < 3)
			return LWC_BAD_REQUEST;
	}
	/* The instances named first, so that the checks below see them. */
	for (size_t i = 0; i < recs->n && rc == LWC_CHANGED; i++) {
		uint16_t iid = recs->items[i].path.iid;
		if (lwc_instance_find(o, p->oid, iid))
			continue;
		if (!bs_creatable(p->oid)) {
			rc = LWC_NOT_FOUND;
			break;
		}
		struct lwc_instance *in = p->oid <= 1  ? account_new(o, p->oid, iid)
		                          : p->oid == 3303 ? add_temperature(o, iid)
		                                           : add_accelerometer(o, iid);
		if (!in)
			rc = LWC_INTERNAL;
		else
			fresh[in - o->inst] = true;
	}
	/* All checked on copies, then applied: all or nothing. */
	for (int pass = 0; pass < 2 && rc == LWC_CHANGED; pass++) {
		for (size_t i = 0; i < recs->n && rc == LWC_CHANGED; i++) {
			const lw_path *rp = &recs->items[i].path;
			bool first = true;
			for (size_t j = 0; j < i && first; j++)
				first = recs->items[j].path.iid != rp->iid;
			if (!first)
				continue;
			struct lwc_instance *in = lwc_instance_find(o, p->oid, rp->iid);
			struct lwc_instance probe = *in;
			struct lwc_instance *t = pass ? in : &probe;
			lw_path scope = depth == 3 ? *p : lw_path_make(2, p->oid, rp->iid, 0, 0);
			rc = bs_add_resources(o, t, recs);
			if (!rc)
				rc = apply_records(o, t, &scope, recs, false, true, pass == 0,
				                   true);
		}
	}
	if (rc != LWC_CHANGED)
		for (size_t i = 0; i < LWC_MAX_INSTANCES; i++)
			if (fresh[i])
				o->inst[i].used = false;
	return rc;
}

/*
 * Bootstrap-Delete. The spec empties every object but the bootstrap
 * account and the Device; this simulated device keeps its hardware too
 * (sensors, connectivity, firmware, location) on a Delete of "/": they
 * describe the device, not its provisioning, and a server wanting them
 * gone names them (/3303, /3303/0).
 */
int lwc_bs_delete(struct lwc_objects *o, const lw_path *p)
{
	int depth = lw_path_depth(p);
	if (depth > 2)
		return LWC_BAD_REQUEST;
	if (depth >= 1 && !lwc_object_known(o, p->oid))
		return LWC_NOT_FOUND;
	if (depth >= 1 && !bs_creatable(p->oid))
		return LWC_BAD_REQUEST;
	if (depth == 2) {
		struct lwc_instance *in = lwc_instance_find(o, p->oid, p->iid);
		if (!in)
			return LWC_NOT_FOUND;
		if (lwc_is_bs_account(in))
			return LWC_BAD_REQUEST;
		in->used = false;
		return LWC_DELETED;
	}
	for (size_t i = 0; i < LWC_MAX_INSTANCES; i++) {
		struct lwc_instance *in = &o->inst[i];
		if (!in->used || lwc_is_bs_account(in))
			continue;
		if (depth == 1 ? in->oid == p->oid : in->oid <= 1)
			in->used = false;
	}
	return LWC_DELETED;
}
