#!/usr/bin/env bash
# Benchmarks the Dockerfile frontend: parse + convert of a generated 10,000-instruction
# Dockerfile, timed after warm-up. Usage: bench/frontend/run.sh [instructions]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q -o -pl frontend-dockerfile -am install -DskipTests -Denforcer.skip=false >/dev/null
cp_file="$(mktemp)"
mvn -B -q -o -pl frontend-dockerfile dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
cp="frontend-dockerfile/target/classes:$(cat "$cp_file")"
out="$(mktemp -d)"
javac --release 17 -d "$out" -cp "$cp" bench/frontend/FrontendBench.java
java -Xms512m -Xmx2g -cp "$out:$cp" FrontendBench "${1:-10000}"
rm -rf "$out" "$cp_file"
