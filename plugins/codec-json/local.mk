# OMA JSON codec (content formats 11543 and legacy 1543): the module, its unit
# test and its fuzzer. It shares jsonkit.c with plugins/codec-senml-json.
plugin_LTLIBRARIES += plugins/codec-json/codec-json.la
plugins_codec_json_codec_json_la_SOURCES = \
	plugins/codec-json/json.c \
	plugins/codec-senml-json/jsonkit.c \
	plugins/codec-senml-json/jsonkit.h \
	plugins/codec-json/plugin.c
plugins_codec_json_codec_json_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_codec_json_codec_json_la_LIBADD = $(JANSSON_LIBS)
plugins_codec_json_codec_json_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-json/README.md tests/fuzz/corpus/codec-json

check_PROGRAMS += tests/unit/test-codec-json
TESTS += tests/unit/test-codec-json
tests_unit_test_codec_json_SOURCES = tests/unit/test_codec_json.c \
	plugins/codec-json/json.c plugins/codec-senml-json/jsonkit.c
tests_unit_test_codec_json_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_codec_json_LDADD = $(CODEC_TEST_LIBS) $(JANSSON_LIBS)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-json
tests_fuzz_fuzz_codec_json_SOURCES = tests/fuzz/fuzz_codec_json.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h \
	plugins/codec-json/json.c plugins/codec-senml-json/jsonkit.c
tests_fuzz_fuzz_codec_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_json_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_json_LDADD = core/liblwcore.la $(JANSSON_LIBS)
endif
