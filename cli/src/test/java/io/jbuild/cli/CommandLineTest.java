package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandLineTest {
  /** Runs the CLI in-process; returns exit code, stdout and stderr. */
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void withDefaultCommand_firstWordIsNoCommand_insertsBuild() {
    assertArrayEquals(new String[] {"build", "-t", "x", "."}, Main.withDefaultCommand(new String[] {"-t", "x", "."}));
    assertArrayEquals(new String[] {"images"}, Main.withDefaultCommand(new String[] {"images"}));
    assertArrayEquals(new String[] {"--help"}, Main.withDefaultCommand(new String[] {"--help"}));
  }

  @Test
  void quick_plainBuildForms_parsedWithoutTheCommandModel() {
    BuildCommand c = BuildCommand.quick(new String[] {"build", "-t", "a:1", "--tag=b:2", "-f", "x/Dockerfile",
        "--build-arg", "K=V", "--build-arg=E", "--target", "t", "--label=l=1", "--progress", "plain", "-q",
        "--iidfile", "id.txt", "--metadata-file=m.json", "--root", "/r", "-o", "type=oci,dest=x.tar",
        "--output=type=image", "--runtime", "crun", "--platform=linux/amd64", "--no-cache", "ctx"});
    assertEquals(List.of("a:1", "b:2"), c.tags);
    assertEquals("x/Dockerfile", c.file);
    assertEquals(List.of("K=V", "E"), c.buildArgs);
    assertEquals("t", c.target);
    assertEquals(List.of("l=1"), c.labels);
    assertEquals("plain", c.progress);
    assertTrue(c.quiet);
    assertEquals(java.nio.file.Path.of("id.txt"), c.iidfile);
    assertEquals(java.nio.file.Path.of("m.json"), c.metadataFile);
    assertEquals(java.nio.file.Path.of("/r"), c.root.get());
    assertEquals(java.nio.file.Path.of("ctx"), c.context);
    assertEquals(List.of("type=oci,dest=x.tar", "type=image"), c.outputs);
    assertEquals("crun", c.runtime);
    assertEquals("linux/amd64", c.platform);
    assertTrue(c.noCache);
    assertEquals(java.nio.file.Path.of("."), BuildCommand.quick(new String[] {"-t", "x", "."}).context);
  }

  /** Anything else goes to picocli, which checks it and says what is wrong. */
  @ParameterizedTest
  @ValueSource(strings = {"build --no-cache=true .", "build -t", "build a b", "build -", "-t x", "build --help",
      "build -tx .", "build --pull .", "--squash .", "build -otype=oci,dest=x.tar .", "build --runtime"})
  void quick_otherForms_leftToPicocli(String line) {
    assertEquals(null, BuildCommand.quick(line.split(" ")));
  }

  @Test
  void commandLine_forOneCommand_holdsOnlyThatCommand_andTheWholeModelHoldsAll() {
    assertEquals(java.util.Set.of("images"), JbuildCommand.commandLine("images").getSubcommands().keySet());
    assertEquals(JbuildCommand.SUBCOMMANDS.keySet(), JbuildCommand.commandLine().getSubcommands().keySet());
    assertEquals(JbuildCommand.SUBCOMMANDS.keySet(), JbuildCommand.commandLine("-t").getSubcommands().keySet());
  }

  /** A CI script written for docker must not lose a flag's effect without a word (issue 7). */
  @ParameterizedTest
  @ValueSource(strings = {"--squash", "--shm-size=1g", "--ssh=default", "--add-host=a:1.2.3.4", "--memory=1g", "-m=1g"})
  void build_dockerFlagJbuildLacks_refusedWithReasonAndUsageExit(String flag) {
    Run r = run("-t", "x", flag, ".");
    assertEquals(2, r.code());
    String name = flag.split("=")[0];
    assertTrue(r.err().contains(name) && r.err().contains("is a docker build flag that jbuild does not support: "), r.err());
  }

  @Test
  void build_unsupportedFlagsAreHiddenFromHelp() {
    Run r = run("build", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--metadata-file") && r.out().contains("Examples:"), r.out());
    assertTrue(!r.out().contains("--squash"), r.out());
  }

  @Test
  void everyCommand_help_hasExamples() {
    var cli = JbuildCommand.commandLine();
    for (var e : cli.getSubcommands().entrySet()) {
      if (e.getKey().equals("help")) {
        continue;
      }
      String help = e.getValue().getUsageMessage();
      assertTrue(help.contains("Example"), e.getKey() + " has no example in its --help:\n" + help);
    }
  }

  /** The launcher's prepared texts must answer exactly what picocli would, for each way of asking. */
  @Test
  void help_preparedTexts_sameAsPicocliForEveryForm(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    HelpTexts.main(new String[] {dir.toString()});
    List<String[]> forms = List.of(new String[] {}, new String[] {"--help"}, new String[] {"-h"}, new String[] {"help"},
        new String[] {"build", "--help"}, new String[] {"images", "-h"}, new String[] {"help", "push"});
    for (String[] form : forms) {
      String dynamic = run(form).out();
      System.setProperty(HelpTexts.DIR, dir.toString());
      try {
        assertEquals(dynamic, HelpTexts.lookup(form), String.join(" ", form));
        assertEquals(dynamic, run(form).out(), String.join(" ", form));
      } finally {
        System.clearProperty(HelpTexts.DIR);
      }
    }
    System.setProperty(HelpTexts.DIR, dir.toString());
    try {
      assertEquals(null, HelpTexts.lookup(new String[] {"nosuchcommand", "--help"}));
      assertEquals(null, HelpTexts.lookup(new String[] {"-t", "x", "--help"}));
    } finally {
      System.clearProperty(HelpTexts.DIR);
    }
  }

  @Test
  void version_printsVersionCommitAndJava() {
    Run r = run("version");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("(?s)jbuild \\S+ \\(commit \\S+\\)\njava " + System.getProperty("java.version").replace(".", "\\.") + ".*"), r.out());
  }

  @Test
  void completion_bash_printsPicocliScriptForEveryCommand() {
    Run r = run("completion", "bash");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("complete -F") && r.out().contains("--metadata-file") && r.out().contains("images"), r.out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--progress=fancy", "--network=bridge", "--rm=false", "--jobs=0"})
  void build_badFlagValue_usageErrorNamingTheFlag(String flag) {
    Run r = run("build", flag, ".");
    assertEquals(2, r.code());
    assertTrue(r.err().contains(flag.substring(0, flag.indexOf('='))), r.err());
  }

  @Test
  void buildArgs_keyOnly_takesEnvironmentOrIsSkipped() {
    assertEquals(Map.of("A", "1", "B", "x=y", "C", ""),
        BuildCommand.buildArgs(List.of("A", "B=x=y", "C=", "UNSET"), Map.of("A", "1")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"=v", "", " A=v", "A B=v"})
  void buildArgs_malformed_saysWhatIsExpected(String arg) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BuildCommand.buildArgs(List.of(arg), Map.of()));
    assertTrue(e.getMessage().startsWith("invalid --build-arg \"" + arg + "\": expected KEY=VALUE or KEY"), e.getMessage());
  }

  @Test
  void platform_severalAtOnce_saysOneAtATime() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BuildCommand.platform("linux/amd64,linux/arm64"));
    assertTrue(e.getMessage().contains("one --platform at a time"), e.getMessage());
  }

  @Test
  void formatBuildError_failureBlock_errorPrefixOnTheFailedToSolveLine() {
    String msg = "Dockerfile:3\n----\n   3 | >>> RUN exit 3\n----\nfailed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3";
    String[] lines = Errors.formatBuildError(msg).split(System.lineSeparator());
    assertEquals("Dockerfile:3", lines[0]);
    assertEquals("ERROR: failed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3", lines[4]);
  }

  @Test
  void requireRoot_notRoot_namesRootlessOptions() {
    var e = assertThrows(io.jbuild.api.BuildException.class, () -> Preflight.requireRoot(1000));
    assertTrue(e.getMessage().contains("must run as root (it runs as uid 1000)") && e.getMessage().contains("Rootless options"), e.getMessage());
  }
}
