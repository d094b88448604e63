# Operations, observe and Send on the server side (core/lwm2m/ops.c,
# observe.c, send.c, formats.c), driven through a real CoAP engine with a
# fake clock; the codecs are the plugins' own sources compiled in, as in the
# codec tests. Paths are from the top dir.

OPS_TEST_SOURCES = tests/unit/ops_harness.c tests/unit/ops_harness.h \
	tests/unit/engine_rig.c tests/unit/engine_rig.h \
	tests/unit/helpers.c tests/unit/helpers.h \
	plugins/codec-link/link.c plugins/codec-tlv/tlv.c \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c plugins/codec-text/text.c \
	plugins/codec-opaque/opaque.c
OPS_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/codec-senml-cbor
OPS_TEST_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS) $(LIBCBOR_CFLAGS)
OPS_TEST_LIBS = $(TEST_LIBS) $(JANSSON_LIBS) $(LIBCBOR_LIBS) -lm

check_PROGRAMS += tests/unit/test-ops
TESTS += tests/unit/test-ops
tests_unit_test_ops_SOURCES = tests/unit/test_ops.c $(OPS_TEST_SOURCES)
tests_unit_test_ops_CPPFLAGS = $(OPS_TEST_CPPFLAGS)
tests_unit_test_ops_CFLAGS = $(OPS_TEST_CFLAGS)
tests_unit_test_ops_LDADD = $(OPS_TEST_LIBS)

check_PROGRAMS += tests/unit/test-observe
TESTS += tests/unit/test-observe
tests_unit_test_observe_SOURCES = tests/unit/test_observe.c $(OPS_TEST_SOURCES)
tests_unit_test_observe_CPPFLAGS = $(OPS_TEST_CPPFLAGS)
tests_unit_test_observe_CFLAGS = $(OPS_TEST_CFLAGS)
tests_unit_test_observe_LDADD = $(OPS_TEST_LIBS)

# Everything a device can send the server, through the engine, registration,
# Send and operation answers: the codecs compiled in as for the tests above.
if ENABLE_FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz-server-input
tests_fuzz_fuzz_server_input_SOURCES = tests/fuzz/fuzz_server_input.c \
	plugins/codec-link/link.c plugins/codec-tlv/tlv.c \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c plugins/codec-text/text.c \
	plugins/codec-opaque/opaque.c
tests_fuzz_fuzz_server_input_CPPFLAGS = $(OPS_TEST_CPPFLAGS)
tests_fuzz_fuzz_server_input_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCBOR_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_server_input_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_server_input_LDADD = core/liblwcore.la $(JANSSON_LIBS) $(LIBCBOR_LIBS) -lm
endif
