package io.jbuild.api;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.util.List;

/**
 * A finished build.
 *
 * @param imageId the config digest, as docker shows image ids
 * @param manifest the image manifest's descriptor
 * @param tags the references the image was stored or pushed under
 * @param size the compressed size of the image's layers
 * @param stepsRun steps executed
 * @param stepsCached steps answered from the cache
 * @param outputs what was written where, for people ("oci out.tar")
 * @param pushed the references pushed to a registry, each with the manifest digest
 *     ("registry.example.com/app:1.0@sha256:...")
 */
public record BuildResult(Digest imageId, Descriptor manifest, List<String> tags, long size,
    long elapsedNanos, int stepsRun, int stepsCached, List<String> outputs, List<String> pushed) {

  public BuildResult {
    tags = List.copyOf(tags);
    outputs = List.copyOf(outputs);
    pushed = List.copyOf(pushed);
  }

  /** A result that pushed nothing. */
  public BuildResult(Digest imageId, Descriptor manifest, List<String> tags, long size,
      long elapsedNanos, int stepsRun, int stepsCached, List<String> outputs) {
    this(imageId, manifest, tags, size, elapsedNanos, stepsRun, stepsCached, outputs, List.of());
  }
}
