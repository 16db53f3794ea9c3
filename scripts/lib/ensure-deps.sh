# Sourced by the scripts in scripts/: installs what the package needs to build and test when it is missing.
# Debian/Ubuntu: apt-get (as root, or through sudo). Elsewhere it says what to install and stops.

ensure_deps() {
    local missing=()
    command -v swift >/dev/null 2>&1 || { echo "swift not found: install Swift 6.x (https://swift.org/install)" >&2; return 1; }
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if ! pkg-config --exists hiredis 2>/dev/null; then missing+=(libhiredis-dev); fi
    # rediss:// (TLS) uses the system OpenSSL; the TLS tests make throw-away certificates with its CLI.
    if ! pkg-config --exists openssl 2>/dev/null; then missing+=(libssl-dev); fi
    command -v openssl >/dev/null 2>&1 || missing+=(openssl)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools)
    # The upstash-redis SDK test installs the SDK from PyPI with pip (it skips when PyPI is unreachable).
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
    for extra in "$@"; do
        command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
    done
    [ ${#missing[@]} -eq 0 ] && return 0

    echo "==> installing missing packages: ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1
        fi
    fi
    if command -v apt-get >/dev/null 2>&1; then
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif command -v brew >/dev/null 2>&1; then
        brew install hiredis redis pkg-config openssl
    else
        echo "please install: ${missing[*]} (hiredis and OpenSSL development files, openssl, redis-server, redis-tools)" >&2
        return 1
    fi
    # The Debian package starts a system redis-server through systemd where systemd runs; the tests
    # never use it (each starts its own on a free port), so it is left as the package set it up.
}
