#!/bin/sh
# bench/smoke.sh: the CI smoke test of bench/run. Runs the whole suite in
# its quick form against the build tree (2,000 devices, or 500 under
# sanitizers; short windows; no million step) and fails when a step failed
# or anything was lost: a registration the store did not persist, a point
# the store refused, a Read or REST request that did not succeed. It checks
# that the suite works, not how fast the server is.
set -eu
srcdir=${LW_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${LW_BUILDDIR:-.}
for f in lwm2md lwm2m-fleet bench/coap/coap-load bench/rest/rest-load bench/ops/ops-bench; do
	if [ ! -x "$builddir/$f" ]; then
		echo "bench/smoke.sh: $builddir/$f is missing" >&2
		exit 1
	fi
done
start=$(date +%s)
RESULTS=- timeout 170 "$srcdir/bench/run" --quick "$builddir"
end=$(date +%s)
echo "bench/smoke.sh: bench/run --quick passed in $((end - start)) s"
