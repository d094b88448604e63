# Block-wise transfer (RFC 7959): the engine with a fake clock and a capture
# endpoint, and against libcoap's coap-server over loopback UDP.
check_PROGRAMS += tests/unit/test-coap-block
TESTS += tests/unit/test-coap-block
tests_unit_test_coap_block_SOURCES = tests/unit/test_coap_block.c \
	tests/unit/engine_rig.c tests/unit/engine_rig.h
tests_unit_test_coap_block_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_coap_block_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/integration/test-block
TESTS += tests/integration/test-block
tests_integration_test_block_SOURCES = tests/integration/test_block.c
tests_integration_test_block_CFLAGS = $(INTEG_CFLAGS) $(LIBEVENT_CFLAGS)
tests_integration_test_block_LDADD = $(INTEG_LIBS) $(LIBEVENT_LIBS)
