#!/usr/bin/env bash
# Installs the C libraries ZeroGap links against (Debian/Ubuntu), if missing. Idempotent; a no-op
# when everything is present. Needs root or sudo only when something has to be installed.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "bootstrap: 'swift' is not on PATH. Install Swift 6.1 or newer (https://swift.org/install) first." >&2
  exit 1
fi
pkgs=(libopenblas-dev liblapacke-dev zlib1g-dev libopenmpi-dev openmpi-bin pkg-config)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing ${missing[*]} and no apt-get here; install OpenBLAS and LAPACKE (with pkg-config files) by hand." >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "bootstrap: need root to run: apt-get install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
pkg-config --exists openblas lapacke zlib ompi || {
  echo "bootstrap: the pkg-config files for openblas/lapacke/zlib/ompi are missing; reinstall libopenblas-dev liblapacke-dev zlib1g-dev libopenmpi-dev (or build without MPI: swift build --disable-default-traits)" >&2
  exit 1
}
