#!/usr/bin/env bash
# Runs a command with its reads from FILE's disk limited to RATE MiB/s, so a
# benchmark reads as it would from a body camera on USB (USB 2.0 gives
# about 35 MiB/s, USB 3 a few hundred) rather than from a fast server disk.
#
#   scripts/at-camera-speed.sh RATE FILE -- COMMAND [ARG…]
#
# Needs root: it makes a cgroup with a read limit on the disk (cgroup v2
# `io.max`, or v1 `blkio.throttle.read_bps_device`) and removes it when the
# command ends. Only reads that reach the disk are limited, so drop FILE
# from the page cache first (`dd if=FILE iflag=nocache count=0`); writes
# are not limited.
set -euo pipefail

usage() { echo "usage: $0 RATE_MIB_PER_S FILE -- COMMAND [ARG…]" >&2; exit 2; }
[[ $# -ge 4 && $3 == -- && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || usage
rate=$1 file=$2
shift 3
[[ -e $file ]] || { echo "$0: $file does not exist" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "$0: limiting a disk's read speed needs root" >&2; exit 1; }

# The whole disk under FILE: limits apply to disks, not partitions.
device=$(stat -c '%Hd:%Ld' "$file")
if [[ -e /sys/dev/block/$device/partition ]]; then
    disk=$(basename "$(dirname "$(readlink -f "/sys/dev/block/$device")")")
    device=$(cat "/sys/block/$disk/dev")
fi
[[ -e /sys/dev/block/$device ]] || { echo "$0: $file is not on a block device (tmpfs?), so its reads cannot be limited" >&2; exit 1; }
bytes=$((rate * 1048576))

if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw io /sys/fs/cgroup/cgroup.controllers; then
    grep -qw io /sys/fs/cgroup/cgroup.subtree_control || echo +io >/sys/fs/cgroup/cgroup.subtree_control
    group=/sys/fs/cgroup/liuhen-camera-$$
    mkdir "$group"
    echo "$device rbps=$bytes" >"$group/io.max"
elif [[ -f /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device ]]; then
    group=/sys/fs/cgroup/blkio/liuhen-camera-$$
    mkdir "$group"
    echo "$device $bytes" >"$group/blkio.throttle.read_bps_device"
else
    echo "$0: this kernel offers no cgroup read limit (cgroup v2 io or v1 blkio)" >&2
    exit 1
fi
trap 'rmdir "$group" 2>/dev/null || true' EXIT

status=0
bash -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' limit "$group" "$@" || status=$?
exit "$status"
