package io.jbuild.builder;

import io.jbuild.graph.Vertex;
import java.util.List;

/**
 * A build step failed: a RUN that exited non-zero (exitCode >= 0, with its last output lines),
 * or a step that could not be done (exitCode -1, the cause says why).
 */
public final class StepFailedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient Vertex vertex;
  private final int exitCode;
  private final List<String> lastLines;

  public StepFailedException(Vertex vertex, String message, int exitCode, List<String> lastLines, Throwable cause) {
    super(message, cause);
    this.vertex = vertex;
    this.exitCode = exitCode;
    this.lastLines = List.copyOf(lastLines);
  }

  public Vertex vertex() {
    return vertex;
  }

  /** The process's exit code for a failed RUN; -1 otherwise. */
  public int exitCode() {
    return exitCode;
  }

  /** The last lines the RUN printed (up to 20). */
  public List<String> lastLines() {
    return lastLines;
  }
}
