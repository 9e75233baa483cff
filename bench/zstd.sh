#!/usr/bin/env bash
# Issue 8, acceptance 3 ("big-file ... with zstd <= 6 s"): cold builds of the shared big-file
# workload (1 GiB random + 0.5 GiB text) into the local image store with layers in zstd
# (-o type=image,compression=zstd: the steps then write zstd directly) and, for comparison, with
# the default gzip. Each run starts from an empty root; prints the wall time of every run.
# Needs root and what bench/run sets up: the loop-mounted ext4 at $JB/fs and the registry on
# 127.0.0.1:5000 with library/busybox (bench/run leaves both; or run bench/run -w big-file first).
# Usage: bench/zstd.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
runs=${1:-3}
JB=${JB:-/tmp/jbench}
ctx=$JB/fs/ctx/big-file
workload=${JBUILD_BENCH_WORKLOADS:-$here/../shared/bench/workloads}/big-file
[ -f "$ctx/random.bin" ] || "$workload/gen.sh" "$ctx" >/dev/null
curl -fsS http://127.0.0.1:5000/v2/library/busybox/tags/list >/dev/null \
  || { echo "bench/zstd.sh: no registry with library/busybox on 127.0.0.1:5000 (run bench/run first)" >&2; exit 2; }
"$here/jbuild" version >/dev/null # builds the CLI outside the measurements
export JBUILD_ROOT=$JB/fs/jbuild-zstd-root
trap 'rm -rf "$JBUILD_ROOT"' EXIT
for mode in zstd gzip; do
  out=()
  [ "$mode" = zstd ] && out=(-o type=image,compression=zstd)
  times=()
  for r in $(seq 1 "$runs"); do
    rm -rf "$JBUILD_ROOT"
    sync
    t0=$(date +%s.%N)
    "$here/jbuild" build --progress=plain -t bench/big-file-$mode "${out[@]}" "$ctx" >"$JB/zstd-$mode.log" 2>&1 \
      || { cat "$JB/zstd-$mode.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')")
  done
  echo "big-file cold, layers in $mode: ${times[*]} s"
done
