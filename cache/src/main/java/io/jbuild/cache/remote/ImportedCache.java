package io.jbuild.cache.remote;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The caches of {@code --cache-from}: their records, read once at the start of a build, and
 * their layer blobs, fetched into the content store only when a step mounts the layer or the
 * image is exported (a step answered from here never runs, and its blob may never be needed).
 */
public final class ImportedCache {
  private final Map<Digest, CacheRecord> records = new HashMap<>();
  private final Map<Digest, CacheStorage> blobSources = new HashMap<>();
  private final Map<Digest, CompletableFuture<Void>> fetches = new ConcurrentHashMap<>();

  private ImportedCache() {}

  /** No imported cache: every lookup misses. */
  public static ImportedCache empty() {
    return new ImportedCache();
  }

  /**
   * Reads the cache descriptions of {@code sources}, first source first on a key both have. A
   * source that cannot be read is passed to {@code onFailure} and left out: an unreachable cache
   * makes a slower build, not a failed one (BuildKit warns and goes on too).
   */
  public static ImportedCache load(List<CacheStorage> sources, java.util.function.BiConsumer<CacheStorage, Exception> onFailure) {
    ImportedCache c = new ImportedCache();
    for (CacheStorage s : sources) {
      try {
        Optional<byte[]> manifestBytes = s.readManifest();
        if (manifestBytes.isEmpty()) {
          onFailure.accept(s, new java.nio.file.NoSuchFileException("no cache found in " + s.describe()));
          continue;
        }
        ImageManifest m = Json.read(manifestBytes.get(), ImageManifest.class, "cache manifest of " + s.describe());
        if (m.config() == null || !CacheGraph.MEDIA_TYPE.equals(m.config().mediaType())) {
          throw new IOException(s.describe() + " is not a jbuild cache (its config is "
              + (m.config() == null ? "missing" : m.config().mediaType()) + ", expected " + CacheGraph.MEDIA_TYPE + ")");
        }
        ByteArrayOutputStream config = new ByteArrayOutputStream();
        s.fetchBlob(m.config(), config);
        CacheGraph g = Json.read(config.toByteArray(), CacheGraph.class, "cache description of " + s.describe());
        java.util.Set<Digest> layers = new java.util.HashSet<>();
        for (Descriptor l : m.layers()) {
          layers.add(l.digest());
        }
        for (CacheRecord r : g.records()) {
          // a record whose layer the manifest does not carry could never be fetched: leave it out
          if (r.key() == null || (!r.empty() && (r.blob() == null || !layers.contains(r.blob().digest())))) {
            continue;
          }
          c.records.putIfAbsent(r.key(), r);
          if (!r.empty()) {
            c.blobSources.putIfAbsent(r.blob().digest(), s);
          }
        }
      } catch (IOException | RuntimeException e) {
        onFailure.accept(s, e);
      }
    }
    return c;
  }

  public boolean isEmpty() {
    return records.isEmpty();
  }

  public int size() {
    return records.size();
  }

  /** The record of a key, as the JSON the local cache index keeps ({@link CacheRecord}). */
  public Optional<byte[]> record(Digest key) {
    CacheRecord r = records.get(key);
    return r == null ? Optional.empty() : Optional.of(Json.write(r));
  }

  /** True when an imported cache can supply this blob. */
  public boolean hasBlob(Digest digest) {
    return blobSources.containsKey(digest);
  }

  /**
   * Makes sure the blob is in the content store, fetching it from its cache once however many
   * steps ask at the same time. A blob no imported cache has is left alone (the caller's read
   * then fails with the content store's own "not in the content store").
   */
  public void fetch(Descriptor blob, ContentStore store) throws IOException {
    CacheStorage source = blobSources.get(blob.digest());
    if (source == null || store.contains(blob.digest())) {
      return;
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> theirs = fetches.putIfAbsent(blob.digest(), mine);
    if (theirs != null) {
      try {
        theirs.get();
        return;
      } catch (ExecutionException e) {
        throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while fetching " + blob.digest());
      }
    }
    try (ContentStore.Writer w = store.writer()) {
      source.fetchBlob(blob, w);
      w.commit(blob.digest());
      mine.complete(null);
    } catch (IOException | RuntimeException e) {
      fetches.remove(blob.digest(), mine);
      IOException io = new IOException("cannot fetch layer " + blob.digest() + " from the cache in "
          + source.describe() + ": " + e.getMessage(), e);
      mine.completeExceptionally(io);
      throw io;
    }
  }
}
