package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.testing.FaultProxy;
import io.jbuild.registry.testing.RegistryFixture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push and pull of a ~50 MB blob through a {@link FaultProxy} that drops connections, answers
 * 500/503, resets transfers half-way and stalls; and a registry that stays down.
 */
class FaultToleranceTest {
  private static final int MB = 1 << 20;
  private static final long BIG = 50L * MB;
  private static RegistryFixture registry;
  private static Path bigFile;
  private static Descriptor bigBlob;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws IOException {
    registry = RegistryFixture.plainHttp();
    bigFile = Files.createTempFile("jbuild-big-", ".bin");
    MessageDigest md = Digest.newSha256();
    Random random = new Random(42);
    byte[] buf = new byte[MB];
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(bigFile), md)) {
      for (long i = 0; i < BIG / MB; i++) {
        random.nextBytes(buf);
        out.write(buf);
      }
    }
    bigBlob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.ofSha256(md.digest()), BIG);
  }

  @AfterAll
  static void stop() throws IOException {
    if (registry != null) {
      registry.close();
    }
    if (bigFile != null) {
      Files.deleteIfExists(bigFile);
    }
  }

  private RegistryConfig config(int attempts) throws IOException {
    return registry.clientConfig(Files.createDirectories(tmp.resolve("docker")))
        .withRetries(attempts, Duration.ofMillis(20), Duration.ofMillis(200))
        // short read timeout so that stalls are noticed quickly; uploads get 200 MB/s of grace
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1), 200L * MB);
  }

  private static Digest sha256Of(Path file) throws IOException {
    MessageDigest md = Digest.newSha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[MB];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
      }
    }
    return Digest.ofSha256(md.digest());
  }

  @Test
  void pushThenPull_throughDroppedConnections5xxResetsAndStalls_completeAndVerify() throws IOException {
    try (FaultProxy proxy = FaultProxy.start(registry.port())) {
      RegistryAccess access = new RegistryAccess(config(8));
      ImageReference ref = ImageReference.parse(proxy.host() + "/faults/big:1");
      proxy.dropConnections(1).answer503(1).answer500(1).resetUploadsAfter(20L * MB, 2);

      access.pushBlob(ref, bigBlob, () -> Files.newInputStream(bigFile));
      byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes();
      Descriptor configDesc = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length);
      access.pushBlob(ref, configDesc, () -> new java.io.ByteArrayInputStream(config));
      byte[] manifest = Json.write(ImageManifest.oci(configDesc, List.of(bigBlob)));
      access.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest);
      int pushFaults = proxy.faultsFired();

      long downBefore = proxy.bytesDown();
      proxy.resetDownloadsAfter(10L * MB, 1).stallDownloadsAfter(30L * MB, 1).answer500(1);
      RegistryAccess fresh = new RegistryAccess(config(8));
      FetchedManifest fetched = fresh.fetchManifest(ref);
      Path pulled = tmp.resolve("pulled.bin");
      try (OutputStream out = Files.newOutputStream(pulled)) {
        fresh.fetchBlob(ref, bigBlob, out);
      }

      assertEquals(5, pushFaults, "every armed push fault fired");
      assertEquals(8, proxy.faultsFired(), "every armed pull fault fired");
      assertArrayEquals(manifest, fetched.bytes());
      assertEquals(bigBlob.digest(), sha256Of(pulled));
      long downloaded = proxy.bytesDown() - downBefore;
      assertTrue(downloaded < BIG + 8L * MB, "resumed with Range instead of starting over: " + downloaded + " bytes");
    }
  }

  @Test
  void pushBlob_chunkedUploadResetHalfWay_completes() throws IOException {
    try (FaultProxy proxy = FaultProxy.start(registry.port())) {
      RegistryAccess access = new RegistryAccess(config(6).withChunkSize(16L * MB));
      ImageReference ref = ImageReference.parse(proxy.host() + "/faults/chunked:1");
      proxy.resetUploadsAfter(24L * MB, 1).answer503(1);

      access.pushBlob(ref, bigBlob, () -> Files.newInputStream(bigFile));

      assertTrue(access.blobExists(ref, bigBlob.digest()));
      assertTrue(proxy.faultsFired() >= 1);
    }
  }

  @Test
  void fetchManifest_registryStaysDown_failsWithinBoundNamingRegistryAndAttempts() throws IOException {
    try (FaultProxy proxy = FaultProxy.start(registry.port())) {
      proxy.down(true);
      RegistryAccess access = new RegistryAccess(config(4));
      long start = System.nanoTime();

      RegistryException e = assertThrows(RegistryException.class,
          () -> access.fetchManifest(ImageReference.parse(proxy.host() + "/faults/down:1")));

      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 5_000, "gave up after " + ms + " ms");
      assertTrue(e.getMessage().contains(proxy.host()), e.getMessage());
      assertTrue(e.getMessage().contains("gave up after 4 attempts"), e.getMessage());
    }
  }

  @Test
  void fetchManifest_registryStalledForever_failsWithinBound() throws IOException {
    try (FaultProxy proxy = FaultProxy.start(registry.port())) {
      proxy.stallConnections(1000);
      RegistryAccess access = new RegistryAccess(config(3));
      long start = System.nanoTime();

      RegistryException e = assertThrows(RegistryException.class,
          () -> access.fetchManifest(ImageReference.parse(proxy.host() + "/faults/stall:1")));

      long ms = (System.nanoTime() - start) / 1_000_000;
      assertTrue(ms < 15_000, "gave up after " + ms + " ms");
      assertTrue(e.getMessage().contains(proxy.host()), e.getMessage());
    }
  }

  @Test
  void fetchManifest_nothingListening_failsNamingTheRegistry() throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    RegistryAccess access = new RegistryAccess(config(3));

    RegistryException e = assertThrows(RegistryException.class,
        () -> access.fetchManifest(ImageReference.parse("127.0.0.1:" + port + "/nobody/home:1")));

    assertEquals(0, e.status());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
  }
}
