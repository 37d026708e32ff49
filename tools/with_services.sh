#!/usr/bin/env bash
# Runs a command (the test suite) with the services the tests need, set up here and torn down
# afterwards. Each section installs what is missing from Debian's packages and exports where
# the tests find it. Used by `make test`.
set -euo pipefail
# apt's output goes to this log, not to the terminal (the log is named when an install fails)
APT_LOG="${TMPDIR:-/tmp}/modelcarbon-apt.log"
cleanup() { :; }
apt_install() {
    echo "with_services: installing $* (Debian packages; output in $APT_LOG)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@"; } >>"$APT_LOG" 2>&1 || {
        echo "with_services: installing $* failed; see $APT_LOG" >&2; return 1; }
}
trap 'cleanup' EXIT

# --- section: chromium (datasheet HTML checks) ---
# Debian's chromium, headless, for the datasheet page checks (tests/assess/datasheet/test_browser.py).
if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        apt_install chromium || true
    else
        echo "with_services: /usr/bin/chromium is missing and apt-get cannot run here" >&2
    fi
fi
if [ -x /usr/bin/chromium ]; then
    export MODELCARBON_CHROMIUM=/usr/bin/chromium
fi

# --- section: postgresql (ledger suite on a real server) ---
# A throwaway PostgreSQL cluster for the ledger suite (tests/lineage, parametrised by the
# `ledger_url` fixture): Debian's postgresql is installed when no initdb is found, a cluster is
# created in a temporary directory as a non-root user, started on a free port of 127.0.0.1
# (trust authentication, reachable from this host only), and MODELCARBON_TEST_PG_URL names a
# fresh database in it. The EXIT trap stops the server and deletes the directory. Where it cannot
# start, the URL stays unset: the PostgreSQL tests then fail when CI is set and skip otherwise.
PG_DIR=""
PG_BIN=""
PG_RUN=()
pg_cleanup() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop \
                >/dev/null 2>&1 || true
        fi
        rm -rf "$PG_DIR"
    fi
}
pg_find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then PG_BIN="$d"; return 0; fi
    done
    return 1
}
pg_start() {
    if ! pg_find_bin; then
        if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
            apt_install postgresql || return 1
        fi
        pg_find_bin || { echo "with_services: no initdb under /usr/lib/postgresql" >&2; return 1; }
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/modelcarbon-pg.XXXXXX") || return 1
    if [ "$(id -u)" = "0" ]; then  # initdb refuses to run as root
        local user=postgres
        if ! id -u "$user" >/dev/null 2>&1; then
            user=modelcarbon-pg
            id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user" || return 1
        fi
        chown "$user" "$PG_DIR" || return 1
        PG_RUN=(runuser -u "$user" --)
    fi
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || return 1
    "${PG_RUN[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
        --no-locale >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    "${PG_RUN[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $port -h 127.0.0.1 -k $PG_DIR -c max_connections=200 -c fsync=off" start \
        >/dev/null || { cat "$PG_DIR/server.log" >&2; return 1; }
    "${PG_RUN[@]}" "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
        -c "CREATE DATABASE modelcarbon_test" >/dev/null || return 1
    export MODELCARBON_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/modelcarbon_test"
    echo "with_services: $("$PG_BIN/postgres" --version) on 127.0.0.1:$port" >&2
}
# chain with whatever the EXIT trap already does
_pg_prev_trap=$(trap -p EXIT | sed -e "s/^trap -- '\(.*\)' EXIT$/\1/")
trap "pg_cleanup; ${_pg_prev_trap:-:}" EXIT
if [ -z "${MODELCARBON_TEST_PG_URL:-}" ]; then
    pg_start || echo "with_services: PostgreSQL could not start; its ledger tests fail in CI" \
        "and skip elsewhere" >&2
fi

"$@"
