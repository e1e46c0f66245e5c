#!/bin/bash
# capture_forms.sh - both shipped forms, in both languages, filled through the
# wizard on a 24-row terminal as a worker would (tests/cli/lib/fill_form.py):
# two sought children with a photo, an intake with a family member whose slip
# code is first mistyped (refused by its check character) then right, the
# review paged to the terminal (no page taller than it, y taken only on the
# last page), and the record sealed with its files.
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_forms.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
export FIELDKIT_SCHEMAS="$FK_SRC/schemas"
"$PY" -c '
import sys
open(sys.argv[1] + "/one.jpg", "wb").write(b"\xff\xd8\xff\xe0" + bytes(4000))
open(sys.argv[1] + "/two.png", "wb").write(b"\x89PNG\r\n\x1a\n" + bytes(900))
' "$W"
n=0
for form in family-report child-intake; do
	for lang in uk en; do
		n=$((n + 1))
		"$PY" - "$FIELDKIT" "$W" "$FK_SRC" "$form" "$lang" <<'PY' || fail "$form in $lang (above)"
import re, sys
fk, w, src, form, lang = sys.argv[1:6]
sys.path.insert(0, src + "/tests/cli/lib")
from term import Term
from fill_form import fill
ROWS = 24
t = Term([fk, "capture", form, "--home", w + "/home", "--passphrase-file", w + "/pass",
          "--lang", lang], rows=ROWS, cols=100, timeout=20)
ok_ref, bad_ref = "K7Q2-M9X4", "K7Q2-M9XA"
log = fill(t, answers={r"Family report reference|Код звернення родини": [bad_ref, ok_ref]},
           entries={r"^(Sought child|Дитина, яку шукають)$": 2, r"Photos|Фото": 1,
                    r"Family members|Члени родини|Родичі": 1},
           photos=[w + "/one.jpg", w + "/two.png"])
screens = t.text()
if form == "child-intake":
    assert [x for x in log if x[1] == bad_ref], "the slip code question was not asked"
    assert re.search(r"! (Not a slip code|Це не код з талона)", screens), "a mistyped slip code was taken"
# The review: page by page, none taller than the terminal.
pages = 0
while True:
    s = t.last
    head = s.rfind("\n== ")
    page = s[head:].strip("\n").split("\n")
    assert len(page) + 1 <= ROWS, "a review page of %d rows on %d:\n%s" % (len(page) + 1, ROWS, "\n".join(page))
    m = re.search(r"\((page|сторінка) (\d+) (of|з) (\d+)\)", page[0])
    assert m, page[0]
    pages += 1
    if m.group(2) == m.group(4):
        break
    t.line("y")          # not yet: the rest first
    t.prompt()
    assert "Enter" in t.last, t.last
    t.line("")
    t.prompt()
assert pages >= 2, "the review fits one page of %d rows?" % ROWS
t.line("y")
t.expect("(Short reference for the family|Короткий номер для родини): [0-9A-Z]{4}-[0-9A-Z]{4}")
assert t.wait() == 0
print("%s/%s: %d answers, review in %d pages" % (form, lang, len(log), pages))
PY
	done
done
[ "$(check_chain "$W/home")" -eq 4 ] || fail "want 4 records"
m=$(open_all "$W/home" "$W/hub.key" "$W")
[ "$m" -eq 4 ] || fail "opened $m"
"$PY" -c "import sqlite3,sys; print(*[r[0] for r in sqlite3.connect(sys.argv[1]).execute('SELECT natt FROM records ORDER BY seq')])" "$W/home/store.db" \
	| grep -qx '2 2 1 1' || fail "want the files: 2 photos in a report, 1 in an intake"
ok "family-report and child-intake, uk and en: filled, reviewed in pages of 24 rows, sealed with their photos"
echo "capture_forms: all checks passed"
