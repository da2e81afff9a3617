#!/usr/bin/env bash
# Installs what Accrue needs to build and test, from Debian 12's archive. Idempotent: does
# nothing when everything is already installed. Needs root (as on the project's machines).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libsqlite3-dev sqlite3
  libhowardhinnant-date-dev tzdata
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev
  libsodium-dev libjemalloc-dev libabsl-dev
  librestinio-dev libasio-dev libhttp-parser-dev libfmt-dev prometheus-cpp-dev
  libhpdf-dev fonts-dejavu-core fonts-wqy-microhei python3-fonttools poppler-utils
  libpq-dev postgresql
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
