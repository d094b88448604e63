# lwm2m-fleet (client-ref/fleet/): many simulated devices in one process, or
# a few shard processes, to load lwm2md. No libcoap: the core's CoAP message
# parser and builder, one epoll loop and one timer heap per process. It
# shares the reference client's object tree (objects.c) and the compiled-in
# codecs (LWCLIENT_CODECS). DTLS (tls.c) is GnuTLS, used directly. Paths
# are from the top dir.
bin_PROGRAMS += lwm2m-fleet
lwm2m_fleet_SOURCES = client-ref/fleet/fleet.h client-ref/fleet/fleet.c \
	client-ref/fleet/shard.c client-ref/fleet/device.c client-ref/fleet/answer.c \
	client-ref/fleet/observe.c client-ref/fleet/stats.c client-ref/fleet/tls.c \
	client-ref/fleet/bootstrap.c \
	client-ref/objects.c client-ref/codecs.c client-ref/lwclient.h $(LWCLIENT_CODECS)
lwm2m_fleet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir) -I$(top_srcdir)/client-ref \
	-I$(top_srcdir)/plugins/codec-senml-cbor
lwm2m_fleet_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCBOR_CFLAGS) $(GNUTLS_CFLAGS)
lwm2m_fleet_LDADD = core/liblwcore.la $(JANSSON_LIBS) $(LIBCBOR_LIBS) $(GNUTLS_LIBS) -lm
dist_doc_DATA += docs/fleet.md

# Integration test: fleets against the real daemon, driven through REST.
check_PROGRAMS += tests/integration/test-fleet
TESTS += tests/integration/test-fleet
tests_integration_test_fleet_SOURCES = tests/integration/test_fleet.c \
	tests/integration/httpc.c tests/integration/httpc.h
tests_integration_test_fleet_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_test_fleet_LDADD = tests/integration/libharness.la $(TEST_LIBS) \
	$(JANSSON_LIBS)
EXTRA_tests_integration_test_fleet_DEPENDENCIES = lwm2m-fleet$(EXEEXT) lwm2md$(EXEEXT) \
	$(plugin_LTLIBRARIES)
