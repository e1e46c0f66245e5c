#!/bin/bash
# harden_core.sh - a fieldkit process leaves no core dump, whatever the
# system's core_pattern: a wizard that has just been told a family's names is
# killed with SIGSEGV and SIGABRT (as a crash or an abort would end it) while
# it waits for the next answer, with `ulimit -c unlimited` and
#   1. a core_pattern that writes files (RLIMIT_CORE 0 stops it), then
#   2. a core_pattern that pipes the core to a program (the kernel ignores
#      RLIMIT_CORE for those; PR_SET_DUMPABLE 0 stops it).
# Controls: a Python process holding the same names, killed the same way,
# does leave a core with each pattern, and the names are found in it (so the
# absence of the wizard's core means something). While the wizard waits, its
# memory is locked (every resident page counted as locked in smaps_rollup),
# unless `fieldkit status` says why it cannot be (a sanitizer build), and
# with CAP_IPC_LOCK dropped and a finite RLIMIT_MEMLOCK status says so.
#
# core_pattern is the whole machine's: it is changed under a lock
# (/tmp/fieldkit-core-pattern.lock, so two runs of this test never interleave)
# and restored on exit. Where it cannot be written (a container, not root)
# the test says so and passes without checking.
set -eu
. "$(dirname "$0")/capture_lib.inc"
CP=/proc/sys/kernel/core_pattern
W=$(mktemp -d "$TMPDIR/harden_core.XXXXXX")
chmod 755 "$W"
orig=""
restore() {
	[ -n "$orig" ] && printf '%s\n' "$orig" >"$CP" 2>/dev/null || true
	rm -rf "$W"
}
trap restore EXIT

exec 9>/tmp/fieldkit-core-pattern.lock
flock -w 300 9 || fail "another run holds the core_pattern lock"
orig=$(cat "$CP" 2>/dev/null || true)
if [ -z "$orig" ] || ! (printf '%s\n' "$orig" >"$CP") 2>/dev/null; then
	orig=""
	echo "SKIP: $CP is not writable here (not root, or a container); core dumps not checked"
	exit 0
fi
ulimit -c unlimited 2>/dev/null || { echo "SKIP: cannot raise RLIMIT_CORE"; exit 0; }

new_device "$W"
H="$W/home"
mkdir -p "$W/cores"
chmod 777 "$W/cores"
cat >"$W/catcore" <<EOF
#!/bin/sh
# core_pattern pipe helper: the core on stdin, %p as \$1.
cat >"$W/cores/core.\$1"
EOF
chmod 755 "$W/catcore"

# run_wizard SIGNAL: starts the wizard, types the names, waits for the date
# question, sends SIGNAL; prints "PID STATUS" (STATUS as the shell gives it).
run_wizard() {
	"$PY" - "$FIELDKIT" "$FORM" "$H" "$W/pass" "$1" "$W/lock.txt" <<'PY'
import os, signal, subprocess, sys, time
fk, form, home, pw, sig, lockout = sys.argv[1:7]
p = subprocess.Popen([fk, "capture", form, "--home", home, "--passphrase-file", pw,
                      "--lang", "en"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.STDOUT, env=dict(os.environ, FIELDKIT_QUIET="1"))
os.set_blocking(p.stdout.fileno(), False)
out = b""
def wait_for(text, t=20):
    global out
    end = time.time() + t
    while time.time() < end:
        try:
            chunk = p.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            out += chunk
        if text in out:
            return
        time.sleep(0.05)
    sys.stderr.write("wizard never asked %r; it said: %r\n" % (text, out[-400:]))
    p.kill()
    sys.exit(1)
for line, nxt in ((b"\xd0\xa8\xd0\xb5\xd0\xb2\xd1\x87\xd0\xb8\xd1\x88\xd0\xb8\xd0\xbd", b"(Latin)"),
                  (b"Shevchyshyn", b"given name (Cyrillic)"),
                  (b"\xd0\x97\xd0\xbe\xd1\x80\xd1\x8f\xd0\xbd\xd0\xb0", b"given name (Latin)"),
                  (b"", b"Date of report")):
    p.stdin.write(line + b"\n")
    p.stdin.flush()
    wait_for(nxt)
with open("/proc/%d/smaps_rollup" % p.pid) as f, open(lockout, "w") as o:
    o.write(f.read())
p.send_signal(getattr(signal, "SIG" + sig))
rc = p.wait(20)
print(p.pid, rc)
PY
}

# control SIGNAL: a Python process holding the names in memory; prints its pid.
control() {
	"$PY" - "$1" <<'PY'
import os, signal, subprocess, sys, time
code = ("import sys, time\nnames = [bytes.fromhex('d0a8d0b5d0b2d187d0b8d188d0b8d0bd').decode() * 3,"
        " 'Shevchyshyn' * 3]\nsys.stdout.write('ready\\n'); sys.stdout.flush()\ntime.sleep(60)\n")
p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
p.stdout.readline()
p.send_signal(getattr(signal, "SIG" + sys.argv[1]))
p.wait(20)
print(p.pid)
PY
}

# has_names FILE: the typed names are in FILE (UTF-8 or UTF-32, as Python keeps them).
has_names() {
	"$PY" - "$1" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
needles = [s.encode(enc) for s in ("Шевчишин", "Shevchyshyn") for enc in ("utf-8", "utf-32-le")]
sys.exit(0 if any(n in d for n in needles) else 1)
PY
}

# wait_core FILE: the kernel may finish writing a piped core after the process is reaped.
wait_core() {
	for _ in $(seq 50); do
		[ -s "$1" ] && { sleep 0.2; return 0; }
		sleep 0.1
	done
	return 1
}

check_pattern() {
	label=$1
	for sig in SEGV ABRT; do
		rm -f "$W"/cores/*
		cpid=$(control "$sig")
		wait_core "$W/cores/core.$cpid" || fail "$label: control process (SIG$sig) left no core; the pattern does not work"
		has_names "$W/cores/core.$cpid" || fail "$label: the control's core lacks the names; the search is broken"
		read -r pid rc < <(run_wizard "$sig") || fail "$label: wizard run"
		[ "$rc" -lt 0 ] || fail "$label: the wizard was not killed by SIG$sig (status $rc)"
		sleep 1
		ls "$W"/cores/ | grep -q "core.$pid\$" && {
			has_names "$W/cores/core.$pid" && fail "$label: SIG$sig: the wizard's core holds the names"
			fail "$label: SIG$sig: the wizard left a core dump"
		}
		ok "$label: SIG$sig: the control dumped (names found), the wizard dumped nothing"
	done
}

printf '%s\n' "$W/cores/core.%p" >"$CP"
check_pattern "core_pattern writing files"
printf '%s\n' "|$W/catcore %p" >"$CP"
check_pattern "core_pattern piping to a program"
printf '%s\n' "$orig" >"$CP"
orig=""

# Locked memory while the wizard waited (the last run's smaps_rollup).
state=$("$FIELDKIT" status --home "$H" | sed -n 's/^memory: *//p')
case $state in
locked*)
	# Locked counts proportional shares (like Pss), not Rss; a few KiB of
	# special mappings ([vvar], [vdso]) cannot be locked.
	pss=$(awk '/^Pss:/ {print $2}' "$W/lock.txt")
	lck=$(awk '/^Locked:/ {print $2}' "$W/lock.txt")
	[ -n "$pss" ] && [ -n "$lck" ] || fail "no Pss/Locked in smaps_rollup"
	[ $((lck + 32)) -ge "$pss" ] || fail "the wizard had $pss KiB (Pss) in memory but only $lck KiB locked"
	ok "the waiting wizard's memory was locked: $lck KiB of $pss KiB (Pss)"
	;;
"not locked: a sanitizer build"*)
	ok "sanitizer build: memory not locked ($state)" ;;
*) fail "status says: $state" ;;
esac
# (A sanitizer build never locks memory, whatever the limits: nothing to check.)
case $state in "not locked: a sanitizer build"*) sanitizer=1 ;; *) sanitizer=0 ;; esac
if [ "$sanitizer" = 0 ] && command -v setpriv >/dev/null && [ "$(ulimit -Hl)" != unlimited ]; then
	out=$(setpriv --bounding-set=-ipc_lock "$FIELDKIT" status --home "$H" | grep '^memory:')
	echo "$out" | grep -q 'not locked: .*RLIMIT_MEMLOCK.*KiB' || fail "without CAP_IPC_LOCK: $out"
	ok "without CAP_IPC_LOCK and a finite limit: $out"
fi
if [ "$sanitizer" = 0 ]; then
	out=$(FIELDKIT_MLOCK=off "$FIELDKIT" status --home "$H" | grep '^memory:')
	echo "$out" | grep -q 'not locked: FIELDKIT_MLOCK=off' || fail "FIELDKIT_MLOCK=off: $out"
	ok "FIELDKIT_MLOCK=off: $out"
fi
echo "harden_core: all checks passed"
