#!/usr/bin/env bash
# qr_send_msgs.sh - what `qr send` tells the sender: --sheet creates its
# folder; the frame-count message never promises more frames than were
# written (small k, one frame a PNG); the size limit quoted is the one applied (a file of
# exactly the quoted size goes, one byte more is refused with the same
# figure), whether or not the output is a terminal; and a time estimate comes
# before the animation starts.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_LANG=en
head -c 100 /dev/urandom >small.bin

# --sheet into folders that do not exist yet.
$F qr send small.bin --sheet new/deeper/s 2>err || fail "sheet into a new folder: $(cat err)"
[ -s new/deeper/s-1.png ] || fail "no page in new/deeper"
ok "--sheet creates its folder: $(tail -1 err)"

# claims N FILE: no line of FILE promises more frames than the N written.
claims() {
	python3 - "$1" "$2" <<'PY'
import re, sys
n, text = int(sys.argv[1]), open(sys.argv[2]).read()
m = re.search(r"any (\d+) of these (\d+) frames", text)
if m:
    assert int(m.group(1)) <= int(m.group(2)) == n, text
m = re.search(r"(?:these|this) (\d+) frames? restores?", text) or \
    re.search(r"needs (?:all|its) (\d+) frames?", text)
if m:
    assert int(m.group(1)) == n, text
assert re.search(r"any \d+ of these|(?:these|this) \d+ frames? restores?|needs (?:all|its) \d+ frames?",
                 text), text
assert "k + 2 of them" not in text, text
PY
}
for extra in "" "--extra 0" "--extra 100" "--extra 300"; do
	rm -rf fr
	# shellcheck disable=SC2086
	$F qr send small.bin --png fr --single $extra 2>err || fail "png $extra: $(cat err)"
	n=$(ls fr | wc -l)
	claims "$n" err || fail "png $extra: the message contradicts $n frames: $(cat err)"
done
ok "small k: the frame-count messages match the frames written: $(tr '\n' ' ' <err)"

# The limit quoted is the limit applied (not a terminal: version 10 unless told).
head -c 2000000 /dev/urandom >big.bin
set +e
$F qr send big.bin --terminal --count 1 >/dev/null 2>err </dev/null
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "2 MB at version 10: exit $rc"
grep -q "16 MiB\|16777216" err && fail "quotes the 16 MiB stream limit: $(cat err)"
max=$(sed -n 's/.*carries at most \([0-9]*\) bytes.*/\1/p' err)
[ -n "$max" ] || fail "no limit quoted: $(cat err)"
head -c "$max" big.bin >at.bin
head -c $((max + 1)) big.bin >over.bin
$F qr send at.bin --terminal --count 1 --fps 15 >/dev/null 2>err2 </dev/null ||
	fail "a file of exactly the quoted $max bytes refused: $(cat err2)"
set +e
$F qr send over.bin --terminal --count 1 >/dev/null 2>err3 </dev/null
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "at most $max bytes" err3 || fail "one byte over: $rc $(cat err3)"
ok "limit quoted = limit applied: $(cat err)"

# A time estimate before the first frame.
$F qr send big.bin --terminal --version 25 --count 2 --fps 15 >term 2>err ||
	fail "2 MB at version 25: $(cat err)"
head -1 err | grep -q "bytes in k = .* frames" || fail "no estimate first: $(cat err)"
sed -n 2p err | grep -q "without loss, about .* if a quarter" || fail "no time estimate: $(cat err)"
grep -q "Ctrl-C to stop" term || fail "no status line"
ok "estimate before starting: $(head -1 err)"

# One of a thing is one: a 2-byte file is k = 1 frame on 1 screen, received
# from 1 image; a --sheet naming a folder writes sheet-1.png inside it.
printf 'hi' >tiny
$F qr send tiny --png one 2>err
grep -q "in k = 1 frame of 480 bytes, 6 per screen (QR version 15-L): 1 screen$" err || fail "send tiny: $(cat err)"
$F qr receive --images one/frame-00001.png -o tiny.out 2>err
grep -q "^from 1 image: 6 QR codes, 6 frames of the stream, 1 useful, k = 1" err || fail "receive tiny: $(cat err)"
cmp -s tiny tiny.out || fail "tiny not rebuilt"
mkdir pages
$F qr send tiny --sheet pages/ 2>err
[ -f pages/sheet-1.png ] && [ ! -e pages/-1.png ] || fail "--sheet pages/: $(ls pages)"
grep -q "wrote 1 page pages/sheet-1.png" err || fail "--sheet pages/: $(cat err)"
rm pages/sheet-1.png
$F qr send tiny --sheet pages 2>err
[ -f pages/sheet-1.png ] || fail "--sheet into an existing folder: $(ls pages)"
ok "singular counts for one frame, screen and image; --sheet DIR writes DIR/sheet-1.png"
finish
