#!/bin/bash
# capture_drafts.sh - drafts a worker can find and manage: `fieldkit drafts`
# lists a short id, the form, progress (answered/total) and where it stopped
# (a question's label, never an answer); `capture --resume` takes the short
# id or any unique beginning of the id; `drafts discard ID` deletes one;
# ambiguous or unknown ids are refused with a clear message.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_drafts.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
H="$W/home"
wiz() { "$FIELDKIT" capture "$FORM" --home "$H" --passphrase-file "$W/pass" --lang en "$@"; }

printf '%s\n' 'Шевчишин' '' 'Зоряна' ':draft' | wiz >/dev/null 2>&1 || fail "first draft"
printf '%s\n' 'Мельник' ':draft' | wiz >/dev/null 2>&1 || fail "second draft"
"$FIELDKIT" drafts --home "$H" > "$W/list" || fail "drafts"
cat "$W/list"
[ "$(wc -l < "$W/list")" -eq 3 ] || fail "want a header and 2 drafts"
! grep -q 'Шевчишин\|Зоряна\|Мельник\|Shevchyshyn\|Melnyk' "$W/list" || fail "a name in the listing"
line=$(grep ' 3/' "$W/list") || fail "no draft with 3 answered: $(cat "$W/list")"
id=$(echo "$line" | awk '{print $1}')
[ ${#id} -eq 8 ] || fail "short id '$id' is not 8 characters"
echo "$line" | grep -q 'capture-test' || fail "no form: $line"
echo "$line" | grep -Eq ' 3/[0-9]+ ' || fail "no progress: $line"
echo "$line" | grep -q "Reporter's given name (Latin)" || fail "not where it stopped: $line"
LANGUAGE=uk FIELDKIT_LANG=uk "$FIELDKIT" drafts --home "$H" | grep -q "Ім'я заявника (латиницею)" \
	|| fail "where it stopped, in Ukrainian"
ok "drafts: short id, form, progress, where it stopped; no names"

# Resume by a unique beginning of the id (4 characters will do).
out=$(printf '%s\n' '' '2025-05-01' '' 'Коваль' '' '' '' '' '' 'y' \
	| "$FIELDKIT" capture --resume "${id:0:4}" --home "$H" --passphrase-file "$W/pass" 2>&1) \
	|| fail "resume by prefix: $out"
echo "$out" | grep -q 'Short reference for the family' || fail "resumed draft not sealed: $out"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 2 ] || fail "sealed draft still listed"
ok "capture --resume with 4 characters of the id"

set +e
"$FIELDKIT" capture --resume zz --home "$H" --passphrase-file "$W/pass" </dev/null >/dev/null 2>"$W/err"
rc=$?
set -e
[ $rc -ne 0 ] && [ "$(wc -l < "$W/err")" -eq 1 ] || fail "a 2-character id: exit $rc, $(cat "$W/err")"
grep -q 'at least 4' "$W/err" || fail "unclear: $(cat "$W/err")"
if "$FIELDKIT" capture --resume ffffffff --home "$H" --passphrase-file "$W/pass" </dev/null >/dev/null 2>"$W/err"; then
	fail "an unknown draft resumed"
fi
grep -q 'no draft ffffffff' "$W/err" || fail "unclear: $(cat "$W/err")"
ok "short or unknown ids refused in one line"

# Discard.
left=$("$FIELDKIT" drafts --home "$H" | awk 'NR == 2 {print $1}')

# A draft open elsewhere (the form app, another terminal: a process holding its
# lock) is neither resumed nor discarded here, so neither face overwrites the
# other's answers; once let go, it is.
full=$(sqlite3 "$H/store.db" "SELECT id FROM drafts WHERE id LIKE '$left%'")
mkfifo "$W/go"
python3 -c '
import fcntl, os, sys
os.makedirs(sys.argv[1] + "/locks", exist_ok=True)
f = open(sys.argv[1] + "/locks/" + sys.argv[2], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
open(sys.argv[3]).read()  # until the test says go
' "$H" "$full" "$W/go" >"$W/held" &
HOLDER=$!
for _ in $(seq 50); do grep -q held "$W/held" && break; sleep 0.1; done
if "$FIELDKIT" capture --resume "$left" --home "$H" --passphrase-file "$W/pass" </dev/null >/dev/null 2>"$W/err"; then
	fail "resumed a draft open elsewhere"
fi
grep -q "is open elsewhere (in the form app or another terminal)" "$W/err" || fail "resume while held: $(cat "$W/err")"
if "$FIELDKIT" drafts discard "$left" --home "$H" 2>"$W/err"; then fail "discarded a draft open elsewhere"; fi
grep -q "is open elsewhere" "$W/err" || fail "discard while held: $(cat "$W/err")"
echo go >"$W/go"
wait "$HOLDER"
ok "a draft open elsewhere is neither resumed nor discarded"
if "$FIELDKIT" drafts discard ffffffff --home "$H" 2>"$W/err"; then fail "discarded an unknown draft"; fi
# Asked first: without a terminal, --yes is needed; on a terminal "no" keeps it.
if setsid -w "$FIELDKIT" drafts discard "$left" --home "$H" </dev/null 2>"$W/err"; then fail "discarded unasked"; fi
grep -q "without a terminal, add --yes" "$W/err" || fail "discard unasked: $(cat "$W/err")"
python3 "$FK_SRC/tests/cli/lib/pty_answer.py" no -- "$FIELDKIT" drafts discard "$left" --home "$H" >/dev/null 2>&1 &&
	fail "discarded after no"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 2 ] || fail "discarded after no"
"$FIELDKIT" drafts discard "$left" --yes --home "$H" > "$W/out" || fail "discard"
grep -q "$left" "$W/out" || fail "discard says nothing: $(cat "$W/out")"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 1 ] || fail "draft not discarded"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM drafts')" = 0 ] || fail "draft row left"
"$FIELDKIT" drafts --help | grep -q 'discard' || fail "drafts --help does not tell of discard"
ok "drafts discard ID"
echo "capture_drafts: all checks passed"
