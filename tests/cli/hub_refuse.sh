#!/usr/bin/env bash
# Bundles the hub must refuse through the command line: random bytes, an
# unregistered device, a truncated bundle, flipped bytes, a form version the
# hub does not know, a revoked device.
# Each: exit 1 with one line on stderr, the hub unchanged, the file in
# quarantine with the reason beside it.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (restic's convention).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
snap() { $F hub sql --home hub 'select record_id, ct_hash from records order by 1' | sha256sum; }
imp() { $F hub import --home hub --passphrase-file pass "$@"; }

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
$F init --home dev --name "tablet" --hub hub/hub-card.json --passphrase-file pass >/dev/null
cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"Коваленко"}]}
{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-03","children":[{"child_surname_cyr":"Бондар"}]}
J
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
B=$(ls stick/*.fkb)
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')
mkdir bad

before=$(snap)
head -c 3000 /dev/urandom >bad/random.fkb
expect_fail "random bytes" imp bad/random.fkb
expect_fail "unregistered device" imp "$B"
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
size=$(stat -c %s "$B")
head -c $((size - 7)) "$B" >bad/truncated.fkb
expect_fail "truncated bundle" imp bad/truncated.fkb
for pos in 5 40 200 $((size / 2)) $((size - 3)); do
	python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[2])] ^= 0x10; open(sys.argv[3], "wb").write(b)' \
		"$B" "$pos" bad/flip-$pos.fkb
	expect_fail "byte $pos changed" imp bad/flip-$pos.fkb
done
# The hub without the form the records name: quarantined until it is added.
FIELDKIT_SCHEMAS= expect_fail "unknown form version" imp "$B"
grep -lq "capture-test version 1 is not known" hub/quarantine/*.reason || fail "form reason"
[ "$(snap)" = "$before" ] || fail "a refused bundle changed the hub"
ok "refused bundles left the hub unchanged"

imp "$B" | grep -q "2 new" || fail "the untouched bundle"
ok "the untouched bundle imports"
after=$(snap)
$F hub devices revoke "$DEV" --home hub --yes >/dev/null
expect_fail "revoked device" imp "$B"
expect_fail "re-adding a revoked device" $F hub devices add dev.card --home hub
[ "$(snap)" = "$after" ] || fail "a revoked device's bundle changed the hub"
# 8 files, each once: the same bundle refused three times (unregistered
# device, unknown form, revoked device) is kept once, its reasons gathered.
[ "$(ls hub/quarantine/*.reason | wc -l)" = 8 ] || fail "quarantine: $(ls hub/quarantine)"
r=$(grep -l "capture-test version 1 is not known" hub/quarantine/*.reason)
[ "$(wc -l <"$r")" -ge 3 ] && grep -q "revoked" "$r" || fail "the reasons gathered: $(cat "$r")"
grep -lq revoked hub/quarantine/*.reason || fail "reason file"
for f in hub/quarantine/*.reason; do
	[ -s "${f%.reason}" ] || [ "$(basename "$f")" != "${f##*/}" ] || fail "no copy beside $f"
done
cmp -s "$B" "$(ls hub/quarantine/*-"$(basename "$B")" | tail -1)" || fail "quarantined copy differs"
[ -f "$B" ] || fail "the original bundle was removed"
ok "every refused file is in quarantine with its reason; originals untouched"
finish
