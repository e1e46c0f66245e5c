#!/usr/bin/env bash
# 1,000 records (some with photos) captured on three devices, exported,
# imported: counts equal, every answer and every photo identical to what was
# captured, no gaps; re-importing all three sticks changes nothing.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (restic's convention).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null

device() { # k nbatch: set up device k, capture nbatch records and 2 with photos, export
	k=$1 n=$2
	$F init --home dev$k --name "tablet $k" --hub hub/hub-card.json --passphrase-file pass >/dev/null
	python3 - "$k" "$n" >in$k.jsonl <<'PY'
import json, sys
k, n = int(sys.argv[1]), int(sys.argv[2])
names = ["Коваленко", "Шевченко", "Бондар", "Ткаченко", "Кравченко", "Олійник"]
for i in range(n + 2):
    print(json.dumps({"reporter_surname_cyr": names[(i + k) % 6], "reporter_given_cyr": "Олена",
        "report_date": "2025-%02d-%02d" % (1 + i % 12, 1 + i % 28), "reporter_age": 18 + (i * 7 + k) % 80,
        "children": [{"child_surname_cyr": names[(i + j) % 6], "child_sex": "fm"[j % 2],
                      "child_dob": "20%02d-0%d-1%d" % (10 + j, 1 + j, j)} for j in range(1 + i % 3)]},
        ensure_ascii=False))
PY
	head -n "$n" in$k.jsonl | $F capture "$FORM" --from - --home dev$k >/dev/null
	for p in 1 2; do
		{ printf '\377\330\377\340'; head -c $((3000 * p + k)) /dev/urandom; } >photo$k-$p.jpg
		sed -n "$((n + p))p" in$k.jsonl | $F capture "$FORM" --from - --attach photo=photo$k-$p.jpg --home dev$k >/dev/null
	done
	$F device-card --home dev$k --to dev$k.card --passphrase-file pass >/dev/null
	$F export --home dev$k --to stick$k --passphrase-file pass >/dev/null
}
device 0 332 & device 1 331 & device 2 331 &
wait %1 && wait %2 && wait %3 || fail "device setup"
for k in 0 1 2; do
	$F hub devices add dev$k.card --home hub >/dev/null
	$F hub import --home hub --passphrase-file pass stick$k >imp$k.out
done
cat imp*.out | grep -o '[0-9]* new' | awk '{s += $1} END {exit !(s == 1000)}' || fail "not 1,000 new: $(cat imp*.out)"
[ "$($F hub sql --home hub 'select count(*) from records')" = 1000 ] || fail "count"
[ "$($F hub sql --home hub 'select count(*) from attachments')" = 6 ] || fail "attachments"
ok "1,000 records and 6 photos from three devices imported"

$PTY 'pw of the tests' -- age -d -o id.txt hub/identity.age >/dev/null 2>&1 || fail "age -d identity"
for k in 0 1 2; do
	DEV=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["device_id"])' dev$k/device.json)
	$F hub sql --home hub "select json_extract(body, '\$.answers') from records where device_id = '$DEV' order by seq" >out$k.jsonl
	python3 - in$k.jsonl out$k.jsonl <<'PY' || fail "device $k: answers differ"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    for key, v in x.items():
        if key == "children":
            assert len(v) == len(y[key]), (v, y[key])
            for c, d in zip(v, y[key]):
                assert all(d[ck] == cv for ck, cv in c.items()), (c, d)
        else:
            assert y[key] == v, (key, v, y.get(key))
PY
	for p in 1 2; do
		H=$($F hub sql --home hub "select a.ct_hash from attachments a join records r on a.record_id = r.record_id where r.device_id = '$DEV' and r.seq = $((p + $(wc -l <in$k.jsonl) - 2))")
		age -d -i id.txt "hub/files/$H.age" | cmp - photo$k-$p.jpg || fail "device $k photo $p"
	done
done
ok "every answer and every photo is what was captured"
$F hub gaps --home hub | grep -q "no gaps" || fail "gaps"
before=$($F hub sql --home hub 'select count(*), sum(length(body)) from records')
$F hub import --home hub --passphrase-file pass stick0 stick1 stick2 | grep -c "0 new" | grep -q 3 || fail "re-import"
[ "$($F hub sql --home hub 'select count(*), sum(length(body)) from records')" = "$before" ] || fail "re-import changed"
ok "no gaps; re-importing all three sticks: duplicates only"
finish
