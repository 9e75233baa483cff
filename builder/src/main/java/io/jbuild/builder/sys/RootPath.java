package io.jbuild.builder.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A path inside a root directory, evaluated as if the root were "/" (containerd's
 * {@code fs.RootPath}, runc's securejoin): every symlink on the way is resolved against the root,
 * absolute targets restart at the root and ".." stops at it. So whatever symlinks an image holds,
 * the result is the root or below it. Meant for trees no other process changes meanwhile
 * (snapshots being unpacked, a rootfs before its container starts).
 */
public final class RootPath {
  private static final int MAX_SYMLINKS = 255;

  private RootPath() {}

  /**
   * Resolves {@code path} (absolute or relative, both taken from the root) following every
   * symlink, also the last component. Missing components are appended as they are.
   */
  public static Path resolve(Path root, String path) throws IOException {
    return walk(root, path, false);
  }

  /** Like {@link #resolve} and creates missing directories (mode 0755) along the way. */
  public static Path mkdirs(Path root, String path) throws IOException {
    return walk(root, path, true);
  }

  private static Path walk(Path root, String path, boolean create) throws IOException {
    Deque<String> todo = new ArrayDeque<>();
    for (String c : path.split("/")) {
      todo.addLast(c);
    }
    Path base = root.toAbsolutePath().normalize();
    Path current = base;
    boolean missing = false;
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (!current.equals(base)) {
          current = current.getParent();
        }
        continue;
      }
      Path next = current.resolve(c);
      if (missing) {
        current = next;
        continue;
      }
      BasicFileAttributes a;
      try {
        a = Files.readAttributes(next, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        if (create) {
          Files.createDirectory(next);
        } else {
          missing = true;
        }
        current = next;
        continue;
      }
      if (a.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) {
          throw new IOException("too many levels of symbolic links in " + path + " under " + base);
        }
        String target = Files.readSymbolicLink(next).toString();
        if (target.startsWith("/")) {
          current = base;
        }
        String[] parts = target.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
          todo.addFirst(parts[i]);
        }
        continue;
      }
      if (!a.isDirectory() && !todo.isEmpty() && hasMore(todo)) {
        if (create) {
          throw new NotDirectoryException(base.relativize(next) + " (in " + base + ")");
        }
        missing = true;
      }
      current = next;
    }
    return current;
  }

  private static boolean hasMore(Deque<String> todo) {
    for (String c : todo) {
      if (!c.isEmpty() && !c.equals(".")) {
        return true;
      }
    }
    return false;
  }
}
