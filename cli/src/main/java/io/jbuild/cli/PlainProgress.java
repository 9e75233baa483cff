package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildListener;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per event, prefixed with the step number like BuildKit's plain progress, readable
 * in CI logs: "#3 [2/4] RUN make", "#3 0.512 output", "#3 DONE 1.2s".
 */
final class PlainProgress implements BuildListener {
  private final PrintStream out;
  private final boolean quiet;
  private final long start = System.nanoTime();
  private final java.util.List<String> misses = new java.util.ArrayList<>();

  PlainProgress(PrintStream out, boolean quiet) {
    this.out = out;
    this.quiet = quiet;
  }

  @Override
  public synchronized void onEvent(BuildEvent e) {
    if (e instanceof BuildEvent.StepCacheMiss m) {
      misses.add(m.name() + ": " + (m.reason().isEmpty() ? "not in the cache" : m.reason()));
    }
    if (quiet && !(e instanceof BuildEvent.StepFailed)) {
      return;
    }
    if (e instanceof BuildEvent.StepStarted s) {
      out.println("#" + s.step() + " " + s.name());
    } else if (e instanceof BuildEvent.StepCached s) {
      out.println("#" + s.step() + " CACHED " + s.name());
    } else if (e instanceof BuildEvent.StepCacheMiss m) {
      if (!m.reason().isEmpty()) {
        out.println("#" + m.step() + " cache miss: " + m.reason());
      }
    } else if (e instanceof BuildEvent.StepLog l) {
      out.println("#" + l.step() + " " + seconds(l.timeNanos() - start) + " " + l.line());
    } else if (e instanceof BuildEvent.StepFinished f) {
      out.println("#" + f.step() + " DONE " + seconds(f.durationNanos()) + "s");
    } else if (e instanceof BuildEvent.StepFailed f) {
      out.println("#" + f.step() + " ERROR: " + f.message());
    } else if (e instanceof BuildEvent.Warning w) {
      out.println("WARN: " + w.message() + (w.location() == null ? "" : " (" + w.location() + ")"));
    } else if (e instanceof BuildEvent.Info i) {
      out.println("# " + i.message());
    } else if (e instanceof BuildEvent.Exported x) {
      out.println("# exported to " + x.output());
    }
  }

  /** --explain-cache: why each step that ran was not answered from the cache. */
  synchronized void explainCache() {
    out.println(misses.isEmpty() ? "# explain-cache: every step came from the cache"
        : "# explain-cache: " + misses.size() + " step(s) ran:");
    for (String m : misses) {
      out.println("#   " + m);
    }
  }

  synchronized void summary(BuildResult r) {
    if (quiet) {
      return;
    }
    out.println("# done in " + seconds(r.elapsedNanos()) + "s: " + r.stepsRun() + " steps run, "
        + r.stepsCached() + " cached; image " + r.imageId().shortHex() + " (" + human(r.size()) + ")"
        + (r.tags().isEmpty() ? "" : ", tagged " + String.join(", ", r.tags())));
    for (String o : r.outputs()) {
      out.println("# output: " + o);
    }
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
