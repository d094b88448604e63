# Benchmark drivers (built with `make`, never installed) and the scripts that
# run them; recorded figures live in bench/results/. See bench/README.md.
noinst_PROGRAMS += bench/coap/coap-load
bench_coap_coap_load_SOURCES = bench/coap/coap-load.c
EXTRA_DIST += bench/README.md bench/coap/run
