#!/usr/bin/env bash
# Runs a command (the test suite) with the services the tests need, set up here and torn down
# afterwards. Each section installs what is missing from Debian's packages and exports where
# the tests find it. Used by `make test`.
set -euo pipefail
cleanup() { :; }
trap 'cleanup' EXIT

# --- section: chromium (datasheet HTML checks, issue 7) ---
# Debian's chromium, headless, for the datasheet page checks (tests/datasheet/test_browser.py).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "with_services: installing chromium (Debian package)" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            chromium >&2
    else
        echo "with_services: /usr/bin/chromium is missing and apt-get cannot run here" >&2
    fi
fi
if [ -x /usr/bin/chromium ]; then
    export MODELCARBON_CHROMIUM=/usr/bin/chromium
fi

# --- section: postgresql (ledger suite on a real server, issue 8) ---

"$@"
