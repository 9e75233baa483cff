package io.jbuild.graph;

import io.jbuild.oci.Digest;
import io.jbuild.oci.Platform;

/**
 * A base image's filesystem, pinned to the manifest digest the frontend resolved it to, so a
 * moved tag gives a new vertex digest.
 *
 * @param reference the fully qualified reference as written (tag kept for display and pulls)
 * @param manifestDigest the platform-specific manifest the reference resolved to
 */
public record ImageOp(String reference, Digest manifestDigest, Platform platform) implements Op {
  @Override
  public int arity() {
    return 0;
  }
}
