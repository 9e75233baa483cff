package io.jbuild.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.cache.StorageRoot;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Platform;
import io.jbuild.registry.testing.TestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  private static final Platform AMD64 = Platform.of("linux", "amd64", null);

  @TempDir Path tmp;

  @Test
  void tag_thenResolve_returnsTheManifestDescriptor() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 1));
    ImageStore images = new ImageStore(root);

    images.tag(ImageReference.parse("app:1.0"), image.manifest());

    assertEquals(Optional.of(image.manifest()), images.resolve(ImageReference.parse("docker.io/library/app:1.0")));
    assertEquals(Optional.empty(), images.resolve(ImageReference.parse("app:2.0")));
  }

  @Test
  void entryBytes_sameAsTheMappersEntry_soAShortcutWritesTheTagFileATagWould() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 3));
    Descriptor withPlatform = image.manifest().withPlatform(AMD64);
    for (Descriptor d : java.util.List.of(image.manifest(), withPlatform)) {
      String ref = "registry.example.com:5000/team/app:1.0";
      assertArrayEquals(io.jbuild.oci.Json.write(new ImageStore.Entry(ref, d)),
          ImageStore.entryBytes(ref, new String(io.jbuild.oci.Json.write(d), java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  @Test
  void writeEntry_thenEntryFile_andTag_agree() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 4));
    ImageStore images = new ImageStore(root);
    ImageReference ref = ImageReference.parse("app:1.0");
    images.tag(ref, image.manifest());
    byte[] tagged = images.entryFile(ref);
    images.writeEntry(ref, ImageStore.entryBytes(ref.toString(),
        new String(io.jbuild.oci.Json.write(image.manifest()), java.nio.charset.StandardCharsets.UTF_8)));
    assertArrayEquals(tagged, images.entryFile(ref));
    assertEquals(null, images.entryFile(ImageReference.parse("app:2.0")));
  }

  @Test
  void resolve_byDigestOfAStoredManifest_findsItWithoutATag() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 2));

    Optional<Descriptor> d = new ImageStore(root).resolve(ImageReference.parse("app@" + image.manifest().digest()));

    assertEquals(image.manifest().digest(), d.orElseThrow().digest());
    assertEquals(image.manifest().mediaType(), d.orElseThrow().mediaType());
  }

  @Test
  void tag_layerMissingFromContentStore_isRefusedAndNoTagIsWritten() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 100, 3));
    Files.delete(root.content().path(image.layers().get(1).digest()));
    ImageStore images = new ImageStore(root);

    NoSuchFileException e = assertThrows(NoSuchFileException.class,
        () -> images.tag(ImageReference.parse("app:1"), image.manifest()));

    assertTrue(e.getMessage().contains(image.layers().get(1).digest().toString()), e.getMessage());
    assertEquals(Optional.empty(), images.resolve(ImageReference.parse("app:1")));
  }

  @Test
  void list_twoTagsOfOneImage_showsOneImageWithBothNamesIdCreatedAndSize() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 2, 100, 4));
    ImageStore images = new ImageStore(root);
    images.tag(ImageReference.parse("app:1"), image.manifest());
    images.tag(ImageReference.parse("registry.example.com/team/app:latest"), image.manifest());

    List<StoredImage> list = images.list();

    assertEquals(1, list.size());
    StoredImage s = list.get(0);
    assertEquals(2, s.references().size());
    assertEquals(image.config().digest(), s.configDigest());
    assertEquals(Instant.parse("2024-01-02T03:04:05Z"), s.created());
    assertEquals(image.config().size() + image.layers().stream().mapToLong(Descriptor::size).sum(), s.size());
  }

  @Test
  void remove_existingTag_isGoneAndSecondRemoveIsFalse() throws IOException {
    StorageRoot root = StorageRoot.open(tmp);
    TestImage image = Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 5));
    ImageStore images = new ImageStore(root);
    images.tag(ImageReference.parse("app:1"), image.manifest());

    assertTrue(images.remove(ImageReference.parse("app:1")));
    assertFalse(images.remove(ImageReference.parse("app:1")));
    assertEquals(Optional.empty(), images.resolve(ImageReference.parse("app:1")));
    assertTrue(root.content().contains(image.manifest().digest()), "blobs stay until GC");
  }

  @Test
  void tag_concurrentWritersOfOneTag_leaveOneWholeEntry() throws Exception {
    StorageRoot root = StorageRoot.open(tmp);
    List<TestImage> candidates = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      candidates.add(Images.store(root.content(), TestImage.create(AMD64, true, 1, 100, 10 + i)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int round = 0; round < 50; round++) {
        TestImage img = candidates.get(round % 4);
        // a new ImageStore per write, like separate processes sharing the root
        fs.add(pool.submit(() -> {
          new ImageStore(root).tag(ImageReference.parse("app:race"), img.manifest());
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }

    Descriptor winner = new ImageStore(root).resolve(ImageReference.parse("app:race")).orElseThrow();
    assertTrue(candidates.stream().anyMatch(c -> c.manifest().equals(winner)));
    try (var left = Files.list(root.tmp())) {
      assertEquals(0, left.count());
    }
  }
}
