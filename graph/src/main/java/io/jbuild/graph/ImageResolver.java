package io.jbuild.graph;

import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Platform;

/**
 * Looks up a base image's manifest digest and config while the frontend converts a FROM, like
 * BuildKit's image metadata resolver. Implemented by the engine (local store, then registry,
 * following {@code --pull}).
 */
@FunctionalInterface
public interface ImageResolver {
  ResolvedImage resolve(String reference, Platform platform) throws ResolveException;

  /** @param reference the fully qualified reference */
  record ResolvedImage(String reference, Digest manifestDigest, ImageConfig config) {}

  /** The image can't be found or read; the message says which image and why. */
  class ResolveException extends Exception {
    private static final long serialVersionUID = 1L;

    public ResolveException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
