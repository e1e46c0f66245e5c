#!/usr/bin/env bash
# ux_plural.sh - counts in the messages field workers and operators see most
# take the plural form of their number (Ukrainian has three: 1 запис, 2 записи,
# 5 записів; English 1 record, 2 records): capture, export, hub import, hub
# export, hub receipt, ack (and ack again), bundle unpack; status's retention line.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
export LANGUAGE=uk
hub_and_device
rec() { echo '{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-'$1'","children":[{"child_surname_cyr":"Бондар"}]}'; }
# has FILE TEXT: FILE holds TEXT.
has() { grep -qF -- "$2" "$1" || fail "want '$2' in: $(cat "$1")"; }

rec 01 >one.jsonl
$F capture "$FORM" --from one.jsonl --home dev 2>cap1.txt >/dev/null
has cap1.txt "capture: запечатано 1 запис, 0 уже запечатаних, 0 відхилених"
for d in 02 03; do rec $d; done >two.jsonl
$F capture "$FORM" --from two.jsonl --home dev 2>cap2.txt >/dev/null
has cap2.txt "запечатано 2 записи"
$F capture "$FORM" --from two.jsonl --home dev 2>cap3.txt >/dev/null
has cap3.txt "запечатано 0 записів, 2 уже запечатані, 0 відхилених"
ok "capture: $(cat cap1.txt) / $(cat cap3.txt)"
$F export --home dev --to stick >exp.txt
has exp.txt "3 записи і 0 вкладень у 1 пакеті"
ok "export: $(tail -1 exp.txt)"
$F hub import --home hub stick >imp.txt
has imp.txt "3 записи від"
has imp.txt "3 нові, 0 дублікатів, 0 конфліктів, 0 вкладень"
ok "hub import: $(cat imp.txt)"
$F hub export --home hub --format jsonl --to out >hexp.txt
has hexp.txt "експортовано 3 записи як jsonl"
ID=$($F hub devices list --home hub | awk 'NR==1{print $1}')
$F hub receipt --home hub --device "$ID" --to stick >rcpt.txt
has rcpt.txt "квитанцію на 3 записи пристрою"
$F ack --home dev stick/*.fkr >ack.txt
has ack.txt "підтверджено доставку: 3 записи"
# The same receipt again: said to have changed nothing, not confirmed anew.
$F ack --home dev stick/*.fkr >ack2.txt
has ack2.txt "уже прийнято раніше: доставку її 3 записів уже підтверджено (нічого не змінено)"
LANGUAGE=en $F ack --home dev stick/*.fkr | grep -qF "was acknowledged before: its 3 records were already confirmed delivered (nothing changed)" ||
	fail "ack twice, in English"
$F bundle unpack stick/*.fkb unpacked >unp.txt 2>/dev/null
has unp.txt "розпаковано 3 записи до unpacked"
ok "hub export, receipt, ack, unpack: 3 записи"
for d in 04 05 06 07 08; do rec $d; done >five.jsonl
$F capture "$FORM" --from five.jsonl --home dev 2>cap5.txt >/dev/null
has cap5.txt "запечатано 5 записів"
rm -rf stick2 && $F export --home dev --to stick2 >/dev/null
$F hub import --home hub stick2 >imp5.txt
has imp5.txt "5 записів від"
has imp5.txt "5 нових"
ok "5 записів, 5 нових"
for i in $(seq 10 30); do rec $i; done >many.jsonl
$F capture "$FORM" --from many.jsonl --home dev 2>cap21.txt >/dev/null
has cap21.txt "запечатано 21 запис,"
ok "21 запис"
# English: the singular too.
LANGUAGE=en $F capture "$FORM" --from one.jsonl --home dev 2>en1.txt >/dev/null
has en1.txt "capture: 0 records finalized, 1 already sealed, 0 rejected"
rec 09 >new.jsonl
LANGUAGE=en $F capture "$FORM" --from new.jsonl --home dev 2>en2.txt >/dev/null
has en2.txt "capture: 1 record finalized, 0 already sealed, 0 rejected"
ok "English: 1 record, 0 records"
$F status --home dev >st.txt
has st.txt "геш-ланцюжок: гаразд (30 записів)"
LANGUAGE=en $F status --home dev >st.en
has st.en "hash chain:  ok (30 records)"
ok "status: $(grep геш st.txt)"
# The retention setting is said with what it means (not its token alone).
has st.txt "зберігання:  now (запис стирається, щойно квитанція хабу підтвердить його)"
has st.en "retention:   now (a record is purged when a hub's receipt confirms it)"
for r in days:1 days:5 never; do
	$F init --home "d$r" --hub hub/hub-card.json --retention "$r" >/dev/null
	$F status --home "d$r" >"st$r.txt"
done
has stdays:1.txt "через 1 день після того"
has stdays:5.txt "через 5 днів після того"
has stnever.txt "(доставлені записи лишаються на цьому пристрої, запечатані)"
LANGUAGE=en $F status --home ddays:5 | grep -qF "days:5 (a record is purged 5 days after" ||
	fail "status: days:5 in English"
ok "status: retention $(grep зберігання stdays:5.txt)"
finish
