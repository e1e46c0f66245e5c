#!/usr/bin/env bash
# Matching on a young hub (a new user's first records), and the decisions and
# views a person meets there:
# - two reports of one child (same names and date of birth) on a hub of three
#   records are shown by `hub duplicates` (the model's frequencies and u need
#   no big hub), and a third child is not in their cluster;
# - an intake that names a report's slip reference (member_report_ref) is a
#   confident match on that small hub even with a replaced surname and only
#   an age;
# - --reject after --confirm of the same pair says that it replaces the
#   earlier decision (and the audit row says so), the same decision twice
#   changes nothing and says so;
# - the table of `hub match` and `hub find` in Ukrainian: no English words
#   for the stored codes (male, match, mother), and the columns line up by
#   display width with Cyrillic text.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10
printf 'pw of the tests\n' >pass && chmod 600 pass
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
rows() { $F hub sql --home hub "$1"; }

python3 - <<'PY'
import json
common = {"report_place_kind": "office", "report_place": "Одеса", "status": "open",
          "reporter_dob_kind": "unknown", "reporter_sex": "female", "reporter_language": "uk",
          "reporter_id_type": "none", "consent_process": "yes", "consent_share_authorities": "yes",
          "consent_share_orgs": "yes", "consent_publish_name": "no", "consent_publish_photo": "no",
          "consent_withheld_reasons": ["privacy"]}
child = {"separation_cause": "filtration", "with_whom": "alone", "last_country": "RU"}
def report(date, rs, rg, age, settlement, oblast, kid):
    r = dict(common, report_date=date, reporter_surname_cyr=rs, reporter_given_cyr=rg,
             reporter_age=age, reporter_settlement=settlement)
    r["children"] = [dict(child, res_settlement=settlement, res_oblast=oblast, **kid)]
    return json.dumps(r, ensure_ascii=False)
with open("reports.jsonl", "w") as f:
    print(report("2025-03-02", "Коваленко", "Олена", 38, "Херсон", "UA65",
                 {"relationship": "mother", "surname_cyr": "Коваленко", "given_cyr": "Олександр",
                  "patronymic_cyr": "Іванович", "sex": "male", "dob_kind": "exact",
                  "dob": "2012-05-14"}), file=f)
    print(report("2025-04-10", "Коваленко", "Марія", 64, "Херсон", "UA65",
                 {"relationship": "grandmother", "surname_cyr": "Коваленко",
                  "given_cyr": "Олександр", "sex": "male", "dob_kind": "exact",
                  "dob": "2012-05-14"}), file=f)
    print(report("2025-04-11", "Шевчук", "Ірина", 40, "Мелітополь", "UA23",
                 {"relationship": "mother", "surname_cyr": "Шевчук", "given_cyr": "Дарина",
                  "sex": "female", "dob_kind": "exact", "dob": "2015-02-01"}), file=f)
PY
$F hub init --home hub --name "Hub" --passphrase-file pass >/dev/null
$F init --home dev --name "t1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
$F capture family-report --from reports.jsonl --home dev >cap.tsv
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >/dev/null
rows "select record_id || char(9) || seq from records order by seq" >ids.tsv
R1=$(sed -n 1p ids.tsv | cut -f1); R2=$(sed -n 2p ids.tsv | cut -f1); R3=$(sed -n 3p ids.tsv | cut -f1)

$F hub duplicates --home hub >dups.tsv
[ "$(head -1 dups.tsv)" = "$(printf 'cluster\treport\tchild\tscore')" ] || fail "duplicates header"
python3 - dups.tsv "$R1" "$R2" "$R3" <<'PY' || fail "duplicates on a hub of three records: $(cat dups.tsv)"
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
r1, r2, r3 = sys.argv[2:5]
cl = {r[1]: (r[0], float(r[3])) for r in rows}
assert r1 in cl and r2 in cl and cl[r1][0] == cl[r2][0], rows
assert cl[r1][1] >= 0.9 and cl[r2][1] >= 0.9, rows
assert r3 not in cl, rows
PY
ok "hub duplicates on a hub of 3 records: the two reports of Олександр Коваленко are one cluster, Дарина is not in it"

# an intake naming the first report's slip: adopted surname, Russian given name, only an age
REF=$(sed -n 1p cap.tsv | cut -f2)
python3 - "$REF" <<'PY'
import json, sys
t = {"intake_date": "2025-06-01", "intake_place": "Пункт пропуску", "sex": "male",
     "surname_cyr": "Ермаков", "given_cyr": "Александр", "dob_kind": "unknown", "age_years": 13,
     "citizenship": ["UA"], "docs_on_return": ["none"], "imposed": ["none"],
     "dna_sample_taken": "no", "return_date": "2025-05-30", "crossing_point": "Ягодин",
     "accompanied_by": ["ngo"], "child_wishes": "wants_contact", "care_arrangement": "none_yet",
     "urgent": "no", "risk_level": "low", "interview_present": ["psychologist"],
     "crime_disclosed": "no", "interview_subject": "child", "consent_services": "yes",
     "consent_tracing": "yes", "consent_share_family": "yes", "consent_share_authorities": "yes",
     "consent_share_orgs": "yes", "legal_basis": "consent", "withheld": "no",
     "family_members": [{"member_name_cyr": "Олена", "member_relationship": "mother",
                         "member_status": "alive", "member_report_ref": sys.argv[1]}]}
open("intake.jsonl", "w").write(json.dumps(t, ensure_ascii=False) + "\n")
PY
$F capture child-intake --from intake.jsonl --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >import.out
I=$(rows "select record_id from records where form_id = 'child-intake'")
$F hub match --home hub --format tsv >m.tsv 2>/dev/null
line=$(grep "^$I	" m.tsv) || fail "no candidate for the intake that names report $REF: $(cat m.tsv)"
[ "$(echo "$line" | cut -f2,3,5)" = "$(printf '%s\t1\tmatch' "$R1")" ] ||
	fail "the report the slip names is not a confident match: $line"
ok "an intake naming slip $REF (surname replaced, age only) is a match on a hub of four records: $(echo "$line" | cut -f4)"

# the Ukrainian table: translated codes, columns by display width
LANGUAGE=uk $F hub match --home hub --all >table.uk 2>/dev/null
LANGUAGE=uk $F hub find --home hub "Олександр Коваленко" >find.uk
python3 - table.uk find.uk <<'PY' || fail "Ukrainian table: $(cat table.uk find.uk)"
import re, sys, unicodedata
def width(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
table, find = open(sys.argv[1]).read(), open(sys.argv[2]).read()
for text in (table, find):
    for w in ("male", "female", "match", "review", "mother", "grandmother", "family report"):
        assert not re.search(r"(?<![A-Za-z])%s(?![A-Za-z])" % w, text), (w, text)
assert "чоловіча" in table and "мати" in table and "чоловіча" in find
# every report value starts at the column of the header's "звернення"
lines = table.splitlines()
h = next(i for i, l in enumerate(lines) if l.startswith("  поле"))
col = width(lines[h][:lines[h].index("звернення")])
seen = 0
for l in lines[h + 1:h + 9]:
    for v in ("Олександр (Oleksandr)", "Коваленко (Kovalenko)", "Іванович", "2012-05-14", "Олена Коваленко"):
        if v in l:
            assert width(l[:l.index(v)]) == col, (l, col)
            seen += 1
assert seen == 5, seen
# hub find: each hit's date starts at one column
cols = {width(l[:m.start()]) for l in find.splitlines() for m in [re.search(r"\d{4}-\d\d-\d\d|вік", l)] if m and l.startswith("    ")}
assert len(cols) == 1, cols
PY
ok "hub match --format table and hub find in Ukrainian: no English codes, columns line up by display width"
# decisions: the same twice, then the other one
$F hub match --home hub --confirm "$I" "$R1:1" >c1.out
grep -q "^confirmed" c1.out || fail "--confirm: $(cat c1.out)"
$F hub match --home hub --confirm "$I" "$R1:1" >c2.out
grep -q "^already confirmed by .*nothing changed" c2.out || fail "--confirm twice: $(cat c2.out)"
[ "$(rows "select count(*) from match_decisions")" = 1 ] || fail "the same decision twice stored twice"
$F hub match --home hub --reject "$I" "$R1:1" >r1.out
grep -q "replaces the earlier decision: confirmed by" r1.out && grep -q "^rejected" r1.out ||
	fail "--reject after --confirm does not say it replaces the confirmation: $(cat r1.out)"
$F hub show "$I" --home hub | grep -q "^link:" && fail "the link is still shown after --reject"
[ "$(rows "select count(*) from audit where action = 'match-reject' and detail like '%replaces: confirmed%'")" = 1 ] ||
	fail "the audit row does not say what the rejection replaced"
[ "$(rows "select count(*) from match_decisions")" = 2 ] || fail "both decisions kept"
$F hub match --home hub --format tsv --all 2>/dev/null | grep -q "^$I	$R1	1	" && fail "rejected pair proposed again"
LANGUAGE=uk $F hub match --home hub --confirm "$I" "$R1:1" >c3.out
grep -q "замінює попереднє рішення: відхилено" c3.out || fail "Ukrainian: $(cat c3.out)"
$F hub show "$I" --home hub | grep -q "^link: intake $I is child 1 of family report $R1" || fail "link after a new --confirm"
ok "--reject after --confirm says it replaces the confirmation (audited, both kept), the same decision twice changes nothing"


# hub find: typos in both names, the surname two letters from a common one (Лиовченко
# reads as Левченко): the child is still found through the given name and the surname's
# first letter, among sixty Левченко
python3 - <<'PY'
import json
kids = ["Ангеліна", "Поліна", "Владислава", "Олена", "Марія", "Оксана", "Ірина", "Дарина", "Софія", "Зоя"]
with open("more.jsonl", "w") as f:
    for i in range(61):
        kid = {"relationship": "mother", "surname_cyr": "Левченко", "given_cyr": kids[i % 10],
               "sex": "female", "dob_kind": "exact", "dob": "20%02d-0%d-1%d" % (5 + i % 15, 1 + i % 9, i % 10),
               "separation_cause": "filtration", "with_whom": "alone", "last_country": "RU",
               "res_settlement": "Суми", "res_oblast": "UA59"}
        if i == 60:
            kid.update(surname_cyr="Литовченко", given_cyr="Аліса", dob="2020-04-26")
        r = {"report_date": "2025-05-01", "report_place_kind": "office", "report_place": "Суми",
             "status": "open", "reporter_surname_cyr": kid["surname_cyr"], "reporter_given_cyr": "Олена",
             "reporter_dob_kind": "unknown", "reporter_age": 40, "reporter_sex": "female",
             "reporter_settlement": "Суми", "reporter_language": "uk", "reporter_id_type": "none",
             "consent_process": "yes", "consent_share_authorities": "yes", "consent_share_orgs": "yes",
             "consent_publish_name": "no", "consent_publish_photo": "no",
             "consent_withheld_reasons": ["privacy"], "children": [kid]}
        print(json.dumps(r, ensure_ascii=False), file=f)
PY
$F capture family-report --from more.jsonl --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >/dev/null
$F hub find --home hub "Алііса Лиовченко" --format tsv >typo.tsv
[ "$(sed -n 2p typo.tsv | cut -f6,7)" = "$(printf 'Литовченко\tАліса')" ] ||
	fail "Алііса Лиовченко: Аліса Литовченко is not first: $(cat typo.tsv)"
ok "hub find \"Алііса Лиовченко\": Аліса Литовченко first among sixty Левченко"
finish
