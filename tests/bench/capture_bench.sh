#!/bin/bash
# capture_bench.sh - batch finalizing rate and peak memory.
#   FIELDKIT=build/fieldkit FK_SRC=. tests/bench/capture_bench.sh [N]
# Captures N (default 10,000) valid records of the test form with one
# `fieldkit capture --from` run on a fresh device and prints records/s and
# the peak resident memory (GNU time).
# On a shared machine the wall-clock rate is what is left of the CPU; the
# rate per CPU-second is printed too.
set -eu
FIELDKIT=${FIELDKIT:-$(pwd)/build/fieldkit}
FK_SRC=${FK_SRC:-$(pwd)}
export FIELDKIT FK_SRC
. "$FK_SRC/tests/cli/capture_lib.inc"
N=${1:-10000}
W=$(mktemp -d "${TMPDIR:-/tmp}/capture_bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
"$PY" - "$N" > "$W/batch.jsonl" <<'PY'
import json, sys
for i in range(int(sys.argv[1])):
    # Every line differs (a line already sealed is not sealed again).
    print(json.dumps({"reporter_surname_cyr": "Шевченко", "reporter_surname_lat": "Shevchenko %d" % i,
        "reporter_given_cyr": "Оксана",
        "report_date": "2025-02-%02d" % (1 + i % 28), "reporter_age": 20 + i % 60,
        "children": [{"child_surname_cyr": "Шевченко", "child_sex": "mf"[i % 2],
                      "child_dob": "2015-05-%02d" % (1 + i % 28)}]}, ensure_ascii=False))
PY
/usr/bin/time -v "$FIELDKIT" capture "$FORM" --home "$W/home" --from "$W/batch.jsonl" > /dev/null 2> "$W/time"
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$W/time")
peak=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time")
usr=$(awk -F': ' '/User time/ {print $2}' "$W/time")
sys=$(awk -F': ' '/System time/ {print $2}' "$W/time")
"$PY" - "$N" "$secs" "$peak" "$usr" "$sys" <<'PY'
import sys
n, wall, peak, usr, sy = sys.argv[1:6]
parts = [float(x) for x in wall.split(":")]
s = parts[-1] + (parts[-2] * 60 if len(parts) > 1 else 0) + (parts[-3] * 3600 if len(parts) > 2 else 0)
cpu = float(usr) + float(sy)
print("capture batch: %s records in %.2f s wall = %.0f records/s" % (n, s, int(n) / s))
print("capture batch: cpu %.2f s (user %s, sys %s) = %.0f records per cpu-second" % (cpu, usr, sy, int(n) / cpu))
print("capture batch: peak memory %.1f MiB" % (int(peak) / 1024))
PY
size=$(du -k "$W/home/store.db" | cut -f1)
echo "capture batch: store.db $((size / 1024)) MiB for $N records ($((size * 1024 / N)) bytes each)"
n=$(check_chain "$W/home")
echo "capture batch: chain checked, $n records"
