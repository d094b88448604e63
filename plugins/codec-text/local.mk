# codec-text: text/plain (0). The unit test and the fuzzer compile text.c
# themselves and link the core for the records, the model and lw_codec_fail;
# the unit test also loads the built module (make check builds it first).
plugin_LTLIBRARIES += plugins/codec-text/codec-text.la
plugins_codec_text_codec_text_la_SOURCES = plugins/codec-text/text.c plugins/codec-text/text.h \
	plugins/codec-opaque/one_value.h plugins/codec-text/plugin.c
plugins_codec_text_codec_text_la_LDFLAGS = $(CODEC_MODULE)
plugins_codec_text_codec_text_la_LIBADD = -lm
EXTRA_DIST += plugins/codec-text/README.md tests/fuzz/corpus/codec-text

check_PROGRAMS += tests/unit/test-codec-text
TESTS += tests/unit/test-codec-text
tests_unit_test_codec_text_SOURCES = tests/unit/test_codec_text.c plugins/codec-text/text.c
tests_unit_test_codec_text_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_codec_text_LDADD = $(CODEC_TEST_LIBS) -lm
# The test loads the built module, which resolves the ABI from the program.
tests_unit_test_codec_text_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-text
tests_fuzz_fuzz_codec_text_SOURCES = tests/fuzz/fuzz_codec_text.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h plugins/codec-text/text.c
tests_fuzz_fuzz_codec_text_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_text_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_text_LDADD = core/liblwcore.la -lm
endif
