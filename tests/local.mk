# Shared settings of every test program. Each area keeps its own rules in
# tests/<area>.mk; tests find the build tree and the OMA models through these.
TESTS_ENVIRONMENT = \
	LW_BUILDDIR='$(abs_top_builddir)' \
	LW_SRCDIR='$(abs_top_srcdir)' \
	LW_OMA_MODELS='$(OMA_MODELS)' \
	LW_COAP_CLIENT='$(COAP_CLIENT)' \
	LW_COAP_SERVER='$(COAP_SERVER)' \
	LW_SANITIZERS='$(LW_SANITIZERS)'
TEST_CFLAGS = $(AM_CFLAGS) $(CRITERION_CFLAGS)
TEST_LIBS = core/liblwcore.la $(CRITERION_LIBS)

# Base64 of the core (core/util/base64.c, include/lwm2m/base64.h).
check_PROGRAMS += tests/unit/test-base64
TESTS += tests/unit/test-base64
tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_base64_LDADD = $(TEST_LIBS)

# What every codec unit test shares (models, records, the codec steps, a
# plugin loaded by the real loader): each test links $(CODEC_TEST_LIBS).
check_LTLIBRARIES += tests/unit/libcodectest.la
tests_unit_libcodectest_la_SOURCES = tests/unit/codec_testkit.c tests/unit/codec_testkit.h \
	tests/unit/helpers.c tests/unit/helpers.h
tests_unit_libcodectest_la_CFLAGS = $(TEST_CFLAGS)
CODEC_TEST_LIBS = tests/unit/libcodectest.la $(TEST_LIBS)

# lwm2m-fleet over DTLS and bootstrap (tests/fleetdtls.mk).
include $(top_srcdir)/tests/fleetdtls.mk
