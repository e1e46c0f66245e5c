#!/bin/bash
# capture_batch.sh - device setup and batch capture: hub cards parsed
# strictly, init refuses a second time, bad records (wrong types, unknown
# fields, invalid UTF-8, future dates, a 50 MB text field, not JSON) refused
# with line + path + reason while every good record of the batch is sealed,
# one pretty-printed JSON record, attachments and their limit, list/status.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_batch.XXXXXX")
trap 'rm -rf "$W"' EXIT

# --- init from a hub card ---
"$FIELDKIT" keygen -o "$W/hub.key" 2>/dev/null
R=$(grep -o 'age1[0-9a-z]*' "$W/hub.key" | head -1)
printf 'pass phrase\n' > "$W/pass"; chmod 600 "$W/pass"
cat > "$W/card.json" <<JSON
{"type":"fieldkit-hub-card","version":1,"name":"Kyiv hub","recipients":["$R"],"sign_pubkey":"$SIGNPK","created":"2025-01-31T12:00:00Z"}
JSON
"$FIELDKIT" init --home "$W/home" --hub "$W/card.json" --passphrase-file "$W/pass" > "$W/init.out"
grep -q "encryption key 1: [0-9A-F]\{4\} " "$W/init.out" || fail "no fingerprint printed"
grep -q "signing key id:   1FE13873E369BE18" "$W/init.out" || fail "no signing key id printed"
[ "$(stat -c %a "$W/home")" = 700 ] || fail "home not 0700"
[ "$(stat -c %a "$W/home/draft.key")" = 600 ] || fail "draft.key not 0600"
[ "$(stat -c %a "$W/home/store.db")" = 600 ] || fail "store.db not 0600"
ok "init from a hub card, fingerprints printed, home private"
if "$FIELDKIT" init --home "$W/home" --hub "$W/card.json" --passphrase-file "$W/pass" 2>/dev/null; then
	fail "second init accepted"
fi
ok "second init refused"
sed 's/"version":1/"version":1,"extra":true/' "$W/card.json" > "$W/bad.json"
if "$FIELDKIT" init --home "$W/h2" --hub "$W/bad.json" --passphrase-file "$W/pass" 2>"$W/err"; then
	fail "card with unknown key accepted"
fi
grep -q 'unknown key' "$W/err" || fail "unclear card error: $(cat "$W/err")"
[ ! -e "$W/h2/device.json" ] || fail "half a device made"
if "$FIELDKIT" init --home "$W/h2" --hub-recipient "$R" --passphrase-file "$W/pass" 2>/dev/null; then
	fail "init without a sign key accepted"
fi
ok "bad cards and half options refused"

# --- a batch with good and bad records ---
# Records differ (a line sealed once is never sealed again: capture_rerun.sh).
good() { echo '{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2025-03-0'"$1"'","children":[{"child_surname_cyr":"Коваленко","child_sex":"f"}]}'; }
{
	good 1                                                                 # 1 ok
	echo '{"reporter_surname_cyr":5,"reporter_given_cyr":"A","report_date":"2025-03-01","children":[{"child_surname_cyr":"B"}]}'  # 2 wrong type
	echo '{"reporter_surname_cyr":"A","reporter_given_cyr":"B","report_date":"2025-03-01","nickname":"x","children":[{"child_surname_cyr":"B"}]}'  # 3 unknown field
	printf '{"reporter_surname_cyr":"\xff\xfe","reporter_given_cyr":"B","report_date":"2025-03-01","children":[{"child_surname_cyr":"B"}]}\n'  # 4 invalid UTF-8
	echo '{"reporter_surname_cyr":"A","reporter_given_cyr":"B","report_date":"2999-01-01","children":[{"child_surname_cyr":"B","child_dob":"2998-01-01"}]}'  # 5 future dates
	good 2                                                                 # 6 ok
	"$PY" -c 'import sys; sys.stdout.write("{\"reporter_surname_cyr\":\"" + "A" * (50 * 1024 * 1024) + "\"}\n")'  # 7 50 MB
	echo 'not json at all'                                                 # 8
	echo '[1,2]'                                                           # 9 not an object
	echo '{"reporter_surname_cyr":"A","reporter_surname_cyr":"B"}'        # 10 duplicate key
	echo ''                                                                # 11 blank: skipped
	echo '{"reporter_surname_cyr":"A","reporter_given_cyr":"B","report_date":"2025-03-01","reporter_age":7,"children":[{"child_surname_cyr":"B","child_sex":"Олена"}]}'  # 12 range, choice (a name where a choice goes)
	good 3                                                                 # 13 ok
} > "$W/batch.jsonl"
set +e
/usr/bin/time -f '%M' -o "$W/mem" "$FIELDKIT" capture "$FORM" --home "$W/home" --from "$W/batch.jsonl" > "$W/out" 2> "$W/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "batch with bad records exit $rc (want 1)"
[ "$(wc -l < "$W/out")" -eq 3 ] || fail "want 3 finalized: $(cat "$W/out")"
cut -f1 "$W/out" | tr '\n' ' ' | grep -qx '1 6 13 ' || fail "wrong lines finalized: $(cat "$W/out")"
expect() { grep -q "^line $1: $2" "$W/err" || fail "no '$2' for line $1: $(cat "$W/err")"; }
expect 2 'reporter_surname_cyr: .*(wrong_type)'
expect 3 'nickname: .*(unknown_field)'
expect 4 '(record): .*(invalid_utf8)'
expect 5 'report_date: .*(date_in_future)'
expect 5 'children\[0\].child_dob: .*(date_in_future)'
expect 7 '(record): .*(record_too_large)'
expect 8 '(record): .*(invalid_json)'
expect 9 '(record): .*(not_object)'
expect 10 '(record): .*(duplicate_key)'
expect 12 'reporter_age: '
expect 12 'children\[0\].child_sex: '
grep -q '3 records finalized, 0 already sealed, 9 rejected' "$W/err" || fail "summary: $(tail -1 "$W/err")"
! grep -q 'line 11' "$W/err" || fail "blank line reported"
mem=$(tail -1 "$W/mem")
[ "$mem" -lt 100000 ] || fail "a 50 MB line took $mem KB of memory"
ok "bad records refused with line, path and reason; good ones sealed; 50 MB line skipped in ${mem} KB"
! grep -q 'Коваленко\|Олена' "$W/err" "$W/out" || fail "an answer was printed"
ok "no answer printed in errors"

# --- one pretty-printed record ---
"$PY" -c "import json,sys; print(json.dumps(json.loads(sys.argv[1]), indent=2, ensure_ascii=False))" "$(good 4)" > "$W/one.json"
"$FIELDKIT" capture "$FORM" --home "$W/home" --from "$W/one.json" > "$W/out" 2>"$W/err" || fail "pretty record: $(cat "$W/err")"
grep -q "^1	[0-9A-Z]\{4\}-[0-9A-Z]\{4\}	4$" "$W/out" || fail "pretty record output: $(cat "$W/out")"
ok "one pretty-printed JSON record"

# --- attachments ---
{ printf '\377\330\377\340'; head -c 300000 /dev/urandom; } > "$W/photo.jpg"  # a JPEG by its head
good 5 | "$FIELDKIT" capture "$FORM" --home "$W/home" --from - --attach "photo=$W/photo.jpg" > "$W/out" 2>"$W/err" \
	|| fail "attachment: $(cat "$W/err")"
[ "$(sqlite3 "$W/home/store.db" 'SELECT count(*) FROM attachments')" = 1 ] || fail "no attachment stored"
sqlite3 "$W/home/store.db" "SELECT writefile('$W/att.age', ct) FROM attachments" >/dev/null
"$FIELDKIT" age -d -i "$W/hub.key" -o "$W/att.out" "$W/att.age"
cmp -s "$W/att.out" "$W/photo.jpg" || fail "attachment does not round-trip"
rm -f "$W/att.out"
ok "attachment sealed and opens with the hub key"
head -c $((11 * 1024 * 1024)) /dev/zero > "$W/big.jpg"
if good 5 | "$FIELDKIT" capture "$FORM" --home "$W/home" --from - --attach "photo=$W/big.jpg" >/dev/null 2>"$W/err"; then
	fail "11 MB attachment accepted"
fi
grep -q 'over the device limit' "$W/err" || fail "unclear limit error: $(cat "$W/err")"
if "$FIELDKIT" capture "$FORM" --home "$W/home" --from "$W/one.json" --attach "nosuch=$W/photo.jpg" 2>/dev/null; then
	fail "attach to unknown field accepted"
fi
ok "attachment limit and unknown attachment field refused"

# --- everything stored opens, the chain holds, list and status say no names ---
n=$(check_chain "$W/home")
[ "$n" -eq 5 ] || fail "want 5 records, have $n"
m=$(open_all "$W/home" "$W/hub.key" "$W")
[ "$m" -eq 5 ] || fail "opened $m"
"$FIELDKIT" list --home "$W/home" > "$W/list"
[ "$(grep -c pending "$W/list")" -eq 5 ] || fail "list: $(cat "$W/list")"
"$FIELDKIT" status --home "$W/home" > "$W/status"
grep -q '5 pending' "$W/status" && grep -q 'hash chain:  ok (5 records)' "$W/status" || fail "status: $(cat "$W/status")"
! grep -q 'Коваленко\|Олена\|Kovalenko' "$W/list" "$W/status" || fail "list/status show a name"
ok "5 records decrypt with the hub key, chain ok, list/status show no names"
if "$FIELDKIT" capture nosuchform --home "$W/home" --from "$W/one.json" 2>/dev/null; then fail "unknown form"; fi
if "$FIELDKIT" capture "$FORM" --home "$W/nohome" --from "$W/one.json" 2>/dev/null; then fail "no device"; fi
"$FIELDKIT" capture --help | grep -q -- '--from FILE' || fail "help"
ok "unknown form, missing device refused; --help"
echo "capture_batch: all checks passed"
