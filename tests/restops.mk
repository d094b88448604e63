# The device-management routes of the REST API (core/http/ops.c) end to end:
# the real daemon and the real reference client, driven over HTTP with the
# raw-socket client (tests/integration/httpc.c), which test-http shares.
# Paths are from the top dir.

tests_integration_test_http_SOURCES += tests/integration/httpc.c tests/integration/httpc.h

check_PROGRAMS += tests/integration/test-rest-ops
TESTS += tests/integration/test-rest-ops
tests_integration_test_rest_ops_SOURCES = tests/integration/test_rest_ops.c \
	tests/integration/restops.c tests/integration/restops.h \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_rest_ops_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_rest_ops_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_rest_ops_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)

# The reference client's operations end to end through the REST API
# (composites, resource instances, replace, epmin/epmax, block-wise).
check_PROGRAMS += tests/integration/test-client-ops
TESTS += tests/integration/test-client-ops
tests_integration_test_client_ops_SOURCES = tests/integration/test_client_ops.c \
	tests/integration/restops.c tests/integration/restops.h \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_client_ops_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_client_ops_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_client_ops_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
