#!/usr/bin/env bash
# ux_kinds.sh - one fieldkit file given where another is expected: the message
# says what the file is and which command takes it (a device card to init
# --hub, a receipt to hub import, a bundle to ack, a receipt to bundle info,
# a hub card to hub devices add, a form to capture --from / schema validate).
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
hub_and_device
echo '{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-01","children":[{"child_surname_cyr":"Бондар"}]}' >r.jsonl
$F capture "$FORM" --from r.jsonl --home dev >/dev/null
$F export --home dev --to stick >/dev/null
B=$(ls stick/*.fkb)
$F hub import --home hub "$B" >/dev/null
$F hub receipt --home hub --device "$($F hub devices list --home hub | awk 'NR==1{print $1}')" --to stick >/dev/null
R=$(ls stick/*.fkr)

# want DESCRIPTION PATTERN CMD...: fails in one line holding PATTERN.
want() {
	d=$1 pat=$2; shift 2
	expect_fail "$d" "$@"
	grep -q -- "$pat" "$T/err" || fail "$d: want '$pat' in: $(cat "$T/err")"
}
want "init --hub DEVICE-CARD" "dev.card: this is a device card, not a hub card; give it to the hub: \`fieldkit hub devices add CARD\`" \
	$F init --home dev2 --hub dev.card
want "init --hub BUNDLE" "this is a bundle, not a hub card; the hub imports it" $F init --home dev2 --hub "$B"
want "hub devices add HUB-CARD" "this is a hub card, not a device card; give it to a device: \`fieldkit init --hub CARD\`" \
	$F hub devices add hub/hub-card.json --home hub
want "ack BUNDLE" "this is a bundle, not a receipt; the hub imports it" $F ack --home dev "$B"
want "bundle info RECEIPT" "this is a receipt, not a bundle; give it to the device: \`fieldkit ack RECEIPT\`" \
	$F bundle info "$R"
want "bundle verify DEVICE-CARD" "this is a device card, not a bundle" $F bundle verify dev.card --hub hub
set +e
$F hub import --home hub "$R" >out.txt 2>err.txt
rc=$?
set -e
[ $rc -eq 1 ] || fail "hub import of a receipt: exit $rc"
grep -q "refused: this is a receipt, not a bundle; give it to the device: \`fieldkit ack RECEIPT\`" err.txt ||
	fail "hub import RECEIPT: $(cat err.txt)"
ok "hub import of a receipt: $(head -1 err.txt)"
want "capture --from FORM" "this is a form, not a record; records are captured with" \
	$F capture "$FORM" --from "$FK_SRC/schemas/family-report.json" --home dev
want "schema validate FORM FORM" "this is a form, not a record" \
	$F schema validate "$FK_SRC/schemas/family-report.json" "$FK_SRC/schemas/family-report.json"
LANGUAGE=uk want "ack BUNDLE in Ukrainian" "це пакет, а не квитанція; його імпортує хаб" $F ack --home dev "$B"
LANGUAGE=uk want "init --hub DEVICE-CARD in Ukrainian" "це картка пристрою, а не картка хабу; передайте її хабу" \
	$F init --home dev2 --hub dev.card
# The right file still works.
$F ack --home dev "$R" >/dev/null
ok "the receipt is acknowledged"

# A passphrase file named as the hub card, a record line that is not JSON: the
# refusal never shows a byte of the file or of the answers (jansson's "near").
printf 'secretword here\n' >pw.txt
expect_fail "a passphrase file as the hub card" $F init --home dev2 --hub pw.txt
! grep -q "secret" "$T/err" || fail "a piece of the passphrase file shown: $(cat "$T/err")"
printf 'Таємниченко, not json\n' >bad.jsonl
$F capture "$FORM" --from bad.jsonl --home dev >out.txt 2>err.txt && fail "a bad line accepted"
grep -q "not valid JSON" err.txt || fail "bad line: $(cat err.txt)"
! grep -q "Таємниченко" err.txt out.txt || fail "a piece of the answers shown: $(cat err.txt)"
ok "JSON errors never show the input's bytes"
finish
