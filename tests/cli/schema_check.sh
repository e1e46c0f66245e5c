#!/bin/bash
# schema_check.sh - `fieldkit schema check|validate|show|build` end to end:
# the shipped forms, broken forms, example records, JSONL, big input,
# form ids via FIELDKIT_SCHEMAS, languages, usage errors and --help.
set -eu

FK=${FIELDKIT:?}
SRC=${FK_SRC:?}
T=$(mktemp -d "${TMPDIR:-/tmp}/schema_cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
export FIELDKIT_SCHEMAS="$SRC/schemas"
export LANGUAGE=en FIELDKIT_LANG=en
EX="$SRC/schemas/examples"
n=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { n=$((n + 1)); }
# expect STATUS CMD...: runs CMD, output in $T/out, and checks the exit status.
expect() {
	want=$1; shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	set -e
	[ "$got" = "$want" ] || { cat "$T/out" "$T/err" >&2; fail "exit $got, want $want: $*"; }
	ok
}
has() { grep -qF -- "$1" "$T/out" "$T/err" || { cat "$T/out" "$T/err" >&2; fail "no '$1'"; }; ok; }

# --help everywhere; usage errors exit 2.
expect 0 "$FK" schema --help; has "fieldkit schema check FILE"
for s in check validate show build; do expect 0 "$FK" schema "$s" --help; has "Usage:"; done
expect 2 "$FK" schema
expect 2 "$FK" schema frobnicate
expect 2 "$FK" schema check
expect 2 "$FK" schema validate
expect 2 "$FK" schema show
expect 2 "$FK" schema validate --today 2025-13-01 family-report x.json
expect 2 "$FK" schema show --bogus family-report

# The shipped forms check out, by path.
expect 0 "$FK" schema check "$SRC/schemas/family-report.json" "$SRC/schemas/child-intake.json"
has "ok: family-report v1, "
has "ok: child-intake v1, "

# A broken form: every problem with its JSON path, exit 1.
cat >"$T/bad.json" <<'JSON'
{"fieldkit_form": 1, "id": "bad", "version": 1, "title": {"uk": "т", "en": "t"},
 "languages": ["uk", "en"],
 "fields": [
  {"name": "a", "type": "integer", "label": {"uk": "а"}},
  {"name": "b", "type": "text", "label": {"uk": "б", "en": "b"}, "relevant": "${a} >"},
  {"name": "c", "type": "text", "label": {"uk": "в", "en": "c"}, "relevant": "${zz} = 1"}
 ]}
JSON
expect 1 "$FK" schema check "$T/bad.json"
has '$.fields[0].label: no text in language '"'en'"
has '$.fields[1].relevant: at character 7'
has 'problems in the form: 2'
printf '{"fieldkit_form": 1,' >"$T/trunc.json"
expect 1 "$FK" schema check "$T/trunc.json"
has 'line 1'
expect 1 "$FK" schema check "$T/missing.json"
has 'cannot open'
# Second pass (references) once the first is clean.
sed -e 's/{"uk": "а"}/{"uk": "а", "en": "a"}/' -e 's/${a} >/${a} > 1/' "$T/bad.json" >"$T/bad2.json"
expect 1 "$FK" schema check "$T/bad2.json"
has "\$.fields[2].relevant: at character 1: no field named 'zz'"

# Valid examples validate; invalid ones list path: code.
expect 0 "$FK" schema validate --today 2025-06-01 family-report "$EX"/family-report-valid-*.json
has "records checked: 2, with problems: 0"
expect 0 "$FK" schema validate --today 2025-06-01 "$SRC/schemas/child-intake.json" "$EX"/child-intake-valid-*.json
expect 1 "$FK" schema validate --today 2025-06-01 family-report "$EX/family-report-bad-dob-future.json"
has "family-report-bad-dob-future.json: children[0].dob: date_in_future: the date is in the future (today is 01.06.2025)"
expect 1 "$FK" schema validate family-report "$EX/family-report-bad-unknown-field.json"
has "favourite_colour: unknown_field"
expect 1 "$FK" schema validate child-intake "$EX/child-intake-bad-utf8.json"
has "(record): invalid_utf8"

# JSONL: one record a line, problems named by line.
{
	tr -d '\n' <"$EX/family-report-valid-1.json"; echo
	echo
	tr -d '\n' <"$EX/family-report-bad-required.json"; echo
	tr -d '\n' <"$EX/family-report-valid-2.json"
} >"$T/batch.jsonl"
cp -r "$EX/files" "$T/" # the files the examples attach, next to the batch
expect 1 "$FK" schema validate --today 2025-06-01 family-report "$T/batch.jsonl"
has "batch.jsonl:3: reporter_surname_cyr: required"
has "records checked: 3, with problems: 1"

# 50 MB: refused without being read whole, in .json and .jsonl.
head -c 52428800 /dev/zero | tr '\0' 'a' | sed 's/^/{"report_place": "/' >"$T/big.json"
expect 1 "$FK" schema validate family-report "$T/big.json"
has "(record): record_too_large"
{ cat "$T/big.json"; echo; tr -d '\n' <"$EX/family-report-valid-1.json"; echo; } >"$T/big.jsonl"
expect 1 "$FK" schema validate --today 2025-06-01 family-report "$T/big.jsonl"
has "big.jsonl:1: (record): record_too_large"
has "records checked: 2, with problems: 1"

# Form ids resolve in FIELDKIT_SCHEMAS; bad ids are usage errors.
expect 2 "$FK" schema show 'Bad Id'
FIELDKIT_SCHEMAS="$T" expect 2 "$FK" schema show family-report
has 'no form "family-report"'

# show in both languages.
expect 0 "$FK" schema show --lang uk family-report
has "Звернення родини про розшук дитини (family-report v1,"
has "reporter_surname_cyr [text] Прізвище (кирилицею)"
has "UA80: м. Київ"
expect 0 "$FK" schema show child-intake --lang en
has "Returned-child intake (child-intake v1,"
has "risk_level [select_one] Risk level"
expect 0 "$FK" schema show --lang fr child-intake
has "Прийняття дитини"

# build: transliteration, defaults, calculations.
expect 0 "$FK" schema build --today 2025-06-01 family-report "$EX/family-report-valid-2.json"
has '"reporter_surname_lat": "Yurchenko"'
has '"given_lat": "Ihor"'
has '"age_calc": 8'
# A date of birth in the future: no calculated age (it showed -73 beside the error).
sed 's/"dob": "[0-9-]*"/"dob": "2099-01-01"/' "$EX/family-report-valid-2.json" >"$T/future.json"
grep -q '"dob": "2099-01-01"' "$T/future.json" || fail "no dob in the example to change"
expect 0 "$FK" schema build --today 2025-06-01 family-report "$T/future.json"
grep -q '"age_calc"' "$T/out" && fail "an age calculated for a date of birth in the future: $(grep age_calc "$T/out")"
ok
expect 1 "$FK" schema build family-report "$T/trunc.json"

# Built-in reasons follow FIELDKIT_LANG when a Ukrainian catalogue is built.
if [ -n "${FIELDKIT_LOCALEDIR:-}" ] && [ -f "$FIELDKIT_LOCALEDIR/uk/LC_MESSAGES/fieldkit.mo" ]; then
	FIELDKIT_LANG=uk LANGUAGE=uk expect 1 "$FK" schema validate --today 2025-06-01 family-report "$EX/family-report-bad-dob-future.json"
	has "children[0].dob: date_in_future: дата в майбутньому (сьогодні 01.06.2025)"
	has "children[0].separation_date: constraint: Дата розлучення не може бути раніше дати народження"
fi

echo "schema_check: $n checks passed"
