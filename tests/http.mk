# The HTTP server (core/http/): unit tests of its plain parts and of the loop
# bridge, and integration tests of the real daemon over HTTP (REST API,
# metrics, event stream) with a raw-socket client. Paths are from the top dir.

check_PROGRAMS += tests/unit/test-http-rest
TESTS += tests/unit/test-http-rest
tests_unit_test_http_rest_SOURCES = tests/unit/test_http_rest.c
tests_unit_test_http_rest_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_http_rest_LDADD = $(TEST_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/integration/test-http
TESTS += tests/integration/test-http
tests_integration_test_http_SOURCES = tests/integration/test_http.c
tests_integration_test_http_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_http_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_http_DEPENDENCIES = $(INTEG_DEPS)
