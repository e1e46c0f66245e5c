#!/bin/bash
# capture_wizard.sh - the wizard end to end with scripted stdin and a pty:
# going back with '<', a constraint failing and the question asked again with
# the reason, numbered choices, "add another?" within the repeat's bounds, the
# review screen, ':lang' switching, ':draft' then resume (wrong passphrase
# refused), Ctrl-C on a terminal saving a draft, and what was sealed.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_wizard.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
H="$W/home"
wiz() { "$FIELDKIT" capture "$FORM" --home "$H" --passphrase-file "$W/pass" "$@"; }
# last_record: the newest record, decrypted with the hub key, as JSON on stdout.
last_record() {
	"$PY" -c "import sqlite3,sys; sys.stdout.buffer.write(sqlite3.connect(sys.argv[1]).execute('SELECT ct FROM records ORDER BY seq DESC LIMIT 1').fetchone()[0])" "$H/store.db" \
		| "$FIELDKIT" age -d -i "$W/hub.key" | zstd -qdc
}

# 1. Back, constraints, choices, repeats, review.
#    ':foo' (not a command: said, asked again), surname, latin (take
#    suggestion), given "Wrong", '<' at its latin question
#    (back to given), given again, latin, a future date, a good date typed
#    01/04/2025 (said back as 1 April 2025), age 7
#    (below min 14), age 40, child 1 (auto-added: min 1), choice 2, no dob,
#    add another: y, child 2, choice 1, a bad date, empty, add another: n,
#    no photo, consent: 2 (no) so "why not" becomes relevant, review: y.
out=$(printf '%s\n' ':foo' 'Коваль' '' 'Wrong' '<' 'Олена' '' '2999-01-01' '01/04/2025' '7' '40' \
	'Коваль' '2' '' 'y' 'Коваль-Друга' '1' '31.02.2020' '' 'n' '' '2' 'afraid' 'y' | wiz --lang en 2>&1) \
	|| fail "wizard: $out"
echo "$out" | grep -q 'the date is in the future' || fail "no reason for the future date"
echo "$out" | grep -q '! not a command: the commands are :review' || fail ":foo taken as an answer"
# 01/04/2025 typed: said back as understood, day first, in words.
echo "$out" | grep -q '  = 01.04.2025 (1 April 2025)' || fail "the typed date not said back: $out"
echo "$out" | grep -q '! .*14' || fail "no reason for age below 14: $out"
echo "$out" | grep -q '1) female' || fail "no numbered choices"
echo "$out" | grep -q 'Child: 1 so far; add another?' || fail "no add-another question"
echo "$out" | grep -q '== Review: Test form (page 1 of 1) ==' || fail "no review screen"
echo "$out" | grep -q '^\[[0-9]*/[0-9]*\] Why not' || fail "relevant question not asked"
echo "$out" | grep -q 'Short reference for the family: [0-9A-Z]\{4\}-[0-9A-Z]\{4\}' || fail "no short ref"
n=$(echo "$out" | grep -c "Reporter's given name (Cyrillic)") || true
[ "$n" -ge 2 ] || fail "'<' did not go back to the given name"
last_record | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
a = r["answers"]
assert a["reporter_given_cyr"] == "Олена", a
assert a["reporter_given_lat"] == "Olena", a
assert a["reporter_surname_lat"] == "Koval", a
assert a["report_date"] == "2025-04-01", a
assert a["reporter_age"] == 40, a
c = a["children"]
assert len(c) == 2 and c[0]["child_sex"] == "m" and c[1]["child_sex"] == "f", c
assert "child_dob" not in c[1], c
assert a["consent_share"] == "no" and a["consent_reason"] == "afraid", a
assert r["form_id"] == "capture-test" and r["seq"] == 1
' || fail "sealed record is not what was answered"
ok "back, constraint re-asked with reason, choices, repeat, relevance, review, sealed as answered"

# 2. Switching language mid-way; Ukrainian labels.
out=$(printf '%s\n' 'Коваль' ':lang uk' '' ':draft' | wiz --lang en 2>&1) || fail "lang: $out"
echo "$out" | grep -q "Reporter's surname (Latin)" || fail "no English label"
echo "$out" | grep -q "Прізвище заявника (латиницею)" || fail "no Ukrainian label after :lang uk"
echo "$out" | grep -q "пропозиція: Koval" || fail "prompts not in Ukrainian after :lang uk"
echo "$out" | grep -q "Чернетку збережено" || fail "no Ukrainian draft message"
ok ":lang uk switches the questions' and the prompts' language"

# 3. Draft, wrong passphrase, resume where it stopped.
id=$("$FIELDKIT" drafts --home "$H" | awk 'NR == 2 {print $1}')
[ -n "$id" ] || fail "draft not listed"
"$FIELDKIT" drafts --home "$H" | grep -q "capture-test" || fail "draft form not listed"
printf 'nope\n' > "$W/wrong"; chmod 600 "$W/wrong"
if printf '\n' | "$FIELDKIT" capture --resume "$id" --home "$H" --passphrase-file "$W/wrong" >/dev/null 2>"$W/err"; then
	fail "wrong passphrase opened the draft"
fi
grep -q 'wrong passphrase' "$W/err" || fail "unclear wrong-passphrase error: $(cat "$W/err")"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 2 ] || fail "draft lost after a wrong passphrase"
out=$(printf '%s\n' 'Петро' '' '2025-05-01' '' 'Коваль' '' '' 'n' '' '1' 'y' \
	| "$FIELDKIT" capture --resume "$id" --home "$H" --passphrase-file "$W/pass" 2>&1) || fail "resume: $out"
first=$(echo "$out" | grep -m1 -E "^(\[[0-9]+/[0-9]+\] )?(Прізвище|Ім'я|Reporter)" || true)
echo "$first" | grep -q "Ім'я заявника (кирилицею)" || fail "resume did not continue at the given name (in uk): $first"
echo "$out" | grep -q 'Короткий номер для родини' || fail "resumed draft not finalized (in uk)"
! echo "$out" | grep -q '\] Чому ні' || fail "irrelevant question asked"
[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq 1 ] || fail "finalized draft not deleted"
last_record | "$PY" -c '
import json, sys
a = json.load(sys.stdin)["answers"]
assert a["reporter_surname_cyr"] == "Коваль" and a["reporter_given_cyr"] == "Петро", a
' || fail "resumed record wrong"
ok "draft saved, wrong passphrase refused, resumed where it stopped, finalized, draft deleted"

# 4. Ctrl-C on a terminal saves a draft; so do a closed terminal window
# (SIGHUP) and a shutdown (SIGTERM), the terminal given back with echo on.
for how in int hup term; do
	before=$("$FIELDKIT" drafts --home "$H" | wc -l)
	"$PY" - "$FIELDKIT" "$H" "$W/pass" "$how" <<'PY' > "$W/pty.out" || fail "$how: $(cat "$W/pty.out")"
import os, pty, sys, time, signal
fk, home, pw, how = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(fk, [fk, "capture", "capture-test", "--home", home, "--passphrase-file", pw, "--lang", "en"])
sys.path.insert(0, os.environ["FK_SRC"] + "/tests/cli/lib")
from ptyread import PtyReader
rd = PtyReader(fd)
assert rd.until(b"> "), rd.buf
os.write(fd, "Мельник\n".encode())
assert rd.until(b"(Latin)"), rd.buf
time.sleep(0.2)
if how == "hup":
    os.close(fd)          # the window closed: the kernel hangs up the terminal
else:
    if how == "int":
        os.write(fd, b"\x03")
    else:
        os.kill(pid, signal.SIGTERM)
    rd.until(b"Resume with", 10)
_, st = os.waitpid(pid, 0)
sys.stdout.write(rd.buf.decode("utf-8", "replace"))
assert os.WIFEXITED(st), st
if how == "int":
    assert os.WEXITSTATUS(st) == 0, st
    assert b"Draft saved" in rd.buf
PY
	[ "$("$FIELDKIT" drafts --home "$H" | wc -l)" -eq $((before + 1)) ] || fail "$how did not save a draft"
	[ "$how" != int ] || ok "Ctrl-C on a terminal saves a draft"
done
[ "$(check_chain "$H")" -eq 2 ] || fail "chain"
ok "a hang-up (terminal closed) and SIGTERM save a draft, as Ctrl-C does"

# 6. Ctrl-C at the passphrase prompt (echo off) gives the terminal back with echo on.
"$PY" - "$FIELDKIT" "$H" <<'PY' > "$W/pty.out" || fail "Ctrl-C at the passphrase: $(cat "$W/pty.out")"
import os, pty, sys, time, select, termios
fk, home = sys.argv[1:3]
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("FIELDKIT_PASSPHRASE_FILE", None)
    os.execv("/bin/bash", ["bash", "-c", 'trap ":" INT; "$0" capture capture-test --home "$1" --lang en; echo "status $?"; stty -a', fk, home])
sys.path.insert(0, os.environ["FK_SRC"] + "/tests/cli/lib")
from ptyread import PtyReader
rd = PtyReader(fd)
assert rd.until(b"assphrase"), rd.buf
time.sleep(0.3)
os.write(fd, b"\x03")
assert rd.until(b"echoke", 10), rd.buf  # the end of stty -a's list
os.waitpid(pid, 0)
out = rd.buf.decode("utf-8", "replace")
sys.stdout.write(out)
assert "status 130" in out, out
assert " echo " in out.split("status 130")[1] and "-echo " not in out.split("status 130")[1], out
PY
ok "Ctrl-C at the passphrase prompt: the command stops (130), the terminal's echo is back"

# 7. A mistyped passphrase on the terminal is asked again (three tries in all).
"$PY" - "$FIELDKIT" "$H" "$W/pass" <<'PY' > "$W/pty.out" || fail "passphrase again: $(cat "$W/pty.out")"
import os, pty, sys, time
fk, home, pwfile = sys.argv[1:4]
pw = open(pwfile, "rb").read().splitlines()[0]
pid, fd = pty.fork()
if pid == 0:
    os.environ.pop("FIELDKIT_PASSPHRASE_FILE", None)
    os.execv(fk, [fk, "capture", "capture-test", "--home", home, "--lang", "en"])
sys.path.insert(0, os.environ["FK_SRC"] + "/tests/cli/lib")
from ptyread import PtyReader
rd = PtyReader(fd)
assert rd.until(b"Device passphrase: "), rd.buf
os.write(fd, b"not it\n")
assert rd.until(b"Wrong passphrase; try again: "), rd.buf
os.write(fd, pw + b"\n")
assert rd.until(b"> "), rd.buf
os.write(fd, b":draft\n")
os.waitpid(pid, 0)
PY
ok "a mistyped passphrase is asked again on the terminal"
echo "capture_wizard: all checks passed"
