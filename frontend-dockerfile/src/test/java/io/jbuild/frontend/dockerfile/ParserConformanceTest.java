package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** BuildKit's parser vectors (conformance/buildkit-parser), compared byte for byte. */
class ParserConformanceTest {

  @Test
  void parse_allParserVectors_matchBuildKit() throws Exception {
    Path dir = Conformance.dir("buildkit-parser");
    Map<String, String> skips = Conformance.skips();
    List<String> failures = new ArrayList<>();
    int total = 0;
    int passed = 0;

    // positive cases: dump + "\n" equals result
    List<Path> cases;
    try (Stream<Path> s = Files.list(dir.resolve("testfiles"))) {
      cases = s.sorted().toList();
    }
    for (Path c : cases) {
      String name = "testfiles/" + c.getFileName();
      if (skips.containsKey(name)) {
        continue;
      }
      total++;
      String expected = Files.readString(c.resolve("result"), StandardCharsets.UTF_8);
      try {
        String got = DockerfileFrontend.dumpAst(Files.readAllBytes(c.resolve("Dockerfile")),
            "Dockerfile");
        if (got.equals(expected)) {
          passed++;
        } else {
          failures.add(name + ":\n--- expected\n" + expected + "--- got\n" + got);
        }
      } catch (DockerfileException e) {
        failures.add(name + ": " + e.getMessage());
      }
    }
    // negative cases: must fail
    try (Stream<Path> s = Files.list(dir.resolve("testfiles-negative"))) {
      for (Path c : s.sorted().toList()) {
        total++;
        try {
          DockerfileFrontend.dumpAst(Files.readAllBytes(c.resolve("Dockerfile")), "Dockerfile");
          failures.add("negative " + c.getFileName() + ": parsed");
        } catch (DockerfileException e) {
          passed++;
        }
      }
    }
    // line numbers
    {
      total++;
      JsonNode exp = Conformance.json(dir.resolve("testfile-line/expected.json"));
      Node root = LineParser.parse(Files.readAllBytes(dir.resolve("testfile-line/Dockerfile")))
          .root();
      List<String> got = new ArrayList<>();
      for (Node n : root.children) {
        got.add("[" + n.startLine + "," + n.endLine + "]");
      }
      List<String> want = new ArrayList<>();
      for (JsonNode i : exp.get("instructions")) {
        want.add("[" + i.get(0).asInt() + "," + i.get(1).asInt() + "]");
      }
      if (root.startLine == exp.get("start_line").asInt()
          && root.endLine == exp.get("end_line").asInt() && got.equals(want)) {
        passed++;
      } else {
        failures.add("testfile-line: " + root.startLine + ".." + root.endLine + " " + got);
      }
    }
    // warnings
    {
      total++;
      JsonNode exp = Conformance.json(dir.resolve("warnings/empty-continuation/expected.json"));
      List<LineParser.Warning> w = LineParser.parse(Files.readAllBytes(
          dir.resolve("warnings/empty-continuation/Dockerfile"))).warnings();
      boolean ok = w.size() == exp.get("warnings_count").asInt();
      for (int i = 0; ok && i < w.size(); i++) {
        for (JsonNode sub : exp.get("warning_contains").get(i)) {
          ok &= w.get(i).message().contains(sub.asText());
        }
      }
      if (ok) {
        passed++;
      } else {
        failures.add("warnings: " + w);
      }
    }
    // heredoc extraction
    for (String hd : List.of("heredoc/extract", "heredoc/json-form")) {
      JsonNode exp = Conformance.json(dir.resolve(hd + "/expected.json"));
      Node root = LineParser.parse(Files.readAllBytes(dir.resolve(hd + "/Dockerfile"))).root();
      if (exp.has("total_instructions")) {
        total++;
        if (root.children.size() == exp.get("total_instructions").asInt()) {
          passed++;
        } else {
          failures.add(hd + ": " + root.children.size() + " instructions");
        }
      }
      for (JsonNode ins : exp.get("instructions")) {
        total++;
        Node n = root.children.get(ins.get("child_index").asInt());
        List<String> want = new ArrayList<>();
        if (!ins.get("heredocs").isNull()) {
          for (JsonNode h : ins.get("heredocs")) {
            want.add(new Node.Heredoc(h.get("name").asText(), h.get("file_descriptor").asInt(),
                h.get("expand").asBoolean(), h.get("chomp").asBoolean(),
                h.get("content").asText()).toString());
          }
        }
        List<String> got = n.heredocs.stream().map(Object::toString).toList();
        if (want.equals(got) && n.original.equals(ins.get("source_line").asText())) {
          passed++;
        } else {
          failures.add(hd + " #" + ins.get("child_index") + ": want " + want + " got " + got
              + " line " + n.original);
        }
      }
    }
    // heredoc words
    {
      JsonNode w = Conformance.json(dir.resolve("heredoc/words.json"));
      for (JsonNode v : w.get("word_cases").get("valid")) {
        total++;
        Node.Heredoc h = LineParser.parseHeredoc(v.asText());
        if (h != null && h.name().equals("EOF")) {
          passed++;
        } else {
          failures.add("heredoc valid " + v + ": " + h);
        }
      }
      for (JsonNode v : w.get("word_cases").get("invalid")) {
        total++;
        try {
          LineParser.parseHeredoc(v.asText());
          failures.add("heredoc invalid " + v + " accepted");
        } catch (ParseError e) {
          passed++;
        }
      }
      for (JsonNode v : w.get("word_cases").get("not_heredoc")) {
        total++;
        if (LineParser.parseHeredoc(v.asText()) == null) {
          passed++;
        } else {
          failures.add("not heredoc " + v);
        }
      }
      for (JsonNode v : w.get("line_cases")) {
        total++;
        List<String> names = LineParser.heredocsFromLine(v.get("line").asText()).stream()
            .map(Node.Heredoc::name).toList();
        if (names.equals(Conformance.strings(v.get("names")))) {
          passed++;
        } else {
          failures.add("heredoc line " + v + ": " + names);
        }
      }
      for (JsonNode v : w.get("chomp_cases")) {
        total++;
        if (LineParser.chompHeredocContent(v.get("content").asText())
            .equals(v.get("expected").asText())) {
          passed++;
        } else {
          failures.add("chomp " + v);
        }
      }
    }
    // JSON arrays
    {
      JsonNode j = Conformance.json(dir.resolve("json_arrays.json"));
      for (JsonNode v : j.get("valid")) {
        total++;
        List<String> got = GoJson.parseStringArray(v.get("input").asText());
        if (Conformance.strings(v.get("expected")).equals(got)) {
          passed++;
        } else {
          failures.add("json " + v + ": " + got);
        }
      }
      for (JsonNode v : j.get("invalid_not_string_array")) {
        total++;
        try {
          GoJson.parseStringArray(v.asText());
          failures.add("json accepted " + v);
        } catch (GoJson.NotStringArrayException e) {
          passed++;
        }
      }
    }
    // unit vectors
    {
      JsonNode u = Conformance.json(dir.resolve("unit_vectors.json"));
      for (JsonNode v : u.get("parse_words")) {
        total++;
        List<String> got = LineParser.parseWords(v.get("input").asText(), '\\');
        if (got.equals(Conformance.strings(v.get("expected")))) {
          passed++;
        } else {
          failures.add("parse_words " + v + ": " + got);
        }
      }
      for (JsonNode v : u.get("name_val")) {
        total++;
        String df = v.get("instruction").asText() + " " + v.get("args").asText();
        try {
          Node n = LineParser.parse(df.getBytes(StandardCharsets.UTF_8)).root().children.get(0);
          if (!v.has("error") && n.args().equals(Conformance.strings(v.get("nodes")))) {
            passed++;
          } else {
            failures.add("name_val " + v + ": " + n.args());
          }
        } catch (ParseError e) {
          if (v.has("error") && e.getMessage().contains(v.get("error").asText())) {
            passed++;
          } else {
            failures.add("name_val " + v + ": " + e.getMessage());
          }
        }
      }
      total++;
      String longLine = "FROM image\nLABEL test=" + "a".repeat(65536) + "\n";
      try {
        LineParser.parse(longLine.getBytes(StandardCharsets.UTF_8));
        failures.add("line too long accepted");
      } catch (ParseError e) {
        if (e.getMessage().equals(u.get("line_too_long").get("error").asText())) {
          passed++;
        } else {
          failures.add("line too long: " + e.getMessage());
        }
      }
    }
    System.out.println("parser conformance: " + passed + "/" + total);
    assertEquals(List.of(), failures);
    assertEquals(total, passed);
  }

  @Test
  void dumpAst_positiveCases_countIs33() throws Exception {
    Path dir = Conformance.dir("buildkit-parser");
    int ok = 0;
    try (Stream<Path> s = Files.list(dir.resolve("testfiles"))) {
      for (Path c : s.toList()) {
        String got = DockerfileFrontend.dumpAst(Files.readAllBytes(c.resolve("Dockerfile")),
            "Dockerfile");
        if (got.equals(Files.readString(c.resolve("result")))) {
          ok++;
        }
      }
    }
    System.out.println("parser conformance (testfiles): " + ok + "/33");
    assertEquals(33, ok);
  }

  @Test
  void dumpAst_emptyFile_failsWithLocationAndHint() {
    DockerfileException e = assertThrows(DockerfileException.class,
        () -> DockerfileFrontend.dumpAst(new byte[0], "Dockerfile"));
    assertTrue(e.getMessage().contains("file with no instructions"), e.getMessage());
    assertNotNull(e.hint());
  }
}
