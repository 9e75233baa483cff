package io.jbuild.cache;

import io.jbuild.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;
import java.util.function.Predicate;

/**
 * The state of a build context as its metadata says it: one digest over every entry that is not
 * ignored (path, mode, owner, size, device, inode, mtime, ctime, link target), from a stat walk
 * that reads no file. Equal fingerprints mean no file was touched since (ctime moves with every
 * write, chmod, chown and rename); any difference, even an mtime-only one, only sends a build
 * the long way round, where content checksums decide what is cached.
 */
public final class ContextFingerprint {
  private static final String ATTRS = "unix:mode,uid,gid,size,dev,ino,lastModifiedTime,ctime";
  /** Directories this deep or shallower list their children in parallel. */
  private static final int PARALLEL_DEPTH = 2;

  private ContextFingerprint() {}

  /**
   * The fingerprint of {@code dir} with the .dockerignore {@code patterns} applied. With an
   * exception pattern ({@code !x}) ignored directories are walked too (a re-included file may
   * be below them) and only their files are left out.
   */
  public static Digest of(Path dir, List<String> patterns) throws IOException {
    Predicate<String> ignored = patterns.isEmpty() ? p -> false : DockerIgnore.matcher(patterns);
    boolean exceptions = patterns.stream().anyMatch(p -> p.startsWith("!"));
    MessageDigest md = Digest.newSha256();
    ForkJoinPool pool = ForkJoinPool.commonPool();
    List<String> lines;
    try {
      lines = pool.invoke(new Walk(dir, "", ignored, exceptions, 0));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    for (String l : lines) {
      md.update(l.getBytes(StandardCharsets.UTF_8));
    }
    return Digest.ofSha256(md.digest());
  }

  private static final class Walk extends RecursiveTask<List<String>> {
    private static final long serialVersionUID = 1L;
    private final transient Path path;
    private final String rel;
    private final transient Predicate<String> ignored;
    private final boolean exceptions;
    private final int depth;

    Walk(Path path, String rel, Predicate<String> ignored, boolean exceptions, int depth) {
      this.path = path;
      this.rel = rel;
      this.ignored = ignored;
      this.exceptions = exceptions;
      this.depth = depth;
    }

    @Override
    protected List<String> compute() {
      List<String> out = new ArrayList<>();
      try {
        walk(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }

    private void walk(List<String> out) throws IOException {
      Map<String, Object> a = Files.readAttributes(path, ATTRS, LinkOption.NOFOLLOW_LINKS);
      int mode = (Integer) a.get("mode");
      boolean skip = !rel.isEmpty() && ignored.test(rel);
      if (!skip) {
        StringBuilder b = new StringBuilder(rel.length() + 96).append(rel).append('\0')
            .append(Integer.toOctalString(mode)).append(' ').append(a.get("uid")).append(':').append(a.get("gid"))
            .append(' ').append(a.get("size")).append(' ').append(a.get("dev")).append(':').append(a.get("ino"))
            .append(' ').append(nanos(a.get("lastModifiedTime"))).append(' ').append(nanos(a.get("ctime")));
        if ((mode & 0170000) == 0120000) {
          b.append(" -> ").append(Files.readSymbolicLink(path));
        }
        out.add(b.append('\n').toString());
      }
      if ((mode & 0170000) != 0040000 || (skip && !exceptions)) {
        return;
      }
      List<Path> children = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
        ds.forEach(children::add);
      }
      children.sort(null);
      List<Walk> tasks = new ArrayList<>(children.size());
      for (Path c : children) {
        String name = c.getFileName().toString();
        tasks.add(new Walk(c, rel.isEmpty() ? name : rel + "/" + name, ignored, exceptions, depth + 1));
      }
      if (depth < PARALLEL_DEPTH && tasks.size() > 1) {
        invokeAll(tasks);
        for (Walk t : tasks) {
          out.addAll(t.join());
        }
      } else {
        for (Walk t : tasks) {
          t.walk(out);
        }
      }
    }

    private static long nanos(Object fileTime) {
      java.time.Instant i = ((java.nio.file.attribute.FileTime) fileTime).toInstant();
      return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
  }
}
