#!/usr/bin/env bash
# Benchmarks `liuhen ingest` on this machine, in one run:
#   1. one 2 GiB H.264 recording: ingest time against `cp` (and `cp` + fsync)
#      of the same file to the same disk, with peak memory, once with the
#      file read from the disk (cold) and once from the page cache (warm);
#   2. 8 cameras with 16 recordings each, offloaded at once: aggregate
#      throughput and peak memory;
#   3. the 2 GiB recording uploaded to a `liuhen serve` on loopback (remote
#      ingest), against the local ingest of part 1; and once more through
#      the workstation's spool (`--spool`).
#
#   cargo build --release && scripts/bench-ingest.sh [WORKDIR]
#
# With CAMERA_MIB_S=N (as root), part 1 also runs with the recording's disk
# read at N MiB/s, as from a camera on USB (scripts/at-camera-speed.sh).
#
# WORKDIR (default /tmp/liuhen-bench-ingest) needs about 9 GiB free. The
# generated media is kept there between runs; instances are made afresh.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly bin="$PWD/target/release/liuhen"
readonly work="${1:-/tmp/liuhen-bench-ingest}"
[[ -x "$bin" ]] || { echo "bench-ingest.sh: build first: cargo build --release" >&2; exit 1; }
command -v ffmpeg >/dev/null || { echo "bench-ingest.sh: ffmpeg is needed (apt-get install ffmpeg)" >&2; exit 1; }
mkdir -p "$work/media"

serial=DSJ-BENCH-01
badge=0000001
local_name() { # camera-clock name for N minutes ago
    echo "DSJ_${1}_${badge}_$(TZ=Asia/Shanghai date -d "-$2 min" +%Y%m%d_%H%M%S).MP4"
}

# A 2 GiB recording: 720p H.264 at a high bitrate, cut at 2 GiB by ffmpeg.
big="$work/media/big.mp4"
if [[ ! -f "$big" ]]; then
    echo "generating a 2 GiB recording (about a minute)…" >&2
    ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440 \
        -t 1800 -fs 2147483648 -c:v libx264 -preset ultrafast -b:v 40M -c:a aac "$big"
fi
# One 16 MiB clip, remuxed into 128 files that differ in their container time.
clip="$work/media/clip.mp4"
if [[ ! -f "$clip" ]]; then
    ffmpeg -v error -nostdin -y -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=440 \
        -t 60 -fs 16777216 -c:v libx264 -preset ultrafast -b:v 40M -c:a aac "$clip"
fi

new_instance() { # DIR SERIAL...
    local data=$1
    shift
    rm -rf "$data"
    LIUHEN_ADMIN_PASSWORD=bench-password "$bin" --data "$data" init --agency-name 基准测试 --agency-code bench >/dev/null
    "$bin" --data "$data" unit add --name 基准中队 --code B1 >/dev/null
    "$bin" --data "$data" officer add --name 基准 --badge "$badge" --certificate B0000001 --unit B1 >/dev/null
    for device in "$@"; do
        "$bin" --data "$data" device add --serial "$device" --kind body-camera --officer "$badge" >/dev/null
    done
}

# 1. One 2 GiB recording against cp, same disk: once with the source warm
#    in the page cache (read just before; the best case for cp), once cold
#    (dropped from the cache, as a camera just plugged in is read from its disk).
size=$(stat -c %s "$big")
camera="$work/cam-big"
rm -rf "$camera" && mkdir -p "$camera" && cp "$big" "$camera/$(local_name "$serial" 30)"
source_file=$(ls "$camera"/*.MP4)
prepare() { # warm|cold|camera
    if [[ $1 == warm ]]; then
        cat "$source_file" >/dev/null
    else
        sync "$source_file"
        dd if="$source_file" iflag=nocache count=0 status=none
    fi
}
one_recording() { # warm|cold|camera
    local cache=$1 cp_start cp_end sync_end reading=()
    # camera: cold, and read no faster than a camera gives its files.
    [[ $cache == camera ]] && reading=(scripts/at-camera-speed.sh "$CAMERA_MIB_S" "$source_file" --)
    prepare "$cache"
    rm -f "$work/cp.out"
    cp_start=$(date +%s.%N); "${reading[@]}" cp "$source_file" "$work/cp.out"; cp_end=$(date +%s.%N)
    sync "$work/cp.out"; sync_end=$(date +%s.%N)
    rm -f "$work/cp.out"
    new_instance "$work/data-big" "$serial"
    prepare "$cache"
    "${reading[@]}" /usr/bin/time -f "%e %M" -o "$work/time-big" "$bin" --data "$work/data-big" ingest "$camera" --json >"$work/big.json"
    read -r ingest_seconds ingest_kib <"$work/time-big"
    local_seconds[$cache]=$ingest_seconds
    awk -v size="$size" -v start="$cp_start" -v copied="$cp_end" -v synced="$sync_end" \
        -v ing="$ingest_seconds" -v kib="$ingest_kib" -v cache="$cache" 'BEGIN {
        mib = size / 1048576
        cp = copied - start
        cps = synced - start
        if (cache == "camera") cache = "read at " ENVIRON["CAMERA_MIB_S"] " MiB/s"
        printf "one recording, %.0f MiB, source %s:\n", mib, cache
        printf "  cp            %6.2f s  (%4.0f MiB/s)\n", cp, mib / cp
        printf "  cp + fsync    %6.2f s  (%4.0f MiB/s)\n", cps, mib / cps
        printf "  liuhen ingest %6.2f s  (%4.0f MiB/s)  = %.2f x cp, %.2f x cp+fsync; peak RSS %.1f MiB\n", ing, mib / ing, ing / cp, ing / cps, kib / 1024
    }'
}
declare -A local_seconds # by cache state, for part 3
[[ -n ${CAMERA_MIB_S:-} ]] && one_recording camera
one_recording cold
one_recording warm

# 2. Eight cameras, sixteen recordings each, at once.
serials=()
for camera_number in $(seq 1 8); do
    serials+=("DSJ-BENCH-1$camera_number")
done
total=0
for index in "${!serials[@]}"; do
    camera="$work/cam-$index"
    rm -rf "$camera" && mkdir -p "$camera/DCIM"
    for file_number in $(seq 1 16); do
        minutes=$((index * 100 + file_number * 3 + 60))
        target="$camera/DCIM/$(local_name "${serials[$index]}" "$minutes")"
        ffmpeg -v error -nostdin -y -i "$clip" -c copy -map 0 -metadata "creation_time=$(date -u -d "-$minutes min" +%Y-%m-%dT%H:%M:%SZ)" -f mp4 "$target"
        total=$((total + $(stat -c %s "$target")))
    done
done
new_instance "$work/data-many" "${serials[@]}"
cat "$work"/cam-*/DCIM/* >/dev/null
/usr/bin/time -f "%e %M" -o "$work/time-many" "$bin" --data "$work/data-many" ingest --jobs 8 --json "$work"/cam-[0-7] >"$work/many.json"
read -r many_seconds many_kib <"$work/time-many"
awk -v size="$total" -v s="$many_seconds" -v kib="$many_kib" 'BEGIN {
    printf "8 cameras x 16 recordings, %.0f MiB: %.2f s, %.0f MiB/s aggregate; peak RSS %.1f MiB\n", size / 1048576, s, size / 1048576 / s, kib / 1024
}'

# 3. Remote: the same 2 GiB recording uploaded to a server on loopback.
start_server() {
    new_instance "$work/data-server" "$serial"
    "$bin" --data "$work/data-server" device add --serial CJZ-BENCH --kind workstation >/dev/null
    "$bin" --data "$work/data-server" device token --serial CJZ-BENCH 2>/dev/null >"$work/token"
    port=$((20000 + RANDOM % 20000))
    LIUHEN_LOG=error "$bin" --data "$work/data-server" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
}
trap 'kill "${server_pid:-}" 2>/dev/null || true' EXIT
start_server
camera="$work/cam-remote"
rm -rf "$camera" && mkdir -p "$camera" && cp "$big" "$camera/$(local_name "$serial" 30)"
source_file=$(ls "$camera"/*.MP4)
remote() { # warm|cold [--spool]
    local cache=$1 remote_seconds remote_kib
    shift
    rm -rf "$work/ws-data"
    prepare "$cache"
    /usr/bin/time -f "%e %M" -o "$work/time-remote" "$bin" --data "$work/ws-data" ingest "$camera" --server "http://127.0.0.1:$port" --token-file "$work/token" --json "$@" >"$work/remote.json"
    read -r remote_seconds remote_kib <"$work/time-remote"
    awk -v size="$size" -v s="$remote_seconds" -v local="${local_seconds[$cache]}" -v kib="$remote_kib" -v cache="$cache" -v how="${1:+ with $1}" 'BEGIN {
        mib = size / 1048576
        printf "remote ingest%s over loopback, %.0f MiB, source %s: %.2f s (%.0f MiB/s) = %.2f x the local ingest throughput (%s); peak RSS workstation %.1f MiB\n", how, mib, cache, s, mib / s, local / s, cache, kib / 1024
    }'
}
remote cold
# A fresh server for the second run, so the file is stored again, not found a duplicate.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
start_server
remote warm
server_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
awk -v kib="$server_kib" 'BEGIN { printf "peak RSS of the server: %.1f MiB\n", kib / 1024 }'
# Through the workstation's spool: one more copy, to the workstation's disk,
# before the upload.
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
start_server
remote warm --spool
