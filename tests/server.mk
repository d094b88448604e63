# Server-side LwM2M behaviour end to end that has no other home:
# re-established observations, operation metrics. Paths are from the top dir.

# Re-established observations and the operation counters, on the ops rig
# (tests/ops.mk defines OPS_TEST_SOURCES and the flags).
check_PROGRAMS += tests/unit/test-server-ops
TESTS += tests/unit/test-server-ops
tests_unit_test_server_ops_SOURCES = tests/unit/test_server_ops.c $(OPS_TEST_SOURCES)
tests_unit_test_server_ops_CPPFLAGS = $(OPS_TEST_CPPFLAGS)
tests_unit_test_server_ops_CFLAGS = $(OPS_TEST_CFLAGS)
tests_unit_test_server_ops_LDADD = $(OPS_TEST_LIBS)

# The same end to end: the real daemon and the real reference client, over
# REST and the event stream; and the daemon's refusal to start without a
# link-format codec.
check_PROGRAMS += tests/integration/test-server-ops
TESTS += tests/integration/test-server-ops
tests_integration_test_server_ops_SOURCES = tests/integration/test_server_ops.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_server_ops_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_server_ops_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_server_ops_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)

# /api/v1/security: credentials set, read without keys, refused, kept.
check_PROGRAMS += tests/integration/test-security-rest
TESTS += tests/integration/test-security-rest
tests_integration_test_security_rest_SOURCES = tests/integration/test_security_rest.c \
	tests/integration/restops.c tests/integration/restops.h \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_security_rest_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_security_rest_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_security_rest_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
