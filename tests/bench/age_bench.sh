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

# best of 3 runs: seconds and peak RSS of a command writing to $out
measure() { # label out cmd...
	label=$1; out=$2; shift 2
	best=""; peak=0
	for _ in 1 2 3; do
		/usr/bin/time -f "%e %M" -o tm "$@" >"$out"
		read -r secs kb <tm
		if [ -z "$best" ] || [ "$(echo "$secs < $best" | bc -l)" = 1 ]; then best=$secs; fi
		[ "$kb" -gt "$peak" ] && peak=$kb
	done
	[ "$(echo "$best < 0.01" | bc -l)" = 1 ] && best=0.01
	printf '%-34s %6.2f s %7.1f MiB/s  peak %5.1f MiB\n' "$label" "$best" \
	    "$(echo "$mib / $best" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
}
echo "age v1, one X25519 recipient, ${mib} MiB of random data, $(nproc) cores, best of 3"
echo "(both tools write to stdout redirected to a file; no fsync)"
measure "fieldkit age -e" ct.fk "$F" age -r "$pub" plain
measure "age -e" ct.age age -r "$pub" plain
measure "fieldkit age -d" out.fk "$F" age -d -i id ct.age
measure "age -d" out.age age -d -i id ct.fk
cmp out.fk plain && cmp out.age plain && echo "outputs verified (each tool opened the other's file)"
echo "with -o (fieldkit writes a temporary file, fsyncs, renames: crash-safe)"
measure "fieldkit age -e -o" /dev/null "$F" age -r "$pub" -o ct.o plain
measure "fieldkit age -d -o" /dev/null "$F" age -d -i id -o out.o ct.age
