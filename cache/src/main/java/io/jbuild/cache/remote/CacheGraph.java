package io.jbuild.cache.remote;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The cache description: the config blob of an exported cache's manifest (docs/cache-format.md).
 * BuildKit keeps a graph of keys and links between them in its cache config
 * ({@code application/vnd.buildkit.cacheconfig.v0}); jbuild's keys already fold in their
 * parents' keys, so a flat list of key to layer records is the whole graph.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CacheGraph(int schemaVersion, String mediaType, List<CacheRecord> records) {
  public static final String MEDIA_TYPE = "application/vnd.jbuild.cache.config.v1+json";
  /** The manifest's artifactType: tells a cache from an image in a registry listing. */
  public static final String ARTIFACT_TYPE = "application/vnd.jbuild.cache.v1";

  public CacheGraph {
    records = records == null ? List.of() : List.copyOf(records);
  }

  public static CacheGraph of(List<CacheRecord> records) {
    return new CacheGraph(1, MEDIA_TYPE, records);
  }
}
