package io.jbuild.registry;

import io.jbuild.oci.Digest;

/**
 * A manifest or index exactly as the registry served it: the digest is over {@code bytes}, so store
 * and re-push these bytes, never a re-serialisation.
 */
public record FetchedManifest(Digest digest, String mediaType, byte[] bytes) {}
