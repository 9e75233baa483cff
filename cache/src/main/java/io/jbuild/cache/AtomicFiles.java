package io.jbuild.cache;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Whole-file writes that a reader sees complete or not at all. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code content} to a temporary file in {@code tmpDir} (on the same filesystem) and
   * renames it over {@code target}; the parent directories are made when missing.
   */
  public static void write(Path target, Path tmpDir, byte[] content) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = tempFile(tmpDir, "write-", ".tmp");
    try {
      try (OutputStream out = output(tmp)) {
        out.write(content);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static final FileAttribute<Set<PosixFilePermission>> FILE_0600 =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
  private static final FileAttribute<Set<PosixFilePermission>> DIR_0700 =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  /**
   * A new empty file {@code dir/prefix<random>suffix}, mode 0600, made with O_EXCL: what
   * {@link Files#createTempFile(Path, String, String, FileAttribute[])} does, without its
   * SecureRandom, whose set-up (providers, seeding) cost a short build 10-15 ms. The names need
   * not be unguessable: a name taken (by anyone) is skipped, never opened.
   */
  public static Path tempFile(Path dir, String prefix, String suffix) throws IOException {
    return fresh(() -> Files.createFile(dir.resolve(prefix + randomName() + suffix), FILE_0600));
  }

  /**
   * Writes into a file that {@link #tempFile} made: opened for writing only, not with
   * {@code Files.newOutputStream}'s default TRUNCATE_EXISTING. On ext4, truncating a file (even
   * an empty one) marks it for "auto_da_alloc", and its close then starts writeback of every
   * dirty page and waits on the disk's write throttle: closing a 1 GiB layer blob took 2 s.
   */
  public static OutputStream output(Path freshTempFile) throws IOException {
    return Files.newOutputStream(freshTempFile, java.nio.file.StandardOpenOption.WRITE);
  }

  /** A new empty directory {@code dir/prefix<random>}, mode 0700; see {@link #tempFile}. */
  public static Path tempDirectory(Path dir, String prefix) throws IOException {
    return fresh(() -> Files.createDirectory(dir.resolve(prefix + randomName()), DIR_0700));
  }

  /** Makes one new file or directory under a random name; a name taken is skipped, 100 times at most. */
  private interface Maker {
    Path make() throws IOException;
  }

  private static Path fresh(Maker maker) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return maker.make();
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 100) {
          throw e;
        }
      }
    }
  }

  /** 8-12 characters of [0-9a-z] from a per-thread generator that needs no entropy source. */
  public static String randomName() {
    return Long.toUnsignedString(ThreadLocalRandom.current().nextLong() >>> 4, 36);
  }
}
