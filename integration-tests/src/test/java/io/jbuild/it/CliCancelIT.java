package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ctrl-C (SIGINT) in the middle of a RUN: jbuild exits 130 within 2 s, with no container
 * process, no mount and no temporary directory left, and the next build works.
 */
class CliCancelIT {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"runc", "crun", "unshare"})
  void sigint_duringRun_exits130Within2sAndLeavesNothingBehind(String runtime, @TempDir Path tmp) throws Exception {
    Prerequisites.requireTool(runtime);
    Path root = CliRun.rootWithBusybox(tmp);
    // a sleep whose argument no other process on this machine has: how leftovers are found
    String nap = String.valueOf(4000 + (int) (Math.random() * 5000));
    Path ctx = CliRun.context(tmp.resolve("ctx"), """
        FROM busybox
        ARG NAP
        RUN echo "nap""ping" && sleep $NAP && echo woke
        """);
    ProcessBuilder pb = new ProcessBuilder(CliRun.command("build", "--progress=plain", "--runtime", runtime,
        "--build-arg", "NAP=" + nap, "-t", "cancel-test", ctx.toString()));
    pb.environment().put("JBUILD_ROOT", root.toString());
    pb.redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    StringBuffer output = new StringBuffer();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> copyLines(p, output));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!output.toString().matches("(?s).*#\\d+ \\d+\\.\\d+ napping\n.*") || sleeps(nap).isEmpty()) {
        assertTrue(p.isAlive() && System.nanoTime() < deadline, "the RUN did not start within 120 s:\n" + output);
        Thread.sleep(20); // polling the output with a bound
      }

      long t0 = System.nanoTime();
      Exec.run("kill", "-INT", String.valueOf(p.pid())).assertOk("kill -INT");
      boolean exited = p.waitFor(2, TimeUnit.SECONDS);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      System.out.println(runtime + ": exited " + ms + " ms after SIGINT");

      assertTrue(exited, "still running 2 s after SIGINT:\n" + output);
      reader.get(10, TimeUnit.SECONDS);
      assertEquals(130, p.exitValue(), output.toString());
      assertTrue(output.toString().contains("ERROR: build cancelled"), output.toString());
      assertEquals(List.of(), sleeps(nap), "container processes left behind");
      assertEquals(List.of(), mountsUnder(root), "mounts left behind");
      assertEquals(List.of(), leftovers(root.resolve("tmp")), "temporary files left behind");
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }

    Exec again = CliRun.jbuild(root, java.util.Map.of(), "build", "--progress=plain", "--runtime", runtime,
        "--build-arg", "NAP=0", "-t", "cancel-test", ctx.toString());
    assertEquals(0, again.exitCode(), again.stderr());
    assertTrue(again.stderr().contains(" woke\n"), again.stderr());
  }

  /**
   * Ctrl-C typed in a terminal reaches jbuild and the RUN's processes at once (one process
   * group): still 130, a CANCELED view, nothing left behind.
   */
  @org.junit.jupiter.api.Test
  void ctrlC_inATerminalDuringRun_exits130WithCanceledViewAndLeavesNothingBehind(@TempDir Path tmp) throws Exception {
    Prerequisites.requireTool("tmux");
    Path root = CliRun.rootWithBusybox(tmp);
    String nap = String.valueOf(4000 + (int) (Math.random() * 5000));
    Path ctx = CliRun.context(tmp.resolve("ctx"), "FROM busybox\nRUN echo \"nap\"\"ping\" && sleep " + nap + "\n");
    try (CliProgressIT.Tmux tmux = new CliProgressIT.Tmux(tmp, 100, 30)) {
      tmux.start(root, "build", "-t", "cancel-tty", ctx.toString());
      tmux.awaitScreen(java.util.regex.Pattern.compile("(?m)^ => => # napping$"), 120);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sleeps(nap).isEmpty()) {
        assertTrue(System.nanoTime() < deadline, "the RUN's sleep never showed up");
        Thread.sleep(20); // polling with a bound
      }

      long t0 = System.nanoTime();
      tmux.ctrlC();
      String screen = tmux.awaitScreen(java.util.regex.Pattern.compile("EXIT=\\d+"), 2);
      System.out.println("tty Ctrl-C: exited within " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)
          + " ms (screen polled every 50 ms); final screen:\n" + screen);

      assertTrue(screen.contains("EXIT=130"), screen);
      assertTrue(java.util.regex.Pattern.compile("(?m)^\\[\\+\\] Building \\d+\\.\\ds \\(0/1\\) CANCELED$").matcher(screen).find(), screen);
      assertTrue(screen.contains("ERROR: build cancelled"), screen);
      assertEquals(List.of(), sleeps(nap), "container processes left behind");
      assertEquals(List.of(), mountsUnder(root), "mounts left behind");
      assertEquals(List.of(), leftovers(root.resolve("tmp")), "temporary files left behind");
    }
  }

  private static void copyLines(Process p, StringBuffer sink) {
    try (var r = p.inputReader(StandardCharsets.UTF_8)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        sink.append(line).append('\n');
      }
    } catch (IOException e) {
      sink.append("<").append(e).append(">");
    }
  }

  /** Processes running `sleep NAP` (zombies have an empty cmdline and hold nothing). */
  static List<Long> sleeps(String nap) throws IOException {
    List<Long> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path d : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String cmd = new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmd.equals("sleep\0" + nap + "\0")) {
            found.add(Long.parseLong(d.getFileName().toString()));
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    }
    return found;
  }

  static List<String> mountsUnder(Path root) throws IOException {
    String prefix = root.toAbsolutePath().toString();
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> l.split(" ")[4].startsWith(prefix)).toList();
  }

  static List<String> leftovers(Path tmp) throws IOException {
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
