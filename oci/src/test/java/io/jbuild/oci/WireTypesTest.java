package io.jbuild.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Each wire type reads a real-shaped sample and writes it back with the same JSON content. */
class WireTypesTest {
  private static byte[] sample(String name) throws IOException {
    try (InputStream in = WireTypesTest.class.getResourceAsStream("/samples/" + name)) {
      return in.readAllBytes();
    }
  }

  private static void assertSameJson(byte[] expected, byte[] actual) throws IOException {
    JsonNode a = Json.mapper().readTree(expected);
    JsonNode b = Json.mapper().readTree(actual);
    assertEquals(a, b);
  }

  @Test
  void imageIndex_dockerManifestList_roundTrips() throws IOException {
    byte[] raw = sample("docker-manifest-list.json");
    ImageIndex index = Json.read(raw, ImageIndex.class, "index");
    assertEquals(MediaTypes.DOCKER_MANIFEST_LIST, index.mediaType());
    assertEquals("v8", index.manifests().get(1).platform().variant());
    assertTrue(MediaTypes.isIndex(index.mediaType()));
    assertSameJson(raw, Json.write(index));
  }

  @Test
  void imageManifest_oci_roundTrips() throws IOException {
    byte[] raw = sample("oci-manifest.json");
    ImageManifest m = Json.read(raw, ImageManifest.class, "manifest");
    assertEquals(2220094, m.layers().get(0).size());
    assertEquals("gzip", MediaTypes.layerCompression(m.layers().get(0).mediaType()));
    assertSameJson(raw, Json.write(m));
  }

  @Test
  void imageConfig_withHistoryAndHealthcheck_roundTrips() throws IOException {
    byte[] raw = sample("image-config.json");
    ImageConfig c = Json.read(raw, ImageConfig.class, "config");
    assertEquals(java.util.List.of("sh"), c.containerConfig().cmd());
    assertEquals(30_000_000_000L, c.containerConfig().healthcheck().interval());
    assertTrue(c.historyOrEmpty().get(1).isEmptyLayer());
    assertEquals(1, c.diffIds().size());
    // "OnBuild": null is the same as absent
    JsonNode expected = Json.mapper().readTree(raw);
    ((com.fasterxml.jackson.databind.node.ObjectNode) expected.get("config")).remove("OnBuild");
    assertEquals(expected, Json.mapper().readTree(Json.write(c)));
  }

  @Test
  void json_write_isDeterministicWithSortedMaps() {
    ContainerConfig c = ContainerConfig.EMPTY.withLabels(new java.util.HashMap<>(java.util.Map.of("b", "2", "a", "1", "c", "3")));
    assertEquals("{\"Labels\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}", Json.writeString(c));
  }

  @Test
  void json_read_malformed_namesWhatWasRead() {
    InvalidContentException e = assertThrows(InvalidContentException.class,
        () -> Json.read("{\"schemaVersion\":", ImageManifest.class, "manifest of x"));
    assertTrue(e.getMessage().startsWith("malformed manifest of x"), e.getMessage());
  }

  @Test
  void digest_parse_rejectsBadHexAndAlgorithms() {
    Digest d = Digest.sha256("abc");
    assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d.toString());
    assertEquals(d, Digest.parse(d.toString()));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:abc"));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("md5:" + "0".repeat(32)));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("nocolon"));
  }

  @Test
  void descriptor_negativeSize_isRejected() {
    assertThrows(IllegalArgumentException.class, () -> Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256("x"), -1));
  }

  @Test
  void platform_parse_normalisesLikeContainerd() {
    assertEquals("linux/amd64", Platform.parse("linux/x86_64").toString());
    assertEquals("linux/arm64/v8", Platform.parse("linux/aarch64").toString());
    assertTrue(Platform.parse("linux/arm64").matches(Platform.of("linux", "arm64", null)));
    assertTrue(Platform.of("linux", "amd64", null).matches(Platform.parse("linux/amd64")));
    assertTrue(!Platform.of("linux", "arm64", "v8").matches(Platform.parse("linux/amd64")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
    assertTrue(e.getMessage().contains("os/arch"));
    assertNull(Platform.parse("linux/amd64").variant());
  }
}
