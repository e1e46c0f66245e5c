#!/usr/bin/env bash
# Matching through the command line, on a small synthetic set captured and
# imported the real way: import says how many pairs to review; `hub match
# --format tsv` prints exactly its header and well-formed rows that name an
# intake and a report child, accurately; the table view, search and
# duplicates work and are audited; --confirm shows the link on both records
# under `hub show`; --reject keeps a pair out for good; consent is honoured;
# names are escaped; --help on each command; usage errors and unknown ids
# fail with one line.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (its database is encrypted).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
rows() { $F hub sql --home hub "$1"; }

python3 "$FK_SRC/tests/bench/match_gen.py" set --children 400 --seed 3 >/dev/null
$F hub init --home hub --name "Hub" --passphrase-file pass >/dev/null
$F init --home dev --name "t1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
$F capture family-report --from set/reports.jsonl --home dev >/dev/null
$F capture child-intake --from set/intakes.jsonl --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >import.out
grep -Eq "^[0-9]+ possible match(es)? to review" import.out || fail "import did not count pairs to review"
[ "$(rows 'select count(*) from match_records')" = "$(rows 'select count(*) from records')" ] ||
	fail "not every record indexed at import"
ok "import indexed every record and said: $(grep 'to review' import.out)"

$F hub match --home hub --format tsv >m.tsv 2>m.err
[ "$(head -1 m.tsv)" = "$(printf 'intake\treport\tchild\tscore\tdecision')" ] || fail "tsv header"
grep -q "skipped, consent does not allow tracing" m.err || fail "skipped records not reported"
rows "select record_id, form_id, json_array_length(body, '\$.answers.children') from records" >recs.psv
python3 - m.tsv recs.psv <<'PY' || fail "tsv rows"
import sys
recs = [l.rstrip("\n").split("|") for l in open(sys.argv[2])]
form = {r[0]: r[1] for r in recs}
nkids = {r[0]: int(r[2]) if r[2] else None for r in recs}
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
assert rows, "no rows"
seen = set()
for r in rows:
    assert len(r) == 5, r
    i, rep, child, score, dec = r
    assert form[i] == "child-intake" and form[rep] == "family-report", r
    assert 1 <= int(child) <= nkids[rep], r
    assert len(score.split(".")[1]) == 3 and 0 <= float(score) <= 1, r
    assert dec in ("match", "review") and (dec == "match") == (float(score) >= 0.8), r
    assert i not in seen, "two rows for one intake without --all"
    seen.add(i)
PY
ok "hub match --format tsv: exact header, one well-formed row per intake with a candidate"

# accuracy on this set, through the evaluation script
rows "select record_id || char(9) || form_id || char(9) || seq from records" |
	awk -F'\t' -v R="$(wc -l <set/reports.jsonl)" '{ print $1 "\t" $2 "\t" ($2 == "family-report" ? $3 : $3 - R) }' >ids.tsv
$F hub match --home hub --format tsv --all >all.tsv 2>/dev/null
$F hub match --home hub --candidates >cand.tsv 2>/dev/null
python3 "$FK_SRC/tests/bench/match_eval.py" set --ids ids.tsv --match all.tsv --blocked cand.tsv >eval.out
p=$(sed -n 's/.*match_precision=\([0-9.]*\).*/\1/p' eval.out)
r=$(sed -n 's/.*match_recall=\([0-9.]*\).*/\1/p' eval.out)
b=$(sed -n 's/.*blocking_recall=\([0-9.]*\).*/\1/p' eval.out)
python3 -c "import sys; p, r, b = map(float, sys.argv[1:]); sys.exit(not (p >= 0.95 and r >= 0.85 and b >= 0.98))" "$p" "$r" "$b" ||
	fail "accuracy on the small set: precision $p recall $r blocking $b"
ok "on 400 children: precision $p, recall $r at match; blocking recall $b"

n0=$(rows "select count(*) from audit where action = 'match-view'")
$F hub match --home hub >table.out 2>/dev/null
grep -q "given name" table.out && grep -q "<->" table.out || fail "table view"
[ "$(rows "select count(*) from audit where action = 'match-view'")" = $((n0 + 1)) ] || fail "table view not audited"
$F hub match --home hub --format json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d and "fields" in d[0]' ||
	fail "json"
# the explanation is what was added: the fields' weights sum to the pair's match weight
$F hub match --home hub --format json --all 2>/dev/null | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin) if not x["confirmed"]]
assert d
for x in d:
    s = sum(v["weight"] for v in x["fields"].values())
    assert abs(s - x["match_weight"]) < 0.01, (x, s)
' || fail "json weights do not add up to the match weight"
$F hub match --home hub 2>/dev/null | grep -q "match weight" || fail "table without the match weight"
ok "table view (audited) and json; the weights shown add up to each pair's match weight"

I=$(sed -n 2p m.tsv | cut -f1); R=$(sed -n 2p m.tsv | cut -f2); C=$(sed -n 2p m.tsv | cut -f3)
$F hub match --home hub --confirm "$I" "$R:$C" | grep -q "^confirmed" || fail "--confirm"
$F hub show "$I" --home hub | grep -q "^link: intake $I is child $C of family report $R" || fail "link on the intake"
$F hub show "$R" --home hub | grep -q "^link: intake $I" || fail "link on the report"
[ "$(rows "select who is not null from match_decisions where decision = 'confirmed'")" = 1 ] || fail "who"
[ "$(rows "select count(*) from audit where action = 'match-confirm'")" = 1 ] || fail "confirm not audited"
ok "--confirm: stored with who and when, audited, shown by hub show on both records"

I2=$(sed -n 3p m.tsv | cut -f1); R2=$(sed -n 3p m.tsv | cut -f2); C2=$(sed -n 3p m.tsv | cut -f3)
$F hub match --home hub --reject "$I2" "$R2:$C2" | grep -q "^rejected" || fail "--reject"
$F hub match --home hub --format tsv --all 2>/dev/null | grep -q "^$I2	$R2	$C2	" && fail "rejected pair proposed again"
[ "$(rows "select count(*) from audit where action = 'match-reject'")" = 1 ] || fail "reject not audited"
ok "--reject: never proposed again, audited"

# search: the first report child, by its Latin name
Q=$(python3 -c 'import json; c=json.loads(open("set/reports.jsonl").readline())["children"][0]; print(c["given_cyr"], c["surname_cyr"])')
$F hub find --home hub "$Q" --format tsv >find.tsv
[ "$(head -1 find.tsv | cut -f1-4)" = "$(printf 'rank\tscore\tform\trecord')" ] || fail "find header"
[ "$(wc -l <find.tsv)" -ge 2 ] || fail "find found nothing for $Q"
[ "$(rows "select count(*) from audit where action = 'find'")" = 1 ] || fail "find not audited"
$F hub find --home hub "$Q" --born 2010 --sex m >/dev/null || fail "find --born --sex"
ok "hub find \"$Q\": found, audited"

# a typo in both names (a letter dropped from each): the child is still in the top 10
rows "select seq || '|' || record_id from records where form_id = 'family-report'" >reps.psv
python3 - <<'PY' >typos.tsv
import json
reps = dict(l.rstrip("\n").split("|") for l in open("reps.psv"))
n = 0
for line, r in enumerate(open("set/reports.jsonl"), 1):
    rec = json.loads(r)
    if rec.get("consent_process") != "yes":
        continue
    for i, c in enumerate(rec["children"], 1):
        g, s = c["given_cyr"], c["surname_cyr"]
        if len(g) < 5 or len(s) < 7 or " " in g + s or n >= 12:
            continue
        q = g[:2] + g[3:] + " " + s[:3] + s[4:]
        print(f"{reps[str(line)]}\t{i}\t{q}")
        n += 1
PY
nf=0; nq=0
while IFS="$(printf '\t')" read -r rid child q; do
	nq=$((nq + 1))
	$F hub find --home hub "$q" --format tsv | cut -f4,5 | grep -q "^$rid	$child$" && nf=$((nf + 1))
done <typos.tsv
[ "$nq" -ge 10 ] && [ "$nf" = "$nq" ] || fail "a typo in both names: $nf of $nq found"
ok "hub find with a letter dropped from both names: $nf of $nq children in the top 10"

$F hub duplicates --home hub >dups.tsv
[ "$(head -1 dups.tsv)" = "$(printf 'cluster\treport\tchild\tscore')" ] || fail "duplicates header"
[ "$(wc -l <dups.tsv)" -ge 3 ] || fail "no duplicate clusters in a set with children reported twice"
$F hub duplicates --home hub --format json | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "duplicates json"
ok "hub duplicates: $(($(wc -l <dups.tsv) - 1)) children in clusters"

# names are outside input: a right-to-left override is refused where it is
# typed (it would show "Зламова" reversed on every list), so it never reaches
# the hub from a field device; how the hub shows one a forged device might
# send is tests/unit/test_escape.c (U+202E escaped as \u{202e}).
printf '%s\n' '{"intake_date":"2025-02-11","intake_place":"X","surname_cyr":"Зла\u202eмова","given_cyr":"Ганна","sex":"female","dob_kind":"unknown","age_years":9,"citizenship":["UA"],"docs_on_return":["none"],"imposed":["none"],"dna_sample_taken":"no","return_date":"2025-02-10","crossing_point":"X","accompanied_by":["alone"],"child_wishes":"not_asked","care_arrangement":"none_yet","urgent":"no","risk_level":"low","interview_present":["psychologist"],"crime_disclosed":"no","interview_subject":"child","consent_services":"yes","consent_tracing":"yes","consent_share_family":"yes","consent_share_authorities":"yes","consent_share_orgs":"yes","legal_basis":"consent","withheld":"no"}' >evil.jsonl
set +e
$F capture child-intake --from evil.jsonl --home dev >/dev/null 2>evil.err
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "surname_cyr: contains invisible direction or control characters" evil.err ||
	fail "a name with a right-to-left override was not refused (exit $rc): $(cat evil.err)"
grep -q "$(printf '\xe2\x80\xae')" evil.err && fail "the override printed back"
ok "a name with a right-to-left override is refused at capture, and not printed back"

for c in find match duplicates; do
	$F hub $c --help | grep -q "^Usage: fieldkit hub $c" || fail "$c --help"
done
ok "--help on find, match, duplicates"
expect_fail "find without a query" $F hub find --home hub
expect_fail "bad format" $F hub match --home hub --format xml
expect_fail "bad --born" $F hub find --home hub Іван --born 12
expect_fail "confirm without REPORT:CHILD" $F hub match --home hub --confirm "$I" "$R"
expect_fail "confirm of an unknown intake" $F hub match --home hub --confirm nosuch "$R:1"
expect_fail "confirm of a child the report lacks" $F hub match --home hub --confirm "$I" "$R:99"
expect_fail "no hub" $F hub match --home nohub
finish
