#!/usr/bin/env bash
# Speed and memory of matching on a hub of 50,000 children of family reports
# and 50,000 intakes (match_gen.py --children 50000 --intake-rate 1
# --unreported-rate 1), built the real way (capture, export, import).
# Prints: the import of the whole set (matching included), `hub match` over
# everything (wall time, peak memory), the import of one new intake (its
# incremental matching included), and `hub find` on that hub.
# Targets (issue 13): hub match <= 10 s and <= 256 MB on 2 cores; one new
# intake matched at import <= 50 ms; hub find <= 200 ms.
#
# Usage: tests/bench/match_bench.sh [BUILD_DIR] [CHILDREN]
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
N=${2:-50000}
F=$(cd "$BUILD" && pwd)/fieldkit
W=$(mktemp -d "${TMPDIR:-/tmp}/fk-match-bench.XXXXXX")
[ -n "${KEEP:-}" ] || trap 'rm -rf "$W"' EXIT   # KEEP=1: keep the hub for a closer look
echo "working in $W"
cd "$W"
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_QUIET=1
printf 'pw\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (its database is encrypted).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

python3 "$SRC/tests/bench/match_gen.py" set --children "$N" --intake-rate 1 --unreported-rate 1 --seed 7
$F hub init --home hub --name bench --passphrase-file pass >/dev/null
$F init --home dev --name bench --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
head -1 set/intakes.jsonl >one.jsonl
sed -i 1d set/intakes.jsonl
$F capture family-report --from set/reports.jsonl --home dev >/dev/null 2>&1
$F capture child-intake --from set/intakes.jsonl --home dev >/dev/null 2>&1
$F export --home dev --to stick --passphrase-file pass >/dev/null
t0=$(now)
$F hub import --home hub --passphrase-file pass stick | grep -v "^stick/" || true
t1=$(now)
echo "import of $(wc -l <set/reports.jsonl) reports and $(wc -l <set/intakes.jsonl) intakes (matching included): $(secs "$t0" "$t1") s"
/usr/bin/time -f "hub match --format tsv: %e s wall, %U s user, %M KB peak" \
	$F hub match --home hub --format tsv >m.tsv 2>time.err || true
grep "hub match" time.err
echo "  (intakes with a candidate: $(($(wc -l <m.tsv) - 1)))"
# one new intake: its import, with incremental matching, against the same bundle
# imported again (everything but the matching); CPU seconds (user + system) and wall
$F capture child-intake --from one.jsonl --home dev >/dev/null 2>&1
$F export --home dev --to stick1 --passphrase-file pass >/dev/null
cpu() { /usr/bin/time -f "%U %S %e" -o t.out "$@" >/dev/null 2>&1 || true; awk '{ printf "%.3f %.3f", $1 + $2, $3 }' t.out; }
a=$(cpu $F hub import --home hub --passphrase-file pass stick1)
b=$(cpu $F hub import --home hub --passphrase-file pass stick1)
python3 -c "import sys; a, aw, b, bw = map(float, sys.argv[1:]); print('import with one new intake: %.3f s CPU (%.3f s wall); the same bundle again, nothing new: %.3f s CPU (%.3f s wall); matching the new intake: %.0f ms CPU' % (a, aw, b, bw, (a - b) * 1000))" $a $b
# searches
python3 - "$F" set/queries.tsv <<'PY'
import subprocess, sys, time
F, qf = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(qf, encoding="utf-8")][1:]
qs = []
for q, born, sex, _, _ in rows:
    if q not in qs:
        qs.append(q)
qs = qs[:40]
import os, resource
times, cpus = [], []
for q in qs:
    t = time.time()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([F, "hub", "find", "--home", "hub", "--format", "tsv", q], capture_output=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    times.append(time.time() - t)
    cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
for name, v in (("wall", times), ("CPU", cpus)):
    v.sort()
    print("hub find, %d queries (whole process, %s): median %.3f s, p95 %.3f s, max %.3f s"
          % (len(v), name, v[len(v) // 2], v[int(len(v) * 0.95)], v[-1]))
PY
