#!/usr/bin/env bash
# Matching at import when family reports and intakes arrive in different
# bundles (the field's usual order: reports first, the children later):
# - the import of the intakes relearns the model learnt on reports alone and
#   stores exactly the pairs a full `hub match` finds;
# - two bundles give the same `hub match --format tsv` as one bundle;
# - a later bundle of a few intakes takes the incremental path (the model is
#   kept) and stores the decisions a full run makes for them;
# - a new report that competes with an intake's proposal changes it at import.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10
printf 'pw\n' >pass && chmod 600 pass
q() { sqlite3 -separator "$(printf '\t')" "$1/hub.db" "$2"; }
# the proposals stored at import, as `hub match --all --format tsv` prints them
stored() {
	q "$1" "select intake, report, child, printf('%.3f', score),
		case when score >= 0.8 then 'match' else 'review' end from match_pairs
		order by intake, report, child"
}
# a tsv of `hub match`, sorted (without its header)
sorted() { tail -n +2 "$1" | sort; }

python3 "$FK_SRC/tests/bench/match_gen.py" set --children 600 --seed 11 >/dev/null
# three intakes that have a family report come late; a report of the first by another
# relative comes after them
python3 - set <<'PY'
import json, sys
d = sys.argv[1]
truth = [l.split() for l in open(d + "/truth.tsv")][1:]
linked = sorted({int(t[0]) for t in truth})
late = linked[-3:]
intakes = open(d + "/intakes.jsonl").read().splitlines()
open("early.jsonl", "w").write("".join(l + "\n" for i, l in enumerate(intakes, 1) if i not in late))
open("late.jsonl", "w").write("".join(intakes[i - 1] + "\n" for i in late))
r, c = next((int(t[1]), int(t[2])) for t in truth if int(t[0]) == late[0])
rep = json.loads(open(d + "/reports.jsonl").read().splitlines()[r - 1])
rep["children"] = [rep["children"][c - 1]]
rep["reporter_given_cyr"], rep["reporter_given_lat"] = "Вікторія", "Viktoriia"
rep["children"][0]["relationship"] = "aunt"
open("again.jsonl", "w").write(json.dumps(rep, ensure_ascii=False) + "\n")
PY
$F hub init --home one --name "hub" --passphrase-file pass >/dev/null
$F init --home dev --name "t1" --hub one/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home one >/dev/null
cp -a one two  # the same hub twice: one imports one bundle, the other two
# bundle 1: the reports; bundle 2: everything not acknowledged (reports and intakes)
$F capture family-report --from set/reports.jsonl --home dev >/dev/null
$F export --home dev --to s1 --passphrase-file pass >/dev/null
$F capture child-intake --from early.jsonl --home dev >/dev/null
$F export --home dev --to s2 --passphrase-file pass >/dev/null

$F hub import --home one --passphrase-file pass s2 >one.out
$F hub import --home two --passphrase-file pass s1 >two1.out
[ "$(q two 'select count(*) from match_pairs')" = 0 ] || fail "pairs without any intake"
$F hub import --home two --passphrase-file pass s2 >two2.out
n1=$(sed -n 's/^\([0-9]*\) possible match.*/\1/p' one.out)
n2=$(sed -n 's/^\([0-9]*\) possible match.*/\1/p' two2.out)
[ -n "$n1" ] && [ "$n1" -gt 50 ] && [ "$n1" = "$n2" ] ||
	fail "pairs to review: $n1 from one bundle, $n2 from two"
stored one >one.pairs
stored two >two.pairs
cmp -s one.pairs two.pairs || fail "stored proposals differ: $(diff one.pairs two.pairs | head -5)"
ok "reports then intakes in two bundles: the import stores the $n2 proposals one bundle gives"

$F hub match --home one --format tsv --all >one.all 2>/dev/null
$F hub match --home two --format tsv --all >two.all 2>/dev/null
cmp -s one.all two.all || fail "hub match --all differs: $(diff one.all two.all | head -5)"
[ "$(sorted two.all)" = "$(sort two.pairs)" ] ||
	fail "stored at import and hub match --all disagree: $(diff <(sorted two.all) <(sort two.pairs) | head -5)"
$F hub match --home one --format tsv >one.tsv 2>/dev/null
$F hub match --home two --format tsv >two.tsv 2>/dev/null
cmp -s one.tsv two.tsv || fail "hub match --format tsv differs: $(diff one.tsv two.tsv | head -5)"
ok "hub match --format tsv (and --all) is the same for one bundle and two, and as stored at import"

# a few more intakes: the model is kept, only they are scored
m0=$(q two "select at from match_model")
$F capture child-intake --from late.jsonl --home dev >/dev/null
$F export --home dev --to s3 --passphrase-file pass >/dev/null
$F hub import --home two --passphrase-file pass s3 >two3.out
[ "$(q two "select at from match_model")" = "$m0" ] || fail "three new intakes relearnt the model"
late=$(q two "select record_id from records where form_id = 'child-intake' order by seq desc limit 3" |
	paste -sd'|')
stored two | grep -E "^($late)	" >late.pairs || true
$F hub match --home two --format tsv --all 2>/dev/null | grep -E "^($late)	" >late.all || true
[ "$(cut -f1-3,5 late.pairs)" = "$(cut -f1-3,5 late.all)" ] ||
	fail "the late intakes: stored $(cat late.pairs) / full run $(cat late.all)"
python3 - late.pairs late.all <<'PY' || fail "scores of the late intakes drift"
import sys
a = [l.split("\t") for l in open(sys.argv[1])]
b = [l.split("\t") for l in open(sys.argv[2])]
assert all(abs(float(x[3]) - float(y[3])) <= 0.02 for x, y in zip(a, b)), (a, b)
PY
ok "3 more intakes scored incrementally ($(wc -l <late.pairs) proposals), as the full run does"

# a new report of a child already proposed: the import scores that intake again
first=$(head -1 late.pairs | cut -f1)
$F capture family-report --from again.jsonl --home dev >/dev/null
$F export --home dev --to s4 --passphrase-file pass >/dev/null
$F hub import --home two --passphrase-file pass s4 >two4.out
[ "$(q two "select at from match_model")" = "$m0" ] || fail "one new report relearnt the model"
stored two | grep "^$first	" >again.pairs || true
$F hub match --home two --format tsv --all 2>/dev/null | grep "^$first	" >again.all || true
[ "$(wc -l <again.pairs)" -ge 2 ] || fail "the second report of the child was not proposed: $(cat again.pairs)"
[ "$(cut -f1-3,5 again.pairs | sort)" = "$(cut -f1-3,5 again.all | sort)" ] ||
	fail "after a new report: stored $(cat again.pairs) / full run $(cat again.all)"
grep -q "^1 possible match to review" two4.out || fail "import of the new report: $(cat two4.out)"
ok "a new report of a proposed child: its intake scored again at import, as the full run does"
finish
