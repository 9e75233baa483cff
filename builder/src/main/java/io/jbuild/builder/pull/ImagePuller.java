package io.jbuild.builder.pull;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import io.jbuild.registry.FetchedManifest;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.Transfers;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Pulls a base image into the content store: {@link #resolve} gets the index (if any), the
 * platform's manifest and the config; {@link #fetchLayers} gets the layers. Every blob is written
 * through {@link ContentStore.Writer}, so it lands only when its digest verifies, and a blob that
 * is already there is not fetched again: a pull cut off half-way resumes where it stopped.
 */
public final class ImagePuller {
  private final ContentStore store;
  private final RegistryAccess registry;
  private final Map<Digest, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

  public ImagePuller(ContentStore store, RegistryAccess registry) {
    this.store = store;
    this.registry = registry;
  }

  /**
   * Resolves {@code ref} to the manifest for {@code platform} (through an OCI index or Docker
   * manifest list when the reference names one) and stores the manifests and the config.
   */
  public PulledImage resolve(ImageReference ref, Platform platform) throws IOException {
    return resolve(ref, platform, null);
  }

  /**
   * {@link #resolve(ImageReference, Platform)}, telling {@code early} of the platform's manifest
   * as soon as it is known (before the config is fetched): a caller that will need the layers can
   * start fetching them then.
   */
  public PulledImage resolve(ImageReference ref, Platform platform, java.util.function.Consumer<ImageManifest> early)
      throws IOException {
    Manifest top = manifest(ref, ref.digest());
    Manifest chosen = top;
    boolean fromIndex = false;
    for (int depth = 0; MediaTypes.isIndex(chosen.mediaType); depth++) {
      if (depth == 2) {
        throw new InvalidContentException(ref + ": indexes nested deeper than two levels are not supported");
      }
      ImageIndex index = Json.read(chosen.bytes, ImageIndex.class, "image index of " + ref);
      Descriptor entry = choose(ref, index, platform);
      chosen = manifest(ref, entry.digest());
      if (chosen.descriptor.size() != entry.size()) {
        throw new InvalidContentException(ref + ": manifest " + entry.digest() + " has " + chosen.descriptor.size()
            + " bytes, the index says " + entry.size());
      }
      fromIndex = true;
    }
    if (!MediaTypes.isManifest(chosen.mediaType)) {
      throw new InvalidContentException(ref + ": unsupported manifest media type " + chosen.mediaType);
    }
    ImageManifest manifest = Json.read(chosen.bytes, ImageManifest.class, "image manifest of " + ref);
    if (manifest.config() == null || manifest.layers() == null) {
      throw new InvalidContentException(ref + ": manifest " + chosen.descriptor.digest() + " has no config or layers");
    }
    if (early != null) {
      early.accept(manifest);
    }
    Descriptor configDesc = manifest.config();
    if (!store.contains(configDesc.digest())) {
      fetchBlob(ref, configDesc);
    }
    ImageConfig config = Json.read(store.read(configDesc.digest()), ImageConfig.class, "image config of " + ref);
    if (!fromIndex && config.os() != null && config.architecture() != null
        && !config.platform().matches(platform)) {
      // BuildKit (containerd's platform matcher) refuses a single-platform image of another platform too
      throw new PlatformMismatchException(ref + " is an image for " + config.platform() + ", not for " + platform
          + " (it has no index with other platforms)");
    }
    Descriptor desc = chosen.descriptor.withPlatform(config.platform());
    return new PulledImage(ref, desc, manifest, config);
  }

  /** The manifest or index by digest from the store, else from the registry (stored as its exact bytes). */
  private Manifest manifest(ImageReference ref, Digest digest) throws IOException {
    if (digest != null && store.contains(digest)) {
      byte[] bytes = store.read(digest);
      String mt = mediaTypeOf(bytes, ref);
      return new Manifest(Descriptor.of(mt, digest, bytes.length), mt, bytes);
    }
    FetchedManifest f = registry.fetchManifest(digest == null ? ref : ref.withDigest(digest));
    if (digest != null && !digest.equals(f.digest())) {
      throw new InvalidContentException(ref + ": manifest " + digest + " arrived with digest " + f.digest());
    }
    Digest stored;
    try (ContentStore.Writer w = store.writer()) {
      w.write(f.bytes());
      stored = w.commit(f.digest());
    }
    return new Manifest(Descriptor.of(f.mediaType(), stored, f.bytes().length), f.mediaType(), f.bytes());
  }

  private record Manifest(Descriptor descriptor, String mediaType, byte[] bytes) {}

  private static String mediaTypeOf(byte[] bytes, ImageReference ref) {
    return MediaTypes.declaredBy(bytes, "manifest of " + ref);
  }

  /**
   * The index entry for {@code wanted}: an exact variant match first, then any compatible entry
   * (image-index.md; attestation manifests, platform unknown/unknown, are never chosen).
   */
  static Descriptor choose(ImageReference ref, ImageIndex index, Platform wanted) throws PlatformMismatchException {
    List<Descriptor> candidates = new ArrayList<>();
    List<String> available = new ArrayList<>();
    for (Descriptor d : index.manifests() == null ? List.<Descriptor>of() : index.manifests()) {
      Platform p = d.platform();
      boolean attestation = d.annotations() != null
          && "attestation-manifest".equals(d.annotations().get("vnd.docker.reference.type"));
      if (p == null || attestation || "unknown".equals(p.os())) {
        continue;
      }
      available.add(p.toString());
      if (p.matches(wanted)) {
        candidates.add(d);
      }
    }
    for (Descriptor d : candidates) {
      if (java.util.Objects.equals(d.platform().variant(), wanted.variant())) {
        return d;
      }
    }
    if (!candidates.isEmpty()) {
      return candidates.get(0);
    }
    throw new PlatformMismatchException("no manifest for platform " + wanted + " in " + ref
        + "; the image has " + (available.isEmpty() ? "no platform entries" : String.join(", ", available)));
  }

  /**
   * Makes sure every layer of {@code manifest} is in the content store: missing ones are fetched
   * in parallel (RegistryConfig.parallelism at once), each verified before it lands.
   */
  public void fetchLayers(ImageReference ref, ImageManifest manifest) throws IOException {
    Map<Digest, Descriptor> missing = new LinkedHashMap<>();
    for (Descriptor layer : manifest.layers()) {
      if (!store.contains(layer.digest())) {
        missing.putIfAbsent(layer.digest(), layer);
      }
    }
    if (missing.isEmpty()) {
      return;
    }
    if (missing.size() == 1) {
      fetchBlob(ref, missing.values().iterator().next()); // no pool for one layer
      return;
    }
    int threads = Math.min(missing.size(), registry.config().parallelism());
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "jbuild-pull-" + ref.repository());
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = missing.values().stream()
          .map(layer -> pool.submit(() -> {
            fetchBlob(ref, layer);
            return null;
          }))
          .collect(Collectors.toList());
      Transfers.awaitAll(futures, "pulling");
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Fetches one blob into the store; a blob another thread of this puller is fetching (the early
   * layer fetch of a base pulled while the Dockerfile converts, see Solver.prewarm) is waited
   * for, not fetched twice. A failed fetch is retried by the next caller, whose error counts.
   */
  private void fetchBlob(ImageReference ref, Descriptor blob) throws IOException {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> theirs = inFlight.putIfAbsent(blob.digest(), mine);
    if (theirs != null) {
      try {
        theirs.get();
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while " + blob.digest() + " was being fetched");
      } catch (ExecutionException e) {
        if (store.contains(blob.digest())) {
          return;
        }
        fetchBlob(ref, blob); // theirs failed and left the map: fetch it here, with this caller's error
        return;
      }
    }
    try {
      if (!store.contains(blob.digest())) {
        try (ContentStore.Writer w = store.writer()) {
          registry.fetchBlob(ref, blob, w, true); // the writer hashes and commit() verifies: hash once
          w.commit(blob.digest());
        }
      }
      inFlight.remove(blob.digest(), mine);
      mine.complete(null);
    } catch (IOException | RuntimeException | Error e) {
      inFlight.remove(blob.digest(), mine);
      mine.completeExceptionally(e);
      throw e;
    }
  }


}
