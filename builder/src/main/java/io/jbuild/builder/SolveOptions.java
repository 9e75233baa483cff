package io.jbuild.builder;

import io.jbuild.builder.layer.Compression;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to solve: the local directories behind ContextOps by name, the OCI runtime to use (null:
 * auto), layer compression, SOURCE_DATE_EPOCH (null: now), how many steps may run at once, and
 * whether to ignore the cache index (results are still recorded).
 */
public record SolveOptions(
    Map<String, Path> contexts,
    String runtime,
    Compression compression,
    Long sourceDateEpoch,
    int jobs,
    boolean noCache) {

  public SolveOptions {
    contexts = Map.copyOf(contexts);
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
  }
}
