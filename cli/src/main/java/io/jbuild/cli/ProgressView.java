package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.BuildListener;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;
import java.util.Locale;

/**
 * How a build's progress is shown (--progress): the build's events as they come, then its end.
 * Events may arrive from several threads at once.
 */
interface ProgressView extends BuildListener {
  /** The build succeeded: a summary for people (tty, plain), an event (json), the id (quiet). */
  void succeeded(BuildResult result);

  /**
   * The build failed: what the view shows of a failure. The views for people leave the error's
   * message to the caller ({@link BuildCommand} prints it last, as BuildKit does).
   */
  void failed(BuildException error, int exitCode);

  /** True when the caller should print the error's message itself. */
  default boolean wantsErrorMessage() {
    return true;
  }

  /** Chooses the view of a --progress mode; "auto" is "tty" on a terminal, "plain" otherwise. */
  static ProgressView of(String mode, PrintStream err, PrintStream out, Terminal terminal) {
    switch (mode) {
      case "tty":
        return new TtyProgress(err, terminal);
      case "json":
        return new JsonProgress(err);
      case "quiet":
        return new QuietProgress(out);
      case "plain":
        return new PlainProgress(err);
      default:
        throw new IllegalArgumentException("unknown progress mode " + mode);
    }
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
  }

  /** Bytes as docker shows them: 1.5 MiB. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    double v = bytes;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
