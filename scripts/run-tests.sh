#!/usr/bin/env bash
# Runs every test target and ends with one total line over all test binaries.
# The fuzz checks (fuzz/checks) are among them: every target over its kept
# corpus and mutated inputs. With FUZZ_SHORT_SECONDS set (default 0), every
# target then also runs that many seconds under libFuzzer (scripts/fuzz.sh);
# each target counts as one test.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${CARGO:-cargo}" test --workspace --all-targets "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "${FUZZ_SHORT_SECONDS:-0}" != 0 ]; then
  FUZZ_SECONDS="$FUZZ_SHORT_SECONDS" "$(dirname "$0")/fuzz.sh" 2>&1 | tee -a "$log"
  fuzz_status=${PIPESTATUS[0]}
  [ "$fuzz_status" = 0 ] || status=$fuzz_status
fi
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     /^fuzz: [0-9]+ targets, [0-9]+ with a crash$/ { p += $2 - $4; f += $4 }
     END { printf "total: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
