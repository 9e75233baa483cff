package io.jbuild.builder;

import io.jbuild.cache.CacheIndex;
import io.jbuild.graph.Vertex;
import io.jbuild.oci.Digest;
import io.jbuild.oci.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code --explain-cache}: remembers, per build name (context, Dockerfile, target), each step's
 * key, parent key, definition and the files it read; a step that misses the cache is compared
 * with the same step of the last build, and the first difference is its reason:
 * {@code src/Main.java changed}, {@code parent changed}, {@code VERSION: 1.2 -> 1.3}.
 */
final class CacheExplainer {
  /**
   * One step as remembered; {@code op} is the op's JSON as a tree of {@link Json#readTree};
   * {@code sources} the files it read, packed by {@link #pack} into one string: a 20,000-file
   * COPY's record then reads as one JSON token (milliseconds) instead of 20,000 fields.
   */
  record StepRecord(String name, String key, String parent, Object op, String sources) {}

  /** One build as remembered: its steps in the order they were keyed. */
  record BuildRecord(List<StepRecord> steps) {}

  private final CacheIndex index;
  private final Map<Vertex, StepRecord> steps = new ConcurrentHashMap<>();
  private final Map<Vertex, Map<String, String>> sources = new ConcurrentHashMap<>();
  private final List<Vertex> order = java.util.Collections.synchronizedList(new ArrayList<>());
  private volatile String name;
  private volatile Map<String, StepRecord> previous;
  private volatile boolean missed;

  CacheExplainer(CacheIndex index) {
    this.index = index;
  }

  void name(String buildName) {
    this.name = buildName;
  }

  void sources(Vertex v, Map<String, String> records) {
    sources.put(v, records);
  }

  void step(Vertex v, Digest key, Digest parent) {
    Object op;
    try {
      // the op's JSON as it is written, as a tree: compared with the last build's, read from its record
      op = Json.readTree(Json.write(v.op()));
    } catch (IOException e) {
      throw new IllegalStateException(e); // the binder's own output
    }
    steps.put(v, new StepRecord(v.name(), key.toString(), parent == null ? null : parent.toString(), op,
        pack(sources.getOrDefault(v, Map.of()))));
    order.add(v);
  }

  /** The reason a step missed; "" when nothing is known to compare with. */
  String why(Vertex v) {
    missed = true;
    StepRecord now = steps.get(v);
    Map<String, StepRecord> before = previous();
    StepRecord then = before.get(v.name());
    if (now == null) {
      return "";
    }
    if (then == null) {
      return before.isEmpty() ? "no earlier build to compare with" : "a new step";
    }
    if (!Objects.equals(then.op(), now.op())) {
      return opDifference(then.op(), now.op());
    }
    if (!Objects.equals(then.sources(), now.sources())) {
      return sourceDifference(unpack(then.sources()), unpack(now.sources()));
    }
    if (!Objects.equals(then.parent(), now.parent())) {
      return "parent changed";
    }
    return "the cached result is gone (pruned)";
  }

  private Map<String, StepRecord> previous() {
    Map<String, StepRecord> p = previous;
    if (p == null) {
      p = new LinkedHashMap<>();
      if (name != null) {
        try {
          byte[] b = index.readBuild(Digest.sha256(name)).orElse(null);
          if (b != null) {
            for (StepRecord r : Json.read(b, BuildRecord.class, "build record").steps()) {
              p.put(r.name(), r);
            }
          }
        } catch (IOException | RuntimeException e) {
          // an unreadable record only costs the explanation
        }
      }
      previous = p;
    }
    return p;
  }

  /** Saves this build's steps when anything missed (an unchanged build leaves the record as it is). */
  void save() {
    // an unchanged build keeps the record it has; reading it (thousands of file records) only to
    // find that out would cost a no-op build more than everything else it does
    if (name == null || (!missed && index.hasBuild(Digest.sha256(name)))) {
      return;
    }
    List<StepRecord> list = new ArrayList<>();
    synchronized (order) {
      for (Vertex v : order) {
        list.add(steps.get(v));
      }
    }
    try {
      index.writeBuild(Digest.sha256(name), Json.write(new BuildRecord(list)));
    } catch (IOException e) {
      // the next --explain-cache knows less; the build itself is fine
    }
  }

  /** Each entry as its key, NUL, its value, NUL (a path holds no NUL; a record no NUL either). */
  static String pack(Map<String, String> sources) {
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, String> e : sources.entrySet()) {
      b.append(e.getKey()).append('\0').append(e.getValue()).append('\0');
    }
    return b.toString();
  }

  static Map<String, String> unpack(String packed) {
    Map<String, String> m = new LinkedHashMap<>();
    if (packed == null) {
      return m;
    }
    int i = 0;
    while (i < packed.length()) {
      int k = packed.indexOf('\0', i);
      int v = k < 0 ? -1 : packed.indexOf('\0', k + 1);
      if (v < 0) {
        break; // a cut record: what was whole still counts
      }
      m.put(packed.substring(i, k), packed.substring(k + 1, v));
      i = v + 1;
    }
    return m;
  }

  static String opDifference(Object then, Object now) {
    Object envThen = Json.field(then, "env");
    Object envNow = Json.field(now, "env");
    if (envThen != null && envNow != null && !envThen.equals(envNow)) {
      Map<String, String> a = env(envThen);
      Map<String, String> b = env(envNow);
      for (Map.Entry<String, String> e : b.entrySet()) {
        String old = a.get(e.getKey());
        if (!e.getValue().equals(old)) {
          return e.getKey() + ": " + (old == null ? "(unset)" : old) + " → " + e.getValue();
        }
      }
      for (String k : a.keySet()) {
        if (!b.containsKey(k)) {
          return k + ": " + a.get(k) + " → (unset)";
        }
      }
    }
    if (now instanceof Map<?, ?> fields) {
      for (Map.Entry<?, ?> f : fields.entrySet()) {
        String name = (String) f.getKey();
        boolean had = Json.has(then, name);
        Object a = Json.field(then, name);
        if (!had || !Objects.equals(a, f.getValue())) {
          return name + " changed: " + text(a, had) + " → " + text(f.getValue(), true);
        }
      }
    }
    return "the instruction changed";
  }

  /** As JsonNode's text: a string as it is, anything else as JSON, "(none)" when missing. */
  private static String text(Object n, boolean present) {
    return !present ? "(none)" : n instanceof String s ? s : Json.writeUnsorted(n, false);
  }

  private static Map<String, String> env(Object list) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Object e : Json.elements(list)) {
      String s = Json.text(e, "null");
      int eq = s.indexOf('=');
      m.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
    }
    return m;
  }

  static String sourceDifference(Map<String, String> then, Map<String, String> now) {
    if (now.containsKey("<stage>")) {
      return "the source stage changed";
    }
    for (Map.Entry<String, String> e : now.entrySet()) {
      String old = then.get(e.getKey());
      if (old == null) {
        return e.getKey() + " added";
      }
      if (!old.equals(e.getValue())) {
        return e.getKey() + " changed";
      }
    }
    for (String k : then.keySet()) {
      if (!now.containsKey(k)) {
        return k + " removed";
      }
    }
    return "its sources changed";
  }
}
