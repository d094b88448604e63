#!/usr/bin/env bash
# lwm2m.sh: the two commands of the README, and the steps behind them.
#
#   ./lwm2m.sh run     install what is missing, build, install, start lwm2md
#                      on its built-in defaults (foreground; Ctrl-C stops it)
#   ./lwm2m.sh test    install what is missing, build and run the whole test
#                      suite: unit and integration tests, the same again under
#                      AddressSanitizer+UBSan, and every fuzzer for a short run
#
# Other steps: deps, build, check, check-asan, fuzz. On Debian 12 as root,
# packages come from apt-get; elsewhere install the packages listed in deps()
# yourself. Environment: JOBS (parallel make jobs), FUZZ_SECONDS (per fuzzer).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

# Build and test dependencies, by Debian package name.
PACKAGES=(
	build-essential autoconf automake libtool pkg-config
	libevent-dev libgnutls28-dev libinih-dev libjansson-dev libsqlite3-dev libpq-dev postgresql
	libcivetweb-dev libcoap3-dev libcoap3-bin libcriterion-dev libxml2-dev libcbor-dev libcurl4-gnutls-dev
	clang libclang-rt-14-dev valgrind procps gnutls-bin
	libssl-dev # HTTPS: CivetWeb loads libssl.so at run time; core/compat/libssl.la links it
	chromium nodejs
)

log() { printf '\n==> %s\n' "$*"; }

deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	# npm comes with some nodejs packages (NodeSource's, which conflict
	# with Debian's npm package); Debian's own nodejs needs it beside.
	command -v npm >/dev/null || [[ " ${missing[*]} " == *" nodejs "* ]] || missing+=(npm)
	((${#missing[@]})) || return 0
	if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
		echo "missing packages: ${missing[*]} (install them as root with apt-get)" >&2
		exit 1
	fi
	log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
	command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm
}

# configure_in DIR [configure args...]: (re)configures an out-of-tree build.
configure_in() {
	local dir=$1
	shift
	[[ -x $here/configure ]] || (cd "$here" && autoreconf -fi)
	mkdir -p "$here/$dir"
	local want="$*"
	if [[ ! -f $here/$dir/Makefile || $(cat "$here/$dir/.lw-configured" 2>/dev/null) != "$want" ]]; then
		(cd "$here/$dir" && "$here/configure" "$@" && echo "$want" >.lw-configured)
	fi
}

build() {
	log "building in _build"
	configure_in _build --enable-werror
	make -C "$here/_build" -j"$JOBS"
}

check() {
	build
	log "unit and integration tests"
	make -C "$here/_build" -j"$JOBS" check || { tail -n 60 "$here"/_build/test-suite.log; return 1; }
}

check_asan() {
	log "unit and integration tests under AddressSanitizer + UBSan"
	configure_in _build-asan --enable-werror --enable-sanitizers CFLAGS='-g -O1'
	make -C "$here/_build-asan" -j"$JOBS"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -C "$here/_build-asan" -j"$JOBS" check ||
		{ tail -n 60 "$here"/_build-asan/test-suite.log; return 1; }
}

fuzz() {
	log "fuzzers, ${FUZZ_SECONDS}s each (clang, libFuzzer, ASan+UBSan)"
	configure_in _build-fuzz --enable-werror --enable-sanitizers --enable-fuzzers CC=clang \
		CFLAGS='-g -O1'
	make -C "$here/_build-fuzz" -j"$JOBS"
	local n=0
	for f in "$here"/_build-fuzz/tests/fuzz/fuzz-*; do
		[[ -x $f && ! -d $f ]] || continue
		local name corpus work
		name=$(basename "$f")
		corpus="$here/tests/fuzz/corpus/${name#fuzz-}"
		work=$(mktemp -d)
		[[ -d $corpus ]] && cp -r "$corpus/." "$work/"
		echo "--- $name"
		"$f" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 "$work" 2>&1 | tail -n 12
		rm -rf "$work"
		n=$((n + 1))
	done
	echo "$n fuzzers ran without a crash, leak or sanitizer report"
}

run() {
	build
	log "installing into /usr/local"
	make -C "$here/_build" install >/dev/null
	ldconfig 2>/dev/null || true
	log "starting lwm2md on its built-in defaults (Ctrl-C stops it)"
	exec /usr/local/bin/lwm2md -f
}

# Prints "N passed, N failed": test cases of every build checked, counted from
# Criterion's synthesis lines (a test program without one counts as one case).
summary() {
	local pass=0 fail=0 skip=0 d log trs p f s
	for d in "$@"; do
		while IFS= read -r -d '' trs; do
			log=${trs%.trs}.log
			if grep -q 'Synthesis: Tested:' "$log" 2>/dev/null; then
				p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
				f=$(sed -n 's/.*Failing: \([0-9]*\) | Crashing: \([0-9]*\).*/\1+\2/p' "$log" | tail -n 1)
				s=$(grep -c '^\[SKIP\]\|: Skipped\|\[----\].*skipped' "$log" || true)
				pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
			elif grep -q '^:test-result: PASS' "$trs"; then
				pass=$((pass + 1))
			elif grep -q '^:test-result: SKIP' "$trs"; then
				skip=$((skip + 1))
			else
				fail=$((fail + 1))
			fi
		done < <(find "$here/$d" -name '*.trs' -print0 2>/dev/null)
	done
	echo "$pass passed, $fail failed, $skip skipped"
	((fail == 0))
}

cmd=${1:-}
case $cmd in
run) deps && run ;;
test) deps && check && check_asan && fuzz && summary _build _build-asan ;;
deps) deps ;;
build) deps && build ;;
check) deps && check && summary _build ;;
check-asan) deps && check_asan && summary _build-asan ;;
fuzz) deps && fuzz ;;
*)
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
