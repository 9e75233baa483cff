package io.jbuild.cache;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Whole-file writes that a reader sees complete or not at all. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code content} to a temporary file in {@code tmpDir} (on the same filesystem) and
   * renames it over {@code target}; the parent directories are made when missing.
   */
  public static void write(Path target, Path tmpDir, byte[] content) throws IOException {
    Files.createDirectories(target.getParent());
    Path tmp = Files.createTempFile(tmpDir, "write-", ".tmp");
    try {
      Files.write(tmp, content);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
