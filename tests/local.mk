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
