package io.jbuild.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import org.junit.jupiter.api.Assumptions;

/**
 * Integration tests need root and real tools. Where one is missing they are skipped on a
 * developer's machine, but they FAIL under CI (CI=true): a green CI must mean they ran.
 */
final class Prerequisites {
  private Prerequisites() {}

  static void require(boolean present, String what) {
    if (present) {
      return;
    }
    String message = "prerequisite missing: " + what + " (scripts/install-deps installs the tools; run as root)";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.assumeTrue(false, message);
  }

  static void requireRoot() {
    require("root".equals(System.getProperty("user.name")), "root (RUN steps need namespaces and mounts)");
  }

  static void requireTool(String name) {
    require(onPath(name), name + " on PATH");
  }

  static boolean onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      if (new File(dir, name).canExecute()) {
        return true;
      }
    }
    return false;
  }
}
