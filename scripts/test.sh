#!/usr/bin/env bash
# Runs the whole test suite: SQLite always, PostgreSQL at 127.0.0.1:5432
# (LIUHEN_TEST_POSTGRES overrides), and S3 against a single-node Garage on
# loopback when `garage` is installed (scripts/garage.sh install).
set -euo pipefail
cd "$(dirname "$0")/.."

if command -v garage >/dev/null 2>&1; then
    garage_dir="${LIUHEN_GARAGE_DIR:-${TMPDIR:-/tmp}/liuhen-garage}"
    scripts/garage.sh start "$garage_dir" >/dev/null
    # shellcheck disable=SC1091
    source "$garage_dir/env"
else
    echo "note: garage is not installed, so the S3 vault tests are skipped (scripts/garage.sh install)" >&2
fi

cargo test --workspace --locked --no-fail-fast "$@"
