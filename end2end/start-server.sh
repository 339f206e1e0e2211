#!/usr/bin/env bash
# Starts the release build for the browser tests: a fresh local Postgres in target/e2e, the demo
# data, two accounts with known passwords, then `cojudge serve` on the given port.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3100}"
bin=target/release/cojudge
[ -x "$bin" ] || { echo "build first: scripts/build" >&2; exit 1; }
export COJUDGE_DATA_DIR=target/e2e
unset DATABASE_URL
"$bin" db destroy >/dev/null
"$bin" db start >/dev/null
"$bin" demo --per-task 40 >/dev/null
echo 'e2e-admin-password' | "$bin" user add --email e2e-admin@example.org --role admin --password-stdin
echo 'e2e-annotator-password' | "$bin" user add --email e2e-annotator@example.org --role annotator --password-stdin
exec "$bin" serve --port "$port" --demo never
