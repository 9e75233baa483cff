package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three progress formats of `jbuild build` on real multi-stage builds: plain lines of a
 * failing build, JSON events of a succeeding one, and the live tty view in a real terminal
 * (tmux), whose final screen is printed in the test output.
 */
class CliProgressIT {
  @TempDir
  static Path shared;
  static Path root;

  @BeforeAll
  static void baseImage() throws Exception {
    root = CliRun.rootWithBusybox(shared);
  }

  @Test
  void plain_multiStageBuildWhoseRunFails_buildKitLinesTailAndErrorBlock(@TempDir Path tmp) throws Exception {
    Path ctx = CliRun.context(tmp.resolve("ctx"), """
        FROM busybox AS base
        RUN echo base-says-hi > /hi.txt

        FROM busybox
        COPY --from=base /hi.txt /hi.txt
        RUN cat /hi.txt && echo second-line && exit 3
        """);

    Exec r = CliRun.jbuild(root, Map.of(), "build", "--progress=plain", "--runtime", "runc", "--no-cache", "-t", "fails", ctx.toString());

    System.out.println(r.stderr());
    assertEquals(1, r.exitCode(), r.stderr());
    assertEquals("", r.stdout());
    String t = "\\d+\\.\\d{3}";
    String run = "RUN cat /hi.txt && echo second-line && exit 3";
    String proc = Pattern.quote("process \"/bin/sh -c cat /hi.txt && echo second-line && exit 3\" did not complete successfully: exit code: 3");
    List<String> expected = List.of(
        "#1 \\[base 2/2\\] RUN echo base-says-hi > /hi.txt",
        "#0 RUN steps execute with runc",
        "#1 DONE \\d+\\.\\ds",
        "#2 \\[stage-1 2/3\\] COPY --from=base /hi.txt /hi.txt",
        "#2 DONE \\d+\\.\\ds",
        "#3 \\[stage-1 3/3\\] " + Pattern.quote(run),
        "#3 " + t + " base-says-hi",
        "#3 " + t + " second-line",
        "#3 ERROR: " + proc,
        "------",
        " > \\[stage-1 3/3\\] " + Pattern.quote(run) + ":",
        t + " base-says-hi",
        t + " second-line",
        "------",
        "Dockerfile:6",
        "--------------------",
        "   4 \\|     FROM busybox",
        "   5 \\|     COPY --from=base /hi.txt /hi.txt",
        "   6 \\| >>> " + Pattern.quote(run),
        "   7 \\|\\s*",
        "--------------------",
        "ERROR: failed to solve: " + proc);
    List<String> lines = r.stderr().lines().toList();
    assertEquals(expected.size(), lines.size(), r.stderr());
    for (int i = 0; i < expected.size(); i++) {
      assertTrue(lines.get(i).matches(expected.get(i)), "line " + (i + 1) + ": \"" + lines.get(i) + "\" !~ " + expected.get(i));
    }
  }

  @Test
  void json_multiStageBuild_everyLineParsesAndEveryStepStartsAndEnds(@TempDir Path tmp) throws Exception {
    Path ctx = CliRun.context(tmp.resolve("ctx"), """
        FROM busybox AS one
        RUN echo one > /one

        FROM busybox AS two
        RUN echo "two says \\"hi\\"" && echo two > /two

        FROM busybox
        COPY --from=one /one /one
        COPY --from=two /two /two
        RUN cat /one /two
        """);
    Path iid = tmp.resolve("iid");
    Path out = tmp.resolve("out.tar");

    Exec r = CliRun.jbuild(root, Map.of(), "build", "--progress=json", "-t", "json-test:1", "--iidfile", iid.toString(),
        "-o", "type=oci,dest=" + out, ctx.toString());

    assertEquals(0, r.exitCode(), r.stderr());
    ObjectMapper json = new ObjectMapper();
    Map<Integer, List<String>> events = new LinkedHashMap<>();
    List<JsonNode> all = new ArrayList<>();
    for (String line : r.stderr().lines().toList()) {
      JsonNode n = json.readTree(line); // throws on a line that is no JSON
      all.add(n);
      if (n.has("step")) {
        events.computeIfAbsent(n.get("step").asInt(), k -> new ArrayList<>()).add(n.get("type").asText());
      }
    }
    assertTrue(events.size() >= 6, "steps: " + events); // 2 RUN in stages, 2 COPY, the last RUN, the export
    for (Map.Entry<Integer, List<String>> e : events.entrySet()) {
      List<String> types = e.getValue();
      assertEquals("step.started", types.get(0), "step " + e.getKey() + ": " + types);
      assertTrue(List.of("step.finished", "step.cached").contains(types.get(types.size() - 1)), "step " + e.getKey() + ": " + types);
      assertEquals(1, types.stream().filter(x -> x.equals("step.started")).count(), "step " + e.getKey() + ": " + types);
    }
    assertTrue(all.stream().anyMatch(n -> n.path("line").asText().equals("two says \"hi\"")), r.stderr());
    assertTrue(all.stream().anyMatch(n -> n.path("type").asText().equals("step.progress")), "no byte progress of the export: " + r.stderr());
    JsonNode last = all.get(all.size() - 1);
    assertEquals("build.finished", last.get("type").asText());
    assertEquals(Files.readString(iid), last.get("imageId").asText());
    assertEquals("json-test:1", last.get("tags").get(0).asText());
  }

  @Test
  void tty_multiStageBuildInATerminal_liveStepLinesThenSummary(@TempDir Path tmp) throws Exception {
    Prerequisites.requireTool("tmux");
    Path ctx = CliRun.context(tmp.resolve("ctx"), """
        FROM busybox AS ticker
        RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo tick-$i; sleep 0.4; done > /dev/stderr; echo ticked > /t

        FROM busybox AS other
        RUN echo other > /other

        FROM busybox
        COPY --from=ticker /t /t
        COPY --from=other /other /other
        RUN echo final-step
        """);
    try (Tmux tmux = new Tmux(tmp, 110, 40)) {
      String first = tmux.run(root, "build", "-t", "tty-test:1.0", ctx.toString());
      System.out.println("final screen of the first build:\n" + first);

      // live: the running RUN's line with its time, and its output underneath
      assertTrue(tmux.sawLive(Pattern.compile("(?m)^ => \\[ticker 2/2\\] RUN for i in .* \\d+\\.\\ds$")), tmux.frames());
      assertTrue(tmux.sawLive(Pattern.compile("(?m)^ => => # tick-\\d+$")), tmux.frames());
      assertTrue(tmux.sawLive(Pattern.compile("(?m)^\\[\\+\\] Building \\d+\\.\\ds \\(\\d+/\\d+\\)$")), tmux.frames());
      // final: every step, the summary, the exit code
      assertTrue(Pattern.compile("(?m)^\\[\\+\\] Building \\d+\\.\\ds \\((\\d+)/\\1\\) FINISHED$").matcher(first).find(), first);
      assertTrue(Pattern.compile("(?m)^ => \\[stage-2 4/4\\] RUN echo final-step +\\d+\\.\\ds$").matcher(first).find(), first);
      assertTrue(Pattern.compile("(?m)^Built in \\d+\\.\\ds: 5 steps run, 0 cached$").matcher(first).find(), first);
      assertTrue(Pattern.compile("(?m)^ => image   sha256:[0-9a-f]{64} \\(\\d+\\.\\d [KM]iB\\)$").matcher(first).find(), first);
      assertTrue(first.contains("\n => tags    tty-test:1.0\n => output  image tty-test:1.0\n"), first);
      assertTrue(first.contains("EXIT=0"), first);

      String second = tmux.run(root, "build", "-t", "tty-test:1.0", ctx.toString());
      System.out.println("final screen of the second, cached build:\n" + second);
      assertTrue(Pattern.compile("(?m)^ => CACHED \\[ticker 2/2\\] RUN for i in .* 0\\.0s$").matcher(second).find(), second);
      assertTrue(Pattern.compile("(?m)^Built in \\d+\\.\\ds: 0 steps run, 5 cached$").matcher(second).find(), second);
    }
  }

  /** jbuild in a tmux pane: a real pseudo-terminal whose screen capture-pane reads back. */
  static final class Tmux implements AutoCloseable {
    private final String socket = "jbuild-it-" + UUID.randomUUID().toString().substring(0, 8);
    private final Path dir;
    private final int cols;
    private final int rows;
    private final List<String> frames = new ArrayList<>();

    Tmux(Path dir, int cols, int rows) {
      this.dir = dir;
      this.cols = cols;
      this.rows = rows;
    }

    /** Runs jbuild in a fresh session, records screens while it runs, returns the final screen. */
    String run(Path root, String... args) throws Exception {
      start(root, args);
      return awaitScreen(Pattern.compile("EXIT=\\d+"), 300);
    }

    /** Starts jbuild in a fresh session; the pane prints EXIT=CODE when it ends. */
    void start(Path root, String... args) throws Exception {
      frames.clear();
      Exec.run("tmux", "-L", socket, "kill-server"); // a previous run's session, if any
      StringBuilder cmd = new StringBuilder("env JBUILD_ROOT=" + root + " TERM=xterm");
      for (String a : CliRun.command(args)) {
        cmd.append(' ').append("'").append(a.replace("'", "'\\''")).append("'");
      }
      cmd.append("; echo EXIT=$?; sleep 600");
      Exec.run(null, Map.of(), 30, List.of("tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
          "-x", String.valueOf(cols), "-y", String.valueOf(rows), cmd.toString())).assertOk("tmux new-session");
    }

    /** Captures the screen until it shows {@code p}; returns that screen. */
    String awaitScreen(Pattern p, int seconds) throws Exception {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      while (System.nanoTime() < deadline) {
        String screen = Exec.run("tmux", "-L", socket, "capture-pane", "-p", "-t", "t").assertOk("capture-pane").stdout();
        frames.add(screen);
        if (p.matcher(screen).find()) {
          return screen;
        }
        Thread.sleep(50); // the capture rate, not a wait for a condition: the loop polls with a bound
      }
      throw new AssertionError("no " + p + " on the screen within " + seconds + " s; last screen:\n" + frames.get(frames.size() - 1));
    }

    /** Ctrl-C typed in the terminal: SIGINT to the whole foreground process group, as for a person. */
    void ctrlC() throws Exception {
      Exec.run("tmux", "-L", socket, "send-keys", "-t", "t", "C-c").assertOk("tmux send-keys C-c");
    }

    boolean sawLive(Pattern p) {
      return frames.stream().filter(f -> !f.contains("EXIT=")).anyMatch(f -> p.matcher(f).find());
    }

    String frames() {
      return String.join("\n=====\n", frames.subList(Math.max(0, frames.size() - 5), frames.size()));
    }

    @Override
    public void close() throws Exception {
      Exec.run("tmux", "-L", socket, "kill-server");
    }
  }
}
