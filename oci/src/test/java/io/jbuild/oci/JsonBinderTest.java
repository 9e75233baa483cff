package io.jbuild.oci;

import static io.jbuild.oci.JsonEquivalence.assertSameRead;
import static io.jbuild.oci.JsonEquivalence.assertSameReadThroughJson;
import static io.jbuild.oci.JsonEquivalence.assertSameRoundTrip;
import static io.jbuild.oci.JsonEquivalence.assertSameWrite;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The binder against databind, byte for byte and value for value: the digests of everything
 * jbuild stores depend on the bytes, so where the binder answers it must answer as databind, and
 * where it cannot it must say so (and {@link Json} asks databind).
 */
class JsonBinderTest {
  private static byte[] resource(String path) throws IOException {
    try (InputStream in = JsonBinderTest.class.getResourceAsStream(path)) {
      return in.readAllBytes();
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static final Digest D1 = Digest.sha256("one");
  private static final Digest D2 = Digest.sha256("two");

  /** Every control character, the escapes, '/', the line separators, a BOM, non-BMP characters. */
  private static final String NASTY;

  static {
    StringBuilder b = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      b.append(c);
    }
    b.append("\u007f \" \\ / \u2028 \u2029 \ufeff é ü ☃ 中文 \ud83d\ude00 \ud834\udd1e <>&' end");
    NASTY = b.toString();
  }

  // ---- real documents -----------------------------------------------------------------------

  @Test
  void realManifestsIndexesAndConfigs_readAndWriteAsDatabind() throws IOException {
    Map<String, Class<?>> corpus = new LinkedHashMap<>();
    corpus.put("/samples/docker-manifest-list.json", ImageIndex.class);
    corpus.put("/samples/oci-manifest.json", ImageManifest.class);
    corpus.put("/samples/image-config.json", ImageConfig.class);
    corpus.put("/json-corpus/oci-index-attestations.json", ImageIndex.class);
    corpus.put("/json-corpus/docker-v2-manifest.json", ImageManifest.class);
    corpus.put("/json-corpus/oci-manifest-artifact.json", ImageManifest.class);
    corpus.put("/json-corpus/docker-image-config.json", ImageConfig.class);
    corpus.put("/json-corpus/buildkit-image-config.json", ImageConfig.class);
    for (Map.Entry<String, Class<?>> e : corpus.entrySet()) {
      byte[] json = resource(e.getKey());
      Object typed = assertSameRoundTrip(json, e.getValue());
      assertTrue(typed != null, e.getKey());
      // and untyped, as readTree-like callers see them
      Object tree = assertSameRoundTrip(json, Object.class);
      assertEquals(tree, Json.readTree(json));
      assertSameRoundTrip(json, Map.class);
      // the bytes the binder writes read back to the same value
      assertEquals(typed, Json.read(Json.write(typed), e.getValue(), "again"));
    }
  }

  @Test
  void fullImageConfig_everyContainerConfigField() throws IOException {
    ImageConfig c = assertSameRoundTrip(resource("/json-corpus/docker-image-config.json"), ImageConfig.class);
    ContainerConfig cc = c.containerConfig();
    assertEquals("nginx:nginx", cc.user());
    assertEquals(3, cc.exposedPorts().size());
    assertEquals(2, cc.volumes().size());
    assertEquals(List.of("/docker-entrypoint.sh"), cc.entrypoint());
    assertEquals(Boolean.TRUE, cc.argsEscaped());
    assertEquals(500000000L, cc.healthcheck().startInterval());
    assertEquals(List.of("RUN echo onbuild", "COPY . /app"), cc.onBuild());
    assertEquals(List.of("/bin/bash", "-o", "pipefail", "-c"), cc.shell());
    assertEquals("SIGQUIT", cc.stopSignal());
    assertEquals(Boolean.FALSE, c.historyOrEmpty().get(3).emptyLayer());
    assertEquals("", c.osVersion());
    // written sorted, without the unknown fields, the empty strings kept (NON_NULL)
    String written = new String(Json.write(c), StandardCharsets.UTF_8);
    assertTrue(written.startsWith("{\"created\":\"2023-11-01T05:07:12.512346678Z\",\"author\":\"\",\"architecture\":\"amd64\""),
        written);
    assertTrue(written.contains("\"ExposedPorts\":{\"443/tcp\":{},\"80/tcp\":{},\"8080/udp\":{}}"), written);
  }

  @Test
  void constructedValues_writeAsDatabind() {
    Map<String, String> labels = new HashMap<>();
    labels.put("z", "last");
    labels.put("a", "first");
    labels.put("nul", null);
    labels.put("", "empty key");
    labels.put("é", NASTY);
    Map<String, Map<String, Object>> ports = new HashMap<>();
    ports.put("80/tcp", Map.of());
    ports.put("53/udp", new HashMap<>());
    ContainerConfig full = new ContainerConfig("1000:1000", ports, List.of("A=1", "B=", NASTY), List.of("/bin/sh", "-c"),
        List.of("echo hi"), Map.of("/data", Map.of(), "/cache", Map.of()), "/w", labels, "SIGTERM", true,
        new ContainerConfig.Healthcheck(List.of("CMD", "true"), 1L, 2L, 3L, 4L, 5), List.of("RUN x"), List.of("/bin/bash", "-c"));
    ContainerConfig empties = new ContainerConfig("", Map.of(), List.of(), List.of(), List.of(), Map.of(), "", Map.of(), "",
        false, new ContainerConfig.Healthcheck(null, null, null, null, null, null), List.of(), List.of());
    List<Object> values = new ArrayList<>();
    values.add(full);
    values.add(empties);
    values.add(ContainerConfig.EMPTY);
    values.add(ImageConfig.scratch(Platform.host()));
    values.add(ImageConfig.scratch(Platform.parse("linux/arm64")).withConfig(full).withCreated("2024-01-01T00:00:00Z")
        .withAuthor(NASTY)
        .plusLayer(D1, new ImageConfig.History("c", "COPY a /a # buildkit", null, "buildkit.dockerfile.v0", null))
        .plusLayer(D2, new ImageConfig.History(null, null, null, null, true))
        .plusLayer(D2, new ImageConfig.History("", "", "", "", false)));
    values.add(new ImageConfig(null, null, null, null, null, null, null, null, null));
    values.add(new ImageConfig.RootFs(null, null));
    values.add(new ImageConfig.RootFs("layers", Arrays.asList(D1, null, D2)));
    values.add(Descriptor.of(MediaTypes.OCI_LAYER, D1, 0));
    values.add(Descriptor.of("", D1, Long.MAX_VALUE));
    values.add(new Descriptor(null, null, 0, null, null, null, null));
    values.add(new Descriptor("", null, 1, List.of(), Map.of(), new Platform("", "", "", List.of(), ""), ""));
    values.add(new Descriptor(MediaTypes.OCI_MANIFEST, D2, 7, List.of("https://x/", ""), labels,
        new Platform("amd64", "windows", "10.0", List.of("win32k"), null), "application/x"));
    values.add(new Platform("arm64", "linux", null, null, "v8"));
    values.add(new ImageIndex(0, null, null, null, null, null));
    values.add(new ImageIndex(2, "", "", List.of(), null, Map.of()));
    values.add(ImageIndex.oci(List.of(Descriptor.of(MediaTypes.OCI_MANIFEST, D1, 3).withPlatform(Platform.host()))));
    values.add(ImageManifest.oci(Descriptor.of(MediaTypes.OCI_CONFIG, D1, 2), List.of()));
    values.add(new ImageManifest(2, null, null, null, null, null, null));
    values.add(new ImageManifest(2, MediaTypes.OCI_MANIFEST, "a/b", Descriptor.of("x", D1, 1),
        List.of(Descriptor.of("y", D2, 2)), Descriptor.of("z", D1, 3), new TreeMap<>(labels)));
    values.add(D1);
    for (Object v : values) {
      assertSameWrite(v);
    }
  }

  @Test
  void untypedValues_writeAsDatabind() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("zeta", 1);
    m.put("alpha", 2L);
    m.put("short", (short) 3);
    m.put("byte", (byte) 4);
    m.put("double", 1.0);
    m.put("big double", 1e300);
    m.put("tiny", 4.9e-324);
    m.put("negative zero", -0.0);
    m.put("nan", Double.NaN);
    m.put("inf", Double.NEGATIVE_INFINITY);
    m.put("float", 0.1f);
    m.put("bigint", new BigInteger("123456789012345678901234567890"));
    m.put("bigdec", new BigDecimal("1.10"));
    m.put("bigdec exp", new BigDecimal("1E+3"));
    m.put("max", Long.MAX_VALUE);
    m.put("min", Long.MIN_VALUE);
    m.put("true", true);
    m.put("null", null);
    m.put("string", NASTY);
    m.put("list", Arrays.asList(1, null, "x", List.of(), Map.of()));
    m.put("set", new LinkedHashSet<>(List.of("b", "a")));
    m.put("array", new String[] {"b", "a"});
    m.put("objects", new Object[] {1, D1, null});
    m.put("immutable", Map.of("b", 1, "a", 2, "c", Map.of("y", 1, "x", 2)));
    TreeMap<String, Object> reversed = new TreeMap<>(Collections.reverseOrder());
    reversed.put("a", 1);
    reversed.put("b", 2);
    m.put("sorted map keeps its order", reversed);
    m.put("record", Descriptor.of("x", D1, 1));
    m.put("digest", D2);
    m.put("empty", Map.of());
    m.put("unsorted", new HashMap<>(Map.of("k2", "v", "k1", "v", "K0", "v", "_", "v", "0", "v", "é", "v", "z", "v")));
    assertSameWrite(m);
    assertSameWrite(List.of(m, m));
    assertSameWrite(null);
    assertSameWrite("x");
    assertSameWrite(NASTY);
    assertSameWrite(5);
    assertSameWrite(List.of());
    assertSameWrite(Map.of());
    assertSameWrite(new Object[0]);
  }

  @Test
  void loneSurrogates_behaveAsDatabind() {
    for (String s : List.of("a\ud800b", "\udc00", "x\ud83d")) {
      byte[] expected;
      try {
        expected = Json.mapper().writeValueAsBytes(s);
      } catch (JsonProcessingException e) {
        assertThrows(IOException.class, () -> JsonBinder.write(s));
        continue;
      }
      assertSameWrite(s);
      assertArrayEquals(expected, Json.write(s));
    }
  }

  // ---- reading edge cases --------------------------------------------------------------------

  @Test
  void unknownFieldsNullsEmptiesAndTrailingText_readAsDatabind() {
    String digest = D1.toString();
    assertSameRoundTrip("{\"schemaVersion\":2,\"x\":{\"deep\":[1,{\"a\":[[]]}],\"n\":null},\"layers\":null,"
        + "\"config\":{\"digest\":\"" + digest + "\",\"size\":null,\"mediaType\":null,\"urls\":[],\"annotations\":{},"
        + "\"platform\":{}},\"annotations\":{\"a\":null,\"b\":\"\"},\"y\":[true,false,null,1.5e3]}", ImageManifest.class);
    assertSameRoundTrip("{}", ImageManifest.class);
    assertSameRoundTrip("{}", ImageConfig.class);
    assertSameRoundTrip("{}", Descriptor.class);
    assertSameRoundTrip("{\"config\":{},\"rootfs\":{},\"history\":[{},null]}", ImageConfig.class);
    assertSameRoundTrip("{\"config\":{\"Labels\":{\"k\":null},\"Env\":[null,\"A=1\"],\"ExposedPorts\":{\"80/tcp\":null}}}",
        ImageConfig.class);
    assertSameRoundTrip("{\"rootfs\":{\"diff_ids\":[null,\"" + digest + "\"]}}", ImageConfig.class);
    assertSameRoundTrip("  {\"schemaVersion\":2} trailing text is not read ]]", ImageIndex.class);
    assertSameRoundTrip("{\"schemaVersion\":2}{\"schemaVersion\":3}", ImageIndex.class);
    assertSameRoundTrip("null", ImageIndex.class);
    assertSameRoundTrip("null", Object.class);
    assertSameRoundTrip("\"" + digest + "\"", Digest.class);
    assertSameRoundTrip("[\"" + digest + "\",null]", Digest[].class);
    assertSameRoundTrip("{\"size\":9223372036854775807,\"schemaVersion\":-2147483648}", Descriptor.class);
    assertSameRoundTrip("{\"schemaVersion\":2147483647}", ImageIndex.class);
    assertSameRoundTrip("{\"config\":{\"Healthcheck\":{\"Retries\":-1,\"Interval\":-9223372036854775808}}}",
        ImageConfig.class);
    assertSameRoundTrip("{\"created\":\"" + NASTY.replace("\\", "\\\\").replace("\"", "\\\"")
        .replace("\u0000", "\\u0000").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
        .replaceAll("[\u0001-\u001f]", "") + "\\u00e9\\ud83d\\ude00\\/\\b\\f\"}", ImageConfig.class);
    assertSameRoundTrip("{\"annotations\":{\"lone\":\"\\ud800\"}}", ImageIndex.class);
  }

  @Test
  void untypedNumbers_readAsDatabind() throws IOException {
    String doc = "{\"int\":2147483647,\"long\":2147483648,\"minlong\":-9223372036854775808,"
        + "\"bigint\":9223372036854775808,\"huge\":123456789012345678901234567890123,\"zero\":0,\"negzero\":-0,"
        + "\"d\":1.0,\"e\":1E2,\"f\":-0.0,\"g\":0.1,\"h\":1e400,\"i\":4.9e-324,\"j\":1.7976931348623157e308,"
        + "\"k\":123456789.123456789123456789,\"list\":[[],[{}],[1,[2,[3]]]],\"s\":\"\\u0000\\\\\"}";
    Object v = assertSameRoundTrip(doc, Object.class);
    assertEquals(v, Json.readTree(utf8(doc)));
    Map<?, ?> m = (Map<?, ?>) v;
    assertEquals(Integer.class, m.get("int").getClass());
    assertEquals(Long.class, m.get("long").getClass());
    assertEquals(BigInteger.class, m.get("bigint").getClass());
    assertEquals(Double.class, m.get("h").getClass());
    for (String scalar : List.of("1", "-1", "1.5", "true", "false", "\"s\"", "[]", "{}", "[null]", "1e999", "-1e999")) {
      assertSameRoundTrip(scalar, Object.class);
    }
  }

  @Test
  void coercionsAndErrors_areDatabindsAnswer() {
    String d = D1.toString();
    List<String> manifests = List.of(
        "{\"schemaVersion\":\"2\"}",
        "{\"schemaVersion\":2.0}",
        "{\"schemaVersion\":2.5}",
        "{\"schemaVersion\":2147483648}",
        "{\"schemaVersion\":true}",
        "{\"schemaVersion\":[2]}",
        "{\"mediaType\":5}",
        "{\"mediaType\":true}",
        "{\"mediaType\":{}}",
        "{\"mediaType\":[\"x\"]}",
        "{\"layers\":{}}",
        "{\"layers\":\"\"}",
        "{\"layers\":[\"x\"]}",
        "{\"config\":\"x\"}",
        "{\"config\":[]}",
        "{\"config\":{\"size\":\"12\",\"digest\":\"" + d + "\"}}",
        "{\"config\":{\"size\":-1,\"digest\":\"" + d + "\"}}",
        "{\"config\":{\"size\":99999999999999999999}}",
        "{\"config\":{\"digest\":\"sha256:abc\"}}",
        "{\"config\":{\"digest\":\"\"}}",
        "{\"config\":{\"digest\":5}}",
        "{\"config\":{\"digest\":{}}}",
        "{\"annotations\":{\"a\":1}}",
        "{\"annotations\":{\"a\":{}}}",
        "{\"annotations\":[]}",
        "{\"schemaVersion\":2,\"schemaVersion\":3}",
        "{\"mediaType\":\"a\",\"x\":1,\"mediaType\":\"b\"}",
        "",
        "   ",
        "[]",
        "\"x\"",
        "5",
        "{",
        "{\"schemaVersion\":",
        "{\"schemaVersion\":2,}",
        "{schemaVersion:2}",
        "{'schemaVersion':2}",
        "{\"schemaVersion\":02}",
        "{\"schemaVersion\":NaN}",
        "{\"mediaType\":\"\\x\"}",
        "{\"mediaType\":\"a\nb\"}",
        "{\"mediaType\":\"a\" /* c */}",
        "{\"layers\":[tru]}",
        "\u00ef\u00bb\u00bf{}",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
    List<String> configs = List.of(
        "{\"history\":[{\"empty_layer\":1}]}",
        "{\"history\":[{\"empty_layer\":\"true\"}]}",
        "{\"history\":[{\"empty_layer\":0}]}",
        "{\"history\":{}}",
        "{\"config\":{\"Healthcheck\":{\"Retries\":2147483648}}}",
        "{\"config\":{\"Healthcheck\":{\"Interval\":\"30\"}}}",
        "{\"config\":{\"Healthcheck\":{\"Interval\":1.5}}}",
        "{\"config\":{\"Cmd\":\"sh\"}}",
        "{\"config\":{\"Labels\":[]}}",
        "{\"config\":{\"ExposedPorts\":{\"80/tcp\":\"\"}}}",
        "{\"config\":{\"ArgsEscaped\":\"yes\"}}",
        "{\"rootfs\":{\"diff_ids\":[\"nope\"]}}",
        "{\"created\":1}",
        "{\"created\":null,\"created\":\"x\"}");
    for (String json : manifests) {
      assertSameReadThroughJson(utf8(json), ImageManifest.class);
      assertSameReadThroughJson(utf8(json), Object.class);
    }
    for (String json : configs) {
      assertSameReadThroughJson(utf8(json), ImageConfig.class);
    }
    // the binder itself never answers these: it defers (Unsupported) or fails (malformed)
    for (String json : manifests) {
      if (json.isBlank() || json.startsWith("[[") || json.startsWith("\"") || json.equals("[]") || json.equals("5")) {
        continue;
      }
      boolean deferred = false;
      try {
        Object v = JsonBinder.read(utf8(json), ImageManifest.class);
        // accepted: only where databind reads the same (checked above) without a coercion
        assertEquals(v, Json.read(json, ImageManifest.class, "x"));
      } catch (JsonBinder.Unsupported | IOException e) {
        deferred = true;
      }
      assertTrue(deferred || json.contains("\"x\":1"), json);
    }
  }

  @Test
  void malformedInput_isInvalidContentNamingWhat() {
    for (String json : List.of("", "{", "{\"schemaVersion\":", "[", "{\"config\":{\"digest\":\"sha256:abc\"}}", "nul")) {
      InvalidContentException e = assertThrows(InvalidContentException.class,
          () -> Json.read(json, ImageManifest.class, "manifest of x"));
      assertTrue(e.getMessage().startsWith("malformed manifest of x: "), e.getMessage());
      if (!json.contains("digest")) {
        assertThrows(InvalidContentException.class, () -> Json.read(utf8(json), ImageConfig.class, "config of x"));
      }
    }
  }

  // ---- trees ---------------------------------------------------------------------------------

  @Test
  void readTree_andItsHelpers_answerAsJsonNode() throws IOException {
    List<String> docs = List.of(
        "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"digest\":\"" + D1 + "\"}]}",
        "{\"mediaType\":null,\"manifests\":null}",
        "{\"mediaType\":5,\"config\":{},\"layers\":[]}",
        "{\"mediaType\":1.5e1,\"token\":true}",
        "{\"mediaType\":{\"a\":1},\"errors\":[{\"code\":\"DENIED\",\"message\":\"no\"},{\"code\":null}]}",
        "{\"mediaType\":[1],\"errors\":{\"a\":{\"code\":\"X\"}}}",
        "[\"mediaType\"]",
        "\"text\"",
        "null",
        "");
    for (String doc : docs) {
      JsonNode node = Json.mapper().readTree(utf8(doc));
      Object tree = Json.readTree(utf8(doc));
      if (doc.isEmpty()) {
        assertTrue(node.isMissingNode());
        assertNull(tree);
        continue;
      }
      assertEquals(Json.mapper().readValue(doc, Object.class), tree);
      for (String f : List.of("mediaType", "manifests", "config", "layers", "token", "errors", "missing")) {
        assertEquals(node.path(f).asText(""), Json.text(Json.field(tree, f), ""), doc + " " + f);
        assertEquals(node.has(f), Json.field(tree, f) != null || (tree instanceof Map<?, ?> m && m.containsKey(f)),
            doc + " " + f);
        List<String> viaNode = new ArrayList<>();
        for (JsonNode e : node.path(f)) {
          viaNode.add(e.path("code").asText("") + "|" + e.toString());
        }
        List<String> viaTree = new ArrayList<>();
        for (Object e : Json.elements(Json.field(tree, f))) {
          viaTree.add(Json.text(Json.field(e, "code"), "") + "|" + Json.writeString(e));
        }
        assertEquals(viaNode, viaTree, doc + " " + f);
      }
    }
    for (String bad : List.of("{", "{\"a\":}", "[1,]", "{\"a\":tru}")) {
      JsonProcessingException expected = assertThrows(JsonProcessingException.class, () -> Json.mapper().readTree(utf8(bad)));
      JsonProcessingException actual = assertThrows(JsonProcessingException.class, () -> Json.readTree(utf8(bad)));
      assertEquals(expected.getOriginalMessage(), actual.getOriginalMessage());
    }
  }

  @Test
  void writeUnsorted_asADefaultMapperAndAsJsonNodeToString() throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", 1);
    m.put("type", "step.started");
    m.put("elapsed", 0.125);
    m.put("step", null);
    m.put("tags", List.of("b", "a"));
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", 1L);
    inner.put("a", D1.toString());
    m.put("manifest", inner);
    m.put("config", ImageConfig.scratch(Platform.host()));
    m.put("empty", Map.of());
    com.fasterxml.jackson.databind.ObjectMapper plain = new com.fasterxml.jackson.databind.ObjectMapper();
    assertEquals(plain.writeValueAsString(m), Json.writeUnsorted(m, false));
    assertEquals(plain.writerWithDefaultPrettyPrinter().writeValueAsString(m), Json.writeUnsorted(m, true));
    assertEquals(plain.writeValueAsString(m), JsonBinder.writeString(m, false, false));
    for (String doc : List.of("{\"b\":1,\"a\":[{\"y\":null,\"x\":1.5}],\"c\":\"\\u2028\"}", "[3,2,{}]", "\"s\"", "12")) {
      assertEquals(Json.mapper().readTree(doc).toString(), Json.writeUnsorted(Json.readTree(utf8(doc)), false));
    }
  }

  // ---- annotations and the limits of the binder ----------------------------------------------

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  record NonEmpty(int i, long l, Integer boxed, boolean b, Boolean boxedB, double d, String s, List<String> list,
      Map<String, String> map, Object any, Digest digest, NonEmpty nested, String[] array) {}

  record Mixed(@JsonInclude(JsonInclude.Include.NON_NULL) String a, String b,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> c, @JsonIgnore String hidden,
      @JsonProperty("renamed") Integer d) {
    public boolean isA() {
      return true;
    }

    @JsonIgnore
    public String getSomething() {
      return "not a property";
    }

    public String describe() {
      return "not a getter";
    }
  }

  record Joined(@JsonProperty("renamed") Boolean flag, @JsonProperty Boolean other) {
    public boolean isFlag() {
      return true;
    }

    public boolean isOther() {
      return true;
    }
  }

  /** Databind writes the explicitly named components after the others. */
  record Renamed(@JsonProperty("b2") String b, String a, @JsonProperty("c") String c, String d,
      @JsonProperty String e) {}

  record WithGetter(String a) {
    public String getB() {
      return "b";
    }
  }

  @JsonPropertyOrder({"b", "a"})
  record Ordered(String a, String b) {}

  record CustomAccessor(String a) {
    @Override
    public String a() {
      return a == null ? "default" : a.toUpperCase(java.util.Locale.ROOT);
    }
  }

  record Empty() {}

  private record Private(String a, long n) {}

  @Test
  void inclusionRules_asDatabind() {
    assertSameWrite(new NonEmpty(0, 0, 0, false, false, 0.0, "", List.of(), Map.of(), "", null, null, new String[0]));
    assertSameWrite(new NonEmpty(1, 2, null, true, null, -0.0, null, null, null, Map.of(), D1,
        new NonEmpty(0, 0, null, false, null, 0, null, null, null, List.of(), null, null, null), new String[] {"x"}));
    assertSameWrite(new NonEmpty(0, 0, null, false, null, 0, "x", List.of("y"), Map.of("k", ""), 0, D2, null, null));
    assertSameWrite(new Renamed("1", "2", "3", "4", "5"));
    assertSameRoundTrip("{\"b\":\"x\",\"b2\":\"1\",\"a\":\"2\",\"c\":null,\"e\":\"5\"}", Renamed.class);
    assertSameWrite(new Joined(null, null));
    assertSameWrite(new Joined(false, false));
    assertSameRoundTrip("{\"renamed\":true,\"other\":false,\"flag\":false}", Joined.class);
    assertSameWrite(new CustomAccessor("x"));
    assertSameWrite(new CustomAccessor(null));
    assertSameWrite(new Empty());
    assertSameWrite(new Private("é", -1));
    assertSameRoundTrip("{\"a\":\"x\",\"n\":5}", Private.class);
    assertSameRoundTrip("{\"a\":\"x\",\"b\":null,\"renamed\":3,\"d\":4,\"c\":[]}", Object.class);
    assertSameRoundTrip("{}", Empty.class);
    assertSameRoundTrip("{\"i\":1,\"l\":null,\"d\":1,\"any\":{\"x\":[1]},\"nested\":{\"s\":\"\"}}",
        NonEmpty.class);
  }

  @Test
  void whatTheBinderDoesNotKnow_isLeftToDatabind() throws IOException {
    // a getter property, another Jackson annotation, an ignored component (read), a non-record
    // isA() joins the component a, which has no @JsonProperty: databind writes isA()
    for (Object v : List.of(new Mixed(null, null, List.of(), "h", null), new Mixed("a", "b", List.of("c"), "h", 4),
        new WithGetter("a"), new Ordered("a", "b"), new java.io.File("/x"), Map.of(1, "a"),
        List.of(java.util.Optional.empty()))) {
      assertThrows(JsonBinder.Unsupported.class, () -> JsonBinder.write(v));
      try {
        assertArrayEquals(Json.mapper().writeValueAsBytes(v), Json.write(v));
      } catch (JsonProcessingException e) {
        assertThrows(IllegalStateException.class, () -> Json.write(v));
      }
    }
    assertThrows(JsonBinder.Unsupported.class, () -> JsonBinder.read(utf8("{\"a\":\"x\"}"), Mixed.class));
    assertThrows(JsonBinder.Unsupported.class, () -> JsonBinder.read(utf8("{\"a\":\"x\"}"), WithGetter.class));
    assertThrows(JsonBinder.Unsupported.class, () -> JsonBinder.read(utf8("{}"), JsonNode.class));
    assertSameReadThroughJson(utf8("{\"a\":\"x\",\"b\":\"y\"}"), Ordered.class);
    assertSameReadThroughJson(utf8("{\"a\":\"x\"}"), WithGetter.class);
    assertSameReadThroughJson(utf8("{\"a\":\"x\",\"c\":[\"1\"],\"hidden\":\"h\",\"renamed\":1}"), Mixed.class);
    assertEquals(Json.mapper().readTree("{\"a\":1}"), Json.read("{\"a\":1}", JsonNode.class, "tree"));
    // databind's own answers for null: a NullNode, a primitive's 0
    assertEquals(Json.mapper().readValue("null", JsonNode.class), Json.read("null", JsonNode.class, "tree"));
    assertEquals(0, (int) Json.read("null", int.class, "int"));
    assertNull(Json.read("null", Mixed.class, "ignored component"));
    assertThrows(JsonBinder.Unsupported.class, () -> JsonBinder.read(utf8("null"), JsonNode.class));
  }

  @Test
  void getterNames_followDatabindsMangling() throws NoSuchMethodException {
    assertEquals("emptyLayer", JsonBinder.getterName(ImageConfig.History.class.getMethod("isEmptyLayer")));
    assertEquals("b", JsonBinder.getterName(WithGetter.class.getMethod("getB")));
    assertNull(JsonBinder.getterName(Mixed.class.getMethod("describe")));
  }
}
