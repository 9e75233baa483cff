package io.jbuild.api;

import io.jbuild.builder.pull.ImagePuller;
import io.jbuild.builder.pull.PulledImage;
import io.jbuild.cache.ContentStore;
import io.jbuild.exporter.ImageStore;
import io.jbuild.graph.ImageResolver;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.ImageIndex;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.oci.Platform;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves FROM images for the frontend: the local image store first unless {@code --pull
 * always}, then the registry unless {@code --pull never}. Each reference is resolved once per
 * build, so every stage that names it sees the same digest.
 */
final class BaseImageResolver implements ImageResolver {
  private final ImageStore images;
  private final ContentStore store;
  private final ImagePuller puller;
  private final PullPolicy policy;
  private final Map<String, ResolvedImage> resolved = new ConcurrentHashMap<>();
  private final Map<ImageReference, Descriptor> pulled = new ConcurrentHashMap<>();
  private final Map<String, String> localStates = new ConcurrentHashMap<>();
  /** References being resolved ahead of the frontend (resolveEarly), by reference and platform. */
  private final Map<String, java.util.concurrent.Future<Outcome>> early = new ConcurrentHashMap<>();
  private volatile PullListener onPull;

  /** Told of the images a build pulls from their registry (not of local ones) as it resolves them. */
  interface PullListener {
    /** The platform's manifest of {@code ref}, before its config is fetched. */
    void manifest(ImageReference ref, ImageManifest manifest);

    /** The image resolved, its config in the store. */
    void pulled(PulledImage image);
  }

  BaseImageResolver(ImageStore images, ContentStore store, ImagePuller puller, PullPolicy policy) {
    this.images = images;
    this.store = store;
    this.puller = puller;
    this.policy = policy;
  }

  @Override
  public ResolvedImage resolve(String reference, Platform platform) throws ResolveException {
    String key = reference + "|" + platform;
    ResolvedImage hit = resolved.get(key);
    if (hit != null) {
      return hit;
    }
    Outcome o = null;
    java.util.concurrent.Future<Outcome> guess = early.remove(key);
    if (guess != null) {
      try {
        o = guess.get();
      } catch (java.util.concurrent.ExecutionException e) {
        // resolved again below: the error, if it is one still, is reported for this reference
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ResolveException("interrupted while resolving " + reference, e);
      }
    }
    if (o == null) {
      o = outcome(reference, platform, true);
    } else if (o.pulledImage() != null) {
      // asked for now: its layers are wanted (not before, a first stage may be one no one uses)
      PullListener hook = onPull;
      if (hook != null) {
        hook.pulled(o.pulledImage());
      }
    }
    if (o.pulledImage() != null && o.ref().digest() == null) {
      pulled.put(o.ref(), o.pulledImage().manifestDescriptor()); // named after the build
    }
    if (o.localState() != null) {
      localStates.put(o.ref().toString(), o.localState());
    }
    resolved.put(key, o.image());
    return o.image();
  }

  /**
   * Starts resolving {@code reference} on a thread of its own, for a build that expects its
   * Dockerfile to name it (a first look at the text, before the frontend has converted it): the
   * registry's answers (manifest and config) arrive while the Dockerfile is converted. Nothing of
   * it counts unless {@link #resolve} is later asked for the same reference and platform: only
   * then is the pull listener told (and the layers fetched), and the image recorded as pulled
   * and named after the build.
   */
  void resolveEarly(String reference, Platform platform) {
    String key = reference + "|" + platform;
    java.util.concurrent.FutureTask<Outcome> task =
        new java.util.concurrent.FutureTask<>(() -> outcome(reference, platform, false));
    if (resolved.containsKey(key) || early.putIfAbsent(key, task) != null) {
      return;
    }
    Thread t = new Thread(task, "jbuild-resolve");
    t.setDaemon(true);
    t.start();
  }

  /**
   * What resolving a reference found, before any of it is recorded: the image pulled (when it
   * was), or what the local store named (when it was local).
   */
  private record Outcome(ImageReference ref, ResolvedImage image, PulledImage pulledImage, String localState) {}

  /** Resolves; the pull listener is told of a pull only when {@code tell}. */
  private Outcome outcome(String reference, Platform platform, boolean tell) throws ResolveException {
    ImageReference ref = ImageReference.parse(reference);
    try {
      if (policy != PullPolicy.ALWAYS) {
        Outcome local = local(ref, platform);
        if (local != null) {
          return local;
        }
      }
      if (policy == PullPolicy.NEVER) {
        throw new ResolveException("image " + ref.familiar() + " is not in the local store and --pull=never forbids pulling it", null);
      }
      PullListener hook = tell ? onPull : null;
      PulledImage image = puller.resolve(ref, platform, hook == null ? null : m -> hook.manifest(ref, m));
      if (hook != null) {
        hook.pulled(image);
      }
      return new Outcome(ref, new ResolvedImage(ref.toString(), image.manifestDescriptor().digest(), image.config()),
          image, null);
    } catch (IOException | RuntimeException e) {
      throw new ResolveException("failed to resolve " + ref.familiar() + ": " + e.getMessage(), e);
    }
  }

  /** Who is told of pulls from now on; null: no one. */
  void onPull(PullListener hook) {
    this.onPull = hook;
  }

  /**
   * Names the base images this build pulled in the local store, like {@code docker build}
   * and Buildah do, so that the next build with {@code --pull missing} needs no registry. Only
   * images whose every layer is in the content store are named: a name never points at an
   * incomplete image (a build whose steps were all cached may not have fetched them).
   */
  void nameCompletePulls() throws IOException {
    for (Map.Entry<ImageReference, Descriptor> e : pulled.entrySet()) {
      ImageManifest m = Json.read(store.read(e.getValue().digest()), ImageManifest.class, "manifest of " + e.getKey());
      if (store.contains(m.config().digest()) && m.layers().stream().allMatch(l -> store.contains(l.digest()))) {
        images.tag(e.getKey(), e.getValue());
        // what the name says now is what this build used: the next build may be answered whole
        localStates.put(e.getKey().toString(), BuildShortcut.baseState(images, store, e.getKey().toString()));
      }
    }
  }

  /**
   * What each base reference named in the local store when this build resolved it, or after
   * this build pulled and named it (for {@link BuildShortcut}); null when a base is not named
   * locally (a pull by digest, an incomplete one).
   */
  Map<String, String> localStates() {
    return localStates.size() == resolved.size() ? Map.copyOf(localStates) : null;
  }

  private Outcome local(ImageReference ref, Platform platform) throws IOException {
    // read before the resolution: a tag moved in between makes the record stale, never wrong
    String state = BuildShortcut.baseState(images, store, ref.toString());
    Optional<Descriptor> d = images.resolve(ref);
    if (d.isEmpty()) {
      return null;
    }
    Descriptor desc = d.get();
    if (MediaTypes.isIndex(desc.mediaType())) {
      ImageIndex index = Json.read(store.read(desc.digest()), ImageIndex.class, "index of " + ref);
      desc = index.manifests().stream()
          .filter(m -> m.platform() == null || m.platform().matches(platform))
          .findFirst().orElse(null);
      if (desc == null) {
        return null;
      }
    }
    if (!store.contains(desc.digest())) {
      return null;
    }
    ImageManifest manifest = Json.read(store.read(desc.digest()), ImageManifest.class, "manifest of " + ref);
    ImageConfig config = Json.read(store.read(manifest.config().digest()), ImageConfig.class, "config of " + ref);
    if (config.os() != null && config.architecture() != null && !config.platform().matches(platform)) {
      return null;
    }
    return new Outcome(ref, new ResolvedImage(ref.toString(), desc.digest(), config), null, state);
  }
}
