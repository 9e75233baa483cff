package io.jbuild.exporter;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import java.time.Instant;
import java.util.List;

/**
 * One image of the local store as {@code jbuild images} shows it.
 *
 * @param references the names pointing at it
 * @param manifest the manifest (or index) descriptor
 * @param configDigest the image id, as Docker shows it; for an index, the host platform's config
 * @param created the config's creation time, or null when it has none
 * @param size bytes of config and (compressed) layers
 */
public record StoredImage(List<ImageReference> references, Descriptor manifest, Digest configDigest, Instant created,
    long size) {}
