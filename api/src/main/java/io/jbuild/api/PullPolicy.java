package io.jbuild.api;

import java.util.Locale;

/** {@code --pull}: when to ask the registry for a base image. */
public enum PullPolicy {
  /** Always resolve the reference at the registry (a newer image under the tag is used). */
  ALWAYS,
  /** Use the local store when it has the image, the registry otherwise (docker's default). */
  MISSING,
  /** Never contact a registry. */
  NEVER;

  public static PullPolicy parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "always", "true" -> ALWAYS;
      case "missing", "false" -> MISSING;
      case "never" -> NEVER;
      default -> throw new IllegalArgumentException("invalid --pull \"" + text + "\": expected always, missing or never");
    };
  }
}
