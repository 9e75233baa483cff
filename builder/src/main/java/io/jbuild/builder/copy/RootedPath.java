package io.jbuild.builder.copy;

import io.jbuild.builder.sys.RootPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Paths inside a root directory for COPY: {@link RootPath}'s chroot-like resolution (every
 * symlink followed relative to the root, '..' stopping at it, like Go's securejoin), with the
 * choice to leave a symlink in the last component unfollowed, and Go-like lexical cleaning.
 */
public final class RootedPath {

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
    if (followLast) {
      return RootPath.resolve(root, path);
    }
    // the parent as the kernel would resolve it inside the root, then the last name as it is
    String trimmed = path.replaceAll("/+$", "");
    int slash = trimmed.lastIndexOf('/');
    String last = trimmed.substring(slash + 1);
    if (last.isEmpty() || last.equals(".") || last.equals("..")) {
      return RootPath.resolve(root, path);
    }
    return RootPath.resolve(root, slash < 0 ? "" : trimmed.substring(0, slash)).resolve(last);
  }

  /** True when the path exists inside the root (a dangling last symlink counts as existing). */
  static boolean exists(Path p) {
    return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
  }
}
