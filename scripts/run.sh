#!/usr/bin/env bash
# The main job: build, then `accrue serve --demo`: a demo store (the example programs, generated
# entities and workers, a month of their work), the API and the portal on http://127.0.0.1:8080/,
# with credentials for each role printed and written to accrue-demo.db.env. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
exec ./build/accrue serve --demo "$@"
