#!/usr/bin/env bash
# Page weight benchmark (benches/README.md, "Page weight"): builds the release app as `make run`
# does and measures in Chromium, on a demo organisation of PEOPLE (default 1000), the script and
# WebAssembly bytes each page transfers on a cold cache, a second visit's bytes, and the
# directory's time to interactive with the CPU slowed 4×. Usage: benches/page_weight.sh [PEOPLE]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
choose_toolchain
ensure_wasm_bindgen
build_site wasm-release
cargo build --release --bin upmentor
cd "$ROOT/end2end"
[ -d node_modules/@playwright/test ] || npm ci --no-audit --no-fund
export UPMENTOR_BIN="$CARGO_TARGET_DIR/release/upmentor" UPMENTOR_SITE_ROOT="$SITE"
UPMENTOR_BENCH_PEOPLE="${1:-1000}" BENCH_OUT="$ROOT/target/page_weight.json" \
    npx playwright test --config bench.config.ts bench/page_weight.spec.ts
