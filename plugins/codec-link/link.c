/*
 * codec-link/link.c: the CoRE link format (RFC 6690, content format 40),
 * what LwM2M Register and Update payloads and Discover answers carry.
 *
 * Decoding is liberal, because real clients are: whitespace and newlines
 * around every delimiter, attribute values quoted or not, quoted values with
 * backslash escapes, attributes without a value, a trailing ',' or ';', and
 * empty input (an empty list). What it refuses is what leaves the meaning in
 * doubt: a link not starting with '<', a target or a quoted value that never
 * ends, characters that cannot be in a target or a name. Every error gives
 * the byte offset where it went wrong.
 *
 * Encoding writes the canonical form: no spaces, a value quoted when it needs
 * to be (characters outside RFC 6690's ptoken, or empty) or when the link
 * said so (attr->quoted), with '"' and '\' escaped inside quotes.
 */
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/links.h"

const struct lw_codec lw_codec_link;

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that end or separate things: never part of a name or bare value. */
static int is_delim(uint8_t c)
{
	return c == ',' || c == ';' || c == '"' || c == '=' || c == '<' || c == '>' || c == '\\' ||
	       is_space(c) || c < 0x20 || c == 0x7f;
}

/* A parameter name: RFC 5987 parmname is stricter; we accept anything that
 * cannot be confused with structure, so that odd vendor attributes pass. */
static int is_name_char(uint8_t c)
{
	return !is_delim(c);
}

/* A bare (unquoted) value as we read it: like a name, '=' allowed. */
static int is_bare_char(uint8_t c)
{
	return c == '=' || !is_delim(c);
}

/* A target: anything but whitespace, controls and angle brackets. */
static int is_target_char(uint8_t c)
{
	return c != '<' && c != '>' && !is_space(c) && c >= 0x20 && c != 0x7f;
}

/* RFC 6690 ptokenchar: what a value may hold and still go out unquoted. */
static int is_ptoken_char(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'()*+-./:<=>?@[]^_`{|}~", c) != NULL;
}

static size_t skip_space(const uint8_t *d, size_t len, size_t i)
{
	while (i < len && is_space(d[i]))
		i++;
	return i;
}

static int oom(struct lw_codec_error *err, size_t at)
{
	lw_codec_fail(err, at, "out of memory");
	return LW_ENOMEM;
}

/*
 * A quoted value starting at d[*pos] == '"'. Escapes are undone into a
 * scratch buffer only when there are any, so the common case copies once
 * (into the links' arena).
 */
static int read_quoted(const uint8_t *d, size_t len, size_t *pos, lw_links *out, const uint8_t *name,
                       size_t name_len, struct lw_codec_error *err)
{
	size_t open = *pos, i = open + 1, escapes = 0;
	for (; i < len && d[i] != '"'; i++) {
		if (d[i] == 0)
			return lw_codec_fail(err, i, "NUL byte in quoted value");
		if (d[i] == '\\') {
			escapes++;
			i++;
			if (i < len && d[i] == 0)
				return lw_codec_fail(err, i, "NUL byte in quoted value");
		}
	}
	if (i >= len)
		return lw_codec_fail(err, open, "unterminated quoted value");
	const uint8_t *v = d + open + 1;
	size_t vlen = i - open - 1;
	*pos = i + 1;
	int rc;
	if (!escapes) {
		rc = lw_links_add_attr(out, (const char *)name, name_len, (const char *)v, vlen, 1);
	} else {
		uint8_t small[256];
		uint8_t *tmp = vlen <= sizeof(small) ? small : malloc(vlen);
		if (!tmp)
			return oom(err, open);
		size_t n = 0;
		for (size_t k = 0; k < vlen; k++) {
			if (v[k] == '\\')
				k++;
			tmp[n++] = v[k];
		}
		rc = lw_links_add_attr(out, (const char *)name, name_len, (const char *)tmp, n, 1);
		if (tmp != small)
			free(tmp);
	}
	return rc ? oom(err, open) : 0;
}

/* One ";name[=value]" after the ';' at d[*pos - 1]; an empty one is skipped. */
static int read_param(const uint8_t *d, size_t len, size_t *pos, lw_links *out,
                      struct lw_codec_error *err)
{
	size_t i = skip_space(d, len, *pos);
	if (i >= len || d[i] == ',' || d[i] == ';') {
		*pos = i;
		return 0;
	}
	size_t name_at = i;
	while (i < len && is_name_char(d[i]))
		i++;
	if (i == name_at) {
		if (d[i] == '=')
			return lw_codec_fail(err, i, "attribute without a name");
		return lw_codec_fail(err, i, "unexpected '%c' where an attribute name should be",
		                     d[i] >= 0x20 && d[i] < 0x7f ? d[i] : '?');
	}
	size_t name_len = i - name_at;
	i = skip_space(d, len, i);
	if (i >= len || d[i] != '=') {
		*pos = i;
		if (lw_links_add_attr(out, (const char *)d + name_at, name_len, NULL, 0, 0))
			return oom(err, name_at);
		return 0;
	}
	i = skip_space(d, len, i + 1);
	if (i < len && d[i] == '"') {
		*pos = i;
		return read_quoted(d, len, pos, out, d + name_at, name_len, err);
	}
	size_t v_at = i;
	while (i < len && is_bare_char(d[i]))
		i++;
	if (i == v_at && i < len && d[i] != ',' && d[i] != ';' && !is_space(d[i]))
		return lw_codec_fail(err, i, "unexpected byte 0x%02x in the value of %.*s", d[i],
		                     (int)(name_len > 32 ? 32 : name_len), (const char *)d + name_at);
	/* "a=" with nothing after it: an empty bare value, kept as written. */
	*pos = i;
	if (lw_links_add_attr(out, (const char *)d + name_at, name_len, (const char *)d + v_at,
	                      i - v_at, 0))
		return oom(err, name_at);
	return 0;
}

static int link_decode(const uint8_t *d, size_t len, lw_links *out, struct lw_codec_error *err)
{
	size_t i = 0;
	for (;;) {
		i = skip_space(d, len, i);
		/* Empty entries (",,", a trailing ',') are skipped. */
		while (i < len && d[i] == ',')
			i = skip_space(d, len, i + 1);
		if (i >= len)
			return 0;
		if (d[i] != '<')
			return lw_codec_fail(err, i, "expected '<' to start a link");
		size_t open = i++;
		while (i < len && is_target_char(d[i]))
			i++;
		if (i >= len)
			return lw_codec_fail(err, open, "unterminated target (no '>')");
		if (d[i] != '>') {
			if (d[i] == '<')
				return lw_codec_fail(err, i, "'<' inside a target (missing '>'?)");
			return lw_codec_fail(err, i, "byte 0x%02x inside a target", d[i]);
		}
		if (!lw_links_add(out, (const char *)d + open + 1, i - open - 1)) {
			if (out->max_items && out->n >= out->max_items)
				return lw_codec_fail(err, open, "too many links (at most %zu)",
				                     out->max_items);
			return oom(err, open);
		}
		i = skip_space(d, len, i + 1);
		while (i < len && d[i] == ';') {
			i++;
			int rc = read_param(d, len, &i, out, err);
			if (rc)
				return rc;
			i = skip_space(d, len, i);
		}
		if (i >= len)
			return 0;
		if (d[i] != ',') {
			if (d[i] == '<')
				return lw_codec_fail(err, i, "expected ',' between links");
			return lw_codec_fail(err, i, "expected ',' or ';' after a link, not '%c'",
			                     d[i] >= 0x20 && d[i] < 0x7f ? d[i] : '?');
		}
		i++;
	}
}

static int needs_quotes(const char *v)
{
	if (!*v)
		return 1;
	for (const uint8_t *p = (const uint8_t *)v; *p; p++)
		if (!is_ptoken_char(*p))
			return 1;
	return 0;
}

/* Appends that remember the first failure, so that encode reads straight. */
struct out {
	lw_buf *b;
	int rc;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (!o->rc)
		o->rc = lw_buf_append(o->b, p, n);
}

static void put_c(struct out *o, char c)
{
	put(o, &c, 1);
}

static int check_chars(const char *s, int (*ok)(uint8_t), size_t n, const char *what,
                       struct lw_codec_error *err)
{
	for (const uint8_t *p = (const uint8_t *)s; *p; p++)
		if (!ok(*p))
			return lw_codec_fail(err, n, "link %zu: %s cannot hold byte 0x%02x", n, what, *p);
	return 0;
}

static int link_encode(const lw_links *in, lw_buf *buf, struct lw_codec_error *err)
{
	struct out o = {buf, 0};
	for (size_t n = 0; n < in->n && !o.rc; n++) {
		const struct lw_link *k = &in->items[n];
		if (check_chars(k->target, is_target_char, n, "a target", err))
			return LW_EINVAL;
		if (n)
			put_c(&o, ',');
		put_c(&o, '<');
		put(&o, k->target, strlen(k->target));
		put_c(&o, '>');
		for (size_t a = 0; a < k->n_attrs; a++) {
			const struct lw_link_attr *at = &k->attrs[a];
			if (!at->name[0])
				return lw_codec_fail(err, n, "link %zu: attribute without a name", n);
			if (check_chars(at->name, is_name_char, n, "an attribute name", err))
				return LW_EINVAL;
			put_c(&o, ';');
			put(&o, at->name, strlen(at->name));
			if (!at->value)
				continue;
			put_c(&o, '=');
			if (!at->quoted && !needs_quotes(at->value)) {
				put(&o, at->value, strlen(at->value));
				continue;
			}
			put_c(&o, '"');
			for (const char *p = at->value; *p; p++) {
				if (*p == '"' || *p == '\\')
					put_c(&o, '\\');
				put_c(&o, *p);
			}
			put_c(&o, '"');
		}
	}
	if (o.rc)
		lw_codec_fail(err, buf->len, "cannot grow the output: %s", lw_strerror(o.rc));
	return o.rc;
}

const struct lw_codec lw_codec_link = {
	.content_format = LW_CF_LINK,
	.media_type = "application/link-format",
	.name = "link",
	.decode_links = link_decode,
	.encode_links = link_encode,
};
