#!/bin/sh
# Installs what fieldkit needs (Debian 12), builds it, and runs the whole test
# suite under ctest. Usage: packaging/run-tests.sh [--asan] [BUILD_DIR]
#   --asan   build and test with AddressSanitizer + UndefinedBehaviorSanitizer
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
flags=""
build="$src/build"
if [ "${1:-}" = "--asan" ]; then
	flags="-DFK_SANITIZE=ON"
	build="$src/build-asan"
	shift
fi
build=${1:-$build}
"$here/setup-deps.sh"
# shellcheck disable=SC2086
cmake -S "$src" -B "$build" $flags >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	ctest --output-on-failure -j"$(nproc)" --timeout 600
