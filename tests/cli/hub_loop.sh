#!/usr/bin/env bash
# The USB loop through the command line: hub init, device card, capture,
# export, bundle verify/info/unpack (checked with minisign, sha256sum, age and
# zstd, without fieldkit), import, duplicates, receipts and ack; and refusals:
# forged and foreign receipts (refused bundles: hub_refuse.sh).
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (restic's convention).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
rows() { $F hub sql --home hub "$1"; }

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
[ "$(stat -c %a hub/identity.age)" = 600 ] || fail "identity not 0600"
python3 - hub/hub-card.json <<'PY' || fail "hub card is not exactly the card format"
import json, sys
c = json.load(open(sys.argv[1]))
assert list(c) == ["type", "version", "name", "recipients", "sign_pubkey", "tls_pins", "created"], list(c)
assert c["type"] == "fieldkit-hub-card" and c["version"] == 1 and c["name"] == "Kyiv hub"
assert c["recipients"][0].startswith("age1") and len(c["sign_pubkey"]) == 56
PY
ok "hub init: identity 0600, card in the card format"
# The identity file is an age passphrase file that age itself opens.
$PTY 'pw of the tests' -- age -d -o id.txt hub/identity.age >/dev/null 2>&1 || fail "age -d identity.age"
grep -q '^AGE-SECRET-KEY-1' id.txt || fail "identity plaintext"
[ "$(age-keygen -y id.txt)" = "$(python3 -c 'import json;print(json.load(open("hub/hub-card.json"))["recipients"][0])')" ] ||
	fail "identity does not match the card"
ok "age -d opens the hub identity; it matches the card"

$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')
$F hub devices list --home hub | grep -q "^$DEV" || fail "device not listed"
ok "device card registered"

cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2026-09-01","reporter_age":41,"children":[{"child_surname_cyr":"Коваленко","child_sex":"f","child_dob":"2014-03-02"}]}
{"reporter_surname_cyr":"Шевченко","reporter_given_cyr":"Іван","report_date":"2026-09-02","children":[{"child_surname_cyr":"Шевченко","child_sex":"m"},{"child_surname_cyr":"Шевченко","child_sex":"f"}]}
{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-03","children":[{"child_surname_cyr":"Бондар"}]}
J
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null
{ printf '\377\330\377\340'; head -c 69996 /dev/urandom; } >photo.jpg  # a JPEG by its head
head -1 recs.jsonl | $F capture "$FORM" --from - --attach photo=photo.jpg --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >export.out
B=$(ls stick/*.fkb)
$F bundle verify "$B" --hub hub | grep -q "records:     4" || fail "bundle verify"
$F bundle info "$B" | grep -q "not checked" || fail "bundle info"
ok "export wrote a bundle that verifies"

# Without fieldkit: minisign, sha256sum, age, zstd.
$F bundle unpack "$B" un --hub hub >/dev/null
minisign -Vm un/manifest.json.zst -p un/device.pub >/dev/null || fail "minisign -V"
(cd un && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c"
zstd -qdc un/manifest.json.zst | cmp - un/manifest.json || fail "manifest.json"
for r in un/records/*.age; do
	age -d -i id.txt "$r" | zstd -qdc >rec.json || fail "age -d $r"
	python3 -c 'import json,sys; r=json.load(open("rec.json")); assert r["record_id"]+".age"==sys.argv[1], r' \
		"$(basename "$r")" || fail "record id inside $r"
done
R1=$(ls un/records/*.age | head -1)
$PTY 'pw of the tests' -- age -d -i hub/identity.age -o r1.zst "$R1" >/dev/null 2>&1 || fail "age -d -i hub/identity.age"
zstd -qdc r1.zst | grep -q '"record_id"' || fail "record opened with the passphrase-protected identity"
[ "$(ls un/attachments | wc -l)" = 1 ] || fail "attachment not unpacked"
age -d -i id.txt un/attachments/*.age | cmp - photo.jpg || fail "age -d of the attachment"
ok "unpacked bundle checked by minisign -V, sha256sum -c, opened by age -d and zstd"

$F hub import --home hub --passphrase-file pass "$B" | grep -q "4 new, 0 duplicates" || fail "import"
[ "$(rows 'select count(*) from records')" = 4 ] || fail "4 records"
H=$(rows 'select ct_hash from attachments')
[ "$(rows 'select size from attachments')" = 70000 ] || fail "attachment row"
age -d -i id.txt "hub/files/$H.age" | cmp - photo.jpg || fail "stored attachment"
[ "$(rows "select json_extract(body, '\$.answers.reporter_given_lat') from records where seq = 3")" = Mariia ] ||
	fail "json_extract on the stored record"
$F hub import --home hub --passphrase-file pass stick | grep -q "0 new, 4 duplicates" || fail "re-import"
[ "$(rows 'select count(*) from records')" = 4 ] || fail "re-import changed the hub"
ok "import: 4 new (one with a photo, stored as its age file by hash); re-import: duplicates"

ID=$(rows 'select record_id from records where seq = 1')
$F hub show "$ID" --home hub | grep -q Коваленко || fail "hub show"
$F hub list --home hub | grep -c "$DEV" | grep -q 4 || fail "hub list"
$F hub export --home hub --format csv --to csv >/dev/null
[ "$(wc -l <csv/capture-test-v1.children.csv)" = 6 ] || fail "repeat group csv"
$F hub export --home hub --format jsonl --to jsonl >/dev/null
[ "$(wc -l <jsonl/records.jsonl)" = 4 ] || fail "jsonl"
[ "$(rows "select count(*) from audit where action in ('show','list','export')")" = 4 ] || fail "audit"
$F hub gaps --home hub | grep -q "no gaps" || fail "gaps"
ok "show, list, export csv (one file per repeat group) and jsonl, each audited; no gaps"

# Split across sticks: several bundles, each verifying; together all duplicates.
$F export --home dev --to split --max-size 73000 --passphrase-file pass >/dev/null
[ "$(ls split/*.fkb | wc -l)" -ge 2 ] || fail "--max-size did not split"
for b in split/*.fkb; do
	[ "$(stat -c %s "$b")" -le 73000 ] || fail "$b larger than --max-size"
done
$F hub import --home hub --passphrase-file pass split >split.out
[ "$(grep -oE '[0-9]+ duplicates?' split.out | awk '{s += $1} END {print s}')" = 4 ] || fail "split import"
ok "export --max-size split the records over $(ls split/*.fkb | wc -l) bundles; all arrive"

# Receipts.
$F hub receipt --home hub --device "$DEV" --to stick --passphrase-file pass >/dev/null
R=$(ls stick/receipt-*.fkr)
cp "$R" forged.fkr
python3 - forged.fkr <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.index(b'"records"') + 20; b[i] ^= 1
open(p, "wb").write(bytes(b))
PY
expect_fail "altered receipt" $F ack --home dev forged.fkr
expect_fail "a receipt for a device the hub does not know" \
	$F hub receipt --home hub --device "0e6b9341-410a-4336-a58a-12e19731513d" --to other
[ ! -e other ] || fail "a receipt was written for an unknown device"
$F init --home dev2 --name "tablet 2" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev2 --to dev2.card --passphrase-file pass >/dev/null
$F hub devices add dev2.card --home hub >/dev/null
$F hub receipt --home hub --device "tablet 2" --to other --passphrase-file pass >/dev/null
expect_fail "receipt for another device" $F ack --home dev other/receipt-*.fkr
$F list --home dev | grep -c pending | grep -q 4 || fail "records purged without a receipt"
$F ack --home dev "$R" | grep -q "4 records confirmed" || fail "ack"
$F list --home dev | grep -q pending && fail "records still pending after ack"
$F export --home dev --to stick3 --passphrase-file pass | grep -q "nothing to export" || fail "export after ack"
ok "ack of the hub's receipt purges; forged and foreign receipts refused"
finish
