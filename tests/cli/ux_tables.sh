#!/usr/bin/env bash
# ux_tables.sh - `fieldkit list` and `fieldkit drafts` pad their columns by
# what a terminal shows (code points; wide characters two), not by bytes: in
# Ukrainian every heading starts in the same column as the values under it.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
hub_and_device
for i in 1 2; do
	echo '{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-0'$i'","children":[{"child_surname_cyr":"Бондар"}]}'
done >r.jsonl
$F capture "$FORM" --from r.jsonl --home dev >/dev/null
printf '%s\n' 'Шевчишин' '' 'Зоряна' ':draft' | $F capture "$FORM" --home dev --lang uk >/dev/null 2>&1 ||
	fail "a draft"

# aligned FILE K: in every line below the heading, each of the first K cells
# starts (in code points) where a word of the heading starts.
aligned() {
	python3 - "$@" <<'PY'
import re, sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
k = int(sys.argv[2])
def starts(l):
    return [m.start() for m in re.finditer(r'(?:(?<=\s)|^)\S', l)]
head = set(starts(lines[0]))
for l in lines[1:]:
    for c, at in enumerate(starts(l)[:k]):
        if at not in head:
            sys.exit("cell %d starts at %d, under no heading: %r (heading %r)" % (c, at, l, lines[0]))
PY
}
for lang in uk en; do
	LANGUAGE=$lang $F list --home dev >list.$lang
	[ "$(wc -l <list.$lang)" -eq 3 ] || fail "list: $(cat list.$lang)"
	aligned list.$lang 8 || fail "list ($lang) misaligned: $(cat list.$lang)"
	LANGUAGE=$lang $F drafts --home dev >drafts.$lang
	[ "$(wc -l <drafts.$lang)" -eq 2 ] || fail "drafts: $(cat drafts.$lang)"
	aligned drafts.$lang 5 || fail "drafts ($lang) misaligned: $(cat drafts.$lang)"
	ok "list and drafts aligned ($lang)"
done
cat list.uk drafts.uk
LANGUAGE=uk $F status --home dev | grep -q "геш-ланцюжок: гаразд (2 записи)" || fail "status: 2 записи"
finish
