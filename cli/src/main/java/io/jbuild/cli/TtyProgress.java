package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The live view on a terminal, after BuildKit's: a header with the total time, one line per step
 * with its time (CACHED, ERROR), the last output lines of running steps, a progress bar with
 * bytes and rate where bytes move; redrawn in place ten times a second. At the end the whole
 * list is drawn once more, then a summary (time, steps run and cached, image id and size, tags,
 * outputs) or the failed step's last lines.
 *
 * <p>The live part never grows taller than the terminal (the oldest finished steps make room),
 * and no line is wider than it: a wrapped line would break the cursor arithmetic.
 */
final class TtyProgress implements ProgressView {
  /** Output lines shown under a running step. */
  static final int LIVE_LOG_LINES = 6;
  private static final String BLUE = "\u001B[34m";
  private static final String RED = "\u001B[31m";
  private static final String DIM = "\u001B[2m";
  private static final String RESET = "\u001B[0m";

  private final PrintStream out;
  private final Terminal terminal;
  private final LongSupplier clock;
  private final long start;
  private final StepTable table = new StepTable();
  private final List<String> notes = new ArrayList<>();
  private final ScheduledExecutorService ticker;
  private int drawn;
  private boolean closed;

  TtyProgress(PrintStream out, Terminal terminal) {
    this(out, terminal, System::nanoTime, true);
  }

  /** {@code live} false: no redraw thread (tests draw with {@link #draw()}). */
  TtyProgress(PrintStream out, Terminal terminal, LongSupplier clock, boolean live) {
    this.out = out;
    this.terminal = terminal;
    this.clock = clock;
    this.start = clock.getAsLong();
    if (live) {
      ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jbuild-tty");
        t.setDaemon(true);
        return t;
      });
      ticker.scheduleAtFixedRate(this::draw, 0, 100, TimeUnit.MILLISECONDS);
    } else {
      ticker = null;
    }
  }

  @Override
  public synchronized void onEvent(BuildEvent e) {
    table.apply(e);
    if (e instanceof BuildEvent.Warning w) {
      notes.add("WARN: " + w.message() + (w.location() == null ? "" : " (" + w.location() + ")"));
    } else if (e instanceof BuildEvent.Info i) {
      notes.add(i.message());
    }
  }

  /** Redraws the live part in place. */
  synchronized void draw() {
    if (!closed) {
      paint(lines(clock.getAsLong(), null), true);
    }
  }

  @Override
  public void succeeded(BuildResult r) {
    finish("FINISHED", summary(r));
  }

  @Override
  public void failed(BuildException error, int exitCode) {
    List<String> after = new ArrayList<>();
    StepTable.Step f;
    synchronized (this) {
      f = table.firstFailed();
    }
    if (f != null && !f.tail.isEmpty() && !PlainProgress.hasTail(error)) {
      after.add("------");
      after.add(" > " + f.name + ":");
      after.addAll(f.tail);
      after.add("------");
    }
    finish(error.kind() == BuildException.Kind.CANCELLED ? "CANCELED" : "ERROR", after);
  }

  private void finish(String state, List<String> after) {
    if (ticker != null) {
      ticker.shutdownNow();
      try {
        ticker.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      List<String> all = lines(clock.getAsLong(), state);
      all.addAll(notes);
      if (!after.isEmpty()) {
        all.add("");
        all.addAll(after);
      }
      paint(all, false);
      closed = true;
    }
  }

  /** The frame at {@code now}; {@code state} non-null for the final frame: every step, no live logs. */
  List<String> lines(long now, String state) {
    List<String> body = new ArrayList<>();
    List<StepTable.Step> steps = table.all();
    long done = steps.stream().filter(s -> !s.running()).count();
    String header = "[+] Building " + ProgressView.seconds(now - start) + "s (" + done + "/" + steps.size() + ")"
        + (state == null ? "" : " " + state);
    for (StepTable.Step s : steps) {
      String label = s.cached ? "CACHED " + s.name : s.failed ? "ERROR " + s.name : s.name;
      String time = s.cached ? "0.0s" : ProgressView.seconds(s.elapsedNanos(now)) + "s";
      String color = s.failed ? RED : s.running() ? null : BLUE;
      body.add(paint(fit(" => " + label, time), color));
      if (s.what != null && (s.running() || state != null)) {
        body.add(paint(bar(s, now), null));
      }
      boolean showLogs = state == null ? s.running() : s.failed;
      if (showLogs) {
        List<String> tail = new ArrayList<>(s.tail);
        for (String line : tail.subList(Math.max(0, tail.size() - LIVE_LOG_LINES), tail.size())) {
          // the live view shows the text only, like BuildKit's; the tail block after a failure has the times
          body.add(paint(fit(" => => # " + line.substring(line.indexOf(' ') + 1), ""), DIM));
        }
      }
    }
    List<String> frame = new ArrayList<>();
    frame.add(paint(fit(header, ""), state != null && !state.equals("FINISHED") ? RED : BLUE));
    int room = terminal.rows() - 2;
    if (state == null && body.size() > room) {
      body = body.subList(body.size() - room, body.size());
    }
    frame.addAll(body);
    return frame;
  }

  /** " => => layers [=====>    ] 1.2 MiB / 3.4 MiB 5.6 MiB/s" */
  private String bar(StepTable.Step s, long now) {
    StringBuilder b = new StringBuilder(" => => ").append(s.what).append(' ');
    long total = s.total > 0 ? Math.max(s.total, s.current) : s.total; // an archive's headers overshoot the layers' size
    if (total > 0) {
      int width = 20;
      int full = (int) Math.min(width, s.current * width / total);
      b.append('[').append("=".repeat(full)).append(full < width ? ">" : "")
          .append(" ".repeat(Math.max(0, width - full - 1))).append("] ");
      b.append(ProgressView.human(s.current)).append(" / ").append(ProgressView.human(total));
    } else {
      b.append(ProgressView.human(s.current));
    }
    double secs = (now - s.progressStartNanos) / 1e9;
    if (secs > 0.05) {
      b.append(' ').append(ProgressView.human((long) (s.current / secs))).append("/s");
    }
    return fit(b.toString(), "");
  }

  /** left, padded, right: as wide as the terminal allows, never wider. */
  private String fit(String left, String right) {
    int width = terminal.columns() - 1;
    int room = width - right.length() - (right.isEmpty() ? 0 : 1);
    if (left.length() > room) {
      left = room > 3 ? left.substring(0, room - 3) + "..." : left.substring(0, Math.max(0, room));
    }
    if (right.isEmpty()) {
      return left;
    }
    return left + " ".repeat(Math.max(1, width - left.length() - right.length())) + right;
  }

  private String paint(String text, String color) {
    return color == null || !terminal.color() ? text : color + text + RESET;
  }

  /** Replaces the lines drawn last time with {@code lines}. */
  private void paint(List<String> lines, boolean live) {
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append('\r').append("\u001B[").append(drawn).append('A');
    }
    b.append("\u001B[J");
    for (String l : lines) {
      b.append(l).append('\n');
    }
    out.print(b);
    out.flush();
    drawn = live ? lines.size() : 0;
  }

  static List<String> summary(BuildResult r) {
    List<String> s = new ArrayList<>();
    s.add("");
    s.add(String.format(Locale.ROOT, "Built in %ss: %d steps run, %d cached", ProgressView.seconds(r.elapsedNanos()),
        r.stepsRun(), r.stepsCached()));
    s.add(" => image   " + r.imageId() + " (" + ProgressView.human(r.size()) + ")");
    if (!r.tags().isEmpty()) {
      s.add(" => tags    " + String.join(", ", r.tags()));
    }
    for (String o : r.outputs()) {
      s.add(" => output  " + o);
    }
    for (String p : r.pushed()) {
      s.add(" => pushed  " + p);
    }
    return s;
  }
}
