/* lwm2m/ddf.c: DDF XML loader (being written). */
#include "lwm2m/ddf.h"

#include "lwm2m/error.h"

int lw_ddf_load_buffer(lw_model *m, const char *name, const uint8_t *data, size_t len, char *err,
                       size_t errlen)
{
	return LW_ENOTSUP;
}

int lw_ddf_load_file(lw_model *m, const char *path, char *err, size_t errlen)
{
	return LW_ENOTSUP;
}

int lw_ddf_load_dir(lw_model *m, const char *dir, void (*report)(void *ctx, const char *line),
                    void *ctx)
{
	return LW_ENOTSUP;
}
