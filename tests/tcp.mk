# CoAP over TCP and TLS (RFC 8323, core/coap/tcp.c): the framing by hand,
# its fuzzer, and the real daemon against hand-made frames and libcoap's
# coap-client (coap+tcp://, coaps+tcp:// with PSK), and the reference client
# (lwm2m-client) over both. Paths are from the top dir.
check_PROGRAMS += tests/unit/test-coap-tcp-frame
TESTS += tests/unit/test-coap-tcp-frame
tests_unit_test_coap_tcp_frame_SOURCES = tests/unit/test_coap_tcp_frame.c
tests_unit_test_coap_tcp_frame_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_coap_tcp_frame_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/integration/test-tcp
TESTS += tests/integration/test-tcp
tests_integration_test_tcp_SOURCES = tests/integration/test_tcp.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_tcp_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_tcp_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_tcp_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)

if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-coap-tcp
tests_fuzz_fuzz_coap_tcp_SOURCES = tests/fuzz/fuzz_coap_tcp.c
tests_fuzz_fuzz_coap_tcp_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_coap_tcp_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_coap_tcp_LDADD = core/liblwcore.la
endif

# The engine's reliable mode (engine.h: lw_coap_endpoint.reliable) with the
# fake clock of the engine rig.
check_PROGRAMS += tests/unit/test-coap-engine-reliable
TESTS += tests/unit/test-coap-engine-reliable
tests_unit_test_coap_engine_reliable_SOURCES = tests/unit/test_coap_engine_reliable.c \
	tests/unit/engine_rig.c tests/unit/engine_rig.h
tests_unit_test_coap_engine_reliable_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_coap_engine_reliable_LDADD = $(TEST_LIBS)
