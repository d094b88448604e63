# storage-postgres: the production and cluster store (see README.md beside).
# Its schema is the numbered migrations of sql/postgres, embedded at build
# time by embed-sql.sh.
plugin_LTLIBRARIES += plugins/storage-postgres/storage-postgres.la
plugins_storage_postgres_storage_postgres_la_SOURCES = plugins/storage-postgres/plugin.c \
	plugins/storage-postgres/exec.c plugins/storage-postgres/pg.h \
	plugins/storage-postgres/migrations.h
nodist_plugins_storage_postgres_storage_postgres_la_SOURCES = \
	plugins/storage-postgres/migrations.c
plugins_storage_postgres_storage_postgres_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/storage-postgres
plugins_storage_postgres_storage_postgres_la_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
plugins_storage_postgres_storage_postgres_la_LIBADD = $(LIBPQ_LIBS) -lm -lpthread
plugins_storage_postgres_storage_postgres_la_LDFLAGS = -module -avoid-version -shared

# In order, without gaps: migration N brings lwm2md_schema to version N.
PG_MIGRATIONS = sql/postgres/001_init.sql
EXTRA_DIST += plugins/storage-postgres/README.md plugins/storage-postgres/embed-sql.sh \
	$(PG_MIGRATIONS)
CLEANFILES += plugins/storage-postgres/migrations.c
plugins/storage-postgres/migrations.c: $(PG_MIGRATIONS:%=$(srcdir)/%) \
		$(srcdir)/plugins/storage-postgres/embed-sql.sh
	@$(MKDIR_P) plugins/storage-postgres
	$(AM_V_GEN)$(SHELL) $(srcdir)/plugins/storage-postgres/embed-sql.sh $@ \
		$(PG_MIGRATIONS:%=$(srcdir)/%)

# Programs that load the plugin through the storage harness (tests/storage/
# harness.h): the loaded plugin resolves the ABI from the program.
PG_HARNESS_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
PG_HARNESS_LIBS = core/liblwcore.la $(LIBEVENT_LIBS) $(LIBPQ_LIBS) $(CRITERION_LIBS)

# The conformance suite against PostgreSQL: postgres.sh starts a throwaway
# cluster (pg-cluster.sh) and runs tests/storage/test-storage on it.
TESTS += tests/storage/postgres.sh
EXTRA_DIST += tests/storage/postgres.sh tests/storage/pg-cluster.sh

# What only PostgreSQL does: the spool across a server restart, partitions
# and retention, the schema guard, LISTEN/NOTIFY between nodes.
check_PROGRAMS += tests/storage/test-postgres
tests_storage_test_postgres_SOURCES = tests/storage/test_postgres.c tests/storage/harness.c \
	tests/storage/harness.h
tests_storage_test_postgres_CFLAGS = $(PG_HARNESS_CFLAGS)
tests_storage_test_postgres_LDADD = $(PG_HARNESS_LIBS)
tests_storage_test_postgres_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
TESTS += tests/storage/postgres-only.sh
EXTRA_DIST += tests/storage/postgres-only.sh

# The ingest bench against a throwaway cluster (bench/storage/pg-ingest).
noinst_PROGRAMS += bench/storage/pg-ingest-load
bench_storage_pg_ingest_load_SOURCES = bench/storage/pg_ingest_load.c tests/storage/harness.c \
	tests/storage/harness.h
bench_storage_pg_ingest_load_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
bench_storage_pg_ingest_load_LDADD = core/liblwcore.la $(LIBEVENT_LIBS) $(LIBPQ_LIBS)
bench_storage_pg_ingest_load_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
EXTRA_DIST += bench/storage/pg-ingest bench/storage/pg-ingest-results.md
