#!/usr/bin/env bash
# Speed and memory of matching on a hub of 50,000 children of family reports
# and 50,000 intakes (match_gen.py --children 50000 --intake-rate 1
# --unreported-rate 1), built the real way (capture, export, import) and in
# the field's order: the family reports arrive first, the children later.
# Prints, with CPU seconds (user + system, all threads: the fair figure on a
# shared machine), wall seconds and peak memory:
#  - the import of the reports (a model is learnt with no intake yet);
#  - the import of 45,000 intakes (that model is stale: learnt again, at import);
#  - `hub match --format tsv` over everything;
#  - the import of 5,000 more intakes (the model is kept: incremental, in
#    batches), per intake;
#  - the import of one more intake;
#  - `hub find` on that hub.
# A bundle's own cost (opening, checking, storing) is measured by importing it
# a second time (nothing new, no matching) and taken off.
# Targets (issue 13): hub match <= 10 s and <= 256 MB on 2 cores; one new
# intake matched at import <= 50 ms; <= 256 MB at any import; hub find <= 200 ms.
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
# FIELDKIT_MATCH_TIMING: `hub import` prints its matching step's CPU time on stderr
# (a bundle imported again stops at "already imported", so the difference of the
# two imports is the bundle's checks, storage and matching together)
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_QUIET=1 FIELDKIT_MATCH_TIMING=1
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (its database is encrypted).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"

python3 "$SRC/tests/bench/match_gen.py" set --children "$N" --intake-rate 1 --unreported-rate 1 --seed 7
ni=$(wc -l <set/intakes.jsonl)
nl=$((ni / 10))
head -1 set/intakes.jsonl >one.jsonl
sed -n "2,$((nl + 1))p" set/intakes.jsonl >late.jsonl
tail -n +$((nl + 2)) set/intakes.jsonl >early.jsonl
$F hub init --home hub --name bench --passphrase-file pass >/dev/null
# one device a bundle, so that each bundle holds only its own records
dev() {
	$F init --home "dev$1" --name "bench$1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
	$F device-card --home "dev$1" --to "dev$1.card" --passphrase-file pass >/dev/null
	$F hub devices add "dev$1.card" --home hub >/dev/null
	$F capture "$2" --from "$3" --home "dev$1" >/dev/null 2>&1
	$F export --home "dev$1" --to "stick$1" --passphrase-file pass >/dev/null
}
dev r family-report set/reports.jsonl
dev i child-intake early.jsonl
dev l child-intake late.jsonl
dev 1 child-intake one.jsonl
# CPU (user + system), wall and peak KB of a command
run() { /usr/bin/time -f "%U %S %e %M" -o t.out "$@" >out.txt 2>&1 || true; awk '{ printf "%.3f %.3f %d", $1 + $2, $3, $4 }' t.out; }
show() { awk -v what="$1" '{ printf "%s: %.2f s CPU, %.2f s wall, %.0f MB peak\n", what, $1, $2, $3 / 1024 }' <<<"$2"; }
# import a bundle, then again (its own cost); print both and the difference
imp() {
	local what=$1 stick=$2 n=$3 a b
	a=$(run $F hub import --home hub --passphrase-file pass "$stick")
	grep "to review" out.txt || true
	cp out.txt m1.txt
	b=$(run $F hub import --home hub --passphrase-file pass "$stick")
	show "import of $what" "$a"
	show "  the same bundle again (nothing new)" "$b"
	python3 -c "import sys; a, b, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]); print('  the new records stored, indexed and matched: %.2f s CPU, %.1f ms CPU per record' % (a - b, (a - b) * 1000 / n))" \
		"${a%% *}" "${b%% *}" "$n"
	python3 -c "import sys; ms, n = float(sys.argv[1]), int(sys.argv[2]); print('  of which matching (timed in the process): %.1f ms CPU, %.2f ms per record' % (ms, ms / n))" \
		"$(sed -n 's/^matching: \([0-9.]*\) ms CPU$/\1/p' m1.txt | head -1)" "$n"
}
imp "$(wc -l <set/reports.jsonl) family reports (no intake yet)" stickr "$(wc -l <set/reports.jsonl)"
imp "$(wc -l <early.jsonl) intakes (the model learnt without intakes: learnt again)" sticki "$(wc -l <early.jsonl)"
show "hub match --format tsv (everything, model and proposals stored)" \
	"$(run $F hub match --home hub --format tsv)"
cp out.txt m.tsv
echo "  (intakes with a candidate: $(($(grep -c . m.tsv) - 1)))"
imp "$(wc -l <late.jsonl) more intakes (incremental, the model kept)" stickl "$(wc -l <late.jsonl)"
imp "one more intake" stick1 1
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
# the same `hub sql` cost every command pays to open and unlock the hub
show "opening and unlocking the hub (hub sql \"select 1\")" "$(run $F hub sql --home hub "select 1")"
