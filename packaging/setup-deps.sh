#!/bin/sh
# Installs every build and test dependency of fieldkit from Debian 12 packages.
# Idempotent; runs as root without a prompt, or through sudo otherwise.
#   packaging/setup-deps.sh          build + test dependencies (native)
#   packaging/setup-deps.sh --cross  also the arm64 cross toolchain, arm64 libraries, qemu
set -eu

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

LIBS="libsodium-dev libsqlite3-dev libqrencode-dev libzbar-dev libzstd-dev libpng-dev
libjansson-dev libjpeg62-turbo-dev zlib1g-dev libmicrohttpd-dev libzxing-dev libgnutls28-dev
libcurl4-gnutls-dev"
TOOLS="build-essential cmake pkg-config gettext age minisign sqlite3 python3 zbar-tools
zxing-cpp-tools imagemagick time zstd bc chromium curl"
# The browser test of `fieldkit app` drives chromium with puppeteer-core from
# npm (tests/browser): Node.js and npm from Debian unless a node is there already
# (a NodeSource node brings its own npm and conflicts with Debian's).
command -v node >/dev/null 2>&1 || TOOLS="$TOOLS nodejs"
command -v npm >/dev/null 2>&1 || TOOLS="$TOOLS npm"

want="$LIBS $TOOLS"
cross=0
if [ "${1:-}" = "--cross" ]; then
	cross=1
	want="$want gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static"
	# libzbar-dev is not Multi-Arch: same; its arm64 copy would remove the native
	# one, so only the arm64 runtime is installed (cross-arm64.sh writes its .pc).
	for l in $LIBS; do
		[ "$l" = libzbar-dev ] && l=libzbar0
		want="$want $l:arm64"
	done
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$SUDO dpkg --add-architecture arm64
		rm -f /tmp/.fieldkit-apt-updated
	fi
fi

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done

if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "setup: all dependencies present${cross:+ (cross=$cross)}"
