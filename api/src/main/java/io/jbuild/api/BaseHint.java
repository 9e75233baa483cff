package io.jbuild.api;

import io.jbuild.oci.ImageReference;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The base image of a Dockerfile's first stage as a first look at the text sees it, before the
 * frontend has parsed and converted it: what {@link BaseImageResolver#resolveEarly} starts
 * resolving while the conversion runs. It is a guess and only ever a speed-up: the frontend's
 * own resolution decides, and a guess it does not ask for is never recorded. So it answers only
 * the plain cases and null for anything it might read differently from the frontend: parser
 * directives other than syntax, line continuations, quotes, instructions other than ARG before
 * the first FROM, FROM flags, variables other than {@code $NAME} and {@code ${NAME}} of ARGs
 * declared with a value or given with --build-arg.
 */
final class BaseHint {
  private BaseHint() {}

  /** The first stage's base as a normalized reference, or null. */
  static String firstBase(byte[] dockerfile, Map<String, String> buildArgs) {
    String text = new String(dockerfile, StandardCharsets.UTF_8);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    Map<String, String> args = new HashMap<>();
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      String line = text.substring(start, end).strip();
      start = end + 1;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String c = line.substring(1).strip().toLowerCase(Locale.ROOT);
        if (c.contains("=") && !c.startsWith("syntax")) {
          return null; // perhaps a directive (escape=` changes what the lines mean)
        }
        continue;
      }
      if (line.endsWith("\\") || line.endsWith("`") || line.indexOf('"') >= 0 || line.indexOf('\'') >= 0) {
        return null;
      }
      String[] words = line.split("[ \t]+");
      String keyword = words[0].toUpperCase(Locale.ROOT);
      if (keyword.equals("ARG")) {
        for (int i = 1; i < words.length; i++) {
          int eq = words[i].indexOf('=');
          String name = eq < 0 ? words[i] : words[i].substring(0, eq);
          String value = eq < 0 ? null : words[i].substring(eq + 1);
          if (value != null && value.indexOf('$') >= 0) {
            return null;
          }
          if (buildArgs.containsKey(name)) {
            value = buildArgs.get(name);
          }
          if (value == null) {
            args.remove(name);
          } else {
            args.put(name, value);
          }
        }
        continue;
      }
      if (!keyword.equals("FROM") || words.length < 2 || words[1].startsWith("-")) {
        return null;
      }
      String base = substitute(words[1], args);
      if (base == null || base.isEmpty() || base.equalsIgnoreCase("scratch")) {
        return null;
      }
      try {
        return ImageReference.parse(base).toString();
      } catch (RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  /** {@code $NAME} and {@code ${NAME}} replaced by their values; null for anything else. */
  private static String substitute(String word, Map<String, String> args) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < word.length()) {
      char c = word.charAt(i);
      if (c == '\\') {
        return null;
      }
      if (c != '$') {
        out.append(c);
        i++;
        continue;
      }
      int nameStart;
      int nameEnd;
      int next;
      if (i + 1 < word.length() && word.charAt(i + 1) == '{') {
        nameStart = i + 2;
        nameEnd = word.indexOf('}', nameStart);
        if (nameEnd < 0) {
          return null;
        }
        next = nameEnd + 1;
      } else {
        nameStart = i + 1;
        nameEnd = nameStart;
        while (nameEnd < word.length() && isName("_" + word.charAt(nameEnd))) {
          nameEnd++;
        }
        next = nameEnd;
      }
      String name = word.substring(nameStart, nameEnd);
      if (!isName(name) || !args.containsKey(name)) {
        return null;
      }
      out.append(args.get(name));
      i = next;
    }
    return out.toString();
  }

  private static boolean isName(String s) {
    if (s.isEmpty() || Character.isDigit(s.charAt(0))) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        return false;
      }
    }
    return true;
  }
}
