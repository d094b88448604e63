# The CoAP engine driven with a fake clock and a capture endpoint (no sockets).
check_PROGRAMS += tests/unit/test-coap-engine
TESTS += tests/unit/test-coap-engine
tests_unit_test_coap_engine_SOURCES = tests/unit/test_coap_engine.c \
	tests/unit/engine_rig.c tests/unit/engine_rig.h
tests_unit_test_coap_engine_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_coap_engine_LDADD = $(TEST_LIBS)
