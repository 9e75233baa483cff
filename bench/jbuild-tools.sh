# jbuild's adapter for the shared benchmark harness (../shared/bench/tools.sh defines the anchors).
# bench/run appends this file to a private copy of tools.sh, so these definitions win.
# JBUILD: the launcher; JBUILD_STATE: jbuild's root for the run (removed for cold runs).
jbuild_available() { [ -n "${JBUILD:-}" ] && [ -x "${JBUILD%% *}" ]; }
jbuild_reset() { [ -n "${JBUILD_STATE:-}" ] && rm -rf "$JBUILD_STATE"; true; }
jbuild_build() { JBUILD_ROOT="$JBUILD_STATE" $JBUILD build --progress=plain -t "$2" -f "$1/Dockerfile" "$1"; }
jbuild_size() { JBUILD_ROOT="$JBUILD_STATE" $JBUILD inspect --format '{{.Size}}' "$1"; }
jbuild_oci() { JBUILD_ROOT="$JBUILD_STATE" $JBUILD save --format oci -o "$2" "$1"; }
jbuild_push() { JBUILD_ROOT="$JBUILD_STATE" $JBUILD push "$1" "$2"; }
jbuild_pids() { :; }
