#!/usr/bin/env bash
# Builds both halves in release and runs Upmentor on 127.0.0.1:3000 (see README.md).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
choose_toolchain
ensure_wasm_bindgen
build_site wasm-release
say "building the server (release)"
cargo build --release --bin upmentor
export UPMENTOR_SITE_ROOT="$SITE"
# The README's command tries Upmentor out: a demo organisation, said so on start. A real
# installation runs `upmentor serve` without --demo (README, "Deployment").
exec "$CARGO_TARGET_DIR/release/upmentor" serve --demo "$@"
