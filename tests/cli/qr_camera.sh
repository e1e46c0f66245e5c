#!/bin/bash
# qr_camera.sh - frames as a camera sees them: each PNG frame is shrunk to the
# size a 720p webcam gives a code on a screen, put on a 1280x720 canvas,
# rotated 3 degrees, blurred, noised and saved as JPEG quality 50; the
# stream must still come through. Then the independent decoder: ZXingReader
# (zxing-cpp) reads the frames, and its output alone rebuilds the file.
set -eu
: "${FIELDKIT:?}" "${TMPDIR:?}"
d=$(mktemp -d "$TMPDIR/qr_camera.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export FIELDKIT_QUIET=1
command -v convert >/dev/null || { echo "SKIP: ImageMagick convert missing"; exit 0; }

head -c 8000 /dev/urandom >"$d/in"
# Default V20-M (105 modules with quiet zone) at ~520 px: ~5 px per module.
"$FIELDKIT" qr send "$d/in" --png "$d/fr" --extra 60 2>/dev/null
n=$(ls "$d/fr" | wc -l)
mkdir "$d/cam"
mogrify -path "$d/cam" -format jpg -resize 520x520 -background '#808080' -rotate 3 \
	-gravity center -background '#9a9a9a' -extent 1280x720 \
	-blur 0x1.2 -attenuate 0.6 +noise Gaussian -colorspace Gray \
	-quality 50 "$d"/fr/*.png
identify -format '%w %h\n' "$d/cam/frame-00001.jpg" | grep -q '^1280 720$' || fail "canvas size"
"$FIELDKIT" qr receive --images "$d/cam" -o "$d/out" 2>"$d/err" || { cat "$d/err"; fail "camera-like frames"; }
cmp -s "$d/in" "$d/out" || fail "content"
grep -o "from .*" "$d/err" || true
echo "ok: $n frames, 1280x720 JPEG q50, blur, noise, 3 degrees: restored"

# Some frames lost on the way as well: drop every fourth.
rm -f "$d"/cam/frame-*[048].jpg
"$FIELDKIT" qr receive --images "$d/cam" -o "$d/out2" 2>/dev/null || fail "with loss"
cmp -s "$d/in" "$d/out2" || fail "content with loss"
echo "ok: camera-like frames with loss: restored"

# Byte mode, V25-L, at 555 px on 720p (~4.4 px per module), same distortions.
"$FIELDKIT" qr send "$d/in" --png "$d/fb" --binary --version 25 --level L --extra 30 2>/dev/null
mkdir "$d/camb"
mogrify -path "$d/camb" -format jpg -resize 555x555 -background white -rotate 3 \
	-gravity center -extent 1280x720 -blur 0x1 -attenuate 0.5 +noise Gaussian \
	-colorspace Gray -quality 50 "$d"/fb/*.png
"$FIELDKIT" qr receive --images "$d/camb" -o "$d/out3" 2>"$d/err" || { cat "$d/err"; fail "byte mode camera-like"; }
cmp -s "$d/in" "$d/out3" || fail "content byte mode"
echo "ok: byte mode V25-L camera-like: restored"

# The independent decoder: ZXingReader reads the frames (clean and
# camera-like); its text output alone rebuilds the file.
if command -v ZXingReader >/dev/null; then
	: >"$d/zx.txt"
	for f in "$d"/fr/*.png; do
		ZXingReader -format QRCode -bytes "$f" >>"$d/zx.txt" 2>/dev/null || true
		echo >>"$d/zx.txt"
	done
	"$FIELDKIT" qr receive --text "$d/zx.txt" -o "$d/out4" 2>/dev/null || fail "ZXing text"
	cmp -s "$d/in" "$d/out4" || fail "ZXing content"
	ok=0
	for f in "$d"/cam/frame-0000[1-7].jpg; do
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
