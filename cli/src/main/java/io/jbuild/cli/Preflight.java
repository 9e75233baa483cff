package io.jbuild.cli;

import io.jbuild.api.BuildException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks a build makes before it starts, where a late failure would be obscure. */
final class Preflight {
  private Preflight() {}

  /** The effective uid from /proc/self/status (Java has no geteuid), or -1 when unknown. */
  static int uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Integer.parseInt(line.split("\\s+")[2]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no procfs: let the build find out
    }
    return -1;
  }

  /**
   * RUN and COPY steps mount overlay filesystems and create namespaces: that needs root (uid 0,
   * which includes root of a user namespace, e.g. under `unshare -r` or in a rootless container).
   */
  static void requireRoot(int uid) throws BuildException {
    if (uid <= 0) {
      return;
    }
    throw new BuildException(BuildException.Kind.ENVIRONMENT, "jbuild build must run as root (it runs as uid " + uid
        + "): RUN and COPY steps use overlay mounts and namespaces.\n"
        + "  Run it as root: sudo jbuild build ...\n"
        + "  Rootless options: jbuild does not build rootless yet. Inside a user namespace you are root: "
        + "`unshare --user --map-root-user --mount jbuild build --runtime unshare ...` works where the kernel "
        + "allows unprivileged overlay mounts (Linux >= 5.11); rootless podman/buildah build images without root today.",
        null);
  }
}
