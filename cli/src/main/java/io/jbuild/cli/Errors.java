package io.jbuild.cli;

import io.jbuild.api.BuildException;

/** Prints a failed command's error and maps it to the exit codes of the README. */
final class Errors {
  private Errors() {}

  static int report(BuildException e) {
    System.err.println("ERROR: " + e.getMessage());
    return exitCode(e);
  }

  /** 2 for the user's input, 130 for a cancellation, 1 for everything else (README, "Exit codes"). */
  static int exitCode(BuildException e) {
    return switch (e.kind()) {
      case INVALID_INPUT -> Main.USAGE;
      case CANCELLED -> Main.CANCELLED;
      default -> Main.BUILD_FAILED;
    };
  }

  /**
   * A build's error as BuildKit prints it: the location block as it is, and "ERROR: " before the
   * line that says what failed ("ERROR: failed to solve: process ... exit code: 3").
   */
  static String formatBuildError(String message) {
    String[] lines = message.split("\n", -1);
    int at = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("failed to solve:")) {
        at = i;
        break;
      }
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        b.append(System.lineSeparator());
      }
      b.append(i == at ? "ERROR: " : "").append(lines[i]);
    }
    return b.toString();
  }
}
