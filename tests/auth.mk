# Users, logins, roles, API tokens and HTTPS of the REST API
# (core/http/users.c, core/security/users.c, core/security/sessions.c,
# core/http/tls.c) end to end with the real daemon. Paths are from the top dir.
check_PROGRAMS += tests/integration/test-auth
TESTS += tests/integration/test-auth
tests_integration_test_auth_SOURCES = tests/integration/test_auth.c \
	tests/integration/restops.c tests/integration/restops.h \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_auth_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_auth_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_auth_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT) \
	core/compat/libssl.la
