#!/usr/bin/env bash
# The main job: build, then run the demo (a store with the example programs and a generated
# month of work, and a look at a few workers' accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
exec ./build/accrue demo "$@"
