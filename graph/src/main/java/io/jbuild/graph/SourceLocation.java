package io.jbuild.graph;

/** Where an instruction stands in its Dockerfile; lines and columns start at 1. */
public record SourceLocation(String file, int startLine, int startColumn, int endLine, int endColumn) {
  @Override
  public String toString() {
    return file + ":" + startLine;
  }
}
