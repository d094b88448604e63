# The daemon: everything but main.c goes into one convenience library that the
# unit tests link too.
noinst_LTLIBRARIES += core/liblwcore.la
core_liblwcore_la_SOURCES = \
	core/error.c \
	core/log.c core/log.h \
	core/config.c core/config.h \
	core/loop.c core/loop.h \
	core/timer.c core/timer.h \
	core/worker.c core/worker.h \
	core/events.c core/events.h \
	core/plugin.c core/plugin.h \
	core/plugin_loop.c core/plugin_metrics.c core/plugin_loop.h \
	core/storage/backend.c core/storage/backend.h \
	core/storage/persist.c core/storage/persist.h \
	core/storage/cluster.c core/storage/cluster.h \
	core/storage/service.c core/storage/service.h \
	core/security/credentials.c core/security/credentials.h \
	core/security/users.c core/security/users.h \
	core/security/sessions.c core/security/sessions.h \
	core/daemon.c core/daemon.h \
	core/util/hash.c core/util/hash.h \
	core/util/arena.c core/util/arena.h \
	core/util/buf.c \
	core/util/base64.c \
	core/lwm2m/path.c \
	core/lwm2m/records.c \
	core/lwm2m/links.c \
	core/lwm2m/codecs.c core/lwm2m/codecs.h \
	core/lwm2m/model.c core/lwm2m/model_int.h \
	core/lwm2m/objects.c \
	core/lwm2m/ddf.c core/lwm2m/ddf.h \
	core/lwm2m/records_json.c core/lwm2m/records_json.h \
	core/abi-exports.c \
	core/lwm2m/server.c core/lwm2m/server.h \
	core/lwm2m/registry.c core/lwm2m/registry.h \
	core/lwm2m/registration.c core/lwm2m/registration.h \
	core/lwm2m/formats.c core/lwm2m/formats.h \
	core/lwm2m/ops.c core/lwm2m/ops.h \
	core/lwm2m/op_json.c core/lwm2m/op_json.h \
	core/lwm2m/observe.c core/lwm2m/observe.h \
	core/lwm2m/send.c core/lwm2m/send.h \
	core/lwm2m/bootstrap.c core/lwm2m/bootstrap_config.c core/lwm2m/bootstrap.h \
	core/http/server.c core/http/server.h core/http/http.h \
	core/http/bridge.c core/http/rest.c core/http/auth.c \
	core/http/metrics.c core/http/sse.c core/http/ops.c core/http/data.c \
	core/http/clients.c core/http/security.c core/http/keyed.c core/http/bootstrap.c \
	core/http/static.c core/http/objects.c core/http/users.c core/http/tls.c \
	core/coap/message.c core/coap/message.h \
	core/coap/option.c \
	core/coap/peer.c core/coap/peer.h \
	core/coap/dedup.c core/coap/dedup.h \
	core/coap/exchange.c core/coap/exchange.h \
	core/coap/engine.c core/coap/engine.h \
	core/coap/block.c core/coap/block.h \
	core/coap/resource.c core/coap/resource.h \
	core/coap/udp.c core/coap/udp.h
core_liblwcore_la_SOURCES += core/coap/dtls.c core/coap/dtls.h \
	core/coap/dtls_auth.c core/coap/dtls_auth.h
core_liblwcore_la_SOURCES += core/coap/tcp.c core/coap/tcp.h \
	core/coap/tcp_frame.c core/coap/tcp_frame.h
core_liblwcore_la_CPPFLAGS = $(AM_CPPFLAGS) -DLW_PLUGIN_DIR='"$(plugindir)"' \
	-DLW_WEB_DIR='"$(pkgdatadir)/web"' \
	-DLW_COMPAT_DIR='"$(compatdir)"' \
	-DLW_SYSCONF_DIR='"$(sysconfdir)"'
core_liblwcore_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(GNUTLS_CFLAGS) $(INIH_CFLAGS) \
	$(LIBXML_CFLAGS) $(JANSSON_CFLAGS)
core_liblwcore_la_LIBADD = $(LIBEVENT_LIBS) $(GNUTLS_LIBS) $(INIH_LIBS) $(LIBXML_LIBS) \
	$(JANSSON_LIBS) $(CIVETWEB_LIBS) -lpthread

# HTTPS with Debian 12's CivetWeb 1.15 over OpenSSL 3: a shim whose SONAME is
# libssl.so, that tells CivetWeb an old name (core/http/ssl_compat.c, tls.c).
# Named so that libtool gives it that SONAME; kept in a private directory.
compatdir = $(pkglibdir)/compat
compat_LTLIBRARIES = core/compat/libssl.la
core_compat_libssl_la_SOURCES = core/http/ssl_compat.c
core_compat_libssl_la_LDFLAGS = -module -avoid-version -shared
core_compat_libssl_la_LIBADD = -lssl

bin_PROGRAMS += lwm2md
lwm2md_SOURCES = core/main.c
lwm2md_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
lwm2md_LDADD = core/liblwcore.la
# Export the plugin API (and only it: the core is built with hidden visibility).
lwm2md_LDFLAGS = $(AM_LDFLAGS) -export-dynamic

lwm2minclude_HEADERS = \
	include/lwm2m/api.h \
	include/lwm2m/error.h \
	include/lwm2m/log.h \
	include/lwm2m/plugin.h \
	include/lwm2m/path.h \
	include/lwm2m/records.h \
	include/lwm2m/links.h \
	include/lwm2m/model.h \
	include/lwm2m/buf.h \
	include/lwm2m/base64.h \
	include/lwm2m/codec.h \
	include/lwm2m/loop.h \
	include/lwm2m/metrics.h \
	include/lwm2m/storage.h

# Every LW_API function of include/lwm2m/, listed in one generated table that
# the loader references: the linker then keeps all of them in lwm2md (and
# lwm2mctl) even when the core itself never calls one, so a plugin can use the
# whole ABI. tests/integration/abi-exports.sh checks the binaries export them.
BUILT_SOURCES = core/abi-exports.c
CLEANFILES += core/abi-exports.c
EXTRA_DIST += core/abi-exports.sh
core/abi-exports.c: $(lwm2minclude_HEADERS) $(srcdir)/core/abi-exports.sh
	@$(MKDIR_P) core
	$(AM_V_GEN)$(SHELL) $(srcdir)/core/abi-exports.sh $(srcdir) $(lwm2minclude_HEADERS) > $@.tmp && mv $@.tmp $@
