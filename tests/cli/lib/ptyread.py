"""Reading what a program writes to a pseudo-terminal, for the shell tests.

    import sys; sys.path.insert(0, LIBDIR); from ptyread import PtyReader
    r = PtyReader(fd)
    assert r.until(b"> "), r.buf
"""
import os
import select
import time


class PtyReader:
    def __init__(self, fd):
        self.fd = fd
        self.buf = b""

    def until(self, s, t=10):
        """Reads until s has been written (True) or t seconds pass or the
        terminal closes (False); everything read is in self.buf."""
        end = time.time() + t
        while s not in self.buf and time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if r:
                try:
                    self.buf += os.read(self.fd, 4096)
                except OSError:
                    break
        return s in self.buf
