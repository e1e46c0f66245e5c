#!/bin/bash
# schema_validate.sh - figures for the forms engine: records validated per
# second and peak memory for a JSONL batch, and the cost of refusing a 50 MB
# record. Prints figures; asserts nothing.
# Usage: FIELDKIT=build/fieldkit tests/bench/schema_validate.sh [N]
set -eu
FK=${FIELDKIT:-build/fieldkit}
SRC=${FK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
N=${1:-20000}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/schema_bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
EX="$SRC/schemas/examples"

a=$(tr -d '\n' <"$EX/family-report-valid-1.json")
b=$(tr -d '\n' <"$EX/family-report-valid-2.json")
for ((i = 0; i < N / 2; i++)); do printf '%s\n%s\n' "$a" "$b"; done >"$OUT/batch.jsonl"
size=$(stat -c %s "$OUT/batch.jsonl")

/usr/bin/time -f "%e %M" -o "$OUT/t" "$FK" schema validate --today 2025-06-01 family-report \
	"$OUT/batch.jsonl" >/dev/null
read -r secs kb < <(tail -1 "$OUT/t")
echo "validate: $N records ($((size / 1024)) KiB) in ${secs} s = $(echo "$N / $secs" | bc 2>/dev/null || echo '?') records/s, peak ${kb} KiB"

head -c 52428800 /dev/zero | tr '\0' 'a' | sed 's/^/{"report_place": "/' >"$OUT/big.json"
/usr/bin/time -f "%e %M" -o "$OUT/t" "$FK" schema validate family-report "$OUT/big.json" >/dev/null || true
read -r secs kb < <(tail -1 "$OUT/t")
echo "50 MB record refused in ${secs} s, peak ${kb} KiB"
