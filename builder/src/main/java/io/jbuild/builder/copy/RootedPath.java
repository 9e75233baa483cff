package io.jbuild.builder.copy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Resolves a path inside a root directory the way the kernel would inside a chroot: every
 * symlink met on the way is followed relative to the root (absolute targets restart at the
 * root, '..' never climbs above it). So a hostile or odd symlink in an image or a context can
 * never make us read or write outside the root (like Go's securejoin, which BuildKit uses).
 */
public final class RootedPath {
  private static final int MAX_LINKS = 255;

  private RootedPath() {}

  /** Splits a slash path into clean components: no empty, no '.', '..' resolved lexically. */
  public static String clean(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String p : path.split("/")) {
      if (p.isEmpty() || p.equals(".")) {
        continue;
      }
      if (p.equals("..")) {
        parts.pollLast();
      } else {
        parts.addLast(p);
      }
    }
    return String.join("/", parts);
  }

  /**
   * The host path of {@code path} (absolute or relative to the root) inside {@code root}.
   *
   * @param followLast whether a symlink in the last component is followed too
   */
  public static Path resolve(Path root, String path, boolean followLast) throws IOException {
    Deque<String> todo = new ArrayDeque<>();
    for (String p : path.split("/")) {
      if (!p.isEmpty() && !p.equals(".")) {
        todo.addLast(p);
      }
    }
    Deque<String> done = new ArrayDeque<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String part = todo.pollFirst();
      if (part.equals("..")) {
        done.pollLast();
        continue;
      }
      done.addLast(part);
      if (todo.isEmpty() && !followLast) {
        break;
      }
      Path current = join(root, done);
      if (Files.isSymbolicLink(current)) {
        if (++links > MAX_LINKS) {
          throw new IOException("too many levels of symbolic links resolving " + path);
        }
        String target = Files.readSymbolicLink(current).toString();
        done.pollLast();
        if (target.startsWith("/")) {
          done.clear();
        }
        String[] targetParts = target.split("/");
        for (int i = targetParts.length - 1; i >= 0; i--) {
          if (!targetParts[i].isEmpty() && !targetParts[i].equals(".")) {
            todo.addFirst(targetParts[i]);
          }
        }
      }
    }
    return join(root, done);
  }

  private static Path join(Path root, Deque<String> parts) {
    Path p = root;
    for (String s : parts) {
      p = p.resolve(s);
    }
    return p;
  }

  /** True when the path exists inside the root (a dangling last symlink counts as existing). */
  static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }
}
