#!/usr/bin/env bash
# The report's browser test: writes `zerogap report --quick` to .build/report/report.html, loads it in headless
# Chromium (Debian's `chromium`, installed here when missing) and checks that every figure's SVG rendered with a
# non-zero box, that no request left the page and that the console stayed clean; the screenshot is saved as
# .build/report/screenshot.png (a CI artifact). Skips, saying why, only where Chromium cannot be installed.
# Expects the release build of `zerogap` (scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo="sudo"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "browser-test: installing chromium (apt)" >&2
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null || true
  fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "browser-test: SKIPPED — Chromium is not installed and could not be installed here (needs apt-get and root)" >&2
  exit 0
fi
. scripts/blas-env.sh
mkdir -p .build/report
.build/release/zerogap report --quick --force --output .build/report/report.html
python3 scripts/browser_check.py .build/report/report.html .build/report/screenshot.png
