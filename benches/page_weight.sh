#!/usr/bin/env bash
# Page weight benchmark (benches/README.md, "Page weight"): builds the release app as `make run`
# does and measures in Chromium, on a demo organisation of PEOPLE (default 1000), the script and
# WebAssembly bytes each page transfers on a cold cache, a second visit's bytes, and the
# directory's time to interactive with the CPU slowed 4×. Usage: benches/page_weight.sh [PEOPLE]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
prepare_browser_bench
UPMENTOR_BENCH_PEOPLE="${1:-1000}" BENCH_OUT="$ROOT/target/page_weight.json" \
    npx playwright test --config bench.config.ts bench/page_weight.spec.ts
