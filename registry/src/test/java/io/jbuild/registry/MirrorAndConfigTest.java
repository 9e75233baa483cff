package io.jbuild.registry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageManifest;
import io.jbuild.oci.ImageReference;
import io.jbuild.oci.Json;
import io.jbuild.oci.MediaTypes;
import io.jbuild.registry.testing.RegistryFixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorAndConfigTest {
  @TempDir Path tmp;

  /** Pushes a one-blob image under {@code repoTag} and returns its manifest bytes. */
  private static byte[] pushImage(RegistryAccess access, ImageReference ref, String text) throws IOException {
    byte[] cfg = ("{\"os\":\"linux\",\"architecture\":\"amd64\",\"comment\":\"" + text + "\"}").getBytes();
    Descriptor d = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(cfg), cfg.length);
    access.pushBlob(ref, d, () -> new ByteArrayInputStream(cfg));
    byte[] manifest = Json.write(ImageManifest.oci(d, List.of()));
    access.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest);
    return manifest;
  }

  @Test
  void fetch_mirrorHasTheImage_isServedByTheMirror_andMissingContentFallsBackToTheRegistry() throws IOException {
    try (RegistryFixture upstream = RegistryFixture.plainHttp(); RegistryFixture mirror = RegistryFixture.plainHttp()) {
      Path docker = Files.createDirectories(tmp.resolve("docker"));
      RegistryAccess direct = new RegistryAccess(upstream.clientConfig(docker));
      byte[] upstreamManifest = pushImage(direct, upstream.reference("lib/app:1"), "upstream");
      byte[] mirrorManifest = pushImage(direct, mirror.reference("lib/app:1"), "mirror");
      pushImage(direct, upstream.reference("lib/only-upstream:1"), "only upstream");
      // a dead first mirror, then the live one
      RegistryConfig config = upstream.clientConfig(docker)
          .withMirrors(upstream.host(), List.of("127.0.0.1:1", mirror.host()));
      RegistryAccess access = new RegistryAccess(config);

      FetchedManifest viaMirror = access.fetchManifest(upstream.reference("lib/app:1"));
      FetchedManifest fallback = access.fetchManifest(upstream.reference("lib/only-upstream:1"));

      assertArrayEquals(mirrorManifest, viaMirror.bytes());
      assertFalse(java.util.Arrays.equals(upstreamManifest, viaMirror.bytes()));
      ImageManifest m = Json.read(fallback.bytes(), ImageManifest.class, "m");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      access.fetchBlob(upstream.reference("lib/only-upstream:1"), m.config(), out);
      assertTrue(out.toString().contains("only upstream"));
    }
  }

  @Test
  void defaults_registriesFile_readsMirrorsAndInsecureRegistries() throws IOException {
    Path file = tmp.resolve("registries.json");
    Files.writeString(file, "{\"mirrors\":{\"docker.io\":[\"https://mirror.example.com/\",\"127.0.0.1:5001\"]},"
        + "\"insecure\":[\"registry.internal:5000\"]}");

    RegistryConfig c = RegistryConfig.defaults(Map.of("JBUILD_REGISTRIES_CONFIG", file.toString()), tmp);

    assertEquals(List.of("mirror.example.com", "127.0.0.1:5001"), c.mirrors().get("docker.io"));
    assertTrue(c.allowsPlainHttp("registry.internal:5000"));
    assertFalse(c.allowsPlainHttp("registry.example.com"));
  }

  @Test
  void allowsPlainHttp_loopbackOnly_byDefault() {
    RegistryConfig c = RegistryConfig.defaults(Map.of(), tmp);

    assertTrue(c.allowsPlainHttp("localhost:5000"));
    assertTrue(c.allowsPlainHttp("127.0.0.1:5000"));
    assertTrue(c.allowsPlainHttp("127.12.0.9"));
    assertTrue(c.allowsPlainHttp("[::1]:5000"));
    assertFalse(c.allowsPlainHttp("128.0.0.1:5000"));
    assertFalse(c.allowsPlainHttp("docker.io"));
    assertFalse(c.allowsPlainHttp("localhost.example.com"));
  }

  @Test
  void defaults_dockerConfigEnvironment_pointsAtThatDirectory() {
    RegistryConfig c = RegistryConfig.defaults(Map.of("DOCKER_CONFIG", "/x/docker"), tmp);
    RegistryConfig home = RegistryConfig.defaults(Map.of(), tmp);

    assertEquals(Path.of("/x/docker"), c.dockerConfigDir());
    assertEquals(tmp.resolve(".docker"), home.dockerConfigDir());
  }

  @Test
  void challengeParse_bearerWithQuotedCommas_keepsTheScopeWhole() {
    Challenge c = Challenge.parse("Bearer realm=\"https://auth.example/token\",service=\"reg\","
        + "scope=\"repository:a/b:pull,push\"");

    assertTrue(c.isBearer());
    assertEquals("https://auth.example/token", c.param("realm"));
    assertEquals("reg", c.param("service"));
    assertEquals("repository:a/b:pull,push", c.param("scope"));
  }

  @Test
  void challengeParse_basic_isBasic() {
    assertTrue(Challenge.parse("Basic realm=\"jbuild-test\"").isBasic());
  }

  @Test
  void errorDetail_distributionErrorDocument_showsCodeAndMessage() {
    String d = Transport.errorDetail("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}".getBytes());

    assertEquals(": MANIFEST_UNKNOWN manifest unknown", d);
  }
}
