# lwm2mctl, the operator's command line, the tests and fuzzer of the records
# <-> JSON module (core/lwm2m/records_json.c), and the codec benchmark.
bin_PROGRAMS += lwm2mctl
lwm2mctl_SOURCES = core/tools/lwm2mctl.c core/tools/rest_client.c core/tools/rest_client.h
lwm2mctl_CPPFLAGS = $(AM_CPPFLAGS) -DLW_PLUGIN_DIR='"$(plugindir)"'
lwm2mctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCURL_CFLAGS)
lwm2mctl_LDADD = core/liblwcore.la $(JANSSON_LIBS) $(LIBCURL_LIBS) -lm
# Export the plugin API (and only it), like lwm2md: codec plugins load into it.
lwm2mctl_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

check_PROGRAMS += tests/unit/test-records-json
TESTS += tests/unit/test-records-json
tests_unit_test_records_json_SOURCES = tests/unit/test_records_json.c
tests_unit_test_records_json_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_records_json_LDADD = $(TEST_LIBS) $(JANSSON_LIBS)

# Runs the built lwm2mctl with the staged codec plugins on files.
check_PROGRAMS += tests/integration/test-lwm2mctl
TESTS += tests/integration/test-lwm2mctl
tests_integration_test_lwm2mctl_SOURCES = tests/integration/test_lwm2mctl.c
tests_integration_test_lwm2mctl_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_lwm2mctl_LDADD = tests/integration/libharness.la $(TEST_LIBS) \
	$(JANSSON_LIBS)
EXTRA_tests_integration_test_lwm2mctl_DEPENDENCIES = lwm2mctl$(EXEEXT) $(plugin_LTLIBRARIES)

# Runs the built lwm2mctl against the real daemon and the reference client.
check_PROGRAMS += tests/integration/test-lwm2mctl-rest
TESTS += tests/integration/test-lwm2mctl-rest
tests_integration_test_lwm2mctl_rest_SOURCES = tests/integration/test_lwm2mctl_rest.c
tests_integration_test_lwm2mctl_rest_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_lwm2mctl_rest_LDADD = tests/integration/libharness.la $(TEST_LIBS) \
	$(JANSSON_LIBS)
EXTRA_tests_integration_test_lwm2mctl_rest_DEPENDENCIES = lwm2mctl$(EXEEXT) lwm2md$(EXEEXT) \
	lwm2m-client$(EXEEXT) $(plugin_LTLIBRARIES)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-records-json
tests_fuzz_fuzz_records_json_SOURCES = tests/fuzz/fuzz_records_json.c
tests_fuzz_fuzz_records_json_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_records_json_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_records_json_LDADD = core/liblwcore.la $(JANSSON_LIBS)
endif

# The codec benchmark (bench/codecs/README.md): built, never installed.
noinst_PROGRAMS += bench/codecs/codec-bench
bench_codecs_codec_bench_SOURCES = bench/codecs/codec-bench.c
bench_codecs_codec_bench_CPPFLAGS = $(AM_CPPFLAGS) -DLW_PLUGIN_DIR='"$(plugindir)"'
bench_codecs_codec_bench_LDADD = core/liblwcore.la
bench_codecs_codec_bench_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
EXTRA_DIST += bench/codecs/run bench/codecs/README.md
