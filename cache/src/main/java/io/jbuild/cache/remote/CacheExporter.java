package io.jbuild.cache.remote;

import io.jbuild.cache.ContentStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code --cache-to}: writes the records of a build and their layer blobs to a cache storage, as
 * one OCI image manifest whose config is the {@link CacheGraph} and whose layers are the cache's
 * layer blobs (BuildKit's {@code image-manifest=true} form, which every registry accepts;
 * docs/cache-format.md). Blobs go first, the manifest last, so a reader never sees a cache that
 * names a missing blob.
 */
public final class CacheExporter {
  private final ContentStore store;
  private final ImportedCache imported;

  /** {@code imported} supplies the blobs of imported steps that this build never fetched. */
  public CacheExporter(ContentStore store, ImportedCache imported) {
    this.store = store;
    this.imported = imported;
  }

  /** Exports {@code records} (in build order) and returns the manifest's digest. */
  public Digest export(List<CacheRecord> records, CacheStorage target) throws IOException {
    Map<Digest, Descriptor> layers = new LinkedHashMap<>();
    List<CacheRecord> kept = new ArrayList<>();
    for (CacheRecord r : records) {
      if (!r.empty()) {
        layers.putIfAbsent(r.blob().digest(), r.blob());
      }
      kept.add(r);
    }
    for (Descriptor l : layers.values()) {
      if (!target.hasBlob(l.digest())) {
        imported.fetch(l, store);
        target.pushBlob(l, () -> store.open(l.digest()));
      }
    }
    byte[] config = Json.write(CacheGraph.of(kept));
    Descriptor configDesc = Descriptor.of(CacheGraph.MEDIA_TYPE, Digest.sha256(config), config.length);
    target.pushBlob(configDesc, () -> new java.io.ByteArrayInputStream(config));
    ImageManifest m = new ImageManifest(2, MediaTypes.OCI_MANIFEST, CacheGraph.ARTIFACT_TYPE, configDesc,
        List.copyOf(layers.values()), null, null);
    byte[] manifest = Json.write(m);
    target.pushManifest(MediaTypes.OCI_MANIFEST, manifest);
    return Digest.sha256(manifest);
  }
}
