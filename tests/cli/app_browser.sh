#!/usr/bin/env bash
# app_browser.sh - `fieldkit app` in a real browser: headless Chromium (Debian's
# chromium, driven by puppeteer-core) fills both forms in both languages
# (tests/browser/app_test.js); then the records travel to a hub (export,
# hub import) and the hub must open exactly what was entered, with the photo
# kept and without the photo removed; and nothing readable is left in the
# browser's profile, the device home or TMPDIR. Screenshots of every page go
# to $FK_SHOTS (the build folder's app-shots/).
# Skipped (exit 77) where chromium, node or puppeteer-core are missing.
set -eu
. "$(dirname "$0")/lib/common.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
NODE=$(command -v node || true)
NODE_DIR=${FK_NODE_MODULES:-}
skip() { echo "SKIP - $*"; exit 77; }
[ -n "$CHROMIUM" ] || skip "no chromium (packaging/setup-deps.sh installs it)"
[ -n "$NODE" ] || skip "no node (packaging/setup-deps.sh installs nodejs)"
[ -n "$NODE_DIR" ] && [ -d "$NODE_DIR/puppeteer-core" ] ||
	skip "no puppeteer-core in ${NODE_DIR:-FK_NODE_MODULES} (the test set-up runs npm ci)"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10
SHOTS=${FK_SHOTS:-$T/shots}
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
printf 'pw of the tablet\n' >pass && chmod 600 pass
# The app, node and Chromium get a temporary folder of their own, searched at the end.
mkdir tmp

$F hub init --home hub --name "Kyiv hub" --passphrase-file pass >/dev/null
$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub --passphrase-file pass >/dev/null

# The photos: a JPEG attached and removed, a PNG that stays.
python3 - <<'PY'
import struct, zlib, os
def png(path, w, h, seed):
    raw = b"".join(b"\0" + b"".join(bytes(((x * seed + y * 7) & 255, (x ^ y) & 255, (y * seed) & 255)) for x in range(w)) for y in range(h))
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
png("returned.png", 320, 240, 3)
# a small JPEG: SOI, a comment, EOI is enough for the type check; the page shows what it can
open("removed.jpg", "wb").write(b"\xff\xd8\xff\xfe\x00\x10removed photo!!" + os.urandom(3000) + b"\xff\xd9")
PY

# The app, on a free loopback port; its first line says where. It is started in
# Ukrainian (FIELDKIT_LANG=uk) and the browser is English: the page opens in Ukrainian.
mkfifo app.fifo
FIELDKIT_LANG=uk TMPDIR=$T/tmp FIELDKIT_SCHEMAS=$FK_SRC/schemas $F app --home dev --listen 127.0.0.1:0 --lock-after 0 >app.fifo 2>app.err &
APP=$!
trap 'kill $APP 2>/dev/null || true; rm -rf "$T"' EXIT
exec 3<app.fifo
read -r -t 20 line <&3 || fail "app did not start: $(cat app.err)"
URL=$(echo "$line" | grep -o 'http://127\.0\.0\.1:[0-9]*/[A-Za-z0-9_-]\{43\}/') || fail "no address in: $line"
cat <&3 >app.out &
READER=$!
ok "fieldkit app listens at 127.0.0.1 with a secret of 43 characters in the address"

# Refused: no secret, a wrong one, another Host, another Origin, locked API.
PORT=$(echo "$URL" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|')
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "http://127.0.0.1:$PORT/")" = 404 ] || fail "served without the secret"
[ "$(code "http://127.0.0.1:$PORT/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")" = 404 ] || fail "served with a wrong secret"
[ "$(code -H 'Host: attacker.example' "$URL")" = 421 ] || fail "served to another Host (DNS rebinding)"
[ "$(code -H 'Origin: http://attacker.example' -X POST -d '{}' "${URL}api/unlock")" = 403 ] || fail "served another Origin"
[ "$(code "${URL}api/drafts")" = 423 ] || fail "drafts listed before the passphrase"
[ "$(code -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Dest: empty' "${URL}api/status")" = 403 ] ||
	fail "the API answered a fetch from another site"
[ "$(code -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: no-cors' -H 'Sec-Fetch-Dest: script' "${URL}app.js")" = 403 ] ||
	fail "the script served to another site"
[ "$(code -H 'Sec-Fetch-Site: cross-site' -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Dest: document' "$URL")" = 200 ] ||
	fail "a link to the page from elsewhere (what --open does) refused"
[ "$(code "$URL")" = 200 ] || fail "the page"
curl -s -D headers -o /dev/null "${URL}api/status"
grep -qi '^Cache-Control: no-store' headers || fail "no Cache-Control: no-store"
grep -qi "^Content-Security-Policy: default-src 'none'" headers || fail "no CSP"
ok "refused: no secret, a wrong secret, another Host, another Origin, fetches from another site; API locked; no-store and CSP on every answer"

mkdir profile
TMPDIR=$T/tmp NODE_PATH=$NODE_DIR CHROMIUM=$CHROMIUM "$NODE" "$FK_SRC/tests/browser/app_test.js" "$URL" "$T/profile" "$SHOTS" \
	"$T/expected.json" "$T/removed.jpg" "$T/returned.png" "$(head -1 pass)" >browser.out 2>&1 ||
	fail "browser: $(cat browser.out)"
sed 's/^/  /' browser.out
ok "both forms filled in Chromium, both languages, $(ls "$SHOTS" | wc -l) screenshots in $SHOTS"

kill -TERM $APP
wait $APP || fail "app exit status $?"
wait $READER # the reader copies the app's last lines once the app has closed its end
grep -Eq "stopped|зупинено" app.out || fail "app did not stop cleanly: $(cat app.out)"
[ "$(grep -Ec 'sealed for the hub|запечатано для хабу' app.out)" = 2 ] || fail "want two records sealed: $(cat app.out)"
[ "$($F drafts --home dev | grep -c .)" -le 1 ] || fail "drafts left: $($F drafts --home dev)"
[ -z "$(ls -A dev/pending 2>/dev/null)" ] || fail "pending files left: $(ls dev/pending)"
[ "$(sqlite3 dev/store.db 'select count(*) from records')" = 2 ] || fail "two records in the store"
ok "app stopped on SIGTERM; 2 records sealed, no draft and no pending file left"

# At the hub: what was entered, nothing else.
$F export --home dev --to stick --passphrase-file pass >/dev/null
$F hub import --home hub --passphrase-file pass stick | grep -q "2 new" || fail "hub import"
$PTY "$(head -1 pass)" -- age -d -o id.txt hub/identity.age >/dev/null 2>&1 || fail "hub identity"
for i in 0 1; do
	ref=$(python3 -c 'import json,sys; print(json.load(open("expected.json"))["records"][int(sys.argv[1])]["short_ref"].replace("-",""))' $i)
	id=$($F hub sql --home hub --passphrase-file pass "select record_id from records where short_ref = '$ref'")
	[ -n "$id" ] || fail "record $ref not at the hub"
	$F hub show "$id" --home hub --passphrase-file pass >"rec$i.json"
	$F hub sql --home hub --passphrase-file pass "select json_group_array(json_object('att_id', att_id, 'ct_hash', ct_hash, 'size', size, 'field', field, 'media_type', media_type, 'name', name)) from attachments where record_id = '$id' having count(*) > 0" >"att$i.json"
	for h in $($F hub sql --home hub --passphrase-file pass "select ct_hash from attachments where record_id = '$id'"); do
		age -d -i id.txt "hub/files/$h.age" >"att-$h" || fail "attachment $h"
	done
done
python3 - <<'PY' || fail "the hub's records differ from what was entered"
import json, os, sys
exp = json.load(open("expected.json"))
removed = open("removed.jpg", "rb").read()
for i, want in enumerate(exp["records"]):
    rec = json.load(open("rec%d.json" % i))
    atts = json.load(open("att%d.json" % i)) if os.path.getsize("att%d.json" % i) else []
    assert rec["form_id"] == want["form"], rec["form_id"]
    got = rec["answers"]
    def walk(w, g, path):
        assert isinstance(g, type(w)) or (isinstance(w, dict) and isinstance(g, dict)), (path, w, g)
        if isinstance(w, dict) and ("camera" in w or "file" in w):
            assert set(g) == {"id", "media_type", "size", "name"}, (path, g)
            a = [x for x in atts if x["att_id"] == g["id"]]
            assert len(a) == 1 and a[0]["field"] == path, (path, a)
            body = open("att-" + a[0]["ct_hash"], "rb").read()
            assert len(body) == g["size"] == a[0]["size"], (path, len(body), g["size"])
            if "file" in w:
                assert g["name"] == w["file"] and body == open(w["file"], "rb").read(), path
                assert g["media_type"] == "image/png"
            else:
                assert g["media_type"] == "image/jpeg" and body[:3] == b"\xff\xd8\xff", path
                assert g["name"].startswith("camera-"), g["name"]
            assert body != removed
            return
        if isinstance(w, dict):
            assert set(w) == set(g), (path, sorted(set(w) ^ set(g)))
            for k in w:
                walk(w[k], g[k], (path + "." if path else "") + k)
        elif isinstance(w, list):
            assert len(w) == len(g), (path, len(w), len(g))
            for j, (a, b) in enumerate(zip(w, g)):
                walk(a, b, "%s[%d]" % (path, j))
        else:
            assert w == g, (path, w, g)
    walk(want["answers"], got, "")
    n = sum(1 for _ in atts)
    print("  record %s: %d answers as entered, %d attachment(s)" % (want["short_ref"], len(got), n))
# the removed photo is nowhere at the hub
for f in os.listdir("."):
    if f.startswith("att-"):
        assert open(f, "rb").read() != removed
PY
ok "the hub opens both records exactly as entered; the kept photo byte for byte, the removed one nowhere"

# Nothing readable in the browser's profile, the device home or TMPDIR.
python3 - "$T/profile" "$T/dev" "$T/tmp" <<'PY' || fail "readable personal data left behind"
import os, stat, sys
names = ["Згурська", "Zghurska", "Оксана", "Олена", "Мар'яна", "Mariana", "Маріуполь", "Петрук", "Petruk",
         "Ваня Петров", "Vania Petrov", "Петрук Ганна", "Краковець", "Ягодин", "olena_z", "123 45 67", "501112233"]
needles = set()
for n in names:
    for v in (n, n.lower(), n.upper()):
        for enc in ("utf-8", "utf-16-le", "utf-16-be"):
            needles.add(v.encode(enc))
        if any(ord(c) > 127 for c in v):
            needles.add("".join("\\u%04x" % ord(c) if ord(c) > 127 else c for c in v).encode())
            needles.add("".join("\\u%04X" % ord(c) if ord(c) > 127 else c for c in v).encode())
            needles.add("".join("%%%02X" % b for b in v.encode()).encode())
bad, files = [], 0
for top in sys.argv[1:]:
    for root, dirs, fs in os.walk(top):
        for f in fs:
            p = os.path.join(root, f)
            try:
                if not stat.S_ISREG(os.lstat(p).st_mode):
                    continue  # fifos, sockets, links
                data = open(p, "rb").read()
            except OSError:
                continue
            files += 1
            for n in needles:
                if n in data:
                    bad.append((p, n))
                    break
for p, n in bad:
    print("  found %r in %s" % (n, p))
print("  %d files searched" % files)
sys.exit(1 if bad else 0)
PY
ok "no name, place or phone number in any encoding in the browser profile, the device home or the temporary folder"
finish
