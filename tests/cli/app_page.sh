#!/usr/bin/env bash
# app_page.sh - the page of `fieldkit app` without a browser: every word it
# uses is there in English and Ukrainian; it never builds HTML from text,
# never evaluates strings as code, never uses the browser's storage, loads
# nothing from elsewhere (no CDN, no web fonts); the binary serves exactly the
# files of web/www with their types; the app refuses to listen beyond
# loopback, answers --help in both languages, and stops cleanly on SIGINT.
set -eu
. "$(dirname "$0")/lib/common.sh"
WWW=$FK_SRC/web/www
python3 - "$WWW" <<'PY' || fail "the page's sources"
import os, re, sys
www = sys.argv[1]
js = open(os.path.join(www, "app.js"), encoding="utf-8").read()
i18n = open(os.path.join(www, "i18n.js"), encoding="utf-8").read()
blocks = dict(re.findall(r"\n\t(en|uk): \{(.*?)\n\t\}", i18n, re.S))
assert set(blocks) == {"en", "uk"}, blocks.keys()
keys = {l: set(re.findall(r"^\t\t([a-z0-9_]+):", b, re.M)) for l, b in blocks.items()}
assert keys["en"] == keys["uk"], ("only in one language", sorted(keys["en"] ^ keys["uk"]))
used = set(re.findall(r"\bt\('([a-z0-9_]+)'", js))
missing = used - keys["en"]
assert not missing, ("used but not defined", sorted(missing))
unused = keys["en"] - used
assert not unused, ("defined but not used", sorted(unused))
for l, b in blocks.items():
    for k, v in re.findall(r"^\t\t([a-z0-9_]+): '(.*)',$", b, re.M):
        n_en = len(set(re.findall(r"\{\d\}", dict(re.findall(r"^\t\t([a-z0-9_]+): '(.*)',$", blocks["en"], re.M))[k])))
        assert len(set(re.findall(r"\{\d\}", v))) == n_en, ("placeholders differ", l, k)
code = re.sub(r"/\*.*?\*/", "", js, flags=re.S)
code = re.sub(r"(?m)^\s*//.*$", "", code)
for bad in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
            "localStorage", "sessionStorage", "indexedDB.open", "document.cookie =", "setAttribute('style'",
            "style:"]:
    assert bad not in code, bad
for f in os.listdir(www):
    text = open(os.path.join(www, f), encoding="utf-8").read()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text.replace("http://www.w3.org/2000/svg", "")), (f, "a URL elsewhere")
    assert "@import" not in text and "@font-face" not in text, f
print("  %d words in both languages, all used; no HTML from text, no eval, no storage, nothing from elsewhere" % len(keys["en"]))
PY
ok "the page's words are complete in both languages; no HTML built from text, no storage, no CDN"

cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10
printf 'pw of the tests\n' >pass && chmod 600 pass
$F hub init --home hub --name hub --passphrase-file pass >/dev/null
$F init --home dev --name "tablet 1" --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F app --help | grep -q "Usage: fieldkit app" || fail "app --help"
LANGUAGE=uk $F app --help | grep -q "Використання: fieldkit app" || fail "app --help in Ukrainian"
expect_fail "--listen beyond loopback" $F app --home dev --listen 0.0.0.0:8080
expect_fail "--listen on a LAN address" $F app --home dev --listen 192.168.1.5:8080
expect_fail "--listen malformed" $F app --home dev --listen 127.0.0.1:http
expect_fail "--lock-after malformed" $F app --home dev --lock-after soon
expect_fail "an unknown form" $F app --home dev --form no-such-form
expect_fail "no device" $F app --home nodevice
ok "--help in both languages; non-loopback, malformed options, unknown forms and a missing device refused"

mkfifo app.fifo
$F app --home dev --listen 127.0.0.1:0 --form "$FK_TESTDATA/capture-test.json" >app.fifo 2>err &
APP=$!
trap 'kill $APP 2>/dev/null || true; rm -rf "$T"' EXIT
exec 3<app.fifo
read -r -t 20 line <&3 || fail "app did not start: $(cat err)"
cat <&3 >rest &
READER=$!
URL=$(echo "$line" | grep -o 'http://127\.0\.0\.1:[0-9]*/[A-Za-z0-9_-]*/') || fail "no address: $line"
for f in "$WWW"/*; do
	n=$(basename "$f")
	curl -s -D h -o got "$URL$n" || fail "GET $n"
	cmp -s got "$f" || fail "$n served differs from web/www/$n"
	grep -qi '^Cache-Control: no-store' h || fail "$n without no-store"
	case $n in
	*.js) want='text/javascript' ;; *.css) want='text/css' ;; *.html) want='text/html' ;; *.svg) want='image/svg+xml' ;;
	esac
	grep -qi "^Content-Type: $want" h || fail "$n served as $(grep -i '^Content-Type' h)"
done
curl -s -o got "$URL" && cmp -s got "$WWW/index.html" || fail "the address does not give index.html"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${URL}../etc/passwd")" = 404 ] || fail "a path outside the page"
[ "$(curl -s -o /dev/null -w '%{http_code}' "${URL}api/forms")" = 423 ] || fail "forms before the passphrase"
ok "the binary serves web/www byte for byte with its types; nothing else, nothing before the passphrase"

# Uploads through HTTP: refused at once when too large, refused when the content
# is not its type, kept (sealed, as a pending file) when it is.
post() { curl -s -X POST -H 'Content-Type: application/json' -d "$2" "${URL}api/$1"; }
post unlock '{"passphrase":"pw of the tests"}' | grep -q '"ok": *true' || fail "unlock"
RID=$(post records '{"form":"capture-test"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["rid"])')
head -c 20000000 /dev/zero >big
start=$(date +%s%N)
[ "$(curl -s -o res -w '%{http_code}' -H 'Content-Type: image/jpeg' --data-binary @big "${URL}api/r/$RID/attach?p=photo&name=big.jpg")" = 413 ] ||
	fail "a 20 MB photo was not refused: $(cat res)"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'not a png' >fake.png
[ "$(curl -s -o res -w '%{http_code}' -H 'Content-Type: image/png' --data-binary @fake.png "${URL}api/r/$RID/attach?p=photo&name=fake.png")" = 415 ] ||
	fail "a file that is not what its type says was kept: $(cat res)"
printf '\x89PNG\r\n\x1a\n0123456789' >small.png
[ "$(curl -s -o res -w '%{http_code}' -H 'Content-Type: image/png' --data-binary @small.png "${URL}api/r/$RID/attach?p=photo&name=small.png")" = 200 ] ||
	fail "a PNG was refused: $(cat res)"
[ "$(ls dev/pending | wc -l)" = 1 ] || fail "want one pending file"
grep -q 0123456789 dev/pending/* && fail "the pending file holds the photo in clear"
ok "uploads: 20 MB refused at once ($ms ms), a file not of its type refused, a PNG kept sealed as a pending file"
kill -INT $APP
wait $APP || fail "app exit status $? on SIGINT"
wait $READER # the reader copies the app's last lines once the app has closed its end
grep -q "stopped" rest || fail "no 'stopped' line"
finish
