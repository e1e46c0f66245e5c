#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang (-Werror, as
# every build) and runs them. Each target starts from its corpus kept in the
# repository (tests/fuzz/corpus/TARGET), the seeds in tests/data, and the
# seeds the target writes at start-up into $FK_FUZZ_SEEDS (valid documents it
# built and signed with its fixed keys).
#
# Usage: packaging/fuzz.sh [OPTIONS] [TARGET...]
#   --time S     run each target at most S seconds (default 60)
#   --runs N     ... and at most N executions (default: no limit)
#   --jobs J     run J targets at the same time (default 1; the machine is shared)
#   --merge      afterwards, minimise what the run found into the corpus kept in
#                the repository (tests/fuzz/corpus/TARGET, -merge=1)
#   --ci         the short run CI does: every target for 4 s on a copy of its
#                kept corpus; fails if any target finds a crash, leak or timeout
#   --long       the release run: 10 million executions or one hour per target,
#                whichever comes first, two targets at a time, then --merge
#   --build-only only build
#   --no-build   use the targets already built (a second run beside a first)
#   --build-dir D build in D (default build-fuzz)
# Every run ends with one line per target: executions, and crashes found.
# Artefacts (crashing inputs) go to build-fuzz/artifacts/; logs to build-fuzz/logs/
# (build-fuzz/logs-ci/ for --ci).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
secs=60 runs="" jobs=1 merge=0 ci=0 buildonly=0 nobuild=0 build="" targets=""
while [ $# -gt 0 ]; do
	case $1 in
	--time) secs=$2; shift ;;
	--runs) runs=$2; shift ;;
	--jobs) jobs=$2; shift ;;
	--merge) merge=1 ;;
	--ci) ci=1; secs=4 ;;
	--long) secs=3600; runs=10000000; jobs=2; merge=1 ;;
	--build-only) buildonly=1 ;;
	--no-build) nobuild=1 ;;
	--build-dir) build=$2; shift ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1 (see: packaging/fuzz.sh --help)" >&2; exit 2 ;;
	[0-9]*) secs=$1 ;; # the old form: packaging/fuzz.sh SECONDS
	*) targets="$targets $1" ;;
	esac
	shift
done
[ -n "$build" ] || build="$src/build-fuzz"
mkdir -p "$build/logs"
build=$(cd "$build" && pwd)
if [ "$nobuild" -eq 0 ]; then
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	"$here/setup-deps.sh" >/dev/null
	for p in clang libclang-rt-14-dev; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			$SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
	done
	CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DFK_FUZZ=ON >/dev/null
	if ! cmake --build "$build" -j"$(nproc)" >"$build/logs/build.log" 2>&1; then
		grep -B2 -A6 'error' "$build/logs/build.log" | head -40
		echo "fuzz.sh: the fuzz build failed (see $build/logs/build.log)" >&2
		exit 1
	fi
fi
[ "$buildonly" -eq 1 ] && exit 0
if [ -z "$targets" ]; then
	for f in "$build"/tests/fuzz/fuzz_*; do
		[ -x "$f" ] && targets="$targets $(basename "$f")"
	done
fi
logs="$build/logs"
[ "$ci" -eq 1 ] && logs="$build/logs-ci" # never mixed with a long run's
mkdir -p "$build/artifacts" "$logs"

# seed TARGET DIR: the seeds from the source tree beside the kept corpus.
seed() {
	case $1 in
	fuzz_age) cp "$src"/tests/data/age-cctv/* "$2"/ 2>/dev/null || true ;;
	fuzz_schema)
		for j in "$src"/schemas/*.json "$src"/tests/data/*form*.json; do
			[ -f "$j" ] && { printf '\000'; cat "$j"; } >"$2/seed-form-$(basename "$j")"
		done ;;
	fuzz_minisign) cp "$src"/tests/data/minisign/* "$2"/ 2>/dev/null || true ;;
	fuzz_batchin)
		# Byte 0: the record limit (8 + 4 * byte), byte 1: the chunk sizes.
		for j in "$src"/schemas/examples/*.json; do
			[ -f "$j" ] && { printf '\377\007'; cat "$j"; } >"$2/seed-$(basename "$j")"
		done ;;
	esac
}

# run TARGET: one target, its figures into logs/TARGET.result.
run() {
	name=$1
	f="$build/tests/fuzz/$name"
	kept="$src/tests/fuzz/corpus/$name"
	work="$build/corpus/$name"
	log="$logs/$name.log"
	rm -f "$logs/$name.result"
	if [ "$ci" -eq 1 ]; then
		work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-ci.XXXXXX")
		[ -d "$kept" ] && cp "$kept"/* "$work"/ 2>/dev/null || true
	else
		mkdir -p "$work"
		[ -d "$kept" ] && cp -n "$kept"/* "$work"/ 2>/dev/null || true
		seed "$name" "$work"
		# Targets that write their seeds on their first input: one pass first,
		# so that the run reads them.
		FK_FUZZ_SEEDS="$work" FIELDKIT_SCHEMAS="$src/schemas" "$f" -runs=0 "$work" \
		    >/dev/null 2>&1 || true
		if [ "$name" = fuzz_image ] && command -v convert >/dev/null &&
		    [ -f "$work/seed-frame-0.png" ]; then
			convert "$work/seed-frame-0.png" -quality 80 "$work/seed-frame-0.jpg" || true
		fi
	fi
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$build/artifacts/$name-"
	[ -n "$runs" ] && set -- "$@" -runs="$runs"
	status=0
	FK_FUZZ_SEEDS="$work" FIELDKIT_SCHEMAS="$src/schemas" "$f" "$@" "$work" >"$log" 2>&1 ||
		status=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	crash=$(grep -c '^==[0-9]*==ERROR\|^==[0-9]*== ERROR\|SUMMARY: libFuzzer\|runtime error:' "$log" || true)
	if [ "$status" -eq 0 ] && [ "$merge" -eq 1 ]; then
		new="$build/corpus/$name.merged"
		rm -rf "$new"
		mkdir -p "$new"
		FIELDKIT_SCHEMAS="$src/schemas" "$f" -merge=1 "$new" "$work" >>"$log" 2>&1 || status=$?
		if [ "$status" -eq 0 ]; then
			mkdir -p "$(dirname "$kept")"
			rm -rf "$kept"
			mv "$new" "$kept"
		fi
	fi
	[ "$ci" -eq 1 ] && rm -rf "$work"
	printf '%-16s %12s executions  status %s  problems %s\n' "$name" "${execs:-?}" \
	    "$status" "$crash" >"$logs/$name.result"
}

failed=0
set -- $targets
while [ $# -gt 0 ]; do
	pids=""
	i=0
	while [ $i -lt "$jobs" ] && [ $# -gt 0 ]; do
		run "$1" &
		pids="$pids $!"
		shift
		i=$((i + 1))
	done
	for p in $pids; do wait "$p" || failed=1; done
done
for t in $targets; do
	if [ -f "$logs/$t.result" ]; then
		cat "$logs/$t.result"
		grep -q 'status 0 ' "$logs/$t.result" || {
			failed=1
			grep -m3 -A8 'ERROR\|runtime error\|SUMMARY' "$logs/$t.log" | head -30
		}
	else
		echo "$t: no result"; failed=1
	fi
done
exit "$failed"
