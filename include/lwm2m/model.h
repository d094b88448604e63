/*
 * lwm2m/model.h: the object model: what objects and resources exist, their
 * types and operations. It holds the built-in definitions of the OMA core
 * objects plus every OMA DDF XML file of the configured model folders. One
 * object id may have several versions (3303 1.0 and 3303 1.1) side by side.
 *
 * Ownership: the model owns every definition; pointers returned stay valid
 * while the model lives (for the daemon's model: until shutdown). Definitions
 * are read-only plain data.
 */
#ifndef LWM2M_MODEL_H
#define LWM2M_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"
#include "lwm2m/path.h"

typedef struct lw_model lw_model;

enum lw_ops {
	LW_OPS_NONE = 0,
	LW_OPS_R = 1,
	LW_OPS_W = 2,
	LW_OPS_RW = 3,
	LW_OPS_E = 4,
};

struct lw_resource_def {
	uint16_t id;
	uint8_t type;      /* lw_type; LW_TYPE_NONE for executables */
	uint8_t ops;       /* enum lw_ops bits */
	uint8_t multiple;  /* multiple-instance resource */
	uint8_t mandatory;
	const char *name;
	const char *range; /* RangeEnumeration text, "" when none */
	const char *units; /* "" when none */
	const char *description;
};

struct lw_object_def {
	uint16_t id;
	uint8_t multiple; /* multiple instances allowed */
	uint8_t mandatory;
	const char *name;
	const char *version;       /* ObjectVersion, "1.0" when the file has none */
	const char *lwm2m_version; /* LWM2MVersion, "1.0" when none */
	const char *urn;
	const char *description;
	size_t n_resources;
	const struct lw_resource_def *resources; /* ascending by id */
	const char *source; /* "built-in" or the DDF file it came from */
};

/* The object with that id: the given version ("1.1"), or with version NULL
 * the highest version known. NULL when unknown. */
LW_API const struct lw_object_def *lw_model_object(const lw_model *m, uint16_t oid,
                                                    const char *version);
/* A resource of the default version of an object, or NULL. */
LW_API const struct lw_resource_def *lw_model_resource(const lw_model *m, uint16_t oid,
                                                        uint16_t rid);
/* A resource of a given object definition, or NULL. */
LW_API const struct lw_resource_def *lw_object_resource(const struct lw_object_def *o,
                                                         uint16_t rid);
/* The type of the value at a path (resource or resource instance), or
 * LW_TYPE_NONE when unknown or not a resource. */
LW_API int lw_model_type(const lw_model *m, const lw_path *p);

#endif
