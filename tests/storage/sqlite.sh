#!/bin/sh
# Runs the storage conformance suite against the storage-sqlite plugin of this
# build tree (BUILDDIR/stage/plugins). Extra arguments go to Criterion.
set -e
builddir=${LW_BUILDDIR:-.}
LW_STORAGE=sqlite
LW_STORAGE_PLUGIN_DIR=${LW_STORAGE_PLUGIN_DIR:-$builddir/stage/plugins}
export LW_STORAGE LW_STORAGE_PLUGIN_DIR
exec "$builddir/tests/storage/test-storage" "$@"
