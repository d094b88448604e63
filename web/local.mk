# The operator console (web/): static files that the daemon serves from
# [http] web_root. uPlot (the charts) comes from npm into the build dir
# (web/node_modules there, never in git); its dist files sit next to the
# console's files, both in the build tree's stage/web (what tests and
# ./lwm2m.sh serve) and installed in $(pkgdatadir)/web.
webdir = $(pkgdatadir)/web
WEB_SRC = web/index.html web/app.js web/style.css
WEB_VENDOR = stage/web/uPlot.esm.js stage/web/uPlot.min.css
dist_web_DATA = $(WEB_SRC)
nodist_web_DATA = $(WEB_VENDOR)
EXTRA_DIST += web/package.json web/package-lock.json web/README.md
dist_doc_DATA += docs/console.md

WEB_NPM_STAMP = web/node_modules/.lwm2md-npm
$(WEB_NPM_STAMP): $(srcdir)/web/package.json $(srcdir)/web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the console's uPlot (Debian: apt-get install npm)" >&2; exit 1; }
	@$(MKDIR_P) web
	@if test "$(abs_srcdir)" != "$(abs_builddir)"; then \
	  cp $(srcdir)/web/package.json $(srcdir)/web/package-lock.json web/; fi
	cd web && npm ci --omit=dev --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_VENDOR): $(WEB_NPM_STAMP)
	@$(MKDIR_P) stage/web
	cp web/node_modules/uplot/dist/`basename $@` $@

stage/web/.files: $(WEB_SRC:%=$(srcdir)/%)
	@$(MKDIR_P) stage/web
	cp $(WEB_SRC:%=$(srcdir)/%) stage/web/
	@touch $@

all-local: stage-web
stage-web: $(WEB_VENDOR) stage/web/.files
.PHONY: stage-web
