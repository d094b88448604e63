# The daemon with a real store end to end: restart survival (kill -9) with
# SQLite and PostgreSQL, PostgreSQL going away under load, and two nodes
# sharing one PostgreSQL. Paths are from the top dir.

# The real daemon, the real reference client and throwaway PostgreSQL
# clusters (tests/storage/pg-cluster.sh), driven over REST and the event
# stream with the shared end-to-end helpers.
check_PROGRAMS += tests/integration/test-persist
TESTS += tests/integration/test-persist
tests_integration_test_persist_SOURCES = tests/integration/test_persist.c \
	tests/integration/restops.c tests/integration/restops.h \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_persist_CFLAGS = $(INTEG_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_persist_LDADD = $(INTEG_LIBS) $(JANSSON_LIBS)
EXTRA_tests_integration_test_persist_DEPENDENCIES = $(INTEG_DEPS) lwm2m-client$(EXEEXT)
