#!/usr/bin/env bash
# Starts the release build for the browser tests: a fresh local Postgres in target/e2e, the demo
# data, two accounts with known passwords, a fake OpenAI-compatible judge endpoint, then
# `cojudge serve` (with its embedded judge worker) on the given port. Stops both on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-3100}"
bin=target/release/cojudge
fake=target/release/fake-openai
[ -x "$bin" ] || { echo "build first: scripts/build" >&2; exit 1; }
[ -x "$fake" ] || cargo build --release -p fake-openai
export COJUDGE_DATA_DIR=target/e2e COJUDGE_EXPORT_DIR=target/e2e/exports
unset DATABASE_URL
"$bin" db destroy >/dev/null
"$bin" db start >/dev/null
"$bin" demo --per-task 40 >/dev/null
echo 'e2e-admin-password' | "$bin" user add --email e2e-admin@example.org --role admin --password-stdin
echo 'e2e-annotator-password' | "$bin" user add --email e2e-annotator@example.org --role annotator --password-stdin

endpoint_file=target/e2e/fake-openai.out
"$fake" --port 0 --latency-ms 50 >"$endpoint_file" &
fake_pid=$!
trap 'kill $fake_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  OPENAI_BASE_URL="$(grep -o 'http://[^ ]*' "$endpoint_file" || true)"
  [ -n "$OPENAI_BASE_URL" ] && break
  sleep 0.1
done
[ -n "$OPENAI_BASE_URL" ] || { echo "the fake judge endpoint did not start" >&2; exit 1; }
export OPENAI_BASE_URL COJUDGE_JUDGE_MODEL=fake-judge

COJUDGE_REVIEW_LEASE_SECS=6 COJUDGE_OPS_SAMPLE_SECS=1 "$bin" serve --port "$port" --demo never &
server_pid=$!
trap 'kill $server_pid $fake_pid 2>/dev/null || true' EXIT
trap 'exit 143' TERM INT
wait $server_pid
