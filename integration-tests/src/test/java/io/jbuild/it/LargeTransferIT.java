package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.RegistryAccess;
import io.jbuild.registry.RegistryConfig;
import io.jbuild.registry.testing.FaultProxy;
import io.jbuild.registry.testing.RegistryFixture;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 acceptance 4 at full size: a 200 MB blob pushed and pulled through a {@link FaultProxy}
 * that drops a connection, answers 500/503, resets the upload and the download half-way and
 * stalls; the pull resumes with Range and the bytes verify. (The registry module's unit test does
 * the same with 50 MB on every build.)
 */
class LargeTransferIT {
  private static final int MB = 1 << 20;
  private static final long SIZE = 200L * MB;

  @TempDir Path tmp;

  @Test
  void pushThenPull_200MbThroughFaults_completesVerifiedAndResumes() throws Exception {
    Path file = tmp.resolve("big.bin");
    MessageDigest md = Digest.newSha256();
    Random random = new Random(4);
    byte[] buf = new byte[MB];
    try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), md)) {
      for (long i = 0; i < SIZE / MB; i++) {
        random.nextBytes(buf);
        out.write(buf);
      }
    }
    Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.ofSha256(md.digest()), SIZE);
    try (RegistryFixture registry = RegistryFixture.plainHttp(); FaultProxy proxy = FaultProxy.start(registry.port())) {
      RegistryConfig config = registry.clientConfig(Files.createDirectories(tmp.resolve("docker")))
          .withRetries(8, Duration.ofMillis(20), Duration.ofMillis(200))
          .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), 20L * MB);
      ImageReference ref = ImageReference.parse(proxy.host() + "/faults/large:1");
      proxy.dropConnections(1).answer503(1).answer500(1).resetUploadsAfter(80L * MB, 1);

      new RegistryAccess(config).pushBlob(ref, blob, () -> Files.newInputStream(file));
      int pushFaults = proxy.faultsFired();

      long downBefore = proxy.bytesDown();
      proxy.resetDownloadsAfter(50L * MB, 1).stallDownloadsAfter(120L * MB, 1).answer500(1);
      Path pulled = tmp.resolve("pulled.bin");
      try (OutputStream out = Files.newOutputStream(pulled)) {
        new RegistryAccess(config).fetchBlob(ref, blob, out);
      }

      assertEquals(4, pushFaults, "every armed push fault fired");
      assertEquals(7, proxy.faultsFired(), "every armed pull fault fired");
      MessageDigest check = Digest.newSha256();
      try (InputStream in = Files.newInputStream(pulled)) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          check.update(buf, 0, n);
        }
      }
      assertEquals(blob.digest(), Digest.ofSha256(check.digest()));
      long downloaded = proxy.bytesDown() - downBefore;
      assertTrue(downloaded < SIZE + 8L * MB, "resumed with Range instead of starting over: " + downloaded + " bytes");
    }
  }
}
