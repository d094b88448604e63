/*
 * codec-tlv/tlv.h: the two codec structs of the TLV plugin, shared by its
 * plugin.c, the unit test and the fuzzer (which compile tlv.c directly).
 */
#ifndef LW_CODEC_TLV_H
#define LW_CODEC_TLV_H

#include "lwm2m/codec.h"

/* application/vnd.oma.lwm2m+tlv, 11542 ("tlv"). */
extern const struct lw_codec lw_codec_tlv;
/* The same format under the LwM2M 1.0 number 1542 ("tlv-legacy"). */
extern const struct lw_codec lw_codec_tlv_legacy;

#endif
