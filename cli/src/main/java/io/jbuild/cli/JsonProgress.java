package io.jbuild.cli;

import io.jbuild.api.BuildEvent;
import io.jbuild.api.BuildException;
import io.jbuild.api.BuildResult;
import io.jbuild.oci.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * --progress=json: one JSON object per line and event, schema in the README ("JSON progress").
 * Every step gets exactly one start event (step.started) and one end event (step.finished,
 * step.cached, step.failed or step.cancelled): a cached step is reported as step.started
 * immediately followed by step.cached, and steps still open when the build stops end with
 * step.cancelled. The last line is build.finished or build.failed.
 */
final class JsonProgress implements ProgressView {
  /** Bumped when a field changes meaning or goes away; new fields may appear at any time. */
  static final int SCHEMA_VERSION = 1;

  private final PrintStream out;
  private final long startNanos = System.nanoTime();
  private final Instant startWall = Instant.now();
  private final Set<Integer> open = new LinkedHashSet<>();
  private final Map<Integer, Map<String, Object>> pendingMisses = new java.util.HashMap<>();

  JsonProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void onEvent(BuildEvent e) {
    if (e instanceof BuildEvent.StepStarted s) {
      open.add(s.step());
      Map<String, Object> m = event("step.started", e.timeNanos(), s.step());
      m.put("name", s.name());
      m.put("location", s.location());
      m.put("cached", false);
      print(m);
      Map<String, Object> miss = pendingMisses.remove(s.step());
      if (miss != null) {
        print(miss);
      }
    } else if (e instanceof BuildEvent.StepCached s) {
      if (!open.contains(s.step())) {
        Map<String, Object> m = event("step.started", e.timeNanos(), s.step());
        m.put("name", s.name());
        m.put("location", null);
        m.put("cached", true);
        print(m);
      }
      open.remove(s.step());
      Map<String, Object> m = event("step.cached", e.timeNanos(), s.step());
      m.put("name", s.name());
      print(m);
    } else if (e instanceof BuildEvent.StepCacheMiss c) {
      // the solver knows before the step starts; the schema promises step.started first
      Map<String, Object> m = event("step.cache-miss", e.timeNanos(), c.step());
      m.put("reason", c.reason());
      if (open.contains(c.step())) {
        print(m);
      } else {
        pendingMisses.put(c.step(), m);
      }
    } else if (e instanceof BuildEvent.StepLog l) {
      Map<String, Object> m = event("step.log", e.timeNanos(), l.step());
      m.put("stream", l.stream());
      m.put("line", l.line());
      print(m);
    } else if (e instanceof BuildEvent.Progress p) {
      Map<String, Object> m = event("step.progress", e.timeNanos(), p.step());
      m.put("what", p.what());
      m.put("current", p.current());
      m.put("total", p.total());
      print(m);
    } else if (e instanceof BuildEvent.StepFinished f) {
      open.remove(f.step());
      Map<String, Object> m = event("step.finished", e.timeNanos(), f.step());
      m.put("duration", secs(f.durationNanos()));
      print(m);
    } else if (e instanceof BuildEvent.StepFailed f) {
      open.remove(f.step());
      Map<String, Object> m = event("step.failed", e.timeNanos(), f.step());
      m.put("message", f.message());
      m.put("exitCode", f.exitCode());
      m.put("lastLines", f.lastLines());
      print(m);
    } else if (e instanceof BuildEvent.Warning w) {
      Map<String, Object> m = event("warning", e.timeNanos(), null);
      m.put("message", w.message());
      m.put("location", w.location());
      print(m);
    } else if (e instanceof BuildEvent.Info i) {
      Map<String, Object> m = event("info", e.timeNanos(), null);
      m.put("message", i.message());
      print(m);
    } else if (e instanceof BuildEvent.Exported x) {
      Map<String, Object> m = event("exported", e.timeNanos(), null);
      m.put("output", x.output());
      print(m);
    }
  }

  @Override
  public synchronized void succeeded(BuildResult r) {
    Map<String, Object> m = event("build.finished", System.nanoTime(), null);
    m.put("imageId", r.imageId().toString());
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("mediaType", r.manifest().mediaType());
    manifest.put("digest", r.manifest().digest().toString());
    manifest.put("size", r.manifest().size());
    m.put("manifest", manifest);
    m.put("tags", r.tags());
    m.put("size", r.size());
    m.put("duration", secs(r.elapsedNanos()));
    m.put("stepsRun", r.stepsRun());
    m.put("stepsCached", r.stepsCached());
    m.put("outputs", r.outputs());
    m.put("pushed", r.pushed());
    print(m);
  }

  @Override
  public synchronized void failed(BuildException error, int exitCode) {
    long now = System.nanoTime();
    for (int step : open) {
      print(event("step.cancelled", now, step));
    }
    open.clear();
    Map<String, Object> m = event("build.failed", now, null);
    m.put("kind", error.kind().name().toLowerCase(Locale.ROOT));
    m.put("message", error.getMessage());
    m.put("exitCode", exitCode);
    m.put("stepExitCode", error.stepExitCode());
    print(m);
  }

  @Override
  public boolean wantsErrorMessage() {
    return false;
  }

  private Map<String, Object> event(String type, long nanos, Integer step) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("v", SCHEMA_VERSION);
    m.put("type", type);
    m.put("time", startWall.plusNanos(nanos - startNanos).toString());
    m.put("elapsed", secs(nanos - startNanos));
    if (step != null) {
      m.put("step", step);
    }
    return m;
  }

  private static double secs(long nanos) {
    return Math.round(nanos / 1e6) / 1e3;
  }

  private void print(Map<String, Object> m) {
    try {
      out.println(Json.writeUnsorted(m, false)); // in insertion order, as the schema shows them
      out.flush();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("a progress event did not serialise: " + m, e.getCause());
    }
  }
}
