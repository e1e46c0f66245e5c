#!/bin/bash
# qr_cli.sh - `fieldkit qr`: help and usage errors, PNG frame sets with loss,
# atomic output only when verified, terminal animation, printable sheets.
set -eu
: "${FIELDKIT:?}" "${TMPDIR:?}" "${FK_SRC:?}"
fk() { "$FIELDKIT" "$@"; }
d=$(mktemp -d "$TMPDIR/qr_cli.XXXXXX")
trap 'rm -rf "$d"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
export FIELDKIT_QUIET=1

# Help and usage.
fk qr --help | grep -q "qr send" || fail "qr --help"
fk qr send --help | grep -q -- "--terminal" || fail "send --help"
fk qr receive --help | grep -q -- "--images" || fail "receive --help"
set +e
fk qr >/dev/null 2>&1; [ $? -eq 2 ] || fail "qr without subcommand"
fk qr bogus 2>/dev/null; [ $? -eq 2 ] || fail "unknown subcommand"
fk qr send 2>/dev/null; [ $? -eq 2 ] || fail "send without file"
fk qr send /etc/hostname 2>/dev/null; [ $? -eq 2 ] || fail "send without mode"
fk qr send /etc/hostname --png a --sheet b 2>/dev/null; [ $? -eq 2 ] || fail "two modes"
fk qr send /etc/hostname --terminal --fps 30 2>/dev/null; [ $? -eq 2 ] || fail "fps 30"
fk qr send /etc/hostname --png "$d/x" --version 41 2>/dev/null; [ $? -eq 2 ] || fail "version 41"
fk qr send /etc/hostname --png "$d/x" --level X 2>/dev/null; [ $? -eq 2 ] || fail "level X"
fk qr send "$d/missing" --png "$d/x" 2>/dev/null; [ $? -eq 1 ] || fail "missing input"
fk qr receive -o "$d/o" 2>/dev/null; [ $? -eq 2 ] || fail "receive without source"
fk qr receive --images a --camera /dev/video9 2>/dev/null; [ $? -eq 2 ] || fail "both sources"
set -e
ok "help and usage errors"

# 1 KB through PNG frames with 0/10/30/50% of the frames deleted, 50 KB with
# 30% (test_qr_png covers 50 KB at every loss in-process).
for size in 1000 50000; do
	head -c $size /dev/urandom >"$d/in$size"
	losses="0 10 30 50"
	[ $size -gt 1000 ] && losses=30
	for loss in $losses; do
		rm -rf "$d/fr"
		fk qr send "$d/in$size" --png "$d/fr" --extra 120 2>"$d/err"
		grep -q "wrote" "$d/err" || fail "send message"
		n=$(ls "$d/fr" | wc -l)
		python3 - "$d/fr" "$loss" <<'PY'
import os, random, sys
d, loss = sys.argv[1], int(sys.argv[2])
names = sorted(os.listdir(d))
random.seed(loss * 7 + len(names))
for f in random.sample(names, len(names) * loss // 100):
    os.unlink(os.path.join(d, f))
PY
		left=$(ls "$d/fr" | wc -l)
		rm -f "$d/out"
		fk qr receive --images "$d/fr" -o "$d/out" 2>"$d/err" || { cat "$d/err"; fail "receive $size loss $loss"; }
		cmp -s "$d/in$size" "$d/out" || fail "content $size loss $loss"
		grep -q "verified" "$d/err" || fail "summary"
		ok "$size bytes, $loss% loss: $left of $n frames, restored"
	done
done

# A directory with frames of an earlier stream is refused.
set +e
fk qr send "$d/in1000" --png "$d/fr" 2>"$d/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "already holds" "$d/err" || fail "frames written over an earlier stream"
ok "frame directory in use refused"

# Images given one by one, and output on stdout.
fk qr send "$d/in1000" --png "$d/one" --binary --version 15 2>/dev/null
fk qr receive --images "$d"/one/*.png >"$d/out2" 2>/dev/null
cmp -s "$d/in1000" "$d/out2" || fail "stdout output"
ok "byte mode, file list, stdout"

# A folder from a stick with special files among the frames: a FIFO named
# like a frame, links to /dev/zero and /dev/urandom. Skipped (said so), never
# read: without that a FIFO blocks the receive forever.
cp -r "$d/one" "$d/hostile"
mkfifo "$d/hostile/p.png"
ln -s /dev/zero "$d/hostile/z.png"
ln -s /dev/urandom "$d/hostile/u.png"
set +e
timeout 60 "$FIELDKIT" qr receive --images "$d/hostile" -o "$d/out3" 2>"$d/err"; rc=$?
set -e
[ $rc -eq 0 ] || fail "special files among frames: exit $rc ($(cat "$d/err"))"
cmp -s "$d/in1000" "$d/out3" || fail "special files among frames: content"
grep -q "3 files were not readable images and were skipped (the first: .*p.png" "$d/err" ||
	fail "special files not reported (which, and why): $(cat "$d/err")"
ok "a FIFO and links to devices among the frames skipped, the file rebuilt"

# Too few frames: exit 1, no output file, a message saying how many are missing.
rm -rf "$d/fr"
fk qr send "$d/in50000" --png "$d/fr" --extra 0 2>/dev/null
rm "$d"/fr/frame-0000[1-5].png
echo old >"$d/keep"
set +e
fk qr receive --images "$d/fr" -o "$d/keep" 2>"$d/err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "incomplete: exit $rc"
grep -q "more" "$d/err" || fail "incomplete message: $(cat "$d/err")"
[ "$(cat "$d/keep")" = old ] || fail "incomplete stream overwrote the output"
ls "$d" | grep -q '\.tmp' && fail "temporary file left"
ok "incomplete stream refused, output untouched"

# Two different complete files in one directory: refused.
rm -rf "$d/mix"
fk qr send "$d/in1000" --png "$d/mix" 2>/dev/null
fk qr send /etc/hostname --png "$d/mix2" 2>/dev/null
for f in "$d"/mix2/*; do mv "$f" "$d/mix/z-$(basename "$f")"; done
set +e
fk qr receive --images "$d/mix" -o "$d/o3" 2>"$d/err"; rc=$?
set -e
[ $rc -eq 1 ] && [ ! -e "$d/o3" ] || fail "two files accepted"
grep -q "more than one" "$d/err" || fail "two files message"
ok "two complete files refused"

# Terminal animation: half blocks, colours reset, stops after --count.
fk qr send "$d/in1000" --terminal --count 3 --fps 15 >"$d/term" 2>"$d/err"
grep -q "▀\|▄" "$d/term" || fail "no half blocks"
grep -q "showed 3 frames" "$d/err" || fail "terminal summary"
tail -c 20 "$d/term" | grep -q $'\033\\[?1049l' || fail "terminal not restored"
# The half-block picture is a readable code: back to pixels, through zbar.
python3 "$FK_SRC/tests/bench/qr_term2pgm.py" "$d/term" "$d/term.pgm"
convert "$d/term.pgm" "$d/term.png"
fk qr receive --images "$d/term.png" -o "$d/term.bin" 2>"$d/err" && [ ! -s "$d/term.bin" ] &&
	fail "one frame cannot be a whole 1000-byte file"
grep -q "incomplete QR stream: 1 of" "$d/err" || fail "terminal frame unreadable: $(cat "$d/err")"
# On an 80 x 24 terminal, a file named as bundles are (about 60 characters):
# the status line is cut to the width and autowrap is off, so no line wraps,
# scrolls the screen and takes the code's top margin (it once did: nothing
# could be read). What the terminal shows is read back through zbar.
long="$d/b700052e-e3b9-4d8d-b922-7a54417e5ef6-9af87702-0011223344.fkb"
cp "$d/in1000" "$long"
python3 - "$FIELDKIT" "$long" "$d/screen.pgm" "$FK_SRC/tests/cli/lib" <<'PY' || fail "terminal screen (above)"
import fcntl, os, pty, select, struct, sys, termios
fk, path, out, lib = sys.argv[1:5]
sys.path.insert(0, lib)
from vtscreen import screen, pgm
for rows, cols in ((24, 80), (40, 80)):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        os.execv(fk, [fk, "qr", "send", path, "--terminal", "--count", "1", "--fps", "4"])
    raw = b""
    while True:
        r, _, _ = select.select([fd], [], [], 10)
        if not r:
            break
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        raw += data
    os.waitpid(pid, 0)
    # the screen as it was before the alternate screen was left
    shown = raw[:raw.rindex(b"\x1b[?1049l")]
    lines = screen(shown, rows, cols)
    assert "Ctrl-C" in "".join(lines) or "9af87702" in "".join(lines), "no status line:\n" + "\n".join(lines)
    assert any("\u2588" in ln for ln in lines[:2]), "the code's top scrolled off (%dx%d):\n%s" % (cols, rows, "\n".join(lines))
    pgm(lines, out.replace(".pgm", "-%d.pgm" % rows))
PY
for r in 24 40; do
	convert "$d/screen-$r.pgm" "$d/screen-$r.png"
	fk qr receive --images "$d/screen-$r.png" -o "$d/screen.bin" 2>"$d/err" && fail "one screen cannot be the whole file"
	grep -q "incomplete QR stream: [1-9][0-9]* of" "$d/err" || fail "80 x $r terminal: the screen is unreadable: $(cat "$d/err")"
done
ok "80 x 24 and 80 x 40 terminals, a bundle-length name: the screen is readable"
# A forged frame (valid CRC, wrong content) among genuine ones: the file it
# makes does not verify, nothing is written, and the message says so (it said
# only that frames were missing, though every genuine one had been given).
python3 - "$d/forged.txt" "$d/forged-then-good.txt" <<'PY'
import hashlib, struct, sys, zlib, os
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
def b45(b):
    out = []
    for i in range(0, len(b) - 1, 2):
        n = b[i] * 256 + b[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(b) % 2:
        out += [B45[b[-1] % 45], B45[b[-1] // 45]]
    return "".join(out)
data = os.urandom(900)
c = 200
H = hashlib.sha256(data).digest()
L = len(data)
k = -(-(L + 32) // c)
M = data + H + bytes(k * c - L - 32)
sid = hashlib.sha256(b"fieldkit-qr-v1" + struct.pack(">IH", L, c) + H).digest()[:8]
def frame(i, payload):
    head = b"FQ\x01" + sid + struct.pack(">HII", k, L, i) + payload
    return head + struct.pack(">I", zlib.crc32(head) & 0xffffffff)
good = [frame(i, M[i * c:(i + 1) * c]) for i in range(k)]
bad = bytearray(M[0:c]); bad[5] ^= 0x55
forged = [frame(0, bytes(bad))] + good
# then all but the last genuine frame again: after the restart, one is missing
open(sys.argv[1], "w").write("\n".join(b45(f) for f in forged + good[:-1]) + "\n")
open(sys.argv[2], "w").write("\n".join(b45(f) for f in forged + good) + "\n")
PY
set +e
fk qr receive --text "$d/forged.txt" -o "$d/forged.out" 2>"$d/err"; rc=$?
set -e
[ $rc -eq 1 ] && [ ! -e "$d/forged.out" ] || fail "a forged frame: exit $rc, or a file written"
grep -q "did not verify (a wrong frame among them), so decoding started over 1 time" "$d/err" ||
	fail "a forged frame not said: $(cat "$d/err")"
fk qr receive --text "$d/forged-then-good.txt" -o "$d/forged.out" 2>/dev/null ||
	fail "the genuine frames after a forged one did not rebuild the file"
ok "a forged frame (valid CRC): said, nothing written; the genuine frames that follow rebuild the file"
# Ctrl-C (SIGINT) stops it and restores the terminal.
"$FIELDKIT" qr send "$d/in1000" --terminal --fps 2 >"$d/term2" 2>/dev/null &
pid=$!
sleep 1
kill -INT $pid
wait $pid || true
tail -c 20 "$d/term2" | grep -q $'\033\\[?25h' || fail "SIGINT did not restore the cursor"
ok "terminal animation and Ctrl-C"

# Printable sheets: pages at 300 dpi; a photo-like downscale of the pages,
# with two codes blotted out, still restores the file.
# deterministic content, so that the photo simulation gives the same result every run
python3 -c "import random, sys; random.seed(6000); sys.stdout.buffer.write(bytes(random.getrandbits(8) for _ in range(6000)))" >"$d/sheetin"
fk qr send "$d/sheetin" --sheet "$d/sheet" 2>"$d/err"
ls "$d"/sheet-*.png >/dev/null || fail "no sheet pages"
identify -format '%w %h %x\n' "$d/sheet-1.png" | grep -q "^2480 3508 " || fail "page size"
pages=$(ls "$d"/sheet-*.png | wc -l)
mkdir "$d/photos"
i=0
for p in "$d"/sheet-*.png; do
	i=$((i + 1))
	if [ $i -eq 1 ]; then
		# blot out the first two codes on page 1
		convert "$p" -fill black -draw "rectangle 150 330 700 850" \
			-fill black -draw "rectangle 700 330 1250 850" -resize 60% -blur 0x1 \
			-quality 80 "$d/photos/p$i.jpg"
	else
		convert "$p" -resize 60% -blur 0x1 -quality 80 "$d/photos/p$i.jpg"
	fi
done
fk qr receive --images "$d/photos" -o "$d/sheetout" 2>"$d/err" || { cat "$d/err"; fail "sheet receive"; }
cmp -s "$d/sheetin" "$d/sheetout" || fail "sheet content"
codes=$(sed -n 's/^from [0-9]* images: \([0-9]*\) QR codes.*/\1/p' "$d/err")
total=$(python3 -c 'import math; k=math.ceil(6032/182); print(k + max(4, math.ceil(k/10)))')
[ -n "$codes" ] && [ "$codes" -le $((total - 2)) ] || fail "the two blotted codes were read: $(cat "$d/err")"
ok "sheet: $pages pages, $codes of $total codes read (two blotted out), restored from JPEG photos"
# A code too large for A4 is refused before anything is written.
set +e
fk qr send "$d/sheetin" --sheet "$d/big" --version 40 --scale 14 2>"$d/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "A4" "$d/err" && ! ls "$d"/big-* >/dev/null 2>&1 || fail "oversized sheet code"
ok "oversized sheet code refused"
echo "qr_cli: all passed"
