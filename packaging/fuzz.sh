#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang and runs each
# for SECONDS (default 60), seeded from tests/data. Not part of CI's time budget.
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
CC=clang cmake -S "$src" -B "$src/build-fuzz" -DFK_FUZZ=ON >/dev/null
cmake --build "$src/build-fuzz" -j"$(nproc)"
for f in "$src"/build-fuzz/tests/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus="$src/build-fuzz/corpus/$name"
	mkdir -p "$corpus"
	[ "$name" = fuzz_age ] && cp "$src"/tests/data/age-cctv/* "$corpus"/ 2>/dev/null || true
	echo "== $name for $secs s"
	"$f" -max_total_time="$secs" -rss_limit_mb=2048 "$corpus" 2>&1 | tail -1
done
