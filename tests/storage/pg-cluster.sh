#!/bin/sh
# pg-cluster.sh: a throwaway PostgreSQL cluster for the storage tests and the
# benchmarks, so that they never touch a real server.
#
#   pg-cluster.sh start DIR PORT   initdb under DIR, listen on 127.0.0.1:PORT
#                                  (socket in DIR), trust auth, start and wait
#   pg-cluster.sh stop DIR         stop fast and remove DIR
#   pg-cluster.sh kill DIR         stop -m immediate (a crash), keep DIR
#   pg-cluster.sh restart DIR      start DIR's cluster again and wait
#   pg-cluster.sh bindir           print the server binaries' folder (or fail)
#   pg-cluster.sh run PROG ARGS... start a cluster on a free port in a fresh
#                                  folder, run PROG with LW_PG_CONNINFO (no
#                                  dbname), LW_STORAGE=postgres and
#                                  LW_STORAGE_CONF set, stop it; PROG's status
#                                  (77, skip, without PostgreSQL)
#
# initdb refuses to run as root: as root the cluster belongs to the postgres
# system user (the Debian package creates it), else to the current user.
set -eu

bindir() {
	# Debian keeps one folder per major version: take the newest.
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			echo "$d"
			return 0
		fi
	done
	command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return 0
	return 1
}

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

cmd=${1:-}
case "$cmd" in
bindir)
	bindir
	;;
start)
	dir=$2
	port=$3
	bin=$(bindir) || { echo "pg-cluster.sh: no PostgreSQL server binaries" >&2; exit 77; }
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ]; then
		chown postgres: "$dir"
		runuser -u postgres -- test -w "$dir" ||
			{ echo "pg-cluster.sh: user postgres cannot reach $dir (a parent folder is private)" >&2; exit 1; }
	fi
	as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
	cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
max_connections = 200
log_min_messages = warning
CONF
	[ "$(id -u)" = 0 ] && chown postgres: "$dir/data/pg_hba.conf" "$dir/data/postgresql.conf"
	as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
		{ cat "$dir/server.log" >&2; exit 1; }
	;;
run)
	shift
	if ! bindir >/dev/null; then
		echo "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin):" \
			"install the postgresql package to run this test" >&2
		exit 77
	fi
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	top=$(mktemp -d "${TMPDIR:-/tmp}/lw-pg-XXXXXX")
	chmod 755 "$top" # the postgres user must reach its data folder
	trap '"$self" stop "$top/c" >/dev/null 2>&1; rm -rf "$top"' EXIT INT TERM
	port=$((20000 + $$ % 20000))
	tries=0
	until "$self" start "$top/c" "$port" 2>"$top/start.err"; do
		tries=$((tries + 1))
		if [ $tries -ge 8 ]; then
			cat "$top/start.err" >&2
			exit 1
		fi
		"$self" stop "$top/c" >/dev/null 2>&1 || true
		port=$((20000 + (port + 7919 - 20000) % 20000))
	done
	LW_PG_CONNINFO="host=127.0.0.1 port=$port user=postgres"
	LW_PG_CLUSTER_DIR="$top/c"
	LW_STORAGE=postgres
	LW_STORAGE_CONF="conninfo = $LW_PG_CONNINFO"
	export LW_PG_CONNINFO LW_PG_CLUSTER_DIR LW_STORAGE LW_STORAGE_CONF
	set +e
	"$@"
	rc=$?
	exit $rc
	;;
kill)
	bin=$(bindir)
	as_owner "$bin/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null
	;;
restart)
	bin=$(bindir)
	as_owner "$bin/pg_ctl" -D "$2/data" -l "$2/server.log" -w -t 30 start >/dev/null ||
		{ cat "$2/server.log" >&2; exit 1; }
	;;
stop)
	dir=$2
	bin=$(bindir) || exit 0
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	echo "usage: $0 start DIR PORT | stop DIR | bindir" >&2
	exit 2
	;;
esac
