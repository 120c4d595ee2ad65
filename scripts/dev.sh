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
    openssl
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
}

build() {
    echo "== building in $build"
    cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${SIOSCOPE_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
    cmake --build "$build" --parallel "$(nproc)"
}

case "$mode" in
run)
    install_debian_packages
    build
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
    cd "$build"
    exec ctest --output-on-failure --parallel "$(nproc)" "$@"
    ;;
*)
    echo "usage: $0 run [sioscope args...] | test [ctest args...]" >&2
    exit 2
    ;;
esac
