#!/usr/bin/env bash
# minisign interop with the real `minisign` tool (0.11), both directions:
# keys, hashed and legacy signatures, passphrase-protected keys; and the
# failure paths (tampered file, tampered trusted comment, wrong key, malformed
# or truncated files): a one-line error and a non-zero exit, never a crash.
# minisign reads passwords from standard input when it is not a terminal.
set -eu
. "$(dirname "$0")/lib/common.sh"
command -v minisign >/dev/null || fail "the minisign tool is not installed (packaging/setup-deps.sh)"
cd "$T"
F=$FIELDKIT

head -c 300000 /dev/urandom >data
printf '' >empty
printf 'pass phrase\n' >pw && chmod 600 pw
printf 'not it\n' >badpw && chmod 600 badpw

# --help everywhere.
for sub in "" keygen sign verify; do
	$F sig $sub --help | grep -q Usage || fail "sig $sub --help"
done
ok "--help for sig, keygen, sign, verify"

# Keys: ours (unencrypted and encrypted) and minisign's (-W).
$F sig keygen -W -p our.pub -s our.key >/dev/null
[ "$(stat -c %a our.key)" = 600 ] || fail "secret key not 0600"
head -1 our.pub | grep -Eq '^untrusted comment: minisign public key [0-9A-F]{16}$' || fail "pk comment"
$F sig keygen -p enc.pub -s enc.key --passphrase-file pw >/dev/null
minisign -G -W -p ms.pub -s ms.key >/dev/null
ok "keys made (fieldkit -W, fieldkit with passphrase, minisign -G -W)"
expect_fail "keygen refuses to overwrite" $F sig keygen -W -p our.pub -s other.key
[ ! -e other.key ] || fail "keygen wrote a key after refusing"
$F sig keygen -W -f -p ow.pub -s ow.key >/dev/null && $F sig keygen -W -f -p ow.pub -s ow.key >/dev/null ||
	fail "keygen -f"
ok "keygen -f overwrites"

# We sign; minisign verifies (hashed, and -H).
for input in data empty; do
	$F sig sign -s our.key -m "$input"
	minisign -V -p our.pub -m "$input" >/dev/null || fail "minisign -V of our signature ($input)"
	minisign -H -V -p our.pub -m "$input" >/dev/null || fail "minisign -H -V ($input)"
	$F sig verify -p our.pub -m "$input" >/dev/null || fail "our own verify ($input)"
done
sed -n 3p data.minisig | grep -Eq $'^trusted comment: timestamp:[0-9]+\tfile:data\thashed$' ||
	fail "default trusted comment"
$F sig sign -s our.key -m data -x custom.sig -t 'batch 7 from Kharkiv hub' -c 'hub signature'
out=$(minisign -V -p our.pub -m data -x custom.sig)
echo "$out" | grep -q 'Trusted comment: batch 7 from Kharkiv hub' || fail "minisign sees our comment"
head -1 custom.sig | grep -qx 'untrusted comment: hub signature' || fail "untrusted comment"
ok "minisign -V and -H -V accept our signatures (file, empty file, custom comments)"

# Our passphrase-protected key: minisign signs with it, we sign with it.
echo 'pass phrase' | minisign -S -s enc.key -m data -x ms-enc.sig >/dev/null 2>&1 ||
	fail "minisign -S with our encrypted key"
$F sig verify -p enc.pub -m data -x ms-enc.sig >/dev/null || fail "verify minisign's sig (our key)"
$F sig sign -s enc.key --passphrase-file pw -m data -x enc.sig
minisign -V -p enc.pub -m data -x enc.sig >/dev/null || fail "minisign -V (our encrypted key)"
expect_fail "wrong passphrase" $F sig sign -s enc.key --passphrase-file badpw -m data -x bad.sig
grep -q 'wrong passphrase' "$T/err" || fail "wrong passphrase message"
[ ! -e bad.sig ] || fail "signature written despite wrong passphrase"
ok "our encrypted key works in minisign -S, and ours; wrong passphrase refused"

# minisign signs; we verify (hashed, legacy -l, with our -W key and its own).
minisign -S -s ms.key -m data >/dev/null
out=$($F sig verify -p ms.pub -m data)
[ "$(echo "$out" | head -1)" = "Signature and comment signature verified" ] || fail "output line 1"
echo "$out" | sed -n 2p | grep -Eq $'^Trusted comment: timestamp:[0-9]+\tfile:data\thashed$' ||
	fail "output line 2"
[ -z "$($F sig verify -q -p ms.pub -m data)" ] || fail "-q prints"
$F sig verify -Q -p ms.pub -m data | grep -Eq $'^timestamp:[0-9]+\tfile:data\thashed$' || fail "-Q"
$F sig verify -P "$(tail -1 ms.pub)" -m data >/dev/null || fail "verify with -P"
minisign -S -l -s ms.key -m data -x legacy.sig >/dev/null
$F sig verify -p ms.pub -m data -x legacy.sig >/dev/null || fail "legacy signature"
minisign -S -l -s ms.key -m empty -x legacy-empty.sig >/dev/null
$F sig verify -p ms.pub -m empty -x legacy-empty.sig >/dev/null || fail "legacy, empty file"
minisign -S -s our.key -m data -x ms-our.sig >/dev/null
$F sig verify -p our.pub -m data -x ms-our.sig >/dev/null || fail "minisign -S with our -W key"
$F sig sign -s ms.key -m data -x our-ms.sig
minisign -V -p ms.pub -m data -x our-ms.sig >/dev/null || fail "we sign with minisign's -W key"
ok "we verify minisign's signatures (hashed, legacy -l, -P, -q, -Q; keys both ways)"
expect_fail "-H refuses legacy" $F sig verify -H -p ms.pub -m data -x legacy.sig

# minisign -G with a passphrase (its 1 GiB scrypt cost): the key opens here.
printf 'pass phrase\npass phrase\n' | minisign -G -p msenc.pub -s msenc.key >/dev/null 2>&1 ||
	fail "minisign -G with a password"
$F sig sign -s msenc.key --passphrase-file pw -m data -x msenc.sig
minisign -V -p msenc.pub -m data -x msenc.sig >/dev/null || fail "minisign -G encrypted key in fieldkit"
ok "a passphrase-protected minisign -G key signs in fieldkit"

# Failure paths, both directions.
# Flip one bit (writing a fixed byte would change nothing once in 256 runs).
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[1000] ^= 1; open(sys.argv[2], "wb").write(b)' data tampered
cmp -s data tampered && fail "the tampered copy is unchanged"
expect_fail "tampered file (our sig)" $F sig verify -p our.pub -m tampered -x custom.sig
expect_fail "tampered file (minisign's sig)" $F sig verify -p ms.pub -m tampered -x data.minisig
expect_fail "tampered file (legacy sig)" $F sig verify -p ms.pub -m tampered -x legacy.sig
set +e; minisign -V -p our.pub -m tampered -x custom.sig >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "minisign accepted a tampered file with our signature"
ok "minisign refuses a tampered file with our signature"
sed '3s/batch 7/batch 8/' custom.sig >tc.sig
expect_fail "tampered trusted comment (our sig)" $F sig verify -p our.pub -m data -x tc.sig
grep -q 'comment' "$T/err" || fail "comment tampering message"
set +e; minisign -V -p our.pub -m data -x tc.sig >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "minisign accepted our signature with a tampered comment"
sed '3s/hashed$/hashes/' data.minisig >tc2.sig
expect_fail "tampered trusted comment (minisign's sig)" $F sig verify -p ms.pub -m data -x tc2.sig
expect_fail "wrong key (minisign's sig)" $F sig verify -p our.pub -m data -x data.minisig
grep -q "$(head -1 ms.pub | awk '{print $NF}')" "$T/err" || fail "wrong key message lacks the signer's id"
grep -q "$(head -1 our.pub | awk '{print $NF}')" "$T/err" || fail "wrong key message lacks our id"
set +e; minisign -V -p ms.pub -m data -x custom.sig >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "minisign accepted our signature with the wrong key"
ok "minisign refuses our signature with the wrong key"

# Malformed and truncated inputs.
head -c 150 data.minisig >trunc.sig
expect_fail "truncated signature" $F sig verify -p ms.pub -m data -x trunc.sig
head -2 data.minisig >twolines.sig
expect_fail "signature without trusted comment" $F sig verify -p ms.pub -m data -x twolines.sig
printf '' >empty.sig
expect_fail "empty signature file" $F sig verify -p ms.pub -m data -x empty.sig
sed '2s/^RU/RX/' data.minisig >alg.sig
expect_fail "unsupported algorithm" $F sig verify -p ms.pub -m data -x alg.sig
head -c 2000000 /dev/urandom >junk.sig
expect_fail "huge signature file" $F sig verify -p ms.pub -m data -x junk.sig
head -c 60 ms.pub >trunc.pub
expect_fail "truncated public key" $F sig verify -p trunc.pub -m data
expect_fail "garbage -P" $F sig verify -P 'RWQnotakey' -m data
expect_fail "missing signature" $F sig verify -p ms.pub -m empty -x /nonexistent.sig
expect_fail "missing file" $F sig verify -p ms.pub -m /nonexistent -x data.minisig
head -c 100 our.key >trunc.key && chmod 600 trunc.key
expect_fail "truncated secret key" $F sig sign -s trunc.key -m data -x t.sig
cp our.key open.key && chmod 644 open.key
expect_fail "secret key readable by others" $F sig sign -s open.key -m data -x t.sig
cp our.pub pub.key && chmod 600 pub.key
expect_fail "public key as secret key" $F sig sign -s pub.key -m data -x t.sig
expect_fail "multi-line trusted comment" $F sig sign -s our.key -m data -x t.sig -t $'a\nb'
[ ! -e t.sig ] || fail "a signature was left behind by a failed sign"
expect_fail "no key given" $F sig verify -m data
expect_fail "unknown sub-command" $F sig frobnicate
expect_fail "no sub-command" $F sig
ok "no partial output after failures"

# Ukrainian messages.
LANGUAGE=uk $F sig verify -p our.pub -m data -x data.minisig >/dev/null 2>uk.err || true
grep -q 'ключ' uk.err || fail "no Ukrainian error message: $(cat uk.err)"
ok "Ukrainian error: $(cat uk.err)"
finish
