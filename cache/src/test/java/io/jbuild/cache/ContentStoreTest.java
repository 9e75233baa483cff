package io.jbuild.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Digest;
import io.jbuild.oci.InvalidContentException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
  @TempDir
  Path dir;

  @Test
  void put_storesByDigest_andIsIdempotent() throws Exception {
    ContentStore store = StorageRoot.open(dir).content();
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    Digest d = store.put(data);
    assertEquals(Digest.sha256(data), d);
    assertEquals(d, store.put(data));
    assertArrayEquals(data, store.read(d));
    assertTrue(Files.isRegularFile(dir.resolve("blobs/sha256/" + d.encoded())));
    assertTmpEmpty();
  }

  @Test
  void put_wrongExpectedDigest_storesNothing() throws Exception {
    ContentStore store = StorageRoot.open(dir).content();
    Digest wrong = Digest.sha256("other");
    InvalidContentException e = assertThrows(InvalidContentException.class,
        () -> store.put(new ByteArrayInputStream("data".getBytes(StandardCharsets.UTF_8)), wrong));
    assertTrue(e.getMessage().contains("digest mismatch"));
    assertFalse(store.contains(Digest.sha256("data")));
    assertFalse(store.contains(wrong));
    assertTmpEmpty();
  }

  @Test
  void writer_closedWithoutCommit_leavesNothing() throws Exception {
    ContentStore store = StorageRoot.open(dir).content();
    try (ContentStore.Writer w = store.writer()) {
      w.write(new byte[1000]);
    }
    assertTmpEmpty();
    try (Stream<Path> s = Files.list(dir.resolve("blobs/sha256"))) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void verifying_truncatedOrAlteredStream_fails() throws Exception {
    byte[] data = "payload".getBytes(StandardCharsets.UTF_8);
    Digest d = Digest.sha256(data);
    try (InputStream in = ContentStore.verifying(new ByteArrayInputStream(data), d, data.length, "blob")) {
      assertArrayEquals(data, in.readAllBytes());
    }
    InputStream bad = ContentStore.verifying(new ByteArrayInputStream("payloaX".getBytes(StandardCharsets.UTF_8)), d, data.length, "blob x");
    InvalidContentException e = assertThrows(InvalidContentException.class, bad::readAllBytes);
    assertTrue(e.getMessage().startsWith("blob x: digest mismatch"));
  }

  @Test
  void cacheIndex_putGetRemove() throws Exception {
    CacheIndex index = new CacheIndex(StorageRoot.open(dir));
    Digest key = Digest.sha256("key");
    assertTrue(index.get(key).isEmpty());
    index.put(key, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    assertEquals("{\"a\":1}", new String(index.get(key).orElseThrow(), StandardCharsets.UTF_8));
    index.remove(key);
    assertTrue(index.get(key).isEmpty());
    assertTmpEmpty();
  }

  @Test
  void fileHashCache_unchangedFile_isNotReadAgain_butAChangeIs(@TempDir Path ctx) throws Exception {
    StorageRoot root = StorageRoot.open(dir);
    Path f = Files.writeString(ctx.resolve("a.txt"), "one");
    String h1;
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      h1 = c.hash("a.txt", f, attrs(f));
      assertEquals(Digest.sha256("one").encoded(), h1);
    }
    try (FileHashCache c = FileHashCache.open(root, ctx)) {
      // same stat: answered from the cache even though we pass a path that can't be read
      assertEquals(h1, c.hash("a.txt", ctx.resolve("missing"), attrs(f)));
      Files.writeString(f, "two");
      assertEquals(Digest.sha256("two").encoded(), c.hash("a.txt", f, attrs(f)));
    }
  }

  private static Map<String, Object> attrs(Path f) throws Exception {
    return Files.readAttributes(f, "unix:dev,ino,size,lastModifiedTime,ctime");
  }

  private void assertTmpEmpty() throws Exception {
    try (Stream<Path> s = Files.list(dir.resolve("tmp"))) {
      assertEquals(0, s.count(), "tmp/ is empty");
    }
  }
}
