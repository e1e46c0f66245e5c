#!/usr/bin/env bash
# ux_pass.sh - a new key gets a passphrase of at least 8 characters (UTF-8
# code points, not bytes), from the terminal or a passphrase file; unlocking
# takes any passphrase the key was made with.
set -eu
. "$(dirname "$0")/lib/common.sh"
cd "$T"
hub_env
unset FIELDKIT_PASSPHRASE_FILE
printf 'pw\n' >short && chmod 600 short
printf 'пароль1\n' >short7 && chmod 600 short7   # 7 letters, 13 bytes
printf 'пароль12\n' >ok8 && chmod 600 ok8          # 8 letters

expect_fail "hub init with a 2-character passphrase" $F hub init --home h1 --name H --passphrase-file short
grep -q "at least 8 characters" "$T/err" || fail "message: $(cat "$T/err")"
[ ! -e h1/hub-card.json ] || fail "a hub was made with a short passphrase"
expect_fail "hub init with 7 Cyrillic letters (13 bytes)" $F hub init --home h1 --name H --passphrase-file short7
FIELDKIT_PASSPHRASE_FILE=$PWD/short expect_fail "hub init, FIELDKIT_PASSPHRASE_FILE short" \
	$F hub init --home h1 --name H
$F hub init --home hub --name H --passphrase-file ok8 >/dev/null
ok "hub init takes 8 Cyrillic letters"
expect_fail "init with a short device passphrase" \
	$F init --home dev --hub hub/hub-card.json --passphrase-file short
[ ! -e dev ] || [ -z "$(ls dev)" ] || fail "a device was made with a short passphrase: $(ls dev)"
LANGUAGE=uk expect_fail "init, short, in Ukrainian" \
	$F init --home dev --hub hub/hub-card.json --passphrase-file short7
grep -q "щонайменше 8 символів" "$T/err" || fail "Ukrainian message: $(cat "$T/err")"
$F init --home dev --hub hub/hub-card.json --passphrase-file pass >/dev/null
ok "init with a long passphrase"
# init into a home that has a device: refused before any passphrase is asked.
$PTY 'пароль12' 'пароль12' -- $F init --home dev --hub hub/hub-card.json >tty.out 2>&1 &&
	fail "init over an existing device"
grep -q "a device is already set up in dev" tty.out || fail "init over a device: $(cat tty.out)"
! grep -qi "passphrase" tty.out || fail "a passphrase was asked for nothing: $(cat tty.out)"
ok "init over an existing device: refused before asking a passphrase"
expect_fail "sig keygen with a short passphrase" $F sig keygen -p k.pub -s k.key --passphrase-file short
[ ! -e k.key ] || fail "sig keygen wrote a key"
$F sig keygen -p k.pub -s k.key --passphrase-file ok8 >/dev/null
ok "sig keygen with 8 characters"
# On a terminal: said why at once (not after typing it twice), and asked again.
$PTY pw 'пароль12' 'пароль12' -- $F hub init --home h2 --name H >tty.out 2>&1 ||
	fail "hub init on a terminal after a short passphrase: $(cat tty.out)"
grep -q "too short: use at least 8 characters" tty.out || fail "no reason on the terminal: $(cat tty.out)"
[ "$(grep -c "Repeat the passphrase" tty.out)" = 1 ] || fail "the short one was asked twice: $(cat tty.out)"
[ -f h2/hub-card.json ] || fail "no hub after the second answer"
$PTY a b c -- $F init --home d3 --hub hub/hub-card.json >tty.out 2>&1 &&
	fail "init took a short passphrase on a terminal"
[ "$(grep -c "too short" tty.out)" -ge 3 ] || fail "three tries: $(cat tty.out)"
ok "on a terminal a short passphrase is refused with the reason and asked again (3 tries)"
# Unlocking is not checked: an age identity sealed with a 2-character passphrase opens.
$F keygen -o id.key 2>/dev/null
$F age -p --passphrase-file short -o id.key.age id.key
printf 'hello\n' >m
$F age -r "$($F keygen -y id.key)" -o m.age m
$F age -d -i id.key.age --passphrase-file short m.age | cmp - m || fail "short passphrase unlock"
ok "a key sealed with a short passphrase still unlocks"
$F device-card --home dev --to dev.card --passphrase-file pass >/dev/null
ok "the device unlocks"
finish
