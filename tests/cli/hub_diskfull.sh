#!/usr/bin/env bash
# The hub on a full disk: a hub home on a 4 MiB tmpfs filled up. Every
# command says "the hub's disk is full" in one line (not "disk I/O error");
# an import that runs out of space half-way is "not imported" (the bundle is
# not blamed, not quarantined), the hub keeps what it had, and once space is
# freed the same stick imports whole. Needs a tmpfs: as root, or in a user
# namespace (unshare -rm); skipped, saying so, where neither is possible.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env

if [ -z "${FK_DISKFULL_INNER:-}" ]; then
	if [ "$(id -u)" = 0 ] && mkdir mnt && mount -t tmpfs -o size=4m tmpfs mnt 2>/dev/null; then
		trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
	elif unshare -rm true 2>/dev/null; then
		cd / && rm -rf "$T"
		FK_DISKFULL_INNER=1 exec unshare -rm "$0" "$@"
	else
		echo "SKIP: no tmpfs can be mounted here (not root, no user namespaces)"
		exit 0
	fi
else
	mkdir mnt && mount -t tmpfs -o size=4m tmpfs mnt || { echo "SKIP: mount failed"; exit 0; }
	trap 'umount "$T/mnt" 2>/dev/null; rm -rf "$T"' EXIT
fi

hub_and_device
python3 - "$FORM" >recs.jsonl <<'P'
import json, random
random.seed(7)
names = ['Коваленко', 'Шевченко', 'Бондар', 'Мельник', 'Ткаченко', 'Кравченко', 'Олійник']
for i in range(400):
    print(json.dumps({'reporter_surname_cyr': random.choice(names), 'reporter_given_cyr': 'Олена',
                      'report_date': '2026-09-%02d' % (i % 28 + 1),
                      'children': [{'child_surname_cyr': random.choice(names) + 'ко' * (i % 9)}]},
                     ensure_ascii=False))
P
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null 2>&1
$F export --home dev --to stick >/dev/null
cp -a hub mnt/hub
cp -a hub hub2
$F hub import --home hub2 stick >/dev/null
H=mnt/hub
before=$($F hub sql --home "$H" "select count(*) from records")
[ "$before" = 0 ] || fail "the copied hub holds $before records"
free_kib=$(df -k --output=avail mnt | tail -1 | tr -d ' ')
head -c $(((free_kib - 96) * 1024)) /dev/zero >mnt/filler

set +e
$F hub import --home "$H" stick >imp.out 2>imp.err
rc=$?
set -e
[ "$rc" = 1 ] || fail "import on a full disk: exit $rc; $(cat imp.err)"
grep -q "not imported: the hub's disk is full: free some space on it" imp.err ||
	fail "import on a full disk: $(cat imp.err)"
! grep -q "refused\|disk I/O error" imp.err || fail "the bundle was blamed: $(cat imp.err)"
[ ! -d "$H/quarantine" ] || [ -z "$(ls -A "$H/quarantine")" ] || fail "quarantined: $(ls "$H/quarantine")"
ok "import on a full disk: not imported, the hub's disk named, nothing quarantined"

# Full to the last block: a command works, or says in one line that the
# disk is full (whether SQLite needs a block depends on its WAL's state).
head -c $(($(df -k --output=avail mnt | tail -1 | tr -d ' ') * 1024)) /dev/zero >>mnt/filler 2>/dev/null || true
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')
for cmd in "list" "receipt --device $DEV --to r.fkr" "gaps" "import stick"; do
	set +e
	$F hub $cmd --home "$H" >cmd.out 2>cmd.err
	rc=$?
	set -e
	[ "$rc" -le 2 ] || fail "hub $cmd on a full disk: exit $rc"
	if [ "$rc" != 0 ]; then
		grep -q "the hub's disk is full" cmd.err && [ "$(wc -l <cmd.err)" = 1 ] ||
			[ "$cmd" = gaps ] ||
			fail "hub $cmd on a full disk: $(cat cmd.err)"
	fi
	! grep -q "disk I/O error\|refused" cmd.err || fail "hub $cmd: $(cat cmd.err)"
done
ok "list, receipt, gaps and import on a disk full to the last block: work or say the disk is full"

rm mnt/filler
[ "$($F hub sql --home "$H" "select count(*) from records")" = 0 ] || fail "a partial import is in the hub"
$F hub import --home "$H" stick >imp2.out
grep -q " new" imp2.out || fail "import after freeing space: $(cat imp2.out)"
[ "$($F hub sql --home "$H" "select count(*) from records")" = "$($F hub sql --home hub2 "select count(*) from records")" ] ||
	fail "after freeing space: $($F hub sql --home "$H" "select count(*) from records") records"
$F hub gaps --home "$H" >/dev/null || fail "gaps after the import: $($F hub gaps --home "$H")"
ok "space freed: the same stick imports whole, no gap"
finish
