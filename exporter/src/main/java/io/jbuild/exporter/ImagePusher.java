package io.jbuild.exporter;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.Transfers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Pushes an image from the content store: all blobs first (in parallel; each checked with HEAD,
 * mounted or uploaded by {@link RegistryAccess}), then the manifests of an index by digest, and
 * the top manifest last, so that a registry never holds a tag naming missing content
 * (distribution spec, "Pushing Manifests": blobs must exist first).
 */
public final class ImagePusher {
  private final ContentStore store;
  private final RegistryAccess registry;

  public ImagePusher(ContentStore store, RegistryAccess registry) {
    this.store = store;
    this.registry = registry;
  }

  /** Pushes to one target (tag or digest); returns the manifest digest. */
  public Digest push(Descriptor manifest, ImageReference target) throws IOException {
    return push(manifest, List.of(target));
  }

  /** Pushes to several targets: blobs once per repository, then the manifest to each tag. */
  public Digest push(Descriptor manifest, List<ImageReference> targets) throws IOException {
    List<Descriptor> blobs = ImageContent.closure(store, manifest);
    Set<String> repositories = new LinkedHashSet<>();
    for (ImageReference target : targets) {
      if (target.digest() != null && !target.digest().equals(manifest.digest())) {
        throw new IllegalArgumentException("cannot push " + manifest.digest() + " as " + target + ": other digest");
      }
      if (repositories.add(target.name())) {
        pushBlobs(target, blobs);
        pushChildManifests(target, manifest);
      }
      byte[] bytes = store.read(manifest.digest());
      registry.pushManifest(target, manifest.mediaType(), bytes);
    }
    return manifest.digest();
  }

  private void pushBlobs(ImageReference target, List<Descriptor> closure) throws IOException {
    List<Descriptor> blobs = new ArrayList<>();
    for (Descriptor d : closure) {
      if (!MediaTypes.isIndex(d.mediaType()) && !MediaTypes.isManifest(d.mediaType())) {
        blobs.add(d);
      }
    }
    if (blobs.isEmpty()) {
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(blobs.size(), registry.config().parallelism()), r -> {
      Thread t = new Thread(r, "jbuild-push-" + target.repository());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Descriptor blob : blobs) {
        futures.add(pool.submit(() -> {
          registry.pushBlob(target, blob, () -> store.open(blob.digest()));
          return null;
        }));
      }
      Transfers.awaitAll(futures, "pushing");
    } finally {
      pool.shutdownNow();
    }
  }

  /** The manifests an index names go up by digest before the index itself. */
  private void pushChildManifests(ImageReference target, Descriptor root) throws IOException {
    if (!MediaTypes.isIndex(root.mediaType())) {
      return;
    }
    Map<Digest, Descriptor> children = new LinkedHashMap<>();
    for (Descriptor c : ImageContent.index(store, root).manifests()) {
      children.putIfAbsent(c.digest(), c);
    }
    for (Descriptor c : children.values()) {
      pushChildManifests(target, c);
      registry.pushManifest(target.withDigest(c.digest()), c.mediaType(), store.read(c.digest()));
    }
  }



}
