# The CoAP message parser/encoder: a Criterion unit test and, with
# --enable-fuzzers (clang), a libFuzzer harness. Paths are from the top dir.
check_PROGRAMS += tests/unit/test-coap-message
TESTS += tests/unit/test-coap-message
tests_unit_test_coap_message_SOURCES = tests/unit/test_coap_message.c
tests_unit_test_coap_message_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
tests_unit_test_coap_message_LDADD = core/liblwcore.la $(CRITERION_LIBS)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-coap-message
tests_fuzz_fuzz_coap_message_SOURCES = tests/fuzz/fuzz_coap_message.c
tests_fuzz_fuzz_coap_message_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_coap_message_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_coap_message_LDADD = core/liblwcore.la
endif
