# lwm2m-fleet over DTLS (PSK, RPK, X.509) and through the bootstrap server,
# against the real lwm2md (tests/integration/test_fleet_dtls.c); keys and
# certificates are made by certtool in each test's folder. Paths are from
# the top dir.
check_PROGRAMS += tests/integration/test-fleet-dtls
TESTS += tests/integration/test-fleet-dtls
tests_integration_test_fleet_dtls_SOURCES = tests/integration/test_fleet_dtls.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_fleet_dtls_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_fleet_dtls_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_fleet_dtls_DEPENDENCIES = $(INTEG_DEPS) lwm2m-fleet$(EXEEXT)
