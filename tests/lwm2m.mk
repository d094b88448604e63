# The LwM2M server side: the registry of clients and the registration
# interface (/rd) driven through a real CoAP engine with a fake clock (the
# link-format codec compiled in, as the plugin would register it), and the
# real daemon registered to by libcoap's coap-client. Paths are from the top dir.

check_PROGRAMS += tests/unit/test-registry
TESTS += tests/unit/test-registry
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c plugins/codec-link/link.c \
	tests/unit/engine_rig.c tests/unit/engine_rig.h
tests_unit_test_registry_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_registry_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/integration/test-registration
TESTS += tests/integration/test-registration
tests_integration_test_registration_SOURCES = tests/integration/test_registration.c
tests_integration_test_registration_CFLAGS = $(INTEG_CFLAGS)
tests_integration_test_registration_LDADD = $(INTEG_LIBS)
EXTRA_tests_integration_test_registration_DEPENDENCIES = $(INTEG_DEPS)
