#!/usr/bin/env bash
# End-to-end tests of the web portal in headless Chromium against `accrue serve --demo`.
# Installs what it needs (Debian's chromium and Node.js, then the pinned npm packages of
# tests/e2e with `npm ci`) and runs the tests against build/accrue (build it first with
# ./scripts/build.sh, or set ACCRUE_BIN). Screenshots go to test-output/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
fi

bin="${ACCRUE_BIN:-$PWD/build/accrue}"
if [ ! -x "$bin" ]; then
  echo "e2e: no accrue binary at $bin; run ./scripts/build.sh first" >&2
  exit 1
fi

(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
mkdir -p test-output/e2e
cd tests/e2e
ACCRUE_BIN="$bin" node --test --test-concurrency=1 --test-reporter=spec portal.test.mjs
