/*
 * codec-text/text.h: the codec struct of the text/plain plugin, shared by its
 * plugin.c, the unit test and the fuzzer (which compile text.c directly).
 */
#ifndef LW_CODEC_TEXT_H
#define LW_CODEC_TEXT_H

#include "lwm2m/codec.h"

/* text/plain, content format 0 ("text"). */
extern const struct lw_codec lw_codec_text;

#endif
