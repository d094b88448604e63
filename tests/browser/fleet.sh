#!/bin/sh
# tests/browser/fleet.sh: the console with a fleet of 2,000 devices, as an
# automake TESTS entry: bench/console/run --quick registers them with
# lwm2m-fleet and checks that every page (fleet, list, sort, search, page N,
# filters, device page, Read) shows the right counts and rows, and that a
# page sorted only as far as it needs is that slice of the whole list. No
# timing (bench/console/run without --quick measures 100,000). Skips (77)
# like run.sh without Chromium or Node.
set -u
: "${LW_BUILDDIR:?run through make check (LW_BUILDDIR)}"
: "${LW_SRCDIR:?run through make check (LW_SRCDIR)}"
exec timeout 120 "$LW_SRCDIR/bench/console/run" --quick "$LW_BUILDDIR"
