#!/usr/bin/env bash
# A single-node Garage (S3-compatible object store) on loopback, for the
# vault's S3 tests. Not for production: one node, no redundancy, secrets in
# a scratch directory.
#
#   scripts/garage.sh install        install garage with cargo unless it is on PATH
#   scripts/garage.sh start [DIR]    start it (idempotent) and write DIR/env
#   scripts/garage.sh stop [DIR]     stop it
#
# Then:  . "$DIR/env" && cargo test -p liuhen-vault
#
# DIR defaults to ${TMPDIR:-/tmp}/liuhen-garage. Ports (all on 127.0.0.1)
# can be moved with LIUHEN_GARAGE_S3_PORT (3900), LIUHEN_GARAGE_RPC_PORT
# (3901) and LIUHEN_GARAGE_ADMIN_PORT (3903).
set -euo pipefail

readonly BUCKET=liuhen-test
readonly REGION=garage
readonly S3_PORT="${LIUHEN_GARAGE_S3_PORT:-3900}"
readonly RPC_PORT="${LIUHEN_GARAGE_RPC_PORT:-3901}"
readonly ADMIN_PORT="${LIUHEN_GARAGE_ADMIN_PORT:-3903}"
readonly START_TIMEOUT_SECONDS=60

die() {
    echo "garage.sh: $*" >&2
    exit 1
}

note() {
    echo "garage.sh: $*" >&2
}

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

garage_in() {
    garage -c "$1/garage.toml" "${@:2}"
}

# Succeeds when something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Reads field $1 of the JSON object on stdin.
json_field() {
    if command -v jq >/dev/null; then
        jq -er --arg field "$1" '.[$field]'
    elif command -v python3 >/dev/null; then
        python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
    else
        die "reading garage's JSON output needs jq or python3; install one of them"
    fi
}

pid_alive() {
    local dir=$1
    [[ -f "$dir/garage.pid" ]] && kill -0 "$(cat "$dir/garage.pid")" 2>/dev/null
}

# Running from this DIR and answering RPC.
running() {
    local dir=$1
    pid_alive "$dir" && garage_in "$dir" status >/dev/null 2>&1
}

wait_until() {
    local dir=$1 what=$2
    shift 2
    local deadline=$((SECONDS + START_TIMEOUT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        if ! pid_alive "$dir"; then
            tail -n 20 "$dir/garage.log" >&2 || true
            die "garage exited while waiting for $what; its log is $dir/garage.log (last lines above)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 20 "$dir/garage.log" >&2 || true
            die "garage did not reach '$what' within ${START_TIMEOUT_SECONDS}s; its log is $dir/garage.log"
        fi
        sleep 0.5
    done
}

cluster_healthy() {
    garage_in "$1" json-api GetClusterHealth | grep -q '"status": *"healthy"'
}

s3_answers() {
    # Any HTTP answer (403 without credentials) means the S3 API is up.
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/")
    [[ "$code" != 000 ]]
}

# Picks the db engine this garage binary was built with.
db_engine() {
    local features
    features=$(garage --version)
    if [[ "$features" == *sqlite* ]]; then
        echo sqlite
    elif [[ "$features" == *lmdb* ]]; then
        echo lmdb
    else
        die "this garage was built without sqlite and lmdb ($features); reinstall it with 'cargo install garage --locked'"
    fi
}

write_config() {
    local dir=$1
    local rpc_secret admin_token
    rpc_secret=$(openssl rand -hex 32)
    admin_token=$(openssl rand -hex 32)
    (
        umask 077
        cat >"$dir/garage.toml" <<EOF
# Written by scripts/garage.sh: a throwaway single-node Garage for tests.
metadata_dir = "$dir/meta"
data_dir = "$dir/data"
db_engine = "$(db_engine)"
replication_factor = 1

rpc_bind_addr = "127.0.0.1:$RPC_PORT"
rpc_public_addr = "127.0.0.1:$RPC_PORT"
rpc_secret = "$rpc_secret"

[s3_api]
s3_region = "$REGION"
api_bind_addr = "127.0.0.1:$S3_PORT"
root_domain = ".s3.garage.localhost"

[admin]
api_bind_addr = "127.0.0.1:$ADMIN_PORT"
admin_token = "$admin_token"
EOF
    )
}

check_ports_free() {
    local port
    for port in "$S3_PORT" "$RPC_PORT" "$ADMIN_PORT"; do
        if port_in_use "$port"; then
            die "port 127.0.0.1:$port is already in use (another garage?). Stop it, or choose other ports with LIUHEN_GARAGE_S3_PORT, LIUHEN_GARAGE_RPC_PORT, LIUHEN_GARAGE_ADMIN_PORT"
        fi
    done
}

start_server() {
    local dir=$1
    # setsid keeps the server out of the caller's process group, so a
    # Ctrl-C in the shell that started it does not stop it.
    setsid garage -c "$dir/garage.toml" server >>"$dir/garage.log" 2>&1 </dev/null &
    echo $! >"$dir/garage.pid"
    wait_until "$dir" "answering RPC" garage_in "$dir" status
}

# Layout, key and bucket: done once per DIR.
provision() {
    local dir=$1
    local node_id key_json access_key_id secret_access_key
    node_id=$(garage_in "$dir" node id -q)
    node_id=${node_id%%@*}
    garage_in "$dir" layout assign -z dc1 -c 1G "$node_id" >/dev/null
    garage_in "$dir" layout apply --version 1 >/dev/null
    wait_until "$dir" "a healthy cluster" cluster_healthy "$dir"

    # The JSON admin call rather than `garage key create`, whose output is
    # meant for people and has no stable format.
    key_json=$(garage_in "$dir" json-api CreateKey '{"name": "liuhen-test"}')
    access_key_id=$(json_field accessKeyId <<<"$key_json")
    secret_access_key=$(json_field secretAccessKey <<<"$key_json")
    [[ -n "$access_key_id" && -n "$secret_access_key" ]] || die "could not read the new key from garage's output: $key_json"

    garage_in "$dir" bucket create "$BUCKET" >/dev/null
    garage_in "$dir" bucket allow --read --write --owner "$BUCKET" --key "$access_key_id" >/dev/null
    wait_until "$dir" "the S3 API answering on 127.0.0.1:$S3_PORT" s3_answers

    (
        umask 077
        cat >"$dir/env.partial" <<EOF
export LIUHEN_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export LIUHEN_TEST_S3_REGION=$REGION
export LIUHEN_TEST_S3_BUCKET=$BUCKET
export LIUHEN_TEST_S3_ACCESS_KEY_ID=$access_key_id
export LIUHEN_TEST_S3_SECRET_ACCESS_KEY=$secret_access_key
EOF
    )
    # The env file appears only once everything above worked, so its
    # presence means "this DIR is fully provisioned".
    mv "$dir/env.partial" "$dir/env"
}

cmd_install() {
    if command -v garage >/dev/null; then
        note "garage is already installed: $(command -v garage) ($(garage --version))"
        return
    fi
    command -v cargo >/dev/null || die "cargo is not on PATH; install Rust (https://rustup.rs) first"
    note "installing garage with cargo; this compiles for 10-30 minutes"
    cargo install garage --locked
}

cmd_start() {
    local dir=$1
    command -v garage >/dev/null || die "garage is not on PATH; run 'scripts/garage.sh install' first"
    command -v openssl >/dev/null || die "openssl is needed to make the RPC secret; install it"
    command -v curl >/dev/null || die "curl is needed to check the S3 API; install it"

    if running "$dir"; then
        [[ -f "$dir/env" ]] || die "garage is running from $dir but $dir/env is missing; run 'scripts/garage.sh stop $dir', remove $dir and start again"
        note "already running (pid $(cat "$dir/garage.pid"))"
        echo "$dir/env"
        return
    fi
    if pid_alive "$dir"; then
        die "garage (pid $(cat "$dir/garage.pid")) is running from $dir but does not answer; see $dir/garage.log, or run 'scripts/garage.sh stop $dir'"
    fi

    check_ports_free
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ -f "$dir/env" && -f "$dir/garage.toml" ]]; then
        # Provisioned earlier and stopped since: the layout, key and bucket
        # are in the metadata, so starting the server is enough.
        note "restarting the garage provisioned in $dir"
        start_server "$dir"
        wait_until "$dir" "a healthy cluster" cluster_healthy "$dir"
        wait_until "$dir" "the S3 API answering on 127.0.0.1:$S3_PORT" s3_answers
    else
        # Nothing, or a start that failed half-way: begin again from empty.
        rm -rf "$dir/meta" "$dir/data" "$dir/env" "$dir/env.partial" "$dir/garage.pid"
        write_config "$dir"
        start_server "$dir"
        provision "$dir"
    fi
    note "running (pid $(cat "$dir/garage.pid")), S3 API at http://127.0.0.1:$S3_PORT, log $dir/garage.log"
    echo "$dir/env"
}

cmd_stop() {
    local dir=$1
    if ! pid_alive "$dir"; then
        rm -f "$dir/garage.pid"
        note "not running from $dir"
        return
    fi
    local pid
    pid=$(cat "$dir/garage.pid")
    kill "$pid"
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            note "garage (pid $pid) did not stop within 20s; sending SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.2
    done
    rm -f "$dir/garage.pid"
    note "stopped (pid $pid)"
}

main() {
    local command=${1:-}
    local dir=${2:-${TMPDIR:-/tmp}/liuhen-garage}
    dir=${dir%/}
    case "$command" in
        install) cmd_install ;;
        start) cmd_start "$dir" ;;
        stop) cmd_stop "$dir" ;;
        *) usage ;;
    esac
}

main "$@"
