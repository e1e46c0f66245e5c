#!/bin/bash
# qr_camera_bench.sh - the full sweep behind the curves in docs/qr-stream.md,
# judged by the camera simulator (tests/sim/qr_camsim.c: a 1920x1080 screen
# seen by a 1280x720 camera; a printed page seen by a phone), and the goodput
# of a screen-to-camera transfer before and after, printed (never asserted).
#
# "before" is what fieldkit did until the screen frames: one V20-M code per
# PNG (qr send --png --single) shown full screen, read by zbar on the whole
# picture (qr receive --plain). "after" is qr send --png (screen frames: six
# V15-L codes in a ring) read by qr receive (ring, zbar, zxing).
#
# Usage: tests/bench/qr_camera_bench.sh [SECTIONS] (default 123456; run from the
# source root; FK_BUILD names the build folder, default build)
#  1 share of codes read against keystone (random, yaw, pitch), before/after
#  2 share read against camera pixels per module (distance), before/after
#  3 other layouts (--codes, --version): bytes per screen and share read
#  4 goodput (file bytes per second of showing screens, losses included)
#  5 printed sheets photographed by a phone (FK_PHONES: picture sizes, default
#    "3024x4032 1800x2400"): turned (a quarter, half, 30 degrees), keystoned,
#    unevenly lit, in a shadow, folded; codes read and whether the file was
#    rebuilt, over FK_SHEET_SEEDS photos of every page (default "1 2")
#  6 hand-held keystone in detail: 336 pictures per setting (42 screens of a
#    60000-byte file, 8 seeds), share read, pictures whose ring was found,
#    the found corners' error against the simulator's truth (qr_diag), ms per
#    picture; FK_BEFORE=PATH adds the share read by another fieldkit binary
#    (an older build) on the same pictures; FK_S6_SEEDS (default "1 2 3 4 5 6
#    7 8") and FK_S6_SETS (default: random 3%, 5%, 6.5%, 8%, 10%, yaw 8%)
#    narrow it
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FK_BUILD:-$src/build}
sections=${1:-123456}
cmake --build "$build" --target fieldkit qr_camsim qr_diag -j2 >/dev/null
fk=$build/fieldkit
sim=$build/qr_camsim
d=$(mktemp -d "${TMPDIR:-/tmp}/qr_camera_bench.XXXXXX")
trap 'rm -rf "$d"' EXIT
export FIELDKIT_QUIET=1
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"

mkfile() { # BYTES FILE: deterministic content
	python3 -c "import random, sys; random.seed($1); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range($1)))" >"$2"
}

# read DIR [receive options]: sets frames (of the stream read), done_at, ms (per picture)
read_set() {
	local dir=$1 t0 t1 out
	shift
	t0=$(date +%s%N)
	# not quiet: the closing line counts the frames read even when incomplete
	out=$(FIELDKIT_QUIET= "$fk" qr receive "$@" --images "$dir" -o "$d/out" 2>&1 </dev/null || true)
	t1=$(date +%s%N)
	frames=$(sed -n 's/.* QR codes, \([0-9]*\) frames of the stream.*/\1/p' <<<"$out")
	done_at=$(sed -n 's/.*complete after image \([0-9]*\);.*/\1/p' <<<"$out")
	frames=${frames:-0}
	done_at=${done_at:-0}
	ms=$(( (t1 - t0) / 1000000 / $(ls "$dir" | wc -l) ))
}

# camera DIR-IN DIR-OUT ARGS...: every frame through the simulator
camera() {
	local in=$1 out=$2
	shift 2
	rm -rf "$out" && mkdir -p "$out"
	"$sim" screen "$@" -o "$out" "$in"/*.png
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%5.1f%%", b ? 100 * a / b : 0 }'; }

# The two senders, for a file: before (single codes, fit to the screen) and after.
senders() { # FILE [EXTRA]
	rm -rf "$d/before" "$d/after"
	"$fk" qr send "$1" --png "$d/before" --single --extra "${2:-50}" 2>"$d/before.txt"
	"$fk" qr send "$1" --png "$d/after" --extra "${2:-50}" 2>"$d/after.txt"
	kb=$(sed -n 's/.*(k = \([0-9]*\):.*/\1/p' "$d/before.txt")
	ka=$(sed -n 's/.*; k = \([0-9]*\):.*/\1/p' "$d/after.txt")
	per=$(sed -n 's/.*, \([0-9]*\) per screen.*/\1/p' "$d/after.txt")
	nb=$(ls "$d/before" | wc -l)
	na=$(ls "$d/after" | wc -l)
}

if [[ $sections == *1* ]]; then
	echo
	echo "1. share of codes read against keystone (corner displacement, fraction of the picture)"
	echo "   before: V20-M, 1 code per screen, fit to the screen (6.2 camera px/module), zbar"
	echo "   after:  screen frames, 6 V15-L codes in a ring (3.6 camera px/module), ring+zbar+zxing"
	mkfile 12000 "$d/f12k"
	senders "$d/f12k"
	printf "   %-7s %6s %9s %9s\n" pattern key before after
	for pat in random yaw pitch; do
		for key in 0 0.03 0.05 0.065 0.08 0.10; do
			camera "$d/before" "$d/cb" --fit --scale 0.6 --pattern "$pat" --key "$key"
			read_set "$d/cb" --plain
			b=$(pct "$frames" "$nb")
			camera "$d/after" "$d/ca" --scale 0.6 --pattern "$pat" --key "$key"
			read_set "$d/ca"
			a=$(pct "$frames" "$((na * per))")
			printf "   %-7s %6s %9s %9s\n" "$pat" "$key" "$b" "$a"
		done
	done
fi

if [[ $sections == *2* ]]; then
	echo
	echo "2. share read against camera pixels per module (no keystone / corners displaced 5%)"
	echo "   (after: the screen frame fills the picture at 4.2 px/module; beyond, it is cut off)"
	mkfile 12000 "$d/f12k"
	senders "$d/f12k"
	printf "   %5s %6s %9s %9s\n" px key before after
	for key in 0 0.05; do
		for ppm in 2.5 3 3.5 4 4.5 5 6; do
			camera "$d/before" "$d/cb" --fit --ppm "$ppm" --module 4 --key "$key"
			read_set "$d/cb" --plain
			b=$(pct "$frames" "$nb")
			camera "$d/after" "$d/ca" --ppm "$ppm" --module 6 --nofit --key "$key"
			read_set "$d/ca"
			a=$(pct "$frames" "$((na * per))")
			printf "   %5s %6s %9s %9s\n" "$ppm" "$key" "$b" "$a"
		done
	done
fi

if [[ $sections == *3* ]]; then
	echo
	echo "3. layouts on a 1920x1080 screen, 1280x720 camera: bytes per screen, share read (ring+zbar+zxing)"
	mkfile 12000 "$d/f20k"
	printf "   %-14s %7s %6s %8s %8s %8s %8s\n" layout B/screen px key0 key5% key8% yaw8%
	for lay in "1x1 25" "2x1 25" "3x1 20" "3x2 15" "4x2 14" "2x1 30"; do
		read -r codes ver <<<"$lay"
		rm -rf "$d/lay"
		"$fk" qr send "$d/f20k" --png "$d/lay" --codes "$codes" --version "$ver" 2>"$d/lay.txt"
		bytes=$(sed -n 's/.* frames of \([0-9]*\) bytes, \([0-9]*\) per screen.*/\1 \2/p' "$d/lay.txt")
		px=$(sed -n 's/.*, \([0-9]*\) pixels per module.*/\1/p' "$d/lay.txt")
		read -r chunk p <<<"$bytes"
		n=$(ls "$d/lay" | wc -l)
		row=""
		for set in "random 0" "random 0.05" "random 0.08" "yaw 0.08"; do
			read -r pat key <<<"$set"
			camera "$d/lay" "$d/cl" --scale 0.6 --pattern "$pat" --key "$key"
			read_set "$d/cl"
			row="$row $(pct "$frames" "$((n * p))")"
		done
		printf "   %-14s %7s %6s %s\n" "$codes V$ver-L" "$((chunk * p))" "$px" "$row"
	done
fi

if [[ $sections == *4* ]]; then
	echo
	echo "4. goodput: a 60000-byte file, one camera picture per screen shown, from the first"
	echo "   screen until the file is complete (losses included); time to read one picture"
	echo "   (where the set of k + 100% frames ran out first: screens estimated from the share read)"
	mkfile 60000 "$d/f60k"
	senders "$d/f60k" 100
	printf "   %-6s %6s | %-34s | %-44s\n" pattern key "before (1 code/screen, 8 fps)" "after (screen frames)"
	for set in "random 0" "random 0.05" "random 0.065" "random 0.08" "yaw 0.08" "pitch 0.08"; do
		read -r pat key <<<"$set"
		camera "$d/before" "$d/cb" --fit --scale 0.6 --pattern "$pat" --key "$key"
		read_set "$d/cb" --plain
		bb=$done_at bf=$frames bms=$ms
		camera "$d/after" "$d/ca" --scale 0.6 --pattern "$pat" --key "$key"
		read_set "$d/ca"
		awk -v p="$pat" -v k="$key" -v b="$bb" -v bf="$bf" -v nb="$nb" -v kb="$kb" -v bms="$bms" \
		    -v a="$done_at" -v af="$frames" -v na="$na" -v ka="$ka" -v per="$per" -v ams="$ms" \
		    -v L=60000 'BEGIN {
			# screens until complete; if the set ran out, (k + 2) / (codes read per screen)
			sb = b > 0 ? b : (bf > 0 ? (kb + 2) / (bf / nb) : 0); eb = b > 0 ? "" : "~"
			sa = a > 0 ? a : (af > 0 ? (ka + 2) / (af / na) : 0); ea = a > 0 ? "" : "~"
			gb = sb > 0 ? L / (sb / 8) / 1000 : 0
			g8 = sa > 0 ? L / (sa / 8) / 1000 : 0; g10 = sa > 0 ? L / (sa / 10) / 1000 : 0
			printf "   %-6s %6s | %s%4.0f screens %5.1f KB/s %4d ms | %s%3.0f screens %5.1f KB/s, %5.1f at 10 fps %4d ms\n",
			    p, k, eb, sb, gb, bms, ea, sa, g8, g10, ams
		}'
	done
fi

if [[ $sections == *5* ]]; then
	echo
	echo "5. printed sheets (V10-M, 8 px/module at 300 dpi) photographed by a phone: codes read"
	echo "   (zbar alone on the whole photo, and the whole reader), file rebuilt from the photos"
	mkfile 8000 "$d/f8k"
	rm -rf "$d/sheet" && mkdir "$d/sheet"
	"$fk" qr send "$d/f8k" --sheet "$d/sheet/p" 2>/dev/null
	codes=$("$fk" qr send "$d/f8k" --sheet "$d/sheet/q" 2>&1 | sed -n 's/.* with \([0-9]*\) codes.*/\1/p')
	rm -f "$d"/sheet/q-*
	seeds=${FK_SHEET_SEEDS:-1 2}
	printf "   %-10s %-52s %8s %8s %8s %6s\n" camera conditions zbar all rebuilt ms
	for cam in ${FK_PHONES:-3024x4032 1800x2400}; do
		for set in "0 0 0 0 0" "90 0.03 0 0 0" "180 0.03 0 0 0" "10 0.05 0 0 0" "30 0.05 0 0 0" \
		    "10 0.08 0 0 0" "5 0.03 0.6 0 0" "5 0.03 0.3 0.5 0" "10 0.05 0.3 0 0.03" \
		    "10 0.05 0.6 0.5 0.03" "30 0.05 0.6 0.5 0.03"; do
			read -r rot key light shadow fold <<<"$set"
			z=0 a=0 ok=0 n=0 t=0
			for seed in $seeds; do
				rm -rf "$d/ph" && mkdir "$d/ph"
				"$sim" paper --camera "$cam" --rot "$rot" --key "$key" --light "$light" \
				    --shadow "$shadow" --fold "$fold" --seed "$seed" -o "$d/ph" "$d"/sheet/p-*.png
				read_set "$d/ph" --plain
				z=$((z + frames))
				read_set "$d/ph"
				a=$((a + frames)) t=$((t + ms)) n=$((n + 1))
				cmp -s "$d/f8k" "$d/out" 2>/dev/null && ok=$((ok + 1))
				rm -f "$d/out"
			done
			printf "   %-10s %-52s %8s %8s %6s %6s\n" "$cam" \
			    "turned $rot, keystone $key, light $light, shadow $shadow, fold $fold" \
			    "$(pct "$z" $((codes * n)))" "$(pct "$a" $((codes * n)))" "$ok/$n" "$((t / n))"
		done
	done
fi

if [[ $sections == *6* ]]; then
	echo
	echo "6. hand-held keystone, 42 screens x 8 seeds (336 pictures) per setting, 60000-byte file"
	mkfile 60000 "$d/f60k"
	rm -rf "$d/s6" && "$fk" qr send "$d/f60k" --png "$d/s6" --extra 100 2>/dev/null
	# the ring's outer edge in the PNG: the first black pixel from each side
	ring=$(python3 - "$d/s6/frame-00001.png" <<'PY'
import sys, zlib, struct
b = open(sys.argv[1], 'rb').read()
w, h, depth, ctype = struct.unpack('>IIBB', b[16:26])
assert depth == 8 and ctype == 0, 'grey 8-bit PNG expected'
data, i = b'', 8
while i < len(b):
    n, t = struct.unpack('>I4s', b[i:i + 8])
    if t == b'IDAT':
        data += b[i + 8:i + 8 + n]
    i += 12 + n
raw, rows, prev = zlib.decompress(data), [], bytearray(w)
for y in range(h):
    f, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
    for x in range(w):
        a = line[x - 1] if x else 0
        c = prev[x - 1] if x else 0
        p = prev[x]
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + p) & 255
        elif f == 3: line[x] = (line[x] + (a + p) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(p - c), abs(a - c), abs(a + p - 2 * c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else p if pb <= pc else c)) & 255
    rows.append(line)
    prev = line
mid, col = rows[h // 2], [r[w // 2] for r in rows]
x0 = next(x for x in range(w) if mid[x] < 128); x1 = max(x for x in range(w) if mid[x] < 128) + 1
y0 = next(y for y in range(h) if col[y] < 128); y1 = max(y for y in range(h) if col[y] < 128) + 1
print(w, h, x0, y0, x1, y1)
PY
)
	printf "   %-7s %6s %9s %9s %11s %11s %6s\n" pattern key before after "ring found" "corner err" ms
	seeds6=${FK_S6_SEEDS:-1 2 3 4 5 6 7 8}
	nseeds=$(wc -w <<<"$seeds6")
	IFS=, read -r -a sets6 <<<"${FK_S6_SETS:-random 0.03,random 0.05,random 0.065,random 0.08,random 0.10,yaw 0.08}"
	for set in "${sets6[@]}"; do
		read -r pat key <<<"$set"
		: >"$d/s6.list"
		a=0 b=0 t=0
		for seed in $seeds6; do
			rm -rf "$d/c6/$seed" && mkdir -p "$d/c6/$seed"
			"$sim" screen --scale 0.6 --pattern "$pat" --key "$key" --seed "$seed" --corners \
			    -o "$d/c6/$seed" "$d"/s6/*.png >"$d/c6/$seed.corners"
			ls "$d"/c6/"$seed"/*.jpg | paste -d' ' - "$d/c6/$seed.corners" >>"$d/s6.list"
			read_set "$d/c6/$seed"
			a=$((a + frames)) t=$((t + ms))
			if [ -n "${FK_BEFORE:-}" ]; then
				b=$((b + $(FIELDKIT_QUIET= "$FK_BEFORE" qr receive --images "$d/c6/$seed" -o "$d/out" 2>&1 </dev/null |
				    sed -n 's/.* QR codes, \([0-9]*\) frames of the stream.*/\1/p')))
			fi
		done
		"$build/qr_diag" $ring <"$d/s6.list" >"$d/s6.diag"
		found=$(grep -c ' ring=1 ' "$d/s6.diag" || true)
		err=$(sed -n 's/.* ring=1 err=\([0-9.]*\) .*/\1/p' "$d/s6.diag" | sort -n |
		    awk '{ e[n++] = $1 } END { printf "%.1f/%.1f", n ? e[int(n / 2)] : 0, n ? e[n - 1] : 0 }')
		np=$((42 * nseeds))
		printf "   %-7s %6s %9s %9s %11s %11s %6s\n" "$pat" "$key" \
		    "$( [ -n "${FK_BEFORE:-}" ] && pct "$b" $((np * 6)) || echo -)" "$(pct "$a" $((np * 6)))" \
		    "$found/$np" "$err" "$((t / nseeds))"
	done
	echo "   (corner err: median/largest distance in camera pixels of a found ring corner from the"
	echo "   truth; a corner out of view is guessed, so its error is large but harmless)"
fi
