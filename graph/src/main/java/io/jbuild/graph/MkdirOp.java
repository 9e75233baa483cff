package io.jbuild.graph;

/**
 * WORKDIR's directory: created with its parents in input 0 when missing (mode 0755), owned by
 * {@code user} (resolved like {@link ExecOp#user()}), as BuildKit does.
 */
public record MkdirOp(String path, String user) implements Op {
  @Override
  public int arity() {
    return 1;
  }

  @Override
  public boolean producesLayer() {
    return true;
  }
}
