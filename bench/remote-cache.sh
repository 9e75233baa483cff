#!/usr/bin/env bash
# Acceptance 6 of issue 6: a fresh root with --cache-from a cache another root exported rebuilds
# the `realistic-java` workload without running any RUN step. Root A builds cold with
# --cache-to CACHE,mode=max; an empty root B (same bases, context generated into another dir)
# builds with --cache-from CACHE. Prints both wall times and how many RUN steps B ran (must be 0),
# and fails when B ran one or built another image.
#   CACHE: a local dir by default (type=local); CACHE_REF=host:port/repo:tag uses a registry.
# Usage: bench/remote-cache.sh   (needs root and the debian tarball of JavaHttpServerIT/RemoteCacheIT,
#        /var/cache/jbuild-test/debian-bookworm-minbase.tar.gz; builds the CLI through ./jbuild)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
workload=${JBUILD_BENCH_WORKLOADS:-$here/../shared/bench/workloads}/realistic-java
[ -d "$workload" ] || workload=/work/shared/bench/workloads/realistic-java
debian=${JBUILD_TEST_CACHE:-/var/cache/jbuild-test}/debian-bookworm-minbase.tar.gz
[ -f "$debian" ] || { echo "remote-cache: no $debian (run RemoteCacheIT once, it makes it)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/jbuild-bench-remotecache.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
reg=127.0.0.1:5000
if [ -n "${CACHE_REF:-}" ]; then
  to="type=registry,ref=$CACHE_REF,mode=max"; from="type=registry,ref=$CACHE_REF"
else
  to="type=local,dest=$tmp/cache,mode=max"; from="type=local,src=$tmp/cache"
fi
mkdir -p "$tmp/debian"
tar -xzf "$debian" -C "$tmp/debian" --numeric-owner
# the bases go into each root's local store under the names the Dockerfile uses (no pulls); made
# once and carried to root B with save/load, as a registry would: the same base, byte for byte
bases() {
  if [ ! -f "$tmp/busybox.tar" ]; then
    JBUILD_ROOT=$tmp/seed "$here/scripts/busybox-base" "$reg/library/busybox:latest" >/dev/null
    JBUILD_ROOT=$tmp/seed "$here/jbuild" import -q --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      "$tmp/debian" "$reg/library/debian:bookworm" >/dev/null
    JBUILD_ROOT=$tmp/seed "$here/jbuild" save -o "$tmp/busybox.tar" "$reg/library/busybox:latest"
    JBUILD_ROOT=$tmp/seed "$here/jbuild" save -o "$tmp/debian.tar" "$reg/library/debian:bookworm"
  fi
  JBUILD_ROOT=$1 "$here/jbuild" load -q -i "$tmp/busybox.tar"
  JBUILD_ROOT=$1 "$here/jbuild" load -q -i "$tmp/debian.tar"
}
build() {  # ROOT CTX FLAG VALUE LOG
  local t0 t1
  "$workload/gen.sh" "$2" >/dev/null
  t0=$(date +%s.%N)
  JBUILD_ROOT=$1 "$here/jbuild" build --progress=plain "$3" "$4" --iidfile "$5.iid" "$2" >"$5" 2>&1 || { cat "$5" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}
ran_runs() {  # RUN steps that ran: a "#N DONE" for a step whose name line is a RUN
  awk '/^#[0-9]+ (\[[^]]*\] )?RUN /{run[$1]=1} /^#[0-9]+ DONE /{if (run[$1]) n++} END {print n+0}' "$1"
}
bases "$tmp/root-a"
bases "$tmp/root-b"
a=$(build "$tmp/root-a" "$tmp/ctx-a" --cache-to "$to" "$tmp/log-a")
b=$(build "$tmp/root-b" "$tmp/elsewhere/ctx-b" --cache-from "$from" "$tmp/log-b")
runs_b=$(ran_runs "$tmp/log-b")
echo "realistic-java: root A cold + --cache-to: ${a} s ($(ran_runs "$tmp/log-a") RUN steps ran); fresh root B --cache-from: ${b} s (${runs_b} RUN steps ran)"
[ "$runs_b" = 0 ] || { echo "root B ran RUN steps" >&2; exit 1; }
cmp -s "$tmp/log-a.iid" "$tmp/log-b.iid" || { echo "root B built another image: $(cat "$tmp/log-a.iid") vs $(cat "$tmp/log-b.iid")" >&2; exit 1; }
echo "same image: $(cat "$tmp/log-b.iid")"
