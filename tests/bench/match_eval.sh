#!/usr/bin/env bash
# Accuracy of matching on a synthetic set, through the real path: the set is
# generated (match_gen.py), captured on a device, exported, imported into a
# fresh hub (incremental matching runs there), then `hub match --all --format
# tsv`, `hub match --candidates`, `hub find` for every query of the set and
# `hub duplicates` are scored by match_eval.py against the ground truth.
#
# Usage: tests/bench/match_eval.sh [BUILD_DIR] [match_gen.py options...]
#   e.g. tests/bench/match_eval.sh build --variant holdout --seed 99
# Prints precision, recall and F1 at `match`, blocking recall, the share of
# searches with the child in the top 10, and duplicate-cluster precision/recall.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
[ $# -gt 0 ] && shift
F=$(cd "$BUILD" && pwd)/fieldkit
W=$(mktemp -d "${TMPDIR:-/tmp}/fk-match-eval.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_QUIET=1
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (its database is encrypted).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
python3 "$SRC/tests/bench/match_gen.py" set "$@"
$F hub init --home hub --name eval --passphrase-file pass >/dev/null
$F init --home dev --name eval --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
t0=$(date +%s.%N)
$F capture family-report --from set/reports.jsonl --home dev >/dev/null 2>&1
$F capture child-intake --from set/intakes.jsonl --home dev >/dev/null 2>&1
$F export --home dev --to stick --passphrase-file pass >/dev/null
t1=$(date +%s.%N)
$F hub import --home hub --passphrase-file pass stick | grep -v "^stick/" || true
t2=$(date +%s.%N)
echo "capture+export $(echo "$t1 - $t0" | bc) s; import (with matching) $(echo "$t2 - $t1" | bc) s"
$F hub sql --home hub "select record_id || char(9) || form_id || char(9) || seq from records" |
	awk -F'\t' -v R="$(wc -l <set/reports.jsonl)" \
	'{ print $1 "\t" $2 "\t" ($2 == "family-report" ? $3 : $3 - R) }' >ids.tsv
/usr/bin/time -f "hub match: %e s wall, %U s user, %S s system, %M KB peak" \
	$F hub match --home hub --format tsv --all >all.tsv
$F hub match --home hub --format tsv >best.tsv
$F hub match --home hub --candidates >cand.tsv
$F hub duplicates --home hub >dups.tsv
# searches: one per distinct query, hits as REPORT:CHILD
python3 - "$F" set/queries.tsv >find.txt <<'PY'
import subprocess, sys
F, qf = sys.argv[1], sys.argv[2]
rows = [l.rstrip("\n").split("\t") for l in open(qf, encoding="utf-8")][1:]
prev = None
for q, born, sex, _, _ in rows:
    if (q, born, sex) == prev:
        continue
    prev = (q, born, sex)
    cmd = [F, "hub", "find", "--home", "hub", "--format", "tsv", q]
    if born:
        cmd += ["--born", born]
    if sex:
        cmd += ["--sex", sex]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout.split("\n")[1:]
    hits = ["%s:%s" % (r.split("\t")[3], r.split("\t")[4]) for r in out if r]
    print(" ".join(hits))
PY
python3 "$SRC/tests/bench/match_eval.py" set --ids ids.tsv --match all.tsv --best best.tsv \
	--blocked cand.tsv --find find.txt --dups dups.tsv
