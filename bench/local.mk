# Benchmark drivers (built with `make`, never installed) and the scripts that
# run them; recorded figures live in bench/results/. See bench/README.md.
noinst_PROGRAMS += bench/coap/coap-load
bench_coap_coap_load_SOURCES = bench/coap/coap-load.c
EXTRA_DIST += bench/README.md bench/coap/run

# bench/run: registrations, notifications, Reads (REST and in-process),
# RSS per device and REST latency, with lwm2md and lwm2m-fleet on loopback.
# rest-load drives the REST API; ops-bench runs the daemon in-process and
# drives the operation API directly.
noinst_PROGRAMS += bench/rest/rest-load bench/ops/ops-bench
bench_rest_rest_load_SOURCES = bench/rest/rest-load.c
bench_ops_ops_bench_SOURCES = bench/ops/ops-bench.c
bench_ops_ops_bench_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
bench_ops_ops_bench_LDADD = core/liblwcore.la
# Plugins resolve the plugin API in the program that loads them, as in lwm2md.
bench_ops_ops_bench_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
EXTRA_DIST += bench/run bench/smoke.sh

# The quick run of bench/run (2,000 devices, short windows): completes and
# loses nothing. Needs the daemon, the fleet, the drivers and the plugins.
TESTS += bench/smoke.sh

# bench/dtls: DTLS registrations and handshakes per second with lwm2m-fleet,
# and the memory of a live session (bench/dtls/README.md).
noinst_PROGRAMS += bench/dtls/provision bench/dtls/dtls-sessions
bench_dtls_provision_SOURCES = bench/dtls/provision.c
bench_dtls_dtls_sessions_SOURCES = bench/dtls/dtls-sessions.c
bench_dtls_dtls_sessions_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
bench_dtls_dtls_sessions_LDADD = $(GNUTLS_LIBS)
EXTRA_DIST += bench/dtls/run bench/dtls/README.md
