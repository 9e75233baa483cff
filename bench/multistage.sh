#!/usr/bin/env bash
# Acceptance 4 of the build engine: the shared `multistage` workload (two independent builder
# stages of ~5 s of shell work each, an unused third one, a final stage copying from both)
# must take about one stage's time with --jobs 2, not two. Builds it cold (fresh root, no
# cache) with --jobs 1 and with --jobs N (default 2), and prints the wall times.
# Usage: bench/multistage.sh [JOBS]   (needs root; builds the CLI through ./jbuild)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
jobs=${1:-2}
workload=${JBUILD_BENCH_WORKLOADS:-$here/../shared/bench/workloads}/multistage
[ -d "$workload" ] || workload=/work/shared/bench/workloads/multistage
tmp=$(mktemp -d /tmp/jbuild-bench-multistage.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
ctx="$tmp/ctx"
"$workload/gen.sh" "$ctx" >/dev/null
export JBUILD_ROOT="$tmp/root"
# the workload's base is ${REG}/library/busybox:latest; make it locally (no registry needed)
"$here/scripts/busybox-base" 127.0.0.1:5000/library/busybox:latest >/dev/null
run() {
  local n=$1 t0 t1
  t0=$(date +%s.%N)
  "$here/jbuild" build --progress=plain --no-cache --jobs "$n" -t "bench/multistage:jobs$n" "$ctx" >"$tmp/log-$n" 2>&1 \
    || { cat "$tmp/log-$n" >&2; exit 1; }
  t1=$(date +%s.%N)
  if grep -q "\[unused" "$tmp/log-$n"; then echo "the unused stage ran" >&2; exit 1; fi
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
seq_time=$(run 1)
par_time=$(run "$jobs")
echo "multistage: --jobs 1: ${seq_time} s, --jobs ${jobs}: ${par_time} s (cpus: $(nproc))"
