#!/bin/sh
# qr_bench.sh - builds (target qr_bench) and runs tests/bench/qr_bench.c against
# the QR stream library; prints figures (frames needed / k, zbar speed on 720p
# captures, bytes per frame per QR version, 500 KB stream timing).
# Usage: sh tests/bench/qr_bench.sh [BUILD_DIR] [sections, e.g. 123]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
[ $# -gt 0 ] && shift
[ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" >/dev/null
cmake --build "$build" --target qr_bench >/dev/null
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$build/qr_bench" "$@"
