package io.jbuild.cli;

import io.jbuild.api.BuildException;

/** Prints a failed command's error and maps it to the exit codes of the README. */
final class Errors {
  private Errors() {}

  static int report(BuildException e) {
    System.err.println("error: " + e.getMessage());
    return switch (e.kind()) {
      case INVALID_INPUT -> Main.USAGE;
      case CANCELLED -> Main.CANCELLED;
      default -> Main.BUILD_FAILED;
    };
  }
}
