package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** conformance/buildkit-instructions: instruction validation errors and EXPOSE port specs. */
class InstructionConformanceTest {

  private static Instructions.Instruction first(String dockerfile) throws DockerfileException {
    Source src = Source.parse(dockerfile.getBytes(StandardCharsets.UTF_8), "Dockerfile");
    return Instructions.parse(src, src.root().children.get(0));
  }

  @Test
  void parse_instructionVectors_matchBuildKit() throws Exception {
    Path dir = Conformance.dir("buildkit-instructions");
    JsonNode errors = Conformance.json(dir.resolve("instruction_errors.json"));
    List<String> failures = new ArrayList<>();
    int total = 0;
    int passed = 0;
    for (JsonNode c : errors.get("cases")) {
      total++;
      try {
        Instructions.Instruction i = first(c.get("dockerfile").asText());
        failures.add(c.get("dockerfile") + " parsed as " + i);
      } catch (DockerfileException e) {
        if (e.getMessage().contains(c.get("error_contains").asText())) {
          passed++;
        } else {
          failures.add(c.get("dockerfile") + ": " + e.getMessage());
        }
      }
    }
    for (JsonNode c : errors.get("ok_cases")) {
      total++;
      try {
        Instructions.Instruction i = first(c.get("dockerfile").asText());
        boolean ok = true;
        if (c.has("healthcheck_test")) {
          ok = i instanceof Instructions.Healthcheck h
              && h.check().test().equals(Conformance.strings(c.get("healthcheck_test")));
        }
        if (c.has("flags_used")) {
          ok &= i instanceof Instructions.Run r && !r.mounts().isEmpty();
        }
        if (ok) {
          passed++;
        } else {
          failures.add(c.get("dockerfile") + ": " + i);
        }
      } catch (DockerfileException e) {
        failures.add(c.get("dockerfile") + ": " + e.getMessage());
      }
    }
    JsonNode ports = Conformance.json(dir.resolve("expose_ports.json"));
    for (JsonNode c : ports.get("cases")) {
      total++;
      String r = ports(List.of(c.get("spec").asText()));
      String want = c.has("exposed") ? Conformance.strings(c.get("exposed")).toString()
          : "error: " + c.get("error").asText();
      if (r.equals(want)) {
        passed++;
      } else {
        failures.add(c.get("spec") + ": " + r + " want " + want);
      }
    }
    for (JsonNode c : ports.get("list_cases")) {
      total++;
      String r = ports(Conformance.strings(c.get("specs")));
      boolean ok = c.has("exposed") ? r.equals(Conformance.strings(c.get("exposed")).toString())
          : r.startsWith("error: ");
      if (ok) {
        passed++;
      } else {
        failures.add(c.get("specs") + ": " + r);
      }
    }
    System.out.println("instruction conformance: " + passed + "/" + total);
    assertEquals(List.of(), failures);
  }

  private static String ports(List<String> specs) {
    List<String> out = new ArrayList<>();
    try {
      for (String s : specs) {
        out.addAll(Ports.parse(s));
      }
      return out.toString();
    } catch (ParseError e) {
      return "error: " + e.getMessage();
    }
  }
}
