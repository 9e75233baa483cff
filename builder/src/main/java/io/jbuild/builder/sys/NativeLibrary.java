package io.jbuild.builder.sys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Loads libjbuild.so, which the build puts in the class path at {@code
 * io/jbuild/builder/sys/native/linux-ARCH/}, its SHA-256 in {@link NativeHash} (builder/src/main/c/build.sh).
 *
 * <p>The library is extracted once to {@code java.io.tmpdir/jbuild-native-UID/libjbuild-SHA256.so}
 * (or under {@code -Djbuild.nativeDir=DIR}); later runs find it by that name and load it without
 * reading the jar. Nothing is loaded that another user could have written: the directory must be
 * a real directory owned by this process's uid with no group or other write permission, in a
 * parent that others cannot rename it out of (not writable by them, or sticky, and owned by root
 * or this uid), and the file a regular file owned by this uid that neither group nor others may
 * write. A file that fails those checks is never loaded: it is written again (to a temporary
 * name, synced, then renamed over it). When that directory cannot be used (someone else made it,
 * a noexec file system, the library already loaded from that path by another class loader), a
 * copy in a fresh private directory is loaded and deleted at once.
 */
final class NativeLibrary {
  static final String NAME = "libjbuild.so";
  private static final int S_ISVTX = 01000;

  private NativeLibrary() {}

  /** linux-x86_64, linux-aarch64, ...: the class path folder of this machine's build. */
  static String platform() {
    String arch = System.getProperty("os.arch", "unknown");
    switch (arch) {
      case "amd64":
      case "x86_64":
        arch = "x86_64";
        break;
      case "aarch64":
      case "arm64":
        arch = "aarch64";
        break;
      default:
        break;
    }
    return "linux-" + arch;
  }

  /** Loads the library; returns null, or why it could not be loaded. */
  static String load() {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return "jbuild's native helper (" + NAME + ") exists for Linux only, not for "
          + System.getProperty("os.name");
    }
    int uid;
    try {
      uid = currentUid();
    } catch (IOException e) {
      return "jbuild's native helper (" + NAME + ") could not be loaded: no uid of this process: " + reason(e);
    }
    String dirName = System.getProperty("jbuild.nativeDir");
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    Path dir = dirName != null ? Path.of(dirName) : tmp.resolve("jbuild-native-" + uid);
    Path file = dir.resolve(fileName(NativeHash.SHA256));
    try { // the usual run: the copy an earlier one extracted, found by name
      checkParent(dir.toAbsolutePath().getParent(), uid);
      checkPrivate(dir, uid, true);
      checkPrivate(file, uid, false);
      System.load(file.toString());
      return null;
    } catch (IOException | UnsatisfiedLinkError e) {
      // missing or not to be trusted: extracted (again) below, or refused with the reason
    }
    String resource = "native/" + platform() + "/" + NAME;
    byte[] lib;
    try {
      lib = resource(resource);
    } catch (IOException e) {
      return "jbuild's native helper (" + NAME + ") could not be read from the class path: " + reason(e);
    }
    if (lib == null) {
      return "jbuild's native helper (" + NAME + ") is not in the class path (no resource "
          + "io/jbuild/builder/sys/" + resource + "): this jbuild was not built for " + platform();
    }
    String failure = loadFrom(dir, lib, uid, false);
    if (failure == null) {
      return null;
    }
    Path own;
    try {
      own = Files.createTempDirectory(tmp, "jbuild-native-private-", ownerOnly());
    } catch (IOException e) {
      return failure + "; no private directory either: " + reason(e);
    }
    String second = loadFrom(own, lib, uid, true);
    return second == null ? null
        : failure + "; nor from a private copy: " + second + " (-Djbuild.nativeDir=DIR picks the directory)";
  }

  /** rwx------, made when needed: the usual run has no file to create. */
  private static FileAttribute<Set<PosixFilePermission>> ownerOnly() {
    return PosixFilePermissions.asFileAttribute(EnumSet.of(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
  }

  static String fileName(String sha256) {
    return "libjbuild-" + sha256 + ".so";
  }

  /** Extracts to dir and loads; null, or why not. A private dir is deleted after loading. */
  private static String loadFrom(Path dir, byte[] lib, int uid, boolean deleteAfter) {
    Path file = dir;
    try {
      file = extract(dir, NativeHash.SHA256, lib, uid);
      System.load(file.toString());
      return null;
    } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
      return "jbuild's native helper (" + NAME + ") could not be loaded from " + file + ": " + reason(e);
    } finally {
      if (deleteAfter) { // the mapping outlives the name
        try {
          if (file != dir) {
            Files.deleteIfExists(file);
          }
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          // a leftover in the temporary directory; tmp cleaners take it
        }
      }
    }
  }

  /**
   * Returns dir/libjbuild-HASH.so holding exactly lib, writing it when it is missing or not
   * trustworthy; creates dir (0700) when missing. Throws when dir is not private to uid.
   */
  static Path extract(Path dir, String hash, byte[] lib, int uid) throws IOException {
    try {
      Files.createDirectory(dir, ownerOnly());
    } catch (FileAlreadyExistsException e) {
      // an earlier run made it, or someone else did: checked next
    }
    checkParent(dir.toAbsolutePath().getParent(), uid);
    checkPrivate(dir, uid, true);
    Path file = dir.resolve(fileName(hash));
    if (intact(file, lib, uid)) {
      return file;
    }
    Path tmp = dir.resolve(".libjbuild-" + hash + "." + ProcessHandle.current().pid() + "." + System.nanoTime());
    try {
      try (FileChannel out = FileChannel.open(tmp,
          EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly())) {
        ByteBuffer b = ByteBuffer.wrap(lib);
        while (b.hasRemaining()) {
          out.write(b);
        }
        out.force(true); // later runs trust the name: never a named but empty file after a crash
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return file;
  }

  /** Whether file is a regular file of uid, written by nobody else, holding lib. */
  private static boolean intact(Path file, byte[] lib, int uid) throws IOException {
    try {
      checkPrivate(file, uid, false);
    } catch (IOException e) {
      return false; // missing, or not trusted: written again, which replaces it
    }
    return Files.size(file) == lib.length && Arrays.equals(Files.readAllBytes(file), lib);
  }

  /**
   * Throws unless p (not followed if a symlink) is a directory (or a regular file) owned by uid
   * that neither its group nor others may write.
   */
  static void checkPrivate(Path p, int uid, boolean directory) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    int owner = (Integer) a.get("uid");
    int type = mode & LibC.S_IFMT;
    if (type != (directory ? LibC.S_IFDIR : LibC.S_IFREG)) {
      throw new IOException(p + " is not a " + (directory ? "directory" : "regular file")
          + (type == LibC.S_IFLNK ? " but a symbolic link" : ""));
    }
    if (owner != uid) {
      throw new IOException(p + " is owned by uid " + owner + ", not by this process's uid " + uid);
    }
    if ((mode & 022) != 0) {
      throw new IOException(p + " is writable by its group or others (mode "
          + Integer.toOctalString(mode & 07777) + ")");
    }
  }

  /** Throws when someone other than root and uid could rename entries of dir (then ours). */
  private static void checkParent(Path dir, int uid) throws IOException {
    if (dir == null) {
      return;
    }
    Map<String, Object> a = Files.readAttributes(dir, "unix:uid,mode");
    int mode = (Integer) a.get("mode");
    int owner = (Integer) a.get("uid");
    if ((owner != 0 && owner != uid) || ((mode & 022) != 0 && (mode & S_ISVTX) == 0)) {
      throw new IOException(dir + " (uid " + owner + ", mode " + Integer.toOctalString(mode & 07777)
          + ") lets others replace what is in it");
    }
  }

  /** This process's effective uid: the owner of /proc/self. */
  static int currentUid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = NativeLibrary.class.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    }
  }

  private static String reason(Throwable e) {
    return e instanceof FileSystemException || e.getMessage() == null ? e.toString() : e.getMessage();
  }
}
