# The console's browser test: headless Chromium (Debian's) driven by
# playwright-core from npm, against the real lwm2md and lwm2m-client. It needs
# the console staged (stage/web), which `all` does before `check`.
TESTS += tests/browser/run.sh
EXTRA_DIST += tests/browser/run.sh tests/browser/console.test.mjs \
	tests/browser/package.json tests/browser/package-lock.json
# The console with 2,000 devices (bench/console/run --quick: counts and rows).
TESTS += tests/browser/fleet.sh
EXTRA_DIST += tests/browser/fleet.sh bench/console/run bench/console/measure.mjs \
	bench/console/README.md
CLEANFILES += tests/browser/artifacts/*.png

# What the console needs from the daemon, over raw HTTP (runs everywhere).
check_PROGRAMS += tests/integration/test-console-api
TESTS += tests/integration/test-console-api
tests_integration_test_console_api_SOURCES = tests/integration/test_console_api.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_console_api_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_console_api_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_console_api_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)

# The registry's part of it: firmware versions made safe, offline clients.
check_PROGRAMS += tests/unit/test-registry-status
TESTS += tests/unit/test-registry-status
tests_unit_test_registry_status_SOURCES = tests/unit/test_registry_status.c
tests_unit_test_registry_status_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_registry_status_LDADD = $(TEST_LIBS) $(JANSSON_LIBS)
