#!/usr/bin/env bash
# A hub disk that reveals nothing (issue 10): hub.db encrypted at rest (no
# name, no table, no SQLite header in it), the home 0700 and its files 0600;
# every hub command without the passphrase fails with one line; the
# passphrase from --passphrase-file, $FIELDKIT_PASSPHRASE_FILE or a systemd
# credential, asked once per command on a terminal; `hub sql` (read-only, the
# sqlite3 shell's output, audited); a hub made before encryption refused
# until `hub migrate`, which keeps every row; another hub's database refused.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
printf 'wrong\n' >wrong && chmod 600 wrong
unset FIELDKIT_PASSPHRASE_FILE CREDENTIALS_DIRECTORY
# No terminal: a command that needs the passphrase and has none must fail.
nopass() { setsid -w "$@" </dev/null; }
sql() { $F hub sql --home hub --passphrase-file pass "$1"; }

# hub init into an existing, open folder: the folder becomes 0700, hub.db 0600.
mkdir -m 0755 hub
$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
[ "$(stat -c %a hub)" = 700 ] || fail "hub home is $(stat -c %a hub), not 700"
for f in hub.db identity.age sign.key; do
	[ "$(stat -c %a "hub/$f")" = 600 ] || fail "hub/$f is $(stat -c %a "hub/$f"), not 600"
done
ok "hub init into a 0755 folder: the folder 0700, hub.db, identity.age, sign.key 0600"


$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub --passphrase-file pass >/dev/null

# A key someone made readable by others is refused, naming the fix, never
# quietly made private again (the operator must learn it may have been copied);
# the database files are simply made 0600 again.
for f in identity.age sign.key; do
	chmod 0644 "hub/$f"
	out=$(expect_fail "hub/$f readable by others" $F hub receipt --home hub --device "tablet 1" --to r.fkr --passphrase-file pass)
	grep -q "hub/$f can be read by other users; run: chmod 600 hub/$f" <<<"$out" || fail "$f: $out"
	[ "$(stat -c %a "hub/$f")" = 644 ] || fail "hub/$f was changed quietly"
	chmod 0600 "hub/$f"
done
chmod 0644 hub/hub.db
$F hub list --home hub --passphrase-file pass >/dev/null
[ "$(stat -c %a hub/hub.db)" = 600 ] || fail "hub.db not made private again"
ok "identity.age or sign.key readable by others: refused with chmod 600 named, left as found"

cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"Коваленко"}]}
{"reporter_surname_cyr":"Шевченко","reporter_given_cyr":"Іван","report_date":"2026-09-02","children":[{"child_surname_cyr":"Шевченко"}]}
J
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null
{ printf '\377\330\377\340'; head -c 4996 /dev/urandom; } >photo.jpg  # a JPEG by its head
head -1 recs.jsonl | $F capture "$FORM" --from - --attach photo=photo.jpg --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick >/dev/null
[ "$(sql 'select count(*) from records')" = 3 ] || fail "3 records"
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')

# Nothing readable on the hub's disk but the public card and key.
for needle in Коваленко Kovalenko "tablet 1" "$DEV" "SQLite format 3" "CREATE TABLE" \
	reporter_surname; do
	if grep -rlaF -- "$needle" hub --exclude=hub-card.json --exclude=sign.pub >found 2>/dev/null; then
		fail "\"$needle\" readable in $(tr '\n' ' ' <found)"
	fi
done
for f in hub/files/*.age; do
	head -c 21 "$f" | grep -q "^age-encryption.org/v1" || fail "$f is not an age file"
done
for f in hub/hub.db*; do
	[ "$(stat -c %a "$f")" = 600 ] || fail "$f is $(stat -c %a "$f")"
done
ok "no name, device, table or SQLite header readable in the hub folder; attachments are age files"

# Every command that reads the database needs the passphrase: one line without it.
for cmd in "list" "show x" "export --format csv --to exp" "gaps" "conflicts" "devices list" \
	"devices revoke x" "receipt --device $DEV --to rcpt" "sql select\ 1"; do
	# shellcheck disable=SC2086
	eval "set -- $cmd"
	expect_fail "hub $1 without a passphrase" nopass $F hub "$@" --home hub
	grep -q "passphrase" "$T/err" || fail "hub $1: the error does not say what is missing"
	expect_fail "hub $1 with a wrong passphrase" $F hub "$@" --home hub --passphrase-file wrong
	grep -q "wrong passphrase" "$T/err" || fail "hub $1: not \"wrong passphrase\""
done
[ ! -e exp ] && [ ! -e rcpt ] || fail "something was written without the passphrase"

# Where the passphrase comes from: --passphrase-file, then $FIELDKIT_PASSPHRASE_FILE,
# then the systemd credential; on a terminal it is asked once per command.
FIELDKIT_PASSPHRASE_FILE=$PWD/pass nopass $F hub gaps --home hub >/dev/null ||
	fail "FIELDKIT_PASSPHRASE_FILE"
FIELDKIT_PASSPHRASE_FILE=$PWD/wrong nopass $F hub gaps --home hub --passphrase-file pass \
	>/dev/null || fail "--passphrase-file does not win over FIELDKIT_PASSPHRASE_FILE"
mkdir -m 0700 creds && cp pass creds/fieldkit-passphrase && chmod 0400 creds/fieldkit-passphrase
CREDENTIALS_DIRECTORY=$PWD/creds nopass $F hub gaps --home hub >/dev/null ||
	fail "the systemd credential"
CREDENTIALS_DIRECTORY=$PWD/creds FIELDKIT_PASSPHRASE_FILE=$PWD/pass nopass $F export \
	--home dev --to stick2 >/dev/null || fail "a device command with FIELDKIT_PASSPHRASE_FILE"
$PTY 'pw of the tests' 'pw of the tests' -- $F hub receipt --home hub --device "$DEV" --to rc >/dev/null 2>tty.out ||
	fail "hub receipt on a terminal: $(cat tty.out)"
[ "$(grep -c "Passphrase of the hub" tty.out)" = 1 ] ||
	fail "hub receipt asked $(grep -c "Passphrase" tty.out) times: $(cat tty.out)"
ok "passphrase from --passphrase-file, FIELDKIT_PASSPHRASE_FILE (device commands too), a systemd credential; asked once by hub receipt"

# hub sql prints what the sqlite3 shell prints.
Q="select 1, 'a|b', NULL, 2.5, x'41', -0.0, 1e300, 'Коваленко', 7/2, 1.0/3 union all select 2, '', '', 0.1, x'', 3, -1e-7, 'x', 9, 1e15"
[ "$(sql "$Q")" = "$(sqlite3 :memory: "$Q")" ] || fail "hub sql output: $(sql "$Q") / $(sqlite3 :memory: "$Q")"
[ "$(sql "  -- a comment
	/* another */ WITH n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 3) SELECT x FROM n;
	-- done")" = "$(printf '1\n2\n3')" ] || fail "WITH with comments and a semicolon"
[ "$(sql "select json_extract(body, '\$.answers.reporter_surname_cyr') from records order by seq limit 1")" = Коваленко ] ||
	fail "json_extract"
# The repeat group walked with json_each and json_tree, as docs/hub-database.md shows.
n=$(sql "select count(*) from records r, json_each(r.body, '\$.answers.children') c")
[ "$n" -ge 1 ] || fail "json_each: $n"
[ "$(sql "select count(*) from records r, json_tree(r.body) t where t.key = 'child_surname_cyr'")" = "$n" ] ||
	fail "json_tree"
sql "select json_extract(c.value, '\$.child_surname_cyr') from records r, json_each(r.body, '\$.answers.children') c" |
	grep -q Коваленко || fail "json_each values"
[ "$(sql "select count(*) from audit where action = 'sql'")" -ge 4 ] || fail "sql not audited"
before=$(sql 'select count(*), sum(length(body)) from records')
for q in "delete from records" "insert into meta values('a', 'b')" "select 1; delete from records" \
	"with x as (select 1) delete from records" "pragma writable_schema=1" \
	"attach 'x.db' as x" "select 1 from records; select 2" "vacuum" "update records set body = '{}'" \
	"drop table records" "select load_extension('/tmp/x')" "create temp table t(a)" \
	"update sqlite_master set sql = ''" "pragma writable_schema=1; update sqlite_master set sql = ''" \
	"create virtual table v using json_each('[1]')"; do
	expect_fail "hub sql \"$q\"" $F hub sql --home hub --passphrase-file pass "$q"
done
[ "$(sql 'select count(*), sum(length(body)) from records')" = "$before" ] || fail "hub sql changed the hub"
[ ! -e x.db ] && [ ! -e hub/x.db ] || fail "attach created a file"
$PTY -- $F hub sql --home hub --passphrase-file pass "select 'a'||char(27)||'[2Jb'||char(10)||'c'" \
	>/dev/null 2>tty.out || fail "hub sql on a terminal"
grep -qF 'a\x1b[2Jb\x0ac' tty.out && ! grep -q $'\x1b\\[2J' tty.out ||
	fail "hub sql on a terminal: control characters not escaped: $(od -c tty.out | head -3)"
[ "$(sql "select 'a'||char(27)||'b'" | od -An -tx1 | tr -d ' \n')" = 611b620a ] ||
	fail "hub sql into a pipe: not the bytes as they are"
ok "hub sql: sqlite3's output format, WITH and comments, json_extract, json_each and json_tree, audited; writes, several statements, ATTACH, PRAGMA refused"

# A hub made before encryption: refused, before any passphrase, until hub migrate.
# Its keys were sealed with "pw" (tests/data/hub-v0.README): a passphrase
# shorter than a new key may have still unlocks an existing one.
printf 'pw\n' >oldpass && chmod 600 oldpass
cp -r "$FK_SRC/tests/data/hub-v0" old && chmod 0755 old && chmod 0644 old/hub.db &&
	chmod 0600 old/identity.age old/sign.key
sqlite3 old/hub.db 'select rowid, record_id, device_id, seq, body from records order by 1' >old.rows
sqlite3 old/hub.db 'select count(*) from audit' >old.audit
expect_fail "hub list of a hub made before encryption" nopass $F hub list --home old
grep -q "hub migrate --home old" "$T/err" || fail "the refusal does not name hub migrate"
[ "$(stat -c %a old)" = 700 ] && [ "$(stat -c %a old/hub.db)" = 600 ] ||
	fail "the old hub's folder and database were not made private"
expect_fail "hub migrate with a wrong passphrase" $F hub migrate --home old --passphrase-file wrong
grep -aq Коваленко old/hub.db || fail "a failed migrate changed the old database"
$F hub migrate --home old --passphrase-file oldpass >mig.out || fail "hub migrate: $(cat mig.out)"
grep -q "now encrypted" mig.out || fail "hub migrate said: $(cat mig.out)"
! grep -rlaF -e Коваленко -e "SQLite format 3" -e "CREATE TABLE" old >/dev/null ||
	fail "plaintext left in the migrated hub"
[ ! -e old/hub.db.sealing ] || fail "hub.db.sealing left behind"
$F hub sql --home old --passphrase-file oldpass 'select rowid, record_id, device_id, seq, body from records order by 1' >new.rows
cmp -s old.rows new.rows || fail "the migrated records differ"
[ "$($F hub sql --home old --passphrase-file oldpass "select count(*) from audit where action != 'sql'")" = \
	"$(($(cat old.audit) + 1))" ] || fail "audit rows lost, or the migration not logged"
$F hub list --home old --passphrase-file oldpass | grep -c "capture-test@1" | grep -qx 3 || fail "hub list after migrate"
$F hub migrate --home old --passphrase-file oldpass | grep -q "already encrypted" || fail "migrate twice"
ok "a hub made before encryption: refused (naming hub migrate), migrated with every row and rowid, then opens; migrate again is a no-op"

# Another hub's database does not open with this hub's key.
$F hub init --home hub2 --name other --passphrase-file pass >/dev/null
cp hub2/hub.db hub/hub.db
expect_fail "another hub's database" $F hub list --home hub --passphrase-file pass
grep -q "does not open with this hub's key" "$T/err" || fail "not the key message"
finish
