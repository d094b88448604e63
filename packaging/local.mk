# The systemd unit and the sample config, installed with the daemon.
lwm2mconfdir = $(sysconfdir)/lwm2md
dist_lwm2mconf_DATA = packaging/lwm2md.conf
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = packaging/lwm2md.service
EXTRA_DIST += packaging/lwm2md.service.in
CLEANFILES += packaging/lwm2md.service
packaging/lwm2md.service: packaging/lwm2md.service.in Makefile
	@$(MKDIR_P) packaging
	$(AM_V_GEN)sed -e 's|@bindir@|$(bindir)|g' -e 's|@sysconfdir@|$(sysconfdir)|g' \
		-e 's|@docdir@|$(docdir)|g' $(srcdir)/packaging/lwm2md.service.in > $@
