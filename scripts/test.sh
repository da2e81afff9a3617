#!/usr/bin/env bash
# Every test: build, then the unit, policy-pack, bad-input, crash and scenario tests (CTest).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
ctest --test-dir build --output-on-failure --timeout 600 -j "$(nproc)"
