#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal and answers its prompts.

usage: pty_answer.py ANSWER [ANSWER...] -- COMMAND [ARGS...]
Each time the program asks for a passphrase (or says "type yes"), the next
ANSWER (plus a newline) is typed. Used to drive tools that read passphrases only from a terminal
(age -p, minisign -G). Exits with the command's exit status; the command's
stdout goes to our stdout unless it writes to the terminal.
"""
import os
import pty
import select
import sys
import time

def main():
    argv = sys.argv[1:]
    sep = argv.index("--")
    answers, cmd = argv[:sep], argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = b""
    deadline = time.time() + 60
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
            low = data.lower()
            if answers and (b"passphrase" in low or b"password" in low or b"type yes" in low):
                os.write(fd, answers.pop(0).encode() + b"\n")
        else:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                sys.stderr.write(out.decode(errors="replace"))
                sys.exit(os.waitstatus_to_exitcode(status))
    _, status = os.waitpid(pid, 0)
    sys.stderr.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
