#!/usr/bin/env bash
# Builds the filter parser's libFuzzer target and runs it for a bounded time.
#
#   fuzz-filter/run.sh [SECONDS]        (default: $FUZZ_SECONDS or 60)
#
# Works on stable Rust: the coverage instrumentation cargo-fuzz would add is
# passed as stable -C flags, and no sanitizer is used (the code under test
# forbids `unsafe`, so a panic or failed assertion is the bug to look for).
# `--target` keeps the flags off build scripts and proc macros.
# New inputs go to a scratch copy of the seed corpus, never into the checkout.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-${FUZZ_SECONDS:-60}}
target=$(rustc -vV | awk '/^host:/ {print $2}')
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/target}
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"

cargo build --release --locked --target "$target" --bin filter_parse

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp corpus/filter_parse/* "$work/"
# Crash reproducers land in artifacts/ so CI can keep them.
mkdir -p artifacts
"$CARGO_TARGET_DIR/$target/release/filter_parse" \
  -max_total_time="$seconds" -max_len=4096 -dict=filter.dict \
  -artifact_prefix=artifacts/ -print_final_stats=1 "$work"
