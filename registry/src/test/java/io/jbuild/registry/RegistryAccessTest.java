package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.InvalidContentException;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.testing.RegistryFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RegistryAccess against a real distribution registry over plain HTTP without auth. */
class RegistryAccessTest {
  private static RegistryFixture registry;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = RegistryFixture.plainHttp();
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
  }

  private RegistryAccess access() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    return new RegistryAccess(registry.clientConfig(docker));
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static Descriptor blob(byte[] b) {
    return Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(b), b.length);
  }

  /** A supplier that counts how often the content was opened. */
  static IOSupplier<InputStream> counting(byte[] b, AtomicInteger opened) {
    return () -> {
      opened.incrementAndGet();
      return new java.io.ByteArrayInputStream(b);
    };
  }

  @Test
  void pushBlob_thenFetchBlob_returnsTheSameBytes() throws IOException {
    RegistryAccess access = access();
    ImageReference repo = registry.reference("test/roundtrip:1");
    byte[] content = randomBytes(300_000, 1);
    access.pushBlob(repo, blob(content), counting(content, new AtomicInteger()));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    access.fetchBlob(repo, blob(content), out);

    assertArrayEquals(content, out.toByteArray());
    assertTrue(access.blobExists(repo, Digest.sha256(content)));
  }

  @Test
  void blobExists_unknownDigest_isFalse() throws IOException {
    assertFalse(access().blobExists(registry.reference("test/none:1"), Digest.sha256("nothing here")));
  }

  @Test
  void pushBlob_blobAlreadyThere_neverOpensTheContent() throws IOException {
    ImageReference repo = registry.reference("test/twice:1");
    byte[] content = randomBytes(10_000, 2);
    access().pushBlob(repo, blob(content), counting(content, new AtomicInteger()));

    AtomicInteger opened = new AtomicInteger();
    access().pushBlob(repo, blob(content), counting(content, opened));

    assertEquals(0, opened.get());
  }

  @Test
  void pushBlob_blobInAnotherRepositoryOfTheRegistry_isMountedNotSent() throws IOException {
    RegistryAccess access = access();
    byte[] content = randomBytes(50_000, 3);
    access.pushBlob(registry.reference("test/mount-source:1"), blob(content), counting(content, new AtomicInteger()));

    AtomicInteger opened = new AtomicInteger();
    ImageReference target = registry.reference("test/mount-target:1");
    access.pushBlob(target, blob(content), counting(content, opened));

    assertEquals(0, opened.get());
    assertTrue(access.blobExists(target, Digest.sha256(content)));
  }

  @Test
  void pushBlob_largerThanChunkSize_uploadsInChunks() throws IOException {
    Path docker = Files.createDirectories(tmp.resolve("docker"));
    RegistryAccess access = new RegistryAccess(registry.clientConfig(docker).withChunkSize(1 << 20));
    ImageReference repo = registry.reference("test/chunked:1");
    byte[] content = randomBytes((int) (3.5 * (1 << 20)), 4);
    AtomicInteger opened = new AtomicInteger();

    access.pushBlob(repo, blob(content), counting(content, opened));

    assertEquals(4, opened.get(), "one stream per chunk");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    access.fetchBlob(repo, blob(content), out);
    assertArrayEquals(content, out.toByteArray());
  }

  @Test
  void pushManifest_thenFetchManifest_returnsTheExactBytesAndDigest() throws IOException {
    RegistryAccess access = access();
    ImageReference ref = registry.reference("test/manifest:v1");
    byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes();
    Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
    access.pushBlob(ref, configDesc, () -> new java.io.ByteArrayInputStream(config));
    // pretty-printed on purpose: the digest is over these bytes, whitespace included
    byte[] manifest = Json.mapper().writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(ImageManifest.oci(configDesc, List.of()));

    access.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest);
    FetchedManifest byTag = access.fetchManifest(ref);
    FetchedManifest byDigest = access.fetchManifest(ref.withDigest(Digest.sha256(manifest)));

    assertArrayEquals(manifest, byTag.bytes());
    assertEquals(Digest.sha256(manifest), byTag.digest());
    assertEquals(MediaTypes.OCI_MANIFEST, byTag.mediaType());
    assertArrayEquals(manifest, byDigest.bytes());
  }

  @Test
  void fetchManifest_unknownTag_failsNamingRegistryRepositoryAndStatus() throws IOException {
    RegistryAccess access = access();
    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(registry.reference("test/missing:nope")));

    assertEquals(404, e.status());
    assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
    assertTrue(e.getMessage().contains("test/missing"), e.getMessage());
  }

  @Test
  void fetchBlob_registryServesOtherBytes_throwsInvalidContent() throws IOException {
    RegistryAccess access = access();
    ImageReference repo = registry.reference("test/corrupt:1");
    byte[] content = randomBytes(20_000, 5);
    Digest digest = Digest.sha256(content);
    access.pushBlob(repo, blob(content), counting(content, new AtomicInteger()));
    Path data = registry.storage().resolve("docker/registry/v2/blobs/sha256/" + digest.encoded().substring(0, 2)
        + "/" + digest.encoded() + "/data");
    Files.write(data, randomBytes(content.length, 6));

    InvalidContentException e = assertThrows(InvalidContentException.class,
        () -> access.fetchBlob(repo, blob(content), new ByteArrayOutputStream()));

    assertTrue(e.getMessage().contains(digest.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(registry.host()), e.getMessage());
  }
}
