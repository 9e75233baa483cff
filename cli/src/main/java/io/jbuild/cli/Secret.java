package io.jbuild.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A --secret value as buildx reads it: {@code id=ID[,type=file|env][,src=FILE|,env=VAR]}
 * ({@code source} is {@code src}'s long name). {@code id=ID} alone takes the environment
 * variable ID, else the file ID, like buildx.
 */
record Secret(String id, Path file, String env) {
  static Secret parse(String text, Map<String, String> environment) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String field : text.split(",", -1)) {
      int eq = field.indexOf('=');
      if (eq <= 0) {
        throw bad(text, "field \"" + field + "\" is not KEY=VALUE");
      }
      String key = field.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      if (key.equals("source")) {
        key = "src";
      }
      if (!key.equals("id") && !key.equals("type") && !key.equals("src") && !key.equals("env")) {
        throw bad(text, "unknown key \"" + key + "\" (id, type, src, env)");
      }
      f.put(key, field.substring(eq + 1));
    }
    String id = f.get("id");
    if (id == null || id.isEmpty()) {
      throw bad(text, "no id=");
    }
    String type = f.get("type");
    if (type != null && !type.equals("file") && !type.equals("env")) {
      throw bad(text, "type must be file or env, not \"" + type + "\"");
    }
    if (f.containsKey("src") && f.containsKey("env")) {
      throw bad(text, "give src= or env=, not both");
    }
    if (f.containsKey("env") || "env".equals(type)) {
      String var = f.getOrDefault("env", f.getOrDefault("src", id));
      if (!environment.containsKey(var)) {
        throw bad(text, "the environment variable " + var + " is not set");
      }
      return new Secret(id, null, var);
    }
    String src = f.get("src");
    if (src == null && type == null && environment.containsKey(id)) {
      return new Secret(id, null, id);
    }
    Path file = Path.of(src == null ? id : src);
    if (!Files.isRegularFile(file)) {
      throw bad(text, "the file " + file.toAbsolutePath() + " does not exist");
    }
    return new Secret(id, file, null);
  }

  private static IllegalArgumentException bad(String text, String why) {
    return new IllegalArgumentException("invalid --secret \"" + text + "\": " + why
        + " (expected id=ID,src=FILE or id=ID,env=VAR)");
  }
}
