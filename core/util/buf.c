/* util/buf.c: the growable byte buffer of lwm2m/buf.h. */
#include "lwm2m/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/error.h"

void lw_buf_init(lw_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = 0;
}

void lw_buf_free(lw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int lw_buf_reserve(lw_buf *b, size_t extra)
{
	if (extra > SIZE_MAX - b->len)
		return LW_ENOMEM;
	size_t need = b->len + extra;
	if (b->max && need > b->max)
		return LW_ENOSPC;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (!d)
		return LW_ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int lw_buf_append(lw_buf *b, const void *data, size_t len)
{
	int rc = lw_buf_reserve(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

int lw_buf_append_byte(lw_buf *b, uint8_t byte)
{
	return lw_buf_append(b, &byte, 1);
}

int lw_buf_printf(lw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return LW_EINVAL;
	int rc = lw_buf_reserve(b, (size_t)n + 1);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}
