# SenML JSON codec (content format 110): the module, its unit test and its
# fuzzer. jsonkit.c is shared with plugins/codec-json.
plugin_LTLIBRARIES += plugins/codec-senml-json/codec-senml-json.la
plugins_codec_senml_json_codec_senml_json_la_SOURCES = \
	plugins/codec-senml-json/senml_json.c \
	plugins/codec-senml-json/jsonkit.c \
	plugins/codec-senml-json/jsonkit.h \
	plugins/codec-senml-json/plugin.c
plugins_codec_senml_json_codec_senml_json_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_codec_senml_json_codec_senml_json_la_LIBADD = $(JANSSON_LIBS)
plugins_codec_senml_json_codec_senml_json_la_LDFLAGS = $(CODEC_MODULE)
EXTRA_DIST += plugins/codec-senml-json/README.md tests/fuzz/corpus/codec-senml-json

check_PROGRAMS += tests/unit/test-codec-senml-json
TESTS += tests/unit/test-codec-senml-json
tests_unit_test_codec_senml_json_SOURCES = tests/unit/test_codec_senml_json.c \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c
tests_unit_test_codec_senml_json_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_codec_senml_json_LDADD = $(CODEC_TEST_LIBS) $(JANSSON_LIBS)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-codec-senml-json
tests_fuzz_fuzz_codec_senml_json_SOURCES = tests/fuzz/fuzz_codec_senml_json.c \
	tests/fuzz/codec_fuzzkit.c tests/fuzz/codec_fuzzkit.h \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c
tests_fuzz_fuzz_codec_senml_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_senml_json_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_senml_json_LDADD = core/liblwcore.la $(JANSSON_LIBS)
endif
