#!/usr/bin/env bash
# Start-up time of the jbuild launcher (issue 7): median wall time of 10 runs each of
# `jbuild version` (goal <= 0.25 s) and `jbuild --help` (goal <= 0.3 s), after one warm-up run
# that builds the jar and its derived files if needed. For context it also times an empty Java
# program (the JVM's own start) and prints the load average: on a busy machine every number
# grows by the same factor. Usage: bench/cli/startup.sh [RUNS]   (exit 1 when a goal is missed)
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
runs=${1:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median_ms() { # command...: prints the median wall time of $runs runs in ms
  local times=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1
    e=$(date +%s%N)
    times+=($(( (e - s) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

printf 'public class Empty { public static void main(String[] a) {} }\n' > "$tmp/Empty.java"
javac -d "$tmp" "$tmp/Empty.java"
"$here/jbuild" version >/dev/null   # warm-up: builds the jar, the CDS archive and the help texts once

jvm=$(median_ms java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$tmp" Empty)
version=$(median_ms "$here/jbuild" version)
help=$(median_ms "$here/jbuild" --help)
build_help=$(median_ms "$here/jbuild" build --help)

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; medians of $runs runs"
printf '%-22s %5s ms\n' "empty JVM" "$jvm"
printf '%-22s %5s ms   (goal <= 250)\n' "jbuild version" "$version"
printf '%-22s %5s ms   (goal <= 300)\n' "jbuild --help" "$help"
printf '%-22s %5s ms\n' "jbuild build --help" "$build_help"
[ "$version" -le 250 ] && [ "$help" -le 300 ]
