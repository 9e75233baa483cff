package io.jbuild.frontend.dockerfile;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/** Path and mode helpers with Go's semantics (path.Clean) and BuildKit's --chmod rules. */
final class Paths {
  private Paths() {}

  private static final Pattern SYMBOLIC =
      Pattern.compile("[ugoa]*[-+=]([rwxXst]*|[ugo])(,[ugoa]*[-+=]([rwxXst]*|[ugo]))*");

  /** Go's path.Clean for slash-separated paths. */
  static String clean(String p) {
    if (p.isEmpty()) {
      return ".";
    }
    boolean rooted = p.startsWith("/");
    Deque<String> parts = new ArrayDeque<>();
    for (String seg : p.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (!parts.isEmpty() && !parts.peekLast().equals("..")) {
          parts.removeLast();
        } else if (!rooted) {
          parts.addLast("..");
        }
        continue;
      }
      parts.addLast(seg);
    }
    String joined = String.join("/", parts);
    if (rooted) {
      return "/" + joined;
    }
    return joined.isEmpty() ? "." : joined;
  }

  /** --chmod: an octal mode up to 07777, or a chmod(1) symbolic mode (u+x,g-w). */
  static boolean validChmod(String mode) {
    if (mode.matches("[0-7]+")) {
      try {
        return Long.parseLong(mode, 8) <= 07777;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return SYMBOLIC.matcher(mode).matches();
  }
}
