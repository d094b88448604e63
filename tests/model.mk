# The LwM2M data model: paths, records, the object model with its built-in
# definitions, and the DDF XML loader (run against the whole OMA registry in
# $LW_OMA_MODELS). With --enable-fuzzers (clang), a libFuzzer harness for the
# loader. Paths are from the top dir.

check_PROGRAMS += tests/unit/test-path
TESTS += tests/unit/test-path
tests_unit_test_path_SOURCES = tests/unit/test_path.c
tests_unit_test_path_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_path_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-records
TESTS += tests/unit/test-records
tests_unit_test_records_SOURCES = tests/unit/test_records.c
tests_unit_test_records_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_records_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-model
TESTS += tests/unit/test-model
tests_unit_test_model_SOURCES = tests/unit/test_model.c
tests_unit_test_model_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_model_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-ddf
TESTS += tests/unit/test-ddf
tests_unit_test_ddf_SOURCES = tests/unit/test_ddf.c $(CORE_TEST_HELPERS)
tests_unit_test_ddf_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ddf_LDADD = $(TEST_LIBS)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-ddf
tests_fuzz_fuzz_ddf_SOURCES = tests/fuzz/fuzz_ddf.c
tests_fuzz_fuzz_ddf_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ddf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ddf_LDADD = core/liblwcore.la
endif
