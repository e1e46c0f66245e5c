#!/usr/bin/env bash
# Benchmark (not a test): encrypt and decrypt a 256 MiB file with fieldkit and
# with the real age tool, in the same run, and print times and peak memory.
# Usage: tests/bench/age_bench.sh [BUILD_DIR] [SIZE_MIB]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
mib=${2:-256}
F=$build/fieldkit
[ -x "$F" ] || { echo "build first: $F not found" >&2; exit 1; }
command -v age >/dev/null || { echo "age is not installed" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
age-keygen -o id 2>/dev/null
pub=$(age-keygen -y id)
head -c $((mib * 1024 * 1024)) /dev/urandom >plain

measure() { # label cmd... -> prints seconds and peak RSS
	label=$1; shift
	/usr/bin/time -f "%e %M" -o tm "$@" >/dev/null
	read -r secs kb <tm
	printf '%-28s %7.2f s  %8.1f MiB/s  peak %6.1f MiB\n' "$label" "$secs" \
	    "$(echo "$mib / $secs" | bc -l 2>/dev/null || echo 0)" "$(echo "$kb / 1024" | bc -l)"
}
echo "age v1, X25519 recipient, ${mib} MiB of random data, $(nproc) cores"
measure "fieldkit age -e" "$F" age -r "$pub" -o ct.fk plain
measure "age -e" age -r "$pub" -o ct.age plain
measure "fieldkit age -d" "$F" age -d -i id -o out.fk ct.age
measure "age -d" age -d -i id -o out.age ct.fk
cmp out.fk plain && cmp out.age plain && echo "outputs verified (each tool opened the other's file)"
