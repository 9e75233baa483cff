package io.jbuild.builder.pull;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;

/**
 * A resolved base image: the platform's manifest (its descriptor carries the digest to pin the
 * reference to) and its config, both already in the content store. Layers may not be yet.
 */
public record PulledImage(ImageReference reference, Descriptor manifestDescriptor, ImageManifest manifest,
    ImageConfig config) {}
