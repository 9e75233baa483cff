package io.jbuild.cache.remote;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Where an exported cache lives: a registry reference ({@code type=registry,ref=R}) or an OCI
 * image layout directory ({@code type=local,dest|src=DIR}). It holds one manifest (the cache's)
 * and the blobs it names.
 */
public interface CacheStorage {
  /** For messages: "registry R" or "local DIR". */
  String describe();

  /** The cache manifest's bytes, or empty when there is no cache there yet. */
  Optional<byte[]> readManifest() throws IOException;

  /** Streams a blob the manifest names into {@code sink}, checking its digest. */
  void fetchBlob(Descriptor blob, OutputStream sink) throws IOException;

  boolean hasBlob(Digest digest) throws IOException;

  /** Stores a blob unless it is there already; {@code content} may be opened more than once. */
  void pushBlob(Descriptor blob, BlobSource content) throws IOException;

  /** Stores the manifest under the cache's name; called after every blob it names. */
  void pushManifest(String mediaType, byte[] manifest) throws IOException;

  /** A re-openable blob body (an upload may be retried). */
  @FunctionalInterface
  interface BlobSource {
    InputStream open() throws IOException;
  }
}
