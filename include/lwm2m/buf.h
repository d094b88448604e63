/*
 * lwm2m/buf.h: a growable byte buffer, what encoders write into.
 * The buffer owns data; lw_buf_free() releases it. Appends either succeed
 * whole or fail with LW_ENOMEM (or LW_ENOSPC past max) leaving len unchanged.
 */
#ifndef LWM2M_BUF_H
#define LWM2M_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "lwm2m/api.h"

typedef struct lw_buf {
	uint8_t *data;
	size_t len, cap;
	size_t max; /* 0: no limit */
} lw_buf;

LW_API void lw_buf_init(lw_buf *b);
LW_API void lw_buf_free(lw_buf *b);
LW_API int lw_buf_reserve(lw_buf *b, size_t extra);
LW_API int lw_buf_append(lw_buf *b, const void *data, size_t len);
LW_API int lw_buf_append_byte(lw_buf *b, uint8_t byte);
LW_API int lw_buf_printf(lw_buf *b, const char *fmt, ...) LW_PRINTF(2, 3);

#endif
