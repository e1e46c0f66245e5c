#!/bin/bash
# qr_camera.sh - frames as a camera sees them, judged by the simulator
# (tests/sim/qr_camsim.c); a fast subset of the curves in docs/qr-stream.md,
# whose full sweep is tests/bench/qr_camera_bench.sh.
#  1. screen frames (qr send --png) on a 1920x1080 screen seen by a 1280x720
#     camera held at an angle (the picture's corners displaced by 5-8%):
#     at least 95% of the codes read, the file rebuilt byte for byte; the
#     reader of fieldkit 0.1 (--plain) on the same pictures for comparison
#  2. single-code frames (--single): turned, blurred, noisy, JPEG 50
#  3. a printed sheet photographed by a phone: turned, keystoned, unevenly
#     lit and folded across the middle
#  4. ZXingReader (zxing-cpp), the independent decoder, rebuilds the file
set -eu
: "${FIELDKIT:?}" "${TMPDIR:?}" "${FK_CAMSIM:?}"
d=$(mktemp -d "$TMPDIR/qr_camera.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export FIELDKIT_QUIET=1
sim=$FK_CAMSIM
if [ "${FK_CROSS:-}" = TRUE ] || [ "${FK_CROSS:-}" = ON ]; then
	echo "SKIP: cross build (the simulator runs on the build machine only)"
	exit 0
fi

# deterministic content, so that every run sees the same frames
python3 -c "import random, sys; random.seed(30000); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(30000)))" >"$d/in"

# Frames of the stream read from the pictures in $1 (the receiver's summary).
frames_read() {
	"$FIELDKIT" qr receive "${@:2}" --images "$1" -o "$d/out" 2>&1 |
		sed -n 's/.* QR codes, \([0-9]*\) frames of the stream.*/\1/p'
}

# 1. Screen frames at an angle.
"$FIELDKIT" qr send "$d/in" --png "$d/scr" 2>"$d/send.err" || { cat "$d/send.err"; fail "send"; }
grep -q "6 per screen (QR version 15-L)" "$d/send.err" || { cat "$d/send.err"; fail "layout"; }
grep -q "at 8 screens per second: 1.4 s without loss" "$d/send.err" || { cat "$d/send.err"; fail "estimate"; }
n=$(ls "$d/scr" | wc -l)
codes=$((n * 6))
# (scale: camera pixels per screen pixel; 0.6 = 3.6 px per module, 0.5 = 3,
# the screen farther away)
for set in "random 0.05 0.6" "random 0.08 0.6" "yaw 0.08 0.6" "random 0.05 0.5"; do
	read -r pat key scale <<<"$set"
	rm -rf "$d/cam" && mkdir "$d/cam"
	"$sim" screen --pattern "$pat" --key "$key" --scale "$scale" -o "$d/cam" "$d"/scr/*.png
	if command -v identify >/dev/null; then
		identify -format '%w %h\n' "$d/cam/frame-00001.jpg" | grep -q '^1280 720$' ||
			fail "camera picture size"
	fi
	got=$(frames_read "$d/cam")
	cmp -s "$d/in" "$d/out" || fail "$set: file not rebuilt"
	[ "$((got * 100))" -ge "$((codes * 95))" ] || fail "$set: only $got of $codes codes read"
	plain=""
	[ "$set" = "random 0.08 0.6" ] && plain=" (zbar alone, --plain: $(frames_read "$d/cam" --plain))"
	echo "ok: corners displaced by ${key} ($pat, $scale camera px per screen px): $got of $codes codes read$plain, file rebuilt"
done

# 2. Single-code frames, as before: V20-M at ~5 px per module, turned 3 degrees.
head -c 3000 "$d/in" >"$d/small"
"$FIELDKIT" qr send "$d/small" --png "$d/fr" --single --extra 60 2>/dev/null
mkdir "$d/cam1"
"$sim" screen --fit --ppm 5 --module 4 --rot 3 --quality 50 -o "$d/cam1" "$d"/fr/*.png
"$FIELDKIT" qr receive --images "$d/cam1" -o "$d/out1" 2>"$d/err" || { cat "$d/err"; fail "single-code frames"; }
cmp -s "$d/small" "$d/out1" || fail "single-code content"
rm -f "$d"/cam1/frame-*[048].jpg
"$FIELDKIT" qr receive --images "$d/cam1" -o "$d/out2" 2>/dev/null || fail "single-code frames with loss"
cmp -s "$d/small" "$d/out2" || fail "single-code content with loss"
echo "ok: single-code frames, turned, JPEG q50, a fifth lost: restored"

# 3. A printed sheet photographed by a phone (4.3 MP): turned, keystoned,
# lit from one side, folded across the middle.
mkdir "$d/sheet" "$d/photo"
"$FIELDKIT" qr send "$d/small" --sheet "$d/sheet/p" --extra 30 2>/dev/null
"$sim" paper --camera 1800x2400 --rot 10 --key 0.05 --light 0.6 --fold 0.03 -o "$d/photo" "$d"/sheet/*.png
"$FIELDKIT" qr receive --images "$d/photo" -o "$d/out3" 2>"$d/err" || { cat "$d/err"; fail "sheet photos"; }
cmp -s "$d/small" "$d/out3" || fail "sheet content"
echo "ok: folded, unevenly lit sheet photographed at an angle: restored"

# 4. The independent decoder: ZXingReader reads the single-code frames
# (clean and camera-like); its text output alone rebuilds the file.
if command -v ZXingReader >/dev/null; then
	: >"$d/zx.txt"
	for f in "$d"/fr/*.png; do
		ZXingReader -format QRCode -bytes "$f" >>"$d/zx.txt" 2>/dev/null || true
		echo >>"$d/zx.txt"
	done
	"$FIELDKIT" qr receive --text "$d/zx.txt" -o "$d/out4" 2>/dev/null || fail "ZXing text"
	cmp -s "$d/small" "$d/out4" || fail "ZXing content"
	ok=0
	for f in "$d"/cam1/frame-0000[1-7].jpg; do
		t=$(ZXingReader -format QRCode -bytes "$f" 2>/dev/null || true)
		z=$(zbarimg -q --raw "$f" 2>/dev/null || true)
		[ -n "$t" ] && [ "$t" = "$z" ] && ok=$((ok + 1))
	done
	[ $ok -ge 5 ] || fail "ZXing and zbar agree on only $ok camera-like frames"
	echo "ok: ZXingReader rebuilds the file from clean frames; agrees with zbar on $ok/7 camera-like"
else
	echo "SKIP: ZXingReader missing"
fi
echo "qr_camera: all passed"
