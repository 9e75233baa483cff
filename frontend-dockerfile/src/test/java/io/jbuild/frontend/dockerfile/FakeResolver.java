package io.jbuild.frontend.dockerfile;

import io.jbuild.graph.ImageResolver;
import io.jbuild.oci.ContainerConfig;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Platform;
import java.util.ArrayList;
import java.util.List;

/**
 * A resolver that answers every image with a fixed busybox-like config: one layer, one history
 * entry, PATH and Cmd set. The digest is derived from the reference so images differ.
 */
final class FakeResolver implements ImageResolver {
  final List<String> calls = new ArrayList<>();

  @Override
  public ResolvedImage resolve(String reference, Platform platform) throws ResolveException {
    calls.add(reference);
    if (reference.contains("missing")) {
      throw new ResolveException("not found", null);
    }
    ContainerConfig c = ContainerConfig.EMPTY
        .withEnv(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        .withCmd(List.of("sh"));
    if (reference.contains("onbuild")) {
      c = c.withOnBuild(List.of("RUN echo triggered"));
    }
    ImageConfig config = new ImageConfig(null, null, platform.architecture(), platform.os(), null,
        platform.variant(), c, ImageConfig.RootFs.layers(List.of(Digest.sha256("layer"))),
        List.of(new ImageConfig.History(null, "ADD rootfs.tar / # buildkit", null,
            "buildkit.dockerfile.v0", null)));
    return new ResolvedImage(reference, Digest.sha256("manifest " + reference), config);
  }
}
