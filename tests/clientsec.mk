# The reference client's security and bootstrap (tests/integration/
# test_client_security.c): DTLS with PSK, RPK and X.509 against libcoap's
# coap-server, and a bootstrap by a libcoap bootstrap server inside the test
# that provisions a real lwm2md. Paths are from the top dir.
check_PROGRAMS += tests/integration/test-client-security
TESTS += tests/integration/test-client-security
tests_integration_test_client_security_SOURCES = tests/integration/test_client_security.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_client_security_CFLAGS = $(INTEG_CFLAGS) $(LIBCOAP_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_client_security_LDADD = $(INTEG_LIBS) $(LIBCOAP_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_client_security_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
