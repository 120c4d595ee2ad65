#!/usr/bin/env bash
# Installs what is missing, builds, and then launches SioScope (`run`) or runs every test (`test`).
# Idempotent: on a machine that has everything, it only builds.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${SIOSCOPE_BUILD_DIR:-$here/build}"
mode="${1:-}"
shift || true

debian_packages=(
    build-essential cmake ninja-build pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-websockets-dev libgl1-mesa-dev
    nodejs npm
    openssl libssl-dev zlib1g-dev
    libyaml-dev json-schema-test-suite libxml2-utils
    haproxy tinyproxy microsocks
    jq
    xvfb xauth
)

install_debian_packages() {
    local missing=()
    for pkg in "${debian_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    # The machine may already have a newer Node.js than Debian's; keep it.
    if command -v node >/dev/null && command -v npm >/dev/null; then
        local kept=()
        for pkg in "${missing[@]}"; do
            [[ "$pkg" == nodejs || "$pkg" == npm ]] || kept+=("$pkg")
        done
        missing=("${kept[@]}")
    fi
    ((${#missing[@]} == 0)) && return 0
    echo "== installing Debian packages: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_test_peers() {
    # The reference servers the tests run against, pinned in tests/peers/package-lock.json.
    local peers="$here/tests/peers"
    if [[ ! -d "$peers/node_modules" \
        || "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]]; then
        echo "== installing the npm test peers (npm ci)"
        (cd "$peers" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    # Artillery, pinned in tests/artillery/package-lock.json, runs the scripts that `scenario
    # export-artillery` writes. Its install scripts only fetch a browser for its Playwright
    # engine, which SioScope does not use: skipped.
    local artillery="$here/tests/artillery"
    if [[ ! -d "$artillery/node_modules" \
        || "$artillery/package-lock.json" -nt "$artillery/node_modules/.package-lock.json" ]]; then
        echo "== installing Artillery (npm ci)"
        (cd "$artillery" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
            npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
    fi
}

build() {
    echo "== building in $build"
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${SIOSCOPE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
    cmake --build "$build" --parallel "$(nproc)"
}

asan_build="${SIOSCOPE_ASAN_BUILD_DIR:-$here/build-asan}"

sanitize() {
    echo "== building with ASan+UBSan in $asan_build"
    cmake -S "$here" -B "$asan_build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSIOSCOPE_BUILD_BENCH=OFF \
        -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
        -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
    cmake --build "$asan_build" --parallel "$(nproc)"
    export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:detect_stack_use_after_return=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    export LSAN_OPTIONS="suppressions=$here/scripts/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
}

case "$mode" in
run)
    install_debian_packages
    build
    # No arguments: a live session at once, against the built-in demo server.
    (($# > 0)) || set -- --demo
    if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
        echo "== no display found: starting SioScope under Xvfb (xvfb-run)"
        exec xvfb-run -a "$build/app/sioscope" "$@"
    fi
    exec "$build/app/sioscope" "$@"
    ;;
test)
    install_debian_packages
    install_test_peers
    build
    echo "== running the tests"
    status=0
    (cd "$build" && ctest --output-on-failure --parallel "$(nproc)" "$@") || status=$?
    # Every test again under AddressSanitizer and UndefinedBehaviorSanitizer, in a Debug build
    # directory of its own (so Qt's own asserts are on too); any report fails the run
    # (docs/testing.md, "Sanitizers"). SIOSCOPE_SANITIZE=0 skips it (a quick local run).
    if [[ "${SIOSCOPE_SANITIZE:-1}" != 0 ]]; then
        sanitize
        echo "== running the tests under ASan+UBSan"
        (cd "$asan_build" && ctest --output-on-failure --parallel "$(nproc)" "$@") || status=$?
    fi
    exit "$status"
    ;;
*)
    echo "usage: $0 run [sioscope args...] | test [ctest args...]" >&2
    exit 2
    ;;
esac
