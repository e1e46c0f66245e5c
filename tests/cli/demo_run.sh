#!/usr/bin/env bash
# `fieldkit demo` (the README's first command) runs the whole loop, saying
# what happened at each step (USB, then QR codes with frames lost, then the
# network: hub serve on loopback and push), and leaves
# no folder behind.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
export TMPDIR=$T
$FIELDKIT demo >demo.out 2>&1 || { cat demo.out; fail "fieldkit demo failed"; }
grep -q "^Done in" demo.out || fail "demo did not finish"
grep -q "2 new, 0 duplicates" demo.out || fail "demo import"
grep -q "0 new, 2 duplicates" demo.out || fail "demo re-import"
grep -q "family-report@1" demo.out && grep -q "child-intake@1" demo.out || fail "demo forms at the hub"
grep -q "2 records confirmed delivered" demo.out || fail "demo ack"
[ "$(grep -c purged demo.out)" = 9 ] || fail "demo device did not purge"
grep -q "^Lost on the way (deleted): frame-00005.png frame-00010.png" demo.out || fail "demo lost no frames"
grep -q "incoming/qr-.*: 1 record from .*: 1 new, 0 duplicates" demo.out || fail "demo import by QR"
grep -q "1 record confirmed delivered; 2 others were confirmed before" demo.out || fail "demo ack by QR"
grep -q "1 record delivered to hub \"Demo hub\".*receipt verified and acknowledged" demo.out ||
	fail "demo push over the network"
grep -q "hub serve stopped" demo.out || fail "demo hub serve not stopped"
[ -z "$(ls -d "$T"/fieldkit-demo-* 2>/dev/null)" ] || fail "demo left its folder behind"
ok "demo ran the loop (both forms, import, duplicates, receipt, purge; bundle and receipt by QR with frames lost; push over the network) and cleaned up"
finish
