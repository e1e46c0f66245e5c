# Shared helpers for the shell tests. Source it after `set -eu`.
: "${FIELDKIT:?FIELDKIT must point at the built binary}"
FK_SRC=${FK_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/fk-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
export FIELDKIT_QUIET=1
pass=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
fail() { echo "FAIL - $*" >&2; exit 1; }
# expect_fail DESCRIPTION CMD...: the command must exit 1 or 2 (not crash) and
# print exactly one line on stderr.
expect_fail() {
	desc=$1; shift
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || [ "$rc" -eq 2 ] || fail "$desc: exit status $rc (want 1 or 2); stderr: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$desc: want one line on stderr, got: $(cat "$T/err")"
	ok "$desc: $(cat "$T/err")"
}
finish() { echo "$(basename "$0" .sh): $pass passed, 0 failed"; }
PTY="python3 $FK_SRC/tests/cli/lib/pty_answer.py"
# A hub test's setting (after cd "$T"): F, a fast scrypt, the test forms, FORM,
# a passphrase file "pass" (pw) that every command reads through
# FIELDKIT_PASSPHRASE_FILE, and rows SQL for `hub sql` on the hub in ./hub.
hub_env() {
	F=$FIELDKIT
	export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
	FORM=$FK_SRC/tests/data/capture-test.json
	printf 'pw of the tests\n' >pass && chmod 600 pass
	export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"
}
rows() { "$FIELDKIT" hub sql --home hub "$1"; }
# After hub_env: a hub in ./hub ("H"), a device in ./dev set up for it, and the
# device registered at the hub (its card in ./dev.card).
hub_and_device() {
	"$FIELDKIT" hub init --home hub --name H >/dev/null
	"$FIELDKIT" init --home dev --hub hub/hub-card.json >/dev/null
	"$FIELDKIT" device-card --home dev --to dev.card >/dev/null
	"$FIELDKIT" hub devices add dev.card --home hub >/dev/null
}
