package io.jbuild.frontend.dockerfile;

import io.jbuild.graph.ImageResolver;
import io.jbuild.oci.Platform;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What {@link DockerfileFrontend#convert} needs.
 *
 * @param dockerfile the Dockerfile bytes
 * @param fileName the name errors show ("Dockerfile")
 * @param buildArgs {@code --build-arg}s; null means none
 * @param target {@code --target}, null for the last stage
 * @param targetPlatform the platform to build for; null means the host's
 * @param buildPlatform the platform of the builder; null means the host's
 * @param dockerignorePatterns the .dockerignore patterns, part of the context's identity
 * @param resolver looks up FROM images
 * @param warnings receives check findings that are not errors; may be null
 * @param noCacheFilter {@code --no-cache-filter}: names of stages whose RUN, COPY and ADD steps
 *     run even when cached (matched case-insensitively; an unknown name is an error); null or
 *     empty means none
 */
public record ConvertRequest(byte[] dockerfile, String fileName, Map<String, String> buildArgs,
    String target, Platform targetPlatform, Platform buildPlatform,
    List<String> dockerignorePatterns, ImageResolver resolver, Consumer<CheckFinding> warnings,
    Set<String> noCacheFilter) {

  public ConvertRequest {
    noCacheFilter = noCacheFilter == null ? Set.of() : Set.copyOf(noCacheFilter);
  }

  /** A request without {@code --no-cache-filter}. */
  public ConvertRequest(byte[] dockerfile, String fileName, Map<String, String> buildArgs,
      String target, Platform targetPlatform, Platform buildPlatform,
      List<String> dockerignorePatterns, ImageResolver resolver, Consumer<CheckFinding> warnings) {
    this(dockerfile, fileName, buildArgs, target, targetPlatform, buildPlatform,
        dockerignorePatterns, resolver, warnings, Set.of());
  }
}
