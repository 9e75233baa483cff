package io.jbuild.builder.copy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Source wildcards of COPY/ADD with Go's filepath.Match semantics per path segment ('*', '?',
 * '[...]' classes with '^' or '!' negation, '\' escapes), which is what BuildKit uses.
 */
final class Wildcards {
  private Wildcards() {}

  static boolean hasWildcard(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '*' || c == '?' || c == '[') {
        return true;
      }
      if (c == '\\') {
        i++;
      }
    }
    return false;
  }

  /** Go filepath.Match as a regex for one segment. */
  static Pattern segmentPattern(String glob) {
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (i + 1 < glob.length()) {
            re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
          }
        }
        case '[' -> {
          int end = glob.indexOf(']', i + 2);
          if (end < 0) {
            throw new IllegalArgumentException("syntax error in pattern " + glob);
          }
          String cls = glob.substring(i + 1, end);
          if (cls.startsWith("^") || cls.startsWith("!")) {
            cls = "^" + cls.substring(1);
          }
          re.append('[').append(cls.replace("\\", "\\\\").replace("[", "\\[")).append(']');
          i = end;
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  /** Relative paths under root matching the clean relative pattern, sorted. */
  static List<String> expand(Path root, String pattern) throws IOException {
    List<String> current = new ArrayList<>();
    current.add("");
    for (String seg : pattern.split("/")) {
      List<String> next = new ArrayList<>();
      boolean wild = hasWildcard(seg);
      Pattern p = wild ? segmentPattern(seg) : null;
      for (String base : current) {
        Path dir = base.isEmpty() ? root : RootedPath.resolve(root, base, true);
        if (seg.equals("**")) {
          // any number of directories, zero included (BuildKit's doublestar matching)
          if (!next.contains(base)) {
            next.add(base);
          }
          descendants(root, base, next);
          continue;
        }
        if (!wild) {
          String literal = seg.replaceAll("\\\\(.)", "$1");
          String rel = base.isEmpty() ? literal : base + "/" + literal;
          if (RootedPath.exists(RootedPath.resolve(root, rel, false))) {
            next.add(rel);
          }
          continue;
        }
        if (!Files.isDirectory(dir)) {
          continue;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
          for (Path child : ds) {
            names.add(child.getFileName().toString());
          }
        }
        names.sort(null);
        for (String name : names) {
          if (p.matcher(name).matches()) {
            next.add(base.isEmpty() ? name : base + "/" + name);
          }
        }
      }
      current = next;
    }
    return current;
  }

  private static void descendants(Path root, String base, List<String> out) throws IOException {
    Path dir = base.isEmpty() ? root : RootedPath.resolve(root, base, true);
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path child : ds) {
        names.add(child.getFileName().toString());
      }
    }
    names.sort(null);
    for (String name : names) {
      String rel = base.isEmpty() ? name : base + "/" + name;
      if (!out.contains(rel)) {
        out.add(rel);
      }
      descendants(root, rel, out);
    }
  }
}
