package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** --explain-cache: collects why each step that ran missed the cache, printed after the build. */
final class ExplainCache implements BuildListener {
  private final List<String> misses = new ArrayList<>();

  @Override
  public synchronized void onEvent(BuildEvent e) {
    if (e instanceof BuildEvent.StepCacheMiss m) {
      misses.add(m.name() + ": " + (m.reason().isEmpty() ? "not in the cache" : m.reason()));
    }
  }

  synchronized void print(PrintStream out) {
    out.println(misses.isEmpty() ? "#0 explain-cache: every step came from the cache"
        : "#0 explain-cache: " + misses.size() + " step(s) ran:");
    for (String m : misses) {
      out.println("#   " + m);
    }
    out.flush();
  }
}
