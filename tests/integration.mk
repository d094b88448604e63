# Integration tests: the real lwm2md binary started from the build tree
# (LW_BUILDDIR) on loopback, checked from outside with libcoap's tools and
# library, raw sockets, signals and valgrind. tests/integration/daemon.c is
# their harness: it starts, pings, captures and stops the daemon.
check_LTLIBRARIES += tests/integration/libharness.la
tests_integration_libharness_la_SOURCES = \
	tests/integration/daemon.c tests/integration/daemon.h
tests_integration_libharness_la_CFLAGS = $(AM_CFLAGS)

INTEG_CFLAGS = $(TEST_CFLAGS)
INTEG_LIBS = tests/integration/libharness.la $(TEST_LIBS)

# Every test runs the built daemon and its staged plugins.
INTEG_DEPS = lwm2md$(EXEEXT) $(plugin_LTLIBRARIES)

check_PROGRAMS += \
	tests/integration/test-coap-tools \
	tests/integration/test-libcoap \
	tests/integration/test-udp-raw \
	tests/integration/test-engine-client \
	tests/integration/test-cmdline \
	tests/integration/test-lifecycle \
	tests/integration/test-valgrind
TESTS += \
	tests/integration/test-coap-tools \
	tests/integration/test-libcoap \
	tests/integration/test-udp-raw \
	tests/integration/test-engine-client \
	tests/integration/test-cmdline \
	tests/integration/test-lifecycle \
	tests/integration/test-valgrind

tests_integration_test_coap_tools_SOURCES = tests/integration/test_coap_tools.c
tests_integration_test_coap_tools_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_coap_tools_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_coap_tools_DEPENDENCIES = $(INTEG_DEPS)

tests_integration_test_libcoap_SOURCES = tests/integration/test_libcoap.c \
	tests/integration/coapc.c tests/integration/coapc.h
tests_integration_test_libcoap_CFLAGS = $(INTEG_CFLAGS) $(LIBCOAP_CFLAGS)
tests_integration_test_libcoap_LDADD = $(INTEG_LIBS) $(LIBCOAP_LIBS)
EXTRA_tests_integration_test_libcoap_DEPENDENCIES = $(INTEG_DEPS)

tests_integration_test_udp_raw_SOURCES = tests/integration/test_udp_raw.c
tests_integration_test_udp_raw_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_udp_raw_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_udp_raw_DEPENDENCIES = $(INTEG_DEPS)

tests_integration_test_engine_client_SOURCES = tests/integration/test_engine_client.c
tests_integration_test_engine_client_CFLAGS = $(INTEG_CFLAGS) $(LIBEVENT_CFLAGS)
tests_integration_test_engine_client_LDADD = $(INTEG_LIBS) $(LIBEVENT_LIBS)

tests_integration_test_cmdline_SOURCES = tests/integration/test_cmdline.c
tests_integration_test_cmdline_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_cmdline_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_cmdline_DEPENDENCIES = $(INTEG_DEPS)

tests_integration_test_lifecycle_SOURCES = tests/integration/test_lifecycle.c
tests_integration_test_lifecycle_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_lifecycle_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_lifecycle_DEPENDENCIES = $(INTEG_DEPS)

# valgrind cannot run an AddressSanitizer binary: the test skips in such builds.
tests_integration_test_valgrind_SOURCES = tests/integration/test_valgrind.c
tests_integration_test_valgrind_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLW_SANITIZERS='"$(LW_SANITIZERS)"'
tests_integration_test_valgrind_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_valgrind_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_valgrind_DEPENDENCIES = $(INTEG_DEPS)

# The whole plugin ABI, and only it, is exported by the programs plugins load into.
TESTS += tests/integration/abi-exports.sh
EXTRA_DIST += tests/integration/abi-exports.sh
