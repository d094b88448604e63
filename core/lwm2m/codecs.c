/* lwm2m/codecs.c: the codec registry (see codecs.h and include/lwm2m/codec.h). */
#include "lwm2m/codecs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CODECS 64

struct entry {
	const struct lw_codec *codec;
	const void *owner;
};

static struct entry table[MAX_CODECS];
static size_t n_codecs;

int lw_codec_fail(struct lw_codec_error *err, size_t offset, const char *fmt, ...)
{
	if (err) {
		err->offset = offset;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return LW_EINVAL;
}

int lw_codecs_add(const void *owner, const struct lw_codec *codec)
{
	if (!codec || !codec->name || (!codec->decode && !codec->decode_links))
		return LW_EINVAL;
	for (size_t i = 0; i < n_codecs; i++)
		if (table[i].codec->content_format == codec->content_format ||
		    strcmp(table[i].codec->name, codec->name) == 0)
			return LW_EEXIST;
	if (n_codecs == MAX_CODECS)
		return LW_ENOSPC;
	/* Keep the table ordered by content format for lw_codecs_each. */
	size_t i = n_codecs;
	while (i > 0 && table[i - 1].codec->content_format > codec->content_format) {
		table[i] = table[i - 1];
		i--;
	}
	table[i] = (struct entry){codec, owner};
	n_codecs++;
	return 0;
}

int lw_codec_register(lw_plugin *self, const struct lw_codec *codec)
{
	return lw_codecs_add(self, codec);
}

void lw_codecs_unregister_owner(const void *owner)
{
	size_t k = 0;
	for (size_t i = 0; i < n_codecs; i++)
		if (table[i].owner != owner)
			table[k++] = table[i];
	n_codecs = k;
}

const struct lw_codec *lw_codec_by_format(uint16_t content_format)
{
	for (size_t i = 0; i < n_codecs; i++)
		if (table[i].codec->content_format == content_format)
			return table[i].codec;
	return NULL;
}

const struct lw_codec *lw_codec_by_name(const char *name)
{
	for (size_t i = 0; i < n_codecs; i++)
		if (strcmp(table[i].codec->name, name) == 0)
			return table[i].codec;
	return NULL;
}

void lw_codecs_each(void (*fn)(const struct lw_codec *c, void *ctx), void *ctx)
{
	for (size_t i = 0; i < n_codecs; i++)
		fn(table[i].codec, ctx);
}
