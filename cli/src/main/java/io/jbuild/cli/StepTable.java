package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of every step as the events tell it, for the views that show more than one event at
 * a time: which steps run, for how long, their last output lines and their byte progress. Not
 * thread-safe: the views call it under their own lock.
 */
final class StepTable {
  /** Output lines kept per step: the tty view shows a few, a failure shows them all. */
  static final int TAIL = 10;

  static final class Step {
    final int number;
    String name;
    String location;
    long startNanos;
    long endNanos = -1;
    boolean cached;
    boolean failed;
    String error;
    int exitCode = -1;
    final Deque<String> tail = new ArrayDeque<>();
    String what;
    long current;
    long total = -1;
    long progressStartNanos = -1;

    Step(int number) {
      this.number = number;
    }

    boolean running() {
      return endNanos < 0;
    }

    /** Seconds the step took, or has been running at {@code now}. */
    long elapsedNanos(long now) {
      return (endNanos < 0 ? now : endNanos) - startNanos;
    }
  }

  private final Map<Integer, Step> steps = new LinkedHashMap<>();

  /** Applies an event; returns the step it is about, or null. */
  Step apply(BuildEvent e) {
    if (e instanceof BuildEvent.StepStarted s) {
      Step st = step(s.step(), s.timeNanos());
      st.name = s.name();
      st.location = s.location();
      st.startNanos = s.timeNanos();
      return st;
    } else if (e instanceof BuildEvent.StepCached s) {
      Step st = step(s.step(), s.timeNanos());
      st.name = s.name();
      st.cached = true;
      st.endNanos = st.startNanos;
      return st;
    } else if (e instanceof BuildEvent.StepLog l) {
      Step st = step(l.step(), l.timeNanos());
      st.tail.addLast(ProgressView.fixed(l.timeNanos() - st.startNanos, 1_000_000_000L, 3) + " " + clean(l.line()));
      if (st.tail.size() > TAIL) {
        st.tail.removeFirst();
      }
      return st;
    } else if (e instanceof BuildEvent.Progress p) {
      Step st = step(p.step(), p.timeNanos());
      if (st.progressStartNanos < 0 || !p.what().equals(st.what)) {
        st.progressStartNanos = p.timeNanos();
      }
      st.what = p.what();
      st.current = p.current();
      st.total = p.total();
      return st;
    } else if (e instanceof BuildEvent.StepFinished f) {
      Step st = step(f.step(), f.timeNanos());
      st.endNanos = f.timeNanos();
      st.startNanos = f.timeNanos() - f.durationNanos();
      return st;
    } else if (e instanceof BuildEvent.StepFailed f) {
      Step st = step(f.step(), f.timeNanos());
      st.endNanos = f.timeNanos();
      st.failed = true;
      st.error = f.message();
      st.exitCode = f.exitCode();
      return st;
    }
    return null;
  }

  private Step step(int n, long now) {
    return steps.computeIfAbsent(n, k -> {
      Step s = new Step(k);
      s.name = "#" + k;
      s.startNanos = now;
      return s;
    });
  }

  List<Step> all() {
    return new ArrayList<>(steps.values());
  }

  Step get(int n) {
    return steps.get(n);
  }

  Step firstFailed() {
    return steps.values().stream().filter(s -> s.failed).findFirst().orElse(null);
  }

  long count(java.util.function.Predicate<Step> p) {
    return steps.values().stream().filter(p).count();
  }

  /**
   * A line as a terminal shows it at its end: what follows the last carriage return (progress
   * bars redraw with \r), without escape sequences or other control characters, tabs as spaces.
   */
  static String clean(String line) {
    int cr = line.lastIndexOf('\r', line.length() - 2);
    String s = cr >= 0 ? line.substring(cr + 1) : line;
    s = s.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").replaceAll("\u001B[@-_]", "");
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\t') {
        b.append("    ");
      } else if (c >= ' ' && c != 0x7f) {
        b.append(c);
      }
    }
    return b.toString();
  }
}
