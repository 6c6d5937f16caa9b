#!/usr/bin/env bash
# Installs the HTTP load generator bench/bench_endpoint.py drives: Debian's wrk (/usr/bin/wrk),
# with apt, when it is absent. A native client, so that the load generator is not what saturates
# first on a small machine (a Python client does, and flatters every ratio). Without wrk the
# benchmark falls back to its Python client and labels every figure as such.
set -euo pipefail
source "$(dirname "$0")/apt-install.sh"

if command -v wrk >/dev/null 2>&1; then
    echo "install-wrk: $(command -v wrk) present"
    exit 0
fi
apt_install install-wrk "wrk is absent (install it, or the endpoint benchmark measures with its Python client, labelled as the fallback)" wrk
