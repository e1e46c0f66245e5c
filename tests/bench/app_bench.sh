#!/bin/bash
# app_bench.sh - `fieldkit app` as a worker feels it, and what it costs:
# first paint, opening a form, the answer-to-validation round trip (API
# alone and drawn in the page), a 10 MB photo streamed through, and the
# server's peak memory (VmHWM; aim: under 30 MB).
#   FIELDKIT=build/fieldkit FK_SRC=. FK_NODE_MODULES=build/node/node_modules tests/bench/app_bench.sh [ROUNDS]
set -eu
FIELDKIT=${FIELDKIT:-$(pwd)/build/fieldkit}
FK_SRC=${FK_SRC:-$(pwd)}
NODE_DIR=${FK_NODE_MODULES:-$(dirname "$FIELDKIT")/node/node_modules}
ROUNDS=${1:-100}
command -v chromium >/dev/null && command -v node >/dev/null && [ -d "$NODE_DIR/puppeteer-core" ] ||
	{ echo "app bench: needs chromium, node and puppeteer-core in $NODE_DIR (packaging/setup-deps.sh; npm ci)"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/app_bench.XXXXXX")
trap 'kill $APP 2>/dev/null || true; rm -rf "$W"' EXIT
cd "$W"
export FIELDKIT_SCRYPT_LOGN=10
printf 'bench pass\n' >pass && chmod 600 pass
"$FIELDKIT" hub init --home hub --name hub --passphrase-file pass >/dev/null
"$FIELDKIT" init --home dev --name bench --hub hub/hub-card.json --passphrase-file pass >/dev/null
# a 10 MB "photo": a JPEG header and noise
python3 -c 'import os,sys; open("big.jpg","wb").write(b"\xff\xd8\xff\xe0" + os.urandom(10*1024*1024 - 6) + b"\xff\xd9")'
mkfifo out.fifo
FIELDKIT_SCHEMAS=$FK_SRC/schemas "$FIELDKIT" app --home dev --listen 127.0.0.1:0 --lock-after 0 >out.fifo 2>err &
APP=$!
exec 3<out.fifo
read -r -t 20 line <&3 || { echo "app bench: the app did not start: $(cat err)"; exit 1; }
cat <&3 >/dev/null &
URL=$(echo "$line" | grep -o 'http://[^ ]*')
echo "app bench: server started, resident $(awk '/VmRSS/ {print $2 / 1024 " MiB"}' /proc/$APP/status)"
mkdir profile
NODE_PATH=$NODE_DIR node "$FK_SRC/tests/bench/app_bench.js" "$URL" "$W/profile" "$(head -1 pass)" "$W/big.jpg" "$ROUNDS" "$APP"
awk '/VmHWM/ {printf "app bench: server peak memory after the unlock, through the form work and the 10 MB photo (VmHWM): %.1f MiB\n", $2 / 1024} /VmRSS/ {printf "app bench: server resident now %.1f MiB\n", $2 / 1024}' /proc/$APP/status
kill -TERM $APP
wait $APP || true
