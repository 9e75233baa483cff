package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;

/**
 * One line per event, prefixed with the step number like BuildKit's plain progress, readable
 * in CI logs: "#3 [2/4] RUN make", "#3 0.512 output", "#3 DONE 1.2s", "#2 CACHED".
 */
final class PlainProgress implements ProgressView {
  /** Byte progress is printed at most this often per step, and when it completes. */
  private static final long PROGRESS_EVERY_NANOS = 1_000_000_000L;

  private final PrintStream out;
  private final StepTable table = new StepTable();
  private final java.util.Map<Integer, Long> lastProgress = new java.util.HashMap<>();
  private final java.util.Map<Integer, String> pendingMisses = new java.util.HashMap<>();

  PlainProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void onEvent(BuildEvent e) {
    StepTable.Step st = table.apply(e);
    if (e instanceof BuildEvent.StepStarted s) {
      out.println("#" + s.step() + " " + s.name());
      String miss = pendingMisses.remove(s.step());
      if (miss != null) {
        out.println(miss);
      }
    } else if (e instanceof BuildEvent.StepCached s) {
      out.println("#" + s.step() + " " + s.name());
      out.println("#" + s.step() + " CACHED");
    } else if (e instanceof BuildEvent.StepCacheMiss m) {
      // the solver knows before the step starts; the line reads better under the step's header
      if (!m.reason().isEmpty()) {
        pendingMisses.put(m.step(), "#" + m.step() + " cache miss: " + m.reason());
      }
    } else if (e instanceof BuildEvent.StepLog l) {
      out.println("#" + l.step() + " " + st.tail.peekLast());
    } else if (e instanceof BuildEvent.Progress p) {
      Long last = lastProgress.get(p.step());
      boolean done = p.total() >= 0 && p.current() >= p.total();
      if (done || last == null || p.timeNanos() - last >= PROGRESS_EVERY_NANOS) {
        lastProgress.put(p.step(), p.timeNanos());
        out.println("#" + p.step() + " " + p.what() + " " + ProgressView.human(p.current())
            + (p.total() >= 0 ? " / " + ProgressView.human(p.total()) : "") + " "
            + ProgressView.seconds(p.timeNanos() - st.startNanos) + "s");
      }
    } else if (e instanceof BuildEvent.StepFinished f) {
      out.println("#" + f.step() + " DONE " + ProgressView.seconds(f.durationNanos()) + "s");
    } else if (e instanceof BuildEvent.StepFailed f) {
      out.println("#" + f.step() + " ERROR: " + f.message());
    } else if (e instanceof BuildEvent.Warning w) {
      out.println("WARN: " + w.message() + (w.location() == null ? "" : " (" + w.location() + ")"));
    } else if (e instanceof BuildEvent.Info i) {
      out.println("#0 " + i.message());
    } else if (e instanceof BuildEvent.Exported x) {
      out.println("#0 exported to " + x.output());
    }
    out.flush();
  }

  @Override
  public synchronized void succeeded(BuildResult r) {
    out.println(summary(r));
    out.flush();
  }

  @Override
  public synchronized void failed(BuildException error, int exitCode) {
    if (!hasTail(error)) {
      printTail(out, table.firstFailed());
    }
    out.flush();
  }

  /** True when the error's message has the failed step's output block already (the api adds it). */
  static boolean hasTail(BuildException error) {
    String m = error.getMessage();
    return m != null && (m.startsWith("------\n > ") || m.contains("\n------\n > "));
  }

  /** BuildKit's block after a failed step: its name and its last output lines. */
  static void printTail(PrintStream out, StepTable.Step failed) {
    if (failed == null || failed.tail.isEmpty()) {
      return;
    }
    out.println("------");
    out.println(" > " + failed.name + ":");
    for (String line : failed.tail) {
      out.println(line);
    }
    out.println("------");
  }

  /** Kept for the commands that print sizes. */
  static String human(long bytes) {
    return ProgressView.human(bytes);
  }

  static String summary(BuildResult r) {
    StringBuilder b = new StringBuilder();
    b.append("#0 built in ").append(ProgressView.seconds(r.elapsedNanos())).append("s: ")
        .append(r.stepsRun()).append(" steps run, ").append(r.stepsCached()).append(" cached\n");
    b.append("#0 image ").append(r.imageId()).append(" (").append(ProgressView.human(r.size())).append(")");
    if (!r.tags().isEmpty()) {
      b.append("\n#0 tagged ").append(String.join(", ", r.tags()));
    }
    for (String o : r.outputs()) {
      b.append("\n#0 output ").append(o);
    }
    for (String p : r.pushed()) {
      b.append("\n#0 pushed ").append(p);
    }
    return b.toString();
  }
}
