#!/usr/bin/env bash
# Every test: build, then the unit, policy-pack, bad-input, crash, scenario, API, PostgreSQL and
# server tests (CTest), then the portal's end-to-end tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 -j "$(nproc)"
./scripts/e2e.sh
