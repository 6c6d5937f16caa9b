#!/usr/bin/env bash
# Installs Debian packages with apt, as root or through sudo, once: the shared part of the
# project's install scripts (install-wrk.sh, install-browser.sh). Sourced, not run:
#   apt_install <who> <what is missing, for the message> <package>...
# It exits 1 with a message naming what is missing when apt-get is not available.

apt_install() {
    local who="$1" missing="$2"
    shift 2
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "$who: $missing and apt-get is not available" >&2
        exit 1
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    echo "$who: installing Debian's $* with apt"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@"
}
