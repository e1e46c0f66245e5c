#!/usr/bin/env bash
# The hub against hostile sticks and careless devices (issue 10): special
# files named *.fkb (a link to /dev/zero, a FIFO, a link to a local file, a
# folder) are skipped, never read or copied; a refused bundle leaves no
# attachment file behind; a second record at a sequence number the hub holds
# (a cloned device) is a fork: kept for review, reported by gaps and
# conflicts, never stored as a record; `bundle unpack` does not follow a
# planted symbolic link.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
rec() { printf '{"reporter_surname_cyr":"%s","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"%s"}]}\n' "$1" "$1"; }

$F hub init --home hub --name "Kyiv hub" >/dev/null
$F init --home dev --name "tablet 1" --hub hub/hub-card.json >/dev/null
$F device-card --home dev --to dev.card >/dev/null
$F hub devices add dev.card --home hub >/dev/null
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')

# Special files on the stick, beside one good bundle.
for s in Коваленко Шевченко Бондар; do rec "$s"; done | $F capture "$FORM" --from - --home dev >/dev/null
$F export --home dev --to stick >/dev/null
echo "a local secret the stick points at" >local.txt
ln -s /dev/zero stick/z.fkb
mkfifo stick/p.fkb
ln -s "$PWD/local.txt" stick/l.fkb
mkdir stick/d.fkb
set +e
timeout 60 $F hub import --home hub stick >imp.out 2>imp.err
rc=$?
set -e
[ "$rc" = 1 ] || fail "import of a stick with special files: exit status $rc (want 1); $(cat imp.err)"
grep -q "3 new" imp.out || fail "the good bundle was not imported: $(cat imp.out)"
for f in z l; do
	grep -q "$f.fkb: a symbolic link, not a bundle: skipped" imp.err || fail "$f.fkb: $(cat imp.err)"
done
grep -q "p.fkb: a FIFO, not a bundle: skipped" imp.err || fail "p.fkb: $(cat imp.err)"
grep -q "d.fkb: a folder, not a bundle: skipped" imp.err || fail "d.fkb: $(cat imp.err)"
[ ! -d hub/quarantine ] || [ -z "$(ls -A hub/quarantine)" ] || fail "something quarantined: $(ls hub/quarantine)"
! grep -rqa "a local secret" hub || fail "the linked local file was copied into the hub"
[ "$(rows "select count(*) from audit where action = 'skip'")" = 4 ] || fail "skips not audited"
expect_fail "a symbolic link named on the command line" $F hub import --home hub stick/l.fkb
ok "special files on the stick skipped and said so (no copy, no wait, no endless read); the good bundle imported"

# A refused bundle leaves no attachment file: a record with a photo, then one
# of a form this hub does not know.
sed 's/"id": *"capture-test"/"id": "stray-form"/' "$FORM" >stray.json
grep -q '"stray-form"' stray.json || fail "could not make the stray form"
{ printf '\377\330\377\340'; head -c 3000 /dev/urandom; } >photo.jpg # a JPEG by its head
rec Мельник | $F capture "$FORM" --from - --attach photo=photo.jpg --home dev >/dev/null
rec Ткаченко | $F capture stray.json --from - --home dev >/dev/null
rm -rf stick2 && $F export --home dev --to stick2 >/dev/null
files_before=$(ls hub/files | wc -l)
expect_fail "a bundle with a record of an unknown form" $F hub import --home hub stick2
[ "$(ls hub/files | wc -l)" = "$files_before" ] || fail "the refused bundle left an attachment: $(ls hub/files)"
[ -n "$(ls hub/quarantine/*.fkb 2>/dev/null)" ] || fail "the refused bundle was not quarantined"
cmp -s "$(ls stick2/*.fkb)" "$(ls hub/quarantine/*.fkb | head -1)" || fail "the quarantined copy differs"
ok "a refused bundle leaves no attachment in files/, and its quarantined copy is whole"

# Quarantine keeps evidence without filling the disk: a file that is not a
# bundle at all keeps only its first 64 KiB (a sparse 3 GB junk.fkb, read
# through, would otherwise be copied whole); the same file imported again,
# or quarantine/ itself imported, adds no copy.
mkdir junk
truncate -s 3G junk/junk.fkb
printf 'not a bundle' | dd of=junk/junk.fkb conv=notrunc status=none
q_before=$(ls hub/quarantine | wc -l)
set +e
timeout 60 $F hub import --home hub junk 2>junk.err
rc=$?
set -e
[ "$rc" = 1 ] || fail "junk import: exit status $rc; $(cat junk.err)"
grep -q "not a bundle: only its first 65536 of 3221225472 bytes kept" junk.err ||
	fail "junk: what was kept is not said: $(cat junk.err)"
kept=$(ls hub/quarantine/*-junk.fkb)
[ "$(stat -c %s "$kept")" = 65536 ] || fail "junk: $(stat -c %s "$kept") bytes kept"
cmp -s -n 65536 "$kept" junk/junk.fkb || fail "junk: the kept head differs from the file's"
grep -q "only its first 65536" "$kept.reason" || fail "junk: the reason file does not say what was kept"
[ "$(ls hub/quarantine | wc -l)" = $((q_before + 2)) ] || fail "junk: $(ls hub/quarantine)"
expect_fail "the same junk again" $F hub import --home hub junk
expect_fail "the same refused bundle again" $F hub import --home hub stick2
$F hub import --home hub stick2 2>again.err || true
grep -q "the same file is already in quarantine" again.err || fail "bundle again: $(cat again.err)"
[ "$(grep -c "stray-form version 1 is not known" "$(ls hub/quarantine/*.fkb.reason | head -1)")" = 3 ] ||
	fail "the reason file does not gather each refusal: $(cat hub/quarantine/*.fkb.reason)"
$F hub import --home hub hub/quarantine 2>qq.err && fail "quarantine imported: exit 0"
grep -q "already in quarantine: not copied again" qq.err || fail "quarantine imported: $(cat qq.err)"
[ "$(ls hub/quarantine | wc -l)" = $((q_before + 2)) ] ||
	fail "copies made again: $(ls hub/quarantine)"
ok "junk keeps its first 64 KiB in quarantine; nothing is quarantined twice"

# A cloned device: the same sequence number twice.
mkdir fork && cd fork
$F init --home d --name "tablet 2" --hub ../hub/hub-card.json >/dev/null
$F device-card --home d --to d.card >/dev/null
$F hub devices add d.card --home ../hub >/dev/null
D2=$(python3 -c 'import json;print(json.load(open("d/device.json"))["device_id"])')
for s in Руденко Савченко; do rec "$s"; done | $F capture "$FORM" --from - --home d >/dev/null
$F export --home d --to s1 >/dev/null
$F hub import --home ../hub s1 | grep -q "2 new" || fail "import of the first two"
cp -a d clone
rec Левченко | $F capture "$FORM" --from - --home d >/dev/null
rec Кравець | $F capture "$FORM" --from - --home clone >/dev/null
$F export --home d --to s2 >/dev/null
$F export --home clone --to s3 >/dev/null
$F hub import --home ../hub s2 | grep -q "1 new" || fail "record 3 of the device"
$F hub import --home ../hub s3 >fork.out
grep -q "0 new, 2 duplicates, 1 conflict," fork.out || fail "the fork was not a conflict: $(cat fork.out)"
grep -q "a fork" fork.out || fail "the import did not say fork: $(cat fork.out)"
cd ..
[ "$(rows "select count(*) from records where device_id = '$D2' and seq = 3")" = 1 ] ||
	fail "two records stored at seq 3"
[ "$(rows "select json_extract(body, '\$.answers.reporter_surname_cyr') from records where device_id = '$D2' and seq = 3")" = Левченко ] ||
	fail "the first record at seq 3 is not the one kept"
set +e
$F hub gaps --home hub >gaps.out
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "$D2: two records at sequence number 3" gaps.out ||
	fail "hub gaps does not report the fork (exit $rc): $(cat gaps.out)"
set +e
$F hub conflicts --home hub >conf.out
rc=$?
set -e
[ "$rc" = 1 ] && grep -q "fork of" conf.out || fail "hub conflicts does not list the fork: $(cat conf.out)"
$F hub import --home hub fork/s3 | grep -q "0 new, 3 duplicates, 0 conflicts" ||
	fail "the fork imported twice"
# The family's slip code of the forked record finds it, and hub show says it
# was kept for review, not stored.
FREF=$(rows "select json_extract(body, '\$.short_ref') from conflicts where device_id = '$D2' and seq = 3")
[ -n "$FREF" ] || fail "the fork has no slip code"
$F hub show "$FREF" --home hub >fshow.out || fail "hub show by the fork's slip code $FREF"
head -1 fshow.out | grep -q "kept for review, not stored as a record" || fail "fork not marked: $(head -3 fshow.out)"
grep -q Кравець fshow.out || fail "the fork's body: $(cat fshow.out)"
$F hub show "$(rows "select record_id from records where device_id = '$D2' and seq = 3")" --home hub >rshow.out
! grep -q "kept for review" rshow.out || fail "a stored record marked as kept for review"
# hub find by the fork's slip code points at it (on stderr: it has no row).
FID=$(rows "select record_id from conflicts where device_id = '$D2' and seq = 3")
$F hub find "$FREF" --home hub >fref.out 2>fref.err || fail "hub find by the fork's slip code: $(cat fref.err)"
grep -q "record $FID has this slip code but is kept for review" fref.err ||
	fail "hub find by the fork's slip code does not name it: $(cat fref.out fref.err)"
grep -q "no stored record has this slip code" fref.out || fail "hub find $FREF: $(cat fref.out)"
$F hub find "${FREF:0:4}-${FREF:4:4}" --home hub --format json 2>fref.err | python3 -c 'import json,sys; assert json.load(sys.stdin) == []' ||
	fail "hub find --format json by a fork's slip code is not an empty list"
grep -q "$FID" fref.err || fail "hub find --format json: the fork not named on stderr"
# hub find does not search a fork (it is not a stored record) and says so.
$F hub find Кравець --home hub >ffind.out 2>ffind.err || fail "hub find beside a fork: $(cat ffind.err)"
grep -q "1 record kept for review .* is not searched; .fieldkit hub conflicts. lists it" ffind.err ||
	fail "hub find does not say a fork is not searched: $(cat ffind.err)"
$F hub find Кравець --home hub --format tsv 2>/dev/null | head -1 | grep -q "^rank" ||
	fail "hub find --format tsv: the note reached standard output"
LANGUAGE=uk $F hub find Кравець --home hub 2>&1 >/dev/null | grep -q "не шукається" ||
	fail "the fork note in Ukrainian"
ok "a second record at a held sequence number: kept as a fork, reported by import, gaps and conflicts, found by its slip code, marked by show, named by find"

# bundle unpack refuses a planted symbolic link in its target folder.
B=$(ls fork/s1/*.fkb)
mkdir elsewhere un
ln -s "$PWD/elsewhere" un/records
expect_fail "bundle unpack into a folder with a planted records link" $F bundle unpack "$B" un --hub hub
[ -z "$(ls -A elsewhere)" ] || fail "unpack wrote through the link: $(ls elsewhere)"
$F bundle unpack "$B" un2 --hub hub >/dev/null && [ "$(ls un2/records | wc -l)" = 2 ] || fail "plain unpack"
ok "bundle unpack does not follow a planted link"
finish
