package io.jbuild.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code --cache-to} / {@code --cache-from} value, parsed like buildx's CSV attributes:
 * {@code type=registry,ref=R[,mode=min|max]} or {@code type=local,dest=DIR[,mode=...]} /
 * {@code type=local,src=DIR}. A bare value is {@code type=registry,ref=VALUE} (buildx does the same).
 *
 * @param type registry or local
 * @param location the ref (registry) or directory (local)
 * @param max mode=max: export the steps of every stage built, not only the final image's
 */
record CacheSpec(String type, String location, boolean max) {
  static CacheSpec parse(String value, boolean export) throws BuildException {
    String flag = export ? "--cache-to" : "--cache-from";
    Map<String, String> a = new LinkedHashMap<>();
    if (!value.contains("=")) {
      a.put("type", "registry");
      a.put("ref", value);
    } else {
      for (String part : value.split(",")) {
        int eq = part.indexOf('=');
        if (eq <= 0) {
          throw invalid(flag, value, "\"" + part + "\" is not KEY=VALUE");
        }
        a.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
      }
    }
    String type = a.getOrDefault("type", "");
    String mode = a.getOrDefault("mode", "min");
    if (!mode.equals("min") && !mode.equals("max")) {
      throw invalid(flag, value, "mode must be min or max");
    }
    String location;
    switch (type) {
      case "registry" -> location = a.get("ref");
      case "local" -> location = a.get(export ? "dest" : "src");
      default -> throw invalid(flag, value, "type must be registry or local");
    }
    if (location == null || location.isEmpty()) {
      throw invalid(flag, value, type.equals("registry") ? "ref=REFERENCE is missing" : (export ? "dest=DIR" : "src=DIR") + " is missing");
    }
    return new CacheSpec(type, location, mode.equals("max"));
  }

  private static BuildException invalid(String flag, String value, String why) {
    return new BuildException(BuildException.Kind.INVALID_INPUT, "invalid " + flag + " \"" + value + "\": " + why
        + " (expected type=registry,ref=REF[,mode=min|max] or type=local," + (flag.equals("--cache-to") ? "dest" : "src")
        + "=DIR)", null);
  }

  /** "registry R" / "local DIR", as error messages name a cache. */
  String describe() {
    return type + " " + location;
  }
}
