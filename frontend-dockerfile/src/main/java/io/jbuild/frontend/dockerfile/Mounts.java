package io.jbuild.frontend.dockerfile;

import java.util.Locale;
import java.util.Set;

/** RUN --mount option checks, with BuildKit's wording (instructions/commands_runmount.go). */
final class Mounts {
  private Mounts() {}

  private static final Set<String> TYPES = Set.of("bind", "cache", "tmpfs", "secret", "ssh");
  private static final Set<String> KEYS = Set.of("type", "target", "dst", "destination",
      "source", "src", "from", "readonly", "ro", "rw", "readwrite", "id", "sharing", "mode",
      "uid", "gid", "size", "required", "env");

  /** Null when the mount spec is well formed, else the problem. */
  static String validate(String spec) {
    String type = "bind";
    for (String field : spec.split(",")) {
      int eq = field.indexOf('=');
      String key = (eq < 0 ? field : field.substring(0, eq)).toLowerCase(Locale.ROOT);
      String value = eq < 0 ? "" : field.substring(eq + 1);
      if (!KEYS.contains(key)) {
        return "unexpected key '" + key + "' in '" + field + "'";
      }
      if (key.equals("type")) {
        type = value;
        if (!TYPES.contains(type)) {
          return "unsupported mount type \"" + type + "\"";
        }
      }
    }
    return null;
  }
}
