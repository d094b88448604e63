/*
 * codec-opaque/opaque.h: the codec struct of the opaque plugin, shared by its
 * plugin.c and the unit test (which compiles opaque.c directly).
 */
#ifndef LW_CODEC_OPAQUE_H
#define LW_CODEC_OPAQUE_H

#include "lwm2m/codec.h"

/* application/octet-stream, content format 42 ("opaque"). */
extern const struct lw_codec lw_codec_opaque;

#endif
