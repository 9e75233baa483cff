package io.jbuild.graph;

/**
 * A local source directory: the build context ({@code name = "context"}) or a named context.
 * Its content is not part of the op: a consumer (COPY) checksums exactly the files it reads.
 * The .dockerignore patterns are, since they decide which files exist.
 */
public record ContextOp(String name, java.util.List<String> excludePatterns) implements Op {
  public static final String MAIN = "context";

  @Override
  public int arity() {
    return 0;
  }
}
