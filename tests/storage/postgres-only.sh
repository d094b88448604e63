#!/bin/sh
# Runs the PostgreSQL-only storage tests (test_postgres.c: server restarts,
# the spool, partitions and retention, the schema guard, cluster messages) on
# a throwaway cluster, one test at a time (they stop the server). Skips (77) without PostgreSQL's server binaries.
set -e
here=$(cd "$(dirname "$0")" && pwd)
builddir=${LW_BUILDDIR:-.}
LW_STORAGE_PLUGIN_DIR=${LW_STORAGE_PLUGIN_DIR:-$builddir/stage/plugins}
LW_PG_CLUSTER_SH="$here/pg-cluster.sh"
export LW_STORAGE_PLUGIN_DIR LW_PG_CLUSTER_SH
exec "$here/pg-cluster.sh" run "$builddir/tests/storage/test-postgres" --jobs 1 "$@"
