#!/usr/bin/env bash
# Studio preview benchmark: builds the release app (as `make run` does), then for each pool size
# starts it with a demo organisation of that many people, enrols everyone, and times slider
# input → updated pairs table in Chromium. Usage: benches/studio_preview.sh [PEOPLE...]
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
prepare_browser_bench
[ $# -gt 0 ] || set -- 1000 5000
for people in "$@"; do
    say "studio preview, demo organisation of $people people"
    UPMENTOR_BENCH_PEOPLE=$people BENCH_OUT="$ROOT/target/studio_preview_$people.json" \
        npx playwright test --config bench.config.ts bench/studio_preview.spec.ts
done
