#!/bin/bash
# capture_noleak.sh - after capturing records (batch and wizard) with a
# distinctive name in Cyrillic and Latin, including a saved-and-resumed draft
# with a photo named after the family, a draft left saved, batch lines
# remembered (keyed hashes), a batch with a rejected line from standard input
# and one from a file, no file under the device home or TMPDIR holds the
# name or its transliteration in any encoding the store could use: UTF-8,
# UTF-16LE/BE, JSON \u escapes (either hex case), lower and upper case. The
# database, its WAL (kept alive by a reader), drafts and `sqlite3 .dump` are
# all searched. Inputs are piped, never written to a file - except the batch
# file in input/, the worker's own, whose rejected line goes (0600) next to
# it and nowhere else; the search skips that folder only.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_noleak.XXXXXX")
# The reader below polls for $W/stop; kill it too, or it waits forever once
# $W is gone (and keeps ctest waiting on its output).
trap 'touch "$W/stop" 2>/dev/null; { [ -z "${holder:-}" ] || kill "$holder" 2>/dev/null || true; }; rm -rf "$W"' EXIT
new_device "$W"
H="$W/home"

# A reader holding a snapshot keeps the WAL file (and old frames) on disk.
"$PY" - "$H/store.db" "$W/stop" <<'PY' &
import sqlite3, sys, time, os
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN")
db.execute("SELECT count(*) FROM sqlite_master").fetchone()
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
db.execute("COMMIT")
PY
holder=$!

rec='{"reporter_surname_cyr":"Шевчишин","reporter_given_cyr":"Зоряна","report_date":"2025-03-01","children":[{"child_surname_cyr":"Шевчишина","child_sex":"f"}]}'
rec2='{"reporter_surname_cyr":"ШЕВЧИШИН","reporter_surname_lat":"Shevchyshyn","reporter_given_cyr":"зоряна","reporter_given_lat":"ZORIANA","report_date":"2025-03-01","children":[{"child_surname_cyr":"Шевчишин"}]}'
bad='{"reporter_surname_cyr":"Шевчишин","reporter_given_cyr":"Зоряна","report_date":"2999-03-01","children":[{"child_surname_cyr":"Шевчишина"}]}'
out=$(printf '%s\n%s\n' "$rec" "$rec2" | "$FIELDKIT" capture "$FORM" --home "$H" --from - 2>&1) \
	|| fail "batch: $out"
# The same again (recognised, not sealed), with a rejected line: from standard
# input no file is written; from a file, the rejected line goes next to it.
out=$(printf '%s\n%s\n%s\n' "$rec" "$bad" "$rec2" | "$FIELDKIT" capture "$FORM" --home "$H" --from - 2>&1) \
	&& fail "a bad line accepted: $out"
echo "$out" | grep -q '2 already sealed, 1 rejected' || fail "re-run: $out"
! echo "$out" | grep -q 'Шевч\|Зоря' || fail "batch messages name a name: $out"
mkdir -p "$W/input"
printf '%s\n%s\n' "$rec" "$bad" > "$W/input/batch.jsonl"
"$FIELDKIT" capture "$FORM" --home "$H" --from "$W/input/batch.jsonl" >/dev/null 2>&1 && fail "bad line accepted"
[ "$(ls "$W/input")" = "$(printf 'batch.jsonl\nbatch.rejected.jsonl')" ] || fail "files next to the input: $(ls "$W/input")"
[ "$(stat -c %a "$W/input/batch.rejected.jsonl")" = 600 ] || fail "rejected lines not 0600"
[ "$(cat "$W/input/batch.rejected.jsonl")" = "$bad" ] || fail "rejected file holds more than the rejected line"

# Wizard: answer the names, save a draft, resume it, attach a photo named
# after the family, and finalize.
"$PY" -c 'import sys; open(sys.argv[1], "wb").write(b"\xff\xd8\xff\xe0" + bytes(1000))' "$W/Шевчишина.jpg"
wiz_out=$(printf 'Шевчишин\nShevchyshyn\nЗоряна\n\n:draft\n' \
	| "$FIELDKIT" capture "$FORM" --home "$H" --passphrase-file "$W/pass" --lang en 2>&1) \
	|| fail "wizard draft: $wiz_out"
id=$("$FIELDKIT" drafts --home "$H" | awk 'NR == 2 {print $1}')
[ -n "$id" ] || fail "no draft listed"
! "$FIELDKIT" drafts --home "$H" | grep -q 'Шевч\|Зоря\|Shevch\|Zoria' || fail "drafts lists a name"
wiz_out=$(printf '2025-03-02\n\nШевчишина\n2\n\nn\n%s\n:draft\n' "$W/Шевчишина.jpg" \
	| "$FIELDKIT" capture --resume "$id" --home "$H" --passphrase-file "$W/pass" 2>&1) \
	|| fail "resume: $wiz_out"
wiz_out=$(printf '\n\ny\n' \
	| "$FIELDKIT" capture --resume "$id" --home "$H" --passphrase-file "$W/pass" 2>&1) \
	|| fail "resume: $wiz_out"
echo "$wiz_out" | grep -q 'Short reference' || fail "resumed draft not finalized: $wiz_out"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM attachments')" = 1 ] || fail "the photo was not sealed"
# A second draft stays saved (input ends mid-way).
printf 'Шевчишин\n\nЗоряна\n' | "$FIELDKIT" capture "$FORM" --home "$H" --passphrase-file "$W/pass" >/dev/null 2>&1 \
	|| fail "draft at end of input"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 2 ] || fail "want one draft left"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM records')" -eq 3 ] || fail "want 3 records"
ok "3 records (batch + resumed draft) and 1 draft saved"
[ -s "$H/store.db-wal" ] || fail "the WAL is not there to search"

scan() {
	"$PY" - "$TMPDIR" "$H/store.db" "$1" <<'PY'
import os, stat, subprocess, sys
names = ["Шевчишин", "Шевчишина", "Зоряна", "Shevchyshyn", "Zoriana"]
needles = set()
for n in names:
    for v in (n, n.lower(), n.upper(), n.capitalize()):
        needles.add(v.encode("utf-8"))
        needles.add(v.encode("utf-16-le"))
        needles.add(v.encode("utf-16-be"))
        if any(ord(c) > 127 for c in v):
            esc = "".join("\\u%04x" % ord(c) if ord(c) > 127 else c for c in v)
            needles.add(esc.encode())
            needles.add("".join("\\u%04X" % ord(c) if ord(c) > 127 else c for c in v).encode())
# The detector finds what it should.
probe = "x" + "Зоряна".upper() + "y"
assert any(n in probe.encode("utf-16-be") for n in needles)
bad = []
files = 0
for root, dirs, fs in os.walk(sys.argv[1]):
    # The worker's own batch file and its rejected line (checked above).
    dirs[:] = [d for d in dirs if d != "input"]
    for f in fs:
        p = os.path.join(root, f)
        try:
            # Regular files only: other tests' FIFOs and sockets in the same
            # TMPDIR would block the scan.
            if not stat.S_ISREG(os.lstat(p).st_mode):
                continue
            data = open(p, "rb").read()
        except OSError:
            continue
        files += 1
        low = data.lower()
        for n in needles:
            if n in data or n.lower() in low:
                bad.append(p)
                break
dump = subprocess.run(["sqlite3", sys.argv[2], ".dump"], capture_output=True).stdout
for n in needles:
    if n in dump or n.lower() in dump.lower():
        bad.append("sqlite3 .dump")
        break
if bad:
    print("LEAK (%s):" % sys.argv[3], *sorted(set(bad)))
    sys.exit(1)
print("%d files and the dump clean (%s)" % (files, sys.argv[3]))
PY
}
scan "WAL kept by a reader" || fail "a name leaked"
touch "$W/stop"
wait "$holder" || true
"$FIELDKIT" status --home "$H" >/dev/null
scan "after checkpoint" || fail "a name leaked"
ok "no name in any file under TMPDIR, in the WAL or in the dump"

# Control: the names are in the sealed records (so the search above meant something).
n=0
for seq in 1 2 3; do
	"$PY" -c "import sqlite3,sys; sys.stdout.buffer.write(sqlite3.connect(sys.argv[1]).execute('SELECT ct FROM records WHERE seq = ?', (int(sys.argv[2]),)).fetchone()[0])" "$H/store.db" "$seq" \
		| "$FIELDKIT" age -d -i "$W/hub.key" | zstd -qdc | grep -q 'Шевчишин' && n=$((n + 1))
done
[ "$n" -eq 3 ] || fail "only $n records hold the name once decrypted"
ok "the hub key opens all 3 records and finds the name"
echo "capture_noleak: all checks passed"
