#!/usr/bin/env bash
# ux_qr.sh - `qr receive` says what is missing one way, with frames numbered
# as the files are named (frame-00004.png holds frame 4 with --single; a
# screen file holding several codes is named), and the count of frames still
# needed is the same in the progress and in the closing error.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
head -c 3000 /dev/urandom >f.bin
$F qr send f.bin --png single --single --extra 0 2>/dev/null
[ -f single/frame-00005.png ] && [ ! -e single/frame-00006.png ] || fail "want 5 frames: $(ls single)"
rm single/frame-00002.png single/frame-00004.png
expect_fail "receive with frames 2 and 4 missing" $F qr receive --images single -o out.bin
grep -qF "3 of 5 frames received, 2 more frames needed; not seen yet: frames 2, 4; any new frame stands in for one" "$T/err" ||
	fail "message: $(cat "$T/err")"
rm single/frame-00005.png
LANGUAGE=uk expect_fail "receive with frames 2, 4, 5 missing, in Ukrainian" $F qr receive --images single -o out.bin
grep -qF "отримано кадрів 2 з 5, потрібні ще 3 кадри; ще не бачено кадрів 2, 4-5" "$T/err" || fail "uk: $(cat "$T/err")"
$F qr send f.bin --png screens --extra 0 2>/dev/null
n=$(ls screens | wc -l)
[ "$n" -ge 2 ] || fail "want at least 2 screens: $(ls screens)"
rm screens/frame-00001.png
expect_fail "receive with the first screen missing" $F qr receive --images screens -o out.bin
grep -q "not seen yet: frames 1-[0-9]* (on pictures 1 as qr send numbered them); any new frame stands in for one" "$T/err" ||
	fail "screens: $(cat "$T/err")"
# Renamed pictures: no file name is guessed (it said frame-00001.png, which is not there).
for f in screens/*; do mv "$f" "screens/photo_$(basename "$f")"; done
expect_fail "receive renamed screens with the first missing" $F qr receive --images screens -o out.bin
grep -q "frame-0000" "$T/err" && fail "a file name guessed: $(cat "$T/err")"
# An empty folder: said as such (it was "no QR stream frames found in 0 images").
mkdir empty
expect_fail "receive from an empty folder" $F qr receive --images empty -o out.bin
grep -q "no pictures to read (PNG or JPEG files)" "$T/err" || fail "empty folder: $(cat "$T/err")"
finish
