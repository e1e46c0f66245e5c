#!/usr/bin/env bash
# age interop with the real `age` tool, both directions, and the command's
# failure paths: every bad input is a one-line error, never a crash.
set -eu
. "$(dirname "$0")/lib/common.sh"
command -v age >/dev/null || fail "the age tool is not installed (packaging/setup-deps.sh)"
cd "$T"
F=$FIELDKIT

# Keys are interchangeable with age-keygen.
$F keygen -o ours.key 2>ours.pub.txt
[ "$(stat -c %a ours.key)" = 600 ] || fail "identity file not 0600"
ours_pub=$(age-keygen -y ours.key)
grep -q "$ours_pub" ours.pub.txt || fail "age-keygen -y disagrees with our public key"
ok "our identity read by age-keygen -y"
age-keygen -o theirs.key 2>/dev/null
[ "$($F keygen -y theirs.key)" = "$(age-keygen -y theirs.key)" ] || fail "keygen -y"
ok "age-keygen identity read by fieldkit keygen -y"
theirs_pub=$(age-keygen -y theirs.key)

head -c 300000 /dev/urandom >plain
printf '' >empty

# We encrypt, age decrypts.
for input in plain empty; do
	$F age -r "$ours_pub" -r "$theirs_pub" -o ct "$input"
	age -d -i theirs.key ct | cmp - "$input" || fail "age -d of our file ($input)"
	$F age -a -r "$theirs_pub" "$input" >ct.asc
	head -1 ct.asc | grep -q 'BEGIN AGE ENCRYPTED FILE' || fail "armor header"
	age -d -i theirs.key ct.asc | cmp - "$input" || fail "age -d of our armored file ($input)"
done
ok "age -d opens our files (2 recipients, armored, empty)"
printf 'hunter2\n' >pw && chmod 600 pw
$F age -p --passphrase-file pw -o ct.pass plain
$PTY hunter2 -- age -d -o out.pass ct.pass 2>/dev/null || fail "age -d of our passphrase file"
cmp out.pass plain || fail "passphrase round trip via age"
ok "age -d opens our passphrase file"

# age encrypts, we decrypt.
age -e -r "$ours_pub" -o ct2 plain
$F age -d -i ours.key -o out2 ct2 && cmp out2 plain || fail "our -d of age's file"
age -e -a -R <(echo "$ours_pub") plain >ct2.asc
$F age -d -i ours.key ct2.asc | cmp - plain || fail "our -d of age's armored file"
$PTY hunter2 hunter2 -- age -e -p -o ct3 plain >/dev/null 2>&1 || fail "age -p"
$F age -d --passphrase-file pw -o out3 ct3 && cmp out3 plain || fail "our -d of age's passphrase file"
ok "we open age's files (recipient, armored, passphrase)"

# A passphrase-protected identity file made by age opens with -i.
$PTY hunter2 hunter2 -- age -e -p -o ours.key.age ours.key >/dev/null 2>&1 || fail "age -p identity"
chmod 600 ours.key.age
$F age -d -i ours.key.age --passphrase-file pw ct2 | cmp - plain || fail "encrypted identity file"
ok "passphrase-protected identity file opens"

# Failure paths: one line, exit 1/2, no partial output left behind.
head -c 100000 ct2 >trunc
expect_fail "truncated file" $F age -d -i ours.key -o out.trunc trunc
[ ! -e out.trunc ] || fail "partial plaintext left after a failed decryption"
ok "no partial output after failure"
# Flip one bit (writing a fixed byte would change nothing once in 256 runs).
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[200000] ^= 1; open(sys.argv[2], "wb").write(b)' ct2 flipped
cmp -s ct2 flipped && fail "the flipped copy is unchanged"
expect_fail "flipped payload byte" $F age -d -i ours.key -o out.flip flipped
[ ! -e out.flip ] || fail "partial plaintext left after a flipped byte"
expect_fail "wrong key" $F age -d -i theirs.key ct2
printf 'wrong\n' >badpw && chmod 600 badpw
expect_fail "wrong passphrase" $F age -d --passphrase-file badpw ct3
expect_fail "not an age file" $F age -d -i ours.key plain
expect_fail "empty file" $F age -d -i ours.key empty
printf 'age-encryption.org/v1\n-> scrypt c2FsdHNhbHRzYWx0c2FsdA 40\nAAAA\n--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >huge
expect_fail "huge scrypt work factor" $F age -d --passphrase-file pw huge
expect_fail "garbage recipient" $F age -r age1garbage plain
expect_fail "identity as recipient" $F age -r "$(tail -1 ours.key)" plain
grep -q AGE-SECRET-KEY-1 "$T/err" && fail "a secret key was echoed in an error message"
printf 'not a key\n' >junk.key && chmod 600 junk.key
expect_fail "garbage identity file" $F age -d -i junk.key ct2
cp ours.key open.key && chmod 644 open.key
expect_fail "identity readable by others" $F age -d -i open.key ct2
expect_fail "missing input" $F age -r "$ours_pub" -o x /nonexistent
expect_fail "decrypt with recipients" $F age -d -r "$ours_pub" ct2
expect_fail "no recipients" $F age plain
$F age --help | grep -q Usage || fail "--help"
$F keygen --help | grep -q Usage || fail "keygen --help"
ok "--help"
finish
