package io.jbuild.cache.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.ContentStore;
import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCacheRoundTripTest {
  @TempDir
  Path dir;

  private static final Digest KEY_A = Digest.sha256("key a");
  private static final Digest KEY_EMPTY = Digest.sha256("key empty");

  /** Root A's store with one layer blob and its record, plus a record of a step that changed nothing. */
  private List<CacheRecord> recordsIn(ContentStore store, byte[] layer) throws Exception {
    Digest blob = store.put(layer);
    Descriptor d = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, blob, layer.length);
    return List.of(new CacheRecord(KEY_A, false, Digest.sha256("diff"), d, "2024-01-01T00:00:00Z"),
        new CacheRecord(KEY_EMPTY, true, null, null, "2024-01-02T00:00:00Z"));
  }

  @Test
  void export_thenLoad_givesTheRecordsAndFetchesTheBlobOnlyWhenAsked() throws Exception {
    byte[] layer = "layer bytes".getBytes(StandardCharsets.UTF_8);
    ContentStore a = StorageRoot.open(dir.resolve("a")).content();
    List<CacheRecord> records = recordsIn(a, layer);
    LocalCacheStorage cacheDir = new LocalCacheStorage(dir.resolve("cache"));
    new CacheExporter(a, ImportedCache.empty()).export(records, cacheDir);

    ContentStore b = StorageRoot.open(dir.resolve("b")).content();
    List<Exception> failures = new ArrayList<>();
    ImportedCache imported = ImportedCache.load(List.of(cacheDir), (s, e) -> failures.add(e));
    assertTrue(failures.isEmpty(), failures.toString());
    assertEquals(2, imported.size());
    CacheRecord r = Json.read(imported.record(KEY_A).orElseThrow(), CacheRecord.class, "record");
    assertEquals(records.get(0), r);
    assertTrue(Json.read(imported.record(KEY_EMPTY).orElseThrow(), CacheRecord.class, "record").empty());
    // lazy: loading the cache reads the description only, the layer stays remote until fetched
    assertFalse(b.contains(r.blob().digest()));
    assertTrue(imported.hasBlob(r.blob().digest()));
    imported.fetch(r.blob(), b);
    assertArrayEquals(layer, b.read(r.blob().digest()));
  }

  @Test
  void export_localDirectory_isAnOciLayoutWithTheCacheManifest() throws Exception {
    ContentStore a = StorageRoot.open(dir.resolve("a")).content();
    List<CacheRecord> records = recordsIn(a, new byte[] {1, 2, 3});
    Digest manifest = new CacheExporter(a, ImportedCache.empty()).export(records, new LocalCacheStorage(dir.resolve("cache")));

    // docs/cache-format.md: oci-layout + index.json -> manifest (config = cache graph, layers = blobs)
    assertTrue(Files.readString(dir.resolve("cache/oci-layout")).contains("\"imageLayoutVersion\":\"1.0.0\""));
    assertTrue(Files.readString(dir.resolve("cache/index.json")).contains(manifest.toString()));
    ImageManifest m = Json.read(Files.readAllBytes(dir.resolve("cache/blobs/sha256/" + manifest.encoded())),
        ImageManifest.class, "manifest");
    assertEquals(CacheGraph.MEDIA_TYPE, m.config().mediaType());
    assertEquals(CacheGraph.ARTIFACT_TYPE, m.artifactType());
    assertEquals(List.of(records.get(0).blob()), m.layers());
    CacheGraph g = Json.read(Files.readAllBytes(dir.resolve("cache/blobs/sha256/" + m.config().digest().encoded())),
        CacheGraph.class, "graph");
    assertEquals(records, g.records());
  }

  @Test
  void load_missingDirectory_reportsAFailureAndImportsNothing() {
    List<String> failures = new ArrayList<>();
    ImportedCache imported = ImportedCache.load(List.of(new LocalCacheStorage(dir.resolve("nothing-here"))),
        (s, e) -> failures.add(s.describe() + ": " + e.getMessage()));
    assertTrue(imported.isEmpty());
    assertEquals(1, failures.size());
    assertTrue(failures.get(0).contains("nothing-here"), failures.get(0));
  }

  @Test
  void fetch_blobNoCacheHas_leavesTheStoreAlone() throws Exception {
    ContentStore b = StorageRoot.open(dir.resolve("b")).content();
    Descriptor unknown = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256("x"), 1);
    ImportedCache.empty().fetch(unknown, b);
    assertFalse(b.contains(unknown.digest()));
  }
}
