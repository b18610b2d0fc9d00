#!/usr/bin/env bash
# Fuzzes ZeroGap's readers of untrusted files with libFuzzer (the Fuzz/ package): CSV, .npy, model and weight files,
# each for SECONDS (default 30) from the committed seed corpus in Fuzz/Corpus/. New inputs go to a scratch
# directory, never into the committed corpus. Exits non-zero on the first crash, trap, timeout or
# out-of-memory, leaving the reproducer in Fuzz/.findings/ (replay: Fuzz/.build/release/FuzzX FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
bash scripts/bootstrap.sh
. scripts/blas-env.sh
export OPENBLAS_NUM_THREADS=1
(cd Fuzz && swift build -c release --sanitize=fuzzer >&2)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p Fuzz/.findings
for target in csv:FuzzCSV npy:FuzzNPY model:FuzzModel weights:FuzzWeights; do
  corpus="${target%%:*}" binary="${target##*:}"
  mkdir -p "$scratch/$corpus"
  echo "fuzz: $binary for $seconds s" >&2
  # Swift's own backtracer would catch a runtime trap (SIGILL) before libFuzzer: off, so the trap is a finding
  # with its reproducer. The status is the fuzzer's own, read before any filtering of its log.
  set +e
  SWIFT_BACKTRACE=enable=no Fuzz/.build/release/"$binary" "$scratch/$corpus" "Fuzz/Corpus/$corpus" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix=Fuzz/.findings/"$binary"- > "$scratch/$binary.log" 2>&1
  status=$?
  set -e
  grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY|artifact)|Fatal error" "$scratch/$binary.log" >&2 || true
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $binary found a failure (exit $status); reproducer in Fuzz/.findings/" >&2
    exit 1
  fi
done
echo "fuzz: no crash in ${seconds} s per target" >&2
