#!/bin/bash
# capture_crash.sh - kill -9 at random moments during batches of 1,000
# records, 20 times over: after every kill the store opens, PRAGMA
# integrity_check is ok, seq and hash chain have no holes, every record's
# batch line is remembered and no other (batch_seen), every ciphertext
# hashes to its ct_hash (so it is whole), every record the command reported
# as finalized is there with its short reference, and the records nearest
# the kill plus a random sample decrypt with the hub key and parse.
# (test_store_crash decrypts every record after each kill, in process.)
set -eu
. "$(dirname "$0")/capture_lib.inc"
W=$(mktemp -d "$TMPDIR/capture_crash.XXXXXX")
trap 'rm -rf "$W"' EXIT
new_device "$W"
# batch RUN > FILE: 1,000 records, all different, and different from other runs'
# (a line already sealed is not sealed again).
batch() {
	"$PY" - "$1" <<'PY'
import json, sys
run = int(sys.argv[1])
for i in range(1000):
    print(json.dumps({"reporter_surname_cyr": "Бондаренко", "reporter_given_cyr": "Ірина",
        "reporter_surname_lat": "Bondarenko %d-%d" % (run, i),
        "report_date": "2025-02-%02d" % (1 + i % 28), "reporter_age": 20 + i % 60,
        "children": [{"child_surname_cyr": "Бондаренко", "child_sex": "mf"[i % 2]}]},
        ensure_ascii=False))
PY
}
batch 0 > "$W/batch.jsonl"

sample_open() {
	"$PY" - "$W/home/store.db" "$W/s" <<'PY'
import sqlite3, sys, os, random
db = sqlite3.connect(sys.argv[1])
rows = [r[0] for r in db.execute("SELECT seq FROM records ORDER BY seq")]
pick = set(rows[-5:]) | set(random.sample(rows, min(5, len(rows))))
os.makedirs(sys.argv[2], exist_ok=True)
for seq in pick:
    ct = db.execute("SELECT ct FROM records WHERE seq = ?", (seq,)).fetchone()[0]
    open("%s/%d.age" % (sys.argv[2], seq), "wb").write(ct)
PY
	for f in "$W"/s/*.age; do
		[ -e "$f" ] || continue
		"$FIELDKIT" age -d -i "$W/hub.key" "$f" 2>/dev/null | zstd -qdc > "${f%.age}.json" 2>/dev/null \
			|| fail "record $(basename "$f" .age) does not open after a kill"
	done
	"$PY" - "$W/s" <<'PY' || fail "a record does not parse after a kill"
import json, os, sys
for f in os.listdir(sys.argv[1]):
    if f.endswith(".json"):
        r = json.load(open(os.path.join(sys.argv[1], f), encoding="utf-8"))
        assert r["seq"] == int(f[:-5]), f
PY
	rm -rf "$W/s"
}

# How long one uninterrupted batch of 1,000 takes here (milliseconds): kills
# land at random moments inside that window, however fast the machine is.
new_device "$W/calib"
t0=$(date +%s%N)
"$FIELDKIT" capture "$FORM" --home "$W/calib/home" --from "$W/batch.jsonl" > /dev/null \
	2>&1 || fail "calibration batch"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$ms" -ge 20 ] || ms=20
rm -rf "$W/calib"

start=$(date +%s)
kills=0 total=0
for i in $(seq 1 20); do
	# Every other run seals on two threads.
	batch "$i" > "$W/batch.jsonl"
	FIELDKIT_THREADS=$((1 + i % 2)) "$FIELDKIT" capture "$FORM" --home "$W/home" \
		--from "$W/batch.jsonl" > "$W/out.$i" 2>/dev/null &
	pid=$!
	wait_ms=$((RANDOM % ms))
	sleep "$((wait_ms / 1000)).$(printf '%03d' $((wait_ms % 1000)))"
	if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
	wait "$pid" 2>/dev/null || true
	# The store opens and says the chain is whole.
	"$FIELDKIT" status --home "$W/home" > "$W/status" || fail "status after kill $i: $(cat "$W/status")"
	grep -q 'hash chain:  ok' "$W/status" || fail "chain after kill $i"
	n=$(check_chain "$W/home")
	# A record is sealed if and only if its line is remembered (same transaction).
	[ "$(sqlite3 "$W/home/store.db" 'SELECT count(*) FROM batch_seen')" = "$n" ] \
		|| fail "after kill $i: $n records but $(sqlite3 "$W/home/store.db" 'SELECT count(*) FROM batch_seen') lines remembered"
	# Everything reported finalized is there, with its reference.
	"$PY" - "$W/home/store.db" "$W/out.$i" <<'PY' || fail "a reported record is missing after kill $i"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
refs = dict(db.execute("SELECT seq, short_ref FROM records"))
for l in open(sys.argv[2]):
    line, ref, seq = l.rstrip("\n").split("\t")
    assert refs.get(int(seq)) == ref.replace("-", ""), (seq, ref)
PY
	sample_open
	total=$n
done
end=$(date +%s)
[ "$kills" -ge 10 ] || fail "only $kills of 20 runs were killed mid-batch"
[ "$(sqlite3 "$W/home/store.db" 'PRAGMA integrity_check')" = ok ] || fail "integrity"
[ "$total" -gt 0 ] || fail "no record survived any run"
ok "$kills kill -9 mid-batch; $total records, all whole, chain without holes ($((end - start)) s)"
echo "capture_crash: all checks passed"
