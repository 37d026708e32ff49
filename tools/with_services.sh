#!/usr/bin/env bash
# Runs a command (the test suite) with the services the tests need, set up here and torn down
# afterwards. Each section installs what is missing from Debian's packages and exports where
# the tests find it. Used by `make test`.
set -euo pipefail
cleanup() { :; }
trap 'cleanup' EXIT

# --- section: chromium (datasheet HTML checks, issue 7) ---

# --- section: postgresql (ledger suite on a real server, issue 8) ---

"$@"
