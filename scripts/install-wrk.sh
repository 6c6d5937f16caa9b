#!/usr/bin/env bash
# Installs the HTTP load generator bench/bench_endpoint.py drives: Debian's wrk (/usr/bin/wrk),
# with apt, when it is absent. A native client, so that the load generator is not what saturates
# first on a small machine (a Python client does, and flatters every ratio). Without wrk the
# benchmark falls back to its Python client and labels every figure as such.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    echo "install-wrk: $(command -v wrk) present"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-wrk: wrk is absent and apt-get is not available; install wrk, or the endpoint" \
         "benchmark measures with its Python client (labelled as the fallback)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-wrk: installing Debian's wrk with apt"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends wrk
