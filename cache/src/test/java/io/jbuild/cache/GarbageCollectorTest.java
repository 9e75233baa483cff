package io.jbuild.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectorTest {
  @TempDir
  Path dir;

  private StorageRoot root;
  private ContentStore store;
  private Digest manifest;
  private Digest imageLayer;
  private Digest cachedLayer;
  private Digest oldLayer;
  private Digest orphan;
  private CacheIndex index;

  @BeforeEach
  void content() throws Exception {
    root = StorageRoot.open(dir);
    store = root.content();
    index = new CacheIndex(root);
    imageLayer = store.put(new byte[1000]);
    Digest config = store.put("{\"rootfs\":{}}".getBytes(StandardCharsets.UTF_8));
    manifest = store.put(Json.write(ImageManifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, config, 13),
        List.of(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, imageLayer, 1000)))));
    cachedLayer = store.put(new byte[2000]);
    oldLayer = store.put(new byte[3000]);
    orphan = store.put("orphan".getBytes(StandardCharsets.UTF_8));
    record("recent", cachedLayer, Instant.now());
    record("old", oldLayer, Instant.now().minus(Duration.ofDays(3)));
    snapshot("s-image", imageLayer);
    snapshot("s-old", oldLayer);
    Files.createDirectories(root.snapshots().resolve("s-unknown/fs"));
  }

  private void record(String name, Digest layer, Instant used) throws Exception {
    Digest key = Digest.sha256(name);
    index.put(key, ("{\"empty\":false,\"blob\":{\"mediaType\":\"x\",\"digest\":\"" + layer + "\",\"size\":1}}")
        .getBytes(StandardCharsets.UTF_8));
    Path f = index.keysDir().resolve(key.encoded().substring(0, 2)).resolve(key.encoded());
    Files.setLastModifiedTime(f, FileTime.from(used));
  }

  private void snapshot(String name, Digest blob) throws Exception {
    Path s = Files.createDirectories(root.snapshots().resolve(name).resolve("fs"));
    Files.writeString(s.getParent().resolve(GarbageCollector.SNAPSHOT_BLOB_FILE), blob.toString());
  }

  @Test
  void collect_default_keepsImagesAndCacheButRemovesOrphansAndUnknownSnapshots() throws Exception {
    GarbageCollector.Report r = GarbageCollector.collect(root, Set.of(manifest), new GarbageCollector.Options(false, -1, null));
    assertEquals(0, r.records());
    assertFalse(store.contains(orphan));
    assertTrue(store.contains(imageLayer) && store.contains(cachedLayer) && store.contains(oldLayer) && store.contains(manifest));
    assertFalse(Files.exists(root.snapshots().resolve("s-unknown")));
    assertTrue(Files.exists(root.snapshots().resolve("s-old")));
  }

  @Test
  void collect_until_dropsCacheUnusedForLonger() throws Exception {
    GarbageCollector.Report r = GarbageCollector.collect(root, Set.of(manifest), new GarbageCollector.Options(false, -1, Duration.ofDays(1)));
    assertEquals(1, r.records());
    assertFalse(store.contains(oldLayer));
    assertTrue(store.contains(cachedLayer));
    assertFalse(Files.exists(root.snapshots().resolve("s-old")));
    assertTrue(Files.exists(root.snapshots().resolve("s-image")));
  }

  @Test
  void collect_all_keepsOnlyNamedImages() throws Exception {
    GarbageCollector.collect(root, Set.of(manifest), new GarbageCollector.Options(true, -1, null));
    assertTrue(store.contains(manifest) && store.contains(imageLayer));
    assertFalse(store.contains(cachedLayer) || store.contains(oldLayer));
    assertEquals(0, GarbageCollector.usage(root).records());
  }

  @Test
  void collect_keepStorage_removesLeastRecentlyUsedFirst() throws Exception {
    long total = GarbageCollector.usage(root).total();
    GarbageCollector.collect(root, Set.of(manifest), new GarbageCollector.Options(false, total - 3000, null));
    assertFalse(store.contains(oldLayer), "the least recently used record goes first");
    assertTrue(store.contains(cachedLayer));
  }
}
