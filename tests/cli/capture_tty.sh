#!/bin/bash
# capture_tty.sh - the wizard on a 40-row terminal, driven as a person drives
# it (tests/cli/lib/term.py: a pty, keys included), on a form with a repeat
# holding photos (tests/data/session-test.json). Each check is one of the
# defects of issue 9:
#  - stepping back and forth over photos keeps them and their captions, and
#    what is sealed is exactly what the review showed (a removed photo is not);
#  - the Latin name follows a changed Cyrillic one;
#  - a lone '-' clears an optional answer (and the hint line says so);
#  - a Latin question is not asked when its Cyrillic one is empty;
#  - choices by label, with a hint that numbers or labels are expected;
#  - arrow keys, Home and Backspace edit the line;
#  - the review: numbered, calculated ages, labels, file names, numbered
#    entries, "add another child?" after that child's photos; a number jumps
#    to that answer and answering returns to the review;
#  - Ctrl-C on the first question leaves no empty draft;
#  - on a 60-column terminal the keys' lines wrap at blanks (not mid-word).
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_tty.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
H="$W/home"
"$PY" -c '
import sys
for n, size in (("one.jpg", 2000), ("two.jpg", 3500)):
    open(sys.argv[1] + "/" + n, "wb").write(b"\xff\xd8\xff\xe0" + bytes(size - 4))
' "$W"
last_record() {
	"$PY" -c "import sqlite3,sys; sys.stdout.buffer.write(sqlite3.connect(sys.argv[1]).execute('SELECT ct FROM records ORDER BY seq DESC LIMIT 1').fetchone()[0])" "$H/store.db" \
		| "$FIELDKIT" age -d -i "$W/hub.key" | zstd -qdc
}

"$PY" - "$FIELDKIT" "$H" "$W" "$FK_SRC" <<'PY' || fail "the wizard on a terminal (above)"
import os, re, sys
fk, home, w, src = sys.argv[1:5]
sys.path.insert(0, src + "/tests/cli/lib")
from term import Term, LEFT, HOME, BACKSPACE
env = {"FIELDKIT_SCHEMAS": src + "/tests/data"}
t = Term([fk, "capture", "session-test", "--home", home, "--passphrase-file", w + "/pass",
          "--lang", "en"], rows=40, cols=100, env=env)
def ask(label):
    s = t.prompt()
    assert re.search(r"(^|\n) *(\[\d+/\d+\] )?" + re.escape(label), s), "want %r, got:\n%s" % (label, s)
    return s
ask("Surname (Cyrillic)")
t.line("Петренко")
s = ask("Surname (Latin)")
assert "suggested: Petrenko" in s, s
t.line("")
ask("Patronymic (Cyrillic)")
t.line("")
# No patronymic: its Latin question is not asked.
s = ask("Date of birth")
assert "Patronymic (Latin)" not in s, s
t.line("2015-06-01")
s = ask("Place")
assert re.search(r"-- Age: \d+", s), "no calculated age shown:\n" + s
assert "Type the number or the label" in s, s
t.line("office")
ask("Languages")
t.line("1, english")
ask("Phone")
t.keys("0501234567", LEFT, LEFT, BACKSPACE, "9", HOME, "+38")
t.line("")
ask("Child's name (Cyrillic)")
t.line("Оксана")
ask("Child's name (Latin)")
t.line("")
s = t.prompt()
assert "Photos of the child: add one?" in s, s
t.line("y")
ask("Photo")
t.line(w + "/one.jpg")
ask("Caption")
t.line("first")
s = t.prompt()
assert "1 so far; add another?" in s, s
t.line("y")
ask("Photo")
t.line(w + "/two.jpg")
ask("Caption")
t.line("second")
s = t.prompt()
assert "Photos of the child: 2 so far; add another?" in s, s
# Back over the photos and forward again: nothing is lost.
for _ in range(3):
    t.line("<")
    t.prompt()
s = t.last
assert "now: first" in s, s
t.line("")
s = ask("Photo")
assert "now: two.jpg, 3 KB" in s and "- clears" not in s, s
t.line("")
s = ask("Caption")
assert "now: second  (Enter keeps it, - clears it)" in s, s
t.line("")
s = t.prompt()
assert "Photos of the child: 2 so far" in s, s
t.line("")
# "Add another child?" comes after that child's photos.
s = t.prompt()
assert "Sought child: 1 so far; add another?" in s, s
t.line("")
ask("Consent")
t.line("No")
ask("Why not")
t.line("safety")
s = t.prompt()
page = s[s.index("== Review"):]
for want in ("Place: Office", "Languages: Ukrainian, English", "Phone: +380501234967",
             "Sought child 1 of 1", "Photos of the child 2 of 2", "Photo: one.jpg, 2 KB",
             "Photo: two.jpg, 3 KB", "Caption: second", "Surname (Latin): Petrenko"):
    assert want in page, "review lacks %r:\n%s" % (want, page)
assert re.search(r"\n\s+Age: \d+", page), page
assert page.index("Photos of the child: 2") < page.index("Sought child: 1"), page
assert len(page.split("\n")) <= 40, "the review page is taller than the terminal"
num = lambda label: re.search(r"\n\s*(\d+)\s+" + re.escape(label), page).group(1)
# Jump to the surname, change it: the Latin name follows; back to the review.
t.line(num("Surname (Cyrillic)"))
ask("Surname (Cyrillic)")
t.line("Петрук")
s = ask("Surname (Latin)")
assert "now: Petruk" in s, s
t.line("")
s = t.prompt()
assert "Surname (Latin): Petruk\n" in s, s
# Clear the phone with '-'.
t.line(num("Phone"))
s = ask("Phone")
assert "- clears it" in s, s
t.line("-")
s = t.prompt()
assert "Phone: \u2014" in s, s
# Remove the first photo.
t.line(num("Photo: one.jpg"))
ask("Photo")
t.line(":remove")
t.expect(r"Remove .* with all its answers\?")
t.line("y")
t.prompt()
t.line("")
s = t.prompt()
assert "one.jpg" not in s[s.rindex("== Review"):] and "Photo: two.jpg" in s, s
t.line("y")
t.expect("Short reference for the family: [0-9A-Z]{4}-[0-9A-Z]{4}")
assert t.wait() == 0
print("ok: wizard on a terminal")

# Ctrl-C on the first question: no draft. On a 60-column terminal, in
# Ukrainian: the keys' lines are wrapped at blanks, no word cut in two.
t = Term([fk, "capture", "session-test", "--home", home, "--passphrase-file", w + "/pass",
          "--lang", "uk"], cols=60, env=env)
s = t.prompt()
keys = s[:s.index("==")] if "==" in s else s
words = ("необов'язкову", "відповідь;", "перемикає", "зберігає", "чернетку")
for ln in keys.splitlines():
    assert len(ln) <= 60, "a line wider than the terminal: %r" % ln
for wd in words:
    assert wd in keys, "%r cut at the terminal's edge:\n%s" % (wd, keys)
t.keys("\x03")
t.expect("Жодної відповіді не дано: чернетку не збережено")
assert t.wait() == 1, t.status
PY
last_record | "$PY" -c '
import json, sys
r = json.load(sys.stdin)
a = r["answers"]
assert a["surname_cyr"] == "Петрук" and a["surname_lat"] == "Petruk", a
assert "phone" not in a, a
assert a["place"] == "office" and a["langs"] == ["uk", "en"], a
assert "patronymic_lat" not in a, a
photos = a["children"][0]["photos"]
assert len(photos) == 1 and photos[0]["photo"]["name"] == "two.jpg", photos
assert photos[0]["caption"] == "second", photos
assert len(r["attachments"]) == 1 and r["attachments"][0]["name"] == "two.jpg", r["attachments"]
assert r["attachments"][0]["field"] == "children[0].photos[0].photo", r["attachments"]
' || fail "the sealed record is not what the review showed"
ok "photos kept stepping back and forth; Latin follows Cyrillic; '-' clears; no Latin question without Cyrillic; choices by label; line editing; readable numbered review; jumps; sealed = reviewed"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM attachments')" = 1 ] || fail "a removed photo was stored"
[ "$(sqlite3 "$H/store.db" 'SELECT count(*) FROM drafts')" = 0 ] || fail "Ctrl-C on the first question left a draft"
ok "Ctrl-C on the first question leaves no draft; only the reviewed photo is stored"
echo "capture_tty: all checks passed"
