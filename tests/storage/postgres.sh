#!/bin/sh
# Runs the storage conformance suite against the storage-postgres plugin of
# this build tree, on a throwaway PostgreSQL cluster (pg-cluster.sh) on a free
# port of 127.0.0.1. Skips (77) without PostgreSQL's server binaries. Extra
# arguments go to Criterion (without any, only the shared suite "storage"
# runs).
set -e
here=$(cd "$(dirname "$0")" && pwd)
builddir=${LW_BUILDDIR:-.}
LW_STORAGE_PLUGIN_DIR=${LW_STORAGE_PLUGIN_DIR:-$builddir/stage/plugins}
# the conformance suite's back-pressure test: this plugin's bound
LW_STORAGE_TINY_QUEUE_CONF="spool_max = 4"
export LW_STORAGE_PLUGIN_DIR LW_STORAGE_TINY_QUEUE_CONF
# the suite "sqlite" of test-storage is SQLite's own: run the shared one
[ $# -eq 0 ] && set -- --filter 'storage/*'
exec "$here/pg-cluster.sh" run "$builddir/tests/storage/test-storage" "$@"
