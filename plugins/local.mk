# Plugins: one folder each, built as loadable modules into $(plugindir). Each
# folder's local.mk holds its module, its tests and its fuzzers.
plugin_LTLIBRARIES += plugins/example-eventlog/example-eventlog.la
plugins_example_eventlog_example_eventlog_la_SOURCES = plugins/example-eventlog/eventlog.c
plugins_example_eventlog_example_eventlog_la_LDFLAGS = -module -avoid-version -shared

# Link flags of every codec module (use as xxx_la_LDFLAGS = $(CODEC_MODULE)).
CODEC_MODULE = -module -avoid-version -shared

include plugins/codec-text/local.mk
include plugins/codec-opaque/local.mk
include plugins/codec-tlv/local.mk
include plugins/codec-link/local.mk
include plugins/codec-json/local.mk
include plugins/codec-senml-json/local.mk
include plugins/codec-senml-cbor/local.mk
include plugins/codec-lwm2m-cbor/local.mk
include plugins/storage-sqlite/local.mk
include plugins/storage-postgres/local.mk
