# The Bootstrap Server (core/lwm2m/bootstrap*.c, docs/bootstrap.md) end to
# end: the real daemon and its REST API, a bootstrap client written with
# libcoap in the test itself, and the reference client (lwm2m-client -b)
# bootstrapping then registering. Paths are from the top dir.
check_PROGRAMS += tests/integration/test-bootstrap
TESTS += tests/integration/test-bootstrap
tests_integration_test_bootstrap_SOURCES = tests/integration/test_bootstrap.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_bootstrap_CFLAGS = $(INTEG_CFLAGS) $(LIBCOAP_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_bootstrap_LDADD = $(INTEG_LIBS) $(LIBCOAP_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_bootstrap_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
