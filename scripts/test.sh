#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (SQLite and a throwaway PostgreSQL), then
# Playwright in Chromium against the real app (see README.md).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
started=$(date +%s)
choose_toolchain
ensure_wasm_bindgen
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then apt_install chromium; fi
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
# Every data-layer test runs on SQLite and on a throwaway PostgreSQL cluster; only
# UPMENTOR_SKIP_POSTGRES=1 leaves PostgreSQL out (and the tests say so).
if [ "${UPMENTOR_SKIP_NGINX:-}" = 1 ]; then
    say "UPMENTOR_SKIP_NGINX=1: the reverse-proxy test is left out, as asked"
elif ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    apt_install nginx-light
fi
if [ "${UPMENTOR_SKIP_POSTGRES:-}" = 1 ]; then
    say "UPMENTOR_SKIP_POSTGRES=1: the PostgreSQL half of the tests is left out, as asked"
elif ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
fi

# The mail tests (Rust and browser) send to a real SMTP server on loopback: Python's aiosmtpd.
# UPMENTOR_SKIP_MAIL=1 leaves the Rust ones out (they say so); the browser flows need it.
smtpd_python() {
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null && "$p" -c 'import aiosmtpd' 2>/dev/null; then command -v "$p"; return; fi
    done
}
if [ -z "$(smtpd_python)" ]; then apt_install python3-aiosmtpd; fi
UPMENTOR_SMTPD_PYTHON="$(smtpd_python)"
[ -n "$UPMENTOR_SMTPD_PYTHON" ] || { say "no Python with aiosmtpd found after installing python3-aiosmtpd"; exit 1; }
export UPMENTOR_SMTPD_PYTHON

# The crash test kills the release binary (the one `make run` builds) under write load, and the
# abuse test measures it under a flood.
say "building the server (release) for the crash and abuse tests"
cargo build --release --bin upmentor
export UPMENTOR_RELEASE_BIN="$CARGO_TARGET_DIR/release/upmentor"

say "Rust tests (unit, integration, concurrency, crash, soak; SQLite and PostgreSQL)"
cargo test --features ssr --no-fail-fast

# The browser tests run the server binary that `cargo test` built for the integration tests.
build_site wasm-dev

say "browser tests (Playwright, Chromium)"
cd end2end
if [ ! -d node_modules/@playwright/test ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
fi
export UPMENTOR_BIN="$CARGO_TARGET_DIR/debug/upmentor" UPMENTOR_SITE_ROOT="$SITE"
npx playwright test
say "all tests passed in $(( $(date +%s) - started )) s"
