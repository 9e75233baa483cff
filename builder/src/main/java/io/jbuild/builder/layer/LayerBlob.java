package io.jbuild.builder.layer;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;

/**
 * A layer written to the content store: its descriptor (the compressed blob), its diffId (the
 * sha256 of the uncompressed tar, image-spec config.md rootfs.diff_ids), and whether the tar has
 * no entries at all (so a builder may leave it out of the image, as BuildKit does).
 */
public record LayerBlob(Descriptor descriptor, Digest diffId, boolean empty) {}
