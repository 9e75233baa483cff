package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Locates the shared conformance vectors; they are required on CI, optional on a laptop. */
final class Conformance {
  private Conformance() {}

  static final ObjectMapper JSON = new ObjectMapper();

  /** {@code ../shared/conformance} of the repository root, seen from the module directory. */
  static Path dir(String sub) {
    Path root = Path.of("..", "..", "shared", "conformance");
    Path p = root.resolve(sub);
    if (!Files.isDirectory(p)) {
      if ("true".equals(System.getenv("CI"))) {
        fail("conformance vectors missing on CI: " + p.toAbsolutePath());
      }
      assumeTrue(false, "conformance vectors not present: " + p.toAbsolutePath());
    }
    return p;
  }

  static JsonNode json(Path p) throws IOException {
    return JSON.readTree(p.toFile());
  }

  /** The skip list: case name to reason, from src/test/resources/conformance-skips.txt. */
  static Map<String, String> skips() throws IOException {
    Map<String, String> m = new HashMap<>();
    try (var in = Conformance.class.getResourceAsStream("/conformance-skips.txt")) {
      if (in == null) {
        return m;
      }
      for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int sep = line.indexOf(' ');
        m.put(sep < 0 ? line : line.substring(0, sep), sep < 0 ? "" : line.substring(sep + 1));
      }
    }
    return m;
  }

  static List<String> strings(JsonNode n) {
    return JSON.convertValue(n, JSON.getTypeFactory().constructCollectionType(List.class,
        String.class));
  }
}
