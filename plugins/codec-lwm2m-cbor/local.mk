# LwM2M CBOR (content format 11544, LwM2M 1.2): the plugin module, its unit
# test (which compiles the codec's sources directly) and its fuzzer. The CBOR
# tokenizer and writer are those of codec-senml-cbor (cbor_io.c), compiled in.
plugin_LTLIBRARIES += plugins/codec-lwm2m-cbor/codec-lwm2m-cbor.la
plugins_codec_lwm2m_cbor_codec_lwm2m_cbor_la_SOURCES = \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c plugins/codec-lwm2m-cbor/lwm2m_cbor.h \
	plugins/codec-lwm2m-cbor/plugin.c \
	plugins/codec-senml-cbor/cbor_io.c plugins/codec-senml-cbor/cbor_io.h
plugins_codec_lwm2m_cbor_codec_lwm2m_cbor_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/codec-senml-cbor
plugins_codec_lwm2m_cbor_codec_lwm2m_cbor_la_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS)
plugins_codec_lwm2m_cbor_codec_lwm2m_cbor_la_LIBADD = $(LIBCBOR_LIBS) -lm
plugins_codec_lwm2m_cbor_codec_lwm2m_cbor_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-lwm2m-cbor/README.md

check_PROGRAMS += tests/unit/test-codec-lwm2m-cbor
TESTS += tests/unit/test-codec-lwm2m-cbor
tests_unit_test_codec_lwm2m_cbor_SOURCES = tests/unit/test_codec_lwm2m_cbor.c \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c plugins/codec-senml-cbor/cbor_io.c
tests_unit_test_codec_lwm2m_cbor_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/codec-lwm2m-cbor -I$(top_srcdir)/plugins/codec-senml-cbor
tests_unit_test_codec_lwm2m_cbor_CFLAGS = $(TEST_CFLAGS) $(LIBCBOR_CFLAGS)
tests_unit_test_codec_lwm2m_cbor_LDADD = $(CODEC_TEST_LIBS) $(LIBCBOR_LIBS) -lm

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-lwm2m-cbor
tests_fuzz_fuzz_codec_lwm2m_cbor_SOURCES = tests/fuzz/fuzz_codec_lwm2m_cbor.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c plugins/codec-senml-cbor/cbor_io.c
tests_fuzz_fuzz_codec_lwm2m_cbor_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/codec-lwm2m-cbor -I$(top_srcdir)/plugins/codec-senml-cbor
tests_fuzz_fuzz_codec_lwm2m_cbor_CFLAGS = $(AM_CFLAGS) $(LIBCBOR_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_lwm2m_cbor_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_lwm2m_cbor_LDADD = core/liblwcore.la $(LIBCBOR_LIBS) -lm
endif
