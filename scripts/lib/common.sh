# Shared by scripts/run, scripts/test and scripts/build: messages, and installing the tools the
# build needs — each only when missing. Sourced, not run.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

# Every step is stamped with the minutes since the outermost script started; when
# COJUDGE_STEP_LOG names a file, steps are also listed there (scripts/test prints it at the end).
export COJUDGE_STARTED_AT="${COJUDGE_STARTED_AT:-$(date +%s)}"
say() {
  local elapsed=$(($(date +%s) - COJUDGE_STARTED_AT))
  local stamp
  stamp="$(printf '%d:%02d' $((elapsed / 60)) $((elapsed % 60)))"
  printf '\033[1;34m==>\033[0m [%s] %s\n' "$stamp" "$*" >&2
  if [ -n "${COJUDGE_STEP_LOG:-}" ]; then printf '%s %s\n' "$elapsed" "$*" >>"$COJUDGE_STEP_LOG"; fi
}
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_rust() {
  command -v cargo >/dev/null || die "cargo is not installed: install Rust with rustup (https://rustup.rs) first"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "installing the wasm32-unknown-unknown Rust target"
    rustup target add wasm32-unknown-unknown
  fi
  local want; want="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_node_modules() {
  command -v npm >/dev/null || die "npm is not installed (Debian: apt-get install nodejs npm)"
  local stamp="end2end/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ end2end/package-lock.json -nt "$stamp" ]; then
    say "installing npm packages in end2end/ (Playwright, binaryen for wasm-opt)"
    (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_postgres() {
  if command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then return; fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed (Debian: sudo apt-get install postgresql), or set DATABASE_URL"
  say "installing PostgreSQL from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return
  [ "$(id -u)" = 0 ] || die "Chromium is needed for the browser tests: sudo apt-get install chromium"
  say "installing Chromium from Debian's packages (for the browser tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
}

# A Python virtual environment in target/NAME with REQUIREMENTS from PyPI, (re)installed when
# it is missing or the requirements changed; WHAT is said while installing.
ensure_venv() {
  local venv="$ROOT/target/$1" requirements="$ROOT/$2" what="$3"
  if [ ! -x "$venv/bin/python" ] || [ "$requirements" -nt "$venv/.installed" ]; then
    say "installing $what from PyPI into target/$1 (once)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    touch "$venv/.installed"
  fi
}

# The Python the export test reads exported files with (pyarrow, Hugging Face datasets, pandas).
ensure_export_python() {
  ensure_venv export-venv scripts/export-check-requirements.txt "pyarrow, datasets and pandas"
  export COJUDGE_EXPORT_PYTHON="$ROOT/target/export-venv/bin/python"
}

# schemathesis, for the API conformance check (scripts/api-check).
ensure_schemathesis() {
  ensure_venv schemathesis-venv scripts/schemathesis-requirements.txt schemathesis
  export COJUDGE_SCHEMATHESIS="$ROOT/target/schemathesis-venv/bin/schemathesis"
}
