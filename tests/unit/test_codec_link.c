/*
 * tests/unit/test_codec_link.c: the CoRE link format codec (plugins/codec-link)
 * with what devices really send (Register and Update payloads of LwM2M 1.0,
 * 1.1 and 1.2 clients, Discover answers), the examples of RFC 6690 section 5,
 * the canonical form the encoder writes, and every error with its offset.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwm2m/codec.h"
#include "lwm2m/error.h"
#include "lwm2m/links.h"

extern const struct lw_codec lw_codec_link;

static lw_links links;
static struct lw_codec_error err;

static void setup(void)
{
	lw_links_init(&links);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	lw_links_free(&links);
}

TestSuite(link, .init = setup, .fini = teardown, .timeout = 10);

static int decode(const char *text)
{
	lw_links_clear(&links);
	memset(&err, 0, sizeof(err));
	return lw_codec_link.decode_links((const uint8_t *)text, strlen(text), &links, &err);
}

/* Encodes links into a NUL-terminated malloc'd string (NULL on failure). */
static char *encode(const lw_links *l, int *rc)
{
	lw_buf b;
	lw_buf_init(&b);
	*rc = lw_codec_link.encode_links(l, &b, &err);
	char *s = NULL;
	if (*rc == 0) {
		s = malloc(b.len + 1);
		cr_assert(s);
		if (b.len)
			memcpy(s, b.data, b.len);
		s[b.len] = '\0';
	}
	lw_buf_free(&b);
	return s;
}

static void expect_attr(size_t link, const char *name, const char *value, int quoted)
{
	cr_assert_lt(link, links.n);
	const struct lw_link *k = &links.items[link];
	for (size_t a = 0; a < k->n_attrs; a++) {
		if (strcmp(k->attrs[a].name, name) != 0)
			continue;
		if (!value)
			cr_expect_null(k->attrs[a].value, "link %zu %s has value %s", link, name,
			               k->attrs[a].value);
		else
			cr_expect_str_eq(k->attrs[a].value, value, "link %zu attribute %s", link, name);
		cr_expect_eq(k->attrs[a].quoted, quoted, "link %zu %s quoted %d", link, name,
		             k->attrs[a].quoted);
		return;
	}
	cr_expect_fail("link %zu (%s) has no attribute %s", link, k->target, name);
}

static void expect_path(size_t link, int depth, uint16_t o, uint16_t i, uint16_t r)
{
	cr_assert_lt(link, links.n);
	const struct lw_link *k = &links.items[link];
	cr_expect(k->is_path, "link %zu (%s) is not a path", link, k->target);
	lw_path want = lw_path_make(depth, o, i, r, 0);
	cr_expect(lw_path_equal(&k->path, &want), "link %zu (%s): wrong path", link, k->target);
}

static void expect_error(const char *text, size_t offset, const char *words)
{
	int rc = decode(text);
	cr_expect_eq(rc, LW_EINVAL, "\"%s\" decoded (rc %d)", text, rc);
	cr_expect_eq(err.offset, offset, "\"%s\": offset %zu, expected %zu (%s)", text, err.offset,
	             offset, err.message);
	cr_expect(strstr(err.message, words), "\"%s\": message \"%s\" lacks \"%s\"", text,
	          err.message, words);
}

Test(link, descriptor)
{
	cr_expect_eq(lw_codec_link.content_format, 40);
	cr_expect_eq(lw_codec_link.content_format, LW_CF_LINK);
	cr_expect_str_eq(lw_codec_link.name, "link");
	cr_expect_str_eq(lw_codec_link.media_type, "application/link-format");
	cr_expect_null(lw_codec_link.decode);
	cr_expect_null(lw_codec_link.encode);
	cr_expect_not_null(lw_codec_link.decode_links);
	cr_expect_not_null(lw_codec_link.encode_links);
}

/* A 1.1 client's Register payload: root link with rt and ct, a space after a
 * comma, object versions, an object without instances, a vendor object. */
Test(link, register_lwm2m_1_1)
{
	cr_assert_eq(decode("</>;rt=\"oma.lwm2m\";ct=110, </1/0>,</3/0>;ver=1.1,</3303>;ver=1.1,"
	                    "</10241/0>"),
	             0, "%s at %zu", err.message, err.offset);
	cr_assert_eq(links.n, 5);
	cr_expect_str_eq(links.items[0].target, "/");
	expect_path(0, 0, 0, 0, 0);
	cr_expect_eq(links.items[0].n_attrs, 2);
	expect_attr(0, "rt", "oma.lwm2m", 1);
	expect_attr(0, "ct", "110", 0);
	expect_path(1, 2, 1, 0, 0);
	cr_expect_eq(links.items[1].n_attrs, 0);
	expect_path(2, 2, 3, 0, 0);
	expect_attr(2, "ver", "1.1", 0);
	expect_path(3, 1, 3303, 0, 0);
	expect_attr(3, "ver", "1.1", 0);
	expect_path(4, 2, 10241, 0, 0);
	cr_expect_str_eq(lw_link_attr(&links.items[0], "ct"), "110");
	cr_expect_null(lw_link_attr(&links.items[0], "ver"));
}

/* 1.0 clients with an alternate path: targets that are not LwM2M paths. */
Test(link, register_alternate_path)
{
	cr_assert_eq(decode("</lwm2m>;rt=\"oma.lwm2m\",</lwm2m/1/0>,</lwm2m/3/0>,</lwm2m/26241/3>"),
	             0, "%s", err.message);
	cr_assert_eq(links.n, 4);
	cr_expect_str_eq(links.items[0].target, "/lwm2m");
	cr_expect_not(links.items[0].is_path);
	cr_expect_str_eq(links.items[3].target, "/lwm2m/26241/3");
	cr_expect_not(links.items[3].is_path);
	expect_attr(0, "rt", "oma.lwm2m", 1);
}

/* Clients that wrap the list over lines, indent, and put spaces around every
 * delimiter; a trailing comma and semicolon. */
Test(link, whitespace_everywhere)
{
	cr_assert_eq(decode("\r\n  </1/0> ,\n\t</3/0> ; ver = 1.1 ;\n rt = \"x\" ,\r\n</5>;,\n"), 0,
	             "%s at %zu", err.message, err.offset);
	cr_assert_eq(links.n, 3);
	expect_path(0, 2, 1, 0, 0);
	expect_path(1, 2, 3, 0, 0);
	expect_attr(1, "ver", "1.1", 0);
	expect_attr(1, "rt", "x", 1);
	expect_path(2, 1, 5, 0, 0);
	cr_expect_eq(links.items[2].n_attrs, 0);
}

Test(link, empty_input_is_an_empty_list)
{
	cr_expect_eq(decode(""), 0);
	cr_expect_eq(links.n, 0);
	cr_expect_eq(decode(" \r\n\t "), 0);
	cr_expect_eq(links.n, 0);
	cr_expect_eq(lw_codec_link.decode_links(NULL, 0, &links, &err), 0);
	cr_expect_eq(links.n, 0);
}

Test(link, quoted_values_and_escapes)
{
	cr_assert_eq(decode("</a>;title=\"say \\\"hi\\\" \\\\ bye\";rt=\"x;y,z\";if=\"\";"
	                    "n=\"\xc3\xa9t\xc3\xa9\""),
	             0, "%s", err.message);
	cr_assert_eq(links.n, 1);
	expect_attr(0, "title", "say \"hi\" \\ bye", 1);
	expect_attr(0, "rt", "x;y,z", 1); /* delimiters inside quotes are text */
	expect_attr(0, "if", "", 1);
	expect_attr(0, "n", "\xc3\xa9t\xc3\xa9", 1);
}

/* Long quoted values with escapes take the allocating path of the unescaper. */
Test(link, long_escaped_value)
{
	char text[2200], want[1100];
	size_t o = 0, w = 0;
	o += (size_t)sprintf(text, "</a>;d=\"");
	for (int i = 0; i < 500; i++) {
		text[o++] = '\\';
		text[o++] = i % 2 ? '"' : 'q';
		want[w++] = i % 2 ? '"' : 'q';
	}
	text[o++] = '"';
	text[o] = '\0';
	want[w] = '\0';
	cr_assert_eq(decode(text), 0, "%s", err.message);
	expect_attr(0, "d", want, 1);
}

Test(link, attributes_without_values)
{
	cr_assert_eq(decode("</3/0/5>;obs;pmin=5;x,</3/0/6>;y"), 0, "%s", err.message);
	cr_assert_eq(links.n, 2);
	expect_attr(0, "obs", NULL, 0);
	expect_attr(0, "pmin", "5", 0);
	expect_attr(0, "x", NULL, 0);
	expect_attr(1, "y", NULL, 0);
	cr_expect(lw_link_has_attr(&links.items[0], "obs"));
	cr_expect_null(lw_link_attr(&links.items[0], "obs"));
	cr_expect_not(lw_link_has_attr(&links.items[0], "y"));
}

/* A Discover answer on an instance: attributes on the instance and on single
 * resources, dim on multi-instance ones, decimal thresholds. */
Test(link, discover_answer)
{
	cr_assert_eq(decode("</3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=8,</3/0/8>;dim=8;gt=50;lt=42.2;"
	                    "st=0.5,</3/0/11>;dim=1"),
	             0, "%s", err.message);
	cr_assert_eq(links.n, 5);
	expect_path(0, 2, 3, 0, 0);
	expect_attr(0, "pmin", "10", 0);
	expect_path(1, 3, 3, 0, 1);
	expect_path(2, 3, 3, 0, 7);
	expect_attr(2, "dim", "8", 0);
	expect_attr(3, "gt", "50", 0);
	expect_attr(3, "lt", "42.2", 0);
	expect_attr(3, "st", "0.5", 0);
	expect_path(4, 3, 3, 0, 11);
	cr_expect_eq(links.items[3].n_attrs, 4);
}

/* Bootstrap-Discover (1.1) answers carry ssid and uri on Security and Server
 * instances, and lwm2m on the root. */
Test(link, bootstrap_discover_answer)
{
	cr_assert_eq(decode("</>;lwm2m=1.1,</0/0>,</0/1>;ssid=101;uri=\"coaps://lwm2m.example.com:5684\","
	                    "</1/0>;ssid=101,</3/0>"),
	             0, "%s", err.message);
	cr_assert_eq(links.n, 5);
	expect_attr(0, "lwm2m", "1.1", 0);
	expect_attr(2, "ssid", "101", 0);
	expect_attr(2, "uri", "coaps://lwm2m.example.com:5684", 1);
	expect_attr(3, "ssid", "101", 0);
}

/* RFC 6690 section 5: the example answers of a CoRE resource directory. */
Test(link, rfc6690_examples)
{
	cr_assert_eq(decode("</sensors/temp>;if=\"sensor\",\n</sensors/light>;if=\"sensor\""), 0);
	cr_assert_eq(links.n, 2);
	cr_expect_str_eq(links.items[0].target, "/sensors/temp");
	cr_expect_not(links.items[0].is_path);
	expect_attr(1, "if", "sensor", 1);

	cr_assert_eq(decode("</sensors>;ct=40"), 0);
	cr_assert_eq(links.n, 1);
	expect_attr(0, "ct", "40", 0);

	cr_assert_eq(decode("</sensors/temp>;rt=\"temperature-c\";if=\"sensor\",\n"
	                    "</sensors/light>;rt=\"light-lux\";if=\"sensor\""),
	             0);
	cr_assert_eq(links.n, 2);
	expect_attr(0, "rt", "temperature-c", 1);
	expect_attr(1, "rt", "light-lux", 1);

	cr_assert_eq(decode("<http://www.example.com/sensors/t123>;anchor=\"/sensors/temp\";"
	                    "rel=\"describedby\",\n</t>;anchor=\"/sensors/temp\";rel=\"alternate\""),
	             0, "%s", err.message);
	cr_assert_eq(links.n, 2);
	cr_expect_str_eq(links.items[0].target, "http://www.example.com/sensors/t123");
	expect_attr(0, "anchor", "/sensors/temp", 1);
	expect_attr(1, "rel", "alternate", 1);

	cr_assert_eq(decode("</firmware/v2.1>;rt=\"firmware\";sz=262144"), 0);
	expect_attr(0, "sz", "262144", 0);
}

Test(link, errors_with_offsets)
{
	expect_error("abc", 0, "expected '<'");
	expect_error("  /1/0>", 2, "expected '<'");
	expect_error("</1/0>,</3/0", 7, "unterminated target");
	expect_error("<", 0, "unterminated target");
	expect_error("</a>;t=\"abc", 7, "unterminated quoted value");
	expect_error("</a>;t=\"abc\\\"", 7, "unterminated quoted value");
	expect_error("</1/0></3/0>", 6, "expected ','");
	expect_error("</1/0>;ver=1.1 </3/0>", 15, "expected ','");
	expect_error("</a b>", 3, "inside a target");
	expect_error("</1/0,</3/0>", 6, "'<' inside a target");
	expect_error("</a>;=5", 5, "attribute without a name");
	expect_error("</a>;x=\"ok\"z", 11, "expected ','");
	expect_error("</a>;x=<b", 7, "unexpected byte 0x3c");
	expect_error("</a>;\"x\"", 5, "attribute name");
	expect_error("</a> x", 5, "expected ','");
}

Test(link, nul_bytes_refused)
{
	static const uint8_t in_target[] = "</a\0b>";
	static const uint8_t in_quotes[] = "</a>;t=\"a\0b\"";
	int rc = lw_codec_link.decode_links(in_target, sizeof(in_target) - 1, &links, &err);
	cr_expect_eq(rc, LW_EINVAL);
	cr_expect_eq(err.offset, 3);
	lw_links_clear(&links);
	rc = lw_codec_link.decode_links(in_quotes, sizeof(in_quotes) - 1, &links, &err);
	cr_expect_eq(rc, LW_EINVAL);
	cr_expect_eq(err.offset, 9);
	cr_expect(strstr(err.message, "NUL"));
}

Test(link, max_items)
{
	links.max_items = 2;
	int rc = decode("</1/0>,</3/0>,</4/0>");
	cr_expect_eq(rc, LW_EINVAL);
	cr_expect_eq(err.offset, 14);
	cr_expect(strstr(err.message, "too many links"), "%s", err.message);
	cr_expect_eq(decode("</1/0>,</3/0>"), 0);
}

/* Whatever the spacing and quoting came in as, out goes one canonical form. */
Test(link, encode_canonical)
{
	cr_assert_eq(decode("</>;rt=\"oma.lwm2m\";ct=110, </1/0>,\n</3/0>;ver=1.1, </3303>;ver=1.1,"
	                    "</10241/0>;obs;title=\"a \\\"b\\\"\""),
	             0);
	int rc;
	char *s = encode(&links, &rc);
	cr_assert_eq(rc, 0, "%s", err.message);
	cr_expect_str_eq(s, "</>;rt=\"oma.lwm2m\";ct=110,</1/0>,</3/0>;ver=1.1,</3303>;ver=1.1,"
	                    "</10241/0>;obs;title=\"a \\\"b\\\"\"");
	free(s);
}

/* Quotes where the value needs them (non-ptoken bytes, empty) or where the
 * link says so; bare otherwise. */
Test(link, encode_quoting)
{
	cr_assert_not_null(lw_links_add(&links, "/3/0/1", 6));
	cr_assert_eq(lw_links_add_attr(&links, "a", 1, "plain.token-1/x:y", 17, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "b", 1, "has space", 9, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "c", 1, "", 0, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "d", 1, "tok", 3, 1), 0);
	cr_assert_eq(lw_links_add_attr(&links, "e", 1, "q\"b\\s", 5, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "f", 1, NULL, 0, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "g", 1, "x,y;z", 5, 0), 0);
	cr_assert_eq(lw_links_add_attr(&links, "h", 1, "\xc3\xa9", 2, 0), 0);
	int rc;
	char *s = encode(&links, &rc);
	cr_assert_eq(rc, 0, "%s", err.message);
	cr_expect_str_eq(s, "</3/0/1>;a=plain.token-1/x:y;b=\"has space\";c=\"\";d=\"tok\";"
	                    "e=\"q\\\"b\\\\s\";f;g=\"x,y;z\";h=\"\xc3\xa9\"");
	free(s);
}

Test(link, encode_empty_list)
{
	int rc;
	char *s = encode(&links, &rc);
	cr_assert_eq(rc, 0);
	cr_expect_str_eq(s, "");
	free(s);
}

Test(link, encode_refuses_what_cannot_be_written)
{
	cr_assert_not_null(lw_links_add(&links, "/a>b", 4));
	int rc;
	char *s = encode(&links, &rc);
	cr_expect_eq(rc, LW_EINVAL);
	cr_expect_null(s);
	cr_expect(strstr(err.message, "target"), "%s", err.message);

	lw_links_clear(&links);
	cr_assert_not_null(lw_links_add(&links, "/a", 2));
	cr_assert_eq(lw_links_add_attr(&links, "x;y", 3, "1", 1, 0), 0);
	s = encode(&links, &rc);
	cr_expect_eq(rc, LW_EINVAL);
	cr_expect(strstr(err.message, "attribute name"), "%s", err.message);

	lw_links_clear(&links);
	cr_assert_not_null(lw_links_add(&links, "/a", 2));
	cr_assert_eq(lw_links_add_attr(&links, "", 0, "1", 1, 0), 0);
	s = encode(&links, &rc);
	cr_expect_eq(rc, LW_EINVAL);
}

Test(link, encode_bounded_output)
{
	cr_assert_eq(decode("</1/0>,</3/0>;ver=1.1,</5/0>"), 0);
	lw_buf b;
	lw_buf_init(&b);
	b.max = 10;
	int rc = lw_codec_link.encode_links(&links, &b, &err);
	cr_expect_eq(rc, LW_ENOSPC, "rc %d", rc);
	cr_expect(err.message[0]);
	lw_buf_free(&b);
}

/* decode(encode(decode(x))) is decode(x): nothing is lost on the way out. */
Test(link, round_trips)
{
	static const char *const inputs[] = {
		"</>;rt=\"oma.lwm2m\";ct=110, </1/0>,</3/0>;ver=1.1,</3303>;ver=1.1,</10241/0>",
		"</3/0>;pmin=10,</3/0/1>,</3/0/7>;dim=8",
		"</a>;t=\"x \\\"y\\\" \\\\\";e=;f;g=\"\"",
		"<coap://[::1]:5683/x?y=1&z>;rel=\"a b\"",
		"</3/0>;x=\xc3\xa9;y=a=b",
		"",
	};
	for (size_t t = 0; t < sizeof(inputs) / sizeof(*inputs); t++) {
		cr_assert_eq(decode(inputs[t]), 0, "input %zu: %s", t, err.message);
		int rc;
		char *s = encode(&links, &rc);
		cr_assert_eq(rc, 0, "input %zu: %s", t, err.message);
		lw_links first = links;
		lw_links_init(&links);
		cr_assert_eq(decode(s), 0, "re-decode of \"%s\": %s", s, err.message);
		cr_assert_eq(links.n, first.n, "input %zu", t);
		for (size_t i = 0; i < first.n; i++) {
			const struct lw_link *a = &first.items[i], *b = &links.items[i];
			cr_expect_str_eq(a->target, b->target);
			cr_assert_eq(a->n_attrs, b->n_attrs);
			for (size_t k = 0; k < a->n_attrs; k++) {
				cr_expect_str_eq(a->attrs[k].name, b->attrs[k].name);
				cr_expect_eq(!a->attrs[k].value, !b->attrs[k].value);
				if (a->attrs[k].value)
					cr_expect_str_eq(a->attrs[k].value, b->attrs[k].value,
					                 "input %zu link %zu attr %s", t, i,
					                 a->attrs[k].name);
				if (a->attrs[k].quoted)
					cr_expect(b->attrs[k].quoted);
			}
		}
		lw_links_free(&first);
		free(s);
	}
}
