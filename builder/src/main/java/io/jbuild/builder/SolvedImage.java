package io.jbuild.builder;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageConfig;

/** The built image: its manifest (in the content store) and config; the image id is the config digest. */
public record SolvedImage(Descriptor manifest, Descriptor config, ImageConfig imageConfig, long layersSize) {}
