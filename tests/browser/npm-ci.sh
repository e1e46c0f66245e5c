#!/bin/sh
# npm-ci.sh SRC DEST - the set-up of the browser test (ctest fixture
# browser_deps): installs puppeteer-core from SRC/package-lock.json into
# DEST/node_modules with `npm ci` (integrity-checked, no install scripts, no
# browser download), once per lock file. Where node or npm are missing or the
# registry cannot be reached it says so and is skipped (exit 77); the browser
# test then skips too, with its own message.
set -u
src=$1 dst=$2
command -v node >/dev/null 2>&1 || { echo "skipped: no node (packaging/setup-deps.sh installs nodejs)"; exit 77; }
command -v npm >/dev/null 2>&1 || { echo "skipped: no npm (packaging/setup-deps.sh installs npm)"; exit 77; }
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
if [ -d "$dst/node_modules/puppeteer-core" ] && [ "$(cat "$dst/lock.sha256" 2>/dev/null)" = "$want" ]; then
	echo "puppeteer-core is installed in $dst (lock unchanged)"
	exit 0
fi
mkdir -p "$dst" && cp "$src/package.json" "$src/package-lock.json" "$dst/" || exit 1
cd "$dst" || exit 1
if ! PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; then
	echo "skipped: npm ci failed (is the npm registry reachable?)"
	exit 77
fi
echo "$want" >lock.sha256
echo "puppeteer-core installed in $dst/node_modules"
