/*
 * lwm2m/ddf.h: the loader of OMA DDF XML files (the LwM2M object registry's
 * format, LWM2M.xsd / LWM2M-v1_1.xsd). Each <Object> of a file becomes one
 * lw_object_def added to a model. A malformed file is reported with its name
 * and line and skipped; it never stops the daemon.
 */
#ifndef LW_LWM2M_DDF_H
#define LW_LWM2M_DDF_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/model_int.h"

/* Parses DDF XML from memory; name is used in messages. On failure nothing
 * is added and err holds "NAME:LINE: reason". Returns objects added (>= 0)
 * or LW_EINVAL / LW_ENOMEM. */
int lw_ddf_load_buffer(lw_model *m, const char *name, const uint8_t *data, size_t len, char *err,
                       size_t errlen);
/* The same for a file. */
int lw_ddf_load_file(lw_model *m, const char *path, char *err, size_t errlen);
/* Every *.xml file of dir, in name order; each failure goes to report (one
 * line, "FILE:LINE: reason") and the rest still load. Returns objects added,
 * or LW_EIO when dir cannot be read. */
int lw_ddf_load_dir(lw_model *m, const char *dir, void (*report)(void *ctx, const char *line),
                    void *ctx);

#endif
