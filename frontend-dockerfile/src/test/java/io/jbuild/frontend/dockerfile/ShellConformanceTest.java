package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** BuildKit's shell-lexer vectors (conformance/buildkit-shell): A and U lines, words, JSON. */
class ShellConformanceTest {

  @Test
  void processWord_allShellVectors_matchBuildKit() throws Exception {
    Path dir = Conformance.dir("buildkit-shell");
    List<String> failures = new ArrayList<>();
    int total = 0;
    int passed = 0;

    Map<String, String> env = Map.of("PWD", "/home", "SHELL", "bash", "KOREAN", "한국어",
        "NULL", "");
    for (String line : Files.readAllLines(dir.resolve("envVarTest"), StandardCharsets.UTF_8)) {
      if (line.startsWith("#")) {
        continue;
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\|", -1);
      String platform = f[0].strip();
      if (platform.equals("W")) {
        continue;
      }
      total++;
      String source = f[1].strip();
      String expected = f[2].strip();
      try {
        String got = new ShellLex('\\').processWord(source, env);
        if (!expected.equals("error") && got.equals(expected)) {
          passed++;
        } else {
          failures.add("envVarTest " + source + " => " + got + " (want " + expected + ")");
        }
      } catch (ShellLex.ShellException e) {
        if (expected.equals("error")) {
          passed++;
        } else {
          failures.add("envVarTest " + source + " => " + e.getMessage());
        }
      }
    }

    List<String> wenv = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("wordsTest"), StandardCharsets.UTF_8)) {
      if (line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("ENV ")) {
        wenv.add(line.substring(3).stripLeading());
        continue;
      }
      total++;
      int bar = line.indexOf('|');
      String input = line.substring(0, bar).strip();
      List<String> want = List.of(line.substring(bar + 1).stripLeading().split(",", -1));
      try {
        List<String> got = new ShellLex('\\').processWords(input, ShellLex.buildEnvs(wenv));
        if (!want.equals(List.of("error")) && got.equals(want)) {
          passed++;
        } else {
          failures.add("wordsTest " + input + " => " + got + " (want " + want + ")");
        }
      } catch (ShellLex.ShellException e) {
        if (want.equals(List.of("error"))) {
          passed++;
        } else {
          failures.add("wordsTest " + input + " => " + e.getMessage());
        }
      }
    }

    for (JsonNode c : Conformance.json(dir.resolve("processWordWithMatches.json")).get("cases")) {
      total++;
      Map<String, String> e = new HashMap<>();
      c.get("envs").fields().forEachRemaining(x -> e.put(x.getKey(), x.getValue().asText()));
      String input = c.get("input").asText();
      try {
        ShellLex.Result r = new ShellLex('\\').process(input, e);
        boolean ok = !c.path("error").asBoolean(false)
            && r.word().equals(c.get("expected").asText());
        if (c.has("matches")) {
          ok &= r.matched().equals(new HashSet<>(Conformance.strings(c.get("matches"))));
        }
        if (c.has("unmatched")) {
          ok &= r.unmatched().equals(new HashSet<>(Conformance.strings(c.get("unmatched"))));
        }
        if (ok) {
          passed++;
        } else {
          failures.add("matches " + c + " => " + r);
        }
      } catch (ShellLex.ShellException ex) {
        if (c.path("error").asBoolean(false)) {
          passed++;
        } else {
          failures.add("matches " + c + " => " + ex.getMessage());
        }
      }
    }

    for (JsonNode c : Conformance.json(dir.resolve("mandatoryEnvVars.json")).get("cases")) {
      total++;
      String input = c.get("input").asText();
      try {
        String got = new ShellLex('\\').processWord(input,
            ShellLex.buildEnvs(Conformance.strings(c.get("env"))));
        if (c.has("expected") && got.equals(c.get("expected").asText())) {
          passed++;
        } else {
          failures.add("mandatory " + c + " => " + got);
        }
      } catch (ShellLex.ShellException ex) {
        if (c.has("error_contains")
            && ex.getMessage().contains(c.get("error_contains").asText())) {
          passed++;
        } else {
          failures.add("mandatory " + c + " => " + ex.getMessage());
        }
      }
    }
    System.out.println("shell conformance: " + passed + "/" + total);
    assertEquals(List.of(), failures);
  }

  @Test
  void processWords_quotedHeredocWord_keepsRawQuotesWhenAsked() throws Exception {
    ShellLex lex = new ShellLex('\\');
    lex.rawQuotes = true;
    Set<String> none = Set.of();
    assertEquals(List.of("'a b'", "c"), lex.processWords("'a b' c", Map.of()));
    assertEquals(none, lex.process("x", Map.of()).unmatched());
  }

  /** Fuzzer finding: ${v#p} / ${v%p} on an unset variable threw a NullPointerException. */
  @Test
  void processWord_trimOnUnsetVariable_givesEmpty() throws Exception {
    assertEquals("", new ShellLex('\\').processWord("${UNSET#x}", Map.of()));
    assertEquals("", new ShellLex('\\').processWord("${UNSET%%x*}", Map.of()));
  }
}
