# codec-tlv: OMA TLV (11542, and 1542 for LwM2M 1.0 clients). The unit test
# and the fuzzer compile tlv.c themselves and link the core for the records,
# the model and lw_codec_fail; the unit test also loads the built module
# (make check builds it first).
plugin_LTLIBRARIES += plugins/codec-tlv/codec-tlv.la
plugins_codec_tlv_codec_tlv_la_SOURCES = plugins/codec-tlv/tlv.c plugins/codec-tlv/tlv.h \
	plugins/codec-tlv/plugin.c
plugins_codec_tlv_codec_tlv_la_LDFLAGS = $(CODEC_MODULE)
plugins_codec_tlv_codec_tlv_la_LIBADD = -lm
EXTRA_DIST += plugins/codec-tlv/README.md tests/fuzz/corpus/codec-tlv

check_PROGRAMS += tests/unit/test-codec-tlv
TESTS += tests/unit/test-codec-tlv
tests_unit_test_codec_tlv_SOURCES = tests/unit/test_codec_tlv.c plugins/codec-tlv/tlv.c
tests_unit_test_codec_tlv_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_codec_tlv_LDADD = $(CODEC_TEST_LIBS) -lm
# The test loads the built module, which resolves the ABI from the program.
tests_unit_test_codec_tlv_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-tlv
tests_fuzz_fuzz_codec_tlv_SOURCES = tests/fuzz/fuzz_codec_tlv.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h plugins/codec-tlv/tlv.c
tests_fuzz_fuzz_codec_tlv_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_tlv_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_tlv_LDADD = core/liblwcore.la -lm
endif
