package io.jbuild.cache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * .dockerignore with the semantics of moby's patternmatcher: one pattern a line, '#' comments,
 * '!' re-includes, paths cleaned and a leading '/' dropped, '**' for any number of directories,
 * '*' and '?' within one path component; the last pattern that matches a path or one of its
 * parent directories decides.
 */
public final class DockerIgnore {
  private DockerIgnore() {}

  /**
   * The patterns of the ignore file for a Dockerfile: {@code <Dockerfile>.dockerignore} beside
   * it first (BuildKit), else {@code <context>/.dockerignore}; empty when neither exists.
   */
  public static List<String> read(Path context, Path dockerfile) throws IOException {
    Path specific = dockerfile == null ? null : dockerfile.resolveSibling(dockerfile.getFileName() + ".dockerignore");
    Path file = specific != null && Files.isRegularFile(specific) ? specific : context.resolve(".dockerignore");
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Parses an ignore file's text into patterns ('!' kept as a prefix). */
  public static List<String> parse(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\r?\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      String p = line.trim();
      if (p.isEmpty()) {
        continue;
      }
      boolean invert = p.startsWith("!");
      if (invert) {
        p = p.substring(1).trim();
      }
      if (!p.isEmpty()) {
        p = clean(p);
        if (p.length() > 1 && p.startsWith("/")) {
          p = p.substring(1);
        }
      }
      out.add(invert ? "!" + p : p);
    }
    return out;
  }

  /** A predicate on clean relative slash paths: true when the path is excluded. */
  public static Predicate<String> matcher(List<String> patterns) {
    if (patterns.isEmpty()) {
      return p -> false;
    }
    List<Pattern> regexes = new ArrayList<>();
    List<Boolean> inverts = new ArrayList<>();
    for (String raw : patterns) {
      boolean invert = raw.startsWith("!");
      String p = invert ? raw.substring(1) : raw;
      regexes.add(Pattern.compile(toRegex(p)));
      inverts.add(invert);
    }
    return path -> {
      boolean matched = false;
      String[] parts = path.split("/");
      for (int i = 0; i < regexes.size(); i++) {
        Pattern re = regexes.get(i);
        boolean hit = re.matcher(path).matches();
        if (!hit) {
          StringBuilder parent = new StringBuilder();
          for (int j = 0; j < parts.length - 1 && !hit; j++) {
            if (j > 0) {
              parent.append('/');
            }
            parent.append(parts[j]);
            hit = re.matcher(parent).matches();
          }
        }
        if (hit) {
          matched = !inverts.get(i);
        }
      }
      return matched;
    };
  }

  /** Go's filepath.Clean for slash paths. */
  static String clean(String p) {
    boolean abs = p.startsWith("/");
    List<String> out = new ArrayList<>();
    for (String part : p.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
          out.remove(out.size() - 1);
        } else if (!abs) {
          out.add("..");
        }
        continue;
      }
      out.add(part);
    }
    String s = String.join("/", out);
    if (abs) {
      return "/" + s;
    }
    return s.isEmpty() ? "." : s;
  }

  /** patternmatcher's translation of a pattern to a regular expression. */
  static String toRegex(String pattern) {
    StringBuilder re = new StringBuilder("^");
    int n = pattern.length();
    for (int i = 0; i < n; i++) {
      char c = pattern.charAt(i);
      switch (c) {
        case '*' -> {
          if (i + 1 < n && pattern.charAt(i + 1) == '*') {
            i++;
            if (i + 1 < n && pattern.charAt(i + 1) == '/') {
              i++;
            }
            if (i + 1 >= n) {
              re.append(".*");
            } else {
              re.append("(.*/)?");
            }
          } else {
            re.append("[^/]*");
          }
        }
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (i + 1 < n) {
            re.append(Pattern.quote(String.valueOf(pattern.charAt(++i))));
          } else {
            re.append("\\\\");
          }
        }
        case '[' -> {
          int end = pattern.indexOf(']', i + 1);
          if (end < 0) {
            re.append("\\[");
          } else {
            String cls = pattern.substring(i + 1, end);
            if (cls.startsWith("!")) {
              cls = "^" + cls.substring(1);
            }
            re.append('[').append(cls).append(']');
            i = end;
          }
        }
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return re.append('$').toString();
  }
}
