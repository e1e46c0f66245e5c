#!/usr/bin/env bash
# harden_escape.sh - outside text never reaches a terminal, the audit log or a
# .reason file with the bytes a terminal acts on (ESC sequences that could
# overwrite a "refused" line with fake text, newlines and tabs that forge
# rows). Each case is crafted from genuine files and checked on the raw bytes
# of what fieldkit printed (stdout and stderr) and stored:
#   - a bundle whose trusted comment names the device as ESC sequences
#     (refused; the error, the audit row and the .reason file escaped);
#   - a bundle whose manifest's "created" holds ESC (`bundle info`);
#   - a device card whose name holds ESC, a tab and a newline (refused at
#     `hub devices add`; the stored-name case is tests/unit/test_escape.c);
#   - a hub card whose name holds ESC (refused by `init --hub`), and
#     `init --name` / `hub init --name` with control characters;
#   - a receipt from a hub whose name (as the device stored it earlier) holds
#     ESC, shown by `ack`;
#   - QR receive naming an image file whose name holds ESC.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data FIELDKIT_LANG=en
export FIELDKIT_PASSPHRASE_FILE=$T/pass
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
ESC=$(printf '\033')

# no_esc WHAT FILE...: none of the files holds an ESC, a C1 CSI or a bidi override.
no_esc() {
	what=$1; shift
	python3 - "$what" "$@" <<'PY' || exit 1
import sys
what, files = sys.argv[1], sys.argv[2:]
for f in files:
    d = open(f, "rb").read()
    for bad, name in ((b"\x1b", "ESC"), (b"\xc2\x9b", "CSI"), (b"\xe2\x80\xae", "RLO")):
        if bad in d:
            sys.stderr.write("FAIL - %s: %s holds %s: %r\n" % (what, f, name, d[:300]))
            sys.exit(1)
PY
}
# run_fail WHAT CMD...: exit 1 or 2, one line on stderr, no ESC in stdout or stderr.
run_fail() {
	what=$1; shift
	set +e
	"$@" >out 2>err
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "$what: exit status $rc: $(cat err)"
	[ "$(wc -l <err)" -eq 1 ] || fail "$what: want one line on stderr: $(cat -v err)"
	no_esc "$what" out err
}
# audit: the audit log's details (plain SQLite, or `hub sql` once the database is encrypted).
audit() {
	if head -c 15 hub/hub.db | grep -q 'SQLite format 3'; then
		sqlite3 hub/hub.db 'SELECT detail FROM audit ORDER BY id'
	else
		$F hub sql --home hub --passphrase-file pass 'SELECT detail FROM audit ORDER BY id'
	fi
}

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
$F init --home dev --name tablet --hub hub/hub-card.json --passphrase-file pass >/dev/null
cat >recs.jsonl <<'J'
{"reporter_surname_cyr":"Коваленко","reporter_given_cyr":"Олена","report_date":"2026-09-01","children":[{"child_surname_cyr":"Коваленко"}]}
J
$F capture "$FORM" --from recs.jsonl --home dev >/dev/null
$F export --home dev --to stick --passphrase-file pass >/dev/null
B=$(ls stick/*.fkb)
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
DEV=$(python3 -c 'import json;print(json.load(open("dev/device.json"))["device_id"])')

# 1. The trusted comment's device id as ESC sequences: "imported" over the refusal.
python3 - "$B" forged.fkb "$DEV" <<'PY'
import sys
src, dst, dev = sys.argv[1:4]
b = open(src, "rb").read()
l1 = b.index(b"\n") + 1
l2 = b.index(b"\n", l1) + 1
mz, sl = map(int, b[l1:l2].split())
sig = b[l2 + mz:l2 + mz + sl]
fake = b"\x1b[2K\x1b[1G\x1b[32mimported:_1_new\x1b[8m"
sig2 = sig.replace(b"device=" + dev.encode(), b"device=" + fake)
assert sig2 != sig
open(dst, "wb").write(b[:l1] + b"%d %d\n" % (mz, len(sig2)) + b[l2:l2 + mz] + sig2 +
                      b[l2 + mz + sl:])
PY
run_fail "forged device id in the trusted comment" \
	$F hub import --home hub --passphrase-file pass forged.fkb
grep -q 'device id "\\x1b\[2K\\x1b\[1G\\x1b\[32mimported:_1_new\\x1b\[8m"' err ||
	fail "the refusal does not show the id escaped: $(cat err)"
audit >audit.txt
grep -q 'x1b\[32mimported' audit.txt || fail "no refusal in the audit log: $(cat -v audit.txt)"
no_esc "audit log" audit.txt
reason=$(ls hub/quarantine/*forged.fkb.reason)
grep -q 'x1b\[32mimported' "$reason" || fail "reason file: $(cat -v "$reason")"
no_esc "reason file" "$reason"
ok "forged device id: refused, and the error, the audit row and the .reason file escaped"

# 2. bundle info on a manifest whose "created" holds ESC (unsigned: info shows it).
python3 - "$B" created.fkb <<'PY'
import json, subprocess, sys
src, dst = sys.argv[1:3]
b = open(src, "rb").read()
l1 = b.index(b"\n") + 1
l2 = b.index(b"\n", l1) + 1
mz, sl = map(int, b[l1:l2].split())
m = json.loads(subprocess.run(["zstd", "-qdc"], input=b[l2:l2 + mz], capture_output=True,
                              check=True).stdout)
m["created"] = "2026\u001b[2J\u001b[Hsig: good\u202e"
z = subprocess.run(["zstd", "-q", "-c"], input=json.dumps(m).encode(), capture_output=True,
                   check=True).stdout
open(dst, "wb").write(b[:l1] + b"%d %d\n" % (len(z), sl) + z + b[l2 + mz:])
PY
set +e
$F bundle info created.fkb >out 2>err
set -e
no_esc "bundle info" out err
if grep -q '^created:' out; then
	grep -q 'x1b\[2J' out || fail "bundle info: created not shown escaped: $(cat -v out)"
else
	grep -q "creation time is malformed" err || fail "bundle info: $(cat err)"
fi
ok "bundle info of a manifest with ESC in \"created\": $(cat out err | tr '\n' ' ' | cut -c1-120)"
$F bundle info "$B" >out
grep -q "^device: *$DEV" out || fail "bundle info of the genuine bundle: $(cat out)"

# 3. A device card whose name holds ESC, a tab and a newline (device.json edited).
cp -a dev dev2
python3 - dev2/device.json <<'PY'
import json, sys, uuid
d = json.load(open(sys.argv[1]))
d["name"] = "tab\tx\x1b[2K\x1b[1Gforged\nrow\u202e"
d["device_id"] = str(uuid.uuid4())
json.dump(d, open(sys.argv[1], "w"))
PY
$F device-card --home dev2 --to evil.card --passphrase-file pass >/dev/null 2>&1 ||
	fail "device-card from an edited device.json"
$F hub devices list --home hub >before.txt
run_fail "device card with ESC, tab and newline in its name" $F hub devices add evil.card --home hub
grep -q 'tab\\x09x\\x1b\[2K\\x1b\[1Gforged\\x0arow\\u{202e}' err || fail "refusal: $(cat err)"
$F hub devices list --home hub >after.txt
cmp -s before.txt after.txt || fail "the refused card changed the device list"
no_esc "devices list" after.txt
[ "$(wc -l <after.txt)" -eq 1 ] || fail "device list: $(cat -v after.txt)"
ok "device card with control characters in its name refused at registration"

# 4. A hub card whose name holds ESC; names with control characters on the command line.
python3 - hub/hub-card.json evil-hub.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["name"] = "Kyiv\u001b[2J\u001b[Hhub"
json.dump(c, open(sys.argv[2], "w"))
PY
run_fail "hub card with ESC in its name" $F init --home dev3 --hub evil-hub.json --passphrase-file pass
grep -q 'Kyiv\\x1b\[2J\\x1b\[Hhub' err || fail "init --hub refusal: $(cat err)"
[ ! -e dev3/device.json ] || fail "a device was set up with the hub card"
run_fail "init --name with ESC" $F init --home dev4 --name "$(printf 'a\033[2Jb')" \
	--hub hub/hub-card.json --passphrase-file pass
run_fail "hub init --name with ESC" $F hub init --home hub2 --name "$(printf 'a\033[2Jb')" \
	--passphrase-file pass
ok "hub card and command-line names with control characters refused"

# 5. ack: a receipt from a hub whose name, as the device stored it, holds ESC.
python3 - dev/device.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["hubs"][0]["name"] = "Kyiv\u001b[2J\u001b[Hhub"
json.dump(d, open(sys.argv[1], "w"))
PY
python3 - "$DEV" body.json <<'PY'
import json, sys
json.dump({"type": "fieldkit-receipt", "version": 1, "hub": "Kyiv\u001b[2J\u001b[Hhub",
           "device_id": sys.argv[1], "created": "2026-09-02T10:00:00Z", "records": []},
          open(sys.argv[2], "w"), separators=(",", ":"))
PY
$F sig sign -s hub/sign.key -m body.json -x body.sig -c "fieldkit signed document" \
	-t "fieldkit-receipt hub=Kyiv device=$DEV" --passphrase-file pass >/dev/null
{ printf 'fieldkit-receipt v1\n%s %s\n' "$(stat -c %s body.json)" "$(stat -c %s body.sig)"
  cat body.json body.sig; } >evil.fkr
$F ack --home dev evil.fkr >out 2>err || fail "ack: $(cat -v err)"
no_esc "ack" out err
grep -q 'Kyiv\\x1b\[2J\\x1b\[Hhub' out || fail "ack does not show the hub name escaped: $(cat out)"
ok "ack shows a stored hub name with ESC escaped: $(cat out)"

# 6. QR receive naming an image whose file name holds ESC.
img="x$(printf '\033')[2Jy.png"
printf 'not a png' >"$img"
run_fail "qr receive of an image named with ESC" $F qr receive --images "$img" -o got.bin
run_fail "qr receive of a missing image named with ESC" $F qr receive --images "missing$img" -o got.bin
ok "qr receive messages about an image named with ESC escaped: $(cat err)"
finish
