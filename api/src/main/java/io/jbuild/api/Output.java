package io.jbuild.api;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code --output} of a build, as buildx writes it: {@code type=oci,dest=out.tar},
 * {@code type=docker,dest=F}, {@code type=local,dest=DIR}, {@code type=tar,dest=F},
 * {@code type=image} (the local store, the default) or {@code type=registry}; a bare path means
 * {@code type=local,dest=PATH} like buildx.
 */
public record Output(String type, String dest, Map<String, String> attributes) {
  public static final Output IMAGE = new Output("image", null, Map.of());

  public Output {
    attributes = Map.copyOf(attributes);
  }

  /** Parses a flag value; errors say what is wrong with which part. */
  public static Output parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("invalid --output \"\": expected type=TYPE[,dest=PATH]");
    }
    if (!text.contains("=")) {
      return new Output("local", text, Map.of());
    }
    Map<String, String> attrs = new LinkedHashMap<>();
    for (String field : text.split(",")) {
      int eq = field.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("invalid --output \"" + text + "\": field \"" + field
            + "\" is not KEY=VALUE");
      }
      attrs.put(field.substring(0, eq).trim().toLowerCase(Locale.ROOT), field.substring(eq + 1).trim());
    }
    String type = attrs.remove("type");
    if (type == null) {
      throw new IllegalArgumentException("invalid --output \"" + text + "\": no type= (oci, docker, local, tar, image, registry)");
    }
    String dest = attrs.remove("dest");
    switch (type) {
      case "oci", "docker", "local", "tar" -> {
        if (dest == null || dest.isEmpty()) {
          throw new IllegalArgumentException("invalid --output \"" + text + "\": type=" + type + " needs dest=PATH");
        }
      }
      case "image", "registry" -> { }
      default -> throw new IllegalArgumentException("invalid --output \"" + text + "\": unknown type \"" + type
          + "\" (oci, docker, local, tar, image, registry)");
    }
    return new Output(type, dest, attrs);
  }
}
