# storage-sqlite: the default store (see README.md beside). Its schema is the
# numbered migrations of sql/sqlite, embedded at build time by migrations.sh.
plugin_LTLIBRARIES += plugins/storage-sqlite/storage-sqlite.la
plugins_storage_sqlite_storage_sqlite_la_SOURCES = plugins/storage-sqlite/sqlite.c \
	plugins/storage-sqlite/migrations.h
nodist_plugins_storage_sqlite_storage_sqlite_la_SOURCES = plugins/storage-sqlite/migrations.c
plugins_storage_sqlite_storage_sqlite_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/storage-sqlite
plugins_storage_sqlite_storage_sqlite_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
plugins_storage_sqlite_storage_sqlite_la_LIBADD = $(SQLITE_LIBS) -lm -lpthread
plugins_storage_sqlite_storage_sqlite_la_LDFLAGS = -module -avoid-version -shared

# In order: migration N brings PRAGMA user_version to N.
SQLITE_MIGRATIONS = sql/sqlite/001_init.sql
EXTRA_DIST += plugins/storage-sqlite/README.md plugins/storage-sqlite/migrations.sh \
	$(SQLITE_MIGRATIONS)
CLEANFILES += plugins/storage-sqlite/migrations.c
plugins/storage-sqlite/migrations.c: $(SQLITE_MIGRATIONS:%=$(srcdir)/%) \
		$(srcdir)/plugins/storage-sqlite/migrations.sh
	@$(MKDIR_P) plugins/storage-sqlite
	$(AM_V_GEN)$(SHELL) $(srcdir)/plugins/storage-sqlite/migrations.sh \
		$(SQLITE_MIGRATIONS:%=$(srcdir)/%) > $@.tmp && mv $@.tmp $@

# The ingest bench (bench/storage/README.md): the plugin loaded through the
# conformance suite's harness, as the daemon would load it.
noinst_PROGRAMS += bench/storage/ts-ingest
bench_storage_ts_ingest_SOURCES = bench/storage/ts_ingest.c tests/storage/harness.c \
	tests/storage/harness.h
bench_storage_ts_ingest_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
bench_storage_ts_ingest_LDADD = core/liblwcore.la $(LIBEVENT_LIBS) $(LIBPQ_LIBS)
# The loaded plugin resolves the ABI from the program.
bench_storage_ts_ingest_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
EXTRA_DIST += bench/storage/README.md
