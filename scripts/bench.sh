#!/usr/bin/env bash
# Benchmarks (release build of the nested Benchmarks/ package; never part of CI).
#   bash scripts/bench.sh [section] [harness options]   one clean table, default section 'linalg'
#                                                      e.g. bash scripts/bench.sh linalg --threads 1
#   bash scripts/bench.sh --compare-kernels [options]  the linalg table under OPENBLAS_CORETYPE unset,
#                                                      SkylakeX and Haswell (decides blas-env.sh's choice)
#   bash scripts/bench.sh --ordo [benchmark options]   ordo-one/benchmark percentile tables
#   bash scripts/bench.sh parallel                     the three-layer program against n, P1, P2, then cvxpy +
#                                                      Clarabel on the same instances (bench/time_reference_parallel.py)
#   bash scripts/bench.sh relu [relu_grid options]     the two-layer suite: time to a certified 1e-6 gap over a grid
#                                                      of real and synthetic problems, with the same-run ratio against
#                                                      scnn and Clarabel (bench/relu_grid.py; --quick, --cases, --help)
#   bash scripts/bench.sh relu-cases [options]         the two-layer solvers' GFLOP/s on four fixed cases (Swift only)
#   bash scripts/bench.sh allocations [options]        heap allocations per iteration of every solver loop (ordo-one's
#                                                      malloc interposer preloaded; exit 1 if a loop marked free allocates)
# The machine may be shared: read best-of figures and ratios measured within one run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
mode="${1:-linalg}"
if [ "$mode" = "relu" ]; then
  # The suite drives the release CLI (what a user runs), then scnn and Clarabel in child processes.
  shift
  . scripts/blas-env.sh
  swift build -c release --product zerogap >&2
  exec python3 bench/relu_grid.py --markdown "$@"
fi
[ "$mode" = "relu-cases" ] && set -- relu "${@:2}" && mode=relu
if [ "$mode" = "--ordo" ]; then
  shift
  . scripts/blas-env.sh
  cd Benchmarks
  exec swift package --disable-sandbox benchmark --no-progress "$@"
fi
(cd Benchmarks && swift build -c release --product zerogap-bench >&2)
bench=Benchmarks/.build/release/zerogap-bench
if [ "$mode" = "--compare-kernels" ]; then
  shift
  for core in unset SkylakeX Haswell; do
    echo "=== OPENBLAS_CORETYPE=$core ==="
    if [ "$core" = unset ]; then
      env -u OPENBLAS_CORETYPE ZEROGAP_KERNEL_GUARD=1 "$bench" linalg "$@"  # guard off: OpenBLAS's own pick
    else
      env OPENBLAS_CORETYPE="$core" "$bench" linalg "$@"
    fi
    echo
  done
  exit 0
fi
. scripts/blas-env.sh
[ $# -gt 0 ] && shift
if [ "$mode" = "parallel" ]; then
  # The Swift rows, then cvxpy + Clarabel on the same instances in the same run (ratio column).
  "$bench" parallel "$@"
  echo
  exec python3 bench/time_reference_parallel.py "${ZEROGAP_BENCH_DIR:-.build/bench-parallel}"
fi
if [ "$mode" = "allocations" ]; then
  # The interposer counts only when loaded before main.
  LD_PRELOAD="$PWD/Benchmarks/.build/release/libMallocInterposerSwift.so" exec "$bench" allocations "$@"
fi
exec "$bench" "$mode" "$@"
