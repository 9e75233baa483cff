package io.jbuild.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHashCacheTest {
  @TempDir Path tmp;

  private static final String SHA_OF_A = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";

  @Test
  void hash_rememberedAcrossOpens_byItsStat_soTheFileIsNotReadAgain() throws Exception {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path a = Files.writeString(ctx.resolve("a.txt"), "a");
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      assertEquals(SHA_OF_A, c.hash("a.txt", a, 1, 2, 1, 3, 4));
    }
    Files.delete(a); // a read would fail now: only the remembered hash can answer
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      assertEquals(SHA_OF_A, c.hash("a.txt", a, 1, 2, 1, 3, 4));
      // any stat field that differs means the file is read again
      assertThrows(java.nio.file.NoSuchFileException.class, () -> c.hash("a.txt", a, 1, 2, 1, 3, 5));
    }
  }

  @Test
  void open_damagedOrForeignFile_isAnEmptyCache() throws Exception {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path a = Files.writeString(ctx.resolve("a.txt"), "a");
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      c.hash("a.txt", a, 1, 2, 1, 3, 4);
    }
    try (var files = Files.list(root.cache().resolve("contexts"))) {
      Path f = files.findFirst().orElseThrow();
      byte[] b = Files.readAllBytes(f);
      Files.write(f, java.util.Arrays.copyOf(b, b.length - 10)); // cut short
    }
    Files.writeString(a, "b");
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      assertEquals("3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d", c.hash("a.txt", a, 1, 2, 1, 3, 4));
    }
  }

  @Test
  void prefetch_hashAsksForTheSameStat_takesTheBackgroundResult() throws Exception {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path a = Files.writeString(ctx.resolve("a.txt"), "a");
    java.util.List<Runnable> queued = new java.util.ArrayList<>();
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      c.prefetch("a.txt", a, 1, 2, 1, 3, 4, queued::add);
      c.prefetch("a.txt", a, 1, 2, 1, 3, 4, queued::add); // asked twice, hashed once
      assertEquals(1, queued.size());
      queued.get(0).run(); // the background thread's turn: the file is read here
      Files.delete(a);
      assertEquals(SHA_OF_A, c.hash("a.txt", a, 1, 2, 1, 3, 4), "answered by the prefetch");
    }
  }

  @Test
  void prefetch_fileChangedBeforeItsStep_isReadAgain() throws Exception {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path a = Files.writeString(ctx.resolve("a.txt"), "a");
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      c.prefetch("a.txt", a, 1, 2, 1, 3, 4, Runnable::run);
      Files.writeString(a, "b"); // a new stat (here: ctime 5) at the step
      assertEquals("3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d",
          c.hash("a.txt", a, 1, 2, 1, 3, 5));
    }
  }

  @Test
  void prefetch_failedRead_isReportedByTheStepsOwnRead() throws Exception {
    StorageRoot root = StorageRoot.open(tmp.resolve("root"));
    Path ctx = Files.createDirectories(tmp.resolve("ctx"));
    Path missing = ctx.resolve("gone.bin");
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      c.prefetch("gone.bin", missing, 1, 2, 1, 3, 4, Runnable::run);
      assertThrows(java.nio.file.NoSuchFileException.class, () -> c.hash("gone.bin", missing, 1, 2, 1, 3, 4));
    }
  }
}
