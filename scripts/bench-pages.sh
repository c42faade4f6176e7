#!/usr/bin/env bash
# Measures the case list and the case page at scale (issue 7): a generated
# instance (`liuhen bench generate`: 100 000 cases, 1 000 000 AV records) is
# served on loopback and loaded with wrk; prints p50/p95/p99 per target.
#
#   cargo build --release && scripts/bench-pages.sh DIR [POSTGRES_URL]
#
# DIR holds the instance; it is generated on the first run (minutes) and
# reused after. With POSTGRES_URL (an empty database, e.g.
# postgres://postgres@127.0.0.1:5432/liuhen_pages) its metadata lives there.
# CASES and RECORDINGS change the size; DURATION (20s) and CONNECTIONS (2)
# the load; LIUHEN_BIN another build of liuhen. Needs wrk, curl and jq
# (Debian packages of the same names).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly bin="${LIUHEN_BIN:-$PWD/target/release/liuhen}"
readonly dir="${1:?usage: scripts/bench-pages.sh DIR [POSTGRES_URL]}"
readonly database_url="${2:-}"
readonly port="${PORT:-18480}"
readonly base="http://127.0.0.1:$port"
readonly duration="${DURATION:-20s}"
readonly connections="${CONNECTIONS:-2}"
readonly password=bench-password-2026
[[ -x "$bin" ]] || { echo "bench-pages.sh: build first: cargo build --release" >&2; exit 1; }
for tool in wrk curl jq; do
    command -v "$tool" >/dev/null || { echo "bench-pages.sh: $tool is needed (apt-get install $tool)" >&2; exit 1; }
done

if [[ ! -e "$dir/liuhen.toml" ]]; then
    mkdir -p "$dir"
    /usr/bin/time -f "generate: %e s, peak RSS %M KiB" "$bin" --data "$dir" bench generate \
        --cases "${CASES:-100000}" --recordings "${RECORDINGS:-1000000}" --password "$password" \
        ${database_url:+--database-url "$database_url"}
fi
du -sh "$dir" | sed 's/^/instance on disk: /'

work="$(mktemp -d)"
server=""
cleanup() {
    [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

"$bin" --data "$dir" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.5
done
started=$(date +%s)

cookie_of() { # login -> the session cookie
    curl -fsS -D - -o /dev/null -H 'content-type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$password\"}" "$base/api/v1/session" |
        tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1
}
admin=$(cookie_of admin)
officer=$(cookie_of officer)

# Case ids to visit: 40 pages of 50 spread over the list.
total=$(curl -fsS -D - -o /dev/null -H "cookie: $admin" "$base/api/v1/cases?limit=1" | tr -d '\r' |
    sed -n 's/^[Xx]-[Tt]otal-[Cc]ount: //p')
echo "cases: $total"
for n in $(seq 0 39); do
    curl -fsS -H "cookie: $admin" "$base/api/v1/cases?limit=50&offset=$((n * total / 40))" | jq -r '.[].case.id'
done >"$work/ids"
echo "case ids to visit: $(wc -l <"$work/ids")"

# The server runs its compliance refresh at start: measure after it, so
# the figures are of the pages, then say how long the refresh took.
sleep "${SETTLE:-5}"

cat >"$work/load.lua" <<'LUA'
-- Each request: the path given, with {id} replaced by a random case id.
local ids = {}
local path, cookie
function init(args)
    path, cookie = args[1], args[2]
    for line in io.lines(args[3]) do ids[#ids + 1] = line end
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end
function request()
    local target = path:gsub("{id}", function() return ids[math.random(#ids)] end)
    return wrk.format("GET", target, { ["cookie"] = cookie })
end
function done(summary, latency, requests)
    io.write(string.format("RESULT %d requests, %d errors (status %d), p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
        summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
        summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
LUA

measure() { # name cookie path
    local result
    result=$(wrk -t1 -c"$connections" -d"$duration" --timeout 10s -s "$work/load.lua" "$base" -- "$3" "$2" "$work/ids" | sed -n 's/^RESULT //p')
    printf '%-44s %s\n' "$1" "$result"
}

echo "load: wrk, 1 thread, $connections connections, $duration each, on loopback"
measure "page /cases (admin, newest 50)" "$admin" "/cases"
measure "page /cases/{id} (admin)" "$admin" "/cases/{id}"
measure "api /api/v1/cases?limit=50 (admin)" "$admin" "/api/v1/cases?order=newest&limit=50"
measure "api /api/v1/cases/{id} (admin)" "$admin" "/api/v1/cases/{id}"
measure "page /cases?page=1000 (admin)" "$admin" "/cases?page=1000"
measure "page /cases?stage=investigation (admin)" "$admin" "/cases?stage=investigation"
measure "page /cases?q=王 (admin)" "$admin" "/cases?q=%E7%8E%8B"
measure "page /cases (officer: own cases)" "$officer" "/cases"
echo "served for $(($(date +%s) - started)) s; compliance refreshes in the server log:"
grep -i "compliance" "$work/serve.log" | tail -3 || true
