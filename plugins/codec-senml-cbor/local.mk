# SenML CBOR (content format 112): the plugin module, its unit test (which
# compiles the codec's sources directly) and its fuzzer. cbor_io.c is shared
# with plugins/codec-lwm2m-cbor, which compiles it into its own module.
plugin_LTLIBRARIES += plugins/codec-senml-cbor/codec-senml-cbor.la
plugins_codec_senml_cbor_codec_senml_cbor_la_SOURCES = \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/senml_cbor.h \
	plugins/codec-senml-cbor/cbor_io.c plugins/codec-senml-cbor/cbor_io.h \
	plugins/codec-senml-cbor/plugin.c
plugins_codec_senml_cbor_codec_senml_cbor_la_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
plugins_codec_senml_cbor_codec_senml_cbor_la_LIBADD = $(LIBCBOR_LIBS) -lm
plugins_codec_senml_cbor_codec_senml_cbor_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-senml-cbor/README.md

check_PROGRAMS += tests/unit/test-codec-senml-cbor
TESTS += tests/unit/test-codec-senml-cbor
tests_unit_test_codec_senml_cbor_SOURCES = tests/unit/test_codec_senml_cbor.c \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c
tests_unit_test_codec_senml_cbor_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/codec-senml-cbor
tests_unit_test_codec_senml_cbor_CFLAGS = $(TEST_CFLAGS) $(LIBCBOR_CFLAGS)
tests_unit_test_codec_senml_cbor_LDADD = $(CODEC_TEST_LIBS) $(LIBCBOR_LIBS) -lm

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-senml-cbor
tests_fuzz_fuzz_codec_senml_cbor_SOURCES = tests/fuzz/fuzz_codec_senml_cbor.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c
tests_fuzz_fuzz_codec_senml_cbor_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/codec-senml-cbor
tests_fuzz_fuzz_codec_senml_cbor_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_senml_cbor_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_senml_cbor_LDADD = core/liblwcore.la $(LIBCBOR_LIBS) -lm
endif
