package io.jbuild.builder;

import io.jbuild.builder.layer.Compression;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to solve: the local directories behind ContextOps by name, the OCI runtime to use (null:
 * auto), layer compression, SOURCE_DATE_EPOCH (null: now), how many steps may run at once, and
 * whether to ignore the cache index (results are still recorded), and the secrets RUN
 * {@code --mount=type=secret} may read, by id (their content never enters a cache key or layer).
 */
public record SolveOptions(
    Map<String, Path> contexts,
    String runtime,
    Compression compression,
    Long sourceDateEpoch,
    int jobs,
    boolean noCache,
    Map<String, Path> secrets) {

  public SolveOptions(Map<String, Path> contexts, String runtime, Compression compression,
      Long sourceDateEpoch, int jobs, boolean noCache) {
    this(contexts, runtime, compression, sourceDateEpoch, jobs, noCache, Map.of());
  }

  public SolveOptions {
    contexts = Map.copyOf(contexts);
    secrets = secrets == null ? Map.of() : Map.copyOf(secrets);
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be at least 1, got " + jobs);
    }
  }
}
