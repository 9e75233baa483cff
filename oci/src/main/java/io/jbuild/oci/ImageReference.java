package io.jbuild.oci;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An image reference with Docker's normalisation (distribution/reference): {@code busybox} is
 * {@code docker.io/library/busybox:latest}; the first path component is a registry host when it
 * has a '.' or ':' or is {@code localhost}.
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
  public static final String DOCKER_HUB = "docker.io";
  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern HOST =
      Pattern.compile("(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?|\\[[0-9a-fA-F:]+\\](?::[0-9]+)?");

  /** Parses a reference; throws {@link InvalidReferenceException} saying what is wrong. */
  public static ImageReference parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidReferenceException(text, "the reference is empty");
    }
    if (text.length() > 4096) {
      throw new InvalidReferenceException(text.substring(0, 64) + "...", "the reference is too long");
    }
    String rest = text;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw new InvalidReferenceException(text, e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new InvalidReferenceException(text, "invalid tag \"" + tag + "\"");
      }
    }
    String registry = DOCKER_HUB;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost") || !first.equals(first.toLowerCase(Locale.ROOT))) {
        if (!HOST.matcher(first).matches()) {
          throw new InvalidReferenceException(text, "invalid registry host \"" + first + "\"");
        }
        registry = first;
        path = rest.substring(slash + 1);
      }
    }
    if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
      registry = DOCKER_HUB;
    }
    if (path.isEmpty()) {
      throw new InvalidReferenceException(text, "the repository name is empty");
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        String why = component.equals(component.toLowerCase(Locale.ROOT))
            ? "invalid repository name component \"" + component + "\""
            : "repository name must be lowercase";
        throw new InvalidReferenceException(text, why);
      }
    }
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, path, tag, digest);
  }

  /** The same repository at another tag (the digest dropped). */
  public ImageReference withTag(String newTag) {
    return new ImageReference(registry, repository, newTag, null);
  }

  /** The same repository pinned to a digest (the tag kept for display). */
  public ImageReference withDigest(Digest d) {
    return new ImageReference(registry, repository, tag, d);
  }

  /** {@code registry/repository} without tag or digest. */
  public String name() {
    return registry + "/" + repository;
  }

  /** tag, else the digest: what a registry's manifest endpoint takes. */
  public String tagOrDigest() {
    return digest != null ? digest.toString() : tag;
  }

  /** The fully qualified form, e.g. docker.io/library/busybox:latest. */
  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  /** The short form Docker shows: docker.io/library/ dropped. */
  public String familiar() {
    String n = registry.equals(DOCKER_HUB)
        ? (repository.startsWith("library/") ? repository.substring(8) : repository)
        : name();
    return n + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  // written out, not generated: see Digest#equals
  @Override
  public boolean equals(Object o) {
    return o instanceof ImageReference r && java.util.Objects.equals(registry, r.registry)
        && java.util.Objects.equals(repository, r.repository)
        && java.util.Objects.equals(tag, r.tag) && java.util.Objects.equals(digest, r.digest);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(registry, repository, tag, digest);
  }
}
