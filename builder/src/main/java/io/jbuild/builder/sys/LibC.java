package io.jbuild.builder.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The few libc calls the JDK does not offer: mount(2), umount2(2), mknod(2), the l*xattr(2)
 * family, lchown(2) and utimensat(2) with AT_SYMLINK_NOFOLLOW. Java NIO follows symlinks when
 * it sets times and cannot reach trusted.* or security.* xattrs, and layers need all of that
 * on the link itself. Every wrapper throws an {@link IOException} naming the call, the path and
 * the errno text, so callers can report what failed where.
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
  public static final int S_IFCHR = 0020000;
  public static final int S_IFBLK = 0060000;
  public static final int S_IFIFO = 0010000;
  public static final int ENOENT = 2;
  public static final int EINVAL = 22;
  public static final int EBUSY = 16;
  public static final int ENODATA = 61;
  public static final int ERANGE = 34;
  public static final int ENOTSUP = 95;
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  /** The jnr-ffi binding; long for size_t/ssize_t/dev_t, as on every 64-bit Linux ABI. */
  public interface Native {
    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int mknod(String path, int mode, long dev);

    int lsetxattr(String path, String name, byte[] value, long size, int flags);

    long lgetxattr(String path, String name, byte[] value, long size);

    long llistxattr(String path, byte[] list, long size);

    int lchown(String path, int uid, int gid);

    int chmod(String path, int mode);

    /** times: {atime sec, atime nsec, mtime sec, mtime nsec}, a struct timespec[2]. */
    int utimensat(int dirfd, String path, long[] times, int flags);
  }

  private static final Native C = LibraryLoader.create(Native.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(C);

  private LibC() {}

  /** The errno of the last failed call on this thread. */
  public static int errno() {
    return RUNTIME.getLastError();
  }

  static IOException error(String call, Object path, int errno) {
    return new ErrnoException(call + " " + path + ": " + describe(errno), errno);
  }

  public static String describe(int errno) {
    Errno e = Errno.valueOf(errno);
    return (e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.description())
        + " (errno " + errno + ")";
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

  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws IOException {
    if (C.mount(source, target.toString(), fstype, flags, data) != 0) {
      throw error("mount -t " + fstype + " " + source + " (" + data + ") on", target, errno());
    }
  }

  public static void umount2(Path target, int flags) throws IOException {
    if (C.umount2(target.toString(), flags) != 0) {
      throw error("umount", target, errno());
    }
  }

  /** mknod(2); {@code mode} includes the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
  public static void mknod(Path path, int mode, int major, int minor) throws IOException {
    if (C.mknod(path.toString(), mode, makedev(major, minor)) != 0) {
      throw error("mknod", path, errno());
    }
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
    if (C.lchown(path.toString(), uid, gid) != 0) {
      throw error("lchown", path, errno());
    }
  }

  /** chmod(2), with setuid/setgid/sticky bits, which NIO's PosixFilePermission cannot set. */
  public static void chmod(Path path, int mode) throws IOException {
    if (C.chmod(path.toString(), mode) != 0) {
      throw error("chmod", path, errno());
    }
  }

  /** Sets atime and mtime of the path itself (a symlink is not followed). */
  public static void lutimes(Path path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec)
      throws IOException {
    long[] times = {atimeSec, atimeNsec, mtimeSec, mtimeNsec};
    if (C.utimensat(AT_FDCWD, path.toString(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      throw error("utimensat", path, errno());
    }
  }

  public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
    if (C.lsetxattr(path.toString(), name, value, value.length, 0) != 0) {
      throw error("lsetxattr " + name, path, errno());
    }
  }

  /** The value of an xattr, or null when the path has none of that name. */
  public static byte[] lgetxattr(Path path, String name) throws IOException {
    String p = path.toString();
    for (int attempt = 0; attempt < 5; attempt++) {
      long size = C.lgetxattr(p, name, null, 0);
      if (size < 0) {
        int errno = errno();
        if (errno == ENODATA || errno == ENOTSUP) {
          return null;
        }
        throw error("lgetxattr " + name, path, errno);
      }
      byte[] buf = new byte[(int) size];
      long n = C.lgetxattr(p, name, buf, buf.length);
      if (n >= 0) {
        return n == buf.length ? buf : java.util.Arrays.copyOf(buf, (int) n);
      }
      if (errno() != ERANGE) { // ERANGE: the value grew between the two calls; ask again
        throw error("lgetxattr " + name, path, errno());
      }
    }
    throw error("lgetxattr " + name, path, ERANGE);
  }

  /** The names of the path's xattrs (those this process may see), in the kernel's order. */
  public static List<String> llistxattr(Path path) throws IOException {
    String p = path.toString();
    for (int attempt = 0; attempt < 5; attempt++) {
      long size = C.llistxattr(p, null, 0);
      if (size < 0) {
        if (errno() == ENOTSUP) {
          return List.of();
        }
        throw error("llistxattr", path, errno());
      }
      if (size == 0) {
        return List.of();
      }
      byte[] buf = new byte[(int) size];
      long n = C.llistxattr(p, buf, buf.length);
      if (n < 0) {
        if (errno() == ERANGE) {
          continue;
        }
        throw error("llistxattr", path, errno());
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
