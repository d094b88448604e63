/*
 * codec-lwm2m-cbor/lwm2m_cbor.h: the codec lwm2m_cbor.c defines, for the
 * plugin descriptor and the unit test.
 */
#ifndef LW_CODEC_LWM2M_CBOR_H
#define LW_CODEC_LWM2M_CBOR_H

#include "lwm2m/codec.h"

extern const struct lw_codec lw_codec_lwm2m_cbor;

#endif
