#!/usr/bin/env bash
# options.sh - the one option parser every command shares (cli/cli_opts.c):
# exact names only (no abbreviations), one line and exit status 2 for an
# unknown option, a missing value or an unknown sub-command; --opt=value and
# -oVALUE; options before and after the arguments; `--`; each sub-command's own
# --help (in Ukrainian too); and honest exit statuses of hub gaps, hub
# conflicts and hub import.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
F=$FIELDKIT
export FIELDKIT_SCRYPT_LOGN=10 FIELDKIT_SCHEMAS=$FK_SRC/tests/data
FORM=$FK_SRC/tests/data/capture-test.json
printf 'pw of the tests\n' >pass && chmod 600 pass
# The hub commands read the hub passphrase from here (restic's convention).
export FIELDKIT_PASSPHRASE_FILE="$PWD/pass"

# status WANT DESCRIPTION CMD...: the command exits with WANT (output in
# $T/out and $T/err).
status() {
	want=$1 desc=$2; shift 2
	set +e
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "$desc: exit status $rc (want $want); stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
}
# usage_error DESCRIPTION PATTERN CMD...: exit status 2, one line on stderr
# matching PATTERN, nothing on stdout.
usage_error() {
	desc=$1 pat=$2; shift 2
	status 2 "$desc" "$@"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$desc: want one line on stderr, got: $(cat "$T/err")"
	grep -q -- "$pat" "$T/err" || fail "$desc: stderr lacks '$pat': $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$desc: wrote to stdout: $(cat "$T/out")"
	ok "$desc: $(cat "$T/err")"
}

$F hub init --home=hub --name=Hub --passphrase-file=pass >/dev/null
[ -f hub/hub-card.json ] || fail "hub init with --opt=value"
ok "hub init --home=DIR --name=NAME --passphrase-file=FILE"

# Abbreviations are refused: exactly one line, exit 2, and nothing done.
usage_error "hub export --form (for --format)" \
	"fieldkit: hub export: unknown option --form (see: fieldkit hub export --help)" \
	$F hub export --home hub --form csv --to exported
[ ! -e exported ] || fail "hub export wrote something after a usage error"
usage_error "hub list --dev (for --device)" "unknown option --dev " $F hub list --home hub --dev x
usage_error "age --arm (for --armor)" "age: unknown option --arm " $F age --arm -p /dev/null
usage_error "sig verify --mess (for --message)" "sig verify: unknown option --mess " \
	$F sig verify -P x --mess data
usage_error "qr send --term (for --terminal)" "qr send: unknown option --term " \
	$F qr send /etc/hostname --term
usage_error "capture --att (for --attach)" "capture: unknown option --att " \
	$F capture "$FORM" --att photo=x
usage_error "an option of another sub-command" "hub list: unknown option --format" \
	$F hub list --home hub --format csv
usage_error "unknown short option" "age: unknown option -z " $F age -dz
usage_error "a flag given a value" "option --armor takes no value" $F age --armor=yes -p /dev/null
usage_error "unknown option at the top" "fieldkit: unknown option --frob" $F --frob
# A value option twice with two values: refused (the last is not silently
# taken: a script would import into the wrong hub); twice the same is fine.
usage_error "--home twice" "hub list: option --home given twice, with two values" \
	$F hub list --home hub --home elsewhere
$F hub list --home hub --home hub --passphrase-file pass >/dev/null || fail "--home twice, the same"

# A missing value: one line, never taken from the next option.
usage_error "--to at the end" "hub export: option --to needs a value" \
	$F hub export --home hub --format csv --to
usage_error "--to followed by an option" "hub export: option --to needs a value" \
	$F hub export --home hub --to --format csv
[ ! -e ./--format ] || fail "--to took the next option as its value"
usage_error "-o at the end" "age: option -o needs a value" $F age -p -o
usage_error "sig sign -x at the end" "sig sign: option -x needs a value" $F sig sign -s k -m f -x
usage_error "--home before the sub-command" "hub: option --home needs a value" $F hub --home

# Unknown and missing sub-commands name the choices.
usage_error "hub frob" "hub: unknown command 'frob' (one of: init, devices, import" $F hub frob
usage_error "hub devices frob" "hub devices: unknown command 'frob' (one of: add, list, revoke, unrevoke)" \
	$F hub devices frob
usage_error "hub without a command" "hub: say which command: init, devices" $F hub
for c in bundle qr schema sig; do
	usage_error "$c frob" "$c: unknown command 'frob'" $F $c frob
done
usage_error "fieldkit help frob" "unknown command 'frob'" $F help frob
usage_error "an unexpected argument" "hub gaps: unexpected argument 'x'" $F hub gaps --home hub x

# Each sub-command's own help, on stdout, exit 0; the overview for the command.
$F hub --help | grep -q "^Commands:" || fail "hub --help: no overview"
$F hub import --help >h.txt
grep -q "^Usage: fieldkit hub import FILE|DIR" h.txt || fail "hub import --help: $(head -1 h.txt)"
grep -q -- "--qr IMAGE|DIR" h.txt || fail "hub import --help lacks --qr"
grep -q "^Commands:" h.txt && fail "hub import --help printed the overview"
[ "$($F hub import -h)" = "$(cat h.txt)" ] || fail "-h differs from --help"
[ "$($F help hub import)" = "$(cat h.txt)" ] || fail "fieldkit help hub import differs from hub import --help"
[ "$($F help hub devices add)" = "$($F hub devices add --help)" ] || fail "fieldkit help hub devices add"
[ "$($F help capture)" = "$($F capture --help)" ] || fail "fieldkit help capture"
[ "$($F hub help import)" = "$(cat h.txt)" ] || fail "hub help import"
[ "$($F hub --home hub import --help)" = "$(cat h.txt)" ] || fail "--home before import --help"
for sub in init import list show export gaps conflicts receipt; do
	$F hub $sub --help | head -1 | grep -q "^Usage: fieldkit hub $sub" || fail "hub $sub --help"
done
for sub in add list revoke; do
	$F hub devices $sub --help | head -1 | grep -q "^Usage: fieldkit hub devices $sub" ||
		fail "hub devices $sub --help"
done
$F hub gaps --help | grep -q "Exit status: 0 when every chain is complete, 1 when" ||
	fail "hub gaps --help does not say its exit status"
for sub in info verify unpack; do
	$F bundle $sub --help | head -1 | grep -q "^Usage: fieldkit bundle $sub" || fail "bundle $sub --help"
done
for sub in check validate build show; do
	$F schema $sub --help | head -1 | grep -q "^Usage: fieldkit schema $sub" || fail "schema $sub --help"
done
$F qr send --help | grep -q -- "--terminal" || fail "qr send --help"
$F sig verify --help | head -1 | grep -q "^Usage: fieldkit sig verify" || fail "sig verify --help"
for c in age keygen capture demo export ack device-card init list status drafts; do
	$F $c --help | grep -q "^Usage" || fail "$c --help"
done
$F help hub | grep -q "^Commands:" || fail "fieldkit help hub"
ok "each sub-command's own --help (hub, hub devices, bundle, schema, qr, sig), -h, help SUB"
LANGUAGE=uk $F hub import --help | head -1 | grep -q "^Використання: fieldkit hub import" ||
	fail "Ukrainian hub import --help: $(LANGUAGE=uk $F hub import --help | head -1)"
LANGUAGE=uk $F hub gaps --help | grep -q "Код виходу" || fail "Ukrainian hub gaps --help"
set +e
LANGUAGE=uk $F hub export --home hub --form csv 2>uk.err
set -e
grep -q "невідомий параметр --form" uk.err || fail "Ukrainian usage error: $(cat uk.err)"
ok "help and usage errors in Ukrainian: $(cat uk.err)"

# --opt=value, -oVALUE, options after the arguments, flags clustered, `--`.
$F keygen --output=id.key 2>/dev/null
PUB=$($F keygen -y id.key)
printf 'hello\n' >msg
$F age --recipient="$PUB" --output=msg.age msg
$F age -di id.key -omsg.out -- msg.age
cmp msg msg.out || fail "age round trip with --opt=value, -oVALUE, -di, --"
$F age msg -r "$PUB" -a >msg.asc
$F age --decrypt msg.asc --identity=id.key | cmp - msg || fail "options after the input"
ok "--opt=value, -oVALUE, clustered flags, options after arguments, --"
printf 'x\n' >./-dash
$F age -r "$PUB" -o dash.age -- -dash && $F age -d -i id.key dash.age | cmp - ./-dash ||
	fail "a file named -dash after --"
ok "an argument that looks like an option after --"

# Honest exit statuses: hub gaps, hub conflicts, hub import.
$F init --home dev --hub hub/hub-card.json --passphrase-file pass >/dev/null
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
$F hub devices add dev.card --home hub >/dev/null
status 0 "gaps of an empty hub" $F hub gaps --home hub
grep -q "no gaps" "$T/out" || fail "gaps: $(cat "$T/out")"
status 0 "conflicts of an empty hub" $F hub conflicts --home hub
grep -q "no conflicts" "$T/out" || fail "conflicts: $(cat "$T/out")"
for i in 1 2 3; do
	echo '{"reporter_surname_cyr":"Бондар","reporter_given_cyr":"Марія","report_date":"2026-09-0'$i'","children":[{"child_surname_cyr":"Бондар"}]}'
done >r.jsonl
$F capture "$FORM" --from r.jsonl --home dev >/dev/null
$F export --home dev --to split --max-size 3000 --passphrase-file pass >/dev/null
[ "$(ls split/*.fkb | wc -l)" -eq 2 ] || fail "want two bundles"
last=
for b in split/*.fkb; do
	if $F bundle info "$b" | grep -q 'sequence 3 to 3'; then last=$b; fi
done
[ -n "$last" ] || fail "no bundle holds record 3 alone"
$F hub import --home hub --passphrase-file pass "$last" >/dev/null
status 1 "hub gaps with records 1 and 2 missing" $F hub gaps --home hub
grep -q "records 1 to 2 missing" "$T/out" || fail "gaps output: $(cat "$T/out")"
ok "hub gaps exits 1 when records are missing: $(cat "$T/out")"
$F hub import --home hub --passphrase-file pass split >/dev/null
status 0 "hub gaps once every record arrived" $F hub gaps --home hub
ok "hub gaps exits 0 once the chain is complete"

mkdir empty
expect_fail "hub import of a folder without bundles" \
	$F hub import --home hub --passphrase-file pass empty
[ "$rc" -eq 1 ] || fail "import of an empty folder: exit $rc (want 1)"
grep -q "no \*.fkb bundles in empty" "$T/err" || fail "message: $(cat "$T/err")"
status 1 "a folder without bundles among good bundles" \
	$F hub import --home hub --passphrase-file pass empty split
grep -q "0 new, 2 duplicates" "$T/out" || fail "the good bundles were not imported: $(cat "$T/out")"
ok "hub import exits 1 when a folder holds no bundles, and still imports the rest"
status 1 "hub import of a missing file" $F hub import --home hub --passphrase-file pass nothing.fkb
ok "hub import exits 1 for a missing file"
# `fieldkit --help` lists every command, and every hub command on a line of
# its own with its summary; each one's --help (and `fieldkit help CMD`)
# works in both languages.
set +e
choices=$($F hub frob 2>&1 | sed -n "s/.*(one of: \([^)]*\)).*/\1/p" | tr -d ',')
set -e
[ -n "$choices" ] || fail "no hub command choices"
for lang in en uk; do
	LANGUAGE=$lang $F --help >top.$lang
	[ "$($F help)" = "$($F --help)" ] || fail "fieldkit help differs from --help"
	cmds=$(sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p' top.$lang)
	[ "$(echo "$cmds" | wc -l)" -ge 18 ] || fail "--help ($lang) lists too few commands: $cmds"
	for c in $cmds; do
		LANGUAGE=$lang $F $c --help >c.txt || fail "$c --help ($lang) exit $?"
		head -1 c.txt | grep -q "^\(Usage\|Використання\)" || fail "$c --help ($lang): $(head -1 c.txt)"
		[ "$(LANGUAGE=$lang $F help $c)" = "$(cat c.txt)" ] || fail "fieldkit help $c ($lang)"
		[ $lang = en ] || ! grep -q "^Usage\|^Options:" c.txt || fail "$c --help is English in uk"
	done
	for s in $choices; do
		grep -q "^  hub $s  *[^ ]" top.$lang || fail "fieldkit --help ($lang) lacks hub $s: $(cat top.$lang)"
		LANGUAGE=$lang $F hub $s --help >c.txt || fail "hub $s --help ($lang)"
		head -1 c.txt | grep -q "^\(Usage\|Використання\): fieldkit hub $s" ||
			fail "hub $s --help ($lang): $(head -1 c.txt)"
		[ $lang = en ] || ! grep -q "^Usage\|^Options:" c.txt || fail "hub $s --help is English in uk"
	done
done
grep -q "^Використання: fieldkit КОМАНДА" top.uk || fail "Ukrainian usage line: $(head -1 top.uk)"
ok "fieldkit --help lists $(echo $cmds | wc -w) commands and $(echo $choices | wc -w) hub commands with summaries; each --help in en and uk"
finish
