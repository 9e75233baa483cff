package io.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Docker's normalisation (distribution/reference ParseNormalizedNamed). */
class ImageReferenceTest {
  @ParameterizedTest
  @CsvSource({
    "busybox, docker.io, library/busybox, latest",
    "busybox:1.36, docker.io, library/busybox, 1.36",
    "user/app, docker.io, user/app, latest",
    "docker.io/library/busybox:latest, docker.io, library/busybox, latest",
    "index.docker.io/library/busybox, docker.io, library/busybox, latest",
    "localhost/app:1.0, localhost, app, 1.0",
    "localhost:5000/a/b/c:t, localhost:5000, a/b/c, t",
    "127.0.0.1:5000/library/busybox, 127.0.0.1:5000, library/busybox, latest",
    "registry.example.com/app, registry.example.com, app, latest",
    "[::1]:5000/app:v1, [::1]:5000, app, v1",
  })
  void parse_normalises(String text, String registry, String repository, String tag) {
    ImageReference r = ImageReference.parse(text);
    assertEquals(registry, r.registry());
    assertEquals(repository, r.repository());
    assertEquals(tag, r.tag());
    assertNull(r.digest());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "upper/CASE", "Busybox", "app:", "a:b:c", "app@sha256:123", "app/", "/app", "app:-tag", "a..b"})
  void parse_invalid_saysWhatIsWrong(String text) {
    InvalidReferenceException e = assertThrows(InvalidReferenceException.class, () -> ImageReference.parse(text));
    assertTrue(e.getMessage().startsWith("invalid image reference"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79"})
  void parse_digest_keepsNoDefaultTag(String text) {
    ImageReference r = ImageReference.parse(text);
    assertNull(r.tag());
    assertEquals("sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79", r.tagOrDigest());
    assertEquals("busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79", r.familiar());
  }

  @ParameterizedTest
  @CsvSource({"busybox, busybox:latest", "localhost:5000/x:1, localhost:5000/x:1", "user/app:2, user/app:2"})
  void familiar_dropsDockerHubPrefix(String text, String familiar) {
    assertEquals(familiar, ImageReference.parse(text).familiar());
  }

  @Test
  void equalsAndHashCode_writtenOut_agreeWithTheComponents() {
    String hex = "a".repeat(64);
    ImageReference a = ImageReference.parse("127.0.0.1:5000/library/busybox:latest@sha256:" + hex);
    ImageReference b = ImageReference.parse("127.0.0.1:5000/library/busybox:latest@sha256:" + hex);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(new Digest("sha256", hex), a.digest());
    assertEquals(new Digest("sha256", hex).hashCode(), a.digest().hashCode());
    assertNotEquals(a, a.withTag("other"));
    assertNotEquals(a, ImageReference.parse("127.0.0.1:5000/library/busybox:latest"));
    assertNotEquals(new Digest("sha256", hex), new Digest("sha256", "b".repeat(64)));
    assertNotEquals(a.digest(), hex);
  }
}
