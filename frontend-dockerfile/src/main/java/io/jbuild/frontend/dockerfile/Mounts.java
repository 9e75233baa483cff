package io.jbuild.frontend.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** RUN --mount options, parsed and checked with BuildKit's wording (instructions/commands_runmount.go). */
final class Mounts {
  private Mounts() {}

  private static final List<String> TYPES = List.of("bind", "cache", "tmpfs", "secret", "ssh");
  private static final Set<String> KEYS = Set.of("type", "target", "dst", "destination",
      "source", "src", "from", "readonly", "ro", "rw", "readwrite", "id", "sharing", "mode",
      "uid", "gid", "size", "required", "env");

  /** A parsed --mount, before its source is resolved to a vertex. */
  static final class Spec {
    String type = "bind";
    String target;
    String source;
    String from;
    Boolean readOnly;
    String id;
    String sharing = "shared";
    Integer mode;
    Integer uid;
    Integer gid;
    long size;
    boolean required;
    String env;
  }

  /** Null when the mount spec is well formed, else the problem. */
  static String validate(String spec) {
    try {
      parse(spec);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Parses an expanded --mount value; IllegalArgumentException carries BuildKit's message. */
  static Spec parse(String spec) {
    Spec m = new Spec();
    List<String[]> fields = new ArrayList<>();
    for (String field : spec.split(",")) {
      int eq = field.indexOf('=');
      String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String value = eq < 0 ? null : field.substring(eq + 1);
      if (!KEYS.contains(key)) {
        String hint = Suggest.didYouMean(key, KEYS, true);
        throw new IllegalArgumentException("unexpected key '" + key + "' in '" + field + "'"
            + (hint == null ? "" : " (" + hint + ")"));
      }
      if (key.equals("type")) {
        if (!TYPES.contains(value)) {
          String hint = value == null ? null : Suggest.didYouMean(value, TYPES, true);
          for (String t : TYPES) {
            if (hint == null && value != null && !value.isEmpty() && t.startsWith(value)) {
              hint = "did you mean " + t + "?";
            }
          }
          throw new IllegalArgumentException("unsupported mount type \"" + value + "\""
              + (hint == null ? "" : " (" + hint + ")"));
        }
        m.type = value;
      }
      fields.add(new String[] {key, value, field});
    }
    for (String[] f : fields) {
      String key = f[0];
      String value = f[1];
      switch (key) {
        case "type" -> { }
        case "target", "dst", "destination" -> m.target = value;
        case "source", "src" -> m.source = value;
        case "from" -> m.from = value;
        case "readonly", "ro" -> m.readOnly = bool(key, value);
        case "rw", "readwrite" -> m.readOnly = !bool(key, value);
        case "id" -> m.id = value;
        case "sharing" -> {
          if (!List.of("shared", "private", "locked").contains(value)) {
            throw new IllegalArgumentException("unsupported sharing value \"" + value + "\"");
          }
          m.sharing = value;
        }
        case "mode" -> m.mode = number(key, value, 8);
        case "uid" -> m.uid = number(key, value, 10);
        case "gid" -> m.gid = number(key, value, 10);
        case "size" -> m.size = size(value);
        case "required" -> m.required = bool(key, value);
        case "env" -> m.env = value;
        default -> throw new IllegalStateException(key);
      }
    }
    if (m.target == null && !(m.type.equals("secret") || m.type.equals("ssh"))) {
      throw new IllegalArgumentException("mount destination not set");
    }
    if (m.target != null && m.target.isEmpty()) {
      throw new IllegalArgumentException("mount destination not set");
    }
    if (m.type.equals("secret") && m.id == null && m.target == null && m.env == null) {
      throw new IllegalArgumentException("invalid secret mount: no id, target or env");
    }
    if (m.type.equals("tmpfs") && m.source != null) {
      throw new IllegalArgumentException("tmpfs mount does not support source");
    }
    if (m.from != null && m.type.equals("tmpfs")) {
      throw new IllegalArgumentException("'from' is not supported for tmpfs");
    }
    return m;
  }

  private static boolean bool(String key, String value) {
    if (value == null || value.isEmpty()) {
      return true;
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "1", "t", "true" -> true;
      case "0", "f", "false" -> false;
      default -> throw new IllegalArgumentException("invalid value for " + key + ": " + value);
    };
  }

  private static int number(String key, String value, int radix) {
    try {
      return Integer.parseInt(value, radix);
    } catch (NumberFormatException | NullPointerException e) {
      throw new IllegalArgumentException("invalid value for " + key + ": " + value);
    }
  }

  /** go-units RAMInBytes: 128m, 1g, 512k, plain bytes (binary multiples). */
  static long size(String value) {
    if (value == null) {
      throw new IllegalArgumentException("invalid value for size: " + value);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)^(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b)?$").matcher(value.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size: '" + value + "'");
    }
    double n = Double.parseDouble(m.group(1));
    int shift = "bkmgtp".indexOf(m.group(2).isEmpty() ? "b" : m.group(2).toLowerCase(Locale.ROOT));
    return (long) (n * Math.pow(1024, shift));
  }
}
