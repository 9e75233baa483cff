package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --check and --call=outline|targets print what buildx prints, with locations. */
class CallCommandsTest {
  @TempDir
  Path dir;

  private Path dockerfile(String text) throws Exception {
    return Files.writeString(dir.resolve("Dockerfile"), text);
  }

  private static String run(String call, Path df, String target) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code = CallCommands.run(call, df, target, Map.of(), new PrintStream(buf, true, StandardCharsets.UTF_8));
    return code + "\n" + buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void check_findings_printRuleLocationAndMarkedLine() throws Exception {
    Path df = dockerfile("FROM busybox as build\nCMD echo hi\n");
    String out = run("check", df, null);
    assertTrue(out.startsWith("0\nCheck complete, 2 warnings have been found!"), out);
    assertTrue(out.contains("WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/"), out);
    assertTrue(out.contains("Dockerfile:2\n"), out);
    assertTrue(out.contains("   2 | >>> CMD echo hi"), out);
  }

  @Test
  void check_errorDirective_exitsOne() throws Exception {
    Path df = dockerfile("# check=error=true\nFROM busybox as build\n");
    assertTrue(run("check", df, null).startsWith("1\n"));
  }

  @Test
  void check_clean_saysSo() throws Exception {
    assertEquals("0\nCheck complete, no warnings found.\n", run("check", dockerfile("FROM busybox\nCMD [\"sh\"]\n"), null));
  }

  @Test
  void targets_listsStagesWithDescriptionsAndDefault() throws Exception {
    Path df = dockerfile("# compiles the app\nFROM busybox AS build\nFROM build AS final\n");
    String out = run("targets", df, null);
    assertTrue(out.contains("build                    compiles the app"), out);
    assertTrue(out.contains("final (default)"), out);
  }

  @Test
  void outline_showsTargetArgsWithDefaults() throws Exception {
    Path df = dockerfile("FROM busybox AS build\n# VERSION the release to build\nARG VERSION=1.2\nARG NODEFAULT\n");
    String out = run("outline", df, "build");
    assertTrue(out.contains("TARGET:      build"), out);
    assertTrue(out.contains("VERSION              1.2                  the release to build"), out);
    assertTrue(out.contains("NODEFAULT            <nil>"), out);
  }

  @Test
  void outline_unknownTarget_listsStagesAndIsUsageError() throws Exception {
    Path df = dockerfile("FROM busybox AS build\n");
    assertTrue(run("outline", df, "nope").startsWith("2\n"));
  }

  @Test
  void call_unknown_isUsageError() throws Exception {
    assertTrue(run("explode", dockerfile("FROM busybox\n"), null).startsWith("2\n"));
  }
}
