#!/bin/sh
# tests/browser/run.sh: the console's browser test (console.test.mjs) as an
# automake TESTS entry. Skips (77) without Chromium or Node; installs
# playwright-core once into the build dir (npm ci, cached by a stamp), then
# runs the Node script from there so that it finds its node_modules.
set -u
: "${LW_BUILDDIR:?run through make check (LW_BUILDDIR)}"
: "${LW_SRCDIR:?run through make check (LW_SRCDIR)}"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if ! test -x "$CHROMIUM"; then
	echo "SKIP: no Chromium at $CHROMIUM (Debian: apt-get install chromium)"
	exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "SKIP: node and npm are needed (Debian: apt-get install nodejs npm)"
	exit 77
fi
src="$LW_SRCDIR/tests/browser"
dir="$LW_BUILDDIR/tests/browser"
mkdir -p "$dir"
stamp="$dir/node_modules/.lwm2md-npm"
if ! test -f "$stamp" || test "$src/package-lock.json" -nt "$stamp"; then
	if test "$src" != "$dir"; then
		cp "$src/package.json" "$src/package-lock.json" "$dir/" || exit 99
	fi
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) || {
		echo "ERROR: npm ci failed in $dir"
		exit 99
	}
	touch "$stamp"
fi
if test "$src" != "$dir"; then
	cp "$src/console.test.mjs" "$dir/" || exit 99
fi
export CHROMIUM
exec timeout 90 node "$dir/console.test.mjs"
