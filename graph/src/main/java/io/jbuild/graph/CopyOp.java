package io.jbuild.graph;

import java.util.List;

/**
 * COPY / ADD: files from input 1 (the context, another stage, an image) written into input 0.
 *
 * @param sources source paths relative to the root of input 1, may hold wildcards
 * @param destination absolute destination (WORKDIR applied); a trailing '/' is kept because it
 *     means "into this directory"
 * @param chown {@code --chown} as written after expansion, null when absent (files keep the
 *     source's owner for --from, become 0:0 from the context)
 * @param chmod {@code --chmod} (octal or symbolic), null when absent
 * @param add ADD semantics: local tar archives are unpacked
 * @param link {@code --link}
 * @param parents {@code --parents}
 * @param excludes {@code --exclude} patterns
 */
public record CopyOp(
    List<String> sources,
    String destination,
    String chown,
    String chmod,
    boolean add,
    boolean link,
    boolean parents,
    List<String> excludes) implements Op {

  public CopyOp {
    sources = List.copyOf(sources);
    excludes = excludes == null ? List.of() : List.copyOf(excludes);
  }

  @Override
  public int arity() {
    return 2;
  }

  @Override
  public boolean producesLayer() {
    return true;
  }
}
