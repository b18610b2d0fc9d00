#!/usr/bin/env bash
# Command 1 of the README: install what is missing, build (release) and run the demo on the embedded data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
. scripts/blas-env.sh
swift build -c release --product zerogap >&2
exec .build/release/zerogap demo "$@"
