#!/usr/bin/env bash
# The layers, checked on the source text (the build checks the include paths,
# tests/layers the probes): no file includes a header of a higher layer, and
# nothing outside cli/ prints (printf, fputs, perror ..., or names stdout/stderr).
# Library code reports through fk_err and callbacks.
set -eu
cd "${FK_SRC:?}"
python3 - <<'PY'
import os, re, sys
# web/ (the page face of capture) sits on capture beside sync and hub; listed
# after hub here, the build keeps it from reaching sync or hub (tests/layers).
L = ["common", "crypto", "capture", "sync", "hub", "web", "cli"]
where = {}
for i, l in enumerate(L):
    for f in os.listdir(l):
        if f.endswith(".h"):
            if f in where:
                sys.exit("FAIL: header %s is in two layers" % f)
            where[f] = i
inc = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
out = re.compile(r'\b(printf|fprintf|vfprintf|fputs|puts|putchar|fputc|perror|vprintf|dprintf)\s*\(|\b(stdout|stderr)\b')
bad = []
files = 0
for i, l in enumerate(L):
    for f in sorted(os.listdir(l)):
        if not f.endswith((".c", ".h")):
            continue
        files += 1
        p = os.path.join(l, f)
        for n, line in enumerate(open(p, encoding="utf-8"), 1):
            m = inc.match(line)
            if m and where.get(os.path.basename(m.group(1)), i) > i:
                bad.append("%s:%d includes %s, a higher layer" % (p, n, m.group(1)))
            s = line.strip()
            if l != "cli" and out.search(line) and not s.startswith(("*", "//", "/*")):
                bad.append("%s:%d prints outside cli/: %s" % (p, n, s))
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print("layers: %d files, no upward include, no printing outside cli/" % files)
PY
