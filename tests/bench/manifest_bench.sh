#!/usr/bin/env bash
# Benchmark (not a test): reading the largest manifest a bundle may hold,
# FK_BUNDLE_MAX_RECORDS records with an attachment each (tests/unit/
# test_bundle_big.c writes it), in a process of its own: time and peak memory
# of the reader (its text, its entries; no JSON tree of the whole manifest).
# Usage: tests/bench/manifest_bench.sh [BUILD_DIR] [RECORDS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
n=${2:-500000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
FK_BIG_RECORDS=$n FK_BIG_WRITE=$T/head "$build/test_bundle_big" >/dev/null
/usr/bin/time -f "%e %M" -o "$T/tm" env FK_BIG_RECORDS=$n FK_BIG_READ=$T/head \
	"$build/test_bundle_big" >"$T/out"
read -r secs kb <"$T/tm"
printf 'manifest of %d records with an attachment each: %d bytes on disk (compressed)\n' \
	"$n" "$(stat -c %s "$T/head")"
printf 'read (signature, decompression, every entry): %.2f s, peak %.0f MiB for the whole process\n' \
	"$secs" "$(echo "$kb / 1024" | bc -l)"
