package io.jbuild.registry.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need real tools (docker-registry, skopeo, umoci, podman, openssl, htpasswd) call
 * {@link #require}: on CI ({@code CI=true}) a missing tool fails the test, elsewhere it skips it
 * with a message saying what to install.
 */
public final class Prerequisites {
  private Prerequisites() {}

  /** The absolute path of {@code program} on the PATH; fails on CI, skips elsewhere, when missing. */
  public static Path require(String program) {
    Path p = find(program);
    if (p == null) {
      String msg = program + " is not installed (Debian: apt-get install "
          + switch (program) {
            case "docker-registry" -> "docker-registry";
            case "htpasswd" -> "apache2-utils";
            default -> program;
          } + ")";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail(msg);
      }
      Assumptions.abort(msg);
    }
    return p;
  }

  public static Path find(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(File.pathSeparator)) {
      Path p = Path.of(dir, program);
      if (!dir.isEmpty() && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }
}
