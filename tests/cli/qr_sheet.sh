#!/bin/bash
# qr_sheet.sh - a printed sheet (qr send --sheet, 300 dpi) photographed by a
# phone (tests/sim/qr_camsim.c paper, 1800x2400): a fast subset of the
# sheet curves in docs/qr-stream.md, whose full sweep is section 5 of
# tests/bench/qr_camera_bench.sh. One page (a 2000-byte file, k + 50%
# codes); each photo alone must give at least the share of codes below and
# the file back byte for byte:
#   turned a quarter (the phone held sideways), keystoned 3%       all codes
#   turned 30 degrees, keystoned 5% (3.3 px per module)           75%
#   a shadow's edge across the page (half the light), turned 5 degrees   90%
#   folded across the middle, light falling off, turned 10, keystoned 5%  80%
set -eu
: "${FIELDKIT:?}" "${TMPDIR:?}" "${FK_CAMSIM:?}"
d=$(mktemp -d "$TMPDIR/qr_sheet.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
if [ "${FK_CROSS:-}" = TRUE ] || [ "${FK_CROSS:-}" = ON ]; then
	echo "SKIP: cross build (the simulator runs on the build machine only)"
	exit 0
fi
python3 -c "import random, sys; random.seed(2000); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(2000)))" >"$d/in"
mkdir "$d/sheet"
FIELDKIT_QUIET=1 "$FIELDKIT" qr send "$d/in" --sheet "$d/sheet/p" --extra 50 2>/dev/null
[ "$(ls "$d/sheet")" = p-1.png ] || fail "one page expected: $(ls "$d/sheet")"
# codes on the page: k + 50%
k=$(( (2000 + 32 + 181) / 182 ))
codes=$((k + (k + 1) / 2))
for set in "90 0.03 0 0 0 100" "30 0.05 0 0 0 75" "5 0.03 0.3 0.5 0 90" "10 0.05 0.3 0 0.03 80"; do
	read -r rot key light shadow fold min <<<"$set"
	rm -rf "$d/ph" && mkdir "$d/ph"
	"$FK_CAMSIM" paper --camera 1800x2400 --rot "$rot" --key "$key" --light "$light" \
	    --shadow "$shadow" --fold "$fold" --seed 7 -o "$d/ph" "$d/sheet/p-1.png"
	out=$("$FIELDKIT" qr receive --images "$d/ph" -o "$d/out" 2>&1) || { echo "$out"; fail "$set: not rebuilt"; }
	got=$(sed -n 's/.* QR codes, \([0-9]*\) frames of the stream.*/\1/p' <<<"$out")
	cmp -s "$d/in" "$d/out" || fail "$set: content"
	[ "$((${got:-0} * 100))" -ge "$((codes * min))" ] || fail "$set: only $got of $codes codes read"
	echo "ok: turned $rot, keystone $key, light $light, shadow $shadow, fold $fold: $got of $codes codes, file rebuilt"
	rm -f "$d/out"
done
echo "qr_sheet: all passed"
