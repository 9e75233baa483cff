package io.jbuild.builder.sys;

import java.io.IOException;

/**
 * The JNI functions of libjbuild.so (builder/src/main/c/jbuild_libc.c), loaded by {@link
 * NativeLibrary} when this class is first used. Each returns 0 (or a size) on success and
 * -errno on failure. Strings are byte[] without a terminating NUL; C copies and terminates
 * them. {@code long} stands for size_t, ssize_t and dev_t, as on every 64-bit Linux ABI.
 */
final class LibCJni {
  /** Why the library could not be loaded, or null when it was. */
  private static final String LOAD_FAILURE = NativeLibrary.load();

  private LibCJni() {}

  /** Throws, with the reason, when the library could not be loaded. */
  static void ensureLoaded() throws IOException {
    if (LOAD_FAILURE != null) {
      throw new IOException(LOAD_FAILURE);
    }
  }

  static boolean loaded() {
    return LOAD_FAILURE == null;
  }

  static native int mount(byte[] source, byte[] target, byte[] fstype, long flags, byte[] data);

  static native int umount2(byte[] target, int flags);

  static native int mknod(byte[] path, int mode, long dev);

  static native int lsetxattr(byte[] path, byte[] name, byte[] value, int flags);

  /** A null value asks for the size only. */
  static native long lgetxattr(byte[] path, byte[] name, byte[] value);

  /** A null list asks for the size only. */
  static native long llistxattr(byte[] path, byte[] list);

  static native int lchown(byte[] path, int uid, int gid);

  static native int chmod(byte[] path, int mode);

  static native int utimensat(
      int dirfd, byte[] path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, int flags);

  /**
   * Every entry of a directory with its lstat, sorted by name, packed as {@link LibC#statDir}
   * reads it; rc[0] is 0 or -errno.
   */
  static native byte[] statdir(byte[] path, int[] rc);

  /** _exit(2). */
  static native void exitnow(int code);

  /** lstat(2)'s st_mode, or -errno. */
  static native int lstatmode(byte[] path);

  /** A regular file copied with owner (uid < 0: as created), mode and mtime set; see jbuild_libc.c. */
  static native int copyfile(byte[] src, byte[] dst, int mode, int uid, int gid, long mtimeSec, long mtimeNsec);

  /**
   * A tar entry made with owner, mode and times in one call: kind 0 symlink, 1 directory, 2 an
   * existing path; 0 or -(errno * 8 + step), see jbuild_libc.c.
   */
  static native int makenode(byte[] path, int kind, byte[] link, int mode, int uid, int gid, long mtimeSec,
      long mtimeNsec, boolean setTimes);

  /** strerror(3) in the C locale, or null for an errno libc does not know. */
  static native String strerror(int errno);
}
