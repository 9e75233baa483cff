package io.jbuild.api;

import java.util.List;

/**
 * A build that did not produce an image. {@link #getMessage()} is the whole story for a person:
 * where (Dockerfile:LINE, flag, file), what, and the next step; {@link #kind()} lets a caller
 * pick an exit code.
 */
public class BuildException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why the build stopped. */
  public enum Kind {
    /** The user's input is wrong: Dockerfile, flags, context, references. */
    INVALID_INPUT,
    /** A build step ran and failed (a RUN's exit code, a COPY's missing file). */
    STEP_FAILED,
    /** A registry, the store, the runtime or the machine failed. */
    ENVIRONMENT,
    /** Interrupted (Ctrl-C). */
    CANCELLED
  }

  private final Kind kind;
  private final int exitCode;
  private final List<String> lastLines;

  public BuildException(Kind kind, String message, Throwable cause) {
    this(kind, message, -1, List.of(), cause);
  }

  public BuildException(Kind kind, String message, int exitCode, List<String> lastLines, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.exitCode = exitCode;
    this.lastLines = List.copyOf(lastLines);
  }

  public Kind kind() {
    return kind;
  }

  /** The failed RUN's exit code, or -1. */
  public int stepExitCode() {
    return exitCode;
  }

  public List<String> lastLines() {
    return lastLines;
  }
}
