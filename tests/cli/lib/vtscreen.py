"""What a terminal of a given size shows after some output: a small VT100
emulator for tests (cursor home and moves, erase, autowrap on and off,
scrolling at the bottom). Enough to see a line that wraps scroll the screen,
which a test reading the raw bytes cannot.

    rows = screen(raw_bytes, rows=24, cols=80)   # the visible lines, as text
    pgm(rows, path)                              # half blocks back to pixels
"""
import re

CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z@])")


def screen(raw, rows=24, cols=80):
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    grid = [[" "] * cols for _ in range(rows)]
    r = c = 0
    wrap = True
    pending = False  # the cursor sits past the last column (a VT's "wrap next")
    i = 0

    def scroll():
        grid.pop(0)
        grid.append([" "] * cols)

    while i < len(text):
        ch = text[i]
        if ch == "\x1b":
            m = CSI.match(text, i)
            if m is None:
                i += 1
                continue
            args, op = m.group(1), m.group(2)
            i = m.end()
            nums = [int(x) for x in args.lstrip("?").split(";") if x.isdigit()]
            if args.startswith("?"):
                if 7 in nums:
                    wrap = op == "h"
                continue
            if op == "H":
                r = (nums[0] - 1) if nums else 0
                c = (nums[1] - 1) if len(nums) > 1 else 0
                pending = False
            elif op == "K":
                for x in range(c, cols):
                    grid[r][x] = " "
            elif op == "J" and (nums[:1] == [2]):
                grid = [[" "] * cols for _ in range(rows)]
            elif op == "A":
                r = max(0, r - (nums[0] if nums else 1))
            elif op == "B":
                r = min(rows - 1, r + (nums[0] if nums else 1))
            elif op == "C":
                c = min(cols - 1, c + (nums[0] if nums else 1))
            elif op == "D":
                c = max(0, c - (nums[0] if nums else 1))
            continue
        i += 1
        if ch == "\r":
            c, pending = 0, False
        elif ch == "\n":
            pending = False
            if r == rows - 1:
                scroll()
            else:
                r += 1
        elif ch >= " ":
            if pending:
                if wrap:
                    c, pending = 0, False
                    if r == rows - 1:
                        scroll()
                    else:
                        r += 1
                else:
                    c = cols - 1
            grid[r][c] = ch
            if c == cols - 1:
                pending = True
            else:
                c += 1
    return ["".join(x) for x in grid]


def pgm(lines, path, scale=4, border=8):
    """Half-block characters (light = the block) to a PGM picture; anything
    else on the screen is dark, as on a black terminal."""
    half = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1)}
    px_rows = []
    for line in lines:
        top, bot = [], []
        for ch in line:
            t, b = half.get(ch, (0, 0))
            top.append(t)
            bot.append(b)
        px_rows += [top, bot]
    w, h = len(px_rows[0]), len(px_rows)
    W, H = (w + 2 * border) * scale, (h + 2 * border) * scale
    px = bytearray(W * H)  # dark around, as a terminal's black background
    for y, row in enumerate(px_rows):
        for x, light in enumerate(row):
            if light:
                for dy in range(scale):
                    o = ((y + border) * scale + dy) * W + (x + border) * scale
                    px[o:o + scale] = b"\xff" * scale
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (W, H) + bytes(px))
