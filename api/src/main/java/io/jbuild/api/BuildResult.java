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
 */
public record BuildResult(Digest imageId, Descriptor manifest, List<String> tags, long size,
    long elapsedNanos, int stepsRun, int stepsCached, List<String> outputs) {}
