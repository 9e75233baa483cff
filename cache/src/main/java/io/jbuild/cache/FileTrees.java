package io.jbuild.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Removing trees on disk: never following a symlink out, and quiet about what is already gone. */
public final class FileTrees {
  private FileTrees() {}

  /** Deletes p, and everything below it when it is a directory (a link is removed, not followed). */
  public static void delete(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      deleteContents(p);
    }
    Files.deleteIfExists(p);
  }

  /** Deletes everything below a directory, keeping the directory. */
  public static void deleteContents(Path dir) throws IOException {
    try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
      for (Path child : children) {
        delete(child);
      }
    } catch (NoSuchFileException e) {
      // already gone
    }
  }
}
