# Unit tests of the daemon's foundation: config, plugin loader, worker pool,
# timer heap and event bus. The loader is tested with real plugins built here
# as check-only modules (tests/plugins/), some of them broken on purpose.

CORE_TEST_HELPERS = tests/unit/helpers.c tests/unit/helpers.h

check_PROGRAMS += tests/unit/test-config
TESTS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test_config.c $(CORE_TEST_HELPERS)
tests_unit_test_config_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_config_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-events
TESTS += tests/unit/test-events
tests_unit_test_events_SOURCES = tests/unit/test_events.c $(CORE_TEST_HELPERS)
tests_unit_test_events_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_events_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-timer
TESTS += tests/unit/test-timer
tests_unit_test_timer_SOURCES = tests/unit/test_timer.c
tests_unit_test_timer_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_timer_LDADD = $(TEST_LIBS)

check_PROGRAMS += tests/unit/test-worker
TESTS += tests/unit/test-worker
tests_unit_test_worker_SOURCES = tests/unit/test_worker.c
tests_unit_test_worker_CFLAGS = $(TEST_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_worker_LDADD = $(TEST_LIBS) $(LIBEVENT_LIBS) -lpthread

# The loader test exports the plugin ABI (and its trace hook) to the plugins
# it dlopen()s, the way lwm2md does with -export-dynamic.
check_PROGRAMS += tests/unit/test-plugin-loader
TESTS += tests/unit/test-plugin-loader
tests_unit_test_plugin_loader_SOURCES = tests/unit/test_plugin_loader.c \
	tests/plugins/trace.h $(CORE_TEST_HELPERS)
tests_unit_test_plugin_loader_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_plugin_loader_LDADD = $(TEST_LIBS) -lpthread
tests_unit_test_plugin_loader_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

# Test plugins: loadable modules that are never installed (-rpath only makes
# libtool build a shared object). They link against nothing: the ABI comes
# from the program that loads them, as with real plugins.
check_LTLIBRARIES += tests/plugins/good.la
tests_plugins_good_la_SOURCES = tests/plugins/good.c tests/plugins/trace.h
tests_plugins_good_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_good_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/good-two.la
tests_plugins_good_two_la_SOURCES = tests/plugins/good_two.c tests/plugins/trace.h
tests_plugins_good_two_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_good_two_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/fail-init.la
tests_plugins_fail_init_la_SOURCES = tests/plugins/fail_init.c tests/plugins/trace.h
tests_plugins_fail_init_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_fail_init_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/bad-abi.la
tests_plugins_bad_abi_la_SOURCES = tests/plugins/bad_abi.c tests/plugins/trace.h
tests_plugins_bad_abi_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_bad_abi_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/no-entry.la
tests_plugins_no_entry_la_SOURCES = tests/plugins/no_entry.c
tests_plugins_no_entry_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_no_entry_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/dup-name.la
tests_plugins_dup_name_la_SOURCES = tests/plugins/dup_name.c tests/plugins/trace.h
tests_plugins_dup_name_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_dup_name_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

check_LTLIBRARIES += tests/plugins/bad-name.la
tests_plugins_bad_name_la_SOURCES = tests/plugins/bad_name.c tests/plugins/trace.h
tests_plugins_bad_name_la_CFLAGS = $(AM_CFLAGS)
tests_plugins_bad_name_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -rpath /nowhere

# The config reader takes files operators write: fuzz it like any decoder.
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_config_LDADD = core/liblwcore.la
endif
