/*
 * client-ref/codecs.c: the content formats the reference client and the
 * fleet simulator speak. Compiled in from the plugins' sources: an embedded
 * client has no plugin loader.
 */
#include <string.h>

#include "lwclient.h"

#include "../plugins/codec-lwm2m-cbor/lwm2m_cbor.h"
#include "../plugins/codec-opaque/opaque.h"
#include "../plugins/codec-senml-cbor/senml_cbor.h"
#include "../plugins/codec-text/text.h"
#include "../plugins/codec-tlv/tlv.h"

/* These two plugins have no header of their own. */
extern const struct lw_codec lw_codec_senml_json;
extern const struct lw_codec lw_codec_json, lw_codec_json_legacy;

static const struct lw_codec *const codecs[] = {
	&lw_codec_senml_cbor, &lw_codec_senml_json, &lw_codec_lwm2m_cbor, &lw_codec_tlv,
	&lw_codec_tlv_legacy, &lw_codec_json,       &lw_codec_json_legacy, &lw_codec_text,
	&lw_codec_opaque,
};
#define N_CODECS (sizeof(codecs) / sizeof(codecs[0]))

const struct lw_codec *lwc_codec_by_format(unsigned cf)
{
	for (size_t i = 0; i < N_CODECS; i++)
		if (codecs[i]->content_format == cf)
			return codecs[i];
	return NULL;
}

const struct lw_codec *lwc_codec_by_name(const char *name)
{
	for (size_t i = 0; i < N_CODECS; i++)
		if (!strcmp(codecs[i]->name, name))
			return codecs[i];
	return NULL;
}
