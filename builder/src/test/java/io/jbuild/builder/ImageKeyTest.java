package io.jbuild.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.jbuild.oci.Digest;
import org.junit.jupiter.api.Test;

/**
 * Cache keys must be the same on every machine (remote cache): a base image is keyed by its
 * layers, not by the reference it was pulled by, which names a registry host.
 */
class ImageKeyTest {
  @Test
  void imageKey_sameLayers_sameKeyWhateverTheReference() {
    Digest chain = Solver.chainId(Solver.chainId(null, Digest.sha256("l0")), Digest.sha256("l1"));
    // two pulls of the same image, e.g. from 127.0.0.1:5000 and from a mirror: only the chain id is an input
    assertEquals(Solver.imageKey(chain), Solver.imageKey(Solver.chainId(Solver.chainId(null, Digest.sha256("l0")), Digest.sha256("l1"))));
  }

  @Test
  void imageKey_otherLayers_otherKey() {
    assertNotEquals(Solver.imageKey(Digest.sha256("a")), Solver.imageKey(Digest.sha256("b")));
    assertNotEquals(Solver.imageKey(null), Solver.imageKey(Digest.sha256("a")));
  }
}
