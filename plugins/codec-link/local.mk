# codec-link: the CoRE link format (RFC 6690, content format 40) as a codec
# plugin, its unit test (link.c compiled in) and its fuzzer.
plugin_LTLIBRARIES += plugins/codec-link/codec-link.la
plugins_codec_link_codec_link_la_SOURCES = plugins/codec-link/link.c plugins/codec-link/plugin.c
plugins_codec_link_codec_link_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-link/README.md

check_PROGRAMS += tests/unit/test-codec-link
TESTS += tests/unit/test-codec-link
tests_unit_test_codec_link_SOURCES = tests/unit/test_codec_link.c plugins/codec-link/link.c
tests_unit_test_codec_link_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_codec_link_LDADD = $(CODEC_TEST_LIBS)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-link
tests_fuzz_fuzz_codec_link_SOURCES = tests/fuzz/fuzz_codec_link.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h plugins/codec-link/link.c
tests_fuzz_fuzz_codec_link_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_link_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_link_LDADD = core/liblwcore.la
endif
