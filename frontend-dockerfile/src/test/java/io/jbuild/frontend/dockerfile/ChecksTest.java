package io.jbuild.frontend.dockerfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChecksTest {
  private static List<String> rules(String df) throws DockerfileException {
    List<String> out = new ArrayList<>();
    for (CheckFinding f : DockerfileFrontend.check(df.getBytes(StandardCharsets.UTF_8),
        "Dockerfile", Map.of())) {
      out.add(f.rule() + "@" + f.line());
    }
    return out;
  }

  @Test
  void check_eachRule_reportsItsLocation() throws Exception {
    assertEquals(List.of("StageNameCasing@1"), rules("FROM scratch AS Build\n"));
    assertEquals(List.of("FromAsCasing@1"), rules("FROM scratch as build\n"));
    assertEquals(List.of("NoEmptyContinuation@4"), rules("FROM scratch\nRUN a \\\n\n b\n"));
    assertEquals(List.of("ConsistentInstructionCasing@3"),
        rules("FROM scratch\nENV a=b\nrun x\n"));
    assertEquals(List.of("DuplicateStageName@2"), rules("FROM scratch AS a\nFROM scratch AS a\n"));
    assertEquals(List.of("ReservedStageName@1"), rules("FROM busybox AS scratch\n"));
    assertEquals(List.of("JSONArgsRecommended@2", "JSONArgsRecommended@3"),
        rules("FROM scratch\nCMD echo hi\nENTRYPOINT run it\n"));
    assertEquals(List.of("MaintainerDeprecated@2"), rules("FROM scratch\nMAINTAINER me\n"));
    assertEquals(List.of("UndefinedArgInFrom@1"), rules("FROM busybox:${TAG}\n"));
    assertEquals(List.of("UndefinedVar@2"), rules("FROM scratch\nCOPY $SRC /\n"));
    assertEquals(List.of("WorkdirRelativePath@2"), rules("FROM busybox\nWORKDIR app\n"));
    assertEquals(List.of("MultipleInstructionsDisallowed@3"),
        rules("FROM scratch\nCMD [\"a\"]\nCMD [\"b\"]\n"));
    assertEquals(List.of("LegacyKeyValueFormat@2"), rules("FROM scratch\nENV A b\n"));
    assertEquals(List.of("InvalidDefaultArgInFrom@2"), rules("ARG TAG=\nFROM ${TAG}\n"));
    assertEquals(List.of("SecretsUsedInArgOrEnv@2"), rules("FROM scratch\nARG API_TOKEN\n"));
    assertEquals(List.of(), rules("FROM scratch\nARG PUBLIC_KEY\n"));
  }

  @Test
  void check_skipDirective_dropsRules() throws Exception {
    assertEquals(List.of(), rules("# check=skip=MaintainerDeprecated\nFROM scratch\nMAINTAINER x\n"));
    assertEquals(List.of(), rules("# check=skip=all\nFROM scratch\nMAINTAINER x\n"));
  }

  @Test
  void convert_checkErrorTrue_failsTheBuild() {
    DockerfileException e = assertThrows(DockerfileException.class, () -> ConvertTest.convert(
        "# check=error=true\nFROM scratch\nMAINTAINER x\n"));
    assertTrue(e.getMessage().contains("MaintainerDeprecated"), e.getMessage());
    assertEquals(3, e.line());
  }

  @Test
  void convert_warnings_goToTheConsumer() throws Exception {
    List<CheckFinding> seen = new ArrayList<>();
    ConvertTest.convert("FROM scratch\nMAINTAINER x\n", Map.of(), null, new FakeResolver(), seen);
    assertEquals(1, seen.size());
    assertEquals("https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/",
        seen.get(0).url());
  }

  @Test
  void outline_argsAndDescriptions_fromComments() throws Exception {
    var o = DockerfileFrontend.outline("""
        ARG GO=1.22
        # build compiles the binary
        FROM golang:${GO} AS build
        # MODE debug or release
        ARG MODE=release
        FROM scratch
        """.getBytes(StandardCharsets.UTF_8), "Dockerfile");
    assertEquals("build", o.get(0).name());
    assertEquals("build compiles the binary", o.get(0).description());
    assertEquals("MODE", o.get(0).args().get(1).name());
    assertEquals("debug or release", o.get(0).args().get(1).description());
    assertEquals(List.of("build", "1"), DockerfileFrontend.stageNames(
        "FROM scratch AS build\nFROM scratch\n".getBytes(StandardCharsets.UTF_8), "Dockerfile"));
  }
}
