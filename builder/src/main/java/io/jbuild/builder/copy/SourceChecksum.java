package io.jbuild.builder.copy;

import io.jbuild.builder.sys.DirEntries;
import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.Stat;
import io.jbuild.cache.FileHashCache;
import io.jbuild.oci.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The content checksum of exactly the files a COPY reads from a local directory: one record
 * per entry (path, type, mode, size, link target, content hash; uid/gid only when the copy keeps
 * them), in the order {@link CopyFiles} visits them; never mtime (DESIGN.md, "Cache keys").
 * Content hashes come from the {@link FileHashCache}, so unchanged files are only stat'ed.
 */
public final class SourceChecksum {
  private final Path root;
  private final Predicate<String> excluded;
  private final FileHashCache hashes;
  private final boolean withOwners;
  private final MessageDigest md = Digest.newSha256();
  private final java.util.Map<String, String> records = new java.util.LinkedHashMap<>();

  public SourceChecksum(Path root, Predicate<String> excluded, FileHashCache hashes, boolean withOwners) {
    this.root = root;
    this.excluded = excluded;
    this.hashes = hashes;
    this.withOwners = withOwners;
  }

  /** Checksums the sources; a missing non-wildcard source is the same error COPY gives. */
  public Digest of(List<String> sources) throws IOException {
    for (String src : sources) {
      String clean = RootedPath.clean(src);
      record("source", clean);
      if (Wildcards.hasWildcard(clean)) {
        for (String match : Wildcards.expand(root, clean)) {
          if (!excluded.test(match)) {
            entry(match, RootedPath.resolve(root, match, true), true);
          }
        }
      } else {
        Path p = clean.isEmpty() ? root : RootedPath.resolve(root, clean, true);
        if (!clean.isEmpty() && (excluded.test(clean) || !Files.exists(p))) {
          throw new CopyFiles.CopyException("\"/" + clean + "\": not found");
        }
        entry(clean, p, true);
      }
    }
    return Digest.ofSha256(md.digest());
  }

  /**
   * Starts hashing, on {@code executor}, the regular files of at least {@code minBytes} that
   * {@code sources} name directly (no wildcard, not a directory, not excluded), under the same
   * names {@link #of} will ask {@code hashes} for them (FileHashCache#prefetch). Anything it
   * cannot stat is skipped: {@link #of} meets it again and reports it.
   */
  public static void prefetch(Path root, java.util.function.Supplier<Predicate<String>> excludedMatcher,
      FileHashCache hashes, List<String> sources, long minBytes, java.util.concurrent.Executor executor) {
    Predicate<String> excluded = null;
    for (String src : sources) {
      String clean = RootedPath.clean(src);
      if (clean.isEmpty() || Wildcards.hasWildcard(clean)) {
        continue;
      }
      try {
        if (excluded == null) {
          excluded = excludedMatcher.get();
        }
        if (excluded.test(clean)) {
          continue;
        }
        Path p = RootedPath.resolve(root, clean, true);
        Stat st = Stat.of(p, true);
        if ((st.mode() & 0170000) == 0100000 && st.size() >= minBytes) {
          hashes.prefetch(clean, p, st.dev(), st.ino(), st.size(), st.mtime(), st.ctime(), executor);
        }
      } catch (IOException | RuntimeException e) {
        // left to the step
      }
    }
  }

  /** Stat walks of big trees run on every core; the records are then hashed in walk order. */
  private static final java.util.concurrent.ForkJoinPool WALKERS =
      new java.util.concurrent.ForkJoinPool(Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));

  /** Directories this deep or shallower list their children in parallel. */
  private static final int PARALLEL_DEPTH = 3;

  private void entry(String rel, Path p, boolean follow) throws IOException {
    List<String[]> out;
    try {
      out = WALKERS.invoke(new Walk(rel, p, follow, 0, null));
    } catch (java.io.UncheckedIOException e) {
      throw e.getCause();
    }
    for (String[] r : out) {
      record(r[0], r[1]);
    }
  }

  /** One entry and, for a directory, everything below it, as (path, record) pairs in order. */
  private final class Walk extends java.util.concurrent.RecursiveTask<List<String[]>> {
    private static final long serialVersionUID = 1L;
    private final String rel;
    private final transient Path p;
    private final boolean follow;
    private final int depth;
    private final transient Stat known;

    Walk(String rel, Path p, boolean follow, int depth, Stat known) {
      this.rel = rel;
      this.p = p;
      this.follow = follow;
      this.depth = depth;
      this.known = known;
    }

    @Override
    protected List<String[]> compute() {
      try {
        return walk();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    private List<String[]> walk() throws IOException {
      List<String[]> out = new ArrayList<>();
      Stat a = known != null ? known : Stat.of(p, follow);
      int mode = a.mode();
      int type = mode & 0170000;
      StringBuilder r = new StringBuilder();
      r.append(Integer.toOctalString(mode));
      if (withOwners) {
        r.append(' ').append(a.uid()).append(':').append(a.gid());
      }
      if (type == 0100000) {
        r.append(' ').append(a.size()).append(' ')
            .append(hashes.hash(rel, p, a.dev(), a.ino(), a.size(), a.mtime(), a.ctime()));
      } else if (type == 0120000) {
        r.append(" -> ").append(Files.readSymbolicLink(p));
      }
      out.add(new String[] {rel, r.toString()});
      if (type != 0040000) {
        return out;
      }
      DirEntries children = LibC.statDir(p);
      List<Walk> tasks = new ArrayList<>();
      while (children.next()) {
        String name = children.name();
        String childRel = rel.isEmpty() ? name : rel + "/" + name;
        Path c = p.resolve(name);
        if (excluded.test(childRel)) {
          // an excluded directory is walked for re-included files, but adds no record itself
          if (children.isDirectory()) {
            flush(tasks, out);
            walkExcluded(childRel, c, out);
          }
        } else {
          tasks.add(new Walk(childRel, c, false, depth + 1, Stat.of(children)));
        }
      }
      flush(tasks, out);
      return out;
    }

    private void flush(List<Walk> tasks, List<String[]> out) throws IOException {
      if (tasks.isEmpty()) {
        return;
      }
      if (depth < PARALLEL_DEPTH && tasks.size() > 1) {
        invokeAll(tasks);
        for (Walk t : tasks) {
          out.addAll(t.join());
        }
      } else {
        for (Walk t : tasks) {
          out.addAll(t.walk());
        }
      }
      tasks.clear();
    }

    private void walkExcluded(String dirRel, Path dir, List<String[]> out) throws IOException {
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        ds.forEach(children::add);
      }
      children.sort(null);
      for (Path c : children) {
        String childRel = dirRel + "/" + c.getFileName();
        if (!excluded.test(childRel)) {
          out.add(new String[] {"dir", dirRel});
          out.addAll(new Walk(childRel, c, false, PARALLEL_DEPTH, null).walk());
        } else if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
          walkExcluded(childRel, c, out);
        }
      }
    }
  }

  /** Path to its record (mode, size, content hash...) of every entry read, for --explain-cache. */
  public java.util.Map<String, String> records() {
    return records;
  }

  private void record(String a, String b) {
    records.put(a, b);
    md.update(a.getBytes(StandardCharsets.UTF_8));
    md.update((byte) 0);
    md.update(b.getBytes(StandardCharsets.UTF_8));
    md.update((byte) '\n');
  }
}
