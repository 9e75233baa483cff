package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jbuild.graph.ImageTarget;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageConfig;
import io.jbuild.oci.Json;
import io.jbuild.oci.JsonEquivalence;
import io.jbuild.oci.Platform;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden folders {@code testdata/dockerfiles/<case>/}: a {@code Dockerfile}, an optional
 * {@code build.properties} ({@code target=}, {@code arg.NAME=}), and either {@code graph.json}
 * (the converted graph and image config) or {@code error.txt} (the expected error message). A
 * new case is a new folder; run with {@code -Dgolden.update=true} to write a missing expectation.
 */
class GoldenTest {
  static final Path DIR = Path.of("..", "testdata", "dockerfiles");

  @TestFactory
  Stream<DynamicTest> convert_goldenCases_matchExpectedGraph() throws Exception {
    List<Path> cases;
    try (Stream<Path> s = Files.list(DIR)) {
      cases = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().equals("hello"))
          .sorted().toList();
    }
    assertTrue(cases.size() >= 20, "at least 20 golden cases, found " + cases.size());
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(),
        () -> runCase(c)));
  }

  private static void runCase(Path c) throws Exception {
    Properties props = new Properties();
    Path pf = c.resolve("build.properties");
    if (Files.exists(pf)) {
      props.load(new StringReader(Files.readString(pf)));
    }
    Map<String, String> args = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith("arg.")) {
        args.put(k.substring(4), props.getProperty(k));
      }
    }
    String actual;
    Path expectedFile;
    try {
      ImageTarget t = DockerfileFrontend.convert(new ConvertRequest(
          Files.readAllBytes(c.resolve("Dockerfile")), "Dockerfile", args,
          props.getProperty("target"), Platform.of("linux", "amd64", null),
          Platform.of("linux", "arm64", "v8"), List.of("*.tmp"), new FakeResolver(), null));
      actual = render(t);
      expectedFile = c.resolve("graph.json");
    } catch (DockerfileException e) {
      actual = e.formatted() + "\n";
      expectedFile = c.resolve("error.txt");
    }
    if (!Files.exists(expectedFile) && Boolean.getBoolean("golden.update")) {
      Files.writeString(expectedFile, actual, StandardCharsets.UTF_8);
    }
    assertTrue(Files.exists(expectedFile), "missing " + expectedFile + "; got:\n" + actual);
    assertEquals(Files.readString(expectedFile, StandardCharsets.UTF_8), actual);
  }

  /** The graph, inputs first, then the target's config, as stable pretty JSON. */
  static String render(ImageTarget t) throws Exception {
    List<Map<String, Object>> vertices = new ArrayList<>();
    collect(t.root(), new LinkedHashMap<>(), vertices);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("stage", t.stageName());
    out.put("unusedBuildArgs", t.unusedBuildArgs());
    out.put("root", t.root().digest().toString());
    out.put("vertices", vertices);
    out.put("config", t.config());
    // the binder (what builds use) writes all of it as databind does, and reads the config back
    JsonEquivalence.assertSameWrite(out);
    JsonEquivalence.assertSameRoundTrip(Json.write(t.config()), ImageConfig.class);
    return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n";
  }

  /** A vertex's digest is over its definition as databind writes it (the goldens' digests were). */
  private static void assertDigestAsDatabind(Vertex v, List<String> inputs) throws Exception {
    Map<String, Object> definition = new LinkedHashMap<>();
    definition.put("type", v.op().getClass().getSimpleName());
    definition.put("op", v.op());
    definition.put("inputs", inputs);
    JsonEquivalence.assertSameWrite(definition);
    assertEquals(Digest.sha256(Json.mapper().writeValueAsBytes(definition)), v.digest());
  }

  private static void collect(Vertex v, Map<String, Boolean> seen,
      List<Map<String, Object>> out) throws Exception {
    if (seen.containsKey(v.digest().toString())) {
      return;
    }
    seen.put(v.digest().toString(), true);
    for (Vertex i : v.inputs()) {
      collect(i, seen, out);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("digest", v.digest().toString());
    m.put("name", v.name());
    m.put("location", v.location() == null ? null : v.location().startLine() + ":"
        + v.location().startColumn() + "-" + v.location().endLine() + ":"
        + v.location().endColumn());
    m.put("type", v.op().getClass().getSimpleName());
    m.put("op", v.op());
    List<String> inputs = new ArrayList<>();
    for (Vertex i : v.inputs()) {
      inputs.add(i.digest().toString());
    }
    m.put("inputs", inputs);
    assertDigestAsDatabind(v, inputs);
    out.add(m);
  }
}
