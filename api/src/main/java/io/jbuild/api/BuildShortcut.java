package io.jbuild.api;

import io.jbuild.cache.AtomicFiles;
import io.jbuild.cache.CacheIndex;
import io.jbuild.cache.ContentStore;
import io.jbuild.builder.copy.ContextFingerprint;
import io.jbuild.cache.GarbageCollector;
import io.jbuild.cache.StorageRoot;
import io.jbuild.exporter.ImageStore;
import io.jbuild.oci.Descriptor;
import io.jbuild.oci.Digest;
import io.jbuild.oci.ImageReference;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A rebuild answered whole: the record of the last build of the same request (Dockerfile bytes,
 * .dockerignore, build args, target, platform, labels, outputs, jbuild version) whose inputs are
 * provably unchanged, so the build needs no parse, no graph and no solver: the context's stat
 * fingerprint ({@link ContextFingerprint}) is the same, every base image tag still names what
 * it named, every cache record the build used and every blob of the image is still there. Then
 * the result is the record's image, tagged again, and each step is reported as cached, as the
 * solver would have (the cache keys are the same because every input is). Anything else (a
 * change, a record missing, a prune) takes the normal way, which writes a new record.
 *
 * <p>Records live in {@code cache/shortcuts/}, one text file per request; a damaged one is a miss.
 */
final class BuildShortcut {
  private static final String MAGIC = "jbuild-shortcut 1";

  private final StorageRoot store;
  private final Path file;
  private final Digest fingerprint;

  private BuildShortcut(StorageRoot store, Path file, Digest fingerprint) {
    this.store = store;
    this.file = file;
    this.fingerprint = fingerprint;
  }

  /**
   * The shortcut of a request: {@code request} holds everything that decides the result but the
   * context's files, which are fingerprinted now, before the build reads them.
   */
  static BuildShortcut of(StorageRoot store, String request, Path context, List<String> ignore) throws IOException {
    String version = BuildShortcut.class.getPackage().getImplementationVersion();
    Digest name = Digest.sha256(MAGIC + "\n" + (version == null ? "dev" : version) + "\n" + request);
    Path file = store.cache().resolve("shortcuts").resolve(name.encoded());
    return new BuildShortcut(store, file, ContextFingerprint.of(context, ignore));
  }

  /** What a finished build leaves for the next one. */
  record Outcome(Descriptor manifest, Digest imageId, long size, String taggedJson, Map<String, String> bases,
      Collection<Digest> keys, Collection<Digest> blobs, List<String> steps, List<BuildEvent.Warning> warnings) {}

  /** The replayed build, or null when the record is missing or anything it names changed. */
  BuildResult replay(List<ImageReference> tags, BuildListener listener, long t0) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    }
    if (lines.size() < 6 || !lines.get(0).equals(MAGIC) || !lines.get(1).equals("fingerprint " + fingerprint)) {
      return null;
    }
    try {
      return replay(lines, tags, listener, t0);
    } catch (RuntimeException damaged) {
      return null; // a record that does not parse is a miss; the build writes it anew
    }
  }

  private BuildResult replay(List<String> lines, List<ImageReference> tags, BuildListener listener, long t0)
      throws IOException {
    ContentStore content = store.content();
    ImageStore images = new ImageStore(store);
    CacheIndex index = new CacheIndex(store);
    String[] m = lines.get(2).split(" ");
    Descriptor manifest = Descriptor.of(m[1], Digest.parse(m[2]), Long.parseLong(m[3]));
    String[] image = lines.get(3).split(" ");
    Digest imageId = Digest.parse(image[1]);
    long size = Long.parseLong(image[2]);
    String taggedJson = lines.get(4).substring("tagged ".length());
    List<Digest> keys = new ArrayList<>();
    List<String> steps = new ArrayList<>();
    List<String[]> warnings = new ArrayList<>();
    for (String line : lines.subList(5, lines.size())) {
      int sp = line.indexOf(' ');
      String kind = line.substring(0, sp);
      String rest = line.substring(sp + 1);
      switch (kind) {
        case "base" -> {
          String[] b = rest.split("\t");
          if (!b[1].equals(baseState(images, content, b[0]))) {
            return null;
          }
        }
        case "key" -> {
          Digest k = Digest.parse(rest);
          if (!index.has(k)) {
            return null;
          }
          keys.add(k);
        }
        case "blob" -> {
          if (!content.contains(Digest.parse(rest))) {
            return null;
          }
        }
        case "step" -> steps.add(unescape(rest));
        case "warning" -> {
          String[] w = rest.split("\t", 2);
          warnings.add(new String[] {unescape(w[0]), unescape(w[1])});
        }
        default -> {
          return null;
        }
      }
    }
    // the same answer the solver would give: mark what it would have used as used
    for (Digest k : keys) {
      index.touch(k);
    }
    GarbageCollector.touch(file);
    for (String[] w : warnings) {
      listener.onEvent(new BuildEvent.Warning(System.nanoTime(), w[1], w[0].isEmpty() ? null : w[0]));
    }
    int n = 0;
    for (String s : steps) {
      listener.onEvent(new BuildEvent.StepCached(System.nanoTime(), ++n, s));
    }
    List<String> outputs = new ArrayList<>();
    String names = String.join(", ", tags.stream().map(ImageReference::familiar).toList());
    int export = ++n;
    long s0 = System.nanoTime();
    listener.onEvent(new BuildEvent.StepStarted(s0, export, "exporting to image" + (tags.isEmpty() ? "" : " " + names), null));
    for (ImageReference r : tags) {
      ImageReference name = r.withTag(r.tag());
      images.writeEntry(name, ImageStore.entryBytes(name.toString(), taggedJson));
    }
    listener.onEvent(new BuildEvent.StepFinished(System.nanoTime(), export, System.nanoTime() - s0));
    outputs.add("image" + (tags.isEmpty() ? "" : " " + names));
    return new BuildResult(imageId, manifest, tags.stream().map(ImageReference::familiar).toList(), size,
        System.nanoTime() - t0, 0, steps.size(), outputs);
  }

  /** What a base reference names now: "tag:" and the hash of its tag file, or "digest:" for a pinned one. */
  static String baseState(ImageStore images, ContentStore content, String reference) throws IOException {
    ImageReference ref = ImageReference.parse(reference);
    if (ref.digest() != null) {
      return content.contains(ref.digest()) ? "digest" : "missing";
    }
    byte[] entry = images.entryFile(ref);
    return entry == null ? "missing" : "tag:" + Digest.sha256(entry).encoded();
  }

  /** Writes the record of a finished build (atomically: a reader sees the old one or the new one). */
  void record(Outcome o) throws IOException {
    StringBuilder b = new StringBuilder(4096);
    b.append(MAGIC).append('\n');
    b.append("fingerprint ").append(fingerprint).append('\n');
    b.append("manifest ").append(o.manifest().mediaType()).append(' ').append(o.manifest().digest()).append(' ')
        .append(o.manifest().size()).append('\n');
    b.append("image ").append(o.imageId()).append(' ').append(o.size()).append('\n');
    b.append("tagged ").append(o.taggedJson()).append('\n');
    for (Map.Entry<String, String> e : o.bases().entrySet()) {
      b.append("base ").append(e.getKey()).append('\t').append(e.getValue()).append('\n');
    }
    for (Digest k : o.keys()) {
      b.append("key ").append(k).append('\n');
    }
    for (Digest d : o.blobs()) {
      b.append("blob ").append(d).append('\n');
    }
    for (String s : o.steps()) {
      b.append("step ").append(oneLine(s)).append('\n');
    }
    for (BuildEvent.Warning w : o.warnings()) {
      b.append("warning ").append(w.location() == null ? "" : oneLine(w.location())).append('\t')
          .append(oneLine(w.message())).append('\n');
    }
    AtomicFiles.write(file, store.tmp(), b.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Drops the record (a build that may not be answered from it, or failed). */
  void forget() throws IOException {
    Files.deleteIfExists(file);
  }

  /** A value on one line without tabs: backslash escapes for \\, newline, return and tab. */
  static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        b.append(e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
