# Plugins: one folder each, built as loadable modules into $(plugindir).
plugin_LTLIBRARIES += plugins/example-eventlog/example-eventlog.la
plugins_example_eventlog_example_eventlog_la_SOURCES = plugins/example-eventlog/eventlog.c
plugins_example_eventlog_example_eventlog_la_LDFLAGS = -module -avoid-version -shared
