# The reference client (client-ref/): a small library (object tree, CoAP on
# libcoap 4.3.1) and the lwm2m-client CLI. The codecs are compiled in from
# the plugins' sources: an embedded client has no plugin loader. It links the
# core's convenience library for records, paths, the object model and
# lw_codec_fail. Paths are from the top dir.
LWCLIENT_CODECS = \
	plugins/codec-tlv/tlv.c \
	plugins/codec-text/text.c \
	plugins/codec-opaque/opaque.c \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c \
	plugins/codec-json/json.c \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c \
	plugins/codec-lwm2m-cbor/lwm2m_cbor.c

noinst_LTLIBRARIES += client-ref/liblwclient.la
client_ref_liblwclient_la_SOURCES = client-ref/lwclient.h client-ref/client_int.h \
	client-ref/objects.c client-ref/codecs.c client-ref/client.c client-ref/security.c \
	client-ref/bootstrap.c \
	$(LWCLIENT_CODECS)
client_ref_liblwclient_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/codec-senml-cbor
client_ref_liblwclient_la_CFLAGS = $(AM_CFLAGS) $(LIBCOAP_CFLAGS) $(JANSSON_CFLAGS) \
	$(LIBCBOR_CFLAGS)
client_ref_liblwclient_la_LIBADD = core/liblwcore.la $(LIBCOAP_LIBS) $(JANSSON_LIBS) \
	$(LIBCBOR_LIBS) -lm

bin_PROGRAMS += lwm2m-client
lwm2m_client_SOURCES = client-ref/lwm2m-client.c
lwm2m_client_LDADD = client-ref/liblwclient.la
EXTRA_DIST += client-ref/README.md

# Integration test: the client against the real daemon (registration) and
# against coap-client acting as the server (every operation).
check_PROGRAMS += tests/integration/test-client
TESTS += tests/integration/test-client
tests_integration_test_client_SOURCES = tests/integration/test_client.c \
	plugins/codec-tlv/tlv.c \
	plugins/codec-senml-json/senml_json.c plugins/codec-senml-json/jsonkit.c \
	plugins/codec-senml-cbor/senml_cbor.c plugins/codec-senml-cbor/cbor_io.c
tests_integration_test_client_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/codec-senml-cbor
tests_integration_test_client_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS) $(LIBCBOR_CFLAGS)
tests_integration_test_client_LDADD = tests/integration/libharness.la $(TEST_LIBS) \
	$(JANSSON_LIBS) $(LIBCBOR_LIBS) -lm
EXTRA_tests_integration_test_client_DEPENDENCIES = lwm2m-client$(EXEEXT) lwm2md$(EXEEXT) \
	$(plugin_LTLIBRARIES)
dist_doc_DATA += docs/client.md
include client-ref/fleet/local.mk
