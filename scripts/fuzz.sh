#!/usr/bin/env bash
# Fuzzes the parsers that read what anyone may send under libFuzzer
# (fuzz/fuzz_targets/, each handing its input to a check in fuzz/checks/), each
# target for FUZZ_SECONDS (default 600), one after the other. `cargo test`
# already runs the same checks over the corpus and mutated inputs, without
# coverage feedback; this is the long, coverage-guided form.
#
#   FUZZ_SECONDS=5 FUZZ_PROFILE=dev scripts/fuzz.sh   # a short run
#   FUZZ_SECONDS=600 scripts/fuzz.sh csv_import
#
# FUZZ_PROFILE: `release` (the default: optimized, debug assertions on, for long
# runs) or `dev` (unoptimized: builds in less time, runs slower).
#
# The corpus in fuzz/corpus/<target> is read, never written: what a run finds
# goes to FUZZ_WORK (default fuzz/work, ignored by git); `FUZZ_MERGE=1` merges the
# new finds into the kept corpus afterwards (libFuzzer -merge keeps only inputs
# that add coverage). A crash stops the run and leaves its input in
# fuzz/artifacts/<target>/: copy it into fuzz/corpus/<target>/, so that every
# `cargo test` replays it, and write the unit test before fixing it.
#
# cargo-fuzz is installed when missing. Only the stable toolchain is needed:
# without a sanitizer (`--sanitizer none`) no nightly flag is used.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-600}"
work="${FUZZ_WORK:-$PWD/work}"
target_dir="${FUZZ_TARGET_DIR:-$PWD/target}"
cargo="${CARGO:-cargo}"

if ! "$cargo" fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  "$cargo" install cargo-fuzz --locked
fi

# The fuzz crate pins the same dependency versions as the server.
args=(--sanitizer none --target-dir "$target_dir")
if [ "${FUZZ_PROFILE:-release}" = dev ]; then args+=(--dev); fi
started=$(date +%s)
"$cargo" fuzz build "${args[@]}"
echo "fuzz: build took $(( $(date +%s) - started )) s"

if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <("$cargo" fuzz list); fi
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t" "corpus/$t" "artifacts/$t"
  echo "fuzz: $t for ${seconds} s"
  if ! "$cargo" fuzz run "${args[@]}" "$t" "$work/$t" "corpus/$t" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=16384 -timeout=10 \
      -print_final_stats=1 2>"$work/$t.log"; then
    echo "fuzz: $t FAILED, input in fuzz/artifacts/$t/; log: $work/$t.log" >&2
    tail -n 40 "$work/$t.log" >&2
    failed=$((failed + 1))
    continue
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$work/$t.log" | tr '\n' ' ' | sed "s/^/fuzz: $t: /"
  echo
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then
    "$cargo" fuzz run "${args[@]}" "$t" "corpus/$t" "$work/$t" -- -merge=1 2>/dev/null
  fi
done
echo "fuzz: ${#targets[@]} targets, ${failed} with a crash"
exit $(( failed > 0 ))
