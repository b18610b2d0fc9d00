#!/usr/bin/env bash
# Command 2 of the README: install what is missing, then build optimised and run the whole test suite.
# Tests are built in release mode with -enable-testing: the numerical tests are many times slower in debug.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. scripts/blas-env.sh
# Swift Testing runs tests in parallel; one OpenBLAS thread per test avoids oversubscribing the cores.
export OPENBLAS_NUM_THREADS=1
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
