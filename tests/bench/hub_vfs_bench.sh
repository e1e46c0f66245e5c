#!/usr/bin/env bash
# Benchmark (not a test): what encrypting the hub database's pages costs, in
# one process (hub_vfs_bench.c): inserting N records in one transaction and
# statistics-like queries on a new connection, plain SQLite against sealed.
# Usage: tests/bench/hub_vfs_bench.sh [BUILD_DIR] [RECORDS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
cmake --build "$build" --target hub_vfs_bench >/dev/null
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$build/hub_vfs_bench" "$T" "${2:-10000}"
