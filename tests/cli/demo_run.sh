#!/usr/bin/env bash
# `fieldkit demo` (the README's first command) runs the whole loop, leaves no
# folder behind, and with --keep leaves a hub holding both sample records.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
export TMPDIR=$T
$FIELDKIT demo >demo.out 2>&1 || { cat demo.out; fail "fieldkit demo failed"; }
grep -q "^Done in" demo.out || fail "demo did not finish"
grep -q "2 new, 0 duplicates" demo.out || fail "demo import"
grep -q "0 new, 2 duplicates" demo.out || fail "demo re-import"
grep -q "2 records confirmed delivered" demo.out || fail "demo ack"
[ -z "$(ls -d "$T"/fieldkit-demo-* 2>/dev/null)" ] || fail "demo left its folder behind"
ok "demo ran the loop and cleaned up"
$FIELDKIT demo --keep >demo2.out 2>&1 || fail "demo --keep"
D=$(ls -d "$T"/fieldkit-demo-*)
[ "$(sqlite3 "$D/hub/hub.db" 'select count(*) from records')" = 2 ] || fail "demo hub"
[ "$(sqlite3 "$D/hub/hub.db" "select group_concat(form_id) from (select form_id from records order by seq)")" = "family-report,child-intake" ] ||
	fail "demo forms"
ok "demo --keep leaves a hub with one record of each form"
finish
