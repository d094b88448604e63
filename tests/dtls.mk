# CoAP over DTLS end to end (core/coap/dtls.c): the real daemon against
# libcoap's coap-client (GnuTLS) in PSK, RPK and X.509 modes, with keys and
# certificates made by certtool in the test's own folder, and a ClientHello
# flood on raw UDP. Paths are from the top dir.
check_PROGRAMS += tests/integration/test-dtls
TESTS += tests/integration/test-dtls
tests_integration_test_dtls_SOURCES = tests/integration/test_dtls.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_dtls_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_dtls_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_dtls_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
