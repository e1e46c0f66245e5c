#!/bin/bash
# capture_rerun.sh - batch capture never seals a line twice and loses none:
#  - rejected lines go to a file of their own (next to the input, 0600, the
#    lines exactly as given) for fixing and running again;
#  - a re-run of the whole file (bad lines fixed) seals only the fixed lines
#    and says which lines were already sealed, by a keyed hash kept in the
#    store (not a plain hash of the line);
#  - attachments in a batch record are {"path": "photo.jpg"}, relative to the
#    batch file's folder, inside repeats too; missing files, files that are
#    not what their name says, paths leaving the folder and attachment
#    objects without a file are refused;
#  - --attach takes the answer's path inside repeats.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_rerun.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
H="$W/home"
export FIELDKIT_SCHEMAS="$FK_SRC/tests/data"
B="$W/in"
mkdir -p "$B/photos"
"$PY" -c '
import sys
d = sys.argv[1]
open(d + "/photos/one.jpg", "wb").write(b"\xff\xd8\xff\xe0" + bytes(2000))
open(d + "/photos/two.jpg", "wb").write(b"\xff\xd8\xff\xe0" + bytes(3000))
open(d + "/photos/fake.jpg", "wb").write(b"\x89PNG\r\n\x1a\n" + bytes(100))
open(d + "/outside.jpg", "wb").write(b"\xff\xd8\xff\xe0" + bytes(100))
' "$B"
rec() { # NAME [PHOTO-JSON]: one session-test record
	printf '{"surname_cyr":"%s","place":"office","consent":"yes","children":[{"child_cyr":"Оксана"%s}]}\n' "$1" "${2:+,\"photos\":[$2]}"
}
{
	rec "Антоненко"                                                  # 1 ok
	rec "Бойко" '{"photo":{"path":"photos/one.jpg"},"caption":"a"}' # 2 ok, photo in a repeat
	echo '{"surname_cyr":"Ворона","place":"nowhere","consent":"yes","children":[{"child_cyr":"А"}]}'  # 3 bad choice
	rec "Гнатюк" '{"photo":{"path":"photos/missing.jpg"}}'          # 4 missing file
	rec "Дмитренко" '{"photo":{"path":"photos/fake.jpg"}}'          # 5 a PNG named .jpg
	rec "Єременко" '{"photo":{"path":"../in/outside.jpg"}}'         # 6 leaves the folder
	rec "Жук" '{"photo":{"id":"x1","media_type":"image/jpeg","size":100}}'  # 7 no file
	rec "Антоненко"                                                  # 8 = line 1: not twice
} > "$B/batch.jsonl"
cp "$B/batch.jsonl" "$W/original.jsonl"
set +e
"$FIELDKIT" capture session-test --home "$H" --from "$B/batch.jsonl" > "$W/out" 2> "$W/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "a batch with rejected lines: exit $rc"
cut -f1 "$W/out" | tr '\n' ' ' | grep -qx '1 2 ' || fail "sealed lines: $(cat "$W/out") $(cat "$W/err")"
grep -q '^line 3: place: ' "$W/err" || fail "line 3: $(cat "$W/err")"
grep -q '^line 4: children\[0\].photos\[0\].photo: .*(attachment_missing)' "$W/err" || fail "line 4: $(cat "$W/err")"
grep -q '^line 5: children\[0\].photos\[0\].photo: .*PNG' "$W/err" || fail "line 5: $(cat "$W/err")"
grep -q '^line 6: children\[0\].photos\[0\].photo: ' "$W/err" || fail "line 6: $(cat "$W/err")"
grep -q '^line 7: children\[0\].photos\[0\].photo: ' "$W/err" || fail "line 7: $(cat "$W/err")"
grep -q '^line 8: already sealed' "$W/err" || fail "line 8 (a copy of line 1): $(cat "$W/err")"
R="$B/batch.rejected.jsonl"
[ -f "$R" ] || fail "no file of rejected lines: $(ls "$B")"
[ "$(stat -c %a "$R")" = 600 ] || fail "rejected lines file is $(stat -c %a "$R")"
sed -n '3,7p' "$W/original.jsonl" | cmp -s - "$R" || fail "rejected lines are not lines 3-7 as given: $(cat "$R")"
grep -q "rejected lines are in $R" "$W/err" || fail "the summary does not name the rejected lines: $(tail -2 "$W/err")"
! grep -q "missing.jpg\|fake.jpg\|outside.jpg\|Ворона" "$W/err" || fail "an error names a file or an answer: $(cat "$W/err")"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM records')" = 2 ] || fail "want 2 records"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM attachments')" = 1 ] || fail "want 1 attachment"
ok "rejected lines (bad choice, missing file, PNG named .jpg, path leaving the folder, no file) in a 0600 file of their own; a copy of a sealed line not sealed again"

# The attachment was sealed at its path inside the repeat.
"$PY" -c "import sqlite3,sys; sys.stdout.buffer.write(sqlite3.connect(sys.argv[1]).execute('SELECT ct FROM records WHERE seq = 2').fetchone()[0])" "$H/store.db" \
	| "$FIELDKIT" age -d -i "$W/hub.key" | zstd -qdc | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
att = r["attachments"]
assert len(att) == 1 and att[0]["field"] == "children[0].photos[0].photo" and att[0]["name"] == "one.jpg", att
p = r["answers"]["children"][0]["photos"][0]["photo"]
assert p["id"] == att[0]["id"] and p["media_type"] == "image/jpeg" and p["size"] == 2004 and "path" not in p, p
' || fail "sealed attachment"
ok "{\"path\": ...} relative to the batch's folder, sealed at children[0].photos[0].photo"

# Fix the bad lines in the original file and run the whole of it again.
sed -i -e 's/"nowhere"/"border"/' -e 's#photos/missing.jpg#photos/two.jpg#' -e 's#photos/fake.jpg#photos/one.jpg#' \
	-e 's#../in/outside.jpg#photos/two.jpg#' -e 's#{"id":"x1","media_type":"image/jpeg","size":100}#{"path":"photos/one.jpg"}#' \
	"$B/batch.jsonl"
"$FIELDKIT" capture session-test --home "$H" --from "$B/batch.jsonl" > "$W/out" 2> "$W/err" \
	|| fail "re-run: $(cat "$W/err")"
cut -f1 "$W/out" | tr '\n' ' ' | grep -qx '3 4 5 6 7 ' || fail "re-run sealed: $(cat "$W/out")"
for l in 1 2 8; do grep -q "^line $l: already sealed" "$W/err" || fail "line $l not recognised: $(cat "$W/err")"; done
grep -q '5 records finalized, 3 already sealed, 0 rejected' "$W/err" || fail "summary: $(tail -2 "$W/err")"
[ ! -e "$R" ] || fail "the rejected lines file stays when nothing is rejected"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM records')" = 7 ] || fail "want 7 records"
"$FIELDKIT" capture session-test --home "$H" --from "$B/batch.jsonl" > "$W/out" 2> "$W/err" || fail "third run"
[ ! -s "$W/out" ] && grep -q '0 records finalized, 8 already sealed' "$W/err" || fail "third run: $(cat "$W/err")"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM records')" = 7 ] || fail "a line was sealed twice"
ok "a re-run seals only the fixed lines and names those already sealed; a third seals nothing"

# The hashes are keyed: not the SHA-256 of the line, nor of its canonical JSON.
"$PY" - "$H/store.db" "$B/batch.jsonl" <<'PY' || fail "plain hashes in the store"
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
have = {h for (h,) in db.execute("SELECT hash FROM batch_seen")}
assert len(have) == 7, len(have)
for line in open(sys.argv[2], "rb"):
    line = line.rstrip(b"\n")
    canon = json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    for x in (line, canon, b"session-test\0" + canon):
        assert hashlib.sha256(x).digest() not in have, x
        assert hashlib.blake2b(x, digest_size=32).digest() not in have, x
PY
[ "$(stat -c %a "$H/batch.key")" = 600 ] || fail "batch.key missing or not 0600"
ok "batch lines are remembered by a keyed hash (batch.key, 0600), not a plain one"

# The rejected file fixed and run on its own.
printf '%s\n' "$(rec "Зеленко" '{"photo":{"path":"photos/none.jpg"}}')" > "$B/two.jsonl"
"$FIELDKIT" capture session-test --home "$H" --from "$B/two.jsonl" >/dev/null 2>&1 && fail "missing photo accepted"
[ -f "$B/two.rejected.jsonl" ] || fail "no two.rejected.jsonl"
sed -i 's#photos/none.jpg#photos/one.jpg#' "$B/two.rejected.jsonl"
"$FIELDKIT" capture session-test --home "$H" --from "$B/two.rejected.jsonl" > "$W/out" 2> "$W/err" \
	|| fail "fixed rejected file: $(cat "$W/err")"
[ "$(wc -l < "$W/out")" = 1 ] && [ ! -e "$B/two.rejected.jsonl" ] && [ ! -e "$B/two.rejected.rejected.jsonl" ] \
	|| fail "running the rejected file: $(ls "$B")"
ok "the rejected file, fixed, runs on its own and goes away"

# --attach with an answer's path inside repeats.
rec "Іваненко" | "$FIELDKIT" capture session-test --home "$H" --from - \
	--attach "children[0].photos[0].photo=$B/photos/two.jpg" > "$W/out" 2> "$W/err" || fail "--attach: $(cat "$W/err")"
[ "$(sqlite3 "$H/store.db" "SELECT natt FROM records ORDER BY seq DESC LIMIT 1")" = 1 ] || fail "--attach not sealed"
if rec "Іваненко2" | "$FIELDKIT" capture session-test --home "$H" --from - --attach "photo=$B/photos/two.jpg" 2>"$W/err" >/dev/null; then
	fail "--attach with a wrong path accepted"
fi
grep -q 'children\[0\].photos\[0\].photo' "$W/err" || fail "--attach error does not show a path: $(cat "$W/err")"
out=$(printf ':review\n:draft\n' | "$FIELDKIT" capture session-test --home "$H" --passphrase-file "$W/pass" \
	--lang en --attach "children[0].photos[0].photo=$B/photos/two.jpg" 2>&1) || fail "wizard --attach: $out"
echo "$out" | grep -q 'Photos of the child 1 of 1' && echo "$out" | grep -q 'Photo: two.jpg, 3 KB' \
	|| fail "the wizard's --attach is not in the review: $out"
ok "--attach children[0].photos[0].photo=FILE, in a batch and in the wizard"
[ "$(check_chain "$H")" -eq 9 ] || fail "chain"
echo "capture_rerun: all checks passed"
