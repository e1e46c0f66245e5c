#!/usr/bin/env bash
# Messages in the user's language: Ukrainian with LANGUAGE=uk or FIELDKIT_LANG=uk,
# even where no locale is configured (LANG=C); English otherwise.
set -eu
. "$(dirname "$0")/lib/common.sh"
F=$FIELDKIT
out=$(LANG=C LC_ALL=C LANGUAGE=uk $F --help)
echo "$out" | grep -q "Використання" || fail "LANGUAGE=uk --help is not Ukrainian: $out"
ok "LANGUAGE=uk in the C locale: Ukrainian help"
out=$(LANG=C LC_ALL=C FIELDKIT_LANG=uk $F --help)
echo "$out" | grep -q "Використання" || fail "FIELDKIT_LANG=uk"
ok "FIELDKIT_LANG=uk: Ukrainian help"
set +e
err=$(LANG=C.UTF-8 LANGUAGE=uk $F age -r age1nonsense /dev/null 2>&1 >/dev/null)
set -e
echo "$err" | grep -q "одержувач" || fail "Ukrainian error message: $err"
ok "Ukrainian error: $err"
out=$(LANG=C LC_ALL=C LANGUAGE= $F --help)
echo "$out" | grep -q "Usage" || fail "English by default"
ok "English by default"
finish
