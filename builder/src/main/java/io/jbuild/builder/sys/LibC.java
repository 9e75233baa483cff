package io.jbuild.builder.sys;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls the JDK does not offer: mount(2), umount2(2), mknod(2), the l*xattr(2)
 * family, lchown(2) and utimensat(2) with AT_SYMLINK_NOFOLLOW. Java NIO follows symlinks when
 * it sets times and cannot reach trusted.* or security.* xattrs, and layers need all of that
 * on the link itself. Every wrapper throws an {@link IOException} naming the call, the path and
 * the errno text, so callers can report what failed where.
 *
 * <p>The calls go through JNI to libjbuild.so ({@link LibCJni}, builder/src/main/c), which the
 * first call loads in about a millisecond. Paths reach the kernel as the bytes the JDK itself
 * would pass for them (the sun.jnu.encoding of {@link Path#toString()}); xattr names as UTF-8.
 */
public final class LibC {
  public static final long MS_RDONLY = 1;
  public static final long MS_NOSUID = 2;
  public static final long MS_NODEV = 4;
  public static final long MS_NOEXEC = 8;
  public static final long MS_REMOUNT = 32;
  public static final long MS_BIND = 4096;
  public static final long MS_REC = 16384;
  public static final long MS_PRIVATE = 1 << 18;
  public static final int MNT_DETACH = 2;
  public static final int S_IFMT = 0170000;
  public static final int S_IFREG = 0100000;
  public static final int S_IFDIR = 0040000;
  public static final int S_IFLNK = 0120000;
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFIFO = 0010000;
  public static final int ENOENT = 2;
  public static final int EEXIST = 17;
  public static final int ENOTDIR = 20;
  public static final int EINVAL = 22;
  public static final int EBUSY = 16;
  public static final int ENODATA = 61;
  public static final int ERANGE = 34;
  public static final int ENOTSUP = 95;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  /** The charset the JDK encodes file names with (UnixPath), falling back to the default one. */
  private static final Charset JNU = jnuCharset();
  private static final ThreadLocal<int[]> LAST_ERRNO = new ThreadLocal<>();

  private LibC() {}

  private static Charset jnuCharset() {
    try {
      return Charset.forName(System.getProperty("sun.jnu.encoding"));
    } catch (RuntimeException e) {
      return Charset.defaultCharset();
    }
  }

  /** The errno of the last call of this class that failed on this thread (0 before any). */
  public static int errno() {
    int[] last = LAST_ERRNO.get();
    return last == null ? 0 : last[0];
  }

  static IOException error(String call, Object path, int errno) {
    int[] last = LAST_ERRNO.get();
    if (last == null) {
      LAST_ERRNO.set(last = new int[1]);
    }
    last[0] = errno;
    return new ErrnoException(call + " " + path + ": " + describe(errno), errno);
  }

  public static String describe(int errno) {
    String text = errno > 0 && LibCJni.loaded() ? LibCJni.strerror(errno) : null;
    return (text == null ? "errno " + errno : text) + " (errno " + errno + ")";
  }

  /** An IOException that keeps the errno so callers can react to EBUSY, EINVAL and the like. */
  public static final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    ErrnoException(String message, int errno) {
      super(message);
      this.errno = errno;
    }

    public int errno() {
      return errno;
    }
  }

  /** A file name's bytes as the JDK passes them to the kernel; null stays null. */
  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(JNU);
  }

  private static byte[] path(Path p) throws IOException {
    LibCJni.ensureLoaded();
    return p.toString().getBytes(JNU);
  }

  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws IOException {
    int rc = LibCJni.mount(bytes(source), path(target), bytes(fstype), flags, bytes(data));
    if (rc != 0) {
      throw error("mount -t " + fstype + " " + source + " (" + data + ") on", target, -rc);
    }
  }

  public static void umount2(Path target, int flags) throws IOException {
    int rc = LibCJni.umount2(path(target), flags);
    if (rc != 0) {
      throw error("umount", target, -rc);
    }
  }

  /** mknod(2); {@code mode} includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  public static void mknod(Path path, int mode, int major, int minor) throws IOException {
    int rc = LibCJni.mknod(path(path), mode, makedev(major, minor));
    if (rc != 0) {
      throw error("mknod", path, -rc);
    }
  }

  /**
   * The entries of a directory with their lstat(2), sorted by name (as bytes): one native call
   * per directory, where the JDK builds an attribute map per file. An entry removed meanwhile is
   * left out.
   */
  public static DirEntries statDir(Path dir) throws IOException {
    int[] rc = new int[1];
    byte[] packed = LibCJni.statdir(path(dir), rc);
    if (rc[0] != 0 || packed == null) {
      throw error("scandir", dir, rc[0] != 0 ? -rc[0] : 12);
    }
    return new DirEntries(packed, JNU);
  }

  /** glibc's makedev(3) encoding of a dev_t. */
  public static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
        | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }

  public static int major(long dev) {
    return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
  }

  public static int minor(long dev) {
    return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
  }

  public static void lchown(Path path, int uid, int gid) throws IOException {
    int rc = LibCJni.lchown(path(path), uid, gid);
    if (rc != 0) {
      throw error("lchown", path, -rc);
    }
  }

  /** chmod(2), with setuid/setgid/sticky bits, which NIO's PosixFilePermission cannot set. */
  public static void chmod(Path path, int mode) throws IOException {
    int rc = LibCJni.chmod(path(path), mode);
    if (rc != 0) {
      throw error("chmod", path, -rc);
    }
  }

  /**
   * Ends the process with {@code code} at once (_exit), when libjbuild.so is loaded; returns
   * only when it is not. No shutdown hook runs and the JVM does not tear down: flush what must
   * be written first. For a CLI whose work is done: the JVM's own exit waits up to 300 ms for a
   * thread blocked in native code (java.net.http's selector thread sits in epoll_wait).
   */
  public static void exitNow(int code) {
    if (LibCJni.loaded()) {
      LibCJni.exitnow(code);
    }
  }

  /**
   * The st_mode of what is at {@code path} (a symlink itself, not followed), or -1 when nothing
   * is there (ENOENT, or a component on the way that is not a directory): an existence check
   * that costs no exception, for walks over thousands of entries.
   */
  public static int lstatMode(Path path) throws IOException {
    int rc = LibCJni.lstatmode(path(path));
    if (rc >= 0) {
      return rc;
    }
    if (rc == -ENOENT || rc == -ENOTDIR) {
      return -1;
    }
    throw error("lstat", path, -rc);
  }

  /**
   * Copies the regular file {@code src} (a symlink there is followed) to {@code dst}, which must
   * not exist (a symlink there is not followed: EEXIST), and gives the copy an owner (uid &lt; 0:
   * this process's), {@code mode} (with set-id bits) and an mtime: what COPY does to a file, in
   * one native call instead of a dozen JDK ones. The copy is removed when a step fails.
   */
  public static void copyFile(Path src, Path dst, int mode, int uid, int gid, long mtimeNanos) throws IOException {
    int rc = LibCJni.copyfile(path(src), path(dst), mode, uid, gid, Math.floorDiv(mtimeNanos, 1_000_000_000L),
        Math.floorMod(mtimeNanos, 1_000_000_000L));
    if (rc != 0) {
      throw error("copy to " + dst + " from", src, -rc);
    }
  }

  /** What {@link #makeNode} makes: a symlink, a directory, nothing (the path exists). */
  public static final int NODE_SYMLINK = 0;
  public static final int NODE_DIRECTORY = 1;
  public static final int NODE_EXISTING = 2;

  /**
   * Makes a symlink to {@code link} or a directory at {@code path} (or nothing, {@link
   * #NODE_EXISTING}), then gives it its owner, its mode (a symlink has none) and, when {@code
   * setTimes}, atime and mtime: an unpacked tar entry in one native call instead of four JDK
   * ones. False, with nothing changed, when something is at the path already.
   */
  public static boolean makeNode(Path path, int kind, String link, int mode, int uid, int gid, long mtimeSec,
      long mtimeNsec, boolean setTimes) throws IOException {
    int rc = LibCJni.makenode(path(path), kind, link == null ? null : link.getBytes(JNU), mode, uid, gid, mtimeSec,
        mtimeNsec, setTimes);
    if (rc == 0) {
      return true;
    }
    int step = -rc % 8;
    int errno = -rc / 8;
    if (step == 1 && errno == EEXIST) {
      return false;
    }
    String call = step == 1 ? (kind == NODE_SYMLINK ? "symlink" : "mkdir")
        : step == 2 ? "lchown" : step == 3 ? "chmod" : "utimensat";
    throw error(call, path, errno);
  }

  /** Sets atime and mtime of the path itself (a symlink is not followed). */
  public static void lutimes(Path path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec)
      throws IOException {
    int rc = LibCJni.utimensat(AT_FDCWD, path(path), atimeSec, atimeNsec, mtimeSec, mtimeNsec,
        AT_SYMLINK_NOFOLLOW);
    if (rc != 0) {
      throw error("utimensat", path, -rc);
    }
  }

  public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
    java.util.Objects.requireNonNull(value, "value");
    int rc = LibCJni.lsetxattr(path(path), name.getBytes(StandardCharsets.UTF_8), value, 0);
    if (rc != 0) {
      throw error("lsetxattr " + name, path, -rc);
    }
  }

  /** The value of an xattr, or null when the path has none of that name. */
  public static byte[] lgetxattr(Path path, String name) throws IOException {
    byte[] p = path(path);
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    for (int attempt = 0; attempt < 5; attempt++) {
      long size = LibCJni.lgetxattr(p, n, null);
      if (size < 0) {
        int errno = (int) -size;
        if (errno == ENODATA || errno == ENOTSUP) {
          return null;
        }
        throw error("lgetxattr " + name, path, errno);
      }
      byte[] buf = new byte[(int) size];
      long got = LibCJni.lgetxattr(p, n, buf);
      if (got >= 0) {
        return got == buf.length ? buf : java.util.Arrays.copyOf(buf, (int) got);
      }
      if (got != -ERANGE) { // ERANGE: the value grew between the two calls; ask again
        throw error("lgetxattr " + name, path, (int) -got);
      }
    }
    throw error("lgetxattr " + name, path, ERANGE);
  }

  /** The names of the path's xattrs (those this process may see), in the kernel's order. */
  public static List<String> llistxattr(Path path) throws IOException {
    byte[] p = path(path);
    for (int attempt = 0; attempt < 5; attempt++) {
      long size = LibCJni.llistxattr(p, null);
      if (size < 0) {
        if (size == -ENOTSUP) {
          return List.of();
        }
        throw error("llistxattr", path, (int) -size);
      }
      if (size == 0) {
        return List.of();
      }
      byte[] buf = new byte[(int) size];
      long n = LibCJni.llistxattr(p, buf);
      if (n < 0) {
        if (n == -ERANGE) {
          continue;
        }
        throw error("llistxattr", path, (int) -n);
      }
      List<String> names = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == 0) {
          if (i > start) {
            names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
          }
          start = i + 1;
        }
      }
      return names;
    }
    throw error("llistxattr", path, ERANGE);
  }
}
