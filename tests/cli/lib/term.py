"""A person at a terminal, for tests: runs a command on a pseudo-terminal of a
given size, waits for what it shows, and types (keys included: arrows, Home,
Backspace, Ctrl-C).

    t = Term([fieldkit, "capture", ...], rows=40, cols=100)
    t.expect(r"\[1/\d+\] Surname")     # waits, returns the match
    t.line("Петренко")                 # types it and Enter
    t.keys(LEFT, LEFT, BACKSPACE)
    t.screen()                         # what was shown since the last mark
    t.wait()                           # the exit status
"""
import fcntl
import os
import pty
import re
import select
import struct
import termios
import time

LEFT, RIGHT, UP, DOWN = "\x1b[D", "\x1b[C", "\x1b[A", "\x1b[B"
HOME, END, DELETE = "\x1b[H", "\x1b[F", "\x1b[3~"
BACKSPACE, CTRL_C, CTRL_D, CTRL_U = "\x7f", "\x03", "\x04", "\x15"

CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z@~])")


def clean(raw):
    """Terminal output as a person reads it (all lines, scrolled or not):
    carriage returns, erase-to-end and cursor moves on a line applied."""
    lines, cur, col, i = [], [], 0, 0
    while i < len(raw):
        c = raw[i]
        if c == "\x1b":
            m = CSI.match(raw, i)
            if m:
                n = int(m.group(1)) if m.group(1).isdigit() else 1
                if m.group(2) == "C":
                    col += n
                elif m.group(2) == "D":
                    col = max(0, col - n)
                elif m.group(2) == "K":
                    del cur[col:]
                i = m.end()
                continue
            i += 1
            continue
        if c == "\n":
            lines.append("".join(cur).rstrip())
            cur, col = [], 0
        elif c == "\r":
            col = 0
        elif c == "\b":
            col = max(0, col - 1)
        elif c >= " ":
            while len(cur) < col:
                cur.append(" ")
            if col < len(cur):
                cur[col] = c
            else:
                cur.append(c)
            col += 1
        i += 1
    lines.append("".join(cur))
    return "\n".join(lines)


class Term:
    def __init__(self, argv, rows=40, cols=100, env=None, timeout=15):
        self.timeout = timeout
        pid, fd = pty.fork()
        if pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            if env is not None:
                os.environ.update(env)
            os.execv(argv[0], argv)
        self.pid, self.fd = pid, fd
        self.raw = b""
        self.mark = 0
        self.status = None

    def _read(self, wait):
        r, _, _ = select.select([self.fd], [], [], wait)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return None
        if not data:
            return None
        self.raw += data
        return True

    def text(self, since=0):
        return clean(self.raw[since:].decode("utf-8", "replace"))

    def expect(self, pattern, timeout=None):
        """Waits until pattern appears after the mark; moves the mark past it."""
        end = time.time() + (timeout or self.timeout)
        rx = re.compile(pattern)
        while True:
            t = self.raw[self.mark:].decode("utf-8", "replace")
            m = rx.search(clean(t))
            if m:
                # Move the mark to the end of what was read (the match is in it).
                self.last = clean(t)
                self.mark = len(self.raw)
                return m
            if time.time() > end:
                raise AssertionError("waited for %r; the screen shows:\n%s" % (pattern, self.text(self.mark)[-3000:]))
            if self._read(0.1) is None:
                t = self.raw[self.mark:].decode("utf-8", "replace")
                if rx.search(clean(t)):
                    continue
                raise AssertionError("ended while waiting for %r; it showed:\n%s" % (pattern, self.text(self.mark)[-3000:]))

    def prompt(self):
        """Waits for the next '> ' prompt; returns what was shown before it."""
        self.expect(r"(^|\n)> ?$")
        return self.last

    def keys(self, *ks):
        for k in ks:
            os.write(self.fd, k.encode())
            time.sleep(0.002)

    def line(self, s=""):
        """Types s and Enter, and waits until the line is taken (its echo
        ends in a newline), so what comes next is the program's answer."""
        start = len(self.raw)
        self.keys(s, "\r")
        end = time.time() + self.timeout
        while b"\n" not in self.raw[start:] and time.time() < end:
            if self._read(0.05) is None:
                break
        nl = self.raw.find(b"\n", start)
        self.mark = nl + 1 if nl >= 0 else len(self.raw)

    def screen(self):
        return self.text(self.mark)

    def wait(self, timeout=None):
        end = time.time() + (timeout or self.timeout)
        while time.time() < end:
            self._read(0.05)
            done, st = os.waitpid(self.pid, os.WNOHANG)
            if done:
                while self._read(0.05):
                    pass
                self.status = os.waitstatus_to_exitcode(st)
                return self.status
        os.kill(self.pid, 9)
        raise AssertionError("did not end; it showed:\n" + self.text()[-3000:])
