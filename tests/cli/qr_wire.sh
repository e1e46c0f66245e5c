#!/usr/bin/env bash
# Cards, receipts and bundles as QR streams (no USB at all): the hub card by
# QR into `init --hub-qr`, the device card into `hub devices add --qr`, a
# bundle with a fifth of its frames lost into `hub import --qr`, the receipt
# into `ack --qr`; and refusals (an unrelated stream, tampered cards and
# receipts, too few frames, two streams mixed): one line, nothing changed.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data FIELDKIT_LANG=en
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (restic's convention).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
rows() { $F hub sql --home hub "$1"; }
# frames FILE DIR [qr send options]: FILE as PNG frames in DIR
frames() { f=$1 d=$2; shift 2; $F qr send "$f" --png "$d" "$@" 2>/dev/null; }
nfiles() { find "$1" -type f 2>/dev/null | wc -l; }

$F hub init --home hub --name "Kharkiv hub" --passphrase-file pass >/dev/null
frames hub/hub-card.json cardqr --version 5 --single  # one frame a PNG: "too few" below
head -c 3000 /dev/urandom >unrelated.bin
frames unrelated.bin unrel

# 1. The hub card by QR: the same device set-up and fingerprints as from the file.
$F init --home dev0 --name t0 --hub hub/hub-card.json --passphrase-file pass | sed 1d >fp.file
$F init --home dev --name "tablet 1" --hub-qr cardqr --passphrase-file pass >init.out
sed 1d init.out >fp.qr
cmp fp.file fp.qr || fail "fingerprints by QR differ from those of the card file"
grep -q 'hub "Kharkiv hub"' fp.qr || fail "hub name"
python3 - dev0/device.json dev/device.json <<'PY' || fail "device.json hubs differ"
import json, sys
a, b = (json.load(open(p))["hubs"] for p in sys.argv[1:])
assert a == b, (a, b)
PY
# Frame images given one by one (a glob) work as well as the folder.
$F init --home dev1 --name t1 --hub-qr cardqr/frame-00001.png $(ls cardqr/*.png | sed 1d) \
	--passphrase-file pass | sed 1d | cmp - fp.file || fail "init --hub-qr IMAGE IMAGE..."
ok "init --hub-qr: same hubs and fingerprints as init --hub CARD (folder or images)"

expect_fail "init --hub-qr with an unrelated stream" \
	$F init --home devx --hub-qr unrel --passphrase-file pass
[ ! -e devx ] || fail "a device home was created from an unrelated stream"
sed 's/"age1/"age2/' hub/hub-card.json >bad-card.json
frames bad-card.json badcardqr
expect_fail "init --hub-qr with a tampered card" \
	$F init --home devx --hub-qr badcardqr --passphrase-file pass
[ ! -e devx ] || fail "a device home was created from a tampered card"
mkdir fewcard && cp cardqr/frame-00001.png fewcard/
n=$(nfiles cardqr)
if [ "$n" -gt 1 ]; then
	expect_fail "init --hub-qr with too few frames ($n written, 1 given)" \
		$F init --home devx --hub-qr fewcard --passphrase-file pass
	[ ! -e devx ] || fail "a device home was created from too few frames"
fi
expect_fail "init --hub-qr with a missing folder" $F init --home devx --hub-qr empty-dir-missing \
	--passphrase-file pass
[ ! -e devx ] || fail "a device home was created from nothing"

# 2. The device card by QR.
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')
python3 - dev.card <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"tablet 1")
b[i] ^= 0x20  # "Tablet 1": the signature no longer covers it
open("bad-dev.card", "wb").write(b)
PY
frames bad-dev.card baddevqr
expect_fail "devices add --qr with a tampered card" $F hub devices add --qr baddevqr --home hub
expect_fail "devices add --qr with an unrelated stream" $F hub devices add --qr unrel --home hub
expect_fail "devices add --qr with the hub card's stream" $F hub devices add --qr cardqr --home hub
[ "$(rows 'select count(*) from devices')" = 0 ] || fail "a device was registered by a refused card"
frames dev.card devqr
$F hub devices add --home hub --qr devqr | grep -q "device $DEV (\"tablet 1\") registered" ||
	fail "devices add --qr"
$F hub devices list --home hub | grep -q "^$DEV" || fail "device not listed"
ok "hub devices add --qr registers the device; tampered and unrelated cards refused"

# 3. A bundle by QR, a fifth of its frames lost.
cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2026-09-01","reporter_age":41,"children":[{"child_surname_cyr":"Коваленко","child_sex":"f","child_dob":"2014-03-02"}]}
{"reporter_surname_cyr":"Шевченко","reporter_given_cyr":"Іван","report_date":"2026-09-02","children":[{"child_surname_cyr":"Шевченко","child_sex":"m"},{"child_surname_cyr":"Шевченко","child_sex":"f"}]}
{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-03","children":[{"child_surname_cyr":"Бондар"}]}
J
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null
{ printf '\377\330\377\340'; head -c 5996 /dev/urandom; } >photo.jpg  # a JPEG by its head
head -1 recs.jsonl | $F capture "$FORM" --from - --attach photo=photo.jpg --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
B=$(ls stick/*.fkb)
frames "$B" bq --version 10 --extra 40
total=$(nfiles bq)
# Lose every fifth frame (frames 5, 10, ...: source and repair frames alike).
lost=$(ls bq/*.png | awk 'NR % 5 == 0')
[ -n "$lost" ] || fail "too few frames to lose any ($total)"
rm $lost
left=$(nfiles bq)
[ "$(rows 'select count(*) from records')" = 0 ] || fail "records before import"
# Too few frames: refused before the hub passphrase is even asked for.
expect_fail "hub import --qr with too few frames (no passphrase asked)" \
	$F hub import --home hub --qr bq/frame-00001.png bq/frame-00002.png </dev/null
grep -q "incomplete QR stream" "$T/err" || fail "too few frames: $(cat "$T/err")"
expect_fail "hub import --qr with two different streams" \
	$F hub import --home hub --passphrase-file pass --qr bq cardqr
[ "$(rows 'select count(*) from records')" = 0 ] || fail "a refused stream changed the hub"
[ "$(nfiles hub/quarantine)" = 0 ] || fail "a stream that never completed was quarantined"
# The same checks as for a bundle file: without its form the bundle is refused
# and the rebuilt file is quarantined.
FIELDKIT_SCHEMAS= expect_fail "hub import --qr of a bundle whose form the hub lacks" \
	$F hub import --home hub --passphrase-file pass --qr bq
[ "$(rows 'select count(*) from records')" = 0 ] || fail "a refused bundle by QR changed the hub"
bh=$(sha256sum "$B" | cut -c1-16)
cmp hub/quarantine/*-qr-$bh.fkb "$B" || fail "the refused bundle by QR is not in quarantine"
grep -q "form" hub/quarantine/*-qr-$bh.fkb.reason || fail "quarantine reason"
$F hub import --home hub --passphrase-file pass --qr bq >imp.out
grep -q "4 records from $DEV: 4 new, 0 duplicates" imp.out || fail "hub import --qr: $(cat imp.out)"
[ "$(rows 'select count(*) from records')" = 4 ] || fail "4 records"
[ "$(rows 'select size from attachments')" = 6000 ] || fail "attachment by QR"
[ "$(nfiles hub/incoming)" = 0 ] || fail "the rebuilt bundle was left in incoming/"
$F hub import --home hub --passphrase-file pass --qr bq | grep -q "0 new, 4 duplicates" ||
	fail "re-import by QR"
[ "$(rows 'select count(*) from records')" = 4 ] || fail "re-import changed the hub"
ok "hub import --qr: $left of $total frames ($(echo $lost | wc -w) lost) gave 4 records and the photo; again: duplicates"

expect_fail "hub import --qr of an unrelated stream" \
	$F hub import --home hub --passphrase-file pass --qr unrel
[ "$(rows 'select count(*) from records')" = 4 ] || fail "an unrelated stream changed the hub"
q=$(ls hub/quarantine/*-qr-$(sha256sum unrelated.bin | cut -c1-16).fkb)
cmp "$q" unrelated.bin || fail "the quarantined file is not what the stream carried"
[ -s "$q.reason" ] || fail "no reason beside the quarantined file"
[ "$(nfiles hub/incoming)" = 0 ] || fail "a refused bundle was left in incoming/"
ok "a refused stream's file goes to quarantine with its reason"

# 4. The receipt by QR.
$F hub receipt --home hub --device "$DEV" --to rc --passphrase-file pass >/dev/null
R=$(ls rc/receipt-*.fkr)
python3 - "$R" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.rindex(b'"')  # a byte of the signed body, not the signature lines
b[i - 1] ^= 1
open("bad.fkr", "wb").write(b)
PY
frames bad.fkr badrq
frames "$R" rq --single
expect_fail "ack --qr with a tampered receipt" $F ack --home dev --passphrase-file pass --qr badrq
expect_fail "ack --qr with an unrelated stream" $F ack --home dev --passphrase-file pass --qr unrel
expect_fail "ack --qr with the device card's stream" $F ack --home dev --passphrase-file pass --qr devqr
mkdir fewr && cp rq/frame-00001.png fewr/
if [ "$(nfiles rq)" -gt 2 ]; then
	expect_fail "ack --qr with too few frames" $F ack --home dev --passphrase-file pass --qr fewr
fi
[ "$($F list --home dev | grep -c pending)" = 4 ] || fail "records purged without a good receipt"
$F ack --home dev --passphrase-file pass --qr rq | grep -q "4 records confirmed" || fail "ack --qr"
$F list --home dev | grep -q pending && fail "records still pending after ack --qr"
ok "ack --qr purges; tampered, unrelated and partial receipts refused, nothing purged"

# Usage errors.
expect_fail "hub list --qr" $F hub list --home hub --qr rq
expect_fail "export --qr" $F export --home dev --to x --qr rq
expect_fail "ack with neither file nor --qr" $F ack --home dev
$F hub --help | grep -q "import --qr" || fail "hub --help"
$F init --help | grep -q -- "--hub-qr" || fail "init --help"
$F export --help | grep -q "qr send" || fail "export --help"
$F device-card --help | grep -q "qr send" || fail "device-card --help"
ok "usage errors and --help"
finish
