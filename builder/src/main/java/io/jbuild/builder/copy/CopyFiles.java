package io.jbuild.builder.copy;

import io.jbuild.builder.sys.DirEntries;
import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.Stat;
import io.jbuild.cache.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * COPY/ADD file semantics of BuildKit's Dockerfile frontend, executed host-side: sources are
 * resolved inside the source root, the destination inside the destination root (both with
 * {@link RootedPath}, so no symlink leads out), directories copy their contents, a trailing '/'
 * or several sources mean "into this directory", symlinks below a source are copied as links,
 * hardlinks stay hardlinks, modes and mtimes are kept.
 */
public final class CopyFiles {
  /** uid/gid to give copied files; null components keep the source's. */
  public record Owner(int uid, int gid) {}

  private final Path sourceRoot;
  private final Path destRoot;
  private final Owner owner;
  private final ChmodSpec mode;
  private final Predicate<String> excluded;
  private final Map<Object, Path> linkedInodes = new HashMap<>();
  private final List<Map.Entry<Path, FileTime>> dirTimes = java.util.Collections.synchronizedList(new ArrayList<>());
  private final java.util.concurrent.atomic.AtomicLong fileCount = new java.util.concurrent.atomic.AtomicLong();
  private long files;

  /**
   * Copies of directories the copy made itself run on several threads: each file costs a
   * handful of system calls (more on overlayfs), and with two threads those overlap.
   */
  private static final java.util.concurrent.ForkJoinPool COPIERS =
      new java.util.concurrent.ForkJoinPool(Math.max(2, Runtime.getRuntime().availableProcessors()));

  /**
   * @param owner the owner of everything written, or null to keep the source's
   * @param mode --chmod, or null to keep the source's mode
   * @param excluded relative source paths (slash separated, clean) to leave out: .dockerignore
   *     and --exclude
   */
  public CopyFiles(Path sourceRoot, Path destRoot, Owner owner, ChmodSpec mode, Predicate<String> excluded) {
    this.sourceRoot = sourceRoot;
    this.destRoot = destRoot;
    this.owner = owner;
    this.mode = mode;
    this.excluded = excluded;
  }

  private boolean unpackArchives;

  /** ADD: local tar archives (plain, gzip, bzip2, xz, zstd) are extracted into the destination. */
  public CopyFiles unpackArchives(boolean unpack) {
    this.unpackArchives = unpack;
    return this;
  }

  private boolean parents;

  private Path upper;

  /**
   * The destination root is an overlayfs mount and {@code upperDir} its upper dir: a directory
   * the copy creates exists in the upper dir alone, so what goes into it is written there
   * directly, past overlayfs (which doubles the cost of every file created through it). Nothing
   * reads those directories through the mount afterwards: the step unmounts when the copy ends.
   */
  public CopyFiles writeNewDirectoriesTo(Path upperDir) {
    this.upper = upperDir;
    return this;
  }

  /** Where the contents of a directory the copy created go: in the upper dir when there is one. */
  private Path newDirectory(Path target) {
    return upper != null && target.startsWith(destRoot) ? upper.resolve(destRoot.relativize(target)) : target;
  }

  /**
   * COPY --parents: each source keeps its path below the source root, or below a {@code /./}
   * pivot when it has one ({@code /test/a/./b/c} is written to DEST/b/c), like BuildKit.
   */
  public CopyFiles parents(boolean keepParents) {
    this.parents = keepParents;
    return this;
  }

  /** Files, links and directories written so far. */
  public long count() {
    return files + fileCount.get();
  }

  /**
   * Copies {@code sources} to {@code destination}.
   *
   * @throws CopyException naming the source that is missing or the rule broken
   */
  public void copy(List<String> sources, String destination) throws IOException {
    if (parents) {
      copyWithParents(sources, destination);
      return;
    }
    List<String> resolved = new ArrayList<>();
    boolean wildcard = false;
    for (String src : sources) {
      String clean = RootedPath.clean(src);
      if (Wildcards.hasWildcard(clean)) {
        wildcard = true;
        for (String match : Wildcards.expand(sourceRoot, clean)) {
          if (!excluded.test(match)) {
            resolved.add(match);
          }
        }
      } else {
        Path p = clean.isEmpty() ? sourceRoot : RootedPath.resolve(sourceRoot, clean, true);
        if (!clean.isEmpty() && (excluded.test(clean) || !Files.exists(p))) {
          throw new CopyException("\"/" + clean + "\": not found");
        }
        resolved.add(clean);
      }
    }
    // a wildcard that matches one path copies it like a plain source: `COPY f*.go foo2.go`
    // writes the file foo2.go (BuildKit's copy with AllowWildcard)
    boolean intoDir = destination.endsWith("/") || destination.endsWith("/.")
        || sources.size() > 1 || resolved.size() > 1;
    // BuildKit checks the sources as written: one wildcard matching several files is fine
    if (sources.size() > 1 && !destination.endsWith("/")) {
      Path existing = RootedPath.resolve(destRoot, destination, true);
      if (!Files.isDirectory(existing)) {
        throw new CopyException("When using COPY with more than one source file, the destination must be a directory and end with a /");
      }
    }
    String destClean = RootedPath.clean(destination);
    for (String rel : resolved) {
      Path src = rel.isEmpty() ? sourceRoot : RootedPath.resolve(sourceRoot, rel, true);
      if (Files.isDirectory(src)) {
        Path target = mkdirs(destClean);
        copyDirContents(src, rel, target, false);
      } else if (unpackArchives && ArchiveUnpacker.isArchive(src)) {
        mkdirs(destClean);
        files += ArchiveUnpacker.extract(src, destRoot, destClean, owner);
      } else {
        Path destPath = RootedPath.resolve(destRoot, destClean, true);
        Path target;
        if (intoDir || Files.isDirectory(destPath)) {
          Path dir = mkdirs(destClean);
          String base = rel.isEmpty() ? src.getFileName().toString() : rel.substring(rel.lastIndexOf('/') + 1);
          target = dir.resolve(base);
        } else {
          int slash = destClean.lastIndexOf('/');
          Path dir = slash < 0 ? destRoot : mkdirs(destClean.substring(0, slash));
          target = dir.resolve(destClean.substring(slash + 1));
        }
        copyEntry(src, target, Stat.of(src, true), false);
      }
    }
    // a directory's mtime changes as children are created: set them last, deepest first
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      Map.Entry<Path, FileTime> e = dirTimes.get(i);
      Files.getFileAttributeView(e.getKey(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(e.getValue(), null, null);
    }
  }

  private void copyWithParents(List<String> sources, String destination) throws IOException {
    String destClean = RootedPath.clean(destination);
    for (String src : sources) {
      // the first "/./" is the pivot; a leading "./" or a trailing "/." is not one
      int pivot = src.indexOf("/./");
      String prefix = pivot < 0 ? "" : RootedPath.clean(src.substring(0, pivot));
      int keepFrom = prefix.isEmpty() ? 0 : prefix.split("/").length;
      String clean = RootedPath.clean(src);
      List<String> matches = new ArrayList<>();
      if (Wildcards.hasWildcard(clean)) {
        for (String m : Wildcards.expand(sourceRoot, clean)) {
          if (!excluded.test(m)) {
            matches.add(m);
          }
        }
      } else {
        Path p = clean.isEmpty() ? sourceRoot : RootedPath.resolve(sourceRoot, clean, true);
        if (!clean.isEmpty() && (excluded.test(clean) || !Files.exists(p))) {
          throw new CopyException("\"/" + clean + "\": not found");
        }
        matches.add(clean);
      }
      mkdirs(destClean);
      for (String rel : matches) {
        String[] parts = rel.isEmpty() ? new String[0] : rel.split("/");
        String kept = String.join("/", java.util.Arrays.asList(parts).subList(Math.min(keepFrom, parts.length), parts.length));
        String target = destClean.isEmpty() ? kept : kept.isEmpty() ? destClean : destClean + "/" + kept;
        Path srcPath = rel.isEmpty() ? sourceRoot : RootedPath.resolve(sourceRoot, rel, true);
        if (Files.isDirectory(srcPath)) {
          copyDirContents(srcPath, rel, mkdirs(target), false);
        } else {
          int slash = target.lastIndexOf('/');
          Path dir = slash < 0 ? destRoot : mkdirs(target.substring(0, slash));
          copyEntry(srcPath, dir.resolve(target.substring(slash + 1)), Stat.of(srcPath, true), false);
        }
      }
    }
    for (int i = dirTimes.size() - 1; i >= 0; i--) {
      Map.Entry<Path, FileTime> e = dirTimes.get(i);
      Files.getFileAttributeView(e.getKey(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(e.getValue(), null, null);
    }
  }

  /** mkdir -p inside the destination root; created directories get 0755 and the owner. */
  private Path mkdirs(String cleanRel) throws IOException {
    Path current = destRoot;
    StringBuilder sofar = new StringBuilder();
    for (String part : cleanRel.isEmpty() ? new String[0] : cleanRel.split("/")) {
      sofar.append('/').append(part);
      Path next = RootedPath.resolve(destRoot, sofar.toString(), true);
      if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
        if (!next.getParent().equals(destRoot) && !Files.exists(next.getParent(), LinkOption.NOFOLLOW_LINKS)) {
          // a symlink on the way (COPY foo /symlink/ with symlink -> ../tmp/target) points to
          // a directory that does not exist yet: create it where the link leads
          mkdirs(destRoot.relativize(next.getParent()).toString());
        }
        Files.createDirectory(next);
        // BuildKit applies --chmod to the parent directories it creates too (testCopyChmod)
        Files.setAttribute(next, "unix:mode", mode == null ? 0755 : mode.apply(040755, true), LinkOption.NOFOLLOW_LINKS);
        chown(next, owner == null ? 0 : owner.uid(), owner == null ? 0 : owner.gid());
        files++;
      } else if (!Files.isDirectory(next)) {
        throw new CopyException("cannot copy to " + sofar + ": it is not a directory");
      }
      current = next;
    }
    return current;
  }

  /**
   * Copies a directory's children into {@code targetDir}; {@code fresh}: the copy made that
   * directory just now, so nothing is in it yet (no existence check per child).
   */
  private void copyDirContents(Path srcDir, String rel, Path targetDir, boolean fresh) throws IOException {
    copyDirContents(srcDir, rel, targetDir, fresh, 0);
  }

  private void copyDirContents(Path srcDir, String rel, Path targetDir, boolean fresh, int depth) throws IOException {
    DirEntries children = LibC.statDir(srcDir);
    List<java.util.concurrent.Callable<Void>> subdirs = new ArrayList<>();
    while (children.next()) {
      String name = children.name();
      Path child = srcDir.resolve(name);
      String childRel = rel.isEmpty() ? name : rel + "/" + name;
      Stat st = Stat.of(children);
      if (excluded.test(childRel)) {
        // an excluded directory may still hold re-included files (!pattern): walk it anyway
        if (st.isDirectory() && hasIncluded(child, childRel)) {
          Path t = targetDir.resolve(name);
          copyDirContents(child, childRel, t, copyEntry(child, t, st, fresh) == CREATED_DIR, depth + 1);
        }
        continue;
      }
      Path target = targetDir.resolve(name);
      int made = copyEntry(child, target, st, fresh);
      if (made == CREATED_DIR && depth < 2) {
        // a new directory: nothing else writes into it, so its contents can go in parallel
        Path into = newDirectory(target);
        subdirs.add(() -> {
          copyDirContents(child, childRel, into, true, depth + 1);
          return null;
        });
      } else if (made == CREATED_DIR) {
        copyDirContents(child, childRel, newDirectory(target), true, depth + 1);
      } else if (made == EXISTING_DIR) {
        copyDirContents(child, childRel, target, false, depth + 1);
      }
    }
    if (subdirs.size() == 1) {
      try {
        subdirs.get(0).call();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    } else if (!subdirs.isEmpty()) {
      for (java.util.concurrent.Future<Void> f : COPIERS.invokeAll(subdirs)) {
        try {
          f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while copying " + srcDir);
        } catch (java.util.concurrent.ExecutionException e) {
          if (e.getCause() instanceof IOException io) {
            throw io;
          }
          throw new IOException(e.getCause());
        }
      }
    }
  }

  /** What {@link #copyEntry} did: made a directory, found one there, or wrote something else. */
  private static final int CREATED_DIR = 1;
  private static final int EXISTING_DIR = 2;
  private static final int NOT_DIR = 3;

  /** This process's uid and gid: what a file it creates is owned by (no chown needed then). */
  private static final int[] SELF = self();

  private static int[] self() {
    try {
      Path p = Path.of("/proc/self");
      return new int[] {(Integer) Files.getAttribute(p, "unix:uid"), (Integer) Files.getAttribute(p, "unix:gid")};
    } catch (IOException | RuntimeException e) {
      return new int[] {-1, -1};
    }
  }

  private boolean hasIncluded(Path dir, String rel) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        String childRel = rel + "/" + child.getFileName();
        if (!excluded.test(childRel)) {
          return true;
        }
        if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && hasIncluded(child, childRel)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Copies one entry (not a directory's children) whose stat is {@code st} (of the link's
   * target where a named source is followed); {@code fresh}: the target's directory was made by
   * this copy, so target is not there and a new file gets this process's owner (the directory
   * is never set-group-id: see below).
   */
  private int copyEntry(Path src, Path target, Stat st, boolean fresh) throws IOException {
    LinkOption[] nofollow = {LinkOption.NOFOLLOW_LINKS};
    int srcMode = st.mode();
    int type = srcMode & 0170000;
    int uid = owner == null ? (int) st.uid() : owner.uid();
    int gid = owner == null ? (int) st.gid() : owner.gid();
    FileTime mtime = st.mtimeFileTime();
    boolean exists = !fresh && Files.exists(target, nofollow);
    if (exists && !(type == 0040000 && Files.isDirectory(target, nofollow))) {
      FileTrees.delete(target);
      exists = false;
    }
    switch (type) {
      case 0040000 -> {
        if (!exists) {
          Files.createDirectory(target);
        }
      }
      case 0120000 -> Files.createSymbolicLink(target, Files.readSymbolicLink(src));
      case 0100000 -> {
        int perm = mode != null ? mode.apply(srcMode, false) : srcMode & 07777;
        boolean chown = !(fresh && uid == SELF[0] && gid == SELF[1]);
        if (st.nlink() > 1) {
          // hard links stay links: the first path of an inode is copied, the others link to it
          // (under a lock: directories are copied on several threads)
          synchronized (linkedInodes) {
            Object key = List.of(st.dev(), st.ino());
            Path first = linkedInodes.get(key);
            if (first != null) {
              // both names in one namespace: what the copy wrote through the mount is in the
              // upper dir too, and what it wrote to the upper dir is seen through the mount
              if (upper != null && target.startsWith(upper) && first.startsWith(destRoot)) {
                first = upper.resolve(destRoot.relativize(first));
              } else if (upper != null && target.startsWith(destRoot) && first.startsWith(upper)) {
                first = destRoot.resolve(upper.relativize(first));
              }
              Files.createLink(target, first);
              fileCount.incrementAndGet();
              return NOT_DIR;
            }
            copyFile(src, target, perm, chown ? uid : -1, gid, st.mtime());
            linkedInodes.put(key, target);
          }
        } else {
          copyFile(src, target, perm, chown ? uid : -1, gid, st.mtime());
        }
        fileCount.incrementAndGet();
        return NOT_DIR; // owner, mode and mtime set by the copy itself
      }
      default -> throw new CopyException("cannot copy " + src.getFileName() + ": unsupported file type (device, fifo or socket)");
    }
    fileCount.incrementAndGet();
    int perm = type == 0120000 ? 0 : mode != null ? mode.apply(srcMode, type == 0040000) : srcMode & 07777;
    // a set-group-id directory would hand its group to what is made in it: such a directory
    // makes its children copy as not fresh (owners set one by one)
    boolean setgidDir = type == 0040000 && (perm & 02000) != 0;
    if (!(fresh && uid == SELF[0] && gid == SELF[1])) {
      chown(target, uid, gid);
    }
    if (type != 0120000) {
      Files.setAttribute(target, "unix:mode", perm, nofollow);
    }
    Files.getFileAttributeView(target, BasicFileAttributeView.class, nofollow).setTimes(mtime, null, null);
    if (type == 0040000) {
      dirTimes.add(Map.entry(target, mtime));
      return exists ? EXISTING_DIR : setgidDir ? EXISTING_DIR : CREATED_DIR;
    }
    return NOT_DIR;
  }

  /**
   * One native call a file: open both, copy (copy_file_range, sendfile), owner (uid &lt; 0: the
   * process's), mode and mtime on the open file. Through the JDK that is a dozen calls, each
   * walking the path again, and ~15 us of Java a file with the C1 compiler.
   */
  private static void copyFile(Path src, Path target, int perm, int uid, int gid, long mtimeNanos) throws IOException {
    try {
      LibC.copyFile(src, target, perm, uid, gid, mtimeNanos);
    } catch (LibC.ErrnoException e) {
      if (e.errno() == LibC.EEXIST) {
        throw new CopyException("cannot copy to " + target + ": exists");
      }
      throw e;
    }
  }

  private static void chown(Path p, int uid, int gid) throws IOException {
    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
  }

  /** A COPY that cannot be done as written; the message is for the user. */
  public static final class CopyException extends IOException {
    private static final long serialVersionUID = 1L;

    public CopyException(String message) {
      super(message);
    }
  }
}
