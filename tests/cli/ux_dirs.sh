#!/usr/bin/env bash
# ux_dirs.sh - a command writing into a folder (export --to, hub export --to,
# hub receipt --to, bundle unpack, qr send --png) makes the folder itself when
# only it is missing, but refuses a missing parent (a mistyped or unmounted USB
# stick: /media/usb for /media/usb0) in one line naming it, and writes nothing.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
hub_and_device
echo '{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-01","children":[{"child_surname_cyr":"Бондар"}]}' >r.jsonl
$F capture "$FORM" --from r.jsonl --home dev >/dev/null
mkdir media

expect_fail "export --to under a missing stick" $F export --home dev --to media/usb0/fieldkit
grep -q "media/usb0 does not exist" "$T/err" || fail "message: $(cat "$T/err")"
grep -q "mounted" "$T/err" || fail "message does not mention the stick: $(cat "$T/err")"
[ ! -e media/usb0 ] || fail "export made the missing stick folder"
LANGUAGE=uk expect_fail "export --to under a missing stick, Ukrainian" \
	$F export --home dev --to media/usb0/fieldkit
grep -q "теки media/usb0 немає" "$T/err" || fail "Ukrainian: $(cat "$T/err")"
$F export --home dev --to media/fieldkit >/dev/null
ls media/fieldkit/*.fkb >/dev/null || fail "export into a new last folder"
ok "export makes the last folder only"
echo x >media/afile
expect_fail "export --to a file" $F export --home dev --to media/afile

b=$(ls media/fieldkit/*.fkb)
expect_fail "bundle unpack under a missing folder" $F bundle unpack "$b" nowhere/out
grep -q "nowhere does not exist" "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e nowhere ] || fail "bundle unpack made nowhere/"
$F bundle unpack "$b" unpacked >/dev/null
ok "bundle unpack into a new folder"

expect_fail "hub export under a missing folder" $F hub export --home hub --format csv --to nowhere/csv
[ ! -e nowhere ] || fail "hub export made nowhere/"
$F hub export --home hub --format csv --to csv >/dev/null
ok "hub export into a new folder"
expect_fail "hub receipt under a missing folder" $F hub receipt --home hub --device "$($F hub devices list --home hub | awk 'NR==1{print $1}')" --to nowhere/r
[ ! -e nowhere ] || fail "hub receipt made nowhere/"

expect_fail "qr send --png under a missing folder" $F qr send dev.card --png nowhere/png
[ ! -e nowhere ] || fail "qr send made nowhere/"
$F qr send dev.card --png png >/dev/null 2>&1
ls png/frame-*.png >/dev/null || fail "qr send --png into a new folder"
ok "qr send --png into a new folder"
for h in "export" "hub export" "hub receipt" "bundle unpack" "qr send"; do
	$F $h --help | grep -q "parent folder must exist" || fail "$h --help does not say it"
done
ok "--help says the parent folder must exist"
# A folder typed with its trailing slash (as tab completion gives it): the
# paths said back have no "//".
mkdir stick
$F export --home dev --to stick/ >exp.out
grep -q "stick/[0-9a-f]" exp.out && ! grep -q "//" exp.out || fail "export --to stick/: $(cat exp.out)"
DEV=$($F hub devices list --home hub | awk 'NR==1{print $1}')
$F hub receipt --home hub --device "$DEV" --to stick/ >rc.out
grep -q "stick/receipt-" rc.out && ! grep -q "//" rc.out || fail "hub receipt --to stick/: $(cat rc.out)"
ok "a trailing slash on --to: no // in what is said"
# qr receive -o into a missing folder: said before decoding, not after (with a temporary name)
expect_fail "qr receive -o under a missing folder" $F qr receive --images stick -o nodir/x.bin
grep -q "the folder nodir does not exist" "$T/err" && ! grep -q "tmp-" "$T/err" || fail "qr receive -o: $(cat "$T/err")"
finish
