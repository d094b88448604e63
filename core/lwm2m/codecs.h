/*
 * lwm2m/codecs.h: the registry behind lw_codec_register() and lookups.
 * Codecs are registered by plugins on the loop thread during init and looked
 * up from anywhere afterwards; the registry is only changed at start and stop.
 */
#ifndef LW_LWM2M_CODECS_H
#define LW_LWM2M_CODECS_H

#include "lwm2m/codec.h"

/* Drops every codec registered by owner (a plugin being unloaded). */
void lw_codecs_unregister_owner(const void *owner);
/* Registers a codec on behalf of the core or a test (owner may be NULL). */
int lw_codecs_add(const void *owner, const struct lw_codec *codec);
/* Calls fn for each registered codec in content-format order. */
void lw_codecs_each(void (*fn)(const struct lw_codec *c, void *ctx), void *ctx);

#endif
