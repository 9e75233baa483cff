package io.jbuild.graph;

/**
 * What one vertex of the build graph does. Ops are plain values: everything in a record component
 * that is not {@code @JsonIgnore}d takes part in the vertex digest, so put into an op exactly
 * what changes its output (DESIGN.md, "Cache keys").
 */
public sealed interface Op
    permits ScratchOp, ImageOp, ContextOp, ExecOp, CopyOp, MkdirOp, InlineFilesOp, HttpOp,
    GitOp {

  /** How many input vertices this op takes, in order; -1 for "any". */
  int arity();

  /** True when executing the op on input 0 yields a new filesystem layer on top of it. */
  default boolean producesLayer() {
    return false;
  }
}
