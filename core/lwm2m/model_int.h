/*
 * lwm2m/model_int.h: building the object model (the daemon and lwm2mctl do
 * it at start; lookups are in include/lwm2m/model.h). Definitions are kept
 * sorted by (id, version) and looked up by binary search; the model is
 * read-only once built, so lookups are safe from any thread.
 */
#ifndef LW_LWM2M_MODEL_INT_H
#define LW_LWM2M_MODEL_INT_H

#include <stddef.h>

#include "lwm2m/model.h"

/* Frees a definition the model owns (NULL for static definitions). */
typedef void (*lw_object_def_free_fn)(struct lw_object_def *def);

lw_model *lw_model_new(void);
void lw_model_free(lw_model *m);
/*
 * Adds def (its resources must be ascending by id). A definition with the
 * same id and version replaces the one there (a DDF file overrides a
 * built-in). The model owns def when free_fn is not NULL, also on failure.
 */
int lw_model_add(lw_model *m, struct lw_object_def *def, lw_object_def_free_fn free_fn);
size_t lw_model_count(const lw_model *m);
/* The i-th definition in (id, version) order. */
const struct lw_object_def *lw_model_at(const lw_model *m, size_t i);
/* Compares "1.0"-style versions numerically (major, then minor). */
int lw_version_compare(const char *a, const char *b);

/* The built-in definitions of the OMA core objects (objects.c). */
int lw_model_add_builtin(lw_model *m);

#endif
