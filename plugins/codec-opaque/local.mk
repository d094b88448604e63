# codec-opaque: application/octet-stream (42). The unit test compiles
# opaque.c itself and links the core for the records and the model; it also
# loads the built module (make check builds it first).
plugin_LTLIBRARIES += plugins/codec-opaque/codec-opaque.la
plugins_codec_opaque_codec_opaque_la_SOURCES = plugins/codec-opaque/opaque.c \
	plugins/codec-opaque/opaque.h plugins/codec-opaque/one_value.h plugins/codec-opaque/plugin.c
plugins_codec_opaque_codec_opaque_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-opaque/README.md

check_PROGRAMS += tests/unit/test-codec-opaque
TESTS += tests/unit/test-codec-opaque
tests_unit_test_codec_opaque_SOURCES = tests/unit/test_codec_opaque.c \
	plugins/codec-opaque/opaque.c
tests_unit_test_codec_opaque_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_codec_opaque_LDADD = $(CODEC_TEST_LIBS)
# The test loads the built module, which resolves the ABI from the program.
tests_unit_test_codec_opaque_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-opaque
tests_fuzz_fuzz_codec_opaque_SOURCES = tests/fuzz/fuzz_codec_opaque.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h plugins/codec-opaque/opaque.c
tests_fuzz_fuzz_codec_opaque_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_opaque_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_opaque_LDADD = core/liblwcore.la -lm
endif
