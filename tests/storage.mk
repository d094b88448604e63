# The storage conformance suite: one Criterion suite run against every backend.
# tests/storage/sqlite.sh runs it against storage-sqlite; the postgres plugin's
# local.mk adds its own wrapper around the same binary (see harness.h for the
# environment it reads).
check_PROGRAMS += tests/storage/test-storage
tests_storage_test_storage_SOURCES = tests/storage/test_conformance.c \
	tests/storage/harness.c tests/storage/harness.h
tests_storage_test_storage_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS) $(SQLITE_CFLAGS) \
	$(LIBPQ_CFLAGS)
tests_storage_test_storage_LDADD = $(TEST_LIBS) $(LIBEVENT_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) -lm
# The loaded plugin resolves the ABI from the program.
tests_storage_test_storage_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
TESTS += tests/storage/sqlite.sh
EXTRA_DIST += tests/storage/sqlite.sh
