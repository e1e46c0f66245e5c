#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang and runs each
# for SECONDS (default 60), seeded from tests/data and from the seeds each
# target writes at start-up into $FK_FUZZ_SEEDS (valid documents it built and
# signed with its fixed keys). Not part of CI's time budget.
# Usage: packaging/fuzz.sh [SECONDS]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
secs=${1:-60}
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
"$here/setup-deps.sh"
for p in clang libclang-rt-14-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		$SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
# clang warns where gcc does not (capture/store.c string concatenation,
# sync/cmd_demo.c vprintf in a function without a format attribute): keep
# those two as warnings here until they are fixed in their modules.
CC=clang CXX=clang++ CFLAGS="-Wno-error=string-concatenation -Wno-error=format-nonliteral" \
	cmake -S "$src" -B "$src/build-fuzz" -DFK_FUZZ=ON >/dev/null
cmake --build "$src/build-fuzz" -j"$(nproc)"
for f in "$src"/build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus="$src/build-fuzz/corpus/$name"
	mkdir -p "$corpus"
	case $name in
	fuzz_age) cp "$src"/tests/data/age-cctv/* "$corpus"/ 2>/dev/null || true ;;
	fuzz_schema)
		for j in "$src"/schemas/*.json "$src"/tests/data/*form*.json; do
			[ -f "$j" ] && { printf '\000'; cat "$j"; } >"$corpus/seed-form-$(basename "$j")"
		done ;;
	fuzz_minisign) cp "$src"/tests/data/minisign/* "$corpus"/ 2>/dev/null || true ;;
	esac
	echo "== $name for $secs s"
	FK_FUZZ_SEEDS="$corpus" "$f" -max_total_time="$secs" -rss_limit_mb=2048 \
	    -artifact_prefix="$src/build-fuzz/$name-" "$corpus" 2>&1 | tail -1
done
