#!/usr/bin/env python3
"""qr_term2pgm.py - turns the first frame of `fieldkit qr send --terminal`
output back into a picture (PGM, 4 px per module, light border) so a QR
decoder can check that the half-block rendering is a readable code.
usage: qr_term2pgm.py TERM_OUTPUT OUT.pgm"""
import re
import sys

raw = open(sys.argv[1], encoding="utf-8", errors="replace").read()
rows = []
for line in raw.split("\n"):
    m = re.match(r"^(?:\x1b\[[0-9;?]*[A-Za-z])*\x1b\[97;40m(.*?)\x1b\[0m$", line)
    if m is None:
        if rows:
            break
        continue
    top, bot = [], []
    for ch in m.group(1):
        t, b = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}[ch]
        top.append(t)
        bot.append(b)
    rows += [top, bot]
S, B = 4, 8
w, h = len(rows[0]), len(rows)
W, H = (w + 2 * B) * S, (h + 2 * B) * S
px = bytearray([255]) * (W * H)
for y, r in enumerate(rows):
    for x, light in enumerate(r):
        if not light:
            for dy in range(S):
                o = ((y + B) * S + dy) * W + (x + B) * S
                px[o:o + S] = bytes(S)
with open(sys.argv[2], "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (W, H))
    f.write(px)
