#!/usr/bin/env bash
# capture_examples.sh - the shipped example records are what a worker may
# capture (`capture FORM --from schemas/examples/...`): their photos and scans
# exist and are sealed with them; a family's slip code typed into an intake
# (member_report_ref) is checked against its check character; and the hub
# finds a record by its slip code (with or without the dash, any case) or by
# a unique beginning of its id.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
EX=$FK_SRC/schemas/examples
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/schemas FIELDKIT_LANG=en
printf 'pw of the tests\n' >pass && chmod 600 pass
export FIELDKIT_PASSPHRASE_FILE=$T/pass # the hub's (its database is sealed)

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null

n=0
for f in "$EX"/family-report-valid-*.json "$EX"/child-intake-valid-*.json; do
	form=$(basename "$f" | sed 's/-valid-.*//')
	$F capture "$form" --from "$f" --home dev >out 2>err || fail "capture $(basename "$f"): $(cat err)"
	grep -q "^1	[0-9A-Z]\{4\}-[0-9A-Z]\{4\}	" out || fail "$(basename "$f") not sealed: $(cat out err)"
	n=$((n + 1))
	# Every attachment answer is sealed, with its file.
	want=$(python3 -c '
import json, sys
def count(v):
    if isinstance(v, dict):
        return int("path" in v) + sum(count(x) for x in v.values())
    if isinstance(v, list):
        return sum(count(x) for x in v)
    return 0
print(count(json.load(open(sys.argv[1]))))' "$f")
	got=$(sqlite3 dev/store.db "SELECT natt FROM records WHERE seq = $n")
	[ "$want" -gt 0 ] || [ "$(basename "$f")" = child-intake-valid-2.json ] || fail "$(basename "$f") names no file"
	[ "$got" = "$want" ] || fail "$(basename "$f"): $got files sealed, $want named"
done
[ ! -e "$EX"/family-report-valid-1.rejected.jsonl ] || fail "a rejected-lines file in the source tree"
ok "the $n valid examples are captured as they are, with their $(sqlite3 dev/store.db 'SELECT count(*) FROM attachments') files"
REF=$(sqlite3 dev/store.db "SELECT short_ref FROM records WHERE seq = 1")

# A slip code with a wrong check character is refused where it is typed.
set +e
$F capture child-intake --from "$EX/child-intake-bad-slip-code.json" --home dev --rejects rej.jsonl >out 2>err
rc=$?
set -e
[ $rc -eq 1 ] || fail "a wrong slip code: exit $rc"
grep -q '^line 1: family_members\[0\].member_report_ref: .*(constraint)' err || fail "no slip code error: $(cat err)"
ok "a mistyped slip code (wrong check character) in member_report_ref is refused: $(grep member_report_ref err)"

# The hub finds records by slip code and by a beginning of their id.
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >/dev/null
ID=$($F hub list --home hub | awk -F'\t' -v r="${REF:0:4}-${REF:4:4}" '$5 == r || $5 == "'"$REF"'" {print $1}')
[ -n "$ID" ] || fail "record $REF not at the hub"
dashed="${REF:0:4}-${REF:4:4}"
low=$(echo "$REF" | tr 'A-Z' 'a-z')
for q in "$REF" "$dashed" "$low" "${ID:0:8}" "$ID"; do
	$F hub show "$q" --home hub >show.out 2>err || fail "hub show $q: $(cat err)"
	grep -q "\"record_id\": \"$ID\"" show.out || fail "hub show $q showed another record"
done
ok "hub show by slip code ($dashed, $REF, $low) and by id or its first 8 characters"
bad="${REF:0:7}$(echo "${REF:7:1}" | tr '23456789ABCDEFGHJKMNPQRSTUVWXYZ' '3456789ABCDEFGHJKMNPQRSTUVWXYZ2')"
expect_fail "hub show with a mistyped slip code" $F hub show "$bad" --home hub
grep -q 'check character' "$T/err" || fail "a typo is not called one: $(cat "$T/err")"
# hub find takes the slip code too: the record that carries it (and any intake citing it).
for q in "$dashed" "$low"; do
	$F hub find "$q" --home hub >find.out 2>err || fail "hub find $q: $(cat err)"
	grep -q "$ID" find.out || fail "hub find $q did not find $ID: $(cat find.out)"
done
$F hub find "$dashed" --home hub --format tsv | awk -F'\t' -v id="$ID" 'NR > 1 && $4 == id {f=1} END {exit !f}' ||
	fail "hub find --format tsv by slip code"
expect_fail "hub find with a mistyped slip code" $F hub find "${bad:0:4}-${bad:4:4}" --home hub
grep -q 'check character' "$T/err" || fail "hub find: a typo is not called one: $(cat "$T/err")"
ok "hub find by slip code ($dashed, $low); a mistyped one is called a typo"
expect_fail "hub show with 3 characters of an id" $F hub show "${ID:0:3}" --home hub
expect_fail "hub show of nothing known" $F hub show 00000000-0000-4000-8000-000000000000 --home hub
finish
