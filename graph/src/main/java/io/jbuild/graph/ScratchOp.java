package io.jbuild.graph;

/** The empty filesystem ({@code FROM scratch}). */
public record ScratchOp() implements Op {
  @Override
  public int arity() {
    return 0;
  }
}
