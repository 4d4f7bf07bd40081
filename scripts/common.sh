# Shared by run.sh and test.sh: find or install what the build needs, and build the browser half.
# Installs only what is missing; on a machine that has everything it does nothing but check.
set -euo pipefail
# A failing step inside $(...) (a browser build) stops the script too.
shopt -s inherit_errexit

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Outside the clone, so CI's fresh clones reuse the previous build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/upmentor/target}"
SITE="$ROOT/target/site"
WASM_BINDGEN_VERSION="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing ${missing[*]} (Debian packages)"
        $SUDO apt-get update -qq
        $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

# Chooses how to compile for wasm32: rustup's target where it exists (an ordinary laptop),
# otherwise Debian's rustc-web with its std sources and -Zbuild-std (machines whose rustup
# cannot download targets). Both halves then use the same compiler.
WASM_ROUTE=""
choose_toolchain() {
    if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
        WASM_ROUTE=rustup
    elif rustup toolchain list 2>/dev/null | grep -q '^debian-web' && [ -d /usr/lib/rustlib/src/rust/library ]; then
        WASM_ROUTE=debian
    elif command -v rustup >/dev/null && timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
        WASM_ROUTE=rustup
    else
        apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22
        rustup toolchain list | grep -q '^debian-web' || rustup toolchain link debian-web /usr
        WASM_ROUTE=debian
    fi
    if [ "$WASM_ROUTE" = debian ]; then
        export RUSTUP_TOOLCHAIN=debian-web
    fi
    say "wasm route: $WASM_ROUTE ($(rustc --version))"
}

ensure_wasm_bindgen() {
    if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes on 2 cores)"
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
}

# build_bundle PROFILE FEATURES NAME: compiles one browser build, binds it as pkg/NAME.js and
# pkg/NAME_bg.wasm, then names both files by content and prints their hashes as "JS WASM".
# No wasm-opt pass: binaryen 132's -Oz made the light build 13% smaller raw but 10% larger
# over the wire (brotli 484 -> 535 KB, gzip 662 -> 752 KB) and took 57 s (benches/README.md).
build_bundle() {
    local profile="$1" features="$2" name="$3" extra=() strip=()
    if [ "$WASM_ROUTE" = debian ]; then extra=(-Zbuild-std=std,panic_abort); fi
    say "building the browser half: $name ($profile)" >&2
    RUSTC_BOOTSTRAP=$([ "$WASM_ROUTE" = debian ] && echo 1 || echo 0) \
        cargo build --lib --target wasm32-unknown-unknown --no-default-features --features "$features" \
        --profile "$profile" "${extra[@]}" >&2
    if [ "$profile" = wasm-release ]; then strip=(--remove-name-section --remove-producers-section); fi
    wasm-bindgen --target web --no-typescript "${strip[@]}" --out-dir "$SITE/pkg" --out-name "$name" \
        "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/upmentor.wasm" >&2
    # A bundle that imports from "env" names functions the linker left unresolved: every page
    # would fail to hydrate. Refuse it here rather than in the browser.
    if grep -q 'from "env"' "$SITE/pkg/$name.js"; then
        echo "error: the browser bundle imports unresolved symbols from \"env\"; rebuild from clean" >&2
        return 1
    fi
    local js_hash wasm_hash
    js_hash=$(sha256sum "$SITE/pkg/$name.js" | cut -c1-16)
    wasm_hash=$(sha256sum "$SITE/pkg/${name}_bg.wasm" | cut -c1-16)
    mv "$SITE/pkg/$name.js" "$SITE/pkg/$name.$js_hash.js"
    mv "$SITE/pkg/${name}_bg.wasm" "$SITE/pkg/$name.$wasm_hash.wasm"
    echo "$js_hash $wasm_hash"
}

# build_site PROFILE: compiles the browser half (two builds: the full one for the heavy pages of
# app::HEAVY_ROUTES, a light one for every other page) and lays out target/site (pkg/, css,
# public files).
build_site() {
    local profile="$1"
    rm -rf "$SITE/pkg"
    mkdir -p "$SITE/pkg"
    local full lite css_hash
    full=$(build_bundle "$profile" hydrate upmentor)
    lite=$(build_bundle "$profile" hydrate,lite upmentor-lite)
    # Named by content (see src/server/assets.rs): browsers keep these for a year, and a new
    # build is new names. hash.txt tells the server which names this build has.
    css_hash=$(sha256sum style/main.css | cut -c1-16)
    rm -f "$SITE/main.css" "$SITE/main.css.gz" "$SITE/main.css.br"
    cp style/main.css "$SITE/pkg/main.$css_hash.css"
    printf 'js: %s\nwasm: %s\ncss: %s\nlite-js: %s\nlite-wasm: %s\n' \
        "${full% *}" "${full#* }" "$css_hash" "${lite% *}" "${lite#* }" > "$SITE/hash.txt"
    cp -r public/. "$SITE/"
    # Compressed once here, not on every request: compressing the browser half on the fly took
    # a serving thread 0.1–1.7 s per download, enough for a burst of first visits to stall the
    # server. The server sends these files to browsers that accept them.
    apt_install brotli
    local quality=5
    if [ "$profile" = wasm-release ]; then quality=11; fi
    find "$SITE" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) -print0 |
        while IFS= read -r -d '' f; do
            gzip -9 -k -f "$f"
            brotli -q "$quality" -k -f "$f"
        done
    local build wasm
    for build in "upmentor.${full#* }" "upmentor-lite.${lite#* }"; do
        wasm="$SITE/pkg/$build.wasm"
        say "browser build ${build%%.*}: $(($(stat -c %s "$wasm") / 1024)) KiB wasm, $(($(stat -c %s "$wasm.gz") / 1024)) KiB gzipped, $(($(stat -c %s "$wasm.br") / 1024)) KiB brotli (quality $quality)"
    done
}

# For the browser benchmarks: builds the release app as `make run` does, moves to end2end/ with
# Playwright installed, and exports the binary and site for bench.config.ts.
prepare_browser_bench() {
    choose_toolchain
    ensure_wasm_bindgen
    build_site wasm-release
    cargo build --release --bin upmentor
    cd "$ROOT/end2end"
    [ -d node_modules/@playwright/test ] || npm ci --no-audit --no-fund
    export UPMENTOR_BIN="$CARGO_TARGET_DIR/release/upmentor" UPMENTOR_SITE_ROOT="$SITE"
}
