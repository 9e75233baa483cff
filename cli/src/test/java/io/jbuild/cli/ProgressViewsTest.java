package io.jbuild.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressViewsTest {
  private static final long S = 1_000_000_000L;
  private final AtomicLong clock = new AtomicLong(100 * S);
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private static BuildResult result() {
    Digest config = Digest.sha256("config".getBytes(StandardCharsets.UTF_8));
    Digest manifest = Digest.sha256("manifest".getBytes(StandardCharsets.UTF_8));
    return new BuildResult(config, Descriptor.of("application/vnd.oci.image.manifest.v1+json", manifest, 559),
        List.of("app:1.0"), 3 << 20, 4 * S, 2, 1, List.of("image app:1.0"));
  }

  private String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void secondsAndSizes_printOneDecimalAsPercentPointOneFDoes() {
    long[] nanos = {0, 499_999, 500_000, 49_999_999, 50_000_000, 149_999_999, 150_000_000, 999_999_999, 1_950_000_000L, 123_456_789_012L};
    for (long n : nanos) {
      assertEquals(String.format(java.util.Locale.ROOT, "%.1f", n / 1e9), ProgressView.seconds(n), n + " ns");
      assertEquals(String.format(java.util.Locale.ROOT, "%.3f", n / 1e9), ProgressView.fixed(n, 1_000_000_000L, 3), n + " ns");
      assertEquals(String.format(java.util.Locale.ROOT, "%.3f", -n / 1e9), ProgressView.fixed(-n, 1_000_000_000L, 3), -n + " ns");
    }
    long[] sizes = {0, 1023, 1024, 1075, 1076, 1_048_575, 1_048_576, 1_101_004, 5L << 30, (1L << 50) + 1, 3L << 52};
    for (long b : sizes) {
      String expected;
      if (b < 1024) {
        expected = b + " B";
      } else {
        double v = b;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
          v /= 1024;
          u++;
        }
        expected = String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
      }
      assertEquals(expected, ProgressView.human(b), b + " bytes");
    }
  }

  @Test
  void tty_runningStep_showsElapsedTimeLastLogLinesAndByteBar() {
    Terminal term = new Terminal(true, 100, 20, false);
    TtyProgress view = new TtyProgress(out, term, clock::get, false);
    view.onEvent(new BuildEvent.StepCached(clock.get(), 1, "[base 1/2] FROM busybox"));
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 2, "[build 2/3] RUN make all", "Dockerfile:4"));
    for (int i = 1; i <= 8; i++) {
      view.onEvent(new BuildEvent.StepLog(clock.get(), 2, "stdout", "compiling unit " + i + "\u001B[32m ok\u001B[0m"));
    }
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 3, "exporting to oci image format out.tar", null));
    clock.addAndGet(2 * S);
    view.onEvent(new BuildEvent.Progress(clock.get() - S, 3, "layers", 0, 4 << 20));
    view.onEvent(new BuildEvent.Progress(clock.get(), 3, "layers", 2 << 20, 4 << 20));

    List<String> frame = view.lines(clock.get(), null);

    assertEquals("[+] Building 2.0s (1/3)", frame.get(0));
    assertTrue(frame.get(1).startsWith(" => CACHED [base 1/2] FROM busybox") && frame.get(1).endsWith("0.0s"), frame.get(1));
    assertTrue(frame.get(2).startsWith(" => [build 2/3] RUN make all") && frame.get(2).endsWith(" 2.0s"), frame.get(2));
    // the last six output lines, escape sequences gone
    for (int i = 0; i < TtyProgress.LIVE_LOG_LINES; i++) {
      assertEquals(" => => # compiling unit " + (i + 3) + " ok", frame.get(3 + i));
    }
    assertTrue(frame.get(10).contains("=> => layers [==========>         ] 2.0 MiB / 4.0 MiB 2.0 MiB/s"), frame.get(10));
    frame.forEach(l -> assertTrue(l.length() <= term.columns() - 1, "wider than the terminal: " + l));
  }

  @Test
  void tty_moreLinesThanRows_liveFrameFitsTheTerminal() {
    Terminal term = new Terminal(true, 80, 8, false);
    TtyProgress view = new TtyProgress(out, term, clock::get, false);
    for (int i = 1; i <= 20; i++) {
      view.onEvent(new BuildEvent.StepCached(clock.get(), i, "[" + i + "/21] COPY f" + i + " /"));
    }
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 21, "[21/21] RUN long", null));

    List<String> frame = view.lines(clock.get(), null);

    assertTrue(frame.size() <= term.rows() - 1, frame.toString());
    assertEquals(" => [21/21] RUN long", frame.get(frame.size() - 1).substring(0, 20));
  }

  @Test
  void tty_succeeded_finalFrameListsEveryStepThenTheSummary() {
    TtyProgress view = new TtyProgress(out, new Terminal(true, 80, 6, false), clock::get, false);
    for (int i = 1; i <= 9; i++) {
      view.onEvent(new BuildEvent.StepStarted(clock.get(), i, "[" + i + "/9] RUN step" + i, null));
      view.onEvent(new BuildEvent.StepFinished(clock.get() + S / 2, i, S / 2));
    }
    view.draw();
    clock.addAndGet(4 * S);

    view.succeeded(result());

    String screen = text();
    String last = screen.substring(screen.lastIndexOf("\u001B[J") + 3);
    assertTrue(last.startsWith("[+] Building 4.0s (9/9) FINISHED\n"), last);
    for (int i = 1; i <= 9; i++) {
      assertTrue(last.contains(" => [" + i + "/9] RUN step" + i), last);
    }
    assertTrue(last.contains("Built in 4.0s: 2 steps run, 1 cached\n => image   " + result().imageId() + " (3.0 MiB)\n"
        + " => tags    app:1.0\n => output  image app:1.0\n"), last);
  }

  @Test
  void tty_failed_showsErrorStepAndItsTailBlock() {
    TtyProgress view = new TtyProgress(out, new Terminal(true, 80, 24, false), clock::get, false);
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 1, "[2/2] RUN exit 3", "Dockerfile:2"));
    view.onEvent(new BuildEvent.StepLog(clock.get() + S / 4, 1, "stderr", "about to fail"));
    view.onEvent(new BuildEvent.StepFailed(clock.get() + S / 2, 1, "exit code: 3", 3, List.of("about to fail")));

    view.failed(new BuildException(BuildException.Kind.STEP_FAILED, "x", 3, List.of(), null), 1);

    assertTrue(text().contains("(1/1) ERROR\n => ERROR [2/2] RUN exit 3"), text());
    assertTrue(text().contains("------\n > [2/2] RUN exit 3:\n0.250 about to fail\n------\n"), text());
  }

  @Test
  void json_everyStep_hasOneStartAndOneEndEvent() throws Exception {
    JsonProgress view = new JsonProgress(out);
    view.onEvent(new BuildEvent.StepCached(clock.get(), 1, "[1/4] FROM busybox"));
    view.onEvent(new BuildEvent.StepCacheMiss(clock.get(), 2, "[2/4] RUN a", "the command changed"));
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 2, "[2/4] RUN a", "Dockerfile:2"));
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 3, "[3/4] RUN b", "Dockerfile:3"));
    view.onEvent(new BuildEvent.StepLog(clock.get(), 2, "stdout", "\"quoted\" \\ line"));
    view.onEvent(new BuildEvent.StepFailed(clock.get(), 2, "exit code: 3", 3, List.of("x")));
    view.failed(new BuildException(BuildException.Kind.STEP_FAILED, "failed", 3, List.of(), null), 1);

    ObjectMapper json = new ObjectMapper();
    Map<Integer, List<String>> byStep = new HashMap<>();
    List<String> types = new ArrayList<>();
    for (String line : text().split("\n")) {
      JsonNode n = json.readTree(line);
      assertEquals(1, n.get("v").asInt());
      types.add(n.get("type").asText());
      if (n.has("step")) {
        byStep.computeIfAbsent(n.get("step").asInt(), k -> new ArrayList<>()).add(n.get("type").asText());
      }
    }
    assertEquals(List.of("step.started", "step.cached"), byStep.get(1));
    assertEquals(List.of("step.started", "step.cache-miss", "step.log", "step.failed"), byStep.get(2));
    assertEquals(List.of("step.started", "step.cancelled"), byStep.get(3));
    assertEquals("build.failed", types.get(types.size() - 1));
  }

  @Test
  void plain_cachedAndLoggedSteps_buildKitLines() {
    PlainProgress view = new PlainProgress(out);
    view.onEvent(new BuildEvent.StepCached(clock.get(), 1, "[1/2] FROM busybox"));
    view.onEvent(new BuildEvent.StepStarted(clock.get(), 2, "[2/2] RUN make", "Dockerfile:2"));
    view.onEvent(new BuildEvent.StepLog(clock.get() + S / 2, 2, "stdout", "hello"));
    view.onEvent(new BuildEvent.StepFinished(clock.get() + S, 2, S + S / 5));

    assertEquals("#1 [1/2] FROM busybox\n#1 CACHED\n#2 [2/2] RUN make\n#2 0.500 hello\n#2 DONE 1.2s\n", text());
  }
}
