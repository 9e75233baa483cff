package io.jbuild.builder.remote;

import io.jbuild.cache.remote.CacheStorage;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.registry.FetchedManifest;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * A cache in a registry ({@code --cache-to/--cache-from type=registry,ref=R}): the cache manifest
 * under the reference's tag, its blobs in the reference's repository. Auth, retries and mirrors
 * are the registry client's.
 */
public final class RegistryCacheStorage implements CacheStorage {
  private final RegistryAccess registry;
  private final ImageReference ref;

  public RegistryCacheStorage(RegistryAccess registry, ImageReference ref) {
    this.registry = registry;
    this.ref = ref;
  }

  @Override
  public String describe() {
    return "registry " + ref;
  }

  @Override
  public Optional<byte[]> readManifest() throws IOException {
    try {
      FetchedManifest m = registry.fetchManifest(ref);
      return Optional.of(m.bytes());
    } catch (RegistryException e) {
      if (e.status() == 404) {
        return Optional.empty(); // no cache pushed there yet: the first build of a CI pipeline
      }
      throw e;
    }
  }

  @Override
  public void fetchBlob(Descriptor blob, OutputStream sink) throws IOException {
    registry.fetchBlob(ref, blob, sink);
  }

  @Override
  public boolean hasBlob(Digest digest) throws IOException {
    return registry.blobExists(ref, digest);
  }

  @Override
  public void pushBlob(Descriptor blob, BlobSource content) throws IOException {
    registry.pushBlob(ref, blob, content::open);
  }

  @Override
  public void pushManifest(String mediaType, byte[] manifest) throws IOException {
    registry.pushManifest(ref, mediaType, manifest);
  }
}
