package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jbuild.oci.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebugCommandTest {
  @TempDir
  Path dir;

  private String capture(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void graph_scratchStages_printsVerticesInputsFirstWithTheTargetRootLast() throws Exception {
    Path ctx = Files.createDirectories(dir.resolve("ctx"));
    Files.writeString(ctx.resolve("a.txt"), "a");
    Files.writeString(ctx.resolve("Dockerfile"),
        "FROM scratch AS files\nCOPY a.txt /a.txt\nFROM scratch AS unused\nCOPY a.txt /u\nFROM scratch\nCOPY --from=files /a.txt /b.txt\n");
    JsonNode g = Json.mapper().readTree(capture("debug", "graph", "--root", dir.resolve("root").toString(), ctx.toString()));
    JsonNode vertices = g.get("vertices");
    assertEquals(g.get("root").asText(), vertices.get(vertices.size() - 1).get("digest").asText());
    java.util.Set<String> before = new java.util.HashSet<>();
    for (JsonNode v : vertices) {
      for (JsonNode in : v.get("inputs")) {
        assertTrue(before.contains(in.asText()), "inputs come first: " + v);
      }
      before.add(v.get("digest").asText());
      assertTrue(!v.get("name").asText().contains("/u"), "the unused stage is not in the graph");
    }
    assertEquals("CopyOp", vertices.get(vertices.size() - 1).get("type").asText());
  }

  @Test
  void ast_printsBuildkitDump() throws Exception {
    Path df = Files.writeString(dir.resolve("Dockerfile"), "FROM busybox\nRUN echo hi\n");
    assertEquals("(from \"busybox\")\n(run \"echo hi\")\n", capture("debug", "ast", df.toString()));
  }
}
