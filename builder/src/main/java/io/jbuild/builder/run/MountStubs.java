package io.jbuild.builder.run;

import io.jbuild.builder.sys.LibC;
import io.jbuild.builder.sys.RootPath;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The mount points a container needs in its rootfs (/proc, /dev, /sys, /etc/hosts,
 * /etc/resolv.conf). The rootfs is the RUN step's layer, so whatever is created here would end up
 * in the image. On an {@link io.jbuild.builder.mount.OverlayMount} they all exist already (its
 * bottom lower dir provides them); on other rootfs they are created before the run and removed
 * after it when still empty, with the parent's times restored, as BuildKit's
 * {@code executor.MountStubsCleaner} does. runc would create missing targets itself, but then
 * jbuild could not tell them from files the step made.
 */
final class MountStubs implements AutoCloseable {
  private record Created(Path path, Path parent, FileTime parentMtime, FileTime parentAtime) {}

  private final List<Created> created = new ArrayList<>();
  Path proc;
  Path dev;
  Path sys;
  /** null when the rootfs has no /etc: then no hosts or resolv.conf are mounted. */
  Path hosts;
  Path resolvConf;

  private MountStubs() {}

  private void init(Path rootfs) throws IOException {
    proc = dir(rootfs, "/proc");
    dev = dir(rootfs, "/dev");
    sys = dir(rootfs, "/sys");
    Path etc = RootPath.resolve(rootfs, "/etc");
    if (Files.isDirectory(etc, LinkOption.NOFOLLOW_LINKS)) {
      hosts = file(rootfs, "/etc/hosts");
      resolvConf = file(rootfs, "/etc/resolv.conf");
    } else {
      hosts = null;
      resolvConf = null;
    }
  }

  static MountStubs prepare(Path rootfs) throws IOException {
    MountStubs stubs = new MountStubs();
    try {
      stubs.init(rootfs);
      return stubs;
    } catch (IOException | RuntimeException e) {
      try {
        stubs.close();
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Creates the mount point of an extra mount (and its missing parents) when missing, to be
   * removed again on close when still empty. Targets under /dev, /proc and /sys are left to the
   * runtime: those trees are mounted over, so nothing created there reaches the layer.
   */
  void extra(Path rootfs, String target, boolean directory) throws IOException {
    if (target.equals("/dev") || target.startsWith("/dev/") || target.startsWith("/proc/")
        || target.startsWith("/sys/")) {
      return;
    }
    StringBuilder sofar = new StringBuilder();
    String[] parts = target.substring(1).split("/");
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty()) {
        continue;
      }
      String parent = sofar.length() == 0 ? "/" : sofar.toString();
      sofar.append('/').append(parts[i]);
      Path p = RootPath.resolve(rootfs, sofar.toString());
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      record(p, RootPath.resolve(rootfs, parent));
      if (i < parts.length - 1 || directory) {
        Files.createDirectory(p);
      } else {
        Files.createFile(p);
      }
    }
  }

  private Path dir(Path rootfs, String name) throws IOException {
    Path p = RootPath.resolve(rootfs, name);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = RootPath.mkdirs(rootfs, parentOf(name));
      record(p, parent);
      Files.createDirectory(p);
    }
    return p;
  }

  private Path file(Path rootfs, String name) throws IOException {
    Path p = RootPath.resolve(rootfs, name);
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      Path parent = p.getParent();
      record(p, parent);
      Files.createFile(p);
    }
    return p;
  }

  private static String parentOf(String name) {
    int slash = name.lastIndexOf('/');
    return slash <= 0 ? "/" : name.substring(0, slash);
  }

  private void record(Path p, Path parent) throws IOException {
    BasicFileAttributes a = Files.readAttributes(parent, BasicFileAttributes.class,
        LinkOption.NOFOLLOW_LINKS);
    created.add(new Created(p, parent, a.lastModifiedTime(), a.lastAccessTime()));
  }

  /** Paths this instance created (for tests and diagnostics). */
  List<Path> created() {
    return created.stream().map(Created::path).toList();
  }

  /** Removes the stubs that are still empty, newest first, and restores their parents' times. */
  @Override
  public void close() throws IOException {
    IOException failure = null;
    for (int i = created.size() - 1; i >= 0; i--) {
      Created c = created.get(i);
      try {
        if (isEmpty(c.path())) {
          Files.deleteIfExists(c.path());
          long m = c.parentMtime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
          long a = c.parentAtime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
          LibC.lutimes(c.parent(), Math.floorDiv(a, 1_000_000_000L), Math.floorMod(a, 1_000_000_000L),
              Math.floorDiv(m, 1_000_000_000L), Math.floorMod(m, 1_000_000_000L));
        }
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    created.clear();
    if (failure != null) {
      throw failure;
    }
  }

  private static boolean isEmpty(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (a.isDirectory()) {
      try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
        return !s.iterator().hasNext();
      }
    }
    return a.isRegularFile() && a.size() == 0;
  }
}
