package io.jbuild.graph;

import io.jbuild.oci.ImageConfig;
import java.util.List;

/**
 * What the frontend hands the builder: the root vertex of the target stage and the image config
 * the Dockerfile gives it.
 *
 * <p>Contract on {@code config}: its history is the base image's history followed by one entry
 * per instruction of the stages that make up {@code root}'s layer chain. Entries for
 * instructions that change only the config have {@code empty_layer: true}; the others are, in
 * order, the layer-producing vertices of {@link Vertex#layerChain()} after the source. Its
 * {@code rootfs.diff_ids} are the base image's. The builder appends the diff ids of the new
 * layers, marks entries whose layer turned out empty, and sets the timestamps.
 *
 * @param stageName the target stage's name, or its index as text
 * @param buildArgs the build args the frontend did not use (for a warning)
 */
public record ImageTarget(Vertex root, ImageConfig config, String stageName, List<String> unusedBuildArgs) {}
