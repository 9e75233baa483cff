package io.jbuild.frontend.dockerfile;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * An ADD source that is not a local path, classified like BuildKit's dockerfile2llb: a git
 * repository (gitutil.ParseGitRef: {@code git://}, {@code ssh://}, {@code git@host:path}, or an
 * http(s) URL whose path ends in {@code .git}; {@code #ref:subdir} selects the ref and the
 * directory), else an http(s) download.
 *
 * @param filename for a download: the last element of the URL path, or {@code __unnamed__} when
 *     the path has none (BuildKit's dispatchCopy)
 */
record RemoteSource(boolean git, String remote, String ref, String subdir, String filename) {

  /** The remote source {@code s} names, or null for a local path. */
  static RemoteSource parse(String s) {
    String lower = s.toLowerCase(java.util.Locale.ROOT);
    boolean http = lower.startsWith("http://") || lower.startsWith("https://");
    String withoutFragment = s;
    String fragment = "";
    int hash = s.indexOf('#');
    if (hash >= 0) {
      withoutFragment = s.substring(0, hash);
      fragment = s.substring(hash + 1);
    }
    boolean git = lower.startsWith("git://") || lower.startsWith("ssh://")
        || s.matches("[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:.+");
    if (http) {
      String path = pathOf(withoutFragment);
      git = path != null && path.endsWith(".git");
    }
    if (git) {
      String ref = fragment;
      String subdir = "";
      int colon = fragment.indexOf(':');
      if (colon >= 0) {
        ref = fragment.substring(0, colon);
        subdir = fragment.substring(colon + 1);
      }
      return new RemoteSource(true, withoutFragment, ref, subdir, null);
    }
    if (!http) {
      return null;
    }
    String path = pathOf(s);
    String name = "__unnamed__";
    if (path != null) {
      String trimmed = path.replaceAll("/+$", "");
      String base = trimmed.substring(trimmed.lastIndexOf('/') + 1);
      if (!base.isEmpty() && !base.equals(".")) {
        name = base;
      }
    }
    return new RemoteSource(false, s, null, null, name);
  }

  private static String pathOf(String url) {
    try {
      return new URI(url).getPath();
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
