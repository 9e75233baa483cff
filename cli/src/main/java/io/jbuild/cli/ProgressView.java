package io.jbuild.cli;

import io.jbuild.api.BuildException;
import io.jbuild.api.BuildListener;
import io.jbuild.api.BuildResult;
import java.io.PrintStream;

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
    return fixed(nanos, 1_000_000_000L, 1);
  }

  /** Bytes as docker shows them: 1.5 MiB. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    long unit = 1024;
    while (u < units.length - 1 && bytes / unit >= 1024) {
      unit *= 1024;
      u++;
    }
    return fixed(bytes, unit, 1) + " " + units[u];
  }

  /**
   * {@code n / d} with {@code places} (1 to 3) decimals, halves rounded up, as {@code %.Nf} prints
   * it: in integers, because String.format's first use costs a cold JVM ~10 ms (Formatter, locale
   * data).
   */
  static String fixed(long n, long d, int places) {
    long scale = places == 1 ? 10 : places == 2 ? 100 : 1000;
    long a = Math.abs(n);
    long t = a / d * scale + (a % d * 2 * scale + d) / (2 * d); // d is at most 1024^4: no overflow
    String frac = Long.toString(scale + t % scale).substring(1);
    return (n < 0 ? "-" : "") + (t / scale) + "." + frac;
  }
}
