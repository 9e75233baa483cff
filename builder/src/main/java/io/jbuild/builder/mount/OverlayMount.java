package io.jbuild.builder.mount;

import io.jbuild.cache.FileTrees;
import io.jbuild.builder.sys.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * An overlayfs mount: the rootfs of a RUN step. The upper dir is the step's layer diff, so the
 * mount is made so that the upper dir holds everything the step changed and nothing else:
 *
 * <ul>
 *   <li>{@code metacopy=off} and {@code redirect_dir=off}, when the kernel knows them: with
 *       metacopy a chown copies up only metadata, with redirect_dir a renamed directory is a
 *       pointer to the lower one; either way the upper dir alone would not be the diff (Docker's
 *       overlay2 driver falls back to a naive diff for the same reason). {@code index=off} lets
 *       the same lower dirs be mounted under different upper dirs at once. {@code volatile}
 *       (Linux 5.10+): no sync of the upper file system when the mount goes; unmounting a step
 *       that wrote 100 MB otherwise waits for the disk. A step's upper dir is never mounted
 *       again as an upper dir, and a killed build's dirs are removed (TmpJanitor), which is what
 *       volatile asks for.
 *   <li>a small "mount points" lower dir at the very bottom with empty /proc, /dev, /sys,
 *       /etc/hosts and /etc/resolv.conf: the container runtime mounts over them, and since they
 *       already exist it never has to create them, which would copy up /etc and put runtime
 *       leftovers into the layer (BuildKit removes such stubs after the run instead). Being the
 *       bottom layer, any real /etc of the image shadows its attributes.
 * </ul>
 *
 * <p>The kernel takes mount options of at most one page. A long chain of lower dirs is mounted
 * through short symlinks (0, 1, 2...) named relative to a helper directory, by a {@code mount}
 * child process that runs in that directory, since a JVM cannot chdir one thread.
 */
public final class OverlayMount implements AutoCloseable {
  private static final int MAX_DATA = 4000; // a page is 4096 bytes; keep room for the NUL
  private static final Path PARAMS = Path.of("/sys/module/overlay/parameters");

  private final Path target;
  private final Path aux;
  private boolean closed;

  private OverlayMount(Path target, Path aux) {
    this.target = target;
    this.aux = aux;
  }

  /**
   * Mounts with {@code stubs} as the bottom lower dir: a directory {@link #createMountPointStubs}
   * made once for many mounts (a build makes one for all its steps).
   */
  public static OverlayMount mount(List<Path> lowersTopFirst, Path upper, Path work, Path target, Path stubs)
      throws IOException {
    List<String> lowers = new ArrayList<>();
    for (Path lower : lowersTopFirst) {
      lowers.add(checkOption(lower.toAbsolutePath().normalize()));
    }
    lowers.add(checkOption(stubs.toAbsolutePath().normalize()));
    String upperDir = checkOption(upper.toAbsolutePath().normalize());
    String workDir = checkOption(work.toAbsolutePath().normalize());
    Path mountPoint = target.toAbsolutePath().normalize();
    String options = "upperdir=" + upperDir + ",workdir=" + workDir + EXTRA_OPTIONS;
    String data = "lowerdir=" + String.join(":", lowers) + "," + options;
    if (data.length() <= MAX_DATA) {
      LibC.mount("overlay", mountPoint, "overlay", 0, data);
      return new OverlayMount(mountPoint, null);
    }
    Path aux = io.jbuild.cache.AtomicFiles.tempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "jbuild-overlay-");
    try {
      mountThroughShortNames(lowers, options, aux.resolve("l"), mountPoint);
      return new OverlayMount(mountPoint, aux);
    } catch (IOException | RuntimeException e) {
      FileTrees.delete(aux);
      throw e;
    }
  }

  public Path target() {
    return target;
  }

  /** Unmounts; a mount that is already gone is fine, a busy one is detached (MNT_DETACH). */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    try {
      LibC.umount2(target, 0);
    } catch (LibC.ErrnoException e) {
      if (e.errno() == LibC.EBUSY) {
        LibC.umount2(target, LibC.MNT_DETACH);
      } else if (e.errno() != LibC.EINVAL && e.errno() != LibC.ENOENT) {
        throw e; // EINVAL: not a mount point (any more); ENOENT: gone
      }
    } finally {
      if (aux != null) {
        FileTrees.delete(aux);
      }
    }
  }

  /**
   * The bottom lower dir of a step's mount: empty /proc, /dev, /sys, /etc/hosts and
   * /etc/resolv.conf with fixed times, never written (overlayfs writes to the upper dir only).
   */
  public static Path createMountPointStubs(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("etc"));
    for (String d : new String[] {"proc", "dev", "sys"}) {
      Files.createDirectory(dir.resolve(d));
    }
    Files.createFile(dir.resolve("etc/hosts"));
    Files.createFile(dir.resolve("etc/resolv.conf"));
    // fixed times: what a RUN sees of these does not depend on when it ran
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setLastModifiedTime(p, FileTime.fromMillis(0));
      }
    }
    return dir;
  }

  private static final boolean VOLATILE = kernelAtLeast(5, 10);

  /** The options this kernel knows, looked up once. */
  private static final String EXTRA_OPTIONS = extraOptions();

  private static String extraOptions() {
    StringBuilder sb = new StringBuilder();
    if (Files.exists(PARAMS.resolve("index"))) {
      sb.append(",index=off");
    }
    if (Files.exists(PARAMS.resolve("redirect_dir"))) {
      sb.append(",redirect_dir=off");
    }
    if (Files.exists(PARAMS.resolve("metacopy"))) {
      sb.append(",metacopy=off");
    }
    if (VOLATILE) {
      sb.append(",volatile");
    }
    return sb.toString();
  }

  /** Whether the running kernel is at least MAJOR.MINOR (/proc/sys/kernel/osrelease). */
  static boolean kernelAtLeast(int major, int minor) {
    try {
      return releaseAtLeast(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim(), major, minor);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static boolean releaseAtLeast(String release, int major, int minor) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
    if (!m.find()) {
      return false;
    }
    int ma = Integer.parseInt(m.group(1));
    int mi = Integer.parseInt(m.group(2));
    return ma > major || (ma == major && mi >= minor);
  }

  /** overlayfs splits options at ',' and lower dirs at ':'; such paths cannot be named. */
  private static String checkOption(Path p) throws IOException {
    String s = p.toString();
    if (s.indexOf(',') >= 0 || s.indexOf(':') >= 0) {
      throw new IOException("cannot use " + s + " in an overlay mount: ',' and ':' are not allowed");
    }
    return s;
  }

  private static void mountThroughShortNames(List<String> lowers, String options, Path linkDir,
      Path mountPoint) throws IOException {
    Files.createDirectories(linkDir);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < lowers.size(); i++) {
      String name = Integer.toString(i, 36);
      Files.createSymbolicLink(linkDir.resolve(name), Path.of(lowers.get(i)));
      names.add(name);
    }
    String data = "lowerdir=" + String.join(":", names) + "," + options;
    if (data.length() > MAX_DATA) {
      throw new IOException("too many lower dirs for one overlay mount: " + lowers.size());
    }
    ProcessBuilder pb = new ProcessBuilder("mount", "-t", "overlay", "-o", data, "overlay",
        mountPoint.toString()).directory(linkDir.toFile()).redirectErrorStream(true);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    try {
      int exit = p.waitFor();
      if (exit != 0) {
        throw new IOException("mount -t overlay of " + lowers.size() + " lower dirs on "
            + mountPoint + " failed (exit " + exit + "): " + output);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while mounting " + mountPoint);
    }
  }
}
